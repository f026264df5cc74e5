"""kill -9 at random points of run, replay, compare, report and sweep.

After each kill: every output that existed before is intact (or, where the
command was asked to replace it, whole and new), every new output complete
or absent, and the inputs untouched. The kill instants are drawn from a
seeded generator over each command's own uninterrupted duration.
"""

from __future__ import annotations

import json
import os
import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from faultkit import BASELINE, ROOT, snapshot

KILLS = int(os.environ.get("GATESIM_FAULT_KILLS", "1"))  # per command; more with the env variable
RNG = random.Random(20261202)
# slow: kills real commands mid-run and reruns them (~18 s); .ci/run runs the slow tier
pytestmark = pytest.mark.slow


def _start(*args) -> subprocess.Popen:
    cmd = [sys.executable, "-m", "gatesim.cli", *map(str, args)]
    return subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def _timed(*args) -> float:
    t = time.perf_counter()
    p = _start(*args)
    assert p.wait(timeout=300) == 0, args
    return time.perf_counter() - t


def _kill_after(delay: float, *args) -> None:
    p = _start(*args)
    time.sleep(delay)
    p.send_signal(signal.SIGKILL)
    p.wait()


def _instants(duration: float) -> list[float]:
    return [RNG.uniform(0.2, 1.0) * duration for _ in range(KILLS)]


def _whole_csv(path: Path) -> bool:
    data = path.read_bytes()
    return data.endswith(b"\n") and data.count(b"\n") >= 2


def _complete_run(path: Path) -> bool:
    m = json.loads((path / "manifest.json").read_text())
    return m.get("complete") is True and all(
        _whole_csv(path / f) for f in ("summary.csv", "summary_ci.csv", "timeseries.csv")
    )


@pytest.fixture(scope="module")
def base_run(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("kill") / "base"
    _timed("run", BASELINE, "--days", "1", "-r", "2", "--seed", "1", "--out", out, "-q")
    return out


def test_kill_run_with_force(base_run, tmp_path):
    target = tmp_path / "target"
    shutil.copytree(base_run, target)
    old = snapshot(target)
    common = ["run", BASELINE, "--days", "1", "-r", "2", "--seed", "2", "-q", "--force"]
    args = [*common, "--out", target]
    shutil.copytree(base_run, tmp_path / "probe")
    duration = _timed(*common, "--out", tmp_path / "probe")
    for delay in _instants(duration):
        _kill_after(delay, *args)
        assert target.is_dir(), f"killed at {delay:.2f} s: no result at all"
        now = snapshot(target)
        assert now == old or _complete_run(target), f"killed at {delay:.2f} s: half a result"
        old = now
    # the next run tidies what the killed ones left
    assert _timed(*args) > 0
    assert _complete_run(target)
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".")) == []


@pytest.mark.slow  # each kill starts a fresh interpreter: seconds on a shared machine
def test_kill_replay(base_run, tmp_path):
    before = snapshot(base_run)
    duration = _timed("replay", base_run, "--out", tmp_path / "probe")
    for i, delay in enumerate(_instants(duration)):
        out = tmp_path / f"r{i}"
        _kill_after(delay, "replay", base_run, "--out", out)
        assert not out.exists() or all(_whole_csv(out / f) for f in ("summary.csv", "timeseries.csv"))
    assert snapshot(base_run) == before


@pytest.mark.slow
def test_kill_compare(base_run, tmp_path):
    other = tmp_path / "other"
    shutil.copytree(base_run, other)
    before = snapshot(base_run), snapshot(other)
    out = tmp_path / "c.csv"
    duration = _timed("compare", base_run, other, "--out", out)
    reference = out.read_bytes()
    for delay in _instants(duration):
        _kill_after(delay, "compare", base_run, other, "--out", out, "--force")
        assert out.read_bytes() == reference  # the old file or the same new one, whole
    assert (snapshot(base_run), snapshot(other)) == before
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".")) == []


@pytest.mark.slow  # matplotlib makes each start slow on a shared machine
def test_kill_report(base_run, tmp_path):
    run = tmp_path / "run"
    shutil.copytree(base_run, run)
    inputs = snapshot(run)
    duration = _timed("report", run)
    page = (run / "report.html").read_bytes()
    pngs = {k for k in snapshot(run) if k.startswith("report_png/")}
    for delay in _instants(duration):
        _kill_after(delay, "report", run)
        assert (run / "report.html").read_bytes() == page  # never half a page
        now = snapshot(run)
        assert {k: v for k, v in now.items() if k in inputs} == inputs  # the run's files untouched
        # every chart there, each a whole PNG: report_png/ is swapped in whole or not at all
        charts = {k: v for k, v in now.items() if k.startswith("report_png/")}
        assert set(charts) == set(pngs)
        assert all(v.endswith(b"IEND\xaeB`\x82") for v in charts.values())


@pytest.mark.slow  # tests/integration/test_sweep_resume.py kills sweeps in the default suite
def test_kill_sweep_then_resume(tmp_path):
    spec = tmp_path / "sw.yaml"
    spec.write_text(
        f"base: {BASELINE}\nseed: 4\ndays: 2\nreplications: 2\nset: ['calendar.warmup_days=0']\n"
        "parameters:\n  gates.tan_thanh.stages.road.lanes: [4, 8]\n"
    )
    ref = tmp_path / "ref"
    duration = _timed("sweep", spec, "--out", ref, "-q", "-j", "1")
    out = tmp_path / "out"
    for delay in _instants(duration):
        _kill_after(delay, "sweep", spec, "--out", out, "-q", "-j", "1")
        if (out / "results.csv").exists():
            assert _whole_csv(out / "results.csv")
    assert _timed("sweep", spec, "--out", out, "-q", "-j", "1") > 0
    assert (out / "results.csv").read_bytes() == (ref / "results.csv").read_bytes()
