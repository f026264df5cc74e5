"""The app's routes (FastAPI). Every page is HTML made here; htmx (served from the package,
gatesim/app/static/) swaps the run's progress in place. Files are served from the runs
folder only, through gatesim.app.safety."""

from __future__ import annotations

import hashlib
from contextlib import asynccontextmanager
from pathlib import Path
from urllib.parse import urlsplit

from fastapi import FastAPI, Request
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles

from gatesim.app import answer_pages, answers, catalog, pages
from gatesim.app.form import main_fields, overrides_from
from gatesim.app.jobs import Jobs
from gatesim.app.labels import label
from gatesim.app.safety import PathRefused, inside, safe_name
from gatesim.errors import InputError, bad_input_line

__all__ = ["LOCAL_NAMES", "create_app"]

STATIC = Path(__file__).resolve().parent / "static"
MAX_COMPARED = 4


def _lang(request: Request) -> str:
    asked = request.query_params.get("lang") or request.cookies.get("lang") or "en"
    return "vi" if asked == "vi" else "en"


def _html(text: str, lang: str, status: int = 200) -> HTMLResponse:
    response = HTMLResponse(text, status_code=status)
    response.set_cookie("lang", lang, samesite="strict")
    return response


def _refused(lang: str) -> HTMLResponse:
    return _html(pages.page(label("refused", lang), "", lang), lang, 404)


LOCAL_NAMES = frozenset({"127.0.0.1", "localhost", "::1"})


def _host_name(netloc: str) -> str:
    """``host`` of ``host:port`` or ``[v6]:port``."""
    if netloc.startswith("["):
        return netloc[1:].split("]", 1)[0]
    return netloc.rsplit(":", 1)[0] if netloc.count(":") == 1 else netloc


