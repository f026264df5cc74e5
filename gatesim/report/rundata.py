"""What a run report reads from a run directory (output files only, never the model's state).

The run's ``scenario.resolved.yaml`` is read back as the typed ``Scenario`` (the schema's own
models and defaults), and derived quantities such as a stage's mean service time come from the
model's own functions, so the report cannot drift from what was simulated."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
from ruamel.yaml import YAML
from ruamel.yaml.error import YAMLError

from gatesim.errors import InputError
from gatesim.model.trucks import mean_service_h
from gatesim.projections.registry import gate_name
from gatesim.rundir import read_csv_checked, read_manifest
from gatesim.scenario.load import validate
from gatesim.scenario.schema import DIRECTIONS, Gate, RoadStage, Scenario

__all__ = ["RunData", "nominal_capacity", "read_run", "stage_order"]


@dataclass
class RunData:
    root: Path
    manifest: dict
    summary: pd.DataFrame
    ci: pd.DataFrame
    series: pd.DataFrame  # with a parsed ``when`` column (start of the hour, Hanoi)
    scenario: Scenario | None  # the run's scenario.resolved.yaml, typed; None when the file is absent
    calibration: pd.DataFrame | None = None
    gates: list[str] = field(default_factory=list)  # in the order the run wrote them
    # crossings per (gate, day, direction), mean over replications, from the event logs; None without them
    by_direction: pd.DataFrame | None = None

    @property
    def names(self) -> dict[str, str]:
        return {g: gate_name(g, {g: cfg.name} if (cfg := self.gate_cfg(g)) else None) for g in self.gates}

    @property
    def targets_vnd(self) -> dict[str, float]:
        t = self.scenario.targets.revenue_2026_vnd if self.scenario is not None else {}
        return {str(k): float(v) for k, v in t.items()}

    def gate_cfg(self, gate: str) -> Gate | None:
        """The gate as simulated; None without a resolved scenario or for a gate it does not hold."""
        return self.scenario.gates.get(gate) if self.scenario is not None else None


def _csv(path: Path) -> pd.DataFrame:
    if not path.exists():
        raise InputError("missing from the run directory", file=str(path))
    return read_csv_checked(path)  # whole, with rows: a cut-off file is named, not drawn


def read_calibration(path: Path) -> pd.DataFrame:
    table = _csv(path)
    needed = ["id", "target", "model_mean"]
    missing = [c for c in needed if c not in table.columns]
    if missing:
        raise InputError("not a calibration table", file=str(path), given=missing, allowed=", ".join(needed))
    return table


def read_run(root: Path, calibration: Path | None = None) -> RunData:
    root = Path(root)
    manifest = read_manifest(root)
    summary = _csv(root / "summary.csv")
    series = _csv(root / "timeseries.csv")
    if "time" not in series.columns:
        raise InputError("no time column", file=str(root / "timeseries.csv"), allowed="gatesim run output")
    missing = [c for c in ("scenario", "gate", "replication") if c not in summary.columns]
    if missing:
        raise InputError(f"missing columns {', '.join(missing)} (damaged?)", file=str(root / "summary.csv"))
    try:
        series["when"] = pd.to_datetime(series["time"], format="%Y-%m-%d %H:%M")
    except (ValueError, TypeError) as e:
        raise InputError(
            f"time column: {str(e).splitlines()[0][:100]}", file=str(root / "timeseries.csv")
        ) from None
    ci_path = root / "summary_ci.csv"
    ci = _csv(ci_path) if ci_path.exists() else pd.DataFrame()
    scenario = read_resolved(root / "scenario.resolved.yaml")
    cal_path = calibration or (root / "calibration.csv")
    cal = read_calibration(Path(cal_path)) if (calibration or cal_path.exists()) else None
    gates = list(dict.fromkeys(summary["gate"]))
    return RunData(root, manifest, summary, ci, series, scenario, cal, gates, crossings_by_direction(root))


def read_resolved(yaml_path: Path) -> Scenario | None:
    """The run's resolved scenario, validated by the schema (None when the run has none)."""
    if not yaml_path.exists():
        return None
    try:
        resolved = YAML(typ="safe").load(yaml_path.read_text(encoding="utf-8")) or {}
    except (YAMLError, UnicodeDecodeError) as e:
        raise InputError(f"damaged ({type(e).__name__})", file=str(yaml_path)) from None
    if not isinstance(resolved, dict):
        raise InputError("damaged: not a mapping", file=str(yaml_path))
    return validate(resolved, file=str(yaml_path))


