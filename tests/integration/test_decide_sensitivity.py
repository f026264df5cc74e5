"""gatesim sensitivity: a parameter outside the model gets ~0, a dominant one ranks first; small-sample warning."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from gatesim.cli import main
from tests.helpers.decide_cases import mmc_scenario, write_yaml

# Integration: runs the CLI end to end (see CONTRIBUTING.md, test tiers).
pytestmark = pytest.mark.integration

SERVICE = "gates.g.stages.s.service.steps_min.s"
ARRIVALS = "gates.g.arrivals.per_day"
DUMMY = "cargo.fruit.value_usd_mean"  # enters customs value and revenue, never a wait


def _spec(tmp, extra: str = "") -> str:
    write_yaml(tmp / "mmc.yaml", mmc_scenario(2, 1.8, per_day=1200))
    (tmp / "sens.yaml").write_text(
        f"""\
base: mmc.yaml
seed: 3
days: 1
parameters:
  {SERVICE}: {{low: 1.4, high: 2.2}}     # offered load 1.17 to 1.83 on 2 servers
  {ARRIVALS}: {{low: 1150.0, high: 1250.0}}
  {DUMMY}: {{low: 500.0, high: 5000.0}}
kpis: [wait_mean_h]
morris: {{trajectories: 4, levels: 4}}
sobol: {{n: 16, bootstrap: 100}}
{extra}""",
        encoding="utf-8",
    )
    return str(tmp / "sens.yaml")


def test_dummy_zero_dominant_first_and_small_sample_warned(tmp_path):
    out = tmp_path / "o"
    res = CliRunner().invoke(main, ["sensitivity", _spec(tmp_path), "--out", str(out), "-j", "2", "-q"])
    assert res.exit_code == 0, res.output
    idx = pd.read_csv(out / "indices.csv")
    assert list(idx.columns) == ["parameter", "kpi", "method", "index", "ci_low", "ci_high"]
    assert set(idx["method"]) >= {"morris_mu_star", "sobol_first", "sobol_total"}
    st = idx[idx["method"] == "sobol_total"].set_index("parameter")
    dummy = st.loc[DUMMY]
    assert abs(dummy["index"]) < 0.02 and dummy["ci_low"] <= 0 <= dummy["ci_high"]
    assert st["index"].idxmax() == SERVICE
    mu = idx[idx["method"] == "morris_mu_star"].set_index("parameter")
    assert mu["index"].idxmax() == SERVICE and mu.loc[DUMMY, "index"] < 1e-12
    # n = 16 and 4 trajectories are small samples: said
    assert "warning: Sobol: n = 16" in res.output and "warning: Morris: 4 trajectories" in res.output
    assert (out / "indices.png").exists() and "<img" in (out / "report.html").read_text()
    ev = pd.read_csv(out / "evaluations.csv")
    assert len(ev) == 4 * 4 + 16 * 5  # Morris r(k+1), Sobol n(k+2), one replication each
    # it ends with the leading factor in a sentence, in plain labels, not key paths
    stdout = [ln for ln in res.stdout.splitlines() if ln.strip()]
    assert (
        stdout[-2].startswith("S: s (min) explains ~")
        and "of the variance of mean wait per truck" in stdout[-2]
    )
    assert SERVICE not in res.stdout and "arrivals per day" in res.stdout
    assert "explains ~" in (out / "report.html").read_text(encoding="utf-8")


def test_progress_bars_are_labelled_morris_and_sobol(tmp_path):
    res = CliRunner().invoke(main, ["sensitivity", _spec(tmp_path), "--out", str(tmp_path / "p"), "-j", "1"])
    assert res.exit_code == 0, res.output
    assert "sens: Morris screening: 13/13 done" in res.stderr
    assert "sens: Sobol indices: 80/80 done" in res.stderr


def test_sensitivity_bad_key_one_line(tmp_path):
    spec = Path(_spec(tmp_path))
    spec.write_text(
        spec.read_text(encoding="utf-8").replace(DUMMY, "cargo.fruit.no_such_key"), encoding="utf-8"
    )
    res = CliRunner().invoke(main, ["sensitivity", str(spec), "--out", str(tmp_path / "o")])
    assert res.exit_code == 2, res.output
    assert "no_such_key" in res.output and len(res.output.strip().splitlines()) == 1


def test_priors_file_in_the_calibration_style(tmp_path):
    write_yaml(tmp_path / "mmc.yaml", mmc_scenario(2, 1.8, per_day=1200))
    (tmp_path / "p.priors.yaml").write_text(
        f"""\
scenario: mmc
varied:
  service_min:
    paths: [{SERVICE}]
    low: 1.4
    high: 2.2
    reason: "assumed"
  servers:
    integer: true
    paths: [gates.g.stages.s.servers]
    low: 2
    high: 3
    reason: "assumed"
  channel:
    paths: [gates.g.arrivals.channel_shares.green]
    choices: [1.0]
    reason: "a choice, not a range: skipped"
""",
        encoding="utf-8",
    )
    (tmp_path / "s.yaml").write_text(
        f"base: mmc.yaml\nseed: 3\ndays: 1\npriors: p.priors.yaml\nparameters:\n  {DUMMY}: {{low: 500.0, high: 5000.0}}\n"
        "morris: {trajectories: 3, levels: 4}\nsobol: null\n",
        encoding="utf-8",
    )
    out = tmp_path / "o"
    res = CliRunner().invoke(
        main, ["sensitivity", str(tmp_path / "s.yaml"), "--out", str(out), "-j", "1", "-q"]
    )
    assert res.exit_code == 0, res.output
    mu = pd.read_csv(out / "indices.csv").query("method == 'morris_mu_star'").set_index("parameter")["index"]
    assert set(mu.index) == {SERVICE, "gates.g.stages.s.servers", DUMMY}
    assert mu[DUMMY] == 0 and mu[SERVICE] > 0 and mu["gates.g.stages.s.servers"] > 0
    ev = pd.read_csv(out / "evaluations.csv")
    assert set(ev["gates.g.stages.s.servers"]) <= {2, 3}  # integer prior: integers only
