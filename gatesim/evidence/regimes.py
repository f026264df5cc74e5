"""The regimes file (``seeds/regimes.yaml``): dated events that change capacity or demand, and the
historical periods a scenario can replay.

Each regime names its sources (entries of ``seeds/sources.yaml``) and says what it does in the
engine's own dated mechanisms: a stage's outages or server schedule, a Tết regime, a season on a
cargo class, a corridor stop, or a period-wide setting (a stage's daily capacity or hours, a road's
lanes). Every gate and stage it names must exist in the baseline, and every mechanism must be one
the scenario schema accepts; anything else is refused in one line naming the file, line and key.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from gatesim.errors import InputError
from gatesim.evidence.sources import REPO_ROOT, SOURCE_ID, Sources, load_sources
from gatesim.scenario.checked import line_of, read_checked
from gatesim.scenario.corridor import Stop
from gatesim.scenario.schema import Hours, Outage, Regime, ScheduleEntry, Season

__all__ = ["BASELINE_PATH", "REGIMES_PATH", "Mechanism", "Period", "RegimeEntry", "Regimes", "load_regimes"]

REGIMES_PATH = REPO_ROOT / "seeds" / "regimes.yaml"
BASELINE_PATH = REPO_ROOT / "scenarios" / "baseline_2026.yaml"
_Id = Field(..., pattern=rf"^{SOURCE_ID}$")


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Window(_Model):
    date: dt.date
    from_h: float = Field(..., ge=0, le=24)
    to_h: float = Field(..., ge=0, le=24)

    @model_validator(mode="after")
    def _order(self) -> Window:
        if self.to_h <= self.from_h:
            raise ValueError(f"to_h: must be after from_h ({self.from_h:g})")
        return self


class OutageRule(_Model):
    gate: str
    stages: list[str] = Field(..., min_length=1)


class ServersRule(_Model):
    gate: str
    stage: str
    servers: int = Field(..., ge=0)


class CapacityRule(_Model):
    gate: str
    stage: str
    daily_capacity: int = Field(..., ge=0)


class HoursRule(_Model):
    gate: str
    stages: list[str] = Field(..., min_length=1)
    tz: Literal["hanoi", "china"]
    open_h: float
    close_h: float


class LanesRule(_Model):
    gate: str
    lanes: int = Field(..., ge=1)


class HolidayRule(_Model):
    kind: Literal["closed", "pre_registered"]
    gates: list[str] = Field(..., min_length=1)
    arrival_multiplier: float = Field(..., ge=0)


Dir = Literal["export", "import"]
CargoClass = Literal["fruit", "electronics", "other"]


def _both() -> list[Dir]:
    return ["export", "import"]


def _every_class() -> list[CargoClass]:
    return ["fruit", "electronics", "other"]


class SeasonRule(_Model):
    multiplier: float = Field(..., ge=0)
    directions: list[Dir] = Field(default_factory=_both)
    cargo: list[CargoClass] = Field(default_factory=_every_class)
    release_days: int | None = Field(None, ge=1, le=60)


class StopRule(_Model):
    gate: str
    cargo: Literal["fruit", "electronics", "other"]


class Mechanism(_Model):
    """One of the engine's dated mechanisms (exactly one key)."""

    outage: OutageRule | None = None
    servers: ServersRule | None = None
    capacity: CapacityRule | None = None
    hours: HoursRule | None = None
    lanes: LanesRule | None = None
    holiday: HolidayRule | None = None
    season: SeasonRule | None = None
    stop: StopRule | None = None

    @model_validator(mode="after")
    def _one(self) -> Mechanism:
        given = [k for k in type(self).model_fields if getattr(self, k) is not None]
        if len(given) != 1:
            raise ValueError(f"one mechanism per item, given {len(given)}: {', '.join(given) or 'none'}")
        return self

    @property
    def kind(self) -> str:
        return next(k for k in type(self).model_fields if getattr(self, k) is not None)

    @property
    def rule(self) -> Any:
        return getattr(self, self.kind)

    @property
    def period_wide(self) -> bool:
        """A setting with no date in the schema: in force over a whole period or not at all."""
        return self.kind in ("capacity", "hours", "lanes")


