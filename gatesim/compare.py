"""``gatesim compare``: per gate and KPI, how OTHER runs differ from a BASE run.

Inputs are run directories (``summary.csv`` + ``manifest.json``), multi-scenario
run directories (``gatesim run a.yaml b.yaml --out DIR``: each subfolder is
one input), sweep directories or ``summary.csv`` / sweep ``results.csv`` files.
A file holding several scenarios (a sweep's points) gives one input per
scenario.

Statistics, per (OTHER, gate, KPI), over replications:

- **paired** t interval on the per-replication differences when both sides
  have exactly the same (seed, replication) pairs at that gate: replication r
  of both runs drew the same random numbers (common random numbers);
- otherwise **Welch's** t interval (unequal variances);
- with m OTHERs, each interval is at level ``1 - (1 - level) / m``
  (Bonferroni over the m comparisons of the same gate and KPI), so all m hold
  together with probability >= ``level``; ``p_value_adj`` is ``min(1, m p)``.

A change is *significant* when its (adjusted) interval excludes 0. Zero
variance is not an error: identical runs give a difference of exactly 0 with
the interval [0, 0]; a constant non-zero difference gives [d, d].

Output schema: a manifest's ``output_schema_version`` must equal
:data:`gatesim.run.OUTPUT_SCHEMA_VERSION`. A CSV without a manifest beside it
is checked by its header: schema version 1 is the id and KPI columns of
``summary.csv`` plus ``util_*`` columns and a sweep's ``point``, ``error`` and
parameter (dotted key path) columns, nothing else; a ``schema_version`` or
``output_schema_version`` column, if present, must hold the current version.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import click
import numpy as np
import pandas as pd
from scipy.special import stdtr, stdtrit  # Student t, as scipy.stats.t computes it

from gatesim.corridor.kpis import CORRIDOR_COLUMNS  # issue 15: corridor runs' extra columns
from gatesim.errors import Described, InputError
from gatesim.projections.kpis import ID_COLUMNS, KPI_COLUMNS, is_stage_kpi
from gatesim.run import OUTPUT_SCHEMA_VERSION

__all__ = [
    "COMPARISON_COLUMNS",
    "RunInput",
    "command",
    "compare_inputs",
    "compare_tables",
    "format_comparison",
    "kpi_columns",
    "read_inputs",
    "select_base",
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
]
_SWEEP_COLUMNS = {"point", "error"}
_VERSION_COLUMNS = ("schema_version", "output_schema_version")
_KEYS = ["seed", "replication"]


@dataclass(frozen=True)
class RunInput:
    """One scenario's summary rows, read from ``source``."""

    label: str  # the scenario name
    source: str  # the file it came from, for messages
    summary: pd.DataFrame
    expanded: bool = False  # one of several scenarios of a multi-run directory or a sweep


def kpi_columns(summary: pd.DataFrame) -> list[str]:
    """The KPI columns of a summary table, in file order: ``KPI_COLUMNS`` then the per-stage ones."""
    return (
        [c for c in KPI_COLUMNS if c in summary.columns]
        + [c for c in summary.columns if is_stage_kpi(c)]
        + [c for c in CORRIDOR_COLUMNS if c in summary.columns]  # corridor runs (issue 15)
    )


# ---------------------------------------------------------------- reading


def _version_error(given: object, file: str) -> InputError:
    return InputError(
        "output schema version differs from this gatesim's",
        file=file,
        key="output_schema_version",
        given=given,
        allowed=f"{OUTPUT_SCHEMA_VERSION} (rerun the scenario with this gatesim)",
    )


def _read_json(path: Path) -> dict:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as e:
        raise InputError(f"not readable JSON ({type(e).__name__})", file=str(path)) from None
    if not isinstance(data, dict):
        raise InputError("not a JSON object", file=str(path))
    return data


def _check_manifest(path: Path) -> dict:
    manifest = _read_json(path)
    if manifest.get("complete") is not True:
        raise InputError("run is incomplete (manifest.json lacks complete: true)", file=str(path))
    version = manifest.get("output_schema_version", Described("nothing"))
    if "scenarios" not in manifest and version != OUTPUT_SCHEMA_VERSION:
        raise _version_error(version, str(path))
    return manifest


