"""The KPI registry: every column of ``summary.csv`` and ``timeseries.csv``, defined once.

One entry per column: its name, unit, label (the words shown everywhere: the
terminal, the report, ``compare``, ``docs/proposals.md``), definition, whether
higher is better, how it is aggregated over replications (and, for the hourly
series, over the hours of a day) and where it is shown. Per-stage columns are
patterns with ``<stage>`` in the name (``util_<stage>``); their label names the
stage. ``summary.csv``'s column order is this registry's order.

``tests/integration/test_registry.py`` holds the outputs to it: every column written is
here, every entry appears where it says, and no KPI label is written elsewhere.
A new KPI (the engine's ``reneged``, say) is one entry here, placed where its
column goes in ``summary.csv``, plus its fold in ``kpis.py``/``timeseries.py``.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Literal, get_args

__all__ = [
    "HEADLINE_EXTRAS",
    "KPIS",
    "by_column",
    "columns",
    "find",
    "gate_name",
    "kpi_label",
    "kpi_scale",
    "kpi_unit",
    "label",
    "scale",
    "short",
    "stage_label",
]

# Where a column is shown. summary: summary.csv (and summary_ci.csv, results.csv
# of a sweep, compare's rows); timeseries: timeseries.csv; terminal: the table
# `gatesim run` prints; report: the run report's KPI table; proposals: the tables
# of docs/proposals.md; corridor: summary.csv of a corridor run (appended after the others);
# corridor_timeseries: timeseries.csv of a corridor run (appended after the others, in registry order);
# smart_gate / smart_gate_timeseries: summary.csv / timeseries.csv of a run with an automated lane or
# a route buffer (appended last, in registry order).
Where = Literal[
    "id",
    "summary",
    "timeseries",
    "terminal",
    "report",
    "proposals",
    "corridor",
    "corridor_timeseries",
    "smart_gate",
    "smart_gate_timeseries",
]
SHOWN: tuple[str, ...] = get_args(Where)

# One name per stage in every table and chart, whatever the gate: the role, never a place.
STAGE_LABELS = {
    "approach": "approach road (waiting for a yard slot)",
    "declaration": "customs declaration",
    "fees": "fee payment",
    "road": "dedicated road",
    "handover": "handover / transshipment",
    "cn_acceptance": "acceptance, Chinese side",
    "cn_release": "release, Chinese side",
    "access_road": "access road",  # which road, and its source: the scenario's stage and sources
}


STAGE_LABELS_VI = {
    "approach": "đường dẫn (chờ chỗ trong bãi)",
    "declaration": "khai báo hải quan",
    "fees": "nộp phí",
    "road": "đường chuyên dụng",
    "handover": "giao nhận / sang tải",
    "cn_acceptance": "tiếp nhận, phía Trung Quốc",
    "cn_release": "cho xe qua, phía Trung Quốc",
    "access_road": "đường vào (Chi Ma: đường tỉnh 236)",
}

# Names as the seed articles write them; used when a run does not carry its scenario's gate names.
GATE_NAMES = {"tan_thanh": "Tân Thanh", "huu_nghi": "Hữu Nghị", "coc_nam": "Cốc Nam", "chi_ma": "Chi Ma"}


def stage_label(stage: str, lang: str = "en") -> str:
    labels = STAGE_LABELS_VI if lang == "vi" else STAGE_LABELS
    return labels.get(stage, stage.replace("_", " "))


def gate_name(gate_id: str, names: dict[str, str] | None = None) -> str:
    """The gate's name: the run's (``names``), else the seed articles' spelling, else its id."""
    return (names or {}).get(gate_id) or GATE_NAMES.get(gate_id, gate_id)


