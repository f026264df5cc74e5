"""``sensitivity``: Morris screening, then Sobol indices with bootstrap CIs, using SALib.

Each design point is a scenario (the base with the parameters set), run with
``replications`` replications whose seeds are the same at every point (common
random numbers), so the KPI is a deterministic function of the parameters
and a parameter that does not enter the model gets an index of exactly 0.
A KPI is taken at each gate named: ``wait_mean_h@tan_thanh``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from gatesim.decide.evaluate import Evaluator
from gatesim.decide.labels import factor_label, kpi_at_gate
from gatesim.decide.spec import SensitivitySpec, Study

__all__ = ["run_sensitivity", "write_sensitivity"]

MIN_TRAJECTORIES = 10  # Campolongo et al. (2007) use 10-50 trajectories for stable mu*
MIN_SOBOL_N = 256  # Saltelli et al. (2010): N of several hundred to thousands for stable indices
MAX_CI_HALF = 0.1  # an index whose bootstrap CI is wider than +-0.1 does not rank reliably


@dataclass
class SensitivityResult:
    study: Study
    indices: pd.DataFrame
    evaluations: pd.DataFrame
    screened: list[str]
    warnings: list[str] = field(default_factory=list)

    def text(self) -> str:
        """Per KPI its indices with plain labels, then the leading factors in a sentence each."""
        lines = []
        for kpi, grp in self.indices.groupby("kpi", sort=False):
            st = grp[grp["method"] == "sobol_total"].sort_values("index", ascending=False)
            mm = grp[grp["method"] == "morris_mu_star"].sort_values("index", ascending=False)
            show = st if not st.empty else mm
            method = "Sobol total index" if not st.empty else "Morris mu*"
            lines.append(f"{kpi_at_gate(str(kpi))} ({method}, 95% CI):")
            width = max(len(self.label(p)) for p in show["parameter"]) if len(show) else 0
            for r in show.itertuples():
                lines.append(
                    f"  {self.label(str(r.parameter)):{width}}  {r.index:.3g} [{r.ci_low:.2g}, {r.ci_high:.2g}]"
                )
        return "\n".join([*lines, "", *self.sentences()])

    def label(self, key: str) -> str:
        """A factor's plain label, without its gate when every factor and KPI is of one gate."""
        gates = {k.split(".")[1] for k in self.indices["parameter"] if k.startswith("gates.")}
        gates |= {str(c).partition("@")[2] for c in self.indices["kpi"]}
        return factor_label(key, gate=len(gates) > 1 or not key.startswith("gates."))

    def sentences(self) -> list[str]:
        """The leading factors of each KPI, in words (the first line a planner quotes)."""
        return [leading(str(kpi), grp, self.label) for kpi, grp in self.indices.groupby("kpi", sort=False)]


# A chart's legend at 9 pt is 14 px at the pages' 110 dpi (readable: at least 11 px).
LEGEND_PT = 9
_METHOD_WORDS = {
    "sobol_total": "Sobol total index (with interactions)",
    "sobol_first": "Sobol first-order index (alone)",
    "morris_mu_star": "Morris mu*",
}

CLEAR_ST = 0.05  # a factor leads when its total index is at least this and its CI stays above 0
LEADING = 3  # factors named per KPI


