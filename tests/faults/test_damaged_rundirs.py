"""Damaged or foreign run directories: every reader says which file and how, in one line (exit 2)."""

from __future__ import annotations

import json
import shutil

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from faultkit import cli, one_line, snapshot


def _manifest(run, text: str | None = None, obj=None):
    path = run / "manifest.json"
    if obj is not None:
        text = json.dumps(obj)
    path.write_text(text)


MANIFESTS = {
    "list": ("[1, 2]", "a JSON list, not an object"),
    "null": ("null", "a JSON null"),
    "string": ('"run"', "a JSON str"),
    "empty": ("", "not valid JSON"),
    "truncated": ('{"complete": tr', "not valid JSON"),
    "complete_yes": ('{"complete": "yes", "output_schema_version": 3}', "incomplete"),
    "complete_missing": ("{}", "incomplete"),
}


def _commands(run, tmp_path):
    return {
        "replay": ["replay", run, "--out", tmp_path / "replayed"],
        "state": ["state", run, "--at", "2026-01-04 10:00"],
        "report": ["report", run],
        "compare": ["compare", run, run, "--out", tmp_path / "c.csv"],
    }


@pytest.mark.parametrize("damage", sorted(MANIFESTS))
@pytest.mark.parametrize("command", ["replay", "state", "report", "compare"])
def test_damaged_manifest(run_copy, tmp_path, damage, command):
    text, fragment = MANIFESTS[damage]
    _manifest(run_copy, text)
    before = snapshot(run_copy)
    result, lines = cli(*_commands(run_copy, tmp_path)[command])
    line = one_line(result, lines, 2, "manifest.json")
    assert fragment in line or command == "compare", line  # compare words its own manifest check
    assert snapshot(run_copy) == before
    assert not (tmp_path / "replayed").exists() and not (tmp_path / "c.csv").exists()


@pytest.mark.parametrize("command", ["replay", "state", "report"])
def test_manifest_that_is_a_directory(run_copy, tmp_path, command):
    (run_copy / "manifest.json").unlink()
    (run_copy / "manifest.json").mkdir()
    result, lines = cli(*_commands(run_copy, tmp_path)[command])
    one_line(result, lines, 2, "manifest.json")


def test_other_schema_version_refused_by_replay(run_copy, tmp_path):
    m = json.loads((run_copy / "manifest.json").read_text())
    m["output_schema_version"] = 999
    _manifest(run_copy, obj=m)
    result, lines = cli("replay", run_copy, "--out", tmp_path / "r")
    one_line(result, lines, 2, "output schema version", "999")


def _log(run):
    return run / "events" / "rep_000.parquet"


def _truncate(path, keep: float = 0.5):
    data = path.read_bytes()
    path.write_bytes(data[: int(len(data) * keep)])


EVENT_DAMAGE = {
    "truncated": lambda p: _truncate(p),
    "empty": lambda p: p.write_bytes(b""),
    "foreign_parquet": lambda p: pq.write_table(pa.table({"x": [1, 2, 3]}), p),
    "not_parquet": lambda p: p.write_text("hello\n"),
    "metadata_stripped": lambda p: pq.write_table(pq.read_table(p).replace_schema_metadata({}), p),
    "metadata_garbled": lambda p: pq.write_table(
        pq.read_table(p).replace_schema_metadata({"gatesim": b"{not json"}), p
    ),
}


@pytest.mark.parametrize("damage", sorted(EVENT_DAMAGE))
@pytest.mark.parametrize("command", ["replay", "state"])
def test_damaged_event_log(run_copy, tmp_path, damage, command):
    EVENT_DAMAGE[damage](_log(run_copy))
    result, lines = cli(*_commands(run_copy, tmp_path)[command])
    one_line(result, lines, 2, "rep_000.parquet")
    assert not (tmp_path / "replayed").exists()


def test_deleted_event_log_is_named(run_copy, tmp_path):
    _log(run_copy).unlink()
    result, lines = cli("replay", run_copy, "--out", tmp_path / "r")
    one_line(result, lines, 2, "1 event logs", "2 replications")


