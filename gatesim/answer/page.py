"""The answer as one self-contained HTML page: the verdict first, the details folded.

No script, no external file, no machine path: inputs are named by their file
names only, so the page can be mailed as it is. Tables scroll inside their
box on a narrow window instead of widening the page.
"""

from __future__ import annotations

import html

import pandas as pd

from gatesim.answer.analyse import GateAnswer, ProposalAnswer
from gatesim.answer.text import headline, sentences, table_rows
from gatesim.answer.unknowns import describe, measurement
from gatesim.answer.words import gate_name, kpi_label, kpi_unit, phrase, plain, signed

__all__ = ["answer_page"]

_CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0 auto;max-width:70rem;
padding:1rem 1.25rem;color:#1b1b1b;line-height:1.45;font-size:16px}
h1{font-size:1.5rem;margin:.2rem 0 .4rem} h2{font-size:1.2rem;margin:1.4rem 0 .4rem}
h3{font-size:1.05rem;margin:1rem 0 .3rem}
.verdict{font-size:1.1rem;background:#eef4fb;border-left:4px solid #2b6cb0;padding:.5rem .8rem;margin:.4rem 0}
.box{overflow-x:auto;max-width:100%} table{border-collapse:collapse;font-size:.95rem}
th,td{border-bottom:1px solid #ddd;padding:.25rem .5rem;text-align:left;vertical-align:top}
th{background:#f5f5f5} p{margin:.3rem 0} details{margin:1.2rem 0} summary{cursor:pointer;font-weight:600}
.muted{color:#555;font-size:.9rem}
"""


def _e(x: object) -> str:
    return html.escape(str(x))


def _table(rows: list[list[str]]) -> str:
    head = "".join(f"<th>{_e(c)}</th>" for c in rows[0])
    body = "".join("<tr>" + "".join(f"<td>{_e(c)}</td>" for c in r) + "</tr>" for r in rows[1:])
    return f'<div class="box"><table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table></div>'


def _ranking(g: GateAnswer, lang: str) -> str:
    if not isinstance(g.shares, pd.DataFrame) or g.shares.empty:
        return ""
    rows = [[phrase("unknown", lang), phrase("share", lang), phrase("measure", lang)]]
    for r in g.shares.head(5).itertuples():
        rows.append(
            [describe(str(r.unknown), lang), f"{float(r.share):.0%}", measurement(str(r.unknown), lang)]
        )
    chance = phrase("chance", lang, p=float(g.shares.iloc[0]["chance_p"]))
    return f"<p class='muted'>{_e(phrase('settle_rank', lang))} ({_e(chance)}):</p>" + _table(rows)


def _delay(g: GateAnswer, lang: str) -> str:
    if g.delay.empty:
        return ""
    rows = [[phrase("figure", lang), phrase("base_level", lang), phrase("effect", lang)]]
    for r in g.delay.itertuples():
        rows.append([kpi_label(str(r.kpi), lang), plain(float(r.base_mean), "VND", lang),
                     signed(float(r.effect), "VND", lang)])  # fmt: skip
    return _table(rows)


def _stats(rows: pd.DataFrame, names: dict[str, str] | None, lang: str) -> str:
    out = [["scope", "proposal", "gate", phrase("figure", lang), "worlds", "left out", "median",
            "5%", "95%", "p", "q (BH)", phrase("verdict", lang), phrase("size", lang)]]  # fmt: skip
    for r in rows.to_dict("records"):
        u = kpi_unit(str(r["kpi"]))

        def v(key: str, r: dict = r, u: str = u) -> str:
            x = r.get(key)
            return signed(float(x), u, lang) if isinstance(x, float) else "-"

        def pv(key: str, r: dict = r) -> str:
            x = r.get(key)
            return f"{x:.3g}" if isinstance(x, float) and x == x else "-"

        out.append([r["scope"], r["proposal"], gate_name(str(r["gate"]), names), kpi_label(str(r["kpi"]), lang),
                    str(r.get("worlds", "")), str(r.get("worlds_left_out", "")), v("effect_median"), v("effect_p05"),
                    v("effect_p95"), pv("p_value"), pv("p_value_adj"), phrase(str(r["verdict"]), lang),
                    phrase(str(r["size"]), lang) if r.get("size") else "-"])  # fmt: skip
    return _table(out)


def answer_page(
    answers: list[ProposalAnswer],
    rows: pd.DataFrame,
    method: str,
    lang: str = "en",
    names: dict[str, str] | None = None,
    title: str = "",
) -> str:
    """The HTML text of the page (``method``: the method paragraph, already in ``lang``)."""
    parts = [f"<!doctype html><html lang='{lang}'><head><meta charset='utf-8'>",
             "<meta name='viewport' content='width=device-width,initial-scale=1'>",
             f"<title>{_e(title or 'gatesim answer')}</title><style>{_CSS}</style></head><body>"]  # fmt: skip
    details = []
    if len(answers) > 1:  # every verdict first, within the first screen; the detail of each below
        parts.append(f"<h1>{_e(phrase('title_many', lang))}</h1>")
        for p in answers:
            lines = [headline(p, g, lang, names) for g in p.gates] or [phrase("untouched_all", lang)]
            parts += [f"<p class='verdict'><b>{_e(p.name)}</b> ({_e(phrase('against', lang, base=p.base))}): "
                      f"{_e(line)}</p>" for line in lines]  # fmt: skip
    for p in answers:
        if len(answers) > 1:
            parts.append(f"<h2>{_e(phrase('title', lang, proposal=p.name))}</h2>")
        else:
            parts.append(f"<h1>{_e(phrase('title', lang, proposal=p.name))}</h1>")
            parts.append(f"<p class='muted'>{_e(phrase('against', lang, base=p.base))}</p>")
            parts += [f"<p class='verdict'>{_e(headline(p, g, lang, names))}</p>" for g in p.gates]
        if p.context:
            ctx = ", ".join(sorted({c.split(".")[0] for c in p.context}))
            parts.append(f"<p>{_e(phrase('paired_with', lang, base=p.base, context=ctx))}</p>")
        for g in p.gates:
            parts.append(f"<h3>{_e(phrase('at_gate', lang, gate=gate_name(g.gate, names)))}</h3>")
            parts.append(_table(table_rows(g, lang)))
            parts += [f"<p>{_e(s)}</p>" for s in sentences(g, lang, names)]
            parts.append(_ranking(g, lang))
            delay = _delay(g, lang)
            if delay:
                details.append(f"<h3>{_e(p.name)} — {_e(gate_name(g.gate, names))}</h3>{delay}")
        if p.untouched:
            who = ", ".join(gate_name(x, names) for x in p.untouched)
            parts.append(f"<p class='muted'>{_e(phrase('untouched', lang, gates=who))}</p>")
    parts.append(f"<details><summary>{_e(phrase('details', lang))}</summary>")
    if details:
        parts.append(f"<h2>{_e(phrase('delay_parts', lang))}</h2>" + "".join(details))
    parts.append(f"<h2>{_e(phrase('method', lang))}</h2><p>{_e(method)}</p>")
    parts.append(f"<h2>{_e(phrase('all_rows', lang))}</h2>{_stats(rows, names, lang)}")
    parts.append("</details></body></html>")
    return "\n".join(parts)
