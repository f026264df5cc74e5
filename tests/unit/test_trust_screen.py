"""The capacity screen, the measurement-rule checks and echo targets: all before anything runs."""

from __future__ import annotations

import math
import textwrap

import numpy as np
import pytest
from click.testing import CliRunner

from gatesim.cli import main
from gatesim.errors import InputError
from gatesim.scenario.load import load_scenario
from gatesim.trust.echo import check_echoes
from gatesim.trust.stability import backlog_trend, overloaded, utilisation
from gatesim.trust.targets import load_targets
from tests.helpers.trust_cases import write_case


def _loads(tmp_path, accept: float):
    paths = write_case(tmp_path / f"a{accept}", accept=accept)
    sc, _ = load_scenario(paths["scenario"])
    return utilisation(sc, 28)


def test_the_screen_rules_out_a_world_that_cannot_clear_its_arrivals_and_keeps_a_stable_one(tmp_path):
    # 400 exports a day; the Chinese lane is open 12 h: 720 / accept_min trucks a day
    bad = _loads(tmp_path, 3.0)  # 240 a day against 400
    good = _loads(tmp_path, 1.5)  # 480 a day against 400
    worst = overloaded(bad)
    assert [(x.gate, x.stage) for x in worst] == [("g", "cn_acceptance")]
    assert worst[0].capacity_per_day == pytest.approx(240.0)
    assert worst[0].arrivals_per_day == pytest.approx(400.0)
    assert worst[0].utilisation == pytest.approx(400 / 240)
    assert overloaded(good) == []
    acc = next(x for x in good if x.stage == "cn_acceptance")
    assert acc.utilisation == pytest.approx(400 / 480) and acc.direction == "export"


def test_a_server_schedule_counts_in_the_capacity(tmp_path):
    paths = write_case(tmp_path / "s", accept=3.0)
    text = (
        paths["scenario"]
        .read_text(encoding="utf-8")
        .replace(
            "        hours: {tz: china, open_h: 8, close_h: 20}\n",
            "        hours: {tz: china, open_h: 8, close_h: 20}\n        server_schedule: [{from_h: 8, to_h: 20, servers: 2}]\n",
        )
    )
    paths["scenario"].write_text(text, encoding="utf-8")
    sc, _ = load_scenario(paths["scenario"])
    acc = next(x for x in utilisation(sc, 28) if x.stage == "cn_acceptance")
    assert acc.capacity_per_day == pytest.approx(480.0)


def test_the_slope_test_flags_growth_and_not_noise():
    rng = np.random.default_rng(1)
    days = np.arange(28)
    steady = 80 + rng.normal(0, 15, (3, 28))
    growing = 80 + 40 * days + rng.normal(0, 15, (3, 28))
    slow = 80 + 0.5 * days + rng.normal(0, 2, (3, 28))  # significant but under 1% of 400 a day
    trends = backlog_trend(
        {"steady": steady, "growing": growing, "slow": slow},
        {"steady": 400, "growing": 400, "slow": 400},
        last_days=21,
        max_growth_share=0.01,
        z=3,
    )
    by = {t.gate: t for t in trends}
    assert not by["steady"].grows
    assert by["growing"].grows and by["growing"].slope_per_day == pytest.approx(40, rel=0.05)
    assert not by["slow"].grows and by["slow"].bound_per_day == pytest.approx(4.0)
    assert math.isfinite(by["steady"].se_per_day)


# ---- measurement rules that measure nothing are refused before anything runs -------------------

RULE = "    measure: {rule: stage_ended_per_day, start: 2026-03-02, end: 2026-03-03, stage: cn_acceptance}\n"


@pytest.mark.parametrize(
    ("line", "words"),
    [
        (RULE.replace("stage: cn_acceptance", "stage: nope"), "no such stage in the scenario"),
        (RULE.replace("end: 2026-03-03", "end: 2026-03-01"), "outside experiment e's measured days"),
        (
            RULE.replace("start: 2026-03-02, end: 2026-03-03", "start: 2026-03-03, end: 2026-03-02"),
            "end is before start",
        ),
        (RULE.replace("end: 2026-03-03", "end: 2026-04-30"), "outside experiment e's measured days"),
        (RULE.replace("end: 2026-03-03", "end: soon"), "not a date"),
        ("    measure: {rule: in_system_at, date: 2026-03-03, hour: 25}\n", "not an hour of the day"),
        ("    measure: {rule: in_system_at, date: 2026-03-03, hour: -1}\n", "not an hour of the day"),
        ("    measure: {rule: in_system_at, date: 2026-03-03, hour: noon}\n", "not an hour of the day"),
        ("    measure: {rule: in_system_at, hour: 20}\n", "rule in_system_at needs date"),
        ("    measure: {rule: in_system_at, date: 2026-03-03, direction: sideways}\n", "no such direction"),
        (
            "    measure: {rule: period_total, start: 2026-03-02, end: 2026-03-03, column: tax}\n",
            "no such period total",
        ),
    ],
)
def test_a_rule_that_measures_nothing_is_refused_before_anything_runs(tmp_path, monkeypatch, line, words):
    import gatesim.trust.targets as tg

    paths = write_case(tmp_path / "c", measure_line=line)
    monkeypatch.setattr(tg, "TARGETS_PATH", paths["targets"])
    out = tmp_path / "fitdir"
    res = CliRunner().invoke(
        main, ["calibrate", str(paths["scenario"]), "--fit", str(out), "--sets", "2", "-q"]
    )
    assert res.exit_code == 2, res.output
    assert words in res.output and len(res.output.strip().splitlines()) == 1, res.output
    assert "targets.yaml:" in res.output and "targets.0.measure" in res.output
    assert not out.exists()