def _cut_mid_line(path):
    data = path.read_bytes()
    path.write_bytes(data[: data.rstrip(b"\n").rfind(b",") - 2])  # inside the last row's cells


CSV_DAMAGE = {
    "header_only": lambda p: p.write_text(p.read_text().splitlines()[0] + "\n"),
    "cut_mid_line": _cut_mid_line,
    "empty": lambda p: p.write_bytes(b""),
}


@pytest.mark.parametrize("damage", sorted(CSV_DAMAGE))
@pytest.mark.parametrize("command", ["report", "compare"])
def test_damaged_summary_csv(run_copy, small_run, tmp_path, damage, command):
    CSV_DAMAGE[damage](run_copy / "summary.csv")
    args = (
        ["report", run_copy]
        if command == "report"
        else ["compare", small_run, run_copy, "--out", tmp_path / "c.csv"]
    )
    result, lines = cli(*args)
    one_line(result, lines, 2, "summary.csv")
    assert not (tmp_path / "c.csv").exists()


def test_summary_missing_a_column(run_copy, small_run, tmp_path):
    import pandas as pd

    df = pd.read_csv(run_copy / "summary.csv").drop(columns=["gate"])
    df.to_csv(run_copy / "summary.csv", index=False)
    for args in (["report", run_copy], ["compare", small_run, run_copy, "--out", tmp_path / "c.csv"]):
        result, lines = cli(*args)
        one_line(result, lines, 2, "summary.csv", "gate")


def test_truncated_timeseries_in_report(run_copy):
    _cut_mid_line(run_copy / "timeseries.csv")
    result, lines = cli("report", run_copy)
    one_line(result, lines, 2, "timeseries.csv", "cut off")
    assert not (run_copy / "report.html").exists()


def test_truncated_sweep_results_not_compared(tmp_path, small_run):
    res = tmp_path / "results.csv"
    shutil.copy(small_run / "summary.csv", res)
    _cut_mid_line(res)
    result, lines = cli("compare", small_run, res, "--out", tmp_path / "c.csv")
    one_line(result, lines, 2, "results.csv", "cut off")


@pytest.mark.parametrize("command", ["replay", "state"])
def test_multi_scenario_dir_names_its_folders(multi_run, tmp_path, command):
    args = (
        ["replay", multi_run, "--out", tmp_path / "r"]
        if command == "replay"
        else ["state", multi_run, "--at", "2026-01-04 10:00"]
    )
    result, lines = cli(*args)
    line = one_line(result, lines, 2, "2 scenarios", "baseline_2026")
    assert "no event logs" not in line


def test_state_at_with_a_time_zone(small_run):
    result, lines = cli("state", small_run, "--at", "2026-01-04T03:00:00+00:00")
    assert result.exit_code in (0, 2), result.output
    assert "Traceback" not in result.output
    if result.exit_code == 0:
        assert "2026-01-04 10:00" in result.output  # 03:00 UTC is 10:00 in Hanoi


def test_no_events_run_says_so(tmp_path):
    from faultkit import BASELINE

    out = tmp_path / "ne"
    result, _ = cli("run", BASELINE, "--days", "1", "-r", "1", "--no-events", "--out", out, "-q")
    assert result.exit_code == 0
    result, lines = cli("replay", out, "--out", tmp_path / "r")
    one_line(result, lines, 2, "--no-events")


def test_report_of_damaged_sweep_and_comparison(tmp_path, small_run):
    sweep = tmp_path / "sw"
    sweep.mkdir()
    (sweep / "results.csv").write_text("point,gate,x\n0,tan_thanh,1")  # cut off: no final newline
    result, lines = cli("report", sweep)
    one_line(result, lines, 2, "results.csv", "cut off")
    cmp_dir = tmp_path / "cmp"
    cmp_dir.mkdir()
    (cmp_dir / "comparison.csv").write_text("")
    result, lines = cli("report", cmp_dir)
    one_line(result, lines, 2, "comparison.csv", "empty")
