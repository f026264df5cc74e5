"""Held-out prediction: the plausible worlds replay a historical period; their series are set
against the counts the period's documents publish.

A period's **published points** are the rows of ``seeds/bulletins.csv`` dated within its
simulated days (warm-up left out), at gates the model has, of all cargo, counting export
vehicles or both directions: each count of vehicles waiting (a stock at the stated hour) and
each count of vehicles cleared per day. Rows the period's inputs were built from (its
``inputs:`` in ``seeds/regimes.yaml``) are shown, never scored. Every point is measured from
each replication's event log by a registered measurement rule (:mod:`gatesim.trust.measure`,
pure folds of the log): ``in_system_at`` for waiting (arrived and not yet crossed at the
instant), ``crossings_per_day`` for cleared, over the gates the row names, of the direction it
counts (exports when it says exports or does not say; both when it says both).

A world is a plausible set of the ensemble applied to the period's scenario: its value on every
varied key path the period does not itself set (the period's published settings, such as where
trucks are held, win). Replication r of every world uses seed (seed, r): common random numbers.
A world whose scenario is invalid, or whose run fails, is a row with its error, not a crash.
"""

from __future__ import annotations

import datetime as dt
import json
import math
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

import pandas as pd

from gatesim.errors import InputError
from gatesim.evidence.bulletins import Bulletin, Count
from gatesim.evidence.regimes import Period
from gatesim.scenario.explain import lookup
from gatesim.sweep.spec import Point
from gatesim.trust.evaluate import Runner, measure_task, run_points
from gatesim.trust.experiment import experiment_identity
from gatesim.trust.holdout_score import band, change_error, inside, interval, pooled, reference
from gatesim.trust.priors import Priors

__all__ = ["HELD_OUT", "published_points", "run_period", "scores", "track_bands", "tracks"]

HELD_OUT, INPUT = "held out", "input"
# The hour a count with no stated hour is read at: from the document's words, else 20:00, the
# hour of the provincial board's daily bulletin ("tính đến 20 giờ").
_HOUR_WORDS = (("end of", 24.0), ("afternoon", 15.0), ("noon", 12.0), ("morning", 8.0))
BULLETIN_HOUR = 20.0


@dataclass(frozen=True)
class Published:
    """One published count of a period, as the model measures it."""

    id: str  # "L<line>-<kind>": the bulletins file's line
    kind: str  # "waiting" or "cleared"
    date: dt.date
    hour: float  # waiting: the instant's hour; cleared: 24 (the day's end)
    hour_rule: str  # how the hour was read
    days: int  # cleared: per day over this many days ending on date
    place: str
    gates: tuple[str, ...]
    direction: str  # as published
    counted: str | None  # "export", or None for both directions
    count: Count
    text: str  # the count as published (">750")
    series: str  # points of one series are compared change by change
    role: str  # HELD_OUT or INPUT
    source: str

    @property
    def instant(self) -> dt.datetime:
        return dt.datetime.combine(self.date, dt.time()) + dt.timedelta(hours=self.hour)

    def rule(self) -> tuple[str, dict[str, Any]]:
        """The measurement rule and its settings."""
        if self.kind == "waiting":
            args = {"date": self.date.isoformat(), "hour": self.hour, "gates": list(self.gates)}
            return "in_system_at", {**args, "direction": self.counted}
        start = self.date - dt.timedelta(days=self.days - 1)
        return "crossings_per_day", {
            "start": start.isoformat(),
            "end": self.date.isoformat(),
            "gates": list(self.gates),
            "direction": self.counted,
        }


@dataclass(frozen=True)
class Track:
    """The model's value of a series on each day of the period (for the charts; never scored)."""

    id: str  # "T<date>-<series>"
    series: str
    instant: dt.datetime
    rule: str
    args: dict[str, Any]


def tracks(published: list[Published], first: dt.date, days: int) -> list[Track]:
    """Per series of ``published``: its count at 20:00 (waiting) or over the day (cleared) on
    every day ``first`` .. ``first + days - 1``, at the series' gates and direction."""
    out: list[Track] = []
    seen: dict[str, Published] = {}
    for p in published:
        seen.setdefault(p.series, p)
    for series, p in seen.items():
        for k in range(days):
            day = first + dt.timedelta(days=k)
            one = Published(
                **{
                    **p.__dict__,
                    "date": day,
                    "hour": BULLETIN_HOUR if p.kind == "waiting" else 24.0,
                    "days": 1,
                }
            )
            rule, args = one.rule()
            out.append(Track(f"T{day.isoformat()}-{series}", series, one.instant, rule, args))
    return out