@dataclass(frozen=True)
class Kpi:
    column: str  # the CSV column; "<stage>" in a pattern
    unit: str  # the column's unit, as stored
    label: str  # the words shown for it everywhere
    definition: str
    higher_is_better: bool | None  # None: neither (a count of inputs, a diagnostic)
    aggregation: Literal["mean", "id"] = "mean"  # over replications (summary_ci, compare, tables)
    shown: frozenset[str] = field(default_factory=lambda: frozenset({"summary"}))
    short: str = ""  # a table header, the label's first words; default: the label
    shown_unit: str = ""  # the unit shown (default: the column's)
    scale: float = 1.0  # column value x scale = shown value
    digits: int = 2
    per_hour: Literal["sum", "level", "id", "mean", ""] = (
        ""  # timeseries: a flow in the hour, or a level at its end
    )
    # per_hour "mean": a mean over the hour's trucks; a day's mean weights the hours by this column
    # ("" for a share of all gates: the day's share is recomputed from the counts)
    per_hour_weight: str = ""
    label_vi: str = ""  # the label in Vietnamese (``--lang vi``); every entry has one

    def label_in(self, lang: str) -> str:
        """The label in ``lang`` ("en" or "vi")."""
        return self.label_vi if lang == "vi" and self.label_vi else self.label

    @property
    def is_pattern(self) -> bool:
        return "<stage>" in self.column

    @property
    def display_unit(self) -> str:
        return self.shown_unit or self.unit

    @property
    def header(self) -> str:
        return self.short or self.label


def _k(
    column: str, unit: str, lbl: str, lbl_vi: str, definition: str, better: bool | None, *shown: str, **kw
) -> Kpi:
    return Kpi(
        column, unit, lbl, definition, better, shown=frozenset(shown or ("summary",)), label_vi=lbl_vi, **kw
    )


_ID = "id"
_S, _T, _TERM, _R, _P, _C = "summary", "timeseries", "terminal", "report", "proposals", "corridor"
# Per-hour columns whose value is a flow in the hour (summed over a day) or a level.
_SUM, _LEVEL = {"per_hour": "sum"}, {"per_hour": "level"}
_CT = "corridor_timeseries"
_SG, _SGT = "smart_gate", "smart_gate_timeseries"


def _mean(weight: str) -> dict:
    return {"per_hour": "mean", "per_hour_weight": weight}


