"""The app's pages for answers: the form that starts ``gatesim answer``, its progress, the answer
itself (the page the CLI writes, framed), and the answers' table beside the runs."""

from __future__ import annotations

import html
from typing import TYPE_CHECKING
from urllib.parse import urlencode

from gatesim.app.catalog import list_scenarios
from gatesim.app.labels import label
from gatesim.app.pages import error_line, page

if TYPE_CHECKING:
    from gatesim.app.jobs import Job
    from gatesim.limits import Limit

__all__ = ["about", "answer_form_page", "answer_job_part", "answer_view_page", "answers_table"]


def _e(text: object) -> str:
    return html.escape(str(text))


def _options(items: list[tuple[str, str]], chosen: str) -> str:
    return "".join(
        f'<option value="{_e(stem)}"{" selected" if stem == chosen else ""}>{_e(name)}</option>'
        for stem, name in items
    )


def answer_form_page(
    proposals: list[tuple[str, str]],
    bases: list[tuple[str, str]],
    sizes: list[tuple[str, int, Limit]],
    lang: str,
    asked: dict[str, str] | None = None,
) -> str:
    """``sizes``: (key, default, limit) of --worlds, --days, --replications; ``asked``: values to
    start from (an earlier answer's), each used only where it is one of the choices or a number."""
    asked = asked or {}
    chosen = asked.get("proposal") if asked.get("proposal") in dict(proposals) else None
    chosen = chosen or (proposals[0][0] if proposals else "")
    base = asked.get("base") if asked.get("base") in dict(bases + proposals) else None
    base = base or (bases[0][0] if bases else "")
    number_rows = "".join(
        f'<tr><td><label for="f-{key}">{_e(label(key, lang))}</label></td>'
        f'<td><input type="number" name="{key}" id="f-{key}" value="{_number(asked.get(key), default)}" step="1" '
        f'min="{int(lim.low)}" max="{int(lim.high)}"></td>'
        f"<td>{int(lim.low)}–{int(lim.high)}</td><td class=muted>{_e(label(key + '_help', lang))}</td></tr>"
        for key, default, lim in sizes
    )
    body = f"""<p>{_e(label("answer_intro", lang))}</p>
<form id="answer-form" hx-post="/answer?lang={lang}" hx-target="#result" hx-swap="innerHTML" novalidate>
<input type="hidden" name="lang" value="{lang}">
<table><tbody>
<tr><td><label for="proposal">{_e(label("proposal", lang))}</label></td>
<td colspan="3"><select name="proposal" id="proposal" hx-get="/answer/about" hx-trigger="change"
 hx-target="#about">{_options(proposals, chosen)}</select><div id="about" class="muted">{about(chosen)}</div></td></tr>
<tr><td><label for="base">{_e(label("base", lang))}</label></td>
<td colspan="3"><select name="base" id="base">{_options(bases + proposals, base)}</select></td></tr>
{number_rows}</tbody></table>
<button type="submit" id="answer">{_e(label("answer_go", lang))}</button></form>
<div id="result"></div>"""
    return page(label("answer_title", lang), body, lang)


def about(stem: str) -> str:
    """A shipped scenario's description (escaped), or nothing."""
    return next((_e(desc) for s, _, desc in list_scenarios() if s == stem), "")


def _duration(seconds: float, lang: str) -> str:
    if seconds < 90:
        return f"{max(5, round(seconds / 5) * 5):.0f} s"
    return f"{seconds / 60:.0f} {'phút' if lang == 'vi' else 'min'}"


def _number(given: str | None, default: int) -> str:
    return given if given and given.isdigit() and len(given) < 7 else str(default)


