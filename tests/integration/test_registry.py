"""The KPI registry against what gatesim writes and shows.

Every column of summary.csv and timeseries.csv is in the registry; every entry
appears where it says (CSV, terminal, report, docs/proposals.md); no KPI label
is written anywhere else in the code; README's column list is the registry's.
"""

from __future__ import annotations

import ast
import importlib.util
import re
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from gatesim.cli import main
from gatesim.projections import registry
from gatesim.projections.kpis import ID_COLUMNS, KPI_COLUMNS, summary_columns
from gatesim.projections.registry import KPIS, SHOWN

# Integration: runs the CLI end to end (see CONTRIBUTING.md, test tiers).
pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[2]
BASELINE = ROOT / "scenarios" / "baseline_2026.yaml"


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    out = tmp_path_factory.mktemp("registry") / "run"
    res = CliRunner().invoke(
        main, ["run", str(BASELINE), "--days", "1", "-r", "2", "--out", str(out), "--no-events"]
    )
    assert res.exit_code == 0, res.output
    return out, res.output


def _matches(entry: registry.Kpi, columns: list[str]) -> list[str]:
    """The columns that are ``entry`` (a pattern's: one per stage)."""
    if not entry.is_pattern:
        return [c for c in columns if c == entry.column]
    return [
        c
        for c in columns
        if (st := registry.stage_of(c)) is not None and entry.column.replace("<stage>", st) == c
    ]


def test_entries_are_complete_and_unique():
    assert len({k.column for k in KPIS}) == len(KPIS)
    assert len({k.label for k in KPIS}) == len(KPIS)  # one word for one thing, and back
    for k in KPIS:
        assert k.label and k.definition and k.unit is not None, k.column
        assert k.shown and k.shown <= set(SHOWN), k.column
        assert k.aggregation in ("mean", "id") and (k.aggregation == "id") == ("id" in k.shown), k.column
        if "timeseries" in k.shown and "id" not in k.shown:
            assert k.per_hour in ("sum", "level"), k.column  # how a day of hours is aggregated
        assert k.scale > 0 and k.digits >= 0


def test_every_written_column_is_in_the_registry(run):
    out, _ = run
    for name in ("summary.csv", "timeseries.csv"):
        cols = list(pd.read_csv(out / name, nrows=1).columns)
        missing = [c for c in cols if registry.find(c) is None]
        assert not missing, f"{name}: columns not in gatesim/projections/registry.py: {missing}"
    ci = pd.read_csv(out / "summary_ci.csv")
    assert all(registry.find(k) is not None for k in ci["kpi"].unique())


def test_every_entry_appears_where_it_says(run):
    out, printed = run
    summary = list(pd.read_csv(out / "summary.csv", nrows=1).columns)
    series = list(pd.read_csv(out / "timeseries.csv", nrows=1).columns)
    ci_kpis = set(pd.read_csv(out / "summary_ci.csv")["kpi"])
    res = CliRunner().invoke(main, ["report", str(out)])
    assert res.exit_code == 0, res.output
    page = (out / "report.html").read_text(encoding="utf-8")
    proposals = _load_make_proposals()
    for k in KPIS:
        where = {"summary": summary, "timeseries": series}
        for place, cols in where.items():
            hit = _matches(k, cols)
            assert bool(hit) == (place in k.shown), (
                k.column,
                place,
            )
        if "summary" in k.shown and "id" not in k.shown:
            assert _matches(k, sorted(ci_kpis)), (k.column, "summary_ci.csv")  # aggregated over replications
        if "id" in k.shown:
            assert k.column in summary or k.column in series
        if "terminal" in k.shown:
            assert k.header in printed, (k.column, "terminal")
        if "report" in k.shown:
            assert k.label in page, (k.column, "report")
        assert (k.column in [c for c, *_ in proposals.COLUMNS]) == ("proposals" in k.shown), (
            k.column,
            "proposals",
        )
        if "proposals" in k.shown:
            assert (k.column, k.header, k.scale, k.digits) in proposals.COLUMNS


