"""Draw docs/validation.md's held-out charts and fill its scores from a `gatesim validate` directory.

    gatesim validate scenarios/baseline_2026.ensemble.csv jan_2022 feb_2022 may_2023 --out runs/validate
    python docs/make_validation.py runs/validate [--note TEXT]

Reads scores.csv, points.csv, changes.csv and days.csv; writes docs/img/validation_<period>.png
(one panel per published series: the worlds' 5-95% band and median on each day, the band at each
published instant, the published counts over them) and the tables between the markers
``<!-- holdout:start -->`` and ``<!-- holdout:end -->`` of docs/validation.md. Runs nothing.
"""

from __future__ import annotations

import argparse
import math
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.dates as mdates  # noqa: E402  (after the backend is chosen)
import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
VAL = ROOT / "docs" / "validation.md"
IMG = ROOT / "docs" / "img"
GATES = {"tan_thanh": "Tân Thanh", "huu_nghi": "Hữu Nghị", "coc_nam": "Cốc Nam", "chi_ma": "Chi Ma"}
TITLES = {
    "jan_2022": "28 Dec 2021 - 16 Jan 2022: Tân Thanh closed, Hữu Nghị and Chi Ma restricted",
    "feb_2022": "11-20 Feb 2022: restricted clearance, fresh fruit stopped from 16 Feb",
    "may_2023": "28-31 May 2023: fruit season peak, officers to 23:00",
}


def _series_title(series: str) -> str:
    kind, gates, counted = series.split(" ")
    names = " + ".join(GATES.get(g, g) for g in gates.split("+"))
    what = "waiting" if kind == "waiting" else "cleared per day"
    return f"{names}: {counted} vehicles {what}"


def _num(x: float) -> str:
    if isinstance(x, float) and math.isnan(x):
        return "–"
    return f"{x:,.0f}"


def chart(period: str, points: pd.DataFrame, days: pd.DataFrame, path: Path) -> None:
    # the series with a held-out count (a series of inputs only is in the table)
    series = list(dict.fromkeys(points.loc[points["role"] == "held out", "series"]))
    fig, axes = plt.subplots(len(series), 1, figsize=(7.5, 2.2 * len(series) + 1.2), squeeze=False)
    for ax, s in zip(axes[:, 0], series, strict=True):
        d = days[days["series"] == s]
        cleared = s.startswith("cleared")
        # a day's clearances are drawn at its noon, a count of waiting trucks at its instant
        t = pd.to_datetime(d["instant"]) - pd.Timedelta(hours=12 if cleared else 0)
        ax.fill_between(
            t,
            d["q05"],
            d["q95"],
            color="#9ecae1",
            alpha=0.6,
            label="worlds 5-95%, each day (20:00; cleared: the day)",
        )
        ax.plot(t, d["median"], color="#3182bd", lw=1.2, label="worlds' median")
        p = points[points["series"] == s]
        at = pd.to_datetime(p["date"]) + pd.to_timedelta(12.0 if cleared else p["hour"], unit="h")
        ax.errorbar(
            at,
            p["median"],
            yerr=[p["median"] - p["q05"], p["q95"] - p["median"]],
            fmt="none",
            ecolor="#08519c",
            capsize=3,
            lw=1,
        )
        for (_, r), x in zip(p.iterrows(), at, strict=True):
            held = r["role"] == "held out"
            colour = "#d62728" if held else "#7f7f7f"
            face = colour if held else "white"
            lo, hi = r["published_low"], r["published_high"]
            if math.isinf(hi):
                ax.plot([x], [lo], marker="^", color=colour, mfc=face, ms=8)
            elif hi > lo:
                ax.plot([x, x], [lo, hi], color=colour, lw=3)
            else:
                ax.plot([x], [lo], marker="o", color=colour, mfc=face, ms=7)
        ax.set_title(_series_title(s), fontsize=9)
        ax.set_ylim(bottom=0)
        ax.xaxis.set_major_locator(mdates.AutoDateLocator(minticks=3, maxticks=8))
        ax.xaxis.set_major_formatter(mdates.DateFormatter("%d %b"))
        ax.tick_params(labelsize=8)
        ax.grid(alpha=0.3)
    handles = [
        plt.Line2D([], [], color="#d62728", marker="o", lw=0, label="published, held out"),
        plt.Line2D([], [], color="#7f7f7f", marker="o", mfc="white", lw=0, label="published, an input"),
        plt.Line2D([], [], color="#d62728", marker="^", lw=0, label="'over' a count"),
        plt.Line2D([], [], color="#08519c", lw=1, label="worlds 5-95% at the published hour"),
    ]
    h0, _ = axes[0, 0].get_legend_handles_labels()
    fig.legend(handles=h0 + handles, loc="lower center", ncol=3, fontsize=7, frameon=False)
    fig.suptitle(TITLES.get(period, period), fontsize=10)
    bottom = 0.9 / (2.2 * len(series) + 1.2)
    fig.tight_layout(rect=(0, bottom, 1, 0.97))
    fig.savefig(path, dpi=110)
    plt.close(fig)


def tables(scores: pd.DataFrame, points: pd.DataFrame, note: str) -> str:
    out = [
        "| period | held-out points | inside the 90% band | coverage | changes compared | "
        "mean abs error of the median's changes | published changes' mean size | worlds (failed) |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for _, r in scores.iterrows():
        out.append(
            f"| {r['period']} | {r['points_held_out']} | {r['inside_band']} | {r['coverage_90']:.2f} | "
            f"{r['changes']} | {_num(r['change_mae'])} | {_num(r['published_change_mean_abs'])} | "
            f"{r['worlds_ok']} ({r['worlds_failed']}) |"
        )
    out += [
        "",
        "| period | point | date, hour | place | counted | published | role | worlds 5% / median / 95% | inside |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for _, r in points.iterrows():
        hour = "day" if r["kind"] == "cleared" else f"{r['hour']:02.0f}:00 ({r['hour_rule']})"
        counted = f"{r['counted']} {r['kind']}" + (
            " (direction not stated)" if r["direction"] == "unstated" else ""
        )
        place = " + ".join(GATES.get(g, g) for g in str(r["place"]).split("+"))
        out.append(
            f"| {r['period']} | {r['point']} | {r['date']} {hour} | {place} | {counted} | "
            f"{r['published']} [{r['source']}] | {r['role']} | {_num(r['q05'])} / {_num(r['median'])} / "
            f"{_num(r['q95'])} | {'yes' if r['inside'] else 'no'} |"
        )
    if note:
        out += ["", note]
    return "\n".join(out)


def _replace(path: Path, start: str, end: str, body: str) -> None:
    text = path.read_text(encoding="utf-8")
    a, b = text.index(start) + len(start), text.index(end)
    path.write_text(text[:a] + "\n" + body.rstrip() + "\n" + text[b:], encoding="utf-8")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("out", type=Path, help="a `gatesim validate` output directory")
    ap.add_argument("--note", default="", help="a line under the tables (how it was run)")
    args = ap.parse_args()
    scores = pd.read_csv(args.out / "scores.csv")
    points = pd.read_csv(args.out / "points.csv")
    days = pd.read_csv(args.out / "days.csv")
    for period in scores["period"]:
        chart(
            period,
            points[points["period"] == period],
            days[days["period"] == period],
            IMG / f"validation_{period}.png",
        )
    _replace(VAL, "<!-- holdout:start -->", "<!-- holdout:end -->", tables(scores, points, args.note))


if __name__ == "__main__":
    main()
