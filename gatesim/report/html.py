"""One self-contained HTML page: images inline as base64 PNG, no scripts, no external files."""

from __future__ import annotations

import base64
import datetime as dt
import html
import re
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from gatesim.outputs import write_text
from gatesim.report.common import Chart
from gatesim.version import __version__

__all__ = ["Section", "display_path", "table_html", "write_page"]

PNG_DIR = "report_png"

_CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,"DejaVu Sans",sans-serif;max-width:1150px;margin:1.5em auto;
padding:0 1em;color:#222;line-height:1.4}
h1{font-size:1.5em;margin-bottom:.2em}h2{font-size:1.2em;border-bottom:1px solid #ccc;padding-bottom:.2em;margin-top:2em}
h3{font-size:1.05em;margin-bottom:.3em}.meta{color:#555;font-size:.9em}
figure{margin:1em 0 2em}figure img{max-width:100%;height:auto;border:1px solid #eee}
figcaption{font-size:.88em;color:#444;margin-top:.3em}
table{border-collapse:collapse;font-size:.82em;margin:.6em 0 1.5em}
th,td{border:1px solid #ddd;padding:.25em .5em;text-align:right}th{background:#f3f3f3}
td.l,th.l{text-align:left}nav a{margin-right:1em}
details{margin:.8em 0}details>summary{cursor:pointer;color:#124}details>summary h2{display:inline;border:0}
p.summary{background:#f6f8fa;border-left:4px solid #4a7;padding:.5em .8em}
div.box{max-width:100%;overflow-x:auto}p.empty{color:#444;font-size:.92em}
"""


@dataclass
class Section:
    heading: str
    charts: list[Chart] = field(default_factory=list)
    tables: list[tuple[str, str]] = field(default_factory=list)  # (title, html of a <table>)
    text: str = ""
    key: str = ""  # sub-folder of report_png/ (multi-scenario reports)
    fold: bool = False  # the whole section a click away (<details>), e.g. per-scenario detail
    summary: str = ""  # a plain-language paragraph shown first, highlighted
    folded_tables: list[tuple[str, str]] = field(default_factory=list)  # (title, html): each in <details>


def table_html(df: pd.DataFrame, left: tuple[str, ...] = ()) -> str:
    """A plain table; every cell escaped; columns named in ``left`` aligned left."""
    head = "".join(f'<th class="{"l" if c in left else ""}">{html.escape(str(c))}</th>' for c in df.columns)
    body = []
    for _, row in df.iterrows():
        cells = "".join(
            f'<td class="{"l" if c in left else ""}">{html.escape("" if pd.isna(v) else str(v))}</td>'
            for c, v in row.items()
        )
        body.append(f"<tr>{cells}</tr>")
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"


def display_path(path: Path) -> str:
    """A folder as a page names it: as the user gave it when relative, else by its name only
    (a page is mailed and published; the machine's folders are nobody else's business)."""
    path = Path(path)
    return path.as_posix() if not path.is_absolute() else path.name


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "section"


def is_png_dir(path: Path) -> bool:
    """Whether ``path`` is a ``report_png/`` a report wrote: PNG files (in sub-folders) only, or empty."""
    path = Path(path)
    if path.is_symlink() or not path.is_dir():
        return False
    try:
        return all(p.is_dir() and not p.is_symlink() or p.suffix == ".png" for p in path.rglob("*"))
    except OSError:
        return False


def write_page(target: Path, title: str, meta: str, sections: list[Section]) -> Path:
    """Write ``target`` (report.html) and every chart as a PNG in ``report_png/`` beside it.

    The charts go into a hidden sibling directory that replaces ``report_png/``
    in one step once every PNG is written (gatesim.outputs.atomic_dir), then
    the page is written under a temporary name and renamed: a full disk or a
    kill at any point leaves the earlier charts and page, or the new ones,
    each whole (killed between the two steps: new charts beside the earlier
    page, which embeds its own images).
    """
    from gatesim.outputs import atomic_dir

    # report.html keeps report_png/; a page of another name (comparison.html beside a run's own
    # page) keeps its charts in <name>_png/, so no page replaces another page's charts
    png_target = target.parent / (PNG_DIR if target.name == "report.html" else f"{target.stem}_png")
    with atomic_dir(png_target, force=True, ours=is_png_dir) as png_root:
        html_text = _page(png_root, title, meta, sections)
    write_text(target, html_text)
    return target


def _page(png_root: Path, title: str, meta: str, sections: list[Section]) -> str:
    """The page's HTML; each chart is also written as a PNG under ``png_root``."""
    stamp = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    nav = "".join(f'<a href="#{_slug(s.heading)}">{html.escape(s.heading)}</a>' for s in sections)
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{html.escape(title)}</title><style>{_CSS}</style></head><body>",
        f"<h1>{html.escape(title)}</h1>",
        f'<p class="meta">{html.escape(meta)}<br>Made by gatesim {__version__} on {stamp}.</p>',
        f"<nav>{nav}</nav>" if len(sections) > 1 else "",
    ]
    for s in sections:
        if s.fold:
            parts.append(
                f'<details id="{_slug(s.heading)}"><summary><h2>{html.escape(s.heading)}</h2> '
                "(click to open)</summary>"
            )
        else:
            parts.append(f'<h2 id="{_slug(s.heading)}">{html.escape(s.heading)}</h2>')
        if s.summary:
            parts.append(f'<p class="summary">{html.escape(s.summary)}</p>')
        if s.text:
            parts.append(f"<p>{html.escape(s.text)}</p>")
        folder = png_root / s.key if s.key else png_root
        folder.mkdir(parents=True, exist_ok=True)
        for c in s.charts:
            if not c.png:  # nothing to draw anywhere: one line, not an empty frame
                parts.append(
                    f'<p class="empty" id="{html.escape(s.key + "-" if s.key else "")}{html.escape(c.name)}">'
                    f"<b>{html.escape(c.title)}:</b> {html.escape(c.caption)}</p>"
                )
                continue
            (folder / f"{c.name}.png").write_bytes(c.png)
            data = base64.b64encode(c.png).decode("ascii")
            parts.append(
                f'<figure id="{html.escape(s.key + "-" if s.key else "")}{html.escape(c.name)}">'
                f"<h3>{html.escape(c.title)}</h3>"
                f'<img alt="{html.escape(c.title)}" src="data:image/png;base64,{data}">'
                f"<figcaption>{html.escape(c.caption)}</figcaption></figure>"
            )
        for t_title, t_html in s.tables:
            parts.append(f'<h3>{html.escape(t_title)}</h3><div class="box">{t_html}</div>')
        for t_title, t_html in s.folded_tables:
            parts.append(
                f'<details><summary>{html.escape(t_title)}</summary><div class="box">{t_html}</div></details>'
            )
        if s.fold:
            parts.append("</details>")
    parts.append("</body></html>")
    return "\n".join(parts) + "\n"