def create_app(runs_dir: Path, hosts: frozenset[str] | None = LOCAL_NAMES) -> FastAPI:  # noqa: C901 - one closure per route
    """The app over ``runs_dir``. ``hosts``: the names a request may address it by (``Host``
    header; None: any): a page elsewhere that resolves its own name to 127.0.0.1 reaches
    nothing. A form sent from another site's page (its ``Origin``) is refused too."""
    runs_dir = Path(runs_dir).resolve()
    runs_dir.mkdir(parents=True, exist_ok=True)
    jobs = Jobs(runs_dir)

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        yield
        jobs.shutdown()  # no worker outlives the app

    app = FastAPI(lifespan=lifespan, docs_url=None, redoc_url=None, openapi_url=None)
    app.state.jobs = jobs

    @app.middleware("http")
    async def same_site(request: Request, call_next):
        host = request.headers.get("host", "")
        if hosts is not None and _host_name(host) not in hosts:
            return Response("gatesim app: refused: addressed by another name", status_code=403)
        origin = request.headers.get("origin")
        if request.method != "GET" and origin and origin != "null" and urlsplit(origin).netloc != host:
            return Response("gatesim app: refused: a form from another site", status_code=403)
        return await call_next(request)

    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    catalog.list_scenarios()  # read once before the first request: the first page answers at once

    def beside(lang: str) -> str:
        return answer_pages.answers_table(answers.list_answers(runs_dir), lang)

    def part(job, lang: str) -> str:
        return answer_pages.answer_job_part(job, lang) if job.kind == "answer" else pages.job_part(job, lang)

    @app.get("/favicon.ico")
    def favicon():  # report pages name no icon: the browser asks; no icon, and no error logged
        return Response(status_code=204)

    @app.get("/", response_class=HTMLResponse)
    def home(request: Request):
        lang = _lang(request)
        proposals = frozenset(stem for stem, _ in answers.answerable()[0])
        return _html(pages.scenarios_page(catalog.list_scenarios(), lang, proposals), lang)

    @app.get("/answer/about", response_class=HTMLResponse)
    def about(request: Request):  # the chosen proposal's description, under the form's choice
        lang = _lang(request)
        return _html(answer_pages.about(request.query_params.get("proposal", "")), lang)

    def _scenario(stem: str):
        from gatesim.scenario.load import load_scenario

        path = catalog.scenario_path(stem)
        if path is None:
            return None, None
        return path, load_scenario(path)[0]

    @app.get("/new/{stem}", response_class=HTMLResponse)
    def new(stem: str, request: Request):
        lang = _lang(request)
        path, scenario = _scenario(stem)
        if scenario is None:
            return _html(pages.page(label("not_found", lang), "", lang), lang, 404)
        names = {gid: g.name for gid, g in scenario.gates.items()}
        return _html(pages.form_page(stem, scenario.name, main_fields(scenario), names, lang), lang)

    @app.post("/run", response_class=HTMLResponse)
    async def start_run(request: Request):
        # async: the worker is started from the server's main thread, whose end it follows
        from gatesim.naming import set_name
        from gatesim.scenario.load import load_scenario

        lang = _lang(request)
        form = {k: str(v) for k, v in (await request.form()).items()}
        path, scenario = _scenario(form.get("scenario", ""))
        if scenario is None:
            return _html(pages.error_line("gatesim: error: no such scenario"), lang)
        overrides = overrides_from(main_fields(scenario), form)
        try:
            checked, _ = load_scenario(path, overrides)  # the CLI's checks, the CLI's one line
            from gatesim.limits import DAYS, REPLICATIONS

            DAYS.check("run.days", checked.run.days)
            REPLICATIONS.check("run.replications", checked.run.replications)
        except InputError as e:
            return _html(pages.error_line(bad_input_line(e)), lang)
        job = jobs.start(path, set_name(scenario.name, overrides), overrides)
        return _html(pages.job_part(job, lang), lang)

    @app.get("/jobs/{job_id}", response_class=HTMLResponse)
    def job_state(job_id: str, request: Request):
        lang = _lang(request)
        job = jobs.get(job_id)
        if job is None:
            return _html(pages.error_line("gatesim: error: no such run in progress"), lang, 404)
        return _html(part(job, lang), lang)

    @app.post("/jobs/{job_id}/cancel", response_class=HTMLResponse)
    def cancel(job_id: str, request: Request):
        lang = _lang(request)
        job = jobs.cancel(job_id)
        if job is None:
            return _html(pages.error_line("gatesim: error: no such run in progress"), lang, 404)
        jobs.wait(job, 30)
        return _html(part(job, lang), lang)

    @app.get("/runs", response_class=HTMLResponse)
    def runs(request: Request):
        lang = _lang(request)
        return _html(pages.runs_page(catalog.list_runs(runs_dir), runs_dir, lang, beside=beside(lang)), lang)

    @app.get("/runs/{folder}", response_class=HTMLResponse)
    def run(folder: str, request: Request):
        from gatesim.rundir import read_csv_checked, read_manifest

        lang = _lang(request)
        try:
            path = _run_inside(runs_dir, folder)
            manifest = read_manifest(path)
            summary = read_csv_checked(path / "summary.csv")
        except PathRefused:
            return _refused(lang)
        except InputError as e:
            return _html(
                pages.page(label("not_found", lang), pages.error_line(bad_input_line(e)), lang), lang, 404
            )
        return _html(pages.run_page(folder, manifest, catalog.headline(summary), lang), lang)

    @app.get("/compare")
    def compare(request: Request):
        lang = _lang(request)
        chosen = request.query_params.getlist("run")
        if not 2 <= len(chosen) <= MAX_COMPARED or len(set(chosen)) != len(chosen):
            message = f"gatesim: error: {label('compare_count', lang)} (given {len(chosen)})"
            return _html(
                pages.runs_page(catalog.list_runs(runs_dir), runs_dir, lang, message, beside(lang)), lang
            )
        try:
            paths = [_run_inside(runs_dir, c) for c in chosen]
            base = request.query_params.get("base")
            # the base first: the one marked, else the oldest run ticked
            first = chosen.index(base) if base in chosen else _oldest(paths)
            target = _comparison(runs_dir, [paths[first], *paths[:first], *paths[first + 1 :]])
        except PathRefused:
            return _refused(lang)
        except InputError as e:
            return _html(
                pages.runs_page(catalog.list_runs(runs_dir), runs_dir, lang, bad_input_line(e), beside(lang)),
                lang,
            )
        return RedirectResponse(f"/files/{target.relative_to(runs_dir).as_posix()}", status_code=303)

    @app.get("/answer", response_class=HTMLResponse)
    def answer_form(request: Request):
        lang = _lang(request)
        proposals, bases = answers.answerable()
        asked = {
            k: request.query_params.get(k, "") for k in ("proposal", "base", "worlds", "days", "replications")
        }
        return _html(answer_pages.answer_form_page(proposals, bases, _answer_sizes(), lang, asked), lang)

    @app.post("/answer", response_class=HTMLResponse)
    async def start_answer(request: Request):
        # async, as /run: the worker is started from the server's main thread
        lang = _lang(request)
        form = {k: str(v) for k, v in (await request.form()).items()}
        proposals, bases = answers.answerable()
        stem, base = form.get("proposal", ""), form.get("base", "")
        if stem not in dict(proposals) or base not in dict(bases + proposals):
            return _html(pages.error_line("gatesim: error: no such scenario"), lang)
        if stem == base:
            return _html(pages.error_line(f"gatesim: error: --base: {label('same_scenario', lang)}"), lang)
        try:
            worlds, days, reps = (_whole(form, key, limit) for key, _, limit in _answer_sizes())
        except InputError as e:
            return _html(pages.error_line(bad_input_line(e)), lang)
        try:
            inside(runs_dir, answers.ANSWERS)  # never written through a link out of the runs folder
        except PathRefused:
            return _html(
                pages.error_line(f"gatesim: error: {label('refused', lang)}: {answers.ANSWERS}"), lang
            )
        name = answers.answer_name(stem, base, bases[0][0] if bases else "")
        job = jobs.start_answer(
            catalog.SCENARIOS_DIR / f"{stem}.yaml", catalog.SCENARIOS_DIR / f"{base}.yaml", (worlds, days, reps),
            lang, answers.ANSWERS, name,
        )  # fmt: skip
        return _html(answer_pages.answer_job_part(job, lang), lang)

    @app.get("/answers/{folder}", response_class=HTMLResponse)
    def answer_view(folder: str, request: Request):
        lang = _lang(request)
        try:
            path = inside(runs_dir, f"{answers.ANSWERS}/{safe_name(folder)}")
            for name in ("answer.html", "runs/sweep.json"):
                inside(runs_dir, f"{answers.ANSWERS}/{folder}/{name}")
        except PathRefused:
            return _refused(lang)
        found = answers.read_answer(path)
        if found is None:
            return _html(pages.page(label("not_found", lang), "", lang), lang, 404)
        url = f"/files/{answers.ANSWERS}/{folder}"
        return _html(answer_pages.answer_view_page(found, url, lang), lang)

    @app.get("/files/{relative:path}")
    def files(relative: str, request: Request):
        lang = _lang(request)
        try:
            path = inside(runs_dir, relative)
        except PathRefused:
            return _refused(lang)
        if not path.is_file():
            return _html(pages.page(label("not_found", lang), "", lang), lang, 404)
        return FileResponse(path)

    return app