def leading(kpi: str, grp: pd.DataFrame, name) -> str:
    """E.g. "The transshipment share explains ~80% of the variance of mean wait per truck at Tân Thanh; then ..."."""
    what = kpi_at_gate(kpi)
    by = {m: g.set_index("parameter") for m, g in grp.groupby("method")}
    if "sobol_total" in by:
        st, s1 = by["sobol_total"], by.get("sobol_first")
        lead = st[(st["index"] >= CLEAR_ST) & (st["ci_low"] > 0)].sort_values("index", ascending=False)
        if lead.empty:
            return f"No factor clearly moves {what} over these ranges (every Sobol total index's 95% CI reaches 0)."
        parts = []
        for i, (p, r) in enumerate(lead.head(LEADING).iterrows()):
            first = float(np.clip(s1.loc[p, "index"], 0, 1)) if s1 is not None and p in s1.index else math.nan
            total = float(np.clip(r["index"], 0, 1))
            alone = f"~{first:.0%}" if math.isfinite(first) else f"up to ~{total:.0%}"
            notes = (
                [f"~{total:.0%} with its interactions"]
                if math.isfinite(first) and total - first >= 0.1
                else []
            )
            if r["ci_high"] - r["ci_low"] > 2 * MAX_CI_HALF:
                notes.append(f"rough: 95% CI of its total index {r['ci_low']:.2f} to {r['ci_high']:.2f}")
            extra = f" ({'; '.join(notes)})" if notes else ""
            if i == 0:
                parts.append(f"{_cap(name(p))} explains {alone} of the variance of {what}{extra}")
            else:
                parts.append(f"{name(p)} {alone}{extra}")
        return "; then ".join(parts) + "."
    if "morris_mu_star" in by:
        mu = by["morris_mu_star"].sort_values("index", ascending=False)
        mu = mu[mu["index"] > 0]
        if mu.empty:
            return f"No factor moves {what} over these ranges (every Morris mu* is 0)."
        unit = _unit(kpi)
        named = [f"{name(p)} ({r['index']:.3g}{unit})" for p, r in mu.head(LEADING).iterrows()]
        return (
            f"{_cap(what)} moves most with {named[0]} (Morris mu*: the mean size of the change a step of "
            "the factor across its range makes)"
            + ("; then " + ", ".join(named[1:]) if len(named) > 1 else "")
            + "."
        )
    return f"{_cap(what)}: no index (missing values)."


def _cap(text: str) -> str:
    return text[:1].upper() + text[1:]


def _unit(kpi: str) -> str:
    from gatesim.projections.registry import find

    k = find(kpi.partition("@")[0])
    return f" {k.unit}" if k is not None and k.unit not in ("", "share") else ""


def _problem(spec: SensitivitySpec, names: list[str]) -> dict[str, Any]:
    bounds = []
    for k in names:
        r = spec.parameters[k]
        # integers: sample [low, high + 1) and floor, so each integer gets an equal share
        bounds.append([r.low, r.high + 1] if r.is_integer else [r.low, r.high])
    return {"num_vars": len(names), "names": names, "bounds": bounds}


def _points(spec: SensitivitySpec, names: list[str], x: np.ndarray) -> list[dict[str, Any]]:
    pts = []
    for row in x:
        p = {}
        for k, v in zip(names, row):
            r = spec.parameters[k]
            p[k] = int(min(math.floor(v), r.high)) if r.is_integer else float(f"{v:.10g}")
        pts.append(p)
    return pts


def _outputs(study: Study, ev: Evaluator, pts: list[dict[str, Any]], reps: int) -> pd.DataFrame:
    """Design point x (kpi@gate): the mean over replications."""
    spec = study.sensitivity_spec
    gates = study.gate_ids(spec.gates)
    out = []
    for p in pts:
        vals: dict[str, list[float]] = {}
        for r in range(reps):
            res = ev.result(p, r)
            by_gate = {row["gate"]: row for row in res["rows"]}
            for kpi in spec.kpis:
                for g in gates:
                    v = by_gate.get(g, {}).get(kpi)
                    vals.setdefault(f"{kpi}@{g}", []).append(float("nan") if v is None else float(v))
        out.append({k: float(np.mean(v)) for k, v in vals.items()})
    return pd.DataFrame(out)


def _eval_rows(study: Study, ev: Evaluator, method: str, pts: list[dict[str, Any]], reps: int) -> list[dict]:
    spec = study.sensitivity_spec
    recs = []
    for i, p in enumerate(pts):
        for r in range(reps):
            res = ev.result(p, r)
            for row in res["rows"]:
                recs.append(
                    {"design": method, "point": i, **p, "replication": r, "seed": study.seed, "gate": row["gate"],
                     **{k: row.get(k) for k in spec.kpis}, "error": res["error"]}
                )  # fmt: skip
    return recs


