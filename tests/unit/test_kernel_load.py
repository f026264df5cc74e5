"""How the compiled kernel is loaded: the ahead-of-time module, or numba's JIT as the fallback.

Both forms are compiled from the same source: they must write the same log bit for
bit. A process that finds the module in its cache must not import numba (its import
and LLVM's runtime are ~140 MiB of a year's peak).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from gatesim.events.log import EventLog
from gatesim.model import kernel_load
from gatesim.model.build import build_replication
from gatesim.model.kernel_load import aot_path, load_kernel
from gatesim.model.kernel_sim import GateArrays
from gatesim.model.stage_rows import stage_rows
from gatesim.scenario.load import load_scenario

ROOT = Path(__file__).resolve().parents[2]
BASELINE = ROOT / "scenarios" / "baseline_2026.yaml"


def test_the_module_is_kept_in_numbas_cache_directory(tmp_path, monkeypatch):
    monkeypatch.setenv("NUMBA_CACHE_DIR", str(tmp_path))
    path = aot_path()
    assert path.parent == tmp_path and path.name.startswith("gatesim_kernel_")
    monkeypatch.delenv("NUMBA_CACHE_DIR")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "user"))
    assert aot_path().name == path.name  # the name is the source's and versions', not the folder's
    assert aot_path().parent.name == "__pycache__"
    assert kernel_load._cache_dirs()[1] == tmp_path / "user" / "gatesim"


def test_a_cache_that_cannot_hold_the_module_falls_back_to_the_jit(tmp_path, monkeypatch):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("")
    monkeypatch.setenv("NUMBA_CACHE_DIR", str(blocker))
    form, run_gate = load_kernel()
    assert form == "jit" and callable(run_gate)
    assert load_kernel(jit=True)[0] == "jit"


def _gate_log(run_gate, code: int) -> tuple[np.ndarray, np.ndarray]:
    scenario, _ = load_scenario(BASELINE)
    plan = build_replication(scenario, 2, 0, 11)
    horizon = plan.clock.horizon_h
    gate = GateArrays(plan.gates[code], stage_rows(plan)[code], horizon)
    run_gate(*gate.arguments(horizon))
    log = EventLog()
    gate.hand_over(log)
    t, w = log.gate(code).columns()
    return t.copy(), w.copy()


@pytest.mark.slow  # several seconds: the slow tier, so the default tier stays under 10 min
@pytest.mark.integration
@pytest.mark.skipif(shutil.which("cc") is None and shutil.which("gcc") is None, reason="no C compiler")
def test_ahead_of_time_and_jit_write_the_same_log_and_a_warm_process_imports_no_numba(tmp_path, monkeypatch):
    # the first folder cannot hold the module (an installation the user cannot write to): the next one
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("")
    monkeypatch.setattr(kernel_load, "_cache_dirs", lambda: [blocker, tmp_path])
    form, aot = load_kernel()
    assert form == "ahead-of-time" and aot_path(tmp_path).exists()
    _, jit = load_kernel(jit=True)
    for code in (0, 1):  # the yard's gate, and the largest
        (ta, wa), (tj, wj) = _gate_log(aot, code), _gate_log(jit, code)
        assert wa.size > 10_000
        assert np.array_equal(wa, wj) and np.array_equal(ta.view(np.int64), tj.view(np.int64))
    probe = (
        "import sys; from gatesim.model.kernel_load import kernel_form, run_gate_function; "
        "run_gate_function(); print(kernel_form(), 'numba' in sys.modules)"
    )
    env = {**os.environ, "NUMBA_CACHE_DIR": str(tmp_path)}
    out = subprocess.run([sys.executable, "-c", probe], env=env, capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["ahead-of-time", "False"], out.stdout + out.stderr