class RegimeEntry(_Model):
    id: str = _Id
    what: str = Field(..., min_length=1)
    start: dt.date
    end: dt.date | None
    windows: list[Window] = Field(default_factory=list)
    sources: list[str] = Field(..., min_length=1)
    note: str | None = None
    not_modelled: str | None = None
    apply: list[Mechanism]

    @model_validator(mode="after")
    def _shape(self) -> RegimeEntry:
        if self.end is not None and self.end < self.start:
            raise ValueError(f"end: {self.end} is before start {self.start}")
        if bool(self.apply) == bool(self.not_modelled):
            raise ValueError("apply: give mechanisms, or none with not_modelled saying why")
        last = self.end or dt.date.max
        for w in self.windows:
            if not self.start <= w.date <= last:
                raise ValueError(f"windows: {w.date} is outside {self.start}..{self.end}")
        return self

    def in_force(self, first: dt.date, last: dt.date) -> bool:
        """True if the regime touches the days ``first`` to ``last`` (both included)."""
        return self.start <= last and (self.end is None or self.end >= first)

    def covers(self, first: dt.date, last: dt.date) -> bool:
        return self.start <= first and (self.end is None or self.end >= last)


class PeriodGate(_Model):
    export_per_day: float = Field(..., ge=0)
    import_per_day: float = Field(..., ge=0)
    backlog_exports: float = Field(0.0, ge=0)


class Setting(_Model):
    path: str = Field(..., pattern=r"^[a-z_]+(\.[a-z0-9_]+)+$")
    value: Any
    sources: list[str] = Field(..., min_length=1)
    reason: str = Field(..., min_length=1)


class Observation(_Model):
    """A published count left out of the period's inputs, to compare the replay with."""

    date: dt.date
    hour: int | None = Field(..., ge=0, le=24)  # None: the document gives no hour
    gates: list[str] = Field(..., min_length=1)
    value: float = Field(..., ge=0)
    source: str = _Id
    note: str = ""


class InputCount(_Model):
    """A published count the period's inputs are built from: shown beside the replay, never scored
    as out of sample (a row of ``seeds/bulletins.csv``: its date, place, count and source)."""

    date: dt.date
    place: str
    count: Literal["waiting", "cleared"]
    source: str = _Id


class Period(_Model):
    what: str
    start: dt.date
    days: int = Field(..., ge=1, le=366)
    warmup_days: int = Field(..., ge=0, le=60)
    sources: list[str] = Field(..., min_length=1)
    gates: dict[str, PeriodGate] = Field(..., min_length=1)
    export_cargo_mix: dict[Literal["fruit", "electronics", "other"], float]
    volumes_rule: str = Field(..., min_length=1)
    backlog_rule: str | None = None
    set: list[Setting] = Field(default_factory=list)
    observations: list[Observation] = Field(default_factory=list)
    inputs: list[InputCount] = Field(default_factory=list)

    @model_validator(mode="after")
    def _backlog(self) -> Period:
        if any(g.backlog_exports for g in self.gates.values()):
            if not self.backlog_rule or self.warmup_days < 1:
                raise ValueError("a backlog needs backlog_rule and at least one warm-up day to arrive in")
            for gid, g in self.gates.items():
                if g.backlog_exports and not g.export_per_day:
                    raise ValueError(f"gates.{gid}: a backlog of exports needs exports to scale")
        if abs(sum(self.export_cargo_mix.values()) - 1.0) > 1e-6:
            raise ValueError("export_cargo_mix: shares must sum to 1")
        return self

    @property
    def first_day(self) -> dt.date:
        """The first simulated day (warm-up included)."""
        return self.start - dt.timedelta(days=self.warmup_days)

    @property
    def last_day(self) -> dt.date:
        return self.start + dt.timedelta(days=self.days - 1)


class _File(_Model):
    regimes: list[RegimeEntry] = Field(..., min_length=1)
    periods: dict[str, Period] = Field(default_factory=dict)


@dataclass(frozen=True)
class Regimes:
    file: str
    regimes: list[RegimeEntry]
    periods: dict[str, Period]

    def in_force(self, period: Period) -> list[RegimeEntry]:
        return [r for r in self.regimes if r.apply and r.in_force(period.first_day, period.last_day)]


def _stages_of(baseline: dict) -> dict[str, set[str]]:
    return {gid: set((g.get("stages") or {}).keys()) for gid, g in (baseline.get("gates") or {}).items()}


def _names(m: Mechanism) -> list[tuple[str, str | None]]:
    """(gate, stage or None) pairs a mechanism refers to."""
    r = m.rule
    if m.kind == "holiday":
        return [(g, None) for g in r.gates]
    if m.kind == "season":
        return []
    stages = getattr(r, "stages", None) or ([r.stage] if hasattr(r, "stage") else [None])
    if m.kind == "lanes":
        stages = ["road"]
    return [(r.gate, s) for s in stages]


