"""Sweep directories damaged, half-created or shared; sweep keys; grid size; hostile schedulers."""

from __future__ import annotations

import contextlib
import fcntl
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from faultkit import BASELINE, ROOT, cli, one_line

from tests.helpers.sweeps import reference_sweep, start_sweep, sweep_text

SPEC = sweep_text({"gates.tan_thanh.stages.road.lanes": "[4, 8]"})


@pytest.fixture(scope="module")
def ref(tmp_path_factory):
    return reference_sweep(tmp_path_factory.mktemp("sweepref"), SPEC, name="sw.yaml")


def _sweep(spec, out, *extra):
    return cli("sweep", spec, "--out", out, "-q", "-j", "1", *extra)


@pytest.mark.parametrize("damage", ["truncated", "empty", "list", "rows_not_a_list"])
def test_damaged_task_file_is_run_again(ref, tmp_path, damage):
    spec, ref_out = ref
    out = tmp_path / "out"
    shutil.copytree(ref_out, out)
    task = sorted((out / "tasks").glob("*.json"))[0]
    text = task.read_text()
    task.write_text(
        {"truncated": text[: len(text) // 2], "empty": "", "list": "[]", "rows_not_a_list": '{"rows": 3}'}[
            damage
        ]
    )
    result, lines = _sweep(spec, out)
    assert result.exit_code == 0, result.output
    assert any("damaged" in ln for ln in lines), lines
    assert (out / "results.csv").read_bytes() == (ref_out / "results.csv").read_bytes()


@pytest.mark.parametrize("force", [[], ["--force"]])
def test_half_created_sweep_directory_is_resumable(ref, tmp_path, force):
    spec, ref_out = ref
    out = tmp_path / "out"
    (out / "tasks").mkdir(parents=True)  # killed (or out of disk) before sweep.json was written
    result, lines = _sweep(spec, out, *force)
    assert result.exit_code == 0, result.output
    assert (out / "results.csv").read_bytes() == (ref_out / "results.csv").read_bytes()


def test_second_sweep_on_the_same_directory_is_refused(ref, tmp_path):
    spec, ref_out = ref
    out = tmp_path / "out"
    shutil.copytree(ref_out, out)
    tmp_task = out / "tasks" / ".abc.json.tmp-999999"
    tmp_task.write_text("{}")  # the running sweep's temporary file: must survive
    fd = os.open(out / ".lock", os.O_RDWR | os.O_CREAT)
    fcntl.flock(fd, fcntl.LOCK_EX)
    try:
        result, lines = _sweep(spec, out)
        one_line(result, lines, 2, "another gatesim sweep")
        assert tmp_task.exists()
    finally:
        os.close(fd)


def test_force_still_refuses_a_run_directory(small_run, ref, tmp_path):
    spec, _ = ref
    out = tmp_path / "run"
    shutil.copytree(small_run, out)
    result, lines = _sweep(spec, out, "--force")
    one_line(result, lines, 2, "--force only replaces a sweep directory")
    assert (out / "manifest.json").exists()


@pytest.mark.parametrize("key", ["run.days", "run.seed", "name"])
def test_parameters_that_would_be_ignored_are_refused(tmp_path, key):
    spec = tmp_path / "sw.yaml"
    spec.write_text(f"base: {BASELINE}\nparameters:\n  {key}: [1, 2]\n")
    result, lines = _sweep(spec, tmp_path / "out")
    one_line(result, lines, 2, key, "cannot vary")
    assert not (tmp_path / "out").exists()


def test_huge_grid_is_refused_quickly(tmp_path):
    spec = tmp_path / "sw.yaml"
    spec.write_text(
        f"base: {BASELINE}\nparameters:\n"
        "  gates.tan_thanh.stages.road.lanes: {start: 1, stop: 300, step: 1}\n"
        "  gates.tan_thanh.value_multiplier: {start: 1, stop: 350, step: 1}\n"
    )
    t = time.perf_counter()
    result, lines = _sweep(spec, tmp_path / "out")
    one_line(result, lines, 2, "105000 points", "at most")
    assert time.perf_counter() - t < 60


# --- schedulers -----------------------------------------------------------------------------


@pytest.mark.parametrize("address", ["foo", "http://127.0.0.1:8786", "", "tcp://127.0.0.1:99999"])
def test_bad_scheduler_address(ref, tmp_path, address):
    spec, _ = ref
    result, lines = cli("sweep", spec, "--out", tmp_path / "out", "-q", "--scheduler", address)
    one_line(result, lines, 2, "--scheduler", "tcp://HOST:PORT")
    assert not (tmp_path / "out").exists()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_scheduler_down_leaves_no_directory(ref, tmp_path):
    spec, _ = ref
    pytest.importorskip("distributed")
    env = {**os.environ, "GATESIM_CONNECT_TIMEOUT_S": "3"}
    cmd = [sys.executable, "-m", "gatesim.cli", "sweep", str(spec), "--out", str(tmp_path / "out"), "-q",
           "--scheduler", f"tcp://127.0.0.1:{_free_port()}"]  # fmt: skip
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=120, env=env)
    assert r.returncode == 1, r.stderr
    errors = [ln for ln in r.stderr.splitlines() if ln.startswith("gatesim: error:")]
    assert len(errors) == 1 and "Traceback" not in r.stderr, r.stderr
    assert "cannot reach the dask scheduler" in r.stderr
    assert not (tmp_path / "out").exists()