# ---- echo targets --------------------------------------------------------------------------------

ECHO = textwrap.dedent(
    """\
      - id: T
        what: crossings per day
        counts: trucks crossed
        value: 400
        sd: 20
        unit: vehicles/day
        period: 2 days
        source: synthetic
        role: %(role)s
        experiment: e
        measure: {rule: crossings_per_day, start: 2026-03-02, end: 2026-03-03}
    """
)


def _with_echo(tmp_path, role: str, flag: str = ""):
    paths = write_case(tmp_path / f"e{role}{bool(flag)}")
    extra = ECHO % {"role": role} + (f"  echo: {flag}\n" if flag else "")
    text = paths["targets"].read_text(encoding="utf-8") + textwrap.indent(extra, "  ")
    paths["targets"].write_text(text, encoding="utf-8")
    sc, res = load_scenario(paths["scenario"])
    return paths, sc, res


def test_a_target_that_returns_its_input_is_flagged_an_echo(tmp_path):
    paths, sc, res = _with_echo(tmp_path, "check")
    targets = load_targets(paths["targets"], gates=list(sc.gates))
    with pytest.raises(InputError) as e:
        check_echoes(targets, res)
    msg = str(e.value)
    assert "target T counts what its experiment sets (400 arriving a day against 400 published)" in msg
    assert "echo: true" in msg and "targets.2.echo" in msg
    paths, sc, res = _with_echo(tmp_path, "check", "true")
    targets = load_targets(paths["targets"], gates=list(sc.gates))
    # A counts acceptances at a lane that takes 240 of the 400 arriving: not an echo
    assert check_echoes(targets, res) == {"T": pytest.approx(400.0), "A": pytest.approx(400.0)}
    assert next(t for t in targets.targets if t.id == "T").echo


def test_an_echo_cannot_be_held_out(tmp_path):
    paths, sc, _ = _with_echo(tmp_path, "holdout", "true")
    with pytest.raises(InputError, match="returns an input .echo: true.: it cannot be held out"):
        load_targets(paths["targets"], gates=list(sc.gates))


def test_an_echo_is_reported_as_a_check_never_as_met():
    from types import SimpleNamespace

    from gatesim.trust.page import _verdict

    t = SimpleNamespace(echo=True, role="fit", id="F1")
    r = SimpleNamespace(discrepant=[])
    assert _verdict(t, r, 10, 1.0) == "echo check: clears its input"
    assert _verdict(t, r, 10, 0.0) == "echo check: does not clear its input"
    t2 = SimpleNamespace(echo=False, role="holdout", id="C5")
    assert _verdict(t2, r, 10, 1.0) == "met"


def test_the_shipped_targets_flag_their_echoes_and_have_a_long_experiment():
    sc, res = load_scenario("scenarios/baseline_2026.yaml")
    stages = sorted({s for g in sc.gates.values() for s in g.stages})
    targets = load_targets(gates=list(sc.gates), stages=stages)
    inputs = check_echoes(targets, res)
    by = {t.id: t for t in targets.targets}
    assert {"F1", "V1", "V2", "V3", "C2", "C6", "R1"} <= {k for k, t in by.items() if t.echo}
    assert by["F1"].role == "fit" and inputs["F1"] == pytest.approx(670, rel=1e-6)
    assert not any(t.echo and t.role == "holdout" for t in targets.targets)
    assert by["C1"].args["direction"] == "export" and by["C1_all"].role == "check"
    assert by["C4"].bound == "upper"
    st = targets.stability
    assert st is not None and targets.experiments[st.experiment].days >= 28


def test_an_upper_bound_never_rules_out_a_value_below_it():
    from gatesim.trust.fit import implausibility

    i = implausibility(20.0, np.array([0.0, 20.0, 50.0]), 10.0, 0.0, 0.0, upper_only=True)
    assert list(i) == [0.0, 0.0, 3.0]


def test_the_screen_gives_the_same_answer_on_several_processes(tmp_path):
    from gatesim.trust.priors import load_priors
    from gatesim.trust.stability import screen

    paths = write_case(tmp_path / "p", low=1.0, high=3.0)
    text = paths["targets"].read_text(encoding="utf-8")
    text = text.replace(
        "experiments:\n",
        "stability: {experiment: long, reason: test}\nexperiments:\n"
        "  long: {what: long, start: 2026-03-02, days: 28, warmup_days: 0}\n",
        1,
    )
    paths["targets"].write_text(text, encoding="utf-8")
    sc, res = load_scenario(paths["scenario"])
    priors = load_priors(paths["priors"], sc, res)
    targets = load_targets(paths["targets"], gates=list(sc.gates))
    sets = [{"set_id": i, "accept_min": 1.0 + 2.0 * i / 119} for i in range(120)]
    one, two = screen(priors, res, sets, targets, 1), screen(priors, res, sets, targets, 2)
    assert one == two
    assert [r["overloaded"] for r in one] == [s["accept_min"] >= 1.8 for s in sets]
