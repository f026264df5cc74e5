"""Tiny study files for the decide tests: one gate, one M/M/c stage (as tests/validation/vv_build.py)."""

from __future__ import annotations

import copy
import math
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML

__all__ = ["LAM_H", "erlang_c_wait_h", "mmc_scenario", "write_yaml"]

LAM_H = 100.0  # trucks per hour: flat profiles make the arrivals a Poisson process of this rate

_BASE: dict[str, Any] = {
    "name": "mmc",
    "run": {"days": 1, "replications": 3, "seed": 7},
    "calendar": {"start_date": "2026-01-01", "warmup_days": 1},
    "economy": {"vnd_per_usd": 26000},
    "cargo": {
        c: {"value_usd_mean": 1000, "value_cv": 0.5, "tax_rate": {"export": 0.0, "import": 0.1}}
        for c in ("fruit", "electronics", "other")
    },
    "fees": {"infrastructure_vnd_per_trip": {"export": 1, "import": 1}, "transshipment_vnd_per_truck": 0},
}


def mmc_scenario(servers: int, mean_min: float, per_day: float = LAM_H * 24) -> dict[str, Any]:
    """One gate whose only stage is an M/M/c queue open around the clock."""
    data = copy.deepcopy(_BASE)
    stage = {
        "role": "other",
        "servers": servers,
        "hours": {"tz": "hanoi", "open_h": 0, "close_h": 24},
        "service": {"dist": "exponential", "cv": 1.0, "steps_min": {"s": mean_min}},
    }
    data["gates"] = {
        "g": {
            "name": "validation gate",
            "arrivals": {
                "per_day": per_day,
                "export_share": 1.0,
                "cargo_mix": {
                    "export": {"fruit": 1.0, "electronics": 0.0, "other": 0.0},
                    "import": {"fruit": 1.0, "electronics": 0.0, "other": 0.0},
                },
                "channel_shares": {"green": 1.0, "yellow": 0.0, "red": 0.0},
                "transshipment_share": 0.0,
                "hourly_profile": [1.0] * 24,
                "weekday_profile": [1.0] * 7,
            },
            "stages": {"s": stage},
            "routes": {"export": {"stages": ["s"]}},
        }
    }
    return data


def erlang_c_wait_h(lam_per_h: float, mean_service_h: float, servers: int) -> float:
    """M/M/c mean wait in queue (Erlang C), hours."""
    a = lam_per_h * mean_service_h
    if a >= servers:
        return math.inf
    b = 1.0
    for k in range(1, servers + 1):
        b = a * b / (k + a * b)
    rho = a / servers
    return b / (1.0 - rho * (1.0 - b)) * mean_service_h / (servers - a)


def write_yaml(path: Path, data: Any) -> Path:
    y = YAML(typ="safe", pure=True)
    y.default_flow_style = False
    with open(path, "w", encoding="utf-8") as f:
        y.dump(data, f)
    return path
