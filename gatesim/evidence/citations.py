"""Citations of ``seeds/sources.yaml`` entries: how they are written and where they are checked.

A citation is a source id in square brackets, ``[seed-002]`` or ``[vietnamvn-2024-08-23]``, in a
scenario's ``sources:`` entry, a priors reason, a target's ``source``, a regime, a figure row or a
doc (a bracket followed by ``(`` is a Markdown link, not a citation). :func:`citation_problems`
lists every citation that resolves to nothing, every ``public``/``seed`` scenario entry and every
target that cites nothing, and every reference to a file outside the repository.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from gatesim.evidence.sources import REPO_ROOT, SOURCE_ID, Sources
from gatesim.scenario.load import read_yaml

__all__ = []

CITATION = re.compile(rf"\[({SOURCE_ID})\](?!\()")
# files outside the repository that once stood in for sources (the brief beside the repository,
# the seed documents' original folder); spelled in parts so this module does not match itself
OUTSIDE = ("DOMAIN" + ".md", "../" + "shared", "/work/" + "shared")
_CITING_BASES = {"public", "seed"}


@dataclass(frozen=True)
class Citation:
    """A text that cites (or should cite) sources: where it is and what it says."""

    file: str
    line: int | None
    key: str
    text: str
    must_cite: bool = False  # a public or seed figure, or a target: it names at least one source

    @property
    def where(self) -> str:
        return f"{self.file}:{self.line}" if self.line else self.file


def cited_ids(text: str) -> list[str]:
    """The source ids cited in ``text``, in order."""
    return CITATION.findall(text)


def _scenario_citations(path: Path, root: Path) -> Iterator[Citation]:
    lines: dict = {}
    data = read_yaml(path, lines)
    file = str(path.relative_to(root))
    for key, entry in (data.get("sources") or {}).items() if isinstance(data, dict) else ():
        if not isinstance(entry, dict):
            continue
        text = str(entry.get("source", ""))
        refers = text.startswith("as ")  # "as Tân Thanh": the same source as another entry
        must = entry.get("basis") in _CITING_BASES and not refers
        yield Citation(file, lines.get(("sources", str(key))), f"sources.{key}", text, must)
    for key, entry in (data.get("ranges") or {}).items() if isinstance(data, dict) else ():
        if isinstance(entry, dict) and "reason" in entry:
            yield Citation(file, lines.get(("ranges", str(key))), f"ranges.{key}", str(entry["reason"]))


def _target_citations(path: Path, root: Path) -> Iterator[Citation]:
    lines: dict = {}
    data = read_yaml(path, lines)
    file = str(path.relative_to(root))
    for i, t in enumerate(data.get("targets") or []):
        if isinstance(t, dict):
            yield Citation(
                file, lines.get(("targets", str(i))), f"targets.{i}.source", str(t.get("source", "")), True
            )


def _text_citations(path: Path, root: Path) -> Iterator[Citation]:
    file = str(path.relative_to(root))
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if CITATION.search(line):
            yield Citation(file, n, "", line)


def citations_in(root: Path = REPO_ROOT) -> Iterator[Citation]:
    """Every citing text of the repository: scenarios and priors, targets, the other seed files, docs."""
    for path in sorted((root / "scenarios").glob("*.yaml")):
        yield from _scenario_citations(path, root)
    targets = root / "seeds" / "congestion_targets.yaml"
    if targets.is_file():
        yield from _target_citations(targets, root)
    others = [p for p in sorted((root / "seeds").glob("*")) if p.is_file() and p.suffix in {".yaml", ".csv"}]
    for path in [*others, *sorted((root / "docs").glob("*.md")), root / "README.md"]:
        if path.is_file() and path.name not in {"sources.yaml", "congestion_targets.yaml"}:
            yield from _text_citations(path, root)


def _outside_references(root: Path, folders: Iterable[str]) -> Iterator[str]:
    for folder in folders:
        base = root / folder
        paths = [base] if base.is_file() else sorted(p for p in base.rglob("*") if p.is_file())
        for path in paths:
            if (
                path.suffix not in {".py", ".md", ".yaml", ".yml", ".csv", ".txt", ".toml"}
                or "documents" in path.parts
            ):
                continue
            for n, line in enumerate(path.read_text(encoding="utf-8", errors="replace").splitlines(), 1):
                for name in OUTSIDE:
                    if name in line:
                        yield f"{path.relative_to(root)}:{n}: refers to {name!r}, a file outside the repository"


def citation_problems(sources: Sources, root: Path = REPO_ROOT) -> list[str]:
    """Every unresolved citation, every figure or target that cites nothing, every outside reference."""
    problems: list[str] = []
    for c in citations_in(root):
        ids = cited_ids(c.text)
        for i in ids:
            if i not in sources:
                problems.append(
                    f"{c.where}: {c.key or 'text'}: cites [{i}], not an entry of seeds/sources.yaml"
                )
        if c.must_cite and not ids:
            problems.append(
                f"{c.where}: {c.key}: cites no entry of seeds/sources.yaml; given {c.text[:60]!r}"
            )
    folders = ("scenarios", "seeds", "docs", "tests", "gatesim", "benchmarks", "README.md", "CONTRIBUTING.md")
    problems.extend(_outside_references(root, folders))
    return problems
