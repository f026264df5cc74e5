"""Progress on stderr: a rich bar on a terminal, plain lines otherwise.

Progress counts items (replications, sweep tasks) and, within an item, the
fraction done (simulated days of a replication, :meth:`Progress.step`), so a
long replication moves the bar and gives an estimate of the time left from
its first simulated days instead of after the first whole replication.
"""

from __future__ import annotations

import math
import sys
import time
from collections.abc import Callable
from types import TracebackType
from typing import Any

__all__ = ["Progress"]

_UNITS = 1000  # bar units per item: fine enough for a day of a 3-year run
_PLAIN_EVERY_S = 5.0  # plain lines within an item: at most one per this many seconds
_PLAIN_FIRST_S = 2.0  # ... and the first one (with an estimate of the time left) this early


def eta_seconds(elapsed_s: float, position: float, total: float) -> float:
    """Seconds left at a constant rate: ``elapsed * (total - position) / position``; NaN before any progress."""
    if position <= 0 or total <= 0:
        return float("nan")
    return max(0.0, elapsed_s * (total - position) / position)


def format_eta(seconds: float) -> str:
    """``-:--:--`` when unknown, else ``H:MM:SS``."""
    if not math.isfinite(seconds):
        return "-:--:--"
    s = int(round(seconds))
    return f"{s // 3600}:{s % 3600 // 60:02d}:{s % 60:02d}"


class Progress:
    """``with Progress(total, "label") as p: p.step(day, days); p.advance()``; silent when ``quiet``."""

    def __init__(
        self, total: int, label: str, quiet: bool = False, clock: Callable[[], float] = time.perf_counter
    ) -> None:
        self.total, self.label, self.quiet = total, label, quiet
        self._clock = clock  # injectable: tests drive the time
        self.done = 0
        self.fraction = 0.0  # of the item in progress
        self._t0 = clock()
        self._last_line = self._t0 - (_PLAIN_EVERY_S - _PLAIN_FIRST_S)
        self._bar: Any = None  # rich's Progress, imported only when drawn on a terminal
        self._task = None

    @property
    def position(self) -> float:
        """Items done, with the fraction of the current one."""
        return self.done + self.fraction

    def eta(self, now: float | None = None) -> float:
        now = self._clock() if now is None else now
        return eta_seconds(now - self._t0, self.position, self.total)

    def __enter__(self) -> Progress:
        if not self.quiet and sys.stderr.isatty():
            from rich.console import Console
            from rich.progress import BarColumn, TextColumn, TimeElapsedColumn
            from rich.progress import Progress as Bar

            self._bar = Bar(
                TextColumn("{task.description}"),
                BarColumn(),
                TextColumn("{task.fields[count]}"),
                TimeElapsedColumn(),
                TextColumn("eta {task.fields[eta]}"),
                console=Console(stderr=True),
                transient=False,
            )
            self._bar.start()
            self._task = self._bar.add_task(
                self.label, total=self.total * _UNITS, count=f"0/{self.total}", eta=format_eta(float("nan"))
            )
        return self

    def _show(self, note: str = "", force: bool = False) -> None:
        if self.quiet:
            return
        now = self._clock()
        eta = self.eta(now)
        if self._bar is not None:
            part = f" (+{self.fraction:.0%})" if 0 < self.fraction < 1 else ""
            self._bar.update(
                self._task,
                completed=self.position * _UNITS,
                count=f"{self.done}/{self.total}{part}",
                eta=format_eta(eta),
            )
            return
        if not force and now - self._last_line < _PLAIN_EVERY_S:
            return
        self._last_line = now
        part = f" (+{self.fraction:.0%} of the next)" if 0 < self.fraction < 1 else ""
        extra = f" {note}" if note else ""
        print(
            f"{self.label}: {self.done}/{self.total} done{part}, {now - self._t0:.1f} s elapsed, "
            f"eta {format_eta(eta)}{extra}",
            file=sys.stderr,
            flush=True,
        )

    def step(self, k: int, n: int) -> None:
        """``k`` of ``n`` parts (simulated days) of the current item are done."""
        if n > 0:
            self.fraction = min(max(k / n, 0.0), 1.0)
            if self.fraction < 1.0:
                self._show()

    def advance(self, n: int = 1, note: str = "") -> None:
        self.done += n
        self.fraction = 0.0
        self._show(note, force=True)

    def __exit__(
        self, et: type[BaseException] | None, ev: BaseException | None, tb: TracebackType | None
    ) -> None:
        if self._bar is not None:
            self._bar.stop()
