"""The statistics of ``gatesim compare``: per (OTHER, gate, KPI), the difference OTHER - BASE.

- **paired** t interval on the per-replication differences when both sides
  have exactly the same (seed, replication) pairs at that gate (common random
  numbers); otherwise **Welch's** t interval (unequal variances).
- **Multiplicity over proposals × KPIs × gates.** The tests form two
  families: the *decision* KPIs a planner weighs (:data:`DECISION_KPIS`) and
  the *detail* KPIs (everything else). In each family, over every OTHER,
  gate and KPI, the Benjamini-Hochberg procedure controls the false discovery
  rate at ``1 - level``; each interval is at the matching false-coverage
  level ``1 - R (1 - level) / N`` (Benjamini & Yekutieli 2005, R of the N tests
  selected, R >= 1), so an interval excludes 0 exactly when its change is
  called significant. ``p_value_adj`` is the BH-adjusted p (q-value).
- ``verdict`` and ``size`` (:mod:`gatesim.compare.verdict`, shared with
  ``assess`` and ``answer``): an exact zero is ``no effect``, a change the
  test does not tell from noise ``no detectable effect``, else ``robust``;
  the size class in the KPI's unit (negligible / modest / large).
- A row whose values are the same in every replication of both runs
  (``identical``: common random numbers, and the change does not reach it)
  is an exact 0, not a test: it is not counted in N.

Zero variance is not an error: a constant non-zero difference gives [d, d].
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy.special import stdtr, stdtrit  # Student t, as scipy.stats.t computes it

from gatesim.compare.read import KEYS, RunInput, clean, kpi_columns
from gatesim.compare.verdict import bh_adjust, one_world_verdict, size_class
from gatesim.errors import InputError
from gatesim.projections import registry

__all__ = [
    "COMPARISON_COLUMNS",
    "DECISION_KPIS",
    "bh_adjust",
    "compare_inputs",
    "compare_tables",
    "decision_kpis",
]

COMPARISON_COLUMNS = [
    "base",
    "other",
    "gate",
    "kpi",
    "n_base",
    "n_other",
    "base_mean",
    "other_mean",
    "diff_mean",
    "diff_ci_low",
    "diff_ci_high",
    "pct_change",
    "paired",
    "method",
    "ci_level",
    "adjustment",
    "p_value_adj",
    "significant",
    # added in gatesim 0.x (after the columns above, which keep their meaning)
    "p_value",
    "family",
    "identical",
    "label",  # the registry's words for the KPI
    "higher_is_better",  # the registry's direction (empty: neither)
    "verdict",  # gatesim.compare.verdict: no effect / no detectable effect / robust
    "size",  # negligible / modest / large (gatesim.compare.verdict.Thresholds)
]
# What a planner weighs first: time lost, queue on the road, trucks through, money.
# A delay cost column is used when the run has one (its name starts with delay_cost).
DECISION_KPIS = ["wait_mean_h", "queue_max_km", "throughput_per_day", "delay_cost_vnd", "revenue_vnd"]
METHOD = "Benjamini-Hochberg"


def decision_kpis(columns: Sequence[str]) -> list[str]:
    """The decision KPIs present among ``columns``, in :data:`DECISION_KPIS` order (any delay_cost_* too)."""
    cols = list(columns)
    out = [k for k in DECISION_KPIS if k in cols]
    out += [c for c in cols if c.startswith("delay_cost") and c not in out]
    return out


def _stored_unit(kpi: str) -> str:
    k = registry.find(kpi)
    return k.unit if k is not None else ""


def _test(x: np.ndarray, y: np.ndarray, paired: bool) -> tuple[float, float, float, float]:
    """(diff, standard error, degrees of freedom, two-sided p) of mean(y) - mean(x); NaN where not estimable."""
    nan = float("nan")
    if paired:
        d = y - x
        n, diff = d.size, float(d.mean())
        if n < 2:
            return diff, nan, nan, nan
        se, dof = float(d.std(ddof=1)) / math.sqrt(n), n - 1.0
    else:
        nx, ny = x.size, y.size
        diff = float(y.mean() - x.mean())
        if nx < 2 or ny < 2:
            return diff, nan, nan, nan
        vx, vy = float(x.var(ddof=1)) / nx, float(y.var(ddof=1)) / ny
        se = math.sqrt(vx + vy)
        # Welch-Satterthwaite; undefined (0/0) when both variances are 0, but then se = 0.
        dof = (vx + vy) ** 2 / (vx**2 / (nx - 1) + vy**2 / (ny - 1)) if se > 0 else 1.0
    if se == 0.0:  # no spread: the difference is known exactly
        return diff, 0.0, dof, 1.0 if diff == 0 else 0.0
    return diff, se, dof, float(2 * stdtr(dof, -abs(diff) / se))


def _is_paired(base: pd.DataFrame, other: pd.DataFrame) -> bool:
    """Same (seed, replication) pairs at every gate: common random numbers."""
    for gate, b in base.groupby("gate"):
        o = other[other["gate"] == gate]
        if set(map(tuple, b[KEYS].to_numpy())) != set(map(tuple, o[KEYS].to_numpy())):
            return False
    return True


def _compare_one(base: pd.DataFrame, other: pd.DataFrame, kpis: list[str]) -> list[dict]:
    paired = _is_paired(base, other)
    rows = []
    for gate in dict.fromkeys(base["gate"]):
        b = base[base["gate"] == gate].set_index(KEYS).sort_index()
        o = other[other["gate"] == gate].set_index(KEYS).sort_index()
        for kpi in kpis:
            if paired:
                both = pd.concat([b[kpi], o[kpi].reindex(b.index)], axis=1).dropna().to_numpy(float)
                x, y = both[:, 0], both[:, 1]
            else:
                x, y = b[kpi].dropna().to_numpy(float), o[kpi].dropna().to_numpy(float)
            nb, no = int(b[kpi].notna().sum()), int(o[kpi].notna().sum())
            if nb == 0 and no == 0:
                continue  # not measurable at this gate (e.g. util of a stage it lacks)
            bm = float(b[kpi].mean()) if nb else float("nan")
            om = float(o[kpi].mean()) if no else float("nan")
            if x.size and y.size:
                diff, se, dof, p = _test(x, y, paired)
            else:
                diff = se = dof = p = float("nan")
            same = nb == no and (
                bool(np.array_equal(x, y)) if paired else bool(np.array_equal(np.sort(x), np.sort(y)))
            )
            rows.append(
                {"gate": gate, "kpi": kpi, "n_base": nb, "n_other": no, "base_mean": bm,
                 "other_mean": om, "diff_mean": diff, "_se": se, "_dof": dof, "p_value": p,
                 "paired": paired, "method": "paired t" if paired else "Welch t", "identical": same}
            )  # fmt: skip
    return rows


def _family_text(fam: pd.DataFrame, n_tests: int, alpha: float) -> str:
    def n(count: int, what: str) -> str:
        return f"{count} {what}{'' if count == 1 else 's'}"

    dims = " × ".join(
        [
            n(fam["other"].nunique(), "proposal"),
            n(fam["kpi"].nunique(), "KPI"),
            n(fam["gate"].nunique(), "gate"),
        ]
    )
    return (
        f"{METHOD} over {n_tests} tests ({dims}, identical rows not counted), "
        f"false discovery rate {100 * alpha:.3g}%; intervals at the matching false-coverage level"
    )


def compare_tables(
    base: pd.DataFrame,
    others: Sequence[pd.DataFrame],
    labels: Sequence[str] | None = None,
    level: float = 0.95,
) -> pd.DataFrame:
    """Per (OTHER, gate, KPI): means, difference with its CI, % change, significance.

    ``base`` and each of ``others`` are summary tables (``summary.csv`` rows of
    one scenario). ``labels`` name the others (default: their ``scenario``).
    Columns: :data:`COMPARISON_COLUMNS`. Bad tables raise InputError.
    """
    if not 0 < level < 1:
        raise InputError("confidence level out of range", key="--level", given=level, allowed="0 < level < 1")
    if not others:
        raise InputError("nothing to compare with", allowed="at least one OTHER")
    base = clean(base, "BASE")
    labels = list(labels) if labels is not None else [str(o["scenario"].iloc[0]) for o in others]
    gates = sorted(set(base["gate"]))
    rows = []
    for label, other in zip(labels, others, strict=True):
        other = clean(other, label)
        if sorted(set(other["gate"])) != gates:
            raise InputError(
                "different gates",
                file=label,
                given=sorted(set(other["gate"])),
                allowed=f"those of BASE: {gates}",
            )
        days_b, days_o = sorted(set(base["days"])), sorted(set(other["days"]))
        if days_b != days_o:
            raise InputError(
                "different numbers of days: totals are not comparable",
                file=label, given=days_o, allowed=f"BASE's {days_b} (rerun with the same --days)",
            )  # fmt: skip
        kpis = [k for k in kpi_columns(base) if k in other.columns]
        for r in _compare_one(base, other, kpis):
            rows.append({"base": str(base["scenario"].iloc[0]), "other": label, **r})
    out = pd.DataFrame(rows)
    decision = set(decision_kpis(list(dict.fromkeys(out["kpi"]))))
    out["family"] = np.where(out["kpi"].isin(decision), "decision", "detail")
    alpha = 1.0 - level
    out["p_value_adj"] = np.nan
    out["ci_level"] = np.nan
    out["adjustment"] = ""
    for idx in out.groupby("family").groups.values():
        f = out.loc[idx]
        tested = f["p_value"].notna() & ~f["identical"]
        n_tests = int(tested.sum())
        q = bh_adjust(f["p_value"].where(tested).to_numpy())
        selected = int((q <= alpha).sum())
        q = np.where(f["identical"] & f["p_value"].notna(), 1.0, q)  # an exact 0: nothing to adjust
        out.loc[idx, "p_value_adj"] = q
        out.loc[idx, "ci_level"] = 1.0 - max(selected, 1) * alpha / max(n_tests, 1)
        out.loc[idx, "adjustment"] = _family_text(f, n_tests, alpha) if n_tests > 1 else "none"
    t = stdtrit(out["_dof"].to_numpy(float), 0.5 + out["ci_level"].to_numpy(float) / 2)
    half = np.where(out["_se"] == 0, 0.0, t * out["_se"].to_numpy(float))
    out["diff_ci_low"] = out["diff_mean"] - half
    out["diff_ci_high"] = out["diff_mean"] + half
    with np.errstate(divide="ignore", invalid="ignore"):
        pct = 100.0 * out["diff_mean"] / out["base_mean"].abs()
    out["pct_change"] = pct.where(out["base_mean"] != 0, np.where(out["diff_mean"] == 0, 0.0, np.nan))
    out["significant"] = (out["p_value_adj"] <= alpha) & ~out["identical"]
    out["verdict"] = [
        one_world_verdict(d, q, bool(i), alpha)
        for d, q, i in zip(out["diff_mean"], out["p_value_adj"], out["identical"], strict=True)
    ]
    out["size"] = [
        "negligible" if i else size_class(d, b, _stored_unit(k))
        for d, b, k, i in zip(out["diff_mean"], out["base_mean"], out["kpi"], out["identical"], strict=True)
    ]
    out["label"] = [registry.label(k) for k in out["kpi"]]
    out["higher_is_better"] = pd.array(
        [None if (k := registry.find(c)) is None else k.higher_is_better for c in out["kpi"]], dtype="boolean"
    )
    return out[COMPARISON_COLUMNS]


def compare_inputs(base: RunInput, others: Sequence[RunInput], level: float = 0.95) -> pd.DataFrame:
    """:func:`compare_tables` on inputs read by :func:`read_inputs`; labels made unique."""
    labels = [o.label for o in others]
    labels = [f"{o.label} ({o.source})" if labels.count(o.label) > 1 else o.label for o in others]
    return compare_tables(base.summary, [o.summary for o in others], labels, level)
