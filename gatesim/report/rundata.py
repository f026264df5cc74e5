"""What a run report reads from a run directory (output files only, never the model)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
from ruamel.yaml import YAML
from ruamel.yaml.error import YAMLError

from gatesim.errors import InputError
from gatesim.report.common import gate_name
from gatesim.rundir import read_csv_checked, read_manifest

__all__ = ["RunData", "crossings_by_direction", "nominal_capacity", "read_run", "stage_order"]


@dataclass
class RunData:
    root: Path
    manifest: dict
    summary: pd.DataFrame
    ci: pd.DataFrame
    series: pd.DataFrame  # with a parsed ``when`` column (start of the hour, Hanoi)
    resolved: dict
    calibration: pd.DataFrame | None = None
    gates: list[str] = field(default_factory=list)  # in the order the run wrote them
    # crossings per (gate, day, direction), mean over replications, from the event logs; None without them
    by_direction: pd.DataFrame | None = None

    @property
    def names(self) -> dict[str, str]:
        gates = self.resolved.get("gates", {}) or {}
        return {g: gate_name(g, {g: (gates.get(g) or {}).get("name", "")}) for g in self.gates}

    @property
    def targets_vnd(self) -> dict[str, float]:
        t = (self.resolved.get("targets") or {}).get("revenue_2026_vnd") or {}
        return {str(k): float(v) for k, v in t.items()}

    def gate_cfg(self, gate: str) -> dict:
        return (self.resolved.get("gates") or {}).get(gate) or {}


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
    resolved: dict = {}
    yaml_path = root / "scenario.resolved.yaml"
    if yaml_path.exists():
        try:
            resolved = YAML(typ="safe").load(yaml_path.read_text(encoding="utf-8")) or {}
        except (YAMLError, UnicodeDecodeError) as e:
            raise InputError(f"damaged ({type(e).__name__})", file=str(yaml_path)) from None
        if not isinstance(resolved, dict):
            raise InputError("damaged: not a mapping", file=str(yaml_path))
    cal_path = calibration or (root / "calibration.csv")
    cal = read_calibration(Path(cal_path)) if (calibration or cal_path.exists()) else None
    gates = list(dict.fromkeys(summary["gate"]))
    return RunData(root, manifest, summary, ci, series, resolved, cal, gates, crossings_by_direction(root))


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


def stage_order(gate_cfg: dict, stage_ids: list[str]) -> list[str]:
    """Stages in the order trucks meet them (export route first), then any others."""
    order: list[str] = []
    for d in ("export", "import"):
        for s in ((gate_cfg.get("routes") or {}).get(d) or {}).get("stages", []):
            if s not in order:
                order.append(s)
    return [s for s in order if s in stage_ids] + [s for s in stage_ids if s not in order]


def _mean_service_min(stage: dict, arrivals: dict) -> float:
    """Mean minutes per truck: steps + transshipment share x its steps + channel-weighted time."""
    svc = stage.get("service") or {}
    mean = sum((svc.get("steps_min") or {}).values())
    mean += float(arrivals.get("transshipment_share", 0.0)) * sum(
        (svc.get("transshipment_steps_min") or {}).values()
    )
    by_channel = svc.get("by_channel_min") or {}
    shares = arrivals.get("channel_shares") or {}
    mean += sum(float(shares.get(c, 0.0)) * float(m) for c, m in by_channel.items())
    return float(mean)


def nominal_capacity(gate_cfg: dict) -> dict[str, tuple[float, str]]:
    """Per stage: (trucks/day a stage can serve when busy all its open hours, which directions use it).

    Nominal: servers x open hours x 60 / mean service minutes (road: lanes x
    vehicles per lane per hour x open hours), capped by ``daily_capacity``.
    Stages with unlimited servers and no daily cap are left out.
    """
    arrivals = gate_cfg.get("arrivals") or {}
    routes = gate_cfg.get("routes") or {}
    out: dict[str, tuple[float, str]] = {}
    for sid, st in (gate_cfg.get("stages") or {}).items():
        hours = st.get("hours") or {}
        open_h = float(hours.get("close_h", 24.0)) - float(hours.get("open_h", 0.0))
        cap = float("inf")
        if st.get("kind") == "road":
            cap = float(st["lanes"]) * float(st["per_lane_vehicles_per_h"]) * open_h
        elif st.get("servers"):
            mean_min = _mean_service_min(st, arrivals)
            if mean_min > 0:
                cap = float(st["servers"]) * open_h * 60.0 / mean_min
        if st.get("daily_capacity") is not None:
            cap = min(cap, float(st["daily_capacity"]))
        if cap == float("inf"):
            continue
        dirs = [d for d in ("export", "import") if sid in ((routes.get(d) or {}).get("stages") or [])]
        out[sid] = (cap, "both directions" if len(dirs) == 2 else (f"{dirs[0]} only" if dirs else "unused"))
    return out