def reading_hour(b: Bulletin) -> tuple[float, str]:
    """(hour, how it was read) of a count of vehicles waiting."""
    if b.hour is not None:
        return float(b.hour), "stated"
    note = b.note.lower()
    for words, hour in _HOUR_WORDS:
        if words in note:
            return hour, f"'{words}' in the note"
    return BULLETIN_HOUR, "not stated: the bulletins' 20:00"


def _count_text(c: Count) -> str:
    mark = {"about": "~", "over": ">", "under": "<"}.get(c.qualifier, "")
    if c.high is not None:
        return f"{c.value:g}-{c.high:g}"
    return f"{mark}{c.value:g}"


def published_points(
    name: str, period: Period, bulletins: list[Bulletin], file: str, days: int | None = None
) -> list[Published]:
    """The period's published points in time order (``days``: only its first ``days`` days).

    Refuses, in one line naming the regimes file, an ``inputs:`` entry no bulletin row matches.
    """
    first = period.start
    last = period.start + dt.timedelta(days=(days or period.days) - 1)
    active = {g for g, v in period.gates.items() if v.export_per_day or v.import_per_day}
    inputs = {(i.date, i.place, i.count, i.source) for i in period.inputs}
    matched: set[tuple] = set()
    out: list[Published] = []
    for b in bulletins:
        if b.cargo != "all" or b.direction == "import" or not first <= b.date <= last:
            continue
        counted = None if b.direction == "both" else "export"
        for kind, count in (("waiting", b.vehicles_waiting), ("cleared", b.vehicles_cleared)):
            if count is None:
                continue
            if kind == "cleared" and b.date - dt.timedelta(days=b.days - 1) < first:
                continue  # the span starts before the period
            hour, how = reading_hour(b) if kind == "waiting" else (24.0, "the day")
            key = (b.date, b.place, kind, b.source)
            matched.add(key)
            shown = sorted(set(b.gates) & active) or list(b.gates)
            out.append(
                Published(
                    id=f"L{b.line}-{kind}",
                    kind=kind,
                    date=b.date,
                    hour=hour,
                    hour_rule=how,
                    days=b.days if kind == "cleared" else 1,
                    place=b.place,
                    gates=tuple(b.gates),
                    direction=b.direction,
                    counted=counted,
                    count=count,
                    text=_count_text(count),
                    series=f"{kind} {'+'.join(shown)} {counted or 'both'}",
                    role=INPUT if key in inputs else HELD_OUT,
                    source=b.source,
                )
            )
    for i in period.inputs if out else []:  # no count at all is said by the caller
        key = (i.date, i.place, i.count, i.source)
        if key not in matched and first <= i.date <= last:
            raise InputError(
                "an input names no row of the bulletins (date, place, count, source)",
                file=file,
                key=f"periods.{name}.inputs",
                given=f"{i.date} {i.place} {i.count} {i.source}",
            )
    return sorted(out, key=lambda p: (p.instant, p.id))


def _changed(period_resolved: dict, base_resolved: dict, path: str) -> bool:
    keys = path.split(".")
    return lookup(period_resolved, keys) != lookup(base_resolved, keys)


def period_worlds(
    period_resolved: dict, base_resolved: dict, priors: Priors, worlds: list[dict[str, Any]]
) -> tuple[list[Point], list[dict[str, Any]]]:
    """(a sweep point per world that makes a valid scenario, a row per world that does not).

    The world's value on every varied path the period does not set; the period's own on the
    rest (its published settings)."""
    points: list[Point] = []
    failed: list[dict[str, Any]] = []
    for w in worlds:
        mine = {
            n: w[n]
            for n in priors.names
            if not any(
                _changed(period_resolved, base_resolved, p) for p, _ in priors.varied[n].path_values(w[n])
            )
        }
        try:
            scenario = priors.apply(period_resolved, mine)
        except InputError as e:
            failed.append({"set_id": int(w["set_id"]), "error": f"invalid scenario: {e.key}: {e.message}"})
            continue
        points.append(Point(len(points), {"set_id": int(w["set_id"])}, scenario))
    return points, failed


