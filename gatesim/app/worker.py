"""One run in a process of its own: ``python -m gatesim.app.worker SCENARIO OUT [--set K=V ...]``.

It loads, checks and runs the scenario as ``gatesim run SCENARIO --out OUT --report`` does (the
same library calls; the same run directory), printing its progress as JSON lines on stdout:
``{"rep": r, "reps": R, "day": k, "days": n}`` after each simulated day, then ``{"done": OUT}``,
or ``{"error": "gatesim: error: ..."}`` (the CLI's one line) and exit 2. SIGTERM (the app's
cancel button, or the app stopping) ends it with nothing at OUT: the scratch directory is removed.
"""

from __future__ import annotations

import json
import os
import signal
import sys
from collections.abc import Callable
from pathlib import Path

__all__ = ["say", "serve"]

_MAIN = os.getpid()


def say(**item) -> None:
    """One JSON line of progress or outcome for the app."""
    try:
        sys.stdout.write(json.dumps(item) + "\n")
        sys.stdout.flush()
    except OSError:  # the app is gone (its end sent the SIGTERM that stops this process): no one to tell
        pass


def _stop(signum, frame) -> None:  # noqa: ARG001 - the signal handler's signature
    if os.getpid() != _MAIN:  # a process this one forked (it inherits the handler): end now
        os._exit(128 + signum)
    raise KeyboardInterrupt  # unwinds atomic_dir: its scratch directory is removed


def serve(work: Callable[[], Path]) -> int:
    """Run ``work`` (it returns the directory it wrote) with SIGTERM as a cancel; say how it
    ended as one JSON line and return the exit code: 0, 2 for bad input, 130 cancelled, 1 else."""
    from gatesim.errors import InputError, bad_input_line
    from gatesim.sweep.runner import SweepInterrupted

    signal.signal(signal.SIGTERM, _stop)
    try:
        out = work()
    except InputError as e:
        say(error=bad_input_line(e))
        return 2
    except (KeyboardInterrupt, SweepInterrupted):
        say(cancelled=True)
        return 130
    except Exception as e:  # noqa: BLE001 - the environment or a bug: one line for the app to show
        say(error=f"gatesim: error: {type(e).__name__}: {' '.join(str(e).split())[:200]}")
        return 1
    say(done=str(out))
    return 0


def run(scenario_path: Path, out: Path, overrides: tuple[str, ...]) -> Path:
    from gatesim.guard import check_memory
    from gatesim.naming import renamed
    from gatesim.outputs import atomic_dir, check_safe_name
    from gatesim.report.cli import build_report
    from gatesim.rundir import run_into
    from gatesim.scenario.load import load_scenario

    scenario, resolved = load_scenario(scenario_path, overrides)
    scenario, resolved = renamed(scenario, resolved, overrides, None, 1)
    check_safe_name(scenario.name)
    check_memory(scenario, scenario.run.days, what=scenario.name)
    reps = scenario.run.replications
    state = {"rep": 0}

    def on_day(k: int, n: int) -> None:
        say(rep=state["rep"], reps=reps, day=k, days=n)

    def on_rep(done: int, total: int) -> None:
        state["rep"] = done

    with atomic_dir(out, False, inputs=[scenario_path]) as tmp:
        run_into(tmp, scenario, resolved, None, None, None, on_progress=on_rep, on_day=on_day)
    say(phase="report")
    build_report(out)
    return out


def main(argv: list[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    scenario_path, out = Path(args[0]), Path(args[1])
    overrides = tuple(a.split("=", 1)[1] if a.startswith("--set=") else a for a in args[2:] if a != "--set")
    return serve(lambda: run(scenario_path, out, overrides))


if __name__ == "__main__":
    sys.exit(main())
