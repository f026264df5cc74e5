"""The calibration page (``calibration.md``) and its target table (``targets.csv``).

Each target beside the ensemble's range (5th, 50th, 95th percentiles), which
parameters the data pin down and which stay wide, and the targets no
parameter set meets (model discrepancy, named).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from gatesim.numbers import compact_number
from gatesim.trust.implausibility import implausibility
from gatesim.trust.priors import Priors
from gatesim.trust.targets import Targets

__all__ = ["calibration_page", "fmt_number", "target_table"]

PINNED = 0.5  # a parameter whose ensemble 5-95% range is under half its prior range is "pinned"


def _q(v: np.ndarray, q: float) -> float:
    v = v[~np.isnan(v)]
    return float(np.quantile(v, q)) if v.size else float("nan")


def _member_values(result: Any, t: Any) -> tuple[np.ndarray, np.ndarray]:
    """Per ensemble member: the target's mean over replications and its own sd."""
    if t.role == "fit":
        col = f"value_{t.id}"
        ens = result.ensemble
        m = ens[col].to_numpy(float) if col in ens else np.array([])
        sd = ens[f"sd_{t.id}"].to_numpy(float) if f"sd_{t.id}" in ens else np.zeros_like(m)
        return m, np.nan_to_num(sd, nan=0.0)
    pred = result.predictions
    if not len(pred):
        return np.array([]), np.array([])
    g = pred[pred["target"] == t.id].groupby("set_id")["value"]
    return g.mean().to_numpy(float), np.nan_to_num(g.std(ddof=1).to_numpy(float), nan=0.0)


def _verdict(t: Any, result: Any, n: int, within: float) -> str:
    """Echo targets are checks of an input, never "met"; holdouts are the out-of-sample test."""
    if t.echo:
        if n == 0:
            return "echo check: not run (empty ensemble)"
        return "echo check: clears its input" if within >= 0.5 else "echo check: does not clear its input"
    if t.role == "fit":
        return "discrepancy: no parameter set meets it" if t.id in result.discrepant else "fitted"
    if n == 0:
        return "not predicted (empty ensemble)"
    return "met" if within >= 0.5 else ("partly met" if within > 0 else "missed: model discrepancy")


def target_table(result: Any, targets: Targets) -> pd.DataFrame:
    rows = []
    wave1 = result.design[result.design["wave"] == 1] if "wave" in result.design else result.design
    for t in targets.targets:
        ens, sds = _member_values(result, t)
        col = f"value_{t.id}"
        prior = wave1[col].to_numpy(float) if t.role == "fit" and col in wave1 else np.array([])
        reps = max(int(getattr(result, "replications", 1)), 1)
        imp = implausibility(
            t.value, ens, t.sd, np.sqrt(sds**2 * (1 + 1 / reps)), t.discrepancy_sd, t.bound == "upper"
        )
        med = _q(ens, 0.5)
        within = float(np.mean(imp <= 3.0)) if ens.size else float("nan")
        rows.append(
            {
                "id": t.id,
                "role": t.role,
                "echo": t.echo,
                "bound": t.bound,
                "what": t.what,
                "unit": t.unit,
                "observed": t.value,
                "obs_sd": t.sd,
                "discrepancy_sd": t.discrepancy_sd,
                "sim_sd": float(np.median(sds)) if sds.size else result.sim_sd.get(t.id, 0.0),
                "n": int(np.sum(~np.isnan(ens))),
                "ensemble_p05": _q(ens, 0.05),
                "ensemble_median": med,
                "ensemble_p95": _q(ens, 0.95),
                "ratio_median": med / t.value if t.value else float("nan"),
                "share_within_3": within,
                "prior_p05": _q(prior, 0.05),
                "prior_p95": _q(prior, 0.95),
                "verdict": _verdict(t, result, ens.size, within),
                "source": t.source,
            }
        )
    return pd.DataFrame(rows)


def parameter_table(result: Any, priors: Priors) -> pd.DataFrame:
    rows = []
    ens = result.ensemble
    for name in priors.names:
        p = priors.varied[name]
        if p.choices is not None:
            share = ens[name].value_counts(normalize=True) if len(ens) else pd.Series(dtype=float)
            text = ", ".join(f"{k} {share.get(k, 0.0):.0%}" for k in p.choices)
            kept = sum(share.get(k, 0.0) > 0.05 for k in p.choices)
            rows.append(
                {
                    "parameter": name,
                    "prior": " / ".join(p.choices),
                    "ensemble": text,
                    "width_ratio": float("nan"),
                    "status": "wide" if kept > 1 else "pinned",
                }
            )
            continue
        v = ens[name].to_numpy(float) if len(ens) else np.array([])
        lo, hi = _q(v, 0.05), _q(v, 0.95)
        p_lo, p_hi = p.span()
        ratio = (hi - lo) / (p_hi - p_lo) if p_hi > p_lo and v.size else float("nan")
        rows.append(
            {
                "parameter": name,
                "prior": f"{p.low:g} - {p.high:g}",
                "ensemble": f"{lo:.3g} - {hi:.3g} (median {_q(v, 0.5):.3g})" if v.size else "-",
                "width_ratio": ratio,
                "status": "-" if np.isnan(ratio) else ("pinned" if ratio < PINNED else "wide"),
            }
        )
    return pd.DataFrame(rows)


