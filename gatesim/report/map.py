"""``map.html`` beside a run's report: the replay of replication 0's event log on a map."""

from __future__ import annotations

from pathlib import Path

from gatesim.outputs import write_text
from gatesim.report.html import Section

__all__ = ["map_section"]

MAP_FILE = "map.html"


def write_map(run_dir: Path, replication: int = 0) -> Path:
    """Write ``run_dir/map.html`` from the run's event log ``replication``; return its path.

    InputError (one line, the file named) when the run kept no event logs or a log is damaged.
    """
    from gatesim.report.map_data import map_payload
    from gatesim.report.map_page import map_html
    from gatesim.rundir import event_files, load_log, read_manifest

    run_dir = Path(run_dir)
    files = event_files(run_dir)
    log = load_log(
        files[min(replication, len(files) - 1)], payload=["direction"]
    )  # the fold reads no payload: the smallest column
    name = read_manifest(run_dir).get("scenario", run_dir.name)
    target = run_dir / MAP_FILE
    write_text(target, map_html(map_payload(log, f"gatesim map replay: {name}")))
    return target


def map_section(run_dir: Path, heading: str, key: str = "", fold: bool = False) -> Section:
    """A report section linking to the run's map (written here), or saying why there is none."""
    from gatesim.errors import InputError

    try:
        path = write_map(run_dir)
    except InputError as e:
        text = f"No map replay: {e.message}"  # the page names no folder of the machine
        return Section(heading, text=text, key=key, fold=fold)
    href = f"{key}/{path.name}" if key else path.name
    size_mb = path.stat().st_size / 1e6
    link = (
        f'<p><a id="map-link" href="{href}">Open the map replay ({path.name}, {size_mb:.1f} MB)</a>: the trucks '
        "waiting on each approach road, in each yard and at each stage, instant by instant, with a time "
        "slider and play/pause (replication 0; the counts of <code>gatesim state</code>).</p>"
    )
    return Section(heading, tables=[("Map replay", link)], key=key, fold=fold)
