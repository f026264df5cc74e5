"""``gatesim app``: start the local web application."""

from __future__ import annotations

from pathlib import Path

import click

__all__ = ["command"]

_LOCAL = ("127.0.0.1", "localhost", "::1")


@click.command("app")
@click.option(
    "--port", type=click.IntRange(1, 65535), default=8765, show_default=True, help="Port to listen on."
)
@click.option(
    "--runs",
    "runs_dir",
    type=click.Path(file_okay=False),
    default="runs",
    show_default=True,
    help="Folder of run directories: the app lists, writes and serves files in it only.",
)
@click.option(
    "--host",
    default="127.0.0.1",
    show_default=True,
    help="Address to listen on. Anything but 127.0.0.1 makes the app reachable from other machines.",
)
def command(port: int, runs_dir: str, host: str) -> None:
    """A local web application: pick and edit a scenario, run it with progress, answer a proposal
    (as gatesim answer does), browse runs and answers, open their reports and map replays, and
    compare runs (in English and Vietnamese).

    It serves every file itself (no internet needed) and reads and writes inside --runs only.
    """
    import uvicorn

    from gatesim.app.server import LOCAL_NAMES, create_app

    # bound to this machine: answer only to its local names; elsewhere to any name it is given
    app = create_app(Path(runs_dir), LOCAL_NAMES if host in _LOCAL else None)
    if host not in _LOCAL:
        click.echo(
            f"gatesim app: warning: listening on {host}: anyone who can reach this machine on port {port} "
            "can run scenarios and read the runs folder",
            err=True,
        )
    shown = f"[{host}]" if ":" in host else host
    click.echo(
        f"gatesim app: http://{shown}:{port}/ (runs folder: {Path(runs_dir).resolve()}); Ctrl-C stops it"
    )
    uvicorn.run(app, host=host, port=port, log_level="warning")
