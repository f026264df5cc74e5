"""The targets file (``seeds/congestion_targets.yaml``): observations and experiments.

A target is a published figure with its observation sd, the model
discrepancy it allows for, a role (``fit``, ``holdout``, ``check``), the
experiment that runs the model over the figure's period, and a measurement
rule from :data:`gatesim.trust.measure.RULES`. Anything else is refused with
one line naming the file, the line and the key.
"""

from __future__ import annotations

import datetime as dt
import difflib
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from pydantic import Field, field_validator

from gatesim.errors import InputError
from gatesim.limits import DISCREPANCY_SD, SD, VALUE
from gatesim.scenario.base import StrictModel
from gatesim.scenario.checked import line_of, read_checked
from gatesim.trust.measure import RULE_ARGS, RULES

__all__ = ["TARGETS_PATH", "Experiment", "Target", "Targets", "load_targets"]

TARGETS_PATH = Path(__file__).resolve().parents[2] / "seeds" / "congestion_targets.yaml"


class _Model(StrictModel):
    """Unknown keys, true/false for numbers, texts: gatesim/scenario/base.py."""


class Experiment(_Model):
    what: str
    start: dt.date
    days: int = Field(..., ge=1, le=366)
    warmup_days: int = Field(..., ge=0, le=60)
    set: list[str] = Field(default_factory=list)

    def overrides(self) -> list[str]:
        """``--set`` overrides that put the baseline on this experiment's dates."""
        return [
            f"calendar.start_date={self.start.isoformat()}",
            f"calendar.warmup_days={self.warmup_days}",
            "calendar.drain_days=0",
            *self.set,
        ]


class Target(_Model):
    id: str = Field(..., pattern=r"^[A-Za-z0-9_]+$")
    what: str
    counts: str
    value: float = Field(..., **VALUE.bounds)
    sd: float = Field(..., **SD.bounds)
    discrepancy_sd: float = Field(0.0, **DISCREPANCY_SD.bounds)
    unit: str
    period: str
    source: str
    role: Literal["fit", "holdout", "check"]
    experiment: str
    measure: dict[str, Any] | None = None
    note: str = ""

    @field_validator("period", mode="before")
    @classmethod
    def _period_text(cls, v: object) -> object:
        return v.isoformat() if isinstance(v, dt.date) else v  # a bare date is a period too

    @property
    def rule(self) -> str:
        return str((self.measure or {}).get("rule", ""))

    @property
    def args(self) -> dict[str, Any]:
        return {k: v for k, v in (self.measure or {}).items() if k != "rule"}


class _File(_Model):
    experiments: dict[str, Experiment] = Field(..., min_length=1)
    targets: list[Target] = Field(..., min_length=1)


@dataclass(frozen=True)
class Targets:
    file: str
    experiments: dict[str, Experiment]
    targets: list[Target]

    def with_role(self, *roles: str) -> list[Target]:
        return [t for t in self.targets if t.role in roles]

    def by_experiment(self, targets: list[Target]) -> dict[str, list[Target]]:
        out: dict[str, list[Target]] = {}
        for t in targets:
            out.setdefault(t.experiment, []).append(t)
        return out


def load_targets(path: str | Path | None = None, gates: list[str] | None = None) -> Targets:
    """Read and check the targets file; ``gates`` (the scenario's) are checked in ``gates`` settings."""
    path = Path(path) if path else TARGETS_PATH
    file = str(path)
    parsed, _, lines = read_checked(path, _File)
    seen: set[str] = set()
    for i, t in enumerate(parsed.targets):
        where: dict[str, Any] = {"file": file, "line": line_of(lines, "targets", str(i))}
        if t.id in seen:
            raise InputError("duplicate target id", key=f"targets.{i}.id", given=t.id, **where)
        seen.add(t.id)
        if t.experiment not in parsed.experiments:
            raise InputError(
                "no such experiment",
                key=f"targets.{i}.experiment",
                given=t.experiment,
                allowed=", ".join(parsed.experiments),
                **where,
            )
        if not t.rule:
            raise InputError(
                f"target {t.id} has no measurement rule",
                key=f"targets.{i}.measure",
                allowed="measure: {rule: NAME, ...} with NAME one of " + ", ".join(RULES),
                **where,
            )
        if t.rule not in RULES:
            guess = difflib.get_close_matches(t.rule, RULES, n=1)
            raise InputError(
                "unknown measurement rule" + (f" (did you mean {guess[0]!r}?)" if guess else ""),
                key=f"targets.{i}.measure.rule",
                given=t.rule,
                allowed=", ".join(RULES),
                **where,
            )
        unknown = set(t.args) - RULE_ARGS[t.rule]
        if unknown:
            raise InputError(
                f"rule {t.rule} has no such setting",
                key=f"targets.{i}.measure",
                given=sorted(unknown),
                allowed=", ".join(sorted(RULE_ARGS[t.rule])),
                **where,
            )
        named = t.args.get("gates", t.args.get("of", t.args.get("gate")))
        named = [] if named in (None, "all") else ([named] if isinstance(named, str) else list(named))
        if gates is not None and set(named) - set(gates):
            raise InputError(
                "names a gate the scenario does not have",
                key=f"targets.{i}.measure",
                given=sorted(set(named) - set(gates)),
                allowed=", ".join(gates),
                **where,
            )
    return Targets(file, dict(parsed.experiments), list(parsed.targets))
