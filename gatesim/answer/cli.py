"""``gatesim answer PROPOSAL... [--base BASE]``: what each proposal does, in words a planner can quote."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from gatesim.limits import ASSESS_DAYS, ASSESS_REPLICATIONS, WORKERS, WORLDS

if TYPE_CHECKING:
    from gatesim.answer.plan import Plan
    from gatesim.compare.verdict import Thresholds
    from gatesim.sweep.runner import SweepOutcome
    from gatesim.sweep.spec import Task

__all__ = ["DEFAULT_DAYS", "DEFAULT_REPLICATIONS", "DEFAULT_WORLDS", "command", "compute", "thresholds"]

DEFAULT_WORLDS = 10
DEFAULT_DAYS = 6
DEFAULT_REPLICATIONS = 3


def method_text(lang: str, n_worlds: int, ensemble: str, n_rows: int, level: float, th) -> str:
    from gatesim.answer.words import phrase

    return phrase(
        "method_text", lang, n=n_worlds, ensemble=Path(ensemble).name, rows=n_rows, fdr=1 - level,
        sizes=th.text(), sat=th.saturation_pct,
    )  # fmt: skip


def _minutes(seconds: float, lang: str) -> str:
    if seconds < 90:
        return f"{max(1, round(seconds / 10) * 10):.0f} s"
    return f"{seconds / 60:.0f} {'phút' if lang == 'vi' else 'min'}"


def _write(out_dir: Path, answers, rows, pw, text: str, page: str) -> list[Path]:
    from gatesim.outputs import write_csv, write_text

    written = [
        out_dir / "answer.html",
        out_dir / "answer.txt",
        out_dir / "verdicts.csv",
        out_dir / "effects_by_world.csv",
    ]
    write_text(written[0], page)
    write_text(written[1], text + "\n")
    write_csv(written[2], rows)
    write_csv(written[3], pw)
    return written


def thresholds(
    negligible_pct: float = 2.0, negligible_min: float = 5.0, large_pct: float = 10.0
) -> Thresholds:
    """The effect sizes' thresholds as ``gatesim answer`` sets them (its defaults: these)."""
    from gatesim.compare.verdict import Thresholds

    return Thresholds(negligible_pct=negligible_pct, large_pct=large_pct,
                      negligible_abs={"h": negligible_min / 60.0, "trucks": 5.0, "trucks/day": 5.0})  # fmt: skip


def compute(
    plan: Plan,
    out_dir: Path,
    lang: str,
    th: Thresholds,
    workers: int | None = None,
    force: bool = False,
    on_start: Callable[[int, int], Any] | None = None,
    on_done: Callable[[Task, dict[str, Any]], None] | None = None,
) -> tuple[list[Path], str, SweepOutcome]:
    """The answer's runs (resumed in ``out_dir/runs``), its analysis and its four files in ``out_dir``:
    (files written, the answer's text, the sweep's outcome). ``on_start``/``on_done``: the sweep
    runner's progress callbacks. Raises SweepInterrupted on Ctrl-C (or SIGTERM turned into one)."""
    import pandas as pd

    from gatesim.answer.analyse import analyse
    from gatesim.answer.page import answer_page
    from gatesim.answer.text import answer_text
    from gatesim.sweep.runner import run_sweep

    outcome = run_sweep(
        plan.sweep, out_dir / "runs", workers, None, force=force and (out_dir / "runs").exists(),
        on_start=on_start, on_done=on_done,
    )  # fmt: skip
    worlds_df = pd.DataFrame(plan.worlds).set_index("set_id")
    base_names = {"base": str(plan.root.resolved.get("name")), **{b.name: b.name for b in plan.extra_bases}}
    answers, rows, pw = analyse(
        outcome.results, [v.name for v in plan.proposals], plan.pairs, base_names, plan.context,
        worlds_df, plan.unknowns, 0.95, th, list(plan.gate_names), plan.unknown_gates,
    )  # fmt: skip
    text = answer_text(answers, lang, plan.gate_names)
    method = method_text(lang, len(plan.worlds), plan.ensemble_file, len(rows), 0.95, th)
    page = answer_page(
        answers, rows, method, lang, plan.gate_names, ", ".join(v.name for v in plan.proposals)
    )
    return _write(out_dir, answers, rows, pw, text, page), text, outcome


@click.command("answer")
@click.argument("proposals", nargs=-1, required=True, type=click.Path(dir_okay=False))
@click.option(
    "--base", type=click.Path(dir_okay=False), help="Base scenario. Default: the one the proposals extend."
)
@click.option(
    "--ensemble", type=click.Path(dir_okay=False), help="Plausible worlds. Default: <base>.ensemble.csv."
)
@click.option(
    "--worlds", type=int, default=DEFAULT_WORLDS, show_default=True, help="Plausible worlds to use."
)
@click.option("--days", type=int, default=DEFAULT_DAYS, show_default=True, help="Days per run.")
@click.option("-r", "--replications", type=int, default=DEFAULT_REPLICATIONS, show_default=True,
              help="Replications per world (2 or more measure the noise).")  # fmt: skip