def run_period(
    name: str,
    period_resolved: dict,
    base_resolved: dict,
    priors: Priors,
    worlds: list[dict[str, Any]],
    published: list[Published],
    track: list[Track],
    days: int,
    replications: int,
    seed: int,
    where: Path,
    runner: Runner,
    on_note: Any = None,
) -> pd.DataFrame:
    """Every world's value of every point, per replication: rows (set_id, replication, point,
    value, error); a world that could not run has one row per point with NaN and its error."""
    points, failed = period_worlds(period_resolved, base_resolved, priors, worlds)
    rules = tuple(
        (p.id, rule, json.dumps(args, sort_keys=True)) for p in published for rule, args in [p.rule()]
    ) + tuple((t.id, t.rule, json.dumps(t.args, sort_keys=True)) for t in track)
    ids = [r[0] for r in rules]
    # the worlds' values too: a set id alone does not say which parameters it ran with
    fields = {
        "label": "validate",
        "period": name,
        "rules": rules,
        "period_resolved": period_resolved,
        "worlds": [{k: w[k] for k in ["set_id", *priors.names]} for w in worlds],
    }
    identity = experiment_identity(fields, base_resolved, points, days, replications, seed)
    rows: list[dict[str, Any]] = []
    for f in failed:
        rows += [{**f, "replication": -1, "point": i, "value": math.nan} for i in ids]
    if points:
        done = run_points(
            f"validate {name}",
            points,
            ["set_id"],
            days,
            replications,
            seed,
            partial(measure_task, rules=rules),
            identity,
            where,
            runner,
            on_note,
            str(period_resolved.get("name")),
        )
        for t, rec in done:
            values = rec["rows"][0] if rec["rows"] else {}
            for i in ids:
                rows.append(
                    {
                        "set_id": int(t.params["set_id"]),
                        "replication": t.replication,
                        "point": i,
                        "value": float(values.get(i, math.nan)),
                        "error": rec["error"],
                    }
                )
    return pd.DataFrame(rows, columns=["set_id", "replication", "point", "value", "error"])


def _world_means(values: pd.DataFrame, replications: int) -> pd.DataFrame:
    """Per world (rows) and point (columns): the mean over replications, for the worlds every
    replication of which ran."""
    bad = values["error"].fillna("").astype(str).ne("") | values["value"].isna()
    failed = set(values.loc[bad, "set_id"])
    reps = values[~values["set_id"].isin(failed)].groupby(["set_id", "point"])["value"].agg(["mean", "count"])
    whole = reps[reps["count"] >= replications]["mean"].unstack("point")
    return whole.dropna() if not whole.empty else whole


def track_bands(name: str, track: list[Track], values: pd.DataFrame, replications: int) -> pd.DataFrame:
    """Per day of each series: the worlds' 5%, 50% and 95% (for the charts)."""
    per_world = _world_means(values, replications)
    rows = []
    for t in track:
        b = band(per_world[t.id].tolist() if t.id in per_world else [])
        rows.append(
            {
                "period": name,
                "series": t.series,
                "instant": t.instant.isoformat(),
                "q05": b.low,
                "median": b.median,
                "q95": b.high,
            }
        )
    return pd.DataFrame(rows)


def scores(
    name: str, published: list[Published], values: pd.DataFrame, replications: int
) -> tuple[pd.DataFrame, pd.DataFrame, dict[str, Any]]:
    """(a row per point with the worlds' band, a row per change compared, the period's scores).

    A world counts when every replication ran; its value is the mean over replications.
    """
    per_world = _world_means(values, replications)
    ok = per_world.index
    all_worlds = set(values["set_id"])
    rows = []
    for p in published:
        b = band(per_world[p.id].tolist() if p.id in per_world else [])
        lo, hi = interval(p.count)
        rows.append(
            {
                "period": name,
                "point": p.id,
                "kind": p.kind,
                "series": p.series,
                "date": p.date.isoformat(),
                "hour": p.hour,
                "hour_rule": p.hour_rule,
                "place": p.place,
                "direction": p.direction,
                "counted": p.counted or "both",
                "published": p.text,
                "published_low": lo,
                "published_high": hi,
                "role": p.role,
                "q05": b.low,
                "median": b.median,
                "q95": b.high,
                "worlds": b.worlds,
                "inside": inside(p.count, b.low, b.high),
                "source": p.source,
            }
        )
    table = pd.DataFrame(rows)
    changes, errors = [], []
    for series, grp in table.groupby("series", sort=False):
        ps = [p for p in published if p.series == series]
        pub = [reference(p.count) for p in ps]
        med = grp["median"].tolist()
        keep = [p.role == HELD_OUT for p in ps]
        errors.append(change_error(pub, med, keep))
        for i in range(1, len(ps)):
            if keep[i]:
                changes.append(
                    {
                        "period": name,
                        "series": series,
                        "from": ps[i - 1].id,
                        "to": ps[i].id,
                        "from_date": ps[i - 1].date.isoformat(),
                        "to_date": ps[i].date.isoformat(),
                        "published_change": pub[i] - pub[i - 1],
                        "median_change": med[i] - med[i - 1],
                    }
                )
    held = table[table["role"] == HELD_OUT]
    ce = pooled(errors)
    summary = {
        "period": name,
        "points_held_out": len(held),
        "inside_band": int(held["inside"].sum()),
        "coverage_90": float(held["inside"].mean()) if len(held) else math.nan,
        "changes": ce.n,
        "change_mae": ce.mae,
        "published_change_mean_abs": ce.scale,
        "worlds_ok": len(ok),
        "worlds_failed": len(all_worlds) - len(ok),
        "replications": replications,
    }
    return table, pd.DataFrame(changes), summary