def _check_columns(df: pd.DataFrame, file: str) -> None:
    missing = [c for c in ID_COLUMNS + KPI_COLUMNS if c not in df.columns]
    if missing:
        raise InputError(
            f"missing columns {', '.join(missing)}",
            file=file,
            allowed=f"a summary.csv or sweep results.csv of output schema version {OUTPUT_SCHEMA_VERSION}",
        )
    known = set(ID_COLUMNS + KPI_COLUMNS + CORRIDOR_COLUMNS) | _SWEEP_COLUMNS | set(_VERSION_COLUMNS)
    unknown = [c for c in df.columns if c not in known and not is_stage_kpi(c) and "." not in c]
    if unknown:
        raise InputError(
            f"unknown columns {', '.join(map(str, unknown[:5]))}: not output schema version {OUTPUT_SCHEMA_VERSION}",
            file=file,
            allowed="the columns of summary.csv (id, KPI, util_*, wait_at_*) and of a sweep's results.csv",
        )
    for col in _VERSION_COLUMNS:
        if col in df.columns:
            bad = pd.to_numeric(df[col], errors="coerce") != OUTPUT_SCHEMA_VERSION
            if bad.any():
                raise _version_error(df.loc[bad, col].iloc[0], file)


def _clean(df: pd.DataFrame, file: str) -> pd.DataFrame:
    """Typed copy of a summary table; garbled cells raise InputError."""
    _check_columns(df, file)
    if df.empty:
        raise InputError("has a header but no rows", file=file, allowed="one row per replication and gate")
    df = df.copy()
    if "error" in df.columns:  # a failed sweep task: its KPIs are empty, it is not a replication
        df = df[df["error"].isna() | (df["error"].astype(str).str.strip() == "")]
    for col in ("scenario", "gate"):
        if df[col].isna().any() or (df[col].astype(str).str.strip() == "").any():
            raise InputError("empty cell", file=file, key=col, allowed="a name on every row")
        df[col] = df[col].astype(str)
    for col in [*_KEYS, *kpi_columns(df)]:
        num = pd.to_numeric(df[col], errors="coerce")
        bad = num.isna() & df[col].notna()
        if bad.any() or (col in _KEYS and num.isna().any()):
            given = df.loc[bad, col].iloc[0] if bad.any() else Described("an empty cell")
            raise InputError("not a number", file=file, key=col, given=given)
        df[col] = num
    dup = df.duplicated(["scenario", "gate", *_KEYS])
    if dup.any():
        row = df.loc[dup].iloc[0]
        raise InputError(
            "the same scenario, gate, seed and replication appear twice",
            file=file,
            given=f"{row['scenario']}/{row['gate']}/seed {row['seed']:.0f}/replication {row['replication']:.0f}",
        )
    return df


def _read_csv(path: Path, expanded: bool = False) -> list[RunInput]:
    file = str(path)
    manifest = path.with_name("manifest.json")
    if path.name == "summary.csv" and manifest.is_file():
        _check_manifest(manifest)
    try:
        raw = pd.read_csv(path, dtype=object, keep_default_na=True)
    except FileNotFoundError:
        raise InputError("file not found", file=file) from None
    except pd.errors.EmptyDataError:
        raise InputError("file is empty", file=file, allowed="a summary.csv or results.csv") from None
    except (pd.errors.ParserError, UnicodeDecodeError, ValueError, OSError) as e:
        msg = " ".join(str(e).split())[:120] or type(e).__name__
        raise InputError(f"not a readable CSV ({msg})", file=file) from None
    df = _clean(raw, file)
    if df.empty:
        raise InputError("every row is a failed sweep task", file=file)
    groups = list(df.groupby("scenario", sort=False))
    many = expanded or len(groups) > 1
    return [RunInput(str(n), file, g.reset_index(drop=True), many) for n, g in groups]


def read_inputs(path: str | Path) -> list[RunInput]:
    """The scenario(s) held by a run directory, a multi-run or sweep directory, or a CSV."""
    p = Path(path)
    if p.is_file():
        return _read_csv(p)
    if not p.is_dir():
        raise InputError("not found", file=str(p), allowed="a run directory, summary.csv or results.csv")
    if (p / "manifest.json").is_file():
        manifest = _check_manifest(p / "manifest.json")
        names = manifest.get("scenarios")
        if names is None:
            return _read_csv(p / "summary.csv")
        if not isinstance(names, list) or not names:
            raise InputError("scenarios: not a list of names", file=str(p / "manifest.json"), given=names)
        out: list[RunInput] = []
        for name in names:
            out += _read_csv(p / str(name) / "summary.csv", expanded=True)
        return out
    for name in ("results.csv", "summary.csv"):
        if (p / name).is_file():
            return _read_csv(p / name)
    raise InputError(
        "holds no manifest.json, summary.csv or results.csv",
        file=str(p),
        allowed="a gatesim run, multi-run or sweep directory",
    )


