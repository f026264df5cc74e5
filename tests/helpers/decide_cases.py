"""Tiny study files for the decide tests: one gate, one M/M/c stage (built by tests/helpers/tiny.py)."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML

from tests.helpers.tiny import one_gate_data, service_stage

__all__ = ["LAM_H", "erlang_c_wait_h", "mmc_scenario", "write_yaml"]

LAM_H = 100.0  # trucks per hour: flat profiles make the arrivals a Poisson process of this rate


def mmc_scenario(servers: int, mean_min: float, per_day: float = LAM_H * 24) -> dict[str, Any]:
    """One gate whose only stage is an M/M/c queue open around the clock."""
    data = one_gate_data({"s": service_stage(servers, mean_min)}, per_day, name="mmc", warmup_days=1)
    head = {"name": data.pop("name"), "run": {"days": 1, "replications": 3, "seed": 7}}
    return {**head, "calendar": data.pop("calendar"), **data}


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