def run_sensitivity(study: Study, ev: Evaluator) -> SensitivityResult:
    from SALib.analyze import morris as morris_a
    from SALib.sample import morris as morris_s

    spec = study.sensitivity_spec
    names = sorted(spec.parameters)
    seed = int(study.seed % 2**31)
    reps = spec.replications
    warnings: list[str] = []
    rows: list[tuple[str, str, str, float, float, float]] = []  # (parameter, kpi, index, value, low, high)
    evals: list[dict] = []

    problem = _problem(spec, names)
    xm = morris_s.sample(problem, N=spec.morris.trajectories, num_levels=spec.morris.levels, seed=seed)
    pm = _points(spec, names, xm)
    ev.run(pm, reps, "Morris screening")
    ym = _outputs(study, ev, pm, reps)
    evals += _eval_rows(study, ev, "morris", pm, reps)
    if spec.morris.trajectories < MIN_TRAJECTORIES:
        warnings.append(
            f"Morris: {spec.morris.trajectories} trajectories is a small sample (at least {MIN_TRAJECTORIES} "
            "give a stable ranking); read mu* as a rough screen"
        )
    norm_mu: dict[str, float] = dict.fromkeys(names, 0.0)
    for col in ym.columns:
        y = ym[col].to_numpy(dtype=float)
        if np.isnan(y).any() or np.ptp(y) == 0:
            if np.isnan(y).any():
                warnings.append(
                    f"{kpi_at_gate(col)}: missing values at some points (no truck crossed?); left out"
                )
            else:
                for k in names:
                    rows.append((k, col, "morris_mu_star", 0.0, 0.0, 0.0))
            continue
        si = morris_a.analyze(problem, xm, y, num_levels=spec.morris.levels, conf_level=0.95, seed=seed)
        top = max(float(np.max(si["mu_star"])), 1e-300)
        for j, k in enumerate(names):
            mu, conf = float(si["mu_star"][j]), float(si["mu_star_conf"][j])
            rows.append((k, col, "morris_mu_star", mu, max(mu - conf, 0.0), mu + conf))
            rows.append((k, col, "morris_sigma", float(si["sigma"][j]), float("nan"), float("nan")))
            norm_mu[k] = max(norm_mu[k], mu / top)
    screened = names
    if spec.sobol is not None and spec.sobol.top is not None:
        screened = sorted(sorted(names, key=lambda k: (-norm_mu[k], k))[: spec.sobol.top])
    if spec.sobol is not None:
        if len(screened) < 2:
            warnings.append("Sobol needs at least 2 parameters; skipped")
        else:
            evals += _sobol(study, ev, spec, screened, seed, reps, rows, warnings)
    indices = pd.DataFrame(rows, columns=["parameter", "kpi", "method", "index", "ci_low", "ci_high"])
    return SensitivityResult(study, indices, pd.DataFrame(evals), screened, warnings)


def _sobol_sample(sobol_s: Any, problem: dict, n: int, seed: int, warnings: list[str]) -> np.ndarray:
    """Saltelli's sample of ``n`` base points (a power of 2 balances the Sobol' sequence)."""
    import warnings as _w

    if n & (n - 1):
        warnings.append(
            f"Sobol: n = {n} is not a power of 2; the Sobol' sequence is balanced only at powers of 2"
        )
    with _w.catch_warnings():
        _w.simplefilter("ignore")  # SALib's own power-of-2 warning, said above in one line
        return sobol_s.sample(problem, n, calc_second_order=False, scramble=True, seed=seed)


def _sobol(study, ev, spec, names, seed, reps, rows, warnings) -> list[dict]:
    from SALib.analyze import sobol as sobol_a
    from SALib.sample import sobol as sobol_s

    problem = _problem(spec, names)
    n = spec.sobol.n
    xs = _sobol_sample(sobol_s, problem, n, seed, warnings)
    ps = _points(spec, names, xs)
    ev.run(ps, reps, "Sobol indices")
    ys = _outputs(study, ev, ps, reps)
    if n < MIN_SOBOL_N:
        warnings.append(
            f"Sobol: n = {n} ({len(ps)} runs) is a small sample (n >= {MIN_SOBOL_N} for stable indices); "
            "read the indices with their CIs"
        )
    wide = []
    for col in ys.columns:
        y = ys[col].to_numpy(dtype=float)
        if np.isnan(y).any():
            continue
        if np.ptp(y) == 0:
            warnings.append(f"{kpi_at_gate(col)} does not vary over the parameters' ranges: every index is 0")
            for k in names:
                rows.extend([(k, col, "sobol_first", 0.0, 0.0, 0.0), (k, col, "sobol_total", 0.0, 0.0, 0.0)])
            continue
        si = sobol_a.analyze(
            problem,
            y,
            calc_second_order=False,
            num_resamples=spec.sobol.bootstrap,
            conf_level=0.95,
            seed=seed,
        )
        for j, k in enumerate(names):
            for m, key in (("sobol_first", "S1"), ("sobol_total", "ST")):
                v, c = float(si[key][j]), float(si[f"{key}_conf"][j])
                rows.append((k, col, m, v, v - c, v + c))
                if c > MAX_CI_HALF:
                    wide.append(f"{factor_label(k)} on {kpi_at_gate(col)}")
    if wide:
        warnings.append(
            f"Sobol: {len(wide)} indices have a 95% CI wider than +-{MAX_CI_HALF} (e.g. {wide[0]}): "
            "the sample is too small to rank them; raise sobol.n"
        )
    return _eval_rows(study, ev, "sobol", ps, reps)