def _answer_sizes():
    """(form key, default, limit) of the answer's sizes: ``gatesim answer``'s defaults and limits."""
    from gatesim.answer.cli import DEFAULT_DAYS, DEFAULT_REPLICATIONS, DEFAULT_WORLDS
    from gatesim.limits import ASSESS_DAYS, ASSESS_REPLICATIONS, WORLDS

    return [
        ("worlds", DEFAULT_WORLDS, WORLDS),
        ("days", DEFAULT_DAYS, ASSESS_DAYS),
        ("replications", DEFAULT_REPLICATIONS, ASSESS_REPLICATIONS),
    ]


def _whole(form: dict[str, str], key: str, limit) -> int:
    """The form's ``key`` as ``gatesim answer --KEY`` takes it: a whole number within its limit."""
    given = (form.get(key) or "").strip()
    try:
        value = int(given)
    except ValueError:
        raise InputError("not a whole number", key=f"--{key}", given=given, allowed=limit.allowed) from None
    limit.check(f"--{key}", value)
    return value


def _run_inside(runs_dir: Path, folder: str) -> Path:
    """A run folder of the runs folder whose files the app reads are no links out."""
    path = inside(runs_dir, safe_name(folder))
    for name in ("manifest.json", "summary.csv"):
        inside(runs_dir, f"{folder}/{name}")
    return path


def _oldest(paths: list[Path]) -> int:
    return min(range(len(paths)), key=lambda i: (paths[i] / "manifest.json").stat().st_mtime)


def _comparison(runs_dir: Path, paths: list[Path]) -> Path:
    """``gatesim compare`` of the runs (the first is the base) and its report, in
    ``runs_dir/comparisons/<id>/``; the report page's path."""
    from gatesim.compare.read import read_inputs, select_base
    from gatesim.compare.statistics import compare_inputs
    from gatesim.outputs import write_csv
    from gatesim.report.cli import build_report

    key = hashlib.sha256("\n".join(p.name for p in paths).encode()).hexdigest()[:12]
    folder = runs_dir / "comparisons" / key
    base = select_base(read_inputs(paths[0]), None, str(paths[0]))
    others = [o for p in paths[1:] for o in read_inputs(p)]
    folder.mkdir(parents=True, exist_ok=True)
    write_csv(folder / "comparison.csv", compare_inputs(base, others))
    return build_report(folder)