def select_base(inputs: list[RunInput], scenario: str | None, file: str) -> RunInput:
    """The one base scenario of BASE (``scenario`` picks one if it holds several)."""
    names = [i.label for i in inputs]
    if scenario is None:
        if len(inputs) == 1:
            return inputs[0]
        raise InputError(
            "BASE holds several scenarios", file=file, given=names, allowed="pick one with --base-scenario"
        )
    for i in inputs:
        if i.label == scenario:
            return i
    raise InputError(
        "no such scenario in BASE", key="--base-scenario", given=scenario, allowed=", ".join(names)
    )


# ---------------------------------------------------------------- statistics


def _interval(x: np.ndarray, y: np.ndarray, paired: bool, level: float) -> tuple[float, float, float, float]:
    """(diff, low, high, two-sided p) of mean(y) - mean(x); NaN where not estimable."""
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
        # Welch-Satterthwaite; undefined (0/0) when both variances are 0, but then se = 0 below.
        dof = (vx + vy) ** 2 / (vx**2 / (nx - 1) + vy**2 / (ny - 1)) if se > 0 else 1.0
    if se == 0.0:  # no spread: the difference is known exactly
        return diff, diff, diff, 1.0 if diff == 0 else 0.0
    half = float(stdtrit(dof, 0.5 + level / 2)) * se
    return diff, diff - half, diff + half, float(2 * stdtr(dof, -abs(diff) / se))


def _is_paired(base: pd.DataFrame, other: pd.DataFrame) -> bool:
    """Same (seed, replication) pairs at every gate: common random numbers."""
    for gate, b in base.groupby("gate"):
        o = other[other["gate"] == gate]
        if set(map(tuple, b[_KEYS].to_numpy())) != set(map(tuple, o[_KEYS].to_numpy())):
            return False
    return True


def _compare_one(base: pd.DataFrame, other: pd.DataFrame, kpis: list[str], level: float) -> list[dict]:
    paired = _is_paired(base, other)
    rows = []
    for gate in dict.fromkeys(base["gate"]):
        b = base[base["gate"] == gate].set_index(_KEYS).sort_index()
        o = other[other["gate"] == gate].set_index(_KEYS).sort_index()
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
                diff, lo, hi, p = _interval(x, y, paired, level)
            else:
                diff = lo = hi = p = float("nan")
            rows.append(
                {"gate": gate, "kpi": kpi, "n_base": nb, "n_other": no, "base_mean": bm,
                 "other_mean": om, "diff_mean": diff, "diff_ci_low": lo, "diff_ci_high": hi,
                 "paired": paired, "method": "paired t" if paired else "Welch t", "p": p}
            )  # fmt: skip
    return rows


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
    base = _clean(base, "BASE")
    labels = list(labels) if labels is not None else [str(o["scenario"].iloc[0]) for o in others]
    m = len(others)
    ci_level = 1 - (1 - level) / m
    adjustment = f"Bonferroni over {m} comparisons" if m > 1 else "none"
    gates = sorted(set(base["gate"]))
    rows = []
    for label, other in zip(labels, others, strict=True):
        other = _clean(other, label)
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
        for r in _compare_one(base, other, kpis, ci_level):
            rows.append({"base": str(base["scenario"].iloc[0]), "other": label, **r})
    out = pd.DataFrame(rows)
    with np.errstate(divide="ignore", invalid="ignore"):
        pct = 100.0 * out["diff_mean"] / out["base_mean"].abs()
    out["pct_change"] = pct.where(out["base_mean"] != 0, np.where(out["diff_mean"] == 0, 0.0, np.nan))
    out["ci_level"] = ci_level
    out["adjustment"] = adjustment
    out["p_value_adj"] = np.minimum(1.0, out.pop("p") * m)
    out["significant"] = (out["diff_ci_low"] > 0) | (out["diff_ci_high"] < 0)
    return out[COMPARISON_COLUMNS]


def compare_inputs(base: RunInput, others: Sequence[RunInput], level: float = 0.95) -> pd.DataFrame:
    """:func:`compare_tables` on inputs read by :func:`read_inputs`; labels made unique."""
    labels = [o.label for o in others]
    labels = [f"{o.label} ({o.source})" if labels.count(o.label) > 1 else o.label for o in others]
    return compare_tables(base.summary, [o.summary for o in others], labels, level)


# ---------------------------------------------------------------- printing


