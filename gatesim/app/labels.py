"""The app's words in English and Vietnamese (one key, both languages)."""

from __future__ import annotations

__all__ = ["label"]

LANGS = ("en", "vi")

_LABELS: dict[str, tuple[str, str]] = {
    "app": ("gatesim: Lạng Sơn border gates", "gatesim: cửa khẩu Lạng Sơn"),
    "home": ("Scenarios", "Kịch bản"),
    "runs": ("Runs", "Các lượt chạy"),
    "compare": ("Compare", "So sánh"),
    "pick": ("Pick a scenario or proposal to run", "Chọn kịch bản hoặc đề xuất để chạy"),
    "edit_run": ("Set up and run", "Thiết lập và chạy"),
    "parameters": ("Main parameters", "Thông số chính"),
    "scenario_wide": ("Whole scenario", "Toàn kịch bản"),
    "run": ("Run", "Chạy"),
    "cancel": ("Cancel", "Hủy"),
    "running": ("Running", "Đang chạy"),
    "done": ("Finished", "Đã xong"),
    "cancelled": ("Cancelled: nothing was written", "Đã hủy: không ghi gì"),
    "failed": ("The run stopped", "Lượt chạy dừng"),
    "replication": ("replication", "lần lặp"),
    "day": ("simulated day", "ngày mô phỏng"),
    "writing_report": ("writing the report and the map", "đang viết báo cáo và bản đồ"),
    "report": ("Report", "Báo cáo"),
    "map": ("Map replay", "Bản đồ diễn lại"),
    "open_run": ("Open the run", "Mở lượt chạy"),
    "scenario": ("Scenario", "Kịch bản"),
    "date": ("Finished (UTC)", "Hoàn thành (UTC)"),
    "size": ("Days × replications", "Số ngày × lần lặp"),
    "crossings": ("Crossings/day (all gates)", "Lượt qua/ngày (mọi cửa khẩu)"),
    "wait": ("Mean wait, h (worst gate)", "Thời gian chờ TB, giờ (cửa khẩu kém nhất)"),
    "queue": ("Longest queue, km", "Hàng chờ dài nhất, km"),
    "waiting20": ("Waiting at 20:00 (all gates)", "Xe tồn lúc 20:00 (mọi cửa khẩu)"),
    "compare_pick": (
        "Tick 2 to 4 runs and mark the base (default: the oldest ticked)",
        "Chọn 2 đến 4 lượt chạy và đánh dấu lượt gốc (mặc định: lượt cũ nhất đã chọn)",
    ),
    "base": ("Base", "Gốc"),
    "compare_go": ("Compare the ticked runs", "So sánh các lượt đã chọn"),
    "compare_count": ("pick 2 to 4 runs", "chọn 2 đến 4 lượt chạy"),
    "no_runs": ("No runs yet: pick a scenario and run it.", "Chưa có lượt chạy: chọn một kịch bản và chạy."),
    "field": ("Parameter", "Thông số"),
    "value": ("Value", "Giá trị"),
    "unit": ("Unit", "Đơn vị"),
    "range": ("Allowed", "Cho phép"),
    "help": ("What it is", "Ý nghĩa"),
    "gate": ("Gate", "Cửa khẩu"),
    "in_folder": ("Runs folder", "Thư mục lượt chạy"),
    "language": ("Tiếng Việt", "English"),
    "not_found": ("Not found", "Không tìm thấy"),
    "refused": ("Refused: outside the runs folder", "Từ chối: ngoài thư mục lượt chạy"),
    "headline": (
        "Key figures per gate (mean over replications)",
        "Số liệu chính theo cửa khẩu (trung bình các lần lặp)",
    ),
    "run.days": ("Days simulated after the warm-up", "Số ngày mô phỏng sau khởi động"),
    "run.replications": (
        "Independent replications (more: narrower CIs)",
        "Số lần lặp độc lập (nhiều hơn: khoảng tin cậy hẹp hơn)",
    ),
    "run.seed": ("Base seed of the random streams", "Hạt giống ngẫu nhiên"),
    "arrivals.per_day": (
        "Trucks arriving per day, both directions (before seasons)",
        "Số xe đến mỗi ngày, cả hai chiều (trước hệ số mùa vụ)",
    ),
    "arrivals.export_share": ("Share of the arrivals that are exports", "Tỷ lệ xe xuất khẩu trong số xe đến"),
    "growth.volume_multiplier": (
        "Every gate's arrivals multiplied by this",
        "Hệ số nhân số xe đến ở mọi cửa khẩu",
    ),
    "throughput_per_day": ("Crossings/day", "Lượt qua/ngày"),
    "wait_mean_h": ("Mean wait, h", "Thời gian chờ TB, giờ"),
    "waiting_at_20h_mean": ("Waiting at 20:00", "Xe tồn lúc 20:00"),
    "queue_max_km": ("Longest queue, km", "Hàng chờ dài nhất, km"),
    "answer_nav": ("Answer a proposal", "Đánh giá đề xuất"),
    "answer_it": ("answer it", "đánh giá đề xuất này"),
    "answer_title": ("Answer a proposal", "Đánh giá một đề xuất"),
    "answer_intro": (
        "Pick a proposal and the base it is set against. Both run in the calibrated baseline and in "
        "plausible worlds of the ensemble, with common random numbers; the answer then says what the "
        "proposal does, in plain words and units: the computation and the page of gatesim answer.",
        "Chọn một đề xuất và kịch bản gốc để so sánh. Cả hai được chạy trong kịch bản gốc đã hiệu chỉnh "
        "và trong các thế giới khả dĩ của tập hợp, với cùng các số ngẫu nhiên; kết quả cho biết tác động "
        "của đề xuất bằng lời và đơn vị dễ hiểu: cùng cách tính và cùng trang với gatesim answer.",
    ),
    "proposal": ("Proposal", "Đề xuất"),
    "worlds": ("Plausible worlds", "Số thế giới khả dĩ"),
    "worlds_help": (
        "Worlds of the ensemble run beside the calibrated baseline (more: a surer range)",
        "Số thế giới của tập hợp được chạy cùng kịch bản gốc đã hiệu chỉnh (nhiều hơn: khoảng chắc chắn hơn)",
    ),
    "days": ("Days per run", "Số ngày mỗi lượt chạy"),
    "days_help": ("Days simulated per run after the warm-up", "Số ngày mô phỏng mỗi lượt chạy sau khởi động"),
    "replications": ("Replications per world", "Số lần lặp mỗi thế giới"),
    "replications_help": ("2 or more measure the noise", "Từ 2 lần trở lên mới đo được nhiễu"),
    "answer_go": ("Answer", "Đánh giá"),
    "answering": ("Answering", "Đang đánh giá"),
    "answer_plan": (
        "checking the scenarios and choosing the plausible worlds",
        "đang kiểm tra kịch bản và chọn các thế giới khả dĩ",
    ),
    "answer_runs": ("runs done", "lượt chạy đã xong"),
    "about_left": ("about {time} left", "còn khoảng {time}"),
    "answer_reuse": (
        "reusing the runs of an earlier answer to the same question",
        "dùng lại các lượt chạy của một lần đánh giá trước cho cùng câu hỏi",
    ),
    "again": (
        "Answer it again in English (its runs are reused: a few seconds)",
        "Đánh giá lại bằng tiếng Việt (dùng lại các lượt chạy: vài giây)",
    ),
    "answer_analyse": (
        "comparing the runs and writing the answer page",
        "đang so sánh các lượt chạy và viết trang kết quả",
    ),
    "open_answer": ("Read the answer", "Đọc kết quả"),
    "answer_failed": ("The answer stopped", "Việc đánh giá đã dừng"),
    "written_in_en": (
        "This answer is in English (the app's language when it was started).",
        "Kết quả này bằng tiếng Anh (ngôn ngữ của ứng dụng khi bắt đầu đánh giá).",
    ),
    "written_in_vi": (
        "This answer is in Vietnamese (the app's language when it was started).",
        "Kết quả này bằng tiếng Việt (ngôn ngữ của ứng dụng khi bắt đầu đánh giá).",
    ),
    "answer_page": ("The answer page", "Trang kết quả"),
    "answer_size": ("Worlds × days × replications", "Số thế giới × ngày × lần lặp"),
    "answer_of": ("Answer", "Kết quả đánh giá"),
    "answers": ("Answers", "Các kết quả đánh giá"),
    "no_answers": (
        "No answers yet: Answer a proposal, at the top, makes one.",
        "Chưa có kết quả đánh giá: dùng mục Đánh giá đề xuất ở đầu trang.",
    ),
    "verdict": ("Verdict (first line)", "Kết luận (dòng đầu)"),
    "no_verdict": (
        "No effect on any figure at any gate",
        "Không tác động đến chỉ tiêu nào ở cửa khẩu nào",
    ),
    "same_scenario": (
        "the proposal and its base are the same scenario",
        "đề xuất và kịch bản gốc là cùng một kịch bản",
    ),
}


def label(key: str, lang: str) -> str:
    pair = _LABELS.get(key)
    if pair is None:
        return key
    return pair[1] if lang == "vi" else pair[0]
