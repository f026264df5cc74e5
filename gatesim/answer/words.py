"""The answer's words in English and Vietnamese; figures in plain units ("−6 min on 3 h 58 min") are
:mod:`gatesim.compare.plain`'s.

KPI names come from the KPI registry (``label`` / ``label_vi``); this module
holds only the sentences around them, one table with both languages, so a
phrase is never missing in one of them (``tests/unit/test_verdict_words.py``).
"""

from __future__ import annotations

from gatesim.compare.plain import plain, signed

__all__ = ["engine_words", "gate_name", "kpi_label", "kpi_unit", "phrase", "plain", "signed"]

LANGS = ("en", "vi")

PHRASES: dict[str, tuple[str, str]] = {
    "title": ("What {proposal} does", "Tác động của {proposal}"),
    "against": ("against {base}", "so với {base}"),
    "title_many": ("What the proposals do", "Tác động của các đề xuất"),
    "untouched_all": (
        "no effect on any figure at any gate",
        "không tác động đến chỉ tiêu nào ở cửa khẩu nào",
    ),
    "chance": (
        "the effect shuffled across worlds does as well in {p:.0%} of 200 shuffles",
        "xáo trộn tác động giữa các kịch bản cho kết quả tương tự trong {p:.0%} của 200 lần",
    ),
    "at_gate": ("At {gate}", "Tại {gate}"),
    "one_world": ("calibrated baseline", "kịch bản gốc đã hiệu chỉnh"),
    "worlds": ("across {n} plausible worlds", "trên {n} kịch bản khả dĩ"),
    "range": ("{low} to {high} (median {median})", "từ {low} đến {high} (trung vị {median})"),
    "on": ("{effect} on {base}", "{effect} trên mức {base}"),
    "figure": ("figure", "chỉ tiêu"),
    "verdict": ("verdict", "kết luận"),
    "size": ("size", "mức độ"),
    "no effect": ("no effect (identical in every run)", "không tác động (giống hệt ở mọi lần chạy)"),
    "no detectable effect": (
        "no detectable effect (within the noise)",
        "không phát hiện tác động (trong mức nhiễu)",
    ),
    "robust": ("detectable", "phát hiện được"),
    "sign depends on the world": (
        "detectable, its sign depends on the world",
        "phát hiện được, chiều tác động tùy kịch bản",
    ),
    "noise not measured (one replication)": (
        "noise not measured (use -r 2 or more)",
        "chưa đo nhiễu (dùng -r 2 trở lên)",
    ),
    "base saturated: see the queue's growth per day": (
        "the base's queue grows all along: see its growth per day",
        "hàng chờ của kịch bản gốc tăng liên tục: xem mức tăng mỗi ngày",
    ),
    "short:no effect": ("none (identical)", "không (giống hệt)"),
    "short:no detectable effect": ("within the noise", "trong mức nhiễu"),
    "short:robust": ("detectable", "phát hiện được"),
    "short:sign depends on the world": ("detectable, sign varies", "phát hiện được, chiều thay đổi"),
    "short:noise not measured (one replication)": ("noise not measured", "chưa đo nhiễu"),
    "short:base saturated: see the queue's growth per day": ("base saturated", "gốc quá tải"),
    "negligible": ("negligible", "không đáng kể"),
    "modest": ("modest", "vừa phải"),
    "large": ("large", "lớn"),
    "headline": (
        "{kpi} at {gate}: {change} ({size}; {verdict}) in the calibrated baseline; "
        "across {n} plausible worlds {range}.",
        "{kpi} tại {gate}: {change} ({size}; {verdict}) ở kịch bản gốc đã hiệu chỉnh; "
        "trên {n} kịch bản khả dĩ {range}.",
    ),
    "untouched": (
        "Untouched: {gates} (identical in every run).",
        "Không bị ảnh hưởng: {gates} (giống hệt ở mọi lần chạy).",
    ),
    "depends": (
        "What the effect on {kpi} depends on: {unknown} ({share:.0%} of its variance across worlds).",
        "Tác động lên {kpi} phụ thuộc chủ yếu vào: {unknown} ({share:.0%} phương sai giữa các kịch bản).",
    ),
    "depends_none": (
        "No unknown explains the effect's spread across these {n} worlds better than chance "
        "(more worlds, --worlds, would rank them).",
        "Không ẩn số nào giải thích độ phân tán của tác động trên {n} kịch bản này tốt hơn ngẫu nhiên "
        "(thêm kịch bản, --worlds, để xếp hạng).",
    ),
    "split": (
        "The effect on {kpi} splits: {big} where {cond}; {small} otherwise.",
        "Tác động lên {kpi} chia hai: {big} khi {cond}; {small} trong các trường hợp khác.",
    ),
    "tail": (
        "In {k} of {n} worlds the effect on {kpi} is large: {span} (ensemble sets {ids}).",
        "Trong {k} trên {n} kịch bản, tác động lên {kpi} lớn: {span} (bộ tham số {ids}).",
    ),
    "settle": ("What would settle it: {measure}.", "Phép đo giúp kết luận: {measure}."),
    "settle_rank": (
        "unknowns ranked by their share of the effect's variance",
        "các ẩn số xếp theo tỷ phần phương sai của tác động",
    ),
    "left_out": (
        "{n} of {total} worlds left out at {gate}: the base's queue grows all along there (saturated).",
        "Bỏ qua {n} trong {total} kịch bản tại {gate}: hàng chờ của kịch bản gốc tăng liên tục (quá tải).",
    ),
    "saturated_base": (
        "{gate} is saturated in the base: its queue grows by {growth} a day; the proposal changes that by {change}.",
        "{gate} quá tải ở kịch bản gốc: hàng chờ tăng {growth} mỗi ngày; đề xuất thay đổi mức này {change}.",
    ),
    "runs": (
        "{runs} runs ({worlds} worlds incl. the calibrated baseline × {variants} scenarios × {reps} replications, "
        "{days} days each) on {engine}; an estimate: about {minutes} on {workers} worker(s)",
        "{runs} lần chạy ({worlds} kịch bản kể cả kịch bản gốc × {variants} phương án × {reps} lần lặp, "
        "mỗi lần {days} ngày) trên {engine}; ước tính: khoảng {minutes} với {workers} tiến trình",
    ),
    "engine:kernel": ("the compiled kernel", "lõi biên dịch"),
    "engine:fast": ("the SimPy engine", "bộ mô phỏng SimPy"),
    "engine:reference": ("the SimPy reference engine", "bộ mô phỏng SimPy tham chiếu"),
    "engine:and": ("{a} and {b}", "{a} và {b}"),
    "details": ("Delay cost, statistics and method", "Chi phí chờ, thống kê và phương pháp"),
    "delay_parts": ("Delay cost by part (calibrated baseline)", "Chi phí chờ theo thành phần (kịch bản gốc)"),
    "method": ("Method", "Phương pháp"),
    "statistics": ("Statistics", "Thống kê"),
    "all_rows": ("Every verdict row", "Toàn bộ các dòng kết luận"),
    "unknown": ("unknown", "ẩn số"),
    "share": ("share of variance", "tỷ phần phương sai"),
    "measure": ("measurement", "phép đo"),
    "base_level": ("base", "gốc"),
    "effect": ("effect", "tác động"),
    "paired_with": (
        "Paired with its own base: {base} (the same {context}).",
        "So với kịch bản gốc tương ứng: {base} (cùng {context}).",
    ),
    "method_text": (
        "Every scenario runs with the same random numbers (replication r draws the same trucks in every "
        "scenario), in the calibrated baseline and in {n} plausible worlds of {ensemble}, so each effect is a "
        "paired difference. Noise first: in each world a paired t test over the replications, the worlds "
        "combined by Fisher's method; Benjamini-Hochberg over the {rows} verdict rows (false discovery rate "
        "{fdr:.0%}). Size: {sizes}. Where a base's queue grows all along ({sat:g}% of arrivals a day or more), "
        "its waits and queues grow with the window: those worlds are left out of them and counted, and the "
        "queue's growth per day is reported. What the effect depends on: each unknown's share of the effect's "
        "variance across worlds (between-group variance of the effect binned by the unknown, adjusted for the "
        "number of bins); an unknown is named only when the effect shuffled across worlds (200 shuffles) "
        "reaches its share less than 5% of the time; a split is reported where one cut of one or two unknowns "
        "explains at least half of it, one side is negligible and the shuffled effect splits as well less than "
        "5% of the time; worlds where the effect is large though its "
        "median is not are counted and named by their ensemble sets.",
        "Mọi phương án chạy với cùng chuỗi số ngẫu nhiên (lần lặp r có cùng dòng xe ở mọi phương án), ở kịch "
        "bản gốc đã hiệu chỉnh và {n} kịch bản khả dĩ của {ensemble}, nên mỗi tác động là hiệu số cặp đôi. Nhiễu "
        "được xét trước: trong mỗi kịch bản một kiểm định t cặp đôi trên các lần lặp, gộp các kịch bản theo "
        "phương pháp Fisher; Benjamini-Hochberg trên {rows} dòng kết luận (tỷ lệ phát hiện sai {fdr:.0%}). Mức "
        "độ: {sizes}. Khi hàng chờ của kịch bản gốc tăng liên tục (từ {sat:g}% lượng xe đến mỗi ngày), thời "
        "gian chờ tăng theo độ dài kỳ: các kịch bản đó bị loại khỏi các chỉ tiêu này (có đếm) và báo cáo mức "
        "tăng hàng chờ mỗi ngày. Sự phụ thuộc: tỷ phần phương sai của tác động giữa các kịch bản mà mỗi ẩn số "
        "giải thích (phương sai giữa các nhóm, hiệu chỉnh theo số nhóm); báo cáo sự chia hai khi một ngưỡng "
        "của một hoặc hai ẩn số giải thích ít nhất một nửa, một phía không đáng kể và tác động bị xáo trộn chỉ "
        "chia hai tương tự dưới 5% số lần; một ẩn số chỉ được nêu "
        "khi xáo trộn tác động giữa các kịch bản (200 lần) đạt tỷ phần đó dưới 5% số lần; các kịch bản có tác "
        "động lớn trong khi trung vị không lớn được đếm và nêu theo bộ tham số.",
    ),
}

