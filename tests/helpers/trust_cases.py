"""A tiny scenario, its priors and targets, for the trust tests (one gate, exports only).

The Chinese side's acceptance time ``accept_min`` governs how many trucks a
day cross: 400 arrive, the lane is open 08:00-20:00 China time, so 720 /
accept_min are accepted a day. Data are simulated at TRUE_ACCEPT_MIN.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

TRUE_ACCEPT_MIN = 3.0

SCENARIO = """\
name: tiny
calendar: {start_date: 2026-03-02, warmup_days: 1, drain_days: 0}
run: {days: 2, replications: 2, seed: 7}
economy: {vnd_per_usd: 26000}
cargo:
  fruit: {value_usd_mean: 6000, value_cv: 0.5, tax_rate: {export: 0.0, import: 0.1}}
  electronics: {value_usd_mean: 9000, value_cv: 0.5, tax_rate: {export: 0.0, import: 0.1}}
  other: {value_usd_mean: 5000, value_cv: 0.5, tax_rate: {export: 0.0, import: 0.1}}
fees:
  infrastructure_vnd_per_trip: {export: 1000000, import: 1000000}
  transshipment_vnd_per_truck: 0
gates:
  g:
    name: G
    arrivals:
      per_day: 400
      export_share: 1.0
      cargo_mix:
        export: {fruit: 1.0, electronics: 0.0, other: 0.0}
        import: {fruit: 1.0, electronics: 0.0, other: 0.0}
      channel_shares: {green: 1.0, yellow: 0.0, red: 0.0}
      transshipment_share: 0.0
    yard: {capacity_trucks: 300}
    stages:
      fees:
        role: fees
        servers: 4
        service: {dist: lognormal, cv: 0.5, steps_min: {pay: 5}}
      cn_acceptance:
        role: acceptance
        servers: 1
        hours: {tz: china, open_h: 8, close_h: 20}
        service: {dist: deterministic, steps_min: {acceptance: %(accept)s}}
    routes:
      export: {stages: [fees, cn_acceptance], yard_from: fees, yard_until: cn_acceptance}
sources:
  gates.g.stages.cn_acceptance: {basis: assumption, source: test, reason: "the unknown"}
  gates.g.stages.fees: {basis: assumption, source: test, reason: "held"}
  name: {basis: assumption, source: test}
"""

PRIORS = """\
scenario: tiny
varied:
  accept_min:
    paths: [gates.g.stages.cn_acceptance.service.steps_min.acceptance]
    low: %(low)s
    high: %(high)s
    covers: [gates.g.stages.cn_acceptance]
    reason: test
ranges:
  gates.g.stages.fees: {path: gates.g.stages.fees.servers, low: 2, high: 6, held: test, reason: test}
not_parameters:
  name: a label
"""

TARGETS = """\
experiments:
  e:
    what: two days of the tiny gate
    start: 2026-03-02
    days: 2
    warmup_days: 1
targets:
  - id: A
    what: accepted per day
    counts: trucks accepted
    value: %(accepted)s
    sd: %(sd)s
    unit: vehicles/day
    period: 2 days
    source: synthetic
    role: fit
    experiment: e
    measure: {rule: stage_ended_per_day, start: 2026-03-02, end: 2026-03-03, stage: cn_acceptance}
  - id: H
    what: in system at 20:00
    counts: trucks arrived not crossed
    value: %(waiting)s
    sd: %(sd_w)s
    unit: vehicles
    period: 2026-03-03
    source: synthetic
    role: holdout
    experiment: e
    measure: {rule: in_system_at, date: 2026-03-03, hour: 20}
"""


def write_case(
    root: Path,
    accept: float = TRUE_ACCEPT_MIN,
    low: float = 1.0,
    high: float = 8.0,
    accepted: float = 240.0,
    waiting: float = 300.0,
    measure_line: str | None = None,
) -> dict[str, Path]:
    """Write tiny.yaml, tiny.priors.yaml and targets.yaml into ``root``; return their paths."""
    root.mkdir(parents=True, exist_ok=True)
    sc = root / "tiny.yaml"
    sc.write_text(SCENARIO % {"accept": accept}, encoding="utf-8")
    pr = root / "tiny.priors.yaml"
    pr.write_text(PRIORS % {"low": low, "high": high}, encoding="utf-8")
    tg = root / "targets.yaml"
    text = TARGETS % {
        "accepted": accepted,
        "sd": 0.03 * accepted,
        "waiting": waiting,
        "sd_w": 0.1 * waiting + 5,
    }
    if measure_line is not None:
        text = text.replace(
            "    measure: {rule: stage_ended_per_day, start: 2026-03-02, end: 2026-03-03, stage: cn_acceptance}\n",
            measure_line,
        )
    tg.write_text(textwrap.dedent(text), encoding="utf-8")
    return {"scenario": sc, "priors": pr, "targets": tg}


def write_centre_ensemble(path: Path, scenario_path: Path | str) -> Path:
    """An ensemble file of one world at the priors' centre, valid for ``scenario_path`` and its priors
    (for tests of a command's handling of its inputs and outputs, not of a fit's result)."""
    import numpy as np
    import pandas as pd

    from gatesim.run import scenario_hash
    from gatesim.scenario.load import load_scenario
    from gatesim.trust.priors import default_priors_path, load_priors

    sc, res = load_scenario(Path(scenario_path))
    priors = load_priors(default_priors_path(scenario_path), sc, res)
    row = {
        "scenario": res.get("name"),
        "scenario_hash": scenario_hash(res),
        "priors": priors.digest,
        "set_id": 0,
        "I_max": 0.0,
        **priors.point(np.full(len(priors.names), 0.5)),
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    pd.DataFrame([row]).to_csv(path, index=False)
    return path
