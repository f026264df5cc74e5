"""Bad input through the real CLI: one line on stderr, exit code 2, nothing written.

The corpus is ``tests/data/bad/``: one file per case, and ``expected.yaml``
listing the fragments each file's message must contain.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from ruamel.yaml import YAML

from gatesim.cli import main

# Integration: runs the CLI end to end (see CONTRIBUTING.md, test tiers).
pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[2]
BAD = ROOT / "tests" / "data" / "bad"
BASELINE = ROOT / "scenarios" / "baseline_2026.yaml"
EXPECTED: dict[str, list[str]] = dict(YAML(typ="safe", pure=True).load(BAD / "expected.yaml"))


def run_cli(args: list[str], out: Path):
    """`gatesim run ARGS --out OUT`; the result and its stderr lines."""
    result = CliRunner().invoke(main, ["run", *args, "--out", str(out), "-q"])
    return result, result.stderr.splitlines()


def assert_one_line_error(result, lines: list[str], out: Path, *fragments: str) -> str:
    assert result.exit_code == 2, (result.exit_code, result.output, result.exception)
    assert isinstance(result.exception, SystemExit)  # not a crash caught by the runner
    assert len(lines) == 1, lines
    line = lines[0]
    assert line.startswith("gatesim: error: "), line
    assert "Traceback" not in result.output
    assert result.stdout == ""
    for fragment in fragments:
        assert fragment in line, (fragment, line)
    assert not out.exists()
    # Not even a hidden scratch directory is left next to the target.
    assert not list(out.parent.glob(f".{out.name}*")), list(out.parent.iterdir())
    return line


def test_corpus_and_expected_list_agree():
    files = {p.name for p in BAD.iterdir() if p.name != "expected.yaml"}
    assert files == set(EXPECTED)
    assert all(EXPECTED[name] for name in EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_bad_scenario_file(name, tmp_path):
    out = tmp_path / "runs" / "out"
    result, lines = run_cli([str(BAD / name), "--days", "1", "-r", "1"], out)
    line = assert_one_line_error(result, lines, out, *EXPECTED[name])
    assert len(line) < 400
    assert not (tmp_path / "runs").exists()  # no parent directories either


@pytest.mark.parametrize(
    ("args", "fragments"),
    [
        (["--days", "100000000"], ["--days", "given 100000000", "1 to 3660"]),
        (["--days", "0"], ["--days", "given 0", "1 to 3660"]),
        (["--replications", "0"], ["--replications", "given 0", "1 to 1000"]),
        (["-r", "1001"], ["--replications", "given 1001"]),
        (["--seed", "-1"], ["--seed", "given -1"]),
        (["--set", "run.days"], ["--set needs KEY.PATH=VALUE", "'run.days'"]),
        (["--set", "name.x=1"], ["--set path goes through a non-mapping", "name"]),
        (
            ["--set", "gates.tan_thanh.stages.road.lanes=-1"],
            ["baseline_2026.yaml (--set)", "road.lanes", "given -1"],
        ),
        (["--set", "gates.tan_thanh.stages.road.lane=8"], ["stages.road.lane", "did you mean 'lanes'"]),
        (["--set", "run.days=many"], ["run.days", "given 'many'"]),
        (["--set", "gates.tan_tanh.arrivals.per_day=3"], ["gates.tan_tanh", "misspelling of 'tan_thanh'"]),
    ],
)
def test_bad_command_line(args, fragments, tmp_path):
    out = tmp_path / "out"
    result, lines = run_cli([str(BASELINE), *args], out)
    assert_one_line_error(result, lines, out, *fragments)


def test_missing_scenario_file(tmp_path):
    out = tmp_path / "out"
    result, lines = run_cli([str(tmp_path / "nowhere.yaml")], out)
    assert_one_line_error(result, lines, out, "nowhere.yaml", "file not found")


def test_one_bad_file_among_several_runs_none(tmp_path):
    out = tmp_path / "out"
    result, lines = run_cli([str(BASELINE), str(BAD / "negative_lanes.yaml"), "--days", "1", "-r", "1"], out)
    assert_one_line_error(result, lines, out, "negative_lanes.yaml:7:")


def test_existing_output_directory_is_left_alone(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    (out / "summary.csv").write_text("precious\n")
    result, lines = run_cli([str(BASELINE), "--days", "1", "-r", "1"], out)
    assert result.exit_code == 2
    assert lines == [
        f"gatesim: error: --out: output directory exists; given {str(out)!r}; "
        "allowed: a new directory, or --force to replace it"
    ]
    assert sorted(p.name for p in out.iterdir()) == ["summary.csv"]
    assert (out / "summary.csv").read_text() == "precious\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]


@pytest.mark.parametrize(
    "template",
    [
        'name: !!python/object/apply:os.system ["touch {marker}"]\n',
        'run:\n  days: !!python/object/apply:os.system ["touch {marker}"]\n',
        '!!python/object/apply:os.system ["touch {marker}"]\n',
        'name: !!python/object/apply:subprocess.check_call [["touch", "{marker}"]]\n',
        'gates: !!python/object/new:subprocess.Popen [["touch", "{marker}"]]\n',
    ],
)
def test_no_code_from_data(template, tmp_path):
    marker = tmp_path / "MARKER"
    path = tmp_path / "evil.yaml"
    extends = "" if template.startswith("!!") else f"extends: {BASELINE}\n"
    path.write_text(extends + template.format(marker=marker), encoding="utf-8")
    out = tmp_path / "out"
    result, lines = run_cli([str(path), "--days", "1", "-r", "1"], out)
    assert_one_line_error(result, lines, out, "evil.yaml", "explicit YAML tags are not allowed", "!!python/")
    assert not marker.exists()


def test_no_code_from_set_values(tmp_path):
    marker = tmp_path / "MARKER"
    out = tmp_path / "out"
    value = f'!!python/object/apply:os.system ["touch {marker}"]'
    result, lines = run_cli([str(BASELINE), "--set", f"name={value}"], out)
    assert_one_line_error(result, lines, out, "name")
    assert not marker.exists()


def test_real_process(tmp_path):
    """The installed entry point: stderr is exactly one line, stdout is empty."""
    name, fragment = "unknown_stage_key.yaml", "did you mean 'servers'"
    out = tmp_path / "out"
    proc = subprocess.run(
        [sys.executable, "-m", "gatesim.cli", "run", str(BAD / name), "--out", str(out), "-q"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 2
    assert proc.stdout == ""
    lines = proc.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("gatesim: error: "), proc.stderr
    assert name in lines[0] and fragment in lines[0]
    assert not out.exists()
