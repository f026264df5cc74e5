"""One answer in a process of its own:
``python -m gatesim.app.answer_worker OUT LANG WORLDS DAYS REPLICATIONS BASE PROPOSAL``.

It computes what ``gatesim answer PROPOSAL --base BASE --worlds W --days D -r R --lang L --out OUT``
computes (the same library calls: gatesim.answer.plan.make_plan and gatesim.answer.cli.compute;
the same directory, answer.html first), printing JSON lines on stdout: ``{"phase": "plan"}``,
then ``{"runs_done": k, "runs_total": n}`` after each run, ``{"phase": "analyse"}``, then
``{"done": OUT}``, or ``{"error": "gatesim: error: ..."}`` (the CLI's one line) and exit 2.
The directory is built in a hidden scratch beside OUT and appears whole: SIGTERM (the app's
cancel button, or the app stopping) leaves nothing at OUT.
"""

from __future__ import annotations

import sys
from pathlib import Path

from gatesim.app.worker import say, serve

__all__ = ["main"]


def run(out: Path, lang: str, worlds: int, days: int, reps: int, base: Path, proposal: Path) -> Path:
    from gatesim.answer.cli import compute, thresholds
    from gatesim.answer.plan import make_plan
    from gatesim.limits import ASSESS_DAYS, ASSESS_REPLICATIONS, WORLDS
    from gatesim.outputs import atomic_dir

    WORLDS.check("--worlds", worlds)
    ASSESS_DAYS.check("--days", days)
    ASSESS_REPLICATIONS.check("--replications", reps)
    say(phase="plan")
    plan = make_plan([str(proposal)], str(base), None, worlds, days, reps, None)
    inputs = [proposal, base, Path(plan.root_file), Path(plan.ensemble_file)]

    def on_start(todo: int, skipped: int) -> None:
        say(runs_done=skipped, runs_total=todo + skipped)

    done = [0]

    def on_done(task, result) -> None:  # noqa: ARG001 - the sweep runner's callback
        done[0] += 1
        say(runs_done=done[0], runs_total=plan.runs)
        if done[0] == plan.runs:
            say(phase="analyse")

    with atomic_dir(out, False, inputs=inputs) as tmp:
        compute(plan, tmp, lang, thresholds(), None, False, on_start, on_done)
    return out


def main(argv: list[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)

    def work() -> Path:
        out, lang = Path(args[0]), args[1]
        worlds, days, reps = (int(a) for a in args[2:5])
        return run(out, lang, worlds, days, reps, Path(args[5]), Path(args[6]))

    return serve(work)


if __name__ == "__main__":
    sys.exit(main())