@pytest.mark.slow  # waits out the bounded connect (~11 s): slow tier, run by .ci/run
def test_scheduler_that_accepts_and_never_answers(ref, tmp_path):
    """A TCP listener on 127.0.0.1 that accepts and stays silent: the sweep ends, in one line, in time."""
    spec, _ = ref
    pytest.importorskip("distributed")
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(8)
    held = []
    stop = threading.Event()

    def accept():
        server.settimeout(0.2)
        while not stop.is_set():
            try:
                held.append(server.accept()[0])
            except OSError:
                continue

    t = threading.Thread(target=accept, daemon=True)
    t.start()
    env = {**os.environ, "GATESIM_CONNECT_TIMEOUT_S": "3"}
    cmd = [sys.executable, "-m", "gatesim.cli", "sweep", str(spec), "--out", str(tmp_path / "out"), "-q",
           "--scheduler", f"tcp://127.0.0.1:{server.getsockname()[1]}"]  # fmt: skip
    try:
        r = subprocess.run(cmd, capture_output=True, text=True, timeout=90, env=env)
    finally:
        stop.set()
        t.join()
        for c in held:
            c.close()
        server.close()
    assert r.returncode == 1, r.stderr
    errors = [ln for ln in r.stderr.splitlines() if ln.startswith("gatesim: error:")]
    assert len(errors) == 1 and "Traceback" not in r.stderr, r.stderr
    assert not (tmp_path / "out").exists()


# --- workers end with the main process -------------------------------------------------------


def _children(pid: int) -> list[int]:
    try:
        text = Path(f"/proc/{pid}/task/{pid}/children").read_text()
    except OSError:
        return []
    return [int(x) for x in text.split()]


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state not in ("Z", "X")


@pytest.mark.skipif(not Path("/proc/self/task").exists(), reason="needs Linux /proc")
def test_killing_the_main_process_ends_the_workers(tmp_path):
    spec = tmp_path / "sw.yaml"
    spec.write_text(sweep_text({"gates.tan_thanh.stages.road.lanes": "[2, 3, 4, 5]"}, days=60))
    quiet = {"cwd": ROOT, "stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL}
    proc = start_sweep(spec, tmp_path / "out", "-q", "-j", "2", **quiet)
    workers: list[int] = []
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and len(workers) < 2:
            workers = [c for c in _children(proc.pid) if _alive(c)]
            time.sleep(0.2)
        assert len(workers) >= 2, "the sweep never started its workers"
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and any(_alive(w) for w in workers):
            time.sleep(0.2)
        assert not any(_alive(w) for w in workers), "workers outlived the sweep's main process"
    finally:
        for w in workers:  # only the processes this test started, by their id
            if _alive(w):
                with contextlib.suppress(OSError):
                    os.kill(w, signal.SIGKILL)
        if proc.poll() is None:
            proc.kill()
