"""gatesim optimise: the Erlang-C minimum of an M/M/c stage, an infeasible constraint, determinism."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from gatesim.cli import main
from gatesim.decide.rank import indistinguishable_from_best
from tests.helpers.decide_cases import LAM_H, erlang_c_wait_h, mmc_scenario, write_yaml

# Integration: runs the CLI end to end (see CONTRIBUTING.md, test tiers).
# slow too: searches of dozens of evaluations on process pools (~35 s); .ci/run runs the slow tier
pytestmark = [pytest.mark.integration, pytest.mark.slow]

MEAN_MIN = 1.8  # offered load a = 100/h x 1.8 min = 3 Erlangs
BOUND_MIN = 0.4  # mean wait in queue, minutes
SERVERS = (3, 8)


def _study(tmp: Path, bound_min: float = BOUND_MIN, extra: str = "") -> Path:
    write_yaml(tmp / "mmc.yaml", mmc_scenario(3, MEAN_MIN))
    (tmp / "study.yaml").write_text(
        f"""\
base: mmc.yaml
seed: 11
days: 1
decisions:
  gates.g.stages.s.servers: {{low: {SERVERS[0]}, high: {SERVERS[1]}, cost_per_unit: 1}}
constraints:
  - {{kpi: wait_mean_h, max: {bound_min / 60.0}, gates: all, confidence: 0.95}}