def crossings_by_direction(root: Path) -> pd.DataFrame | None:
    """Crossings per gate, Hanoi calendar day and direction (mean over replications), counted
    from the event logs: each CROSSED event's truck and that truck's recorded direction.
    None when the run kept no event logs (``--no-events``)."""
    import datetime as dt

    import numpy as np

    from gatesim.events.kinds import Kind
    from gatesim.events.store import read_log

    files = sorted((Path(root) / "events").glob("rep_*.parquet"))
    if not files:
        return None
    frames = []
    for r, path in enumerate(files):
        log = read_log(path, payload=["direction"])
        crossed = log.kind == Kind.CROSSED
        t0 = dt.datetime.fromisoformat(log.meta["t0"])
        hours = log.t_h[crossed]
        day = pd.Timestamp(t0.date()) + pd.to_timedelta(np.floor((t0.hour + hours) / 24), unit="D")
        ids = [g["id"] for g in log.meta["gates"]]
        frames.append(
            pd.DataFrame(
                {
                    "replication": r,
                    "gate": np.asarray(ids, dtype=object)[log.gate[crossed]],
                    "day": day,
                    "direction": np.asarray(log.meta["directions"], dtype=object)[
                        log.payload["direction"][log.truck[crossed]]
                    ],
                }
            )
        )
    allx = pd.concat(frames, ignore_index=True)
    counts = allx.groupby(["gate", "day", "direction", "replication"]).size()
    full = counts.unstack("replication", fill_value=0).stack()  # a day without crossings counts 0
    return full.groupby(level=["gate", "day", "direction"]).mean().unstack("direction", fill_value=0.0)


def stage_order(gate: Gate | None, stage_ids: list[str]) -> list[str]:
    """Stages in the order trucks meet them (export route first), then any others."""
    order: list[str] = []
    for d in DIRECTIONS:
        route = gate.routes.get(d) if gate is not None else None
        for s in route.stages if route is not None else []:
            if s not in order:
                order.append(s)
    return [s for s in order if s in stage_ids] + [s for s in stage_ids if s not in order]


def nominal_capacity(gate: Gate | None) -> dict[str, tuple[float, str]]:
    """Per stage: (trucks/day a stage can serve when busy all its open hours, which directions use it).

    Nominal: servers x open hours x 60 / mean service minutes (road: all lanes x
    vehicles per lane per hour x open hours), capped by ``daily_capacity``.
    Stages with unlimited servers and no daily cap are left out.
    """
    out: dict[str, tuple[float, str]] = {}
    if gate is None:
        return out
    for sid, st in gate.stages.items():
        open_h = st.hours.close_h - st.hours.open_h
        cap = float("inf")
        if isinstance(st, RoadStage):
            cap = float(st.servers) * st.per_lane_vehicles_per_h * open_h
        elif st.servers:
            mean_h = mean_service_h(gate, sid)
            if mean_h > 0:
                cap = float(st.servers) * open_h / mean_h
        if st.daily_capacity is not None:
            cap = min(cap, float(st.daily_capacity))
        if cap == float("inf"):
            continue
        dirs = [d for d in DIRECTIONS if d in gate.routes and sid in gate.routes[d].stages]
        out[sid] = (cap, "both directions" if len(dirs) == 2 else (f"{dirs[0]} only" if dirs else "unused"))
    return out
