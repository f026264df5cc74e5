"""One answer in a process of its own:
``python -m gatesim.app.answer_worker OUT LANG WORLDS DAYS REPLICATIONS BASE PROPOSAL``.

It computes what ``gatesim answer PROPOSAL --base BASE --worlds W --days D -r R --lang L --out OUT``
computes (the same library calls: gatesim.answer.plan.make_plan and gatesim.answer.cli.compute;
the same directory, answer.html first), printing JSON lines on stdout: ``{"phase": "plan"}``,
``{"phase": "reuse"}`` when a finished answer beside OUT ran the very same sweep (its runs are
copied and resumed: nothing is run again), then ``{"runs_done": k, "runs_total": n}`` after each run, ``{"phase": "analyse"}``, then
``{"done": OUT}``, or ``{"error": "gatesim: error: ..."}`` (the CLI's one line) and exit 2.
The directory is built in a hidden scratch beside OUT and appears whole: SIGTERM (the app's
cancel button, or the app stopping) leaves nothing at OUT.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
from pathlib import Path

from gatesim.app.worker import say, serve

__all__: list[str] = []


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
        if todo == 0:
            say(phase="analyse")

    done = [0]

    def on_done(task, result) -> None:  # noqa: ARG001 - the sweep runner's callback
        done[0] += 1
        say(runs_done=done[0], runs_total=plan.runs)
        if done[0] == plan.runs:
            say(phase="analyse")

    with atomic_dir(out, False, inputs=inputs) as tmp:
        if _reuse(out.parent, plan.sweep.hash, tmp / "runs"):
            say(phase="reuse")
        compute(plan, tmp, lang, thresholds(), None, False, on_start, on_done)
    return out


def _reuse(answers: Path, sweep_hash: str, runs: Path) -> bool:
    """Copy the runs of a finished answer in ``answers`` to the very same sweep (its spec's hash)
    into ``runs``, which the sweep then resumes: the same question asked again (in the other
    language, say) runs nothing again. Only plain folders with no link inside; a hidden one is unfinished."""
    for p in sorted(answers.iterdir()) if answers.is_dir() else []:
        spec = p / "runs" / "sweep.json"
        if p.name.startswith(".") or p.is_symlink() or (p / "runs").is_symlink() or spec.is_symlink():
            continue
        try:
            held = json.loads(spec.read_text(encoding="utf-8")).get("hash")
        except (OSError, ValueError, AttributeError):
            continue
        if held == sweep_hash and not _has_link(p / "runs"):
            shutil.copytree(p / "runs", runs)
            return True
    return False


def _has_link(folder: Path) -> bool:
    """Any link in the tree (a file it reached would be read from outside the runs folder)."""
    return any(
        Path(top, name).is_symlink() for top, dirs, files in os.walk(folder) for name in [*dirs, *files]
    )


def main(argv: list[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)

    def work() -> Path:
        out, lang = Path(args[0]), args[1]
        worlds, days, reps = (int(a) for a in args[2:5])
        return run(out, lang, worlds, days, reps, Path(args[5]), Path(args[6]))

    return serve(work)


if __name__ == "__main__":
    sys.exit(main())