@click.option("--seed", type=int, help="Base seed. Default: the base's run.seed.")
@click.option("--out", help="Output directory (resumable). Default: answers/<first proposal>.")
@click.option("--lang", type=click.Choice(["en", "vi"]), default="en", show_default=True, help="Language.")
@click.option(
    "--negligible-pct",
    type=float,
    default=2.0,
    show_default=True,
    help="Negligible below this % of the base.",
)
@click.option(
    "--negligible-min",
    type=float,
    default=5.0,
    show_default=True,
    help="Negligible below this many minutes of wait.",
)
@click.option(
    "--large-pct", type=float, default=10.0, show_default=True, help="Large from this % of the base."
)
@click.option("--workers", "-j", type=int, help="Local worker processes. Default: all cores.")
@click.option("--force", is_flag=True, help="Replace a directory holding another answer.")
@click.option("--quiet", "-q", is_flag=True, help="No progress on stderr.")
def command(proposals, base, ensemble, worlds, days, replications, seed, out, lang, negligible_pct,
            negligible_min, large_pct, workers, force, quiet) -> None:  # fmt: skip
    """What each PROPOSAL does, in plain words and units, in the calibrated baseline and across the
    plausible worlds of the ensemble shipped beside the base (scenarios/baseline_2026.ensemble.csv).

    Per proposal and gate it touches: mean and 95th-percentile wait, trucks still waiting at 20:00,
    crossings per day and customs tax, each effect with its size (negligible / modest / large) beside
    its significance, the range across plausible worlds, what the effect depends on, any split by an
    unknown, and the measurement that would settle it. Writes answer.html (one self-contained page),
    answer.txt, verdicts.csv and effects_by_world.csv into --out; see docs/answers.md.
    """
    import os

    from gatesim.answer.plan import estimate_seconds, make_plan, run_engines
    from gatesim.answer.words import engine_words, phrase
    from gatesim.errors import InputError
    from gatesim.outputs import check_not_input
    from gatesim.progress import Progress
    from gatesim.sweep.runner import SweepInterrupted
    from gatesim.trust.assess_cli import prepare_out_dir

    WORLDS.check("--worlds", worlds)
    ASSESS_DAYS.check("--days", days)
    ASSESS_REPLICATIONS.check("--replications", replications)
    WORKERS.check("--workers", workers)
    for key, value in (
        ("--negligible-pct", negligible_pct),
        ("--large-pct", large_pct),
        ("--negligible-min", negligible_min),
    ):
        if not 0 <= value <= 1000:
            raise InputError("out of range", key=key, given=value, allowed="0 to 1000")
    if large_pct < negligible_pct:
        raise InputError(
            "below --negligible-pct", key="--large-pct", given=large_pct, allowed=f">= {negligible_pct:g}"
        )
    th = thresholds(negligible_pct, negligible_min, large_pct)
    plan = make_plan(list(proposals), base, ensemble, worlds, days, replications, seed)
    out = out or str(Path("answers") / plan.proposals[0].name)
    check_not_input(Path(out), [*proposals, plan.root_file, plan.ensemble_file, *([base] if base else [])])
    out_dir = prepare_out_dir(out, force)
    n_workers = workers or os.cpu_count() or 1
    click.echo(
        phrase("runs", lang, runs=plan.runs, worlds=len(plan.worlds) + 1,
               variants=len({pt.params["variant"] for pt in plan.sweep.points}), reps=replications,
               days=plan.sweep.days, minutes=_minutes(estimate_seconds(plan, n_workers), lang), workers=n_workers,
               engine=engine_words(run_engines(plan), lang)),
        err=True,
    )  # fmt: skip
    bar: list[Progress] = []

    def on_start(todo, skipped):
        bar.append(Progress(todo, "answer", quiet).__enter__())

    def on_done(task, result):
        bar[0].advance(note=f"({result['error']})" if result["error"] else "")

    try:
        written, text, outcome = compute(plan, out_dir, lang, th, workers, force, on_start, on_done)
    except SweepInterrupted as e:
        click.echo(f"\ngatesim: {e}", err=True)
        click.get_current_context().exit(130)
    finally:
        if bar:
            bar[0].__exit__(None, None, None)
    click.echo(text)
    if outcome.failed:
        click.echo(f"{len(outcome.failed)} runs failed: see runs/results.csv's error column", err=True)
    click.echo(f"\nwritten: {', '.join(str(p) for p in written[:2])}")