KPIS: tuple[Kpi, ...] = (
    # identifiers
    _k("scenario", "", "scenario", "kịch bản", "the scenario's name", None, _ID, _S, _T, aggregation="id"),
    _k("replication", "", "replication", "lần lặp", "replication number (0, 1, ...)", None, _ID, _S, _T, aggregation="id"),
    _k("seed", "", "seed", "hạt giống ngẫu nhiên", "the run's seed; replication r draws the same streams in every scenario", None, _ID, _S,
       aggregation="id"),
    _k("gate", "", "gate", "cửa khẩu", "the gate's id", None, _ID, _S, _T, aggregation="id"),
    _k("time", "", "hour", "giờ", "start of the hour, Hanoi time (YYYY-MM-DD HH:MM)", None, _ID, _T, aggregation="id"),
    _k("t_h", "h", "simulated hour", "giờ mô phỏng", "start of the hour in simulated hours", None, _ID, _T, aggregation="id"),
    # summary.csv, in column order
    _k("days", "days", "days simulated", "số ngày mô phỏng", "days of the measured window (warm-up and drain left out)", None, _S),
    _k("arrivals", "trucks", "trucks arrived", "số xe đến", "trucks that arrived in the window (or in the hour)", None,
       _S, _T, **_SUM),
    _k("departures", "trucks", "trucks that arrived and crossed", "số xe đến và đã qua cửa khẩu",
       "summary: trucks that arrived in the window and crossed before its end; timeseries: crossings in the hour",
       True, _S, _T, **_SUM),
    _k("left_in_system", "trucks", "trucks still in the system at the window's end", "số xe còn trong hệ thống cuối kỳ",
       "arrivals - departures - reneged: trucks of the window not yet crossed (nor gone) at its end", False, _S, _TERM, _P,
       short="left in system at end", digits=0),
    _k("reneged", "trucks", "trucks that gave up waiting and left", "số xe bỏ chờ và rời đi",
       "trucks that arrived in the window and left a stage's queue after their patience ran out, before the "
       "window's end (arrivals = departures + left_in_system + reneged); timeseries of a corridor run: trucks "
       "that gave up at the gate in the hour", False, _S, _TERM, _P, _CT,
       short="gave up waiting", digits=0, **_SUM),
    _k("throughput_per_day", "trucks/day", "crossings per day", "lượt xe qua mỗi ngày", "crossings in the window (any arrival time) per day",
       True, _S, _TERM, _R, _P, short="crossings/day", digits=1),
    _k("wait_mean_h", "h", "mean wait per truck", "thời gian chờ trung bình mỗi xe",
       "hours waiting (stage queues + approach road) per truck, over the trucks that arrived in the window and "
       "crossed before the run ended", False, _S, _TERM, _R, _P, short="wait mean h"),
    _k("wait_p95_h", "h", "95th percentile of wait", "thời gian chờ phân vị 95", "95th percentile of the same waits", False, _S, _TERM, _R, _P,
       short="wait p95 h"),
    _k("wait_max_h", "h", "longest wait", "thời gian chờ lâu nhất", "longest of the same waits", False, _S),
    _k("wait_left_out", "trucks", "trucks whose wait is not counted (inside at the run's end)", "số xe chưa tính thời gian chờ (còn trong cửa khẩu khi kết thúc)",
       "trucks of the window still inside when the run ended (drain included): when not 0 the wait figures are "
       "lower bounds", None, _S, _P, short="waits not counted", digits=0),
    _k("wait_approach_h", "h", "wait on the road approach (yard full)", "thời gian chờ trên đường dẫn (bãi đầy)",
       "mean hours on the approach road waiting for a yard slot, over the trucks counted in wait_mean_h", False,
       _S),
    _k("queue_mean", "trucks", "trucks waiting, time average", "số xe đang chờ, trung bình theo thời gian",
       "trucks waiting (not in service: stage queues + approach), time average over the window", False, _S, _P,
       short="queue mean trucks", digits=1),
    _k("queue_max", "trucks", "trucks waiting, maximum", "số xe đang chờ, tối đa", "maximum of the same count over the window", False, _S),
    _k("queue_max_km", "km", "longest approach queue (spillback)", "hàng chờ dài nhất trên đường dẫn (ùn ngược)",
       "longest approach queue in km: trucks on the approach x spacing / lanes", False, _S, _TERM, _R, _P,
       short="queue max km"),
    _k("truck_hours_delay", "truck-h", "truck-hours of waiting", "tổng giờ xe chờ",
       "truck-hours of waiting inside the window (queue_mean x window hours)", False, _S),
    _k("waiting_at_20h_mean", "trucks", "trucks in the system at 20:00", "số xe còn tồn lúc 20:00",
       "trucks in the system (arrived, not crossed) at 20:00 Hanoi time, mean over the window's days: the "
       "provincial bulletins' \"still waiting\" figure", False, _S, _TERM, _R, _P, short="in system at 20:00",
       digits=1),
    _k("value_usd", "USD", "declared value crossed in the window", "trị giá khai báo đã qua trong kỳ",
       "declared value of the trucks that crossed in the window", True, _S, _TERM, shown_unit="million USD",
       scale=1e-6, short="value crossed M USD"),
    _k("revenue_vnd", "VND", "customs tax due in the window", "thuế hải quan phải nộp trong kỳ",
       "customs tax, due when the declaration stage ends (summary: in the window; timeseries: in the hour)", True,
       _S, _T, _TERM, _R, _P, shown_unit="billion VND", scale=1e-9, digits=1, short="customs tax bn VND", **_SUM),
    _k("fees_vnd", "VND", "fees due in the window", "phí phải nộp trong kỳ",
       "infrastructure and transshipment fees, due when the fee stage ends (in the window / in the hour)", None,
       _S, _T, _TERM, _P, shown_unit="billion VND", scale=1e-9, short="fees bn VND", **_SUM),
    _k("time_in_system_mean_h", "h", "mean time in system per truck", "thời gian trung bình mỗi xe trong hệ thống",
       "hours from arrival to crossing (waiting + service + travel), over the trucks counted in wait_mean_h", False,
       _S, _TERM, _R, _P, short="time in system h"),
    _k("time_in_system_p95_h", "h", "95th percentile of time in system", "thời gian trong hệ thống phân vị 95", "95th percentile of the same times",
       False, _S),
    _k("time_in_yard_mean_h", "h", "mean time holding a yard slot", "thời gian trung bình giữ chỗ trong bãi",
       "hours from entering the yard to leaving it, over the trucks counted in wait_mean_h that used the yard",
       False, _S),
    _k("delay_cost_vnd", "VND", "delay cost of waiting", "chi phí do chờ đợi",
       "what the truck-hours of waiting in the window (the hour) cost: the sum of the five delay_cost_*_vnd parts",
       False, _S, _T, _TERM, _R, _P, shown_unit="billion VND", scale=1e-9, digits=2, short="delay cost bn VND",
       **_SUM),
    _k("delay_cost_operating_vnd", "VND", "delay cost: truck operating cost", "chi phí chờ: vận hành xe",
       "truck-hours of waiting x economy.delay_cost.operating_vnd_per_h", False, _S, shown_unit="billion VND",
       scale=1e-9),
    _k("delay_cost_driver_vnd", "VND", "delay cost: driver time", "chi phí chờ: thời gian của lái xe",
       "truck-hours of waiting x economy.delay_cost.driver_vnd_per_h", False, _S, shown_unit="billion VND",
       scale=1e-9),
    _k("delay_cost_parking_vnd", "VND", "delay cost: parking", "chi phí chờ: phí đỗ xe",
       "truck-hours of waiting / 24 x economy.delay_cost.parking_vnd_per_day", False, _S, shown_unit="billion VND",
       scale=1e-9),
    _k("delay_cost_reefer_vnd", "VND", "delay cost: reefer fuel", "chi phí chờ: nhiên liệu xe lạnh",
       "truck-hours of waiting of reefer cargo / 24 x economy.delay_cost.reefer_fuel_vnd_per_day", False, _S,
       shown_unit="billion VND", scale=1e-9),
    _k("delay_cost_inventory_vnd", "VND", "delay cost: inventory held", "chi phí chờ: vốn hàng hóa bị giữ",
       "sum over waiting truck-hours of the truck's declared value (VND) x its class's inventory_rate_per_h", False,
       _S, shown_unit="billion VND", scale=1e-9),
    _k("spoilage_vnd", "VND", "value lost to spoilage", "giá trị hàng hư hỏng",
       "declared value (VND) x the class's economy.spoilage curve at the truck's whole wait, over the trucks that "
       "crossed in the window (the hour)", False, _S, _T, _TERM, _R, _P, shown_unit="billion VND", scale=1e-9,
       digits=3, short="spoilage bn VND", **_SUM),
    _k("idle_truck_h", "truck-h", "truck-hours idling in queues", "giờ xe nổ máy chờ trong hàng",
       "truck-hours of waiting in the window x emissions.idle_share", False, _S),
    _k("idle_fuel_l", "L", "diesel burnt idling in queues", "dầu diesel tiêu hao khi nổ máy chờ", "idle truck-hours x emissions.idle_fuel_l_per_h", False,
       _S, _T, _TERM, _R, shown_unit="thousand L", scale=1e-3, digits=1, short="idle fuel k L", **_SUM),
    _k("co2_kg", "kg", "CO2 from idling in queues", "CO2 do nổ máy chờ", "idle fuel x emissions.co2_kg_per_l", False, _S, _T, _TERM, _R,
       _P, shown_unit="t", scale=1e-3, digits=1, short="CO2 t", **_SUM),
    _k("nox_kg", "kg", "NOx from idling in queues", "NOx do nổ máy chờ",
       "idle truck-hours x the fleet_mix's mean emissions.nox_g_per_idle_h / 1000", False, _S, _T, _R, **_SUM),
    _k("pm_kg", "kg", "PM from idling in queues", "bụi PM do nổ máy chờ",
       "idle truck-hours x the fleet_mix's mean emissions.pm_g_per_idle_h / 1000", False, _S, _T, _R, digits=3,
       **_SUM),
    # per-stage summary columns (after the others)
    _k("util_<stage>", "share", "utilisation: <stage>", "mức sử dụng: <stage>",
       "busy server-hours / (servers x open hours) of the stage in the window", None, _S, shown_unit="%",
       scale=100.0, digits=0),
    _k("wait_at_<stage>_h", "h", "wait at <stage>", "thời gian chờ tại <stage>",
       "mean hours in the stage's queue, over the trucks counted in wait_mean_h that passed the stage", False, _S),
    # timeseries.csv only
    _k("in_system", "trucks", "trucks in the system", "số xe trong hệ thống", "trucks arrived and not crossed, at the end of the hour", False,
       _T, **_LEVEL),
    _k("waiting", "trucks", "trucks waiting", "số xe đang chờ", "trucks waiting (stage queues + approach) at the end of the hour",
       False, _T, **_LEVEL),
    _k("at_approach", "trucks", "trucks on the approach road", "số xe trên đường dẫn", "trucks waiting for a yard slot at the end of the hour",
       False, _T, **_LEVEL),
    _k("at_yard", "trucks", "trucks in the yard", "số xe trong bãi", "trucks holding a yard slot at the end of the hour", None, _T,
       **_LEVEL),
    _k("at_<stage>", "trucks", "trucks at <stage>", "số xe tại <stage>", "trucks at the stage (queue + service) at the end of the hour",
       None, _T, **_LEVEL),
    _k("waiting_truck_h", "truck-h", "truck-hours of waiting in the hour", "giờ xe chờ trong giờ",
       "the integral of trucks waiting over the hour", False, _T, **_SUM),
    # summary.csv of a corridor run only (gatesim/projections/corridor_kpis.py), appended in this order;
    # counted over the corridor trucks ready to leave their origin in the window. Those also
    # shown corridor_timeseries are timeseries.csv columns of a corridor run (gatesim/projections/corridor_series.py),
    # counted by the hour of the event.
    _k("corridor_departed", "trucks", "trucks that left their origin for the gate", "số xe rời điểm xuất phát đến cửa khẩu",
       "corridor trucks ready in the window that left their origin for this gate; timeseries: trucks that left "
       "their origin for the gate in the hour", None, _C, _CT, digits=0, **_SUM),
    _k("corridor_share", "share", "share of the corridor's trucks choosing the gate", "tỷ lệ xe của hành lang chọn cửa khẩu",
       "corridor_departed over all window trucks that left, at any gate (diversion shows as a change of share); "
       "timeseries: over all trucks that left in the hour (a day's share: the day's corridor_departed over all "
       "gates')", None, _C, _CT, shown_unit="%", scale=100.0, digits=1, **_mean("")),
    _k("held_trucks", "trucks", "trucks held at their origin", "số xe bị giữ tại điểm xuất phát",
       "trucks held at their origin for the gate at least once (metering, cargo stops); timeseries: trucks put on "
       "hold for the gate in the hour", False, _C, _CT, digits=0, **_SUM),
    _k("held_h_mean", "h", "hours held at the origin per held truck", "số giờ bị giữ tại điểm xuất phát mỗi xe bị giữ",
       "hours held per held truck, until release or the run's end", False, _C),
    _k("origin_to_crossing_h", "h", "hours from origin to crossing", "số giờ từ điểm xuất phát đến khi qua cửa khẩu",
       "mean hours from ready-to-leave to crossing (held + travel + gate), trucks that crossed; timeseries: "
       "trucks that crossed in the hour", False, _C, _CT, **_mean("departures")),
    _k("booked", "trucks", "trucks that booked a slot and crossed", "số xe đặt chỗ và đã qua", "trucks that booked a slot at the gate and crossed"
       " (timeseries: in the hour)", None, _C, _CT, digits=0, **_SUM),
    _k("booked_wait_h", "h", "gate time of booked trucks", "thời gian tại cửa khẩu của xe đặt chỗ",
       "mean hours from arriving at the gate to crossing, booked trucks that crossed (timeseries: in the hour)",
       False, _C, _CT, **_mean("booked")),
    _k("walkin_wait_h", "h", "gate time of walk-in trucks", "thời gian tại cửa khẩu của xe không đặt chỗ",
       "mean hours from arriving at the gate to crossing, other trucks that crossed (timeseries: in the hour)",
       False, _C, _CT, **_mean("walkin")),
    _k("slot_use", "share", "booking slots used", "tỷ lệ sử dụng chỗ đặt trước", "booked over the slots offered in the window (a rough use: the "
       "window's trucks can use the drain's slots); timeseries: booked trucks that arrived in the hour (their "
       "slot's hour) over the slots offered in it", None, _C, _CT, shown_unit="%", scale=100.0, digits=0,
       **_mean("slots_offered")),
    _k("staging_mean_trucks", "trucks", "trucks in the staging yards (mean)", "số xe trong bãi chờ điều phối (trung bình)",
       "time-average over the window of the trucks in the gate's staging yards (platform dispatch; 0 without)",
       False, _C),
    _k("staging_max_trucks", "trucks", "trucks in the staging yards (max)", "số xe trong bãi chờ điều phối (tối đa)",
       "the most trucks in the gate's staging yards at once in the window (platform dispatch; 0 without)",
       False, _C, digits=0),
    _k("staging_full", "trucks", "held trucks sent back to their origin: staging yards full",
       "số xe phải chờ tại điểm xuất phát do bãi chờ đầy",
       "corridor trucks ready in the window that found every staging yard of the gate full and waited at "
       "their origin (platform dispatch; 0 without)", False, _C, digits=0),
    # summary.csv of a run with an automated lane or a route buffer (gatesim/projections/smart_gate.py),
    # appended in this order; empty for a gate without one
    _k("agv_containers", "containers", "containers carried by the automated lane", "số container do làn tự động chở",
       "containers the lane's vehicles unloaded on the far side in the window (timeseries: in the hour)", True, _SG,
       _SGT, digits=0, **_SUM),
    _k("agv_containers_per_day", "containers/day", "automated lane: containers per day", "làn tự động: số container mỗi ngày",
       "agv_containers over the window's days", True, _SG, digits=1, short="AGV lane"),
    _k("agv_containers_per_open_h", "containers/h", "automated lane: containers per open hour",
       "làn tự động: số container mỗi giờ mở cửa", "agv_containers over the lane's open hours in the window", True,
       _SG, digits=1),
    _k("agv_utilisation", "share", "automated lane: vehicle utilisation", "làn tự động: mức sử dụng xe",
       "vehicle-hours held (loading to the vehicle's return, charging included) within the lane's open hours in "
       "the window, over fleet x open hours", None, _SG, shown_unit="%", scale=100.0, digits=0,
       short="AGV utilisation"),
    _k("agv_wait_mean_h", "h", "wait for an automated vehicle", "thời gian chờ xe tự động",
       "mean hours from queueing for a vehicle to loading, over the containers that queued in the window and "
       "were loaded", False, _SG, short="AGV wait"),
    _k("buffer_mean_trucks", "trucks", "trucks in the buffer before the next side, time average",
       "số xe trong vùng đệm trước phía bên kia, trung bình theo thời gian",
       "trucks holding a place in the gate's route buffers, time average over the window", None, _SG, digits=1),
    _k("buffer_max_trucks", "trucks", "trucks in the buffer before the next side, maximum",
       "số xe trong vùng đệm trước phía bên kia, tối đa", "maximum of the same count over the window", None, _SG,
       digits=0, short="buffer max"),
    _k("buffer_blocked", "trucks", "trucks held back by a full buffer", "số xe bị giữ lại do vùng đệm đầy",
       "trucks that found a route buffer full in the window, or in the hour (they wait in the buffer's first "
       "stage's queue)", False, _SG, _SGT, digits=0, short="held back by buffer", **_SUM),
    _k("buffer_wait_mean_h", "h", "wait for a place in the buffer", "thời gian chờ chỗ trong vùng đệm",
       "mean hours from finding the buffer full to taking a place, over the trucks held back in the window that "
       "got one", False, _SG, short="buffer wait"),
    # timeseries.csv of a run with an automated lane or a route buffer only
    _k("agv_waiting", "containers", "containers waiting for an automated vehicle", "số container chờ xe tự động",
       "containers queued for a vehicle of the lane at the end of the hour", False, _SGT, digits=0, **_LEVEL),
    _k("buffer_trucks", "trucks", "trucks in the buffer before the next side", "số xe trong vùng đệm trước phía bên kia",
       "trucks holding a place in the gate's route buffers at the end of the hour", None, _SGT, digits=0,
       **_LEVEL),
    # timeseries.csv of a corridor run only (gatesim/projections/corridor_series.py)
    _k("held_at_origin", "trucks", "trucks waiting at their origin", "số xe đang chờ tại điểm xuất phát",
       "trucks held at their origin for the gate at the end of the hour", False, _CT, digits=0, **_LEVEL),
    _k("held_truck_h", "truck-h", "truck-hours held at the origin", "giờ xe bị giữ tại điểm xuất phát",
       "the integral over the hour of the trucks held at their origin for the gate", False, _CT, **_SUM),
    _k("walkin", "trucks", "walk-in trucks that crossed", "số xe không đặt chỗ đã qua", "trucks that crossed the gate in the hour without a "
       "booked slot", None, _CT, digits=0, **_SUM),
    _k("slots_offered", "trucks", "booking slots offered", "số chỗ đặt trước được cung cấp", "booking slots the gate offers in the hour", None, _CT,
       digits=0, **_SUM),
)  # fmt: skip

