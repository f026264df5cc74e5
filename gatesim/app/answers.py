"""What the app offers and lists for answers: the shipped proposals ``gatesim answer`` can answer
(a scenario with a plausible ensemble up its ``extends:`` chain), the bases they can be set against,
and the answers in ``RUNS/answers/`` (each the directory ``gatesim answer --out`` writes)."""

from __future__ import annotations

import datetime as dt
import html
import json
import re
from pathlib import Path

from gatesim.app.catalog import SCENARIOS_DIR, list_scenarios, newest_first, scenario_parents

__all__ = ["ANSWERS", "answer_name", "answerable", "list_answers", "read_answer"]

ANSWERS = "answers"  # the answers' folder inside the runs folder
_VS = "_vs_"

_VERDICT = re.compile(r"<p class='verdict'>(.*?)</p>", re.S)
_AGAINST = re.compile(r"<p class='muted'>(.*?)</p>", re.S)
_TITLE = re.compile(r"<title>(.*?)</title>", re.S)
_LANG = re.compile(r"<html lang='(\w+)'")


def answerable(folder: Path = SCENARIOS_DIR) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """(proposals, bases), each (file stem, scenario name): the bases are the scenarios an ensemble
    was fitted on (``<stem>.ensemble.csv`` beside them; the calibrated baseline first), the
    proposals every other scenario whose ``extends:`` chain reaches one (found from the files the
    scenario list already read: the app starts without reading them again; ``gatesim answer``'s
    own search, gatesim.answer.plan.find_root, checks the chosen ones when they run)."""
    parents = scenario_parents(folder)
    proposals: list[tuple[str, str]] = []
    bases: list[tuple[str, str]] = []
    for stem, name, _ in list_scenarios(folder):
        chain: list[str] = []
        at: str | None = stem
        while at is not None and at not in chain and (folder / f"{at}.yaml").is_file():
            chain.append(at)
            if (folder / f"{at}.ensemble.csv").is_file():
                (bases if at == stem else proposals).append((stem, name))
                break
            parent = parents.get(at)
            at = Path(parent).stem if parent and "/" not in parent else None
    bases.sort(key=lambda b: (not b[0].startswith("baseline"), b[0]))
    return proposals, bases


def read_answer(path: Path) -> dict | None:
    """What the app shows of an answer directory: its title, base, verdict lines, language and
    size (from answer.html and runs/sweep.json as ``gatesim answer`` wrote them); None if incomplete."""
    page, spec = path / "answer.html", path / "runs" / "sweep.json"
    if page.is_symlink() or spec.is_symlink() or not page.is_file() or not spec.is_file():
        return None
    try:
        text = page.read_text(encoding="utf-8")
        sweep = json.loads(spec.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    title, against, lang = _TITLE.search(text), _AGAINST.search(text), _LANG.search(text)
    worlds = sweep.get("worlds") if isinstance(sweep, dict) else None
    mtime = page.stat().st_mtime
    days, reps = sweep.get("days"), sweep.get("replications")
    return {
        "request": _request(path.name, len(worlds) if isinstance(worlds, list) else None, days, reps),
        "folder": path.name,
        "title": html.unescape(title.group(1)) if title else path.name,
        "against": html.unescape(against.group(1)) if against else "",
        "verdicts": [html.unescape(v) for v in _VERDICT.findall(text)],
        "lang": lang.group(1) if lang else "en",
        "size": f"{len(worlds) if isinstance(worlds, list) else '?'} × {sweep.get('days', '?')} × "
        f"{sweep.get('replications', '?')}",
        "date": dt.datetime.fromtimestamp(mtime, dt.UTC).strftime("%Y-%m-%d %H:%M:%S"),
        "mtime": mtime,
    }


def answer_name(proposal: str, base: str, root: str) -> str:
    """An answer's folder name before its time: the proposal's stem, and ``_vs_`` the base's
    when it is not the scenario the ensemble was fitted on (``gatesim answer``'s own default)."""
    return proposal if base == root else f"{proposal}{_VS}{base}"


def _request(folder: str, worlds: object, days: object, reps: object) -> dict[str, str] | None:
    """What the app asked for an answer it made (its folder's name and its sweep's sizes), to ask
    it again (in the other language); None for a folder the app did not name."""
    name = folder.rsplit("--", 1)[0]
    proposals, bases = answerable()
    proposal, _, base = name.partition(_VS)
    base = base or (bases[0][0] if bases else "")
    if proposal not in dict(proposals) or base not in dict(bases + proposals):
        return None
    if not all(isinstance(x, int) for x in (worlds, days, reps)):
        return None
    return {
        "proposal": proposal,
        "base": base,
        "worlds": str(worlds),
        "days": str(days),
        "replications": str(reps),
    }


def list_answers(runs_dir: Path) -> list[dict]:
    """The complete answers in ``runs_dir/answers/``, newest first."""
    return newest_first(runs_dir / ANSWERS, read_answer)
