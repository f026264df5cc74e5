"""The app's HTML: a page frame and its parts, every text escaped."""

from __future__ import annotations

import html
from pathlib import Path
from typing import TYPE_CHECKING

from gatesim.app.labels import label

if TYPE_CHECKING:
    import pandas as pd

    from gatesim.app.form import FormField
    from gatesim.app.jobs import Job
__all__ = ["error_line", "form_page", "job_part", "page", "run_page", "runs_page", "scenarios_page"]

_CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,"DejaVu Sans",sans-serif;margin:0;color:#222;line-height:1.4}
header{background:#1a237e;color:#fff;padding:.5em 1em;display:flex;gap:1.5em;align-items:center;flex-wrap:wrap}
header a{color:#fff;text-decoration:none;font-weight:600}header .lang{margin-left:auto;font-weight:400}
main{max-width:1150px;margin:1em auto;padding:0 1em}h1{font-size:1.35em}h2{font-size:1.1em;margin-top:1.5em}
table{border-collapse:collapse;font-size:.88em;margin:.5em 0 1em}th,td{border:1px solid #ddd;padding:.25em .5em;text-align:left}
th{background:#f3f3f3}td.n{text-align:right}input[type=number],input[type=text]{width:9em;font:inherit}
.error{color:#b71c1c;background:#fdecea;border-left:4px solid #b71c1c;padding:.4em .7em;font-family:monospace}
.muted{color:#666;font-size:.88em}button{font:inherit;padding:.3em 1em}progress{width:30em;height:1.2em}
iframe{width:100%;height:900px;border:1px solid #ddd}ul.cards{list-style:none;padding:0}
ul.cards li{margin:.4em 0;padding:.4em .6em;border:1px solid #e3e3e3;border-radius:4px}
.verdict{background:#eef4fb;border-left:4px solid #2b6cb0;padding:.4em .7em;margin:.4em 0}select{font:inherit;max-width:40em}
"""


def _e(text: object) -> str:
    return html.escape(str(text))


def page(title: str, body: str, lang: str) -> str:
    other = "vi" if lang == "en" else "en"
    nav = (
        f'<a href="/?lang={lang}">{_e(label("home", lang))}</a>'
        f'<a href="/answer?lang={lang}" id="nav-answer">{_e(label("answer_nav", lang))}</a>'
        f'<a href="/runs?lang={lang}">{_e(label("runs", lang))}</a>'
        f'<a class="lang" id="lang" href="?lang={other}">{_e(label("language", lang))}</a>'
    )
    return f"""<!DOCTYPE html>
<html lang="{lang}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{_e(title)}</title><link rel="icon" href="data:,"><style>{_CSS}</style>
<script src="/static/htmx.min.js"></script></head>
<body><header><span>{_e(label("app", lang))}</span>{nav}</header><main><h1>{_e(title)}</h1>{body}</main></body></html>"""


def scenarios_page(
    items: list[tuple[str, str, str]], lang: str, answerable: frozenset[str] = frozenset()
) -> str:
    """``items``: (file stem, scenario name, description); ``answerable``: the stems of the
    proposals the app can answer (each gets a link to answer it)."""

    def answer(stem: str) -> str:
        if stem not in answerable:
            return ""
        return (
            f' · <a href="/answer?proposal={_e(stem)}&amp;lang={lang}" id="answer-{_e(stem)}">'
            f"{_e(label('answer_it', lang))}</a>"
        )

    lis = "".join(
        f'<li><a href="/new/{_e(stem)}?lang={lang}" id="pick-{_e(stem)}"><b>{_e(name)}</b></a> '
        f'<span class="muted">{_e(stem)}.yaml</span>{answer(stem)}<br>{_e(desc)}</li>'
        for stem, name, desc in items
    )
    return page(label("pick", lang), f'<ul class="cards">{lis}</ul>', lang)


def _range(f: FormField) -> str:
    def num(x: float) -> str:
        return str(int(x)) if f.integer and abs(x) < 1e15 else f"{x:g}"

    low = "" if f.low is None else ("> " if f.low_open else "≥ ") + num(f.low)
    high = "" if f.high is None or f.high > 1e15 else "≤ " + num(f.high)
    return ", ".join(p for p in (low, high) if p)


def form_page(stem: str, name: str, fields: list[FormField], gates: dict[str, str], lang: str) -> str:
    rows, current = [], None
    for f in fields:
        group = gates.get(f.gate, f.gate) if f.gate else label("scenario_wide", lang)
        if group != current:
            rows.append(f'<tr><th colspan="5">{_e(group)}</th></tr>')
            current = group
        attrs = f'step="{1 if f.integer else "any"}"'
        attrs += "" if f.low is None else f' min="{f.low:g}"'
        attrs += "" if f.high is None or f.high > 1e15 else f' max="{f.high:g}"'
        # the app's words for the run settings and for keys the schema leaves undescribed
        tail = ".".join(f.key.split(".")[-2:])
        help_text = next((label(k, lang) for k in (f.key, tail) if label(k, lang) != k), f.help)
        rows.append(
            f"<tr><td><code>{_e(f.key)}</code></td>"
            f'<td><input type="number" name="{_e(f.key)}" id="f-{_e(f.key)}" value="{_e(f.value)}" {attrs}></td>'
            f"<td>{_e(f.unit)}</td><td>{_e(_range(f))}</td><td class=muted>{_e(help_text)}</td></tr>"
        )
    head = "".join(f"<th>{_e(label(k, lang))}</th>" for k in ("field", "value", "unit", "range", "help"))
    body = f"""<p class="muted">{_e(stem)}.yaml</p>
<form id="run-form" hx-post="/run?lang={lang}" hx-target="#result" hx-swap="innerHTML" novalidate>
<input type="hidden" name="scenario" value="{_e(stem)}">
<h2>{_e(label("parameters", lang))}</h2>
<table><thead><tr>{head}</tr></thead><tbody>{"".join(rows)}</tbody></table>
<button type="submit" id="run">{_e(label("run", lang))}</button></form>
<div id="result"></div>"""
    return page(f"{label('edit_run', lang)}: {name}", body, lang)


def error_line(text: str) -> str:
    return f'<p class="error" id="error">{_e(text)}</p>'


def job_part(job: Job, lang: str) -> str:
    """The progress of a run; it asks again every second while the run goes on."""
    p = job.progress
    if job.status == "running":
        where = (
            f"{label('replication', lang)} {p.get('rep', 0) + 1}/{p.get('reps', '?')}, "
            f"{label('day', lang)} {p.get('day', 0)}/{p.get('days', '?')}"
            if p
            else "…"
        )
        if p.get("phase") == "report":  # the days simulated stay in view: a short run's last step
            where = (
                f"{where}; {label('writing_report', lang)}" if "day" in p else label("writing_report", lang)
            )
        return (
            f'<div id="job" data-status="running" hx-get="/jobs/{job.id}?lang={lang}" hx-trigger="every 1s" '
            f'hx-swap="outerHTML"><p>{_e(label("running", lang))}: <b>{_e(job.folder)}</b></p>'
            f'<progress id="progress" max="1" value="{job.fraction:.3f}"></progress> <span id="where">{_e(where)}</span> '
            f'<button id="cancel" hx-post="/jobs/{job.id}/cancel?lang={lang}" hx-target="#job" hx-swap="outerHTML">'
            f"{_e(label('cancel', lang))}</button></div>"
        )
    if job.status == "done":
        base = f"/files/{job.folder}"
        return (
            f'<div id="job" data-status="done"><p>{_e(label("done", lang))}: <b>{_e(job.folder)}</b></p><p>'
            f'<a id="open-run" href="/runs/{_e(job.folder)}?lang={lang}">{_e(label("open_run", lang))}</a> · '
            f'<a href="{base}/report.html">{_e(label("report", lang))}</a> · '
            f'<a href="{base}/map.html">{_e(label("map", lang))}</a></p></div>'
        )
    if job.status == "cancelled":
        return f'<div id="job" data-status="cancelled"><p>{_e(label("cancelled", lang))}</p></div>'
    return (
        f'<div id="job" data-status="error"><p>{_e(label("failed", lang))}</p>{error_line(job.error)}</div>'
    )


def runs_page(runs: list[dict], folder: Path, lang: str, message: str = "", beside: str = "") -> str:
    """The runs to browse and compare; ``beside``: HTML shown under them (the answers)."""
    if not runs:
        return page(label("runs", lang), f"<p>{_e(label('no_runs', lang))}</p>{beside}", lang)
    head = "".join(
        f"<th>{_e(label(k, lang))}</th>"
        for k in ("compare", "base", "scenario", "date", "size", "crossings", "wait", "queue")
    )
    rows = []
    for r in runs:
        rows.append(
            f'<tr><td><input type="checkbox" name="run" value="{_e(r["folder"])}" id="pick-{_e(r["folder"])}"></td>'
            f'<td><input type="radio" name="base" value="{_e(r["folder"])}" id="base-{_e(r["folder"])}"></td>'
            f'<td><a href="/runs/{_e(r["folder"])}?lang={lang}">{_e(r["folder"])}</a><br>'
            f'<span class="muted">{_e(r["scenario"])}</span></td><td>{_e(r["date"])}</td><td>{_e(r["size"])}</td>'
            f'<td class="n">{_e(r["crossings"])}</td><td class="n">{_e(r["wait"])}</td><td class="n">{_e(r["queue"])}</td></tr>'
        )
    body = (
        f'<p class="muted">{_e(label("in_folder", lang))}: {_e(folder)}</p>{error_line(message) if message else ""}'
        f'<form action="/compare" method="get"><input type="hidden" name="lang" value="{lang}">'
        f"<p>{_e(label('compare_pick', lang))}</p><table><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"
        f'<button type="submit" id="compare">{_e(label("compare_go", lang))}</button></form>{beside}'
    )
    return page(label("runs", lang), body, lang)


def run_page(folder: str, manifest: dict, headline: pd.DataFrame, lang: str) -> str:
    base = f"/files/{folder}"
    facts = (
        f"<p>{_e(label('scenario', lang))}: <b>{_e(manifest.get('scenario', '?'))}</b> · "
        f"{_e(manifest.get('days', '?'))} × {_e(manifest.get('replications', '?'))} · seed {_e(manifest.get('seed', '?'))} · "
        f"{_e(manifest.get('finished_utc', ''))}</p>"
        f'<p><a id="report-link" href="{base}/report.html">{_e(label("report", lang))}</a> · '
        f'<a id="map-link" href="{base}/map.html">{_e(label("map", lang))}</a></p>'
    )
    names = {c: label(c, lang) for c in headline.columns}
    table = headline.rename(columns=names).to_html(
        index=False, border=0, float_format=lambda x: f"{x:,.2f}", escape=True
    )
    body = f'{facts}<h2>{_e(label("headline", lang))}</h2>{table}<h2>{_e(label("map", lang))}</h2><iframe id="map-frame" src="{base}/map.html?lang={lang}" title="map"></iframe>'
    return page(folder, body, lang)
