"""The bulletin dataset (``seeds/bulletins.csv``): published counts of vehicles waiting, cleared
and arriving at Lạng Sơn's gates, each row with its source entry.

A count is kept as the document states it: ``750``, ``~3000`` (about), ``>750`` (over), ``<200``
(up to), ``80-100`` (a range). ``vehicles_cleared`` and ``arrivals`` cover ``days`` days ending
on ``date`` (1 when empty); ``vehicles_waiting`` is a stock at ``hour`` (empty when the document
gives none). Arrivals derived by mass balance (cleared + the change in waiting) are flagged
``arrivals_derived``. A row citing no entry of ``seeds/sources.yaml`` is refused, in one line
naming the file and line.
"""

from __future__ import annotations

import csv
import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, get_args

from gatesim.errors import InputError
from gatesim.evidence.sources import REPO_ROOT, Sources, load_sources

__all__ = ["BULLETINS_PATH", "Bulletin", "Count", "load_bulletins"]

BULLETINS_PATH = REPO_ROOT / "seeds" / "bulletins.csv"
COLUMNS = (
    "date",
    "hour",
    "place",
    "direction",
    "cargo",
    "days",
    "vehicles_waiting",
    "vehicles_cleared",
    "arrivals",
    "arrivals_derived",
    "source",
    "note",
)
GATES = ("huu_nghi", "tan_thanh", "coc_nam", "chi_ma")
Direction = Literal["export", "import", "both", "unstated"]
Cargo = Literal["all", "fruit", "other", "new_vehicles"]
_COUNT = re.compile(r"^(?P<q>[~<>]?)(?P<v>\d+(?:\.\d+)?)(?:-(?P<h>\d+(?:\.\d+)?))?$")
_QUALIFIER = {"": "exact", "~": "about", ">": "over", "<": "under"}
_MAX_COUNT = 1_000_000  # about two years of the province's traffic (~1,300 a day): more is a typo


@dataclass(frozen=True)
class Count:
    """A published count: ``value`` (and ``high`` for a range) with how exact the source says it is."""

    value: float
    qualifier: Literal["exact", "about", "over", "under", "range"] = "exact"
    high: float | None = None

    @property
    def mid(self) -> float:
        """The count's central value (a range's middle)."""
        return self.value if self.high is None else (self.value + self.high) / 2


@dataclass(frozen=True)
class Bulletin:
    date: dt.date
    hour: int | None
    place: str
    direction: str
    cargo: str
    days: int
    vehicles_waiting: Count | None
    vehicles_cleared: Count | None
    arrivals: Count | None
    arrivals_derived: bool
    source: str
    note: str
    line: int

    @property
    def gates(self) -> tuple[str, ...]:
        """The gates the row counts (all four for ``province``)."""
        return GATES if self.place == "province" else tuple(self.place.split("+"))


def parse_count(text: str) -> Count | None:
    """``"750"``, ``"~3000"``, ``">750"``, ``"<200"`` or ``"80-100"``; None for an empty cell."""
    text = text.strip()
    if not text:
        return None
    m = _COUNT.match(text)
    if not m:
        raise ValueError("a count is 750, ~750 (about), >750 (over), <750 (up to) or 700-800")
    value, high = float(m["v"]), (float(m["h"]) if m["h"] else None)
    if high is not None:
        if m["q"]:
            raise ValueError("a range takes no ~, < or >")
        if high < value:
            raise ValueError("a range runs from low to high")
    if max(value, high or 0) > _MAX_COUNT:
        raise ValueError(f"more than {_MAX_COUNT:,} vehicles")
    return Count(value, "range" if high is not None else _QUALIFIER[m["q"]], high)  # type: ignore[arg-type]


def _place(text: str) -> str:
    if text == "province":
        return text
    parts = text.split("+")
    if not parts or any(p not in GATES for p in parts) or len(set(parts)) != len(parts):
        raise ValueError(f"a place is 'province' or gate ids joined by '+' ({', '.join(GATES)})")
    return text


_PARSERS = (
    ("date", dt.date.fromisoformat),
    ("hour", lambda t: None if not t else int(t)),
    ("place", _place),
    ("days", lambda t: 1 if not t else int(t)),
    ("vehicles_waiting", parse_count),
    ("vehicles_cleared", parse_count),
    ("arrivals", parse_count),
)
_OWN_MESSAGE = ("count", "place", "range", "vehicles")


