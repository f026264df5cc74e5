"""--workers (a local pool) and --scheduler (a dask cluster) are one or the other, in every command."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from gatesim.cli import main

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(
    "args",
    [
        ["sweep", str(ROOT / "scenarios" / "sweeps" / "tan_thanh_lanes_hours.yaml"), "--out", "{out}"],
        [
            "optimise",
            str(ROOT / "scenarios" / "decisions" / "tan_thanh_lanes_cn_hours_growth.yaml"),
            "--out",
            "{out}",
        ],
    ],
)
def test_workers_with_a_scheduler_is_one_line_exit_2_nothing_written(tmp_path, args):
    out = tmp_path / "out"
    argv = [a.replace("{out}", str(out)) for a in args] + ["-j", "2", "--scheduler", "tcp://127.0.0.1:9"]
    r = CliRunner().invoke(main, argv)
    assert r.exit_code == 2, r.output
    assert "--workers is for local runs" in r.output
    assert not out.exists()