_BACKLOG_LABEL = ("queue's growth per day", "mức tăng hàng chờ mỗi ngày")

_GATES = {
    "tan_thanh": "Tân Thanh",
    "huu_nghi": "Hữu Nghị",
    "coc_nam": "Cốc Nam",
    "chi_ma": "Chi Ma",
}


def phrase(key: str, lang: str, **kw: object) -> str:
    """The phrase ``key`` in ``lang`` with ``kw`` filled in."""
    en, vi = PHRASES[key]
    return (vi if lang == "vi" else en).format(**kw)


def engine_words(engines: dict[str, int], lang: str) -> str:
    """``the compiled kernel (24) and the SimPy engine (20)``: the runs on each engine."""
    if len(engines) == 1:
        return phrase(f"engine:{next(iter(engines))}", lang)
    words = [f"{phrase(f'engine:{e}', lang)} ({n})" for e, n in engines.items()]
    return words[0] if len(words) == 1 else phrase("engine:and", lang, a=", ".join(words[:-1]), b=words[-1])


def gate_name(gate: str, names: dict[str, str] | None = None) -> str:
    return (names or {}).get(gate) or _GATES.get(gate, gate.replace("_", " ").title())


def kpi_label(kpi: str, lang: str) -> str:
    """The registry's label of ``kpi`` in ``lang``; the queue's growth per day is the answer's own figure."""
    from gatesim.compare.verdict import BACKLOG_KPI
    from gatesim.projections import registry

    if kpi == BACKLOG_KPI:
        return _BACKLOG_LABEL[1] if lang == "vi" else _BACKLOG_LABEL[0]
    return registry.label(kpi, lang)


def kpi_unit(kpi: str) -> str:
    """The unit ``kpi`` is stored in."""
    from gatesim.compare.verdict import BACKLOG_KPI
    from gatesim.projections import registry

    return "trucks/day" if kpi == BACKLOG_KPI else registry.by_column(kpi).unit
