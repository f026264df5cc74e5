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
}


def label(key: str, lang: str) -> str:
    pair = _LABELS.get(key)
    if pair is None:
        return key
    return pair[1] if lang == "vi" else pair[0]
