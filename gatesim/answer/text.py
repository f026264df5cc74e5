"""The answer in words: per proposal and gate a headline sentence, a table in plain units, what the effect
depends on, the split and the measurement that would settle it. Used by the terminal and the page."""

from __future__ import annotations

import math

import pandas as pd

from gatesim.answer.analyse import ANSWER_KPIS, GateAnswer, ProposalAnswer
from gatesim.answer.unknowns import describe, measurement
from gatesim.answer.words import gate_name, kpi_label, kpi_unit, phrase, plain, signed
from gatesim.compare.verdict import BACKLOG_KPI

__all__ = ["answer_text", "headline", "sentences", "table_rows"]


def _row(g: GateAnswer, scope: str, kpi: str) -> dict | None:
    r = g.rows[(g.rows["scope"] == scope) & (g.rows["kpi"] == kpi)]
    return None if r.empty else r.iloc[0].to_dict()


def _verdict(r: dict | None, lang: str) -> str:
    return "-" if r is None else phrase("short:" + str(r["verdict"]), lang)


def _size(r: dict | None, lang: str) -> str:
    return phrase(str(r["size"]), lang) if r is not None and r.get("size") else "-"


def _range(r: dict | None, kpi: str, lang: str) -> str:
    if r is None or not r.get("worlds") or not isinstance(r.get("effect_p05"), float):
        return "-"
    u = kpi_unit(kpi)
    return phrase(
        "range",
        lang,
        low=signed(r["effect_p05"], u, lang),
        high=signed(r["effect_p95"], u, lang),
        median=signed(r["effect_median"], u, lang),
    )


def _of(r: dict | None, lang: str) -> str:
    """ "4 of 10" where worlds were left out (saturated), else "10"."""
    if r is None:
        return "0"
    n, out = int(r.get("worlds") or 0), int(r.get("worlds_left_out") or 0)
    return f"{n} {'trong' if lang == 'vi' else 'of'} {n + out}" if out else str(n)


def headline(p: ProposalAnswer, g: GateAnswer, lang: str, names: dict[str, str] | None = None) -> str:
    """The sentence a planner quotes: the mean wait (the queue's growth where the calibrated baseline
    is saturated) in the calibrated baseline and across worlds."""
    kpi = BACKLOG_KPI if g.saturated_base else "wait_mean_h"
    one, many = _row(g, "baseline", kpi), _row(g, "worlds", kpi)
    u = kpi_unit(kpi)
    if one is not None and one.get("worlds"):
        change = phrase(
            "on", lang, effect=signed(one["effect_median"], u, lang), base=plain(one["base_median"], u, lang)
        )
    else:
        change = "-"
    label = kpi_label(kpi, lang)
    return phrase(
        "headline",
        lang,
        kpi=label[0].upper() + label[1:],
        gate=gate_name(g.gate, names),
        change=change,
        size=_size(one, lang),
        verdict=_verdict(one, lang),
        n=_of(many, lang),
        range=_range(many, kpi, lang),
    )


def table_rows(g: GateAnswer, lang: str) -> list[list[str]]:
    """Header + one row per answered KPI: base, effect, size, verdict (calibrated); range, verdict (worlds)."""
    head = [
        phrase("figure", lang),
        f"{phrase('base_level', lang)} ({phrase('one_world', lang)})",
        phrase("effect", lang),
        phrase("size", lang),
        phrase("verdict", lang),
        phrase("worlds", lang, n=int(g.rows.loc[g.rows["scope"] == "worlds", "worlds"].max() or 0)),
        f"{phrase('verdict', lang)} ({phrase('size', lang)})",
    ]
    out = [head]
    for kpi in ANSWER_KPIS:
        one, many = _row(g, "baseline", kpi), _row(g, "worlds", kpi)
        if one is None and many is None:
            continue
        u = kpi_unit(kpi)
        base = plain(one["base_median"], u, lang) if one is not None and one.get("worlds") else "-"
        eff = signed(one["effect_median"], u, lang) if one is not None and one.get("worlds") else "-"
        out.append([kpi_label(kpi, lang), base, eff, _size(one, lang), _verdict(one, lang),
                    _range(many, kpi, lang), _verdict(many, lang) + (f" ({_size(many, lang)})" if _size(many, lang) != "-" else "")])  # fmt: skip
    return out