# A run's key figures (the table ``gatesim run`` prints and the report's headline): the terminal
# KPIs, then these, in registry order: a corridor run's and an automated lane's or route
# buffer's own KPIs (only such runs' summaries have the columns, so other runs show none).
HEADLINE_EXTRAS = (
    "corridor_share",
    "held_trucks",
    "held_h_mean",
    "origin_to_crossing_h",
    "booked_wait_h",
    "walkin_wait_h",
    "agv_containers_per_day",
    "agv_utilisation",
    "agv_wait_mean_h",
    "buffer_max_trucks",
    "buffer_blocked",
    "buffer_wait_mean_h",
)

_EXACT = {k.column: k for k in KPIS if not k.is_pattern}
_PATTERNS = [k for k in KPIS if k.is_pattern]


def _match(pattern: str, column: str) -> str | None:
    head, tail = pattern.split("<stage>")
    if column.startswith(head) and column.endswith(tail) and len(column) > len(head) + len(tail):
        return column[len(head) : len(column) - len(tail)]
    return None


def stage_of(column: str) -> str | None:
    """The stage id in a per-stage column's name (None for other columns)."""
    if column in _EXACT:
        return None
    for p in _PATTERNS:
        stage = _match(p.column, column)
        if stage is not None:
            return stage
    return None