def test_summary_column_order_is_the_registry_order():
    assert summary_columns(["declaration"]) == [
        *ID_COLUMNS,
        *registry.columns("summary"),
        "util_declaration",
        "wait_at_declaration_h",
    ]
    assert registry.columns("summary") == KPI_COLUMNS


def _load_make_proposals():
    spec = importlib.util.spec_from_file_location("make_proposals", ROOT / "docs" / "make_proposals.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def _string_literals(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return {n.value for n in ast.walk(tree) if isinstance(n, ast.Constant) and isinstance(n.value, str)}


def test_no_kpi_label_is_written_outside_the_registry():
    words = {k.label for k in KPIS if "id" not in k.shown} | {k.short for k in KPIS if k.short}
    files = [*(ROOT / "gatesim").rglob("*.py"), ROOT / "docs" / "make_proposals.py"]
    found = {}
    for path in files:
        if path.name == "registry.py":
            continue
        hits = words & _string_literals(path)
        if hits:
            found[str(path.relative_to(ROOT))] = sorted(hits)
    assert not found, f"KPI labels written outside gatesim/projections/registry.py: {found}"


def test_terminal_csv_and_report_use_the_same_words(run):
    """The terminal said "waiting 20:00" for trucks in the system and
    "left waiting" for left_in_system."""
    _, printed = run
    assert "waiting 20:00" not in printed and "left waiting" not in printed
    assert registry.short("waiting_at_20h_mean") in printed and "in the system" in registry.label(
        "waiting_at_20h_mean"
    )
    assert registry.short("left_in_system") in printed


def test_readme_lists_the_registry_columns():
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    m = re.search(r"`summary.csv`: one row per \(replication, gate\): `([^`]*)`", text)
    assert m, "README: the summary.csv column list"
    listed = [c.strip() for c in m.group(1).replace("\n", " ").split(",") if c.strip()]
    expected = [*ID_COLUMNS, *registry.columns("summary"), "util_<stage>...", "wait_at_<stage>_h..."]
    assert listed == expected
    m = re.search(r"`timeseries.csv`: hourly per gate: `([^`]*)`", text)
    assert m, "README: the timeseries.csv column list"
    listed = [c.strip() for c in m.group(1).replace("\n", " ").split(",") if c.strip()]
    ts = [k.column.replace("<stage>", "<stage>...") for k in KPIS if "timeseries" in k.shown]
    assert sorted(listed) == sorted(ts)


def test_lookups():
    assert registry.label("util_road") == "utilisation: dedicated road"
    assert registry.label("wait_at_cn_acceptance_h") == "wait at acceptance, Chinese side"
    assert registry.stage_of("at_handover") == "handover" and registry.stage_of("at_yard") is None
    assert registry.find("no_such_column") is None
    with pytest.raises(KeyError, match="registry"):
        registry.by_column("no_such_column")
    assert registry.by_column("co2_kg").higher_is_better is False
    assert registry.by_column("throughput_per_day").higher_is_better is True


def test_corridor_columns_are_in_the_registry():
    """A corridor run's extra summary columns are registry entries shown "corridor"."""
    from gatesim.projections.corridor_kpis import CORRIDOR_COLUMNS

    assert CORRIDOR_COLUMNS
    assert registry.columns("corridor") == CORRIDOR_COLUMNS
    assert not set(CORRIDOR_COLUMNS) & set(registry.columns("summary"))


def test_smart_gate_columns_are_in_the_registry():
    """A run's automated-lane and buffer columns are registry entries shown "smart_gate"."""
    from gatesim.projections.smart_gate import SMART_GATE_COLUMNS

    assert SMART_GATE_COLUMNS
    assert registry.columns("smart_gate") == SMART_GATE_COLUMNS
    assert not set(SMART_GATE_COLUMNS) & set(registry.columns("summary") + registry.columns("corridor"))
    from gatesim.projections.smart_gate import SMART_GATE_SERIES

    assert registry.columns("smart_gate_timeseries") == SMART_GATE_SERIES
    assert not set(SMART_GATE_SERIES) & set(registry.columns("timeseries"))