def _parsed(raw: dict[str, str], bad: Callable[..., InputError]) -> dict[str, Any]:
    """The typed cells of a row; the first that does not parse, as one InputError."""
    values: dict[str, Any] = {}
    for key, parse in _PARSERS:
        try:
            values[key] = parse(raw[key].strip())
        except ValueError as e:
            raise bad(key, str(e) if any(w in str(e) for w in _OWN_MESSAGE) else "not valid") from None
    if values["hour"] is not None and not 0 <= values["hour"] <= 24:
        raise bad("hour", "not an hour of the day", "0-24 or empty")
    if not 1 <= values["days"] <= 366:
        raise bad("days", "not a number of days", "1-366 or empty")
    for key, allowed in (("direction", get_args(Direction)), ("cargo", get_args(Cargo))):
        if raw[key] not in allowed:
            raise bad(key, "not valid", ", ".join(allowed))
    if raw["arrivals_derived"] not in ("true", "false"):
        raise bad("arrivals_derived", "not a boolean", "true or false")
    values["arrivals_derived"] = raw["arrivals_derived"] == "true"
    if values["arrivals_derived"] and values["arrivals"] is None:
        raise bad("arrivals_derived", "derived arrivals without arrivals")
    if all(values[k] is None for k in ("vehicles_waiting", "vehicles_cleared", "arrivals")):
        raise bad("vehicles_waiting", "a row with no count", "vehicles_waiting, vehicles_cleared or arrivals")
    return values


def _row(raw: dict[str, str], line: int, sources: Sources, file: str) -> Bulletin:
    def bad(key: str, message: str, allowed: str | None = None) -> InputError:
        return InputError(message, file=file, line=line, key=key, given=raw.get(key), allowed=allowed)

    source = (raw.get("source") or "").strip()
    if not source:
        raise bad("source", "a row without a source", "an id of seeds/sources.yaml")
    if source not in sources:
        raise bad("source", "not an entry of seeds/sources.yaml")
    values = _parsed(raw, bad)
    return Bulletin(
        **values,
        direction=raw["direction"],
        cargo=raw["cargo"],
        source=source,
        note=raw.get("note") or "",
        line=line,
    )


def load_bulletins(path: str | Path | None = None, sources: Sources | None = None) -> list[Bulletin]:
    """Read and check the bulletins file; every row cites an entry of the sources file."""
    path = Path(path) if path else BULLETINS_PATH
    file = str(path)
    sources = sources if sources is not None else load_sources()
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InputError("no such file", file=file) from None
    except UnicodeDecodeError:
        raise InputError("not UTF-8 text", file=file) from None
    reader = csv.DictReader(text.splitlines())
    if tuple(reader.fieldnames or ()) != COLUMNS:
        raise InputError(
            "columns differ",
            file=file,
            line=1,
            given=",".join(reader.fieldnames or ()),
            allowed=",".join(COLUMNS),
        )
    rows: list[Bulletin] = []
    for raw in reader:
        line = reader.line_num
        if None in raw or any(v is None for v in raw.values()):
            raise InputError(f"{len(COLUMNS)} columns expected", file=file, line=line)
        rows.append(_row(raw, line, sources, file))
    if not rows:
        raise InputError("no rows", file=file, allowed="at least one published count")
    return rows


_PLACES = (("huu_nghi", "Hữu Nghị"), ("tan_thanh", "Tân Thanh"), ("coc_nam", "Cốc Nam"), ("chi_ma", "Chi Ma"))


def summary_table(rows: list[Bulletin]) -> str:
    """Observations by year and place, and distinct dates per year, as a Markdown table
    (the table of docs/evidence.md; a test keeps the two equal)."""
    cols = [*(p for p, _ in _PLACES), "several", "province"]
    names = [*(n for _, n in _PLACES), "several gates", "province"]
    counts: dict[tuple[int, str], int] = {}
    dates: dict[int, set[dt.date]] = {}
    for r in rows:
        col = r.place if r.place in cols else "several"
        counts[(r.date.year, col)] = counts.get((r.date.year, col), 0) + 1
        dates.setdefault(r.date.year, set()).add(r.date)
    lines = [
        "| year | " + " | ".join(names) + " | rows | dates |",
        "|---" * (len(names) + 3) + "|",
    ]
    for year in sorted(dates):
        cells = [str(counts.get((year, c), "–")) for c in cols]
        total = sum(counts.get((year, c), 0) for c in cols)
        lines.append(f"| {year} | " + " | ".join(cells) + f" | {total} | {len(dates[year])} |")
    return "\n".join(lines)


def summary_line(rows: list[Bulletin]) -> str:
    """What the dataset holds, in one sentence (docs/evidence.md quotes it; a test keeps the two equal)."""
    years = sorted({r.date.year for r in rows})
    at_20 = [r for r in rows if r.vehicles_waiting is not None and r.hour == 20]
    return (
        f"{len(rows)} observations on {len({r.date for r in rows})} dates over {len(years)} years "
        f"({years[0]}-{years[-1]}), from {len({r.source for r in rows})} documents: "
        f"{sum(r.vehicles_waiting is not None for r in rows)} counts of vehicles waiting, "
        f"{sum(r.vehicles_cleared is not None for r in rows)} of vehicles cleared, "
        f"{sum(r.arrivals is not None for r in rows)} of arrivals ({sum(r.arrivals_derived for r in rows)} derived); "
        f"{len(at_20)} counts of vehicles waiting at 20:00, on {len({r.date for r in at_20})} dates."
    )