def find(column: str) -> Kpi | None:
    """The entry of ``column`` (a pattern's entry with the stage filled in), or None."""
    k = _EXACT.get(column)
    if k is not None:
        return k
    for p in _PATTERNS:
        stage = _match(p.column, column)
        if stage is not None:
            return replace(
                p,
                column=column,
                label=p.label.replace("<stage>", stage_label(stage)),
                label_vi=p.label_vi.replace("<stage>", stage_label(stage, "vi")),
            )
    return None


def by_column(column: str) -> Kpi:
    """The entry of ``column``; a column not in the registry is a programming error."""
    k = find(column)
    if k is None:
        raise KeyError(f"{column!r} is not in the KPI registry (gatesim/projections/registry.py)")
    return k


def columns(where: str, patterns: bool = False) -> list[str]:
    """The KPI columns shown ``where``, in registry order (patterns left out unless
    asked; identifiers only for ``where="id"``)."""
    return [
        k.column
        for k in KPIS
        if where in k.shown
        and (patterns or not k.is_pattern)
        and ((where == "id") == (k.aggregation == "id"))
    ]


def label(column: str, lang: str = "en") -> str:
    """The words for ``column`` in ``lang`` ("en", the default, or "vi")."""
    k = find(column)
    return k.label_in(lang) if k is not None else column


def short(column: str) -> str:
    k = find(column)
    return k.header if k is not None else column


def unit(column: str) -> str:
    k = find(column)
    return k.display_unit if k is not None else ""


def scale(column: str) -> float:
    k = find(column)
    return k.scale if k is not None else 1.0


# The names the report and compare use for the three above (one home: this registry).
kpi_label = label
kpi_unit = unit
kpi_scale = scale
