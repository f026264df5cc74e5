"""Runs started from the app: one worker process each, its progress read from its stdout.

Each run gets a folder of its own, reserved before its worker starts (two runs never share
one). Workers die with the app: it stops them on shutdown, and the kernel sends each a
SIGTERM if the app's process ends any other way (PR_SET_PDEATHSIG), so none is orphaned.
"""

from __future__ import annotations

import contextlib
import ctypes
import datetime as dt
import itertools
import json
import os
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

__all__ = ["Job", "Jobs"]

_PR_SET_PDEATHSIG = 1


def _die_with_parent(parent: int):
    def setup() -> None:  # runs in the child between fork and exec
        # not Linux (no prctl): the shutdown hook still stops workers
        with contextlib.suppress(OSError, AttributeError):
            ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)
        if os.getppid() != parent:  # the app ended before the line above: stop at once
            os._exit(1)

    return setup


@dataclass
class Job:
    id: str
    folder: str  # the run's folder name inside the runs folder (an answer's: inside answers/)
    scenario: str
    proc: subprocess.Popen
    status: str = "running"  # running, done, error, cancelled
    progress: dict = field(default_factory=dict)
    error: str = ""
    kind: str = "run"  # run, answer
    under: str = ""  # the folder of the runs folder that holds ``folder`` ("" for a run)

    @property
    def seconds_left(self) -> float | None:
        """An answer's remaining seconds at the pace of its runs so far (None before the first ends)."""
        p = self.progress
        if "since" not in p or "at" not in p:
            return None
        (t0, done0), done, total = p["since"], p["runs_done"], p["runs_total"]
        if done <= done0 or p["at"] <= t0:
            return None
        return (p["at"] - t0) / (done - done0) * (total - done)

    @property
    def fraction(self) -> float:
        p = self.progress
        if self.kind == "answer":
            return min(1.0, p["runs_done"] / p["runs_total"]) if p.get("runs_total") else 0.0
        if not p.get("reps") or not p.get("days"):
            return 0.0
        return min(1.0, (p["rep"] + p["day"] / p["days"]) / p["reps"])


class Jobs:
    def __init__(self, runs_dir: Path) -> None:
        self.runs_dir = runs_dir
        self._jobs: dict[str, Job] = {}
        self._reserved: set[str] = set()
        self._lock = threading.Lock()
        self._ids = itertools.count(1)

    def _reserve(self, name: str, under: str = "") -> str:
        """A folder name no run (or answer, ``under`` answers/) has and no other job holds:
        NAME--YYYYmmdd-HHMMSS[-k]."""
        stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%d-%H%M%S")
        base = f"{name[:150]}--{stamp}"
        with self._lock:
            for k in itertools.count(1):
                folder = base if k == 1 else f"{base}-{k}"
                key = f"{under}/{folder}"
                if key not in self._reserved and not (self.runs_dir / under / folder).exists():
                    self._reserved.add(key)
                    return folder
        raise AssertionError("unreachable")

    def start(self, scenario_path: Path, name: str, overrides: tuple[str, ...]) -> Job:
        folder = self._reserve(name)
        args = [sys.executable, "-m", "gatesim.app.worker", str(scenario_path), str(self.runs_dir / folder)]
        for o in overrides:
            args += ["--set", o]
        return self._spawn(args, folder, name, "run")

    def start_answer(
        self, proposal: Path, base: Path, sizes: tuple[int, int, int], lang: str, under: str, name: str
    ) -> Job:
        """``gatesim answer PROPOSAL --base BASE --worlds W --days D -r R`` (``sizes``) into a new
        folder ``NAME--TIME`` of ``runs_dir/under``."""
        worlds, days, reps = sizes
        folder = self._reserve(name, under)
        out = self.runs_dir / under / folder
        args = [sys.executable, "-m", "gatesim.app.answer_worker", str(out), lang]
        args += [str(worlds), str(days), str(reps), str(base), str(proposal)]
        return self._spawn(args, folder, proposal.stem, "answer", under)

    def _spawn(self, args: list[str], folder: str, name: str, kind: str, under: str = "") -> Job:
        proc = subprocess.Popen(
            args,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            stdin=subprocess.DEVNULL,
            text=True,
            start_new_session=True,  # a Ctrl-C at the app's terminal reaches the app, which stops it
            preexec_fn=_die_with_parent(os.getpid()),
        )
        job = Job(str(next(self._ids)), folder, name, proc, kind=kind, under=under)
        with self._lock:
            self._jobs[job.id] = job
        threading.Thread(target=self._follow, args=(job,), daemon=True).start()
        return job

    def _follow(self, job: Job) -> None:
        assert job.proc.stdout is not None
        for line in job.proc.stdout:
            try:
                item = json.loads(line)
            except json.JSONDecodeError:
                continue
            if "error" in item:
                job.error = str(item["error"])
            elif "cancelled" in item:
                job.status = "cancelled"
            elif "phase" in item:
                job.progress = {**job.progress, "phase": item["phase"]}
            elif "runs_total" in item:
                now = time.monotonic()
                # the clock of the runs starts at the first report (runs found done are not timed)
                first = job.progress.get("since", (now, item["runs_done"]))
                job.progress = {**job.progress, **item, "since": first, "at": now}
            elif "done" not in item:
                job.progress = item
        code = job.proc.wait()
        if job.status != "cancelled":
            job.status = "done" if code == 0 else "error"
            if code != 0 and not job.error:
                job.error = f"gatesim: error: the run stopped (exit {code})"
        with self._lock:
            self._reserved.discard(f"{job.under}/{job.folder}")

    def get(self, job_id: str) -> Job | None:
        return self._jobs.get(job_id)

    def running(self) -> list[Job]:
        return [j for j in self._jobs.values() if j.proc.poll() is None]

    def cancel(self, job_id: str) -> Job | None:
        job = self._jobs.get(job_id)
        if job is not None and job.proc.poll() is None:
            job.status = "cancelled"
            job.proc.terminate()
        return job

    def shutdown(self, wait_s: float = 10.0) -> None:
        """Stop every worker (SIGTERM, then SIGKILL after ``wait_s``) and wait for each."""
        for job in self.running():
            job.status = "cancelled"
            job.proc.terminate()
        for job in list(self._jobs.values()):
            self.wait(job, wait_s)

    @staticmethod
    def wait(job: Job, wait_s: float) -> None:
        """Wait for the worker to end; after ``wait_s``, kill it with every process it started
        (an answer's sweep forks some: they share the worker's own process group)."""
        try:
            job.proc.wait(wait_s)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(OSError):
                os.killpg(job.proc.pid, signal.SIGKILL)
            job.proc.wait()