def _screen_line(design: pd.DataFrame) -> str:
    if "screened_out" not in design:
        return ""
    out = int(design["screened_out"].astype(bool).sum())
    grew = int((design["stable"] == False).sum())  # noqa: E712  (NA: not run)
    return (
        f"{out} sets were ruled out by capacity arithmetic before simulation (a stage at utilisation >= 1) "
        f"and {grew} by a backlog that grows in the long experiment. "
    )


def fmt_number(x: float) -> str:
    """A figure for a Markdown table: bn / M for money-sized values, 3 significant digits for small ones."""
    return compact_number(x, decimals=1, sep=" ", small="significant")


def calibration_page(
    result: Any, targets: Targets, priors: Priors, table: pd.DataFrame, cfg: Any, identity: dict
) -> str:
    design = result.design
    n_sets, n_ok = len(design), len(result.ensemble)
    lines = [
        f"# Calibration of {identity['scenario']} (history matching)",
        "",
        f"Generated by `gatesim calibrate --fit` (scenario hash {identity['scenario_hash']}, priors "
        f"{identity['priors']}): {cfg.waves} waves of up to {cfg.sets_per_wave} simulated parameter sets, "
        f"{cfg.replications} replications each (common random numbers), each set judged with its own "
        f"simulation sd; "
        f"cut at implausibility {cfg.cut:g}. {_screen_line(design)}**{n_ok} of {n_sets} parameter sets are not "
        f"ruled out** (the plausible ensemble, `ensemble.csv`). Holdout and check targets are predicted by the "
        f"{min(cfg.predict_members, n_ok)} members spread evenly over the ensemble. Method and choices: docs/calibration.md.",
        "",
        "The ensemble is a set of worlds the data do not rule out, not a sample from a posterior: "
        "members were drawn by a Latin hypercube over the priors and then by steps from plausible "
        'sets, so a share of members ("within 3 sd" below, or a share of worlds in an assessment) '
        "says how much of this set agrees, not how likely anything is. Targets marked *echo* return "
        "an input (arrivals set from the figure, a multiplier fitted to it): they can rule a set out "
        "when it cannot clear that input, and are reported as checks, never as met or out of sample.",
        "",
        "## Targets beside the ensemble",
        "",
        "| id | role | what | observed (± sd) | ensemble 5% / median / 95% | median ÷ observed | members within 3 sd | verdict |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for _, r in table.iterrows():
        lines.append(
            f"| {r['id']} | {r['role']}{' (echo)' if r['echo'] else ''}{', upper bound' if r['bound'] == 'upper' else ''} | {r['what']} ({r['unit']}) | {fmt_number(r['observed'])} ± {fmt_number(r['obs_sd'])} | "
            f"{fmt_number(r['ensemble_p05'])} / {fmt_number(r['ensemble_median'])} / {fmt_number(r['ensemble_p95'])} | "
            f"{r['ratio_median']:.2f} | {r['share_within_3']:.0%} | {r['verdict']} |"
        )
    fit_rows = table[table["role"] == "fit"]
    lines += [
        "",
        "Fit targets over the whole first wave (the priors alone), 5% - 95%: "
        + "; ".join(
            f"{r['id']} {fmt_number(r['prior_p05'])} - {fmt_number(r['prior_p95'])}"
            for _, r in fit_rows.iterrows()
        )
        + ".",
        "",
        "## Parameters: pinned by the data or still wide",
        "",
        f"`pinned`: the ensemble's 5-95% range is under {PINNED:.0%} of the prior range.",
        "",
        "| parameter | prior | ensemble 5% - 95% | width ÷ prior | status |",
        "|---|---|---|---|---|",
    ]
    for _, r in parameter_table(result, priors).iterrows():
        w = "-" if np.isnan(r["width_ratio"]) else f"{r['width_ratio']:.2f}"
        lines.append(f"| {r['parameter']} | {r['prior']} | {r['ensemble']} | {w} | {r['status']} |")
    missed = table[table["verdict"].str.startswith(("discrepancy", "missed"))]
    lines += ["", "## Model discrepancy: targets no plausible set meets", ""]
    if missed.empty:
        lines.append("None: every target is met by at least half of the members that predicted it.")
    lines += ["", "(Echo targets are not listed here: a miss there is a set that cannot clear its input.)"]
    for _, r in missed.iterrows():
        t = next(x for x in targets.targets if x.id == r["id"])
        lines.append(
            f"- **{r['id']}** ({r['role']}) {r['what']}: observed {fmt_number(r['observed'])}, ensemble median "
            f"{fmt_number(r['ensemble_median'])} (ratio {r['ratio_median']:.2f}). {t.note}"
        )
    lines += ["", "## Structural alternatives the fit does not vary (pending, with the reason)", ""]
    lines += [f"- `{k}`: {v}" for k, v in priors.pending.items()]
    lines.append("")
    return "\n".join(lines)
