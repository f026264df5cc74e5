"""Verdicts on effects, shared by ``compare``, ``assess`` and ``answer``: noise first, then sign, then size.

The order matters. An effect is first tested against the within-world noise
of common-random-number replications; only an effect the noise cannot explain
gets a sign; and every verdict carries a size class in plain units beside its
significance, so a 42-second change is never reported like a 3-hour one.

- **Exact zeros** (every replication identical in both runs: the proposal
  does not reach that figure) are their own class, ``no effect``, and are not
  tests: they are not counted in the multiplicity correction.
- **Noise first.** Across plausible worlds the null hypothesis is "no effect
  in any world": each world's paired t test on its replications' differences
  (common random numbers), the worlds' p-values combined by Fisher's method
  (:func:`null_p_value`). It sees an effect that changes sign between worlds
  (a test of the mean effect would not). In one world: the paired t test.
- **Multiplicity.** Benjamini-Hochberg over all the verdict rows at once
  (false discovery rate ``1 - level``): under the complete null the chance of
  any row called an effect is at most ``1 - level``.
- **Sign.** A detectable effect is ``robust`` when no world's effect lies
  beyond its noise on the other side (and the median's sign holds in at least
  :data:`ROBUST_SHARE` of worlds), ``sign depends on the world`` otherwise.
- **Size** (:class:`Thresholds`): ``negligible`` below an absolute floor in the
  figure's unit (5 min of wait, 5 trucks, 5 trucks/day) or below 2% of the base;
  ``large`` from 10% of the base; ``modest`` between.
- **Saturation.** Where the base's queue grows all along the window (arrivals
  per day exceed crossings per day by :attr:`Thresholds.saturation_pct` % or
  more), a level such as the mean wait grows with the window's length; such
  worlds are left out of the level verdicts (and counted), and the queue's
  growth per day (:data:`BACKLOG_KPI`) is reported instead.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

__all__ = [
    "BACKLOG_KPI",
    "SATURATED",
    "Thresholds",
    "add_backlog_growth",
    "bh_adjust",
    "one_world_verdict",
    "size_class",
    "unstable_worlds",
    "verdict_rows",
]

EXACT_ZERO = "no effect"
NO_DETECTABLE = "no detectable effect"
ROBUST = "robust"
SPLIT_SIGN = "sign depends on the world"
NOT_MEASURED = "noise not measured (one replication)"
SIZE_CLASSES = ("negligible", "modest", "large")
ROBUST_SHARE = 0.9  # share of plausible worlds in which a robust effect keeps the median's sign
BACKLOG_KPI = "backlog_growth_per_day"  # arrivals per day - crossings per day, trucks/day
SATURATED = "base saturated: see the queue's growth per day"
# Rates that stay meaningful when the base's queue grows (a saturated gate crosses at its capacity):
# never left out. Every other figure (waits, queues, costs of waiting) grows with the window there.
RATE_KPIS = frozenset(
    {BACKLOG_KPI, "throughput_per_day", "arrivals", "departures", "revenue_vnd", "fees_vnd", "value_usd"}
)


@dataclass(frozen=True)
class Thresholds:
    """Size classes in plain units; every number is settable (``gatesim answer --negligible-pct`` ...).

    ``negligible_abs`` is the floor per unit (as stored: hours, trucks,
    trucks/day); a unit not listed has no floor (only the relative one).
    """

    negligible_pct: float = 2.0
    large_pct: float = 10.0
    negligible_abs: dict[str, float] = field(
        default_factory=lambda: {"h": 5.0 / 60.0, "trucks": 5.0, "trucks/day": 5.0}
    )
    saturation_pct: float = 5.0  # backlog growth per day, % of arrivals per day, that marks a saturated base

    def text(self) -> str:
        floors = ", ".join(
            f"{v * 60:.0f} min" if u == "h" else f"{v:g} {u}" for u, v in self.negligible_abs.items()
        )
        return (
            f"negligible: below {floors} or below {self.negligible_pct:g}% of the base; "
            f"large: {self.large_pct:g}% of the base or more; modest: between"
        )


def size_class(effect: float, base: float, unit: str, th: Thresholds | None = None) -> str:
    """``negligible``, ``modest`` or ``large`` for ``effect`` on a base level ``base`` in ``unit``."""
    th = th or Thresholds()
    if not np.isfinite(effect):
        return ""
    a = abs(effect)
    if a < th.negligible_abs.get(unit, 0.0) or a == 0.0:
        return "negligible"
    if not np.isfinite(base) or base == 0:
        return "modest"
    rel = 100.0 * a / abs(base)
    if rel < th.negligible_pct:
        return "negligible"
    return "large" if rel >= th.large_pct else "modest"


def bh_adjust(p: np.ndarray) -> np.ndarray:
    """Benjamini-Hochberg adjusted p-values (q-values); NaN stays NaN and is not counted."""
    p = np.asarray(p, dtype=float)
    out = np.full(p.shape, np.nan)
    ok = np.isfinite(p)
    n = int(ok.sum())
    if n == 0:
        return out
    order = np.argsort(p[ok], kind="stable")
    ranked = p[ok][order] * n / np.arange(1, n + 1)
    q = np.minimum.accumulate(ranked[::-1])[::-1].clip(max=1.0)
    vals = np.empty(n)
    vals[order] = q
    out[ok] = vals
    return out


def pooled_noise(ss: np.ndarray, n: np.ndarray) -> tuple[float, float]:
    """(variance of one paired difference pooled over worlds, its degrees of freedom); NaN, 0 when unmeasured."""
    ss, n = np.asarray(ss, float), np.asarray(n, float)
    ok = np.isfinite(ss) & (n >= 2)
    df = float((n[ok] - 1).sum())
    if df < 1:
        return float("nan"), 0.0
    return float(ss[ok].sum() / df), df


def null_p_value(effect: np.ndarray, n: np.ndarray, ss: np.ndarray) -> float:
    """p of "no effect in any world": each world's paired t test, combined by Fisher's method.

    Each world's two-sided p is exact under its own noise, whatever the noise
    in the other worlds (a saturated world is far noisier than a calm one), so
    the combined test keeps its level; it sees an effect that changes sign
    between worlds, which a test of the mean effect would not. A world without
    spread (every replication's difference equal) gives p = 0 for a non-zero
    difference and 1 for zero; a world with one replication is not counted.
    """
    from scipy.special import stdtr
    from scipy.stats import chi2

    e, n, ss = np.asarray(effect, float), np.asarray(n, float), np.asarray(ss, float)
    ok = np.isfinite(e) & np.isfinite(ss) & (n >= 2)
    e, n, ss = e[ok], n[ok], ss[ok]
    if e.size == 0:
        return float("nan")
    se = np.sqrt(ss / (n - 1) / n)
    with np.errstate(divide="ignore", invalid="ignore"):
        p = np.where(
            se > 0, 2 * stdtr(n - 1, -np.abs(e) / np.where(se > 0, se, 1.0)), np.where(e == 0, 1.0, 0.0)
        )
    if np.any(p == 0):
        return 0.0
    return float(chi2.sf(-2.0 * np.log(p).sum(), 2 * e.size))


def one_world_verdict(diff: float, p_adj: float, identical: bool, alpha: float) -> str:
    """The same classes for one world's paired comparison (``compare``, the baseline world of ``answer``)."""
    if identical:
        return EXACT_ZERO
    if not np.isfinite(p_adj):
        return NOT_MEASURED
    if p_adj > alpha:
        return NO_DETECTABLE
    return ROBUST if diff != 0 else NO_DETECTABLE


def add_backlog_growth(results: pd.DataFrame) -> pd.DataFrame:
    """``results`` with :data:`BACKLOG_KPI` = arrivals / days - crossings per day (trucks/day) per row."""
    out = results.copy()
    arr = pd.to_numeric(out["arrivals"], errors="coerce")
    days = pd.to_numeric(out["days"], errors="coerce")
    thr = pd.to_numeric(out["throughput_per_day"], errors="coerce")
    out[BACKLOG_KPI] = arr / days - thr
    return out


def unstable_worlds(
    results: pd.DataFrame, base_variant: str, th: Thresholds | None = None
) -> dict[str, list[int]]:
    """Per gate, the worlds in which ``base_variant``'s queue grows all along the window (saturated)."""
    th = th or Thresholds()
    df = add_backlog_growth(results[results["variant"] == base_variant])
    df = df.assign(
        arr=pd.to_numeric(df["arrivals"], errors="coerce") / pd.to_numeric(df["days"], errors="coerce")
    )
    by = df.groupby(["gate", "world"])[[BACKLOG_KPI, "arr"]].mean()
    bad = by[by[BACKLOG_KPI] >= th.saturation_pct / 100.0 * by["arr"]]
    out: dict[str, list[int]] = {}
    for gate, world in bad.index:
        out.setdefault(str(gate), []).append(int(world))
    return out


def _sign_verdict(e: np.ndarray, n: np.ndarray, s2: float, df: float, level: float) -> str:
    from scipy.stats import t as student_t

    med = float(np.median(e))
    if med == 0:
        return SPLIT_SIGN
    half = student_t.ppf(0.5 + level / 2, max(df, 1.0)) * np.sqrt(s2 / np.maximum(n, 1)) if s2 > 0 else 0 * n
    against = (np.sign(e) == -np.sign(med)) & (np.abs(e) > half)
    same = float(np.mean(np.sign(e) == np.sign(med)))
    return ROBUST if not against.any() and same >= ROBUST_SHARE else SPLIT_SIGN


def _summary_row(g: pd.DataFrame, level: float, th: Thresholds, unit: str) -> dict:
    """Across the kept worlds ``g`` of one (proposal, gate, kpi): median, range, noise, p, size."""
    from scipy.stats import t as student_t

    e, n = g["effect"].to_numpy(float), g["n"].to_numpy(float)
    s2, df = pooled_noise(g["ss"].to_numpy(float), n)
    exact = bool(np.all(e == 0) and np.nansum(g["ss"].to_numpy(float)) == 0)
    base_med = float(np.nanmedian(g["base_mean"].to_numpy(float)))
    med = float(np.median(e))
    noise = float(student_t.ppf(0.5 + level / 2, df) * math.sqrt(s2 / np.median(n))) if df >= 1 else math.nan
    return {
        "worlds": int(e.size), "base_median": base_med, "effect_median": med,
        "effect_p05": float(np.quantile(e, 0.05)), "effect_p95": float(np.quantile(e, 0.95)),
        "relative_median": med / base_med if base_med else math.nan,
        "same_sign_share": float(np.mean(np.sign(e) == np.sign(med))) if med else float(np.mean(e == 0)),
        "within_world_ci95_half": noise,
        "p_value": math.nan if exact else null_p_value(e, n, g["ss"].to_numpy(float)),
        "exact_zero": exact, "saturated": False,
        "size": "negligible" if exact else size_class(med, base_med, unit, th),
        "pooled_var": s2, "pooled_df": df, "world_effects": e, "world_n": n,
    }  # fmt: skip


def _verdict(r: dict, alpha: float, level: float) -> str:
    if r["saturated"]:
        return SATURATED
    if r["exact_zero"]:
        return EXACT_ZERO
    if not np.isfinite(r["p_value_adj"]):
        return NOT_MEASURED
    if r["p_value_adj"] > alpha:
        return NO_DETECTABLE
    return _sign_verdict(r["world_effects"], r["world_n"], r["pooled_var"], r["pooled_df"], level)


def verdict_rows(
    per_world: pd.DataFrame,
    level: float = 0.95,
    th: Thresholds | None = None,
    units: dict[str, str] | None = None,
    left_out: dict[tuple[str, str], list[int]] | None = None,
) -> pd.DataFrame:
    """Per (proposal, gate, kpi) across worlds: median effect and range, noise, p, q (BH), verdict, size.

    ``per_world`` holds one row per (proposal, gate, kpi, world) with ``n``,
    ``base_mean``, ``effect`` (mean paired effect) and ``ss`` (the paired
    differences' sum of squared deviations). ``left_out`` names, per
    (proposal, gate), worlds unstable at the proposal's base: left out of every
    KPI but the rates (:data:`RATE_KPIS`) and counted in ``worlds_left_out``.
    ``units`` gives each KPI's stored unit for the size class (default: the
    KPI registry's). A ``scope`` column, if present, keeps its groups apart
    (one family for Benjamini-Hochberg all the same).
    """
    from gatesim.projections import registry

    th = th or Thresholds()
    left_out = left_out or {}
    rows = []
    scoped = "scope" in per_world.columns  # e.g. the calibrated baseline apart from the plausible worlds
    keys = ["scope", "proposal", "gate", "kpi"] if scoped else ["proposal", "gate", "kpi"]
    for key, grp in per_world.groupby(keys, sort=False):
        prop, gate, kpi = key[-3:]
        everywhere = grp[grp["effect"].notna()]
        if everywhere.empty:
            continue  # not measurable at this gate (the utilisation of a stage it lacks)
        # an exact zero is one in every world, saturated or not: nothing to leave out
        zero = bool((everywhere["effect"] == 0).all() and np.nansum(everywhere["ss"]) == 0)
        rate = kpi in RATE_KPIS or kpi.startswith("util_")
        out_here = set(left_out.get((str(prop), str(gate)), [])) if not (rate or zero) else set()
        g = everywhere[~everywhere["world"].isin(out_here)]
        head = {
            "proposal": prop,
            "gate": gate,
            "kpi": kpi,
            "worlds_left_out": int(grp["world"].isin(out_here).sum()),
        }
        if scoped:
            head = {"scope": key[0], **head}
        if g.empty:
            rows.append(
                {**head, "worlds": 0, "p_value": math.nan, "exact_zero": False, "size": "", "saturated": True}
            )
            continue
        unit = (units or {}).get(kpi) or (
            "trucks/day" if kpi == BACKLOG_KPI else registry.by_column(kpi).unit
        )
        rows.append({**head, **_summary_row(g, level, th, unit)})
    out = pd.DataFrame(rows)
    if out.empty:
        return out
    out["p_value_adj"] = bh_adjust(out["p_value"].to_numpy(float))
    out["verdict"] = [_verdict(r, 1.0 - level, level) for r in out.to_dict("records")]
    return out.drop(columns=["pooled_var", "pooled_df", "world_effects", "world_n"], errors="ignore")