def _sentences(g: GateAnswer, lang: str, names: dict[str, str] | None) -> list[str]:
    out = []
    u = kpi_unit(g.lead_kpi)
    if g.saturated_base:
        one = _row(g, "baseline", BACKLOG_KPI) or {}
        out.append(
            phrase(
                "saturated_base", lang, gate=gate_name(g.gate, names),
                growth=plain(float(one.get("base_median", math.nan)), "trucks", lang),
                change=signed(float(one.get("effect_median", math.nan)), "trucks/day", lang),
            )
        )  # fmt: skip
    if g.split is not None:
        cond = " & ".join(c.words(lang) for c in g.split.cuts)
        out.append(
            phrase(
                "split", lang, kpi=kpi_label(g.lead_kpi, lang), big=signed(g.split.inside_mean, u, lang), cond=cond,
                small="\u2248 0",  # a split is said only where the other side is negligible
            )
        )  # fmt: skip
    for t in g.tails:
        tu = kpi_unit(t["kpi"])
        out.append(
            phrase(
                "tail", lang, k=t["k"], n=t["n"], kpi=kpi_label(t["kpi"], lang), ids=", ".join(map(str, t["worlds"][:5])),
                span=_span(t["low"], t["high"], tu, lang),
            )
        )  # fmt: skip
    real = isinstance(g.shares, pd.DataFrame) and not g.shares.empty and g.shares.iloc[0]["chance_p"] < 0.05
    if real and g.shares.iloc[0]["share"] >= 0.2:
        top = g.shares.iloc[0]
        out.append(
            phrase(
                "depends",
                lang,
                kpi=kpi_label(g.lead_kpi, lang),
                unknown=describe(str(top["unknown"]), lang),
                share=float(top["share"]),
            )
        )
        out.append(phrase("settle", lang, measure=measurement(str(top["unknown"]), lang)))
    elif isinstance(g.shares, pd.DataFrame) and not g.shares.empty:
        n = int(g.rows.loc[g.rows["scope"] == "worlds", "worlds"].max() or 0)
        out.append(phrase("depends_none", lang, n=n))
    if g.worlds_left_out:
        total = int(g.rows.loc[g.rows["scope"] == "worlds", ["worlds", "worlds_left_out"]].sum(axis=1).max())
        out.append(phrase("left_out", lang, n=g.worlds_left_out, total=total, gate=gate_name(g.gate, names)))
    return out


def _span(low: float, high: float, unit: str, lang: str) -> str:
    a, b = signed(low, unit, lang), signed(high, unit, lang)
    return a if a == b else (f"từ {a} đến {b}" if lang == "vi" else f"{a} to {b}")


def _table(rows: list[list[str]]) -> list[str]:
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    return ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip() for r in rows]


def gate_lines(p: ProposalAnswer, g: GateAnswer, lang: str, names: dict[str, str] | None = None) -> list[str]:
    return [
        headline(p, g, lang, names),
        *["  " + s for s in _table(table_rows(g, lang))],
        *_sentences(g, lang, names),
    ]


def sentences(g: GateAnswer, lang: str, names: dict[str, str] | None = None) -> list[str]:
    return _sentences(g, lang, names)


def answer_text(answers: list[ProposalAnswer], lang: str = "en", names: dict[str, str] | None = None) -> str:
    """The whole answer as terminal text (no timing, no path: the same inputs give the same text)."""
    lines: list[str] = []
    for p in answers:
        if lines:
            lines.append("")
        lines.append(f"{phrase('title', lang, proposal=p.name)} ({phrase('against', lang, base=p.base)})")
        if p.context:
            ctx = ", ".join(sorted({c.split(".")[0] for c in p.context}))
            lines.append(phrase("paired_with", lang, base=p.base, context=ctx))
        for g in p.gates:
            lines.append("")
            lines += gate_lines(p, g, lang, names)
        if p.untouched:
            lines.append("")
            lines.append(phrase("untouched", lang, gates=", ".join(gate_name(x, names) for x in p.untouched)))
    return "\n".join(lines)