def answer_job_part(job: Job, lang: str) -> str:
    """An answer's progress: what it is doing and the runs done of the total; asked again every second."""
    p = job.progress
    if job.status == "running":
        phase = p.get("phase", "plan")
        where = label(f"answer_{phase}", lang)
        if p.get("runs_total") and phase != "analyse":
            where = f"{label('answer_runs', lang)} {p.get('runs_done', 0)}/{p['runs_total']}"
            left = job.seconds_left
            if left is not None:
                where += f", {label('about_left', lang).format(time=_duration(left, lang))}"
        return (
            f'<div id="job" data-status="running" hx-get="/jobs/{job.id}?lang={lang}" hx-trigger="every 1s" '
            f'hx-swap="outerHTML"><p>{_e(label("answering", lang))}: <b>{_e(job.scenario)}</b> '
            f'<span class="muted">({_e(job.folder)})</span></p>'
            f'<progress id="progress" max="1" value="{job.fraction:.3f}"></progress> '
            f'<span id="where">{_e(where)}</span> '
            f'<button id="cancel" hx-post="/jobs/{job.id}/cancel?lang={lang}" hx-target="#job" hx-swap="outerHTML">'
            f"{_e(label('cancel', lang))}</button></div>"
        )
    if job.status == "done":
        # the runs made stay in view: a small answer can end between two polls of the page
        made = ""
        if p.get("runs_total"):
            made = f' <span id="where">{_e(label("answer_runs", lang))} {p.get("runs_done", p["runs_total"])}/{p["runs_total"]}</span>'
        return (
            f'<div id="job" data-status="done"><p>{_e(label("done", lang))}: <b>{_e(job.folder)}</b>{made}</p>'
            f'<p><a id="open-answer" href="/answers/{_e(job.folder)}?lang={lang}">'
            f"{_e(label('open_answer', lang))}</a></p></div>"
        )
    if job.status == "cancelled":
        return f'<div id="job" data-status="cancelled"><p>{_e(label("cancelled", lang))}</p></div>'
    return f'<div id="job" data-status="error"><p>{_e(label("answer_failed", lang))}</p>{error_line(job.error)}</div>'


def answer_view_page(answer: dict, files_url: str, lang: str) -> str:
    """An answer: its verdict lines, its files, and the page ``gatesim answer`` wrote (framed)."""
    verdicts = "".join(f'<p class="verdict">{_e(v)}</p>' for v in answer["verdicts"])
    written_in = ""
    if answer["lang"] != lang:
        written_in = f'<p class="muted">{_e(label("written_in_" + answer["lang"], lang))}'
        if answer["request"]:  # the same question again in this language: its runs are reused
            query = urlencode({**answer["request"], "lang": lang})
            written_in += f' <a id="again" href="/answer?{_e(query)}">{_e(label("again", lang))}</a>'
        written_in += "</p>"
    links = " · ".join(
        f'<a id="{i}" href="{files_url}/{name}">{_e(text)}</a>'
        for i, name, text in (
            ("answer-link", "answer.html", label("answer_page", lang)),
            ("text-link", "answer.txt", "answer.txt"),
            ("verdicts-link", "verdicts.csv", "verdicts.csv"),
            ("effects-link", "effects_by_world.csv", "effects_by_world.csv"),
        )
    )
    body = (
        f'<p class="muted">{_e(answer["against"])} · {_e(label("answer_size", lang))}: {_e(answer["size"])} · '
        f"{_e(answer['date'])} UTC</p>{written_in}{verdicts}<p>{links}</p>"
        f'<iframe id="answer-frame" src="{files_url}/answer.html" title="answer"></iframe>'
    )
    return page(f"{label('answer_of', lang)}: {answer['title']}", body, lang)


def answers_table(answers: list[dict], lang: str) -> str:
    """The answers in the runs folder, newest first: each links to its page."""
    if not answers:
        return f'<h2>{_e(label("answers", lang))}</h2><p class="muted">{_e(label("no_answers", lang))}</p>'
    head = "".join(f"<th>{_e(label(k, lang))}</th>" for k in ("proposal", "date", "answer_size", "verdict"))
    rows = "".join(
        f'<tr><td><a href="/answers/{_e(a["folder"])}?lang={lang}" id="answer-{_e(a["folder"])}">{_e(a["title"])}</a>'
        f'<br><span class="muted">{_e(a["against"])}</span></td><td>{_e(a["date"])}</td><td>{_e(a["size"])}</td>'
        f"<td>{_e(a['verdicts'][0] if a['verdicts'] else label('no_verdict', lang))}</td></tr>"
        for a in answers
    )
    return (
        f'<h2>{_e(label("answers", lang))}</h2><table id="answers"><thead><tr>{head}</tr></thead>'
        f"<tbody>{rows}</tbody></table>"
    )
