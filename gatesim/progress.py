"""Progress on stderr: a rich bar on a terminal, plain lines otherwise."""

from __future__ import annotations

import sys
import time
from types import TracebackType

__all__ = ["Progress"]


class Progress:
    """``with Progress(total, "label") as p: p.advance()``; silent when ``quiet``."""

    def __init__(self, total: int, label: str, quiet: bool = False) -> None:
        self.total, self.label, self.quiet = total, label, quiet
        self.done = 0
        self._t0 = time.perf_counter()
        self._bar = None
        self._task = None

    def __enter__(self) -> Progress:
        if not self.quiet and sys.stderr.isatty():
            from rich.console import Console
            from rich.progress import (
                BarColumn,
                MofNCompleteColumn,
                TextColumn,
                TimeElapsedColumn,
                TimeRemainingColumn,
            )
            from rich.progress import Progress as Bar

            self._bar = Bar(
                TextColumn("{task.description}"),
                BarColumn(),
                MofNCompleteColumn(),
                TimeElapsedColumn(),
                TextColumn("eta"),
                TimeRemainingColumn(),
                console=Console(stderr=True),
                transient=False,
            )
            self._bar.start()
            self._task = self._bar.add_task(self.label, total=self.total)
        return self

    def advance(self, n: int = 1, note: str = "") -> None:
        self.done += n
        if self.quiet:
            return
        if self._bar is not None:
            self._bar.update(self._task, advance=n)
            return
        el = time.perf_counter() - self._t0
        eta = el / self.done * (self.total - self.done) if self.done else float("nan")
        extra = f" {note}" if note else ""
        print(
            f"{self.label}: {self.done}/{self.total} done, {el:.1f} s elapsed, eta {eta:.1f} s{extra}",
            file=sys.stderr,
            flush=True,
        )

    def __exit__(
        self, et: type[BaseException] | None, ev: BaseException | None, tb: TracebackType | None
    ) -> None:
        if self._bar is not None:
            self._bar.stop()