def _schema_check(entry: RegimeEntry, m: Mechanism) -> None:
    """Build the schema object the mechanism becomes, so the engine's own rules apply."""
    start, end = entry.start, entry.end or entry.start
    r = m.rule
    if m.kind == "outage":
        Outage(
            start=dt.datetime.combine(start, dt.time()),
            end=dt.datetime.combine(end, dt.time()) + dt.timedelta(1),
        )
    elif m.kind == "servers":
        ScheduleEntry(start=start, end=end, servers=r.servers)
    elif m.kind == "hours":
        Hours(tz=r.tz, open_h=r.open_h, close_h=r.close_h)
    elif m.kind == "holiday":
        Regime(
            name=entry.id,
            kind=r.kind,
            start=start,
            end=end,
            gates=r.gates,
            arrival_multiplier=r.arrival_multiplier,
        )
    elif m.kind == "season":
        Season(
            name=entry.id,
            start=start,
            end=end,
            multiplier=r.multiplier,
            directions=r.directions,
            cargo=r.cargo,
        )
        if r.release_days and entry.end is None:
            raise ValueError("release_days: a stop still in force has no end to release from")
    elif m.kind == "stop":
        Stop(
            gate=r.gate,
            cargo=r.cargo,
            start=dt.datetime.combine(start, dt.time()),
            end=dt.datetime.combine(end, dt.time()) + dt.timedelta(1),
        )


def _check_entry(i: int, e: RegimeEntry, sources: Sources, stages: dict[str, set[str]], where: dict) -> None:
    for j, s in enumerate(e.sources):
        if s not in sources:
            raise InputError(
                "not an entry of seeds/sources.yaml", key=f"regimes.{i}.sources.{j}", given=s, **where
            )
    for j, m in enumerate(e.apply):
        key = f"regimes.{i}.apply.{j}.{m.kind}"
        for gate, stage in _names(m):
            if gate not in stages:
                raise InputError(
                    "no such gate in the baseline", key=key, given=gate, allowed=", ".join(stages), **where
                )
            if stage is not None and stage not in stages[gate]:
                raise InputError(
                    f"no such stage at {gate}",
                    key=key,
                    given=stage,
                    allowed=", ".join(sorted(stages[gate])),
                    **where,
                )
        try:
            _schema_check(e, m)
        except (ValidationError, ValueError) as err:
            msg = str(err).splitlines()[-1 if isinstance(err, ValidationError) else 0].strip()
            raise InputError(f"not a valid {m.kind}: {msg}", key=key, **where) from None


def _check_period(name: str, p: Period, sources: Sources, stages: dict[str, set[str]], where: dict) -> None:
    cited = [
        *p.sources,
        *(s for st in p.set for s in st.sources),
        *(o.source for o in p.observations),
        *(i.source for i in p.inputs),
    ]
    for s in cited:
        if s not in sources:
            raise InputError("not an entry of seeds/sources.yaml", key=f"periods.{name}", given=s, **where)
    for gid in [*p.gates, *(g for o in p.observations for g in o.gates)]:
        if gid not in stages:
            raise InputError("no such gate in the baseline", key=f"periods.{name}.gates", given=gid, **where)


def load_regimes(
    path: str | Path | None = None, sources: Sources | None = None, baseline: str | Path | None = None
) -> Regimes:
    """Read and check the regimes file against the sources file and the baseline's gates and stages."""
    from gatesim.scenario.load import load_scenario

    path = Path(path) if path else REGIMES_PATH
    file = str(path)
    parsed, _, lines = read_checked(path, _File)
    sources = sources if sources is not None else load_sources()
    _, base = load_scenario(Path(baseline) if baseline else BASELINE_PATH)
    stages = _stages_of(base)
    seen: set[str] = set()
    for i, e in enumerate(parsed.regimes):
        where: dict[str, Any] = {"file": file, "line": line_of(lines, "regimes", str(i))}
        if e.id in seen:
            raise InputError("duplicate regime id", key=f"regimes.{i}.id", given=e.id, **where)
        seen.add(e.id)
        _check_entry(i, e, sources, stages, where)
    for name, p in parsed.periods.items():
        _check_period(name, p, sources, stages, {"file": file, "line": line_of(lines, "periods", name)})
    return Regimes(file=file, regimes=list(parsed.regimes), periods=dict(parsed.periods))