search: {{method: grid, replications: 3}}
select: {{top: 2, replications: 6}}
{extra}""",
        encoding="utf-8",
    )
    return tmp / "study.yaml"


def _erlang_minimum(bound_min: float) -> int:
    waits = {c: erlang_c_wait_h(LAM_H, MEAN_MIN / 60, c) * 60 for c in range(SERVERS[0], SERVERS[1] + 1)}
    # the case is only a test if no candidate sits near the bound (noise could flip it)
    assert all(w > 1.5 * bound_min or w < bound_min / 1.5 for w in waits.values()), waits
    return min(c for c, w in waits.items() if w <= bound_min)


def test_optimise_finds_the_erlang_c_minimum(tmp_path):
    spec = _study(tmp_path)
    out = tmp_path / "out"
    res = CliRunner().invoke(main, ["optimise", str(spec), "--out", str(out), "-j", "1", "-q"])
    assert res.exit_code == 0, res.output
    c_star = _erlang_minimum(BOUND_MIN)
    cands = pd.read_csv(out / "candidates.csv")
    chosen = cands[cands["chosen"]]
    assert len(chosen) == 1
    assert int(chosen["gates.g.stages.s.servers"].iloc[0]) == c_star
    # best.yaml is a scenario gatesim run accepts, with the chosen servers
    run = CliRunner().invoke(
        main, ["run", str(out / "best.yaml"), "--out", str(tmp_path / "r"), "-q", "--no-events"]
    )
    assert run.exit_code == 0, run.output
    resolved = (tmp_path / "r" / "scenario.resolved.yaml").read_text()
    assert f"servers: {c_star}" in resolved
    ev = pd.read_csv(out / "evaluations.csv")
    # every candidate x replication x gate, with the final stage's extra replications
    assert set(ev["gates.g.stages.s.servers"]) == set(range(SERVERS[0], SERVERS[1] + 1))
    assert ev.groupby("candidate")["replication"].nunique().max() == 6
    assert (out / "pareto.csv").exists() and "<img" in (out / "report.html").read_text()


def test_infeasible_constraint_exit_status_and_closest(tmp_path):
    spec = _study(tmp_path, bound_min=0.001)  # below even 8 servers' Erlang-C wait
    assert erlang_c_wait_h(LAM_H, MEAN_MIN / 60, SERVERS[1]) * 60 > 0.001 * 1.5
    res = CliRunner().invoke(main, ["optimise", str(spec), "--out", str(tmp_path / "o"), "-j", "1", "-q"])
    assert res.exit_code == 3, res.output
    assert "no configuration meets the constraints" in res.output
    assert "closest" in res.output and "candidate" in res.output
    assert not (tmp_path / "o" / "best.yaml").exists()
    # the closest named first is the configuration with the most servers, with how far it misses
    first = res.output.split("by cost):")[1].strip().splitlines()[0]
    assert first.startswith("1. candidate 5 (s: servers=8; cost 8) misses by \u00d7")
    assert "mean wait per truck at g" in first and "against a bound of 0.06 s" in first
    # the verdict names the stage that binds, and the chart draws the bound
    assert "What binds at g: s, the longest queue" in res.stdout
    page = (tmp_path / "o" / "report.html").read_text(encoding="utf-8")
    assert "Candidates (closest first" in page and "<div class='box'><table" in page  # a wide table scrolls


def test_bad_spec_one_line_exit_2(tmp_path):
    spec = _study(tmp_path, extra="bogus: 1\n")
    res = CliRunner().invoke(main, ["optimise", str(spec), "--out", str(tmp_path / "o")])
    assert res.exit_code == 2
    assert "bogus" in res.output and len(res.output.strip().splitlines()) == 1


def test_evaluations_identical_on_pool_sizes_and_resume(tmp_path):
    spec = _study(tmp_path, extra="")
    outs = []
    for j in ("1", "2"):
        out = tmp_path / f"o{j}"
        res = CliRunner().invoke(main, ["optimise", str(spec), "--out", str(out), "-j", j, "-q"])
        assert res.exit_code == 0, res.output
        outs.append((out / "evaluations.csv").read_bytes())
    assert outs[0] == outs[1]
    # the same command again runs nothing new and writes the same bytes
    res = CliRunner().invoke(main, ["optimise", str(spec), "--out", str(tmp_path / "o1"), "-q"])
    assert "0 runs made now" in res.output
    assert (tmp_path / "o1" / "evaluations.csv").read_bytes() == outs[0]


TPE = "search: {method: tpe, trials: 6, batch: 3, replications: 2}\nselect: {top: 2, replications: 3}\n"


def tpe_study(tmp: Path) -> Path:
    spec = _study(tmp)
    text = spec.read_text(encoding="utf-8").replace("search: {method: grid, replications: 3}\n", "")
    spec.write_text(text.replace("select: {top: 2, replications: 6}\n", TPE), encoding="utf-8")
    return spec


def test_tpe_search_identical_on_pool_sizes(tmp_path):
    spec = tpe_study(tmp_path)
    got = []
    for j in ("1", "2"):
        out = tmp_path / f"t{j}"
        res = CliRunner().invoke(main, ["optimise", str(spec), "--out", str(out), "-j", j, "-q"])
        assert res.exit_code in (0, 3), res.output
        assert "(tpe)" in res.output
        got.append((out / "evaluations.csv").read_bytes())
    assert got[0] == got[1]
    assert len(pd.read_csv(tmp_path / "t1" / "candidates.csv")) >= 2


def test_kpi_objective_under_budget_picks_the_best_affordable(tmp_path):
    spec = _study(tmp_path, extra="objective: {minimise: wait_mean_h}\nbudget: 6\n")
    out = tmp_path / "k"
    res = CliRunner().invoke(main, ["optimise", str(spec), "--out", str(out), "-j", "2", "-q"])
    assert res.exit_code == 0, res.output
    cands = pd.read_csv(out / "candidates.csv").set_index("gates.g.stages.s.servers")
    assert bool(cands.loc[6, "chosen"])  # more servers wait less; 7 and 8 are over budget
    assert not cands.loc[7, "feasible"] and "over budget" in cands.loc[7, "detail"]


def test_paired_check_sets_apart_only_real_differences():
    rng = np.random.default_rng(0)
    common = rng.normal(10, 3, size=(30, 1))  # the shared (CRN) part of every replication
    values = common + np.array([0.0, 0.01, 2.0]) + rng.normal(0, 0.05, size=(30, 3))
    best, close = indistinguishable_from_best(values, 0.95)
    assert best in (0, 1) and close == [1 - best]  # 0 and 1 differ by 0.01; 2 is 2 worse
