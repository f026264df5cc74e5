"""What the map replay shows, as one JSON-ready dict: the geography (seeds/geography.yaml,
projected to km) and the counts of every gate at a grid of instants (gatesim.projections.frames).
"""

from __future__ import annotations

import datetime as dt
import math
from pathlib import Path
from typing import Any

import numpy as np

from gatesim.errors import InputError
from gatesim.events.log import LogData
from gatesim.projections.frames import YARD_PLACE, frame_grid, frames_at, grid_step_min

__all__ = ["map_payload"]

GEOGRAPHY_PATH = Path(__file__).resolve().parents[2] / "seeds" / "geography.yaml"
_KM_PER_DEG_LAT = 111.32
_ORIGIN = (21.85, 106.76)  # Lạng Sơn city: the projection's origin (any nearby point would do)


def load_geography(path: Path = GEOGRAPHY_PATH) -> dict:
    """The places, roads and border of seeds/geography.yaml; InputError naming the file otherwise."""
    from ruamel.yaml import YAML, YAMLError

    try:
        data = YAML(typ="safe", pure=True).load(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InputError("geography file not found", file=str(path)) from None
    except YAMLError as e:
        raise InputError(f"not valid YAML ({' '.join(str(e).split())[:100]})", file=str(path)) from None
    if not isinstance(data, dict) or set(data) != {"places", "roads", "border"}:
        raise InputError("needs exactly the keys places, roads, border", file=str(path))
    for pid, p in data["places"].items():
        missing = {"name", "lat", "lon", "basis", "source"} - set(p)
        if missing:
            raise InputError(f"place lacks {', '.join(sorted(missing))}", file=str(path), key=f"places.{pid}")
    return data


def _km(lat: float, lon: float) -> list[float]:
    """Equirectangular km east and north of the origin (the map spans ~50 km: error < 0.1%)."""
    x = (lon - _ORIGIN[1]) * _KM_PER_DEG_LAT * math.cos(math.radians(_ORIGIN[0]))
    y = (lat - _ORIGIN[0]) * _KM_PER_DEG_LAT
    return [round(x, 3), round(y, 3)]


def stage_side(stage: dict) -> str:
    """Where a stage is drawn: ``cn`` (the Chinese side), ``road`` (the dedicated road), ``vn``."""
    role = stage.get("role") or ""
    if role in ("acceptance", "release"):
        return "cn"
    if role == "road" or stage["id"] == "road":
        return "road"
    return "vn"


def _geo(geography: dict) -> dict:
    places = {
        pid: {
            "name": p["name"],
            "xy": _km(p["lat"], p["lon"]),
            "approx": p["basis"] != "published",
            "counterpart": p.get("counterpart", ""),
            "source": p["source"],
        }
        for pid, p in geography["places"].items()
    }
    roads = {
        gid: {"label": r["label"], "xy": [_km(a, b) for a, b in r["via"]]}
        for gid, r in geography["roads"].items()
    }
    return {"places": places, "roads": roads, "border": [_km(a, b) for a, b in geography["border"]]}


def map_payload(log: LogData, title: str, geography: dict | None = None) -> dict[str, Any]:
    """The replay's data: geography, the frame instants and each gate's counts per place."""
    meta = log.meta
    horizon_h = float(meta.get("horizon_h", meta["window_end_h"]))
    step = grid_step_min(horizon_h)
    frames = frames_at(log, frame_grid(horizon_h, step))
    t0 = dt.datetime.fromisoformat(str(meta["t0"])).replace(tzinfo=None)
    gates = []
    for gf, gmeta in zip(frames.gates, meta["gates"], strict=True):
        series = {}
        for p, place in enumerate(gf.places):
            key = "yard" if place == YARD_PLACE else place
            series[key] = [gf.waiting[p].tolist(), gf.in_service[p].tolist()]
        gates.append(
            {
                "id": gf.gate,
                "name": gmeta.get("name", gf.gate),
                "yard_capacity": gmeta.get("yard_capacity"),
                "approach_lanes": gmeta.get("approach_lanes", 1),
                "truck_spacing_m": gmeta.get("truck_spacing_m", 20.0),
                "stages": [{"id": s["id"], "side": stage_side(s)} for s in gmeta["stages"]],
                "places": ["yard" if p == YARD_PLACE else p for p in gf.places],
                "series": series,
            }
        )
    return {
        "title": title,
        "t0": t0.strftime("%Y-%m-%dT%H:%M"),
        "step_min": step,
        "n": int(frames.t_h.size),
        "window_h": [float(meta.get("window_start_h", 0.0)), float(meta["window_end_h"])],
        "replication": int(meta.get("replication", 0)),
        "geo": _geo(geography if geography is not None else load_geography()),
        "gates": gates,
        # the most trucks waiting at one gate at one instant: scales the map's queue bars
        "peak": max((int(np.max(g.waiting[g.places.index("in_system")])) for g in frames.gates), default=0),
    }
