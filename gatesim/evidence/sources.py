"""The sources file (``seeds/sources.yaml``): one entry per public document gatesim rests on.

Every figure is kept as the document states it (a number, or a range, with a qualifier such as
"about" or "over"), with what it counts. Ids are unique and lowercase; an entry whose copy was not
found (``located: false``) must give its bibliographic ``reference``; a located entry must give a
``url`` or a ``document`` inside the repository. Anything else is refused in one line naming the
file, the line and the key.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from gatesim.errors import InputError
from gatesim.scenario.checked import line_of, read_checked

__all__ = [
    "REPO_ROOT",
    "SOURCES_PATH",
    "SOURCE_ID",
    "Figure",
    "Source",
    "Sources",
    "load_sources",
]

REPO_ROOT = Path(__file__).resolve().parents[2]
SOURCES_PATH = REPO_ROOT / "seeds" / "sources.yaml"
# outlet-date[-n]: lowercase words and digits joined by hyphens (seed-000 ... seed-004 are the seeds)
SOURCE_ID = r"[a-z][a-z0-9]*(?:-[a-z0-9]+)+"
_DATE_TEXT = re.compile(r"^\d{4}(?:-\d{2})?$")


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Figure(_Model):
    """One figure as the document states it; ``high`` closes a range."""

    value: float
    high: float | None = None
    qualifier: Literal["exact", "about", "over", "under", "range"] = "exact"
    unit: str = Field(..., min_length=1)
    counts: str = Field(..., min_length=1)
    quote: str = Field(..., min_length=1)

    @model_validator(mode="after")
    def _range(self) -> Figure:
        if (self.qualifier == "range") != (self.high is not None):
            raise ValueError("a range gives both value and high, with qualifier: range")
        if self.high is not None and self.high < self.value:
            raise ValueError(f"high {self.high:g} is below value {self.value:g}")
        return self


class Source(_Model):
    id: str = Field(..., pattern=rf"^{SOURCE_ID}$", max_length=60)
    outlet: str = Field(..., min_length=1)
    via: str | None = None
    title: str = Field(..., min_length=1)
    date: dt.date | str | None
    date_note: str | None = None
    url: str | None = Field(None, pattern=r"^https?://\S+$")
    document: str | None = None
    located: bool = True
    reference: str | None = None
    language: Literal["vi", "en", "zh", "de", "ja"]
    figures: list[Figure] = Field(default_factory=list)
    states: str | None = None
    used_for: str = Field(..., min_length=1)

    @field_validator("date", mode="before")
    @classmethod
    def _date(cls, v: object) -> object:
        if isinstance(v, int):  # a bare year
            v = str(v)
        if isinstance(v, str) and not _DATE_TEXT.match(v):
            raise ValueError("a date is YYYY-MM-DD, YYYY-MM or YYYY")
        return v

    @field_validator("document")
    @classmethod
    def _inside(cls, v: str | None) -> str | None:
        if v is not None and (v.startswith("/") or ".." in Path(v).parts):
            raise ValueError("a document is a path inside the repository")
        return v

    @model_validator(mode="after")
    def _findable(self) -> Source:
        if self.located and not (self.url or self.document):
            raise ValueError("a located source gives a url or a document")
        if not self.located and not self.reference:
            raise ValueError("a source not located gives its bibliographic reference")
        if self.date is None and not self.date_note:
            raise ValueError("an undated source says why in date_note")
        if self.located and not self.figures and not self.states:
            raise ValueError("a located source states figures or a statement (states)")
        return self

    @property
    def year(self) -> int | None:
        if isinstance(self.date, dt.date):
            return self.date.year
        return int(self.date[:4]) if self.date else None


class _File(_Model):
    sources: list[Source] = Field(..., min_length=1)


@dataclass(frozen=True)
class Sources:
    file: str
    entries: dict[str, Source]

    def __contains__(self, source_id: object) -> bool:
        return source_id in self.entries

    def __getitem__(self, source_id: str) -> Source:
        return self.entries[source_id]


def load_sources(path: str | Path | None = None) -> Sources:
    """Read and check the sources file: unique ids, required fields, typed figures, documents present."""
    path = Path(path) if path else SOURCES_PATH
    file = str(path)
    parsed, _, lines = read_checked(path, _File)
    entries: dict[str, Source] = {}
    for i, s in enumerate(parsed.sources):
        where: dict[str, Any] = {"file": file, "line": line_of(lines, "sources", str(i))}
        if s.id in entries:
            raise InputError("duplicate source id", key=f"sources.{i}.id", given=s.id, **where)
        if s.document is not None and not (path.resolve().parents[1] / s.document).is_file():
            raise InputError(
                "no such document in the repository",
                key=f"sources.{i}.document",
                given=s.document,
                **where,
            )
        entries[s.id] = s
    return Sources(file=file, entries=entries)
