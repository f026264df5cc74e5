"""``gatesim app`` started as a user starts it, in a process of its own, on a free local port."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

__all__ = ["AppServer", "worker_pids"]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def worker_pids(runs_dir: Path) -> list[int]:
    """Worker processes writing into ``runs_dir``, runs' and answers' (with the processes an answer's
    sweep forks: they carry its command line), from /proc: any that outlived the app show here."""
    out = []
    for p in Path("/proc").iterdir():
        if not p.name.isdigit():
            continue
        try:
            cmd = (p / "cmdline").read_bytes().split(b"\0")
            state = (p / "stat").read_text().split(")")[-1].split()[0]
        except OSError:
            continue
        worker = any(w in cmd for w in (b"gatesim.app.worker", b"gatesim.app.answer_worker"))
        if state != "Z" and worker and any(str(runs_dir).encode() in c for c in cmd):
            out.append(int(p.name))
    return out


class AppServer:
    def __init__(self, runs_dir: Path, ready_s: float = 60.0) -> None:
        self.runs_dir = runs_dir
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.started = time.perf_counter()
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "gatesim.cli", "app", "--port", str(self.port), "--runs", str(runs_dir)],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
        )
        self.ready_after_s = self._wait(ready_s)
        self.ready_cpu_s = self.cpu_s()

    def cpu_s(self) -> float:
        """CPU seconds the app's process has used (user + system), from /proc."""
        fields = Path(f"/proc/{self.proc.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def _wait(self, limit_s: float) -> float:
        while time.perf_counter() - self.started < limit_s:
            if self.proc.poll() is not None:
                raise RuntimeError(
                    f"gatesim app exited: {self.proc.stdout.read() if self.proc.stdout else ''}"
                )
            try:
                with urllib.request.urlopen(self.url + "/", timeout=2) as r:
                    if r.status == 200:
                        return time.perf_counter() - self.started
            except OSError:
                time.sleep(0.05)
        raise RuntimeError(f"gatesim app not answering after {limit_s} s")

    def stop(self, sig: int = signal.SIGTERM, wait_s: float = 30.0) -> int:
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(wait_s)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        return self.proc.returncode
