"""Small self-contained HTML pages (one chart as an inline PNG) for optimise and sensitivity."""

from __future__ import annotations

import base64
import html
import io
from pathlib import Path

import pandas as pd

from gatesim.outputs import write_text
from gatesim.version import __version__

__all__ = ["figure_png", "write_page"]


def figure_png(fig) -> str:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=110, bbox_inches="tight")
    import matplotlib.pyplot as plt

    plt.close(fig)
    return base64.b64encode(buf.getvalue()).decode()


def write_page(
    path: Path, title: str, paragraphs: list[str], png: str | None, tables: dict[str, pd.DataFrame]
) -> None:
    parts = [
        "<!doctype html><html><head><meta charset='utf-8'>",
        f"<title>{html.escape(title)}</title>",
        "<style>body{font-family:sans-serif;max-width:980px;margin:2em auto;color:#222}"
        "table{border-collapse:collapse;font-size:13px}td,th{border:1px solid #ccc;padding:3px 6px;text-align:right}"
        "th{background:#f2f2f2}.note{color:#555}div.box{max-width:100%;overflow-x:auto}</style></head><body>",
        f"<h1>{html.escape(title)}</h1>",
    ]
    parts += [f"<p>{html.escape(p)}</p>" for p in paragraphs]
    if png:
        parts.append(f"<img alt='chart' style='max-width:100%' src='data:image/png;base64,{png}'>")
    for name, df in tables.items():
        parts.append(f"<h2>{html.escape(name)}</h2>")
        # a wide table scrolls inside its own box: the page stays within the window
        table = df.to_html(index=False, float_format=lambda x: f"{x:.4g}", na_rep="", border=0)
        parts.append(f"<div class='box'>{table}</div>")
    parts.append(f"<p class='note'>gatesim {html.escape(__version__)}</p></body></html>")
    write_text(path, "\n".join(parts) + "\n")
