"""The targets file (``seeds/congestion_targets.yaml``): observations and experiments.

A target is a published figure with its observation sd, the model
discrepancy it allows for, a role (``fit``, ``holdout``, ``check``), the
experiment that runs the model over the figure's period, and a measurement
rule from :data:`gatesim.trust.measure.RULES`. Anything else is refused with
one line naming the file, the line and the key.

A measurement rule is checked before anything runs: its required settings
given, a stage the scenario has, an hour of the day in [0, 24], a direction
the model knows, dates that parse, ``end`` not before ``start``, and every
date inside its experiment's measured days (a rule that measures nothing
would otherwise read as a model discrepancy).

``echo: true`` marks a target whose measurement returns an input (arrivals
set from the figure, a multiplier fitted to it): it can rule out a set that
cannot clear its input, so it may be a fit target, but it is reported as a
check, never as "met" and never as out of sample (``role: holdout`` is
refused). ``bound: upper`` makes a figure an upper bound only ("tens of km"
cannot rule out a short queue). The ``stability:`` block names the long
experiment and the thresholds of :mod:`gatesim.trust.stability`.
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
from gatesim.scenario.schema import DIRECTIONS
from gatesim.trust.measure import RULE_ARGS, RULES, required_args

# The totals gatesim.projections.periods.period_totals gives per gate (period_total, period_share).
PERIOD_COLUMNS = (
    "crossings",
    "value_usd",
    "value_usd_import",
    "value_usd_export",
    "revenue_vnd",
    "fees_vnd",
    "waiting_at_20h",
)

__all__ = ["TARGETS_PATH", "Target", "Targets", "load_targets"]

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

    @property
    def last_date(self) -> dt.date:
        return self.start + dt.timedelta(days=self.days - 1)


class Stability(_Model):
    """The long experiment every kept set must pass, and its slope test (gatesim.trust.stability)."""

    experiment: str
    hour: float = Field(20.0, ge=0, le=24)
    last_days: int = Field(21, ge=7, le=366)
    max_growth_share: float = Field(0.01, gt=0, le=1)
    z: float = Field(3.0, gt=0, le=10)
    utilisation_limit: float = Field(1.0, gt=0, le=10)
    reason: str = Field(..., min_length=1)


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
    echo: bool = False
    bound: Literal["two_sided", "upper"] = "two_sided"

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
    stability: Stability | None = None
    targets: list[Target] = Field(..., min_length=1)


@dataclass(frozen=True)
class Targets:
    file: str
    experiments: dict[str, Experiment]
    targets: list[Target]
    stability: Stability | None = None

    def with_role(self, *roles: str) -> list[Target]:
        return [t for t in self.targets if t.role in roles]

    def by_experiment(self, targets: list[Target]) -> dict[str, list[Target]]:
        out: dict[str, list[Target]] = {}
        for t in targets:
            out.setdefault(t.experiment, []).append(t)
        return out


def _as_date(v: object) -> dt.date | None:
    if isinstance(v, dt.datetime):
        return None
    if isinstance(v, dt.date):
        return v
    if isinstance(v, str):
        try:
            return dt.date.fromisoformat(v)
        except ValueError:
            return None
    return None


def _check_settings(t: Target, exp: Experiment, stages: list[str] | None, where: dict[str, Any]) -> None:
    """The rule's settings measure something: see the module docstring."""
    key = f"{where.pop('key')}.measure"
    missing = sorted(required_args(t.rule) - set(t.args))
    if missing:
        raise InputError(
            f"rule {t.rule} needs {', '.join(missing)}",
            key=key,
            allowed=", ".join(sorted(RULE_ARGS[t.rule])),
            **where,
        )
    _check_named(t, stages, key, where)
    _check_dates(t, exp, key, where)


def _check_named(t: Target, stages: list[str] | None, key: str, where: dict[str, Any]) -> None:
    if "stage" in t.args and stages is not None and t.args["stage"] not in stages:
        guess = difflib.get_close_matches(str(t.args["stage"]), stages, n=1)
        raise InputError(
            "no such stage in the scenario" + (f" (did you mean {guess[0]!r}?)" if guess else ""),
            key=f"{key}.stage",
            given=t.args["stage"],
            allowed=", ".join(stages),
            **where,
        )
    if "hour" in t.args:
        h = t.args["hour"]
        if isinstance(h, bool) or not isinstance(h, (int, float)) or not 0 <= h <= 24:
            raise InputError(
                "not an hour of the day",
                key=f"{key}.hour",
                given=h,
                allowed="a number of hours from 0 to 24",
                **where,
            )
    if "column" in t.args and t.args["column"] not in PERIOD_COLUMNS:
        raise InputError(
            "no such period total",
            key=f"{key}.column",
            given=t.args["column"],
            allowed=", ".join(PERIOD_COLUMNS),
            **where,
        )
    if "direction" in t.args and t.args["direction"] not in DIRECTIONS:
        raise InputError(
            "no such direction",
            key=f"{key}.direction",
            given=t.args["direction"],
            allowed=", ".join(DIRECTIONS),
            **where,
        )


def _check_dates(t: Target, exp: Experiment, key: str, where: dict[str, Any]) -> None:
    dates: dict[str, dt.date] = {}
    for name in ("date", "start", "end"):
        if name not in t.args:
            continue
        d = _as_date(t.args[name])
        if d is None:
            raise InputError(
                "not a date", key=f"{key}.{name}", given=t.args[name], allowed="YYYY-MM-DD", **where
            )
        if not exp.start <= d <= exp.last_date:
            raise InputError(
                f"outside experiment {t.experiment}'s measured days",
                key=f"{key}.{name}",
                given=d,
                allowed=f"{exp.start.isoformat()} to {exp.last_date.isoformat()}",
                **where,
            )
        dates[name] = d
    if "start" in dates and "end" in dates and dates["end"] < dates["start"]:
        raise InputError(
            "end is before start",
            key=f"{key}.end",
            given=dates["end"],
            allowed=f"{dates['start'].isoformat()} or later",
            **where,
        )


def _check_roles(t: Target, where: dict[str, Any]) -> None:
    if t.echo and t.role == "holdout":
        raise InputError(
            f"target {t.id} returns an input (echo: true): it cannot be held out",
            key=f"{where.pop('key')}.role",
            given=t.role,
            allowed="fit or check",
            **where,
        )


def load_targets(
    path: str | Path | None = None, gates: list[str] | None = None, stages: list[str] | None = None
) -> Targets:
    """Read and check the targets file; ``gates`` and ``stages`` (the scenario's) are checked in settings."""
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
        _check_settings(t, parsed.experiments[t.experiment], stages, {**where, "key": f"targets.{i}"})
        _check_roles(t, {**where, "key": f"targets.{i}"})
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
    _check_stability(parsed, file, lines)
    return Targets(file, dict(parsed.experiments), list(parsed.targets), parsed.stability)


def _check_stability(parsed: _File, file: str, lines: dict) -> None:
    st = parsed.stability
    if st is not None:
        if st.experiment not in parsed.experiments:
            raise InputError(
                "no such experiment",
                file=file,
                line=line_of(lines, "stability", "experiment"),
                key="stability.experiment",
                given=st.experiment,
                allowed=", ".join(parsed.experiments),
            )
        days = parsed.experiments[st.experiment].days
        if days < 28 or st.last_days > days:
            raise InputError(
                "the long experiment is too short",
                file=file,
                line=line_of(lines, "stability"),
                key="stability.last_days",
                given=f"{st.last_days} of {days} days",
                allowed="an experiment of at least 28 days and last_days within it",
            )