def _num(x: float) -> str:
    if x is None or not np.isfinite(x):
        return "-"
    a = abs(x)
    if a >= 1e9:
        return f"{x / 1e9:,.2f}bn"
    if a >= 1e6:
        return f"{x / 1e6:,.2f}M"
    if a >= 100:
        return f"{x:,.0f}"
    if a >= 1 or a == 0:
        return f"{x:.2f}"
    return f"{x:.3g}"


def _table(rows: list[list[str]]) -> list[str]:
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    return ["  ".join(c.rjust(w) if i > 1 else c.ljust(w) for i, (c, w) in enumerate(zip(r, widths))).rstrip()
            for r in rows]  # fmt: skip


def format_comparison(table: pd.DataFrame, significant_only: bool = False) -> str:
    """Plain text: per OTHER, the significant changes first (largest % first), then the rest."""
    if table.empty:
        return "no KPI to compare"
    first = table.iloc[0]
    family = 1 - (1 - first["ci_level"]) * table["other"].nunique()
    lines = [
        f"BASE {first['base']}; difference = OTHER - BASE, {100 * first['ci_level']:.4g}% CI"
        + (
            ""
            if first["adjustment"] == "none"
            else f" ({first['adjustment']}: family level {100 * family:.4g}%)"
        )
    ]
    head = ["gate", "KPI", "base", "other", "diff", "CI low", "CI high", "%", ""]
    for other, t in table.groupby("other", sort=False):
        t = t.assign(_abs=t["pct_change"].abs().fillna(np.inf))
        t = t.sort_values(["significant", "_abs"], ascending=[False, False], kind="stable")
        n_sig = int(t["significant"].sum())
        method = "paired (same seeds and replications)" if t["paired"].all() else "Welch (unpaired)"
        lines += ["", f"{other} vs {first['base']}: {method}; {n_sig} of {len(t)} changes significant"]
        shown = t[t["significant"]] if significant_only else t
        if shown.empty:
            continue
        body = [
            [r.gate, r.kpi, _num(r.base_mean), _num(r.other_mean), _num(r.diff_mean), _num(r.diff_ci_low),
             _num(r.diff_ci_high), "-" if not np.isfinite(r.pct_change) else f"{r.pct_change:+.1f}",
             "*" if r.significant else ""]
            for r in shown.itertuples()
        ]  # fmt: skip
        lines += ["  " + s for s in _table([head, *body])]
    return "\n".join(lines)


# ---------------------------------------------------------------- command


@click.command("compare")
@click.argument("base")
@click.argument("others", nargs=-1, required=True, metavar="OTHER...")
@click.option(
    "--out", "out", default="comparison.csv", show_default=True,
    help="CSV file for the comparison (default: comparison.csv in the current directory).",
)  # fmt: skip
@click.option(
    "--base-scenario", help="Which scenario of BASE to use when it holds several (a multi-run or sweep)."
)
@click.option("--level", type=float, default=0.95, show_default=True, help="Family confidence level.")
@click.option("--significant-only", is_flag=True, help="Print only the significant changes.")
def command(base, others, out, base_scenario, level, significant_only) -> None:
    """Differences per gate and KPI between BASE and each OTHER run, with CIs.

    BASE and OTHER are run directories, multi-scenario run directories (each
    subfolder is one OTHER), sweep directories, or summary.csv / results.csv
    files. Paired t intervals when both used the same seeds and replications
    (common random numbers), Welch's otherwise; with several OTHERs each
    interval is Bonferroni-adjusted. Writes --out and prints a table per
    OTHER, significant changes (*) first.
    """
    from gatesim.outputs import write_csv

    base_in = select_base(read_inputs(base), base_scenario, base)
    others_in = [
        o for path in others for o in read_inputs(path)
        # a multi-run or sweep that contains BASE itself: skip that one, not a self-comparison asked for
        if not (o.expanded and o.label == base_in.label and Path(o.source).resolve() == Path(base_in.source).resolve())
    ]  # fmt: skip
    if not others_in:
        raise InputError("nothing to compare: every OTHER is BASE itself", given=list(others))
    target = Path(out)
    if target.is_dir():
        raise InputError("is a directory", key="--out", given=out, allowed="a CSV file name")
    sources = {Path(i.source).resolve() for i in [base_in, *others_in]}
    if target.resolve() in sources:
        raise InputError("would overwrite an input", key="--out", given=out, allowed="another file name")
    table = compare_inputs(base_in, others_in, level)
    target.parent.mkdir(parents=True, exist_ok=True)
    write_csv(target, table)
    click.echo(format_comparison(table, significant_only))
    click.echo(f"\nwritten: {target}")