def _chart(res: SensitivityResult) -> str | None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from gatesim.decide.page import figure_png

    df = res.indices
    has_sobol = (df["method"] == "sobol_total").any()
    method = "sobol_total" if has_sobol else "morris_mu_star"
    kpis = list(dict.fromkeys(df["kpi"]))[:6]
    if not kpis:
        return None
    fig, axes = plt.subplots(
        len(kpis), 1, figsize=(7.5, 1.2 + 0.45 * len(res.screened) * len(kpis)), squeeze=False
    )
    for ax, kpi in zip(axes[:, 0], kpis):
        d = df[(df["kpi"] == kpi) & (df["method"] == method)].sort_values("index")
        err = np.vstack([d["index"] - d["ci_low"], d["ci_high"] - d["index"]])
        names = [res.label(str(k)) for k in d["parameter"]]
        ax.barh(names, d["index"], xerr=err, color="#2a7", alpha=0.8, label=_METHOD_WORDS[method])
        if has_sobol:
            s1 = (
                df[(df["kpi"] == kpi) & (df["method"] == "sobol_first")]
                .set_index("parameter")
                .reindex(d["parameter"])
            )
            ax.scatter(s1["index"], names, color="#13c", zorder=5, s=18, label=_METHOD_WORDS["sobol_first"])
        ax.set_title(kpi_at_gate(str(kpi)), fontsize=10)
        ax.tick_params(labelsize=8)
        ax.axvline(0, color="#999", lw=0.8)
        ax.legend(fontsize=LEGEND_PT)
    fig.tight_layout()
    return figure_png(fig)


def write_sensitivity(res: SensitivityResult, out: Path) -> dict[str, Path]:
    from gatesim.decide.page import write_page
    from gatesim.outputs import write_csv

    paths = {
        "indices": out / "indices.csv",
        "evaluations": out / "evaluations.csv",
        "report": out / "report.html",
    }
    write_csv(paths["indices"], res.indices)
    write_csv(paths["evaluations"], res.evaluations)
    png = _chart(res)
    if png:
        import base64

        paths["chart"] = out / "indices.png"
        from gatesim.outputs import write_bytes

        write_bytes(paths["chart"], base64.b64decode(png))  # atomic, as every other output
    study, spec = res.study, res.study.sensitivity_spec
    text = [
        *res.sentences(),
        f"Base scenario {study.base.name}, {study.days} days per run, seed {study.seed}, "
        f"{spec.replications} replication(s) per point (same seeds at every point).",
        f"Morris: {spec.morris.trajectories} trajectories, {spec.morris.levels} levels. "
        + (
            f"Sobol: n = {spec.sobol.n}, {spec.sobol.bootstrap} bootstrap resamples, on "
            + ", ".join(res.label(k) for k in res.screened)
            + "."
            if spec.sobol
            else "No Sobol stage."
        ),
        *[f"Warning: {w}" for w in res.warnings],
    ]
    table = res.indices.assign(factor=[res.label(str(k)) for k in res.indices["parameter"]])
    table = table[["factor", *res.indices.columns]]
    write_page(paths["report"], f"Sensitivity: {study.name}", text, png, {"Indices": table})
    return paths
