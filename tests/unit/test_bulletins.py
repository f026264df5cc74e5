"""The bulletin dataset: typed rows, each citing an entry of the sources file; bad rows refused in one line."""

from __future__ import annotations

from pathlib import Path

import pytest

from gatesim.errors import InputError
from gatesim.evidence.bulletins import (
    COLUMNS,
    Count,
    load_bulletins,
    parse_count,
    summary_line,
    summary_table,
)
from gatesim.evidence.sources import REPO_ROOT, load_sources

HEADER = ",".join(COLUMNS)
GOOD = "2024-08-22,20,province,export,all,1,369,328,,false,vietnamvn-2024-08-23,a note"


@pytest.fixture(scope="module")
def sources():
    return load_sources()


@pytest.fixture(scope="module")
def rows(sources):
    return load_bulletins(sources=sources)


def _file(tmp_path: Path, *lines: str) -> Path:
    path = tmp_path / "bulletins.csv"
    path.write_text("\n".join([HEADER, *lines]) + "\n", encoding="utf-8")
    return path


def test_the_dataset_is_as_large_as_promised(rows):
    assert len(rows) >= 60
    assert len({r.date for r in rows}) >= 25
    assert len({r.date.year for r in rows}) >= 3


def test_every_row_cites_a_source_and_derived_arrivals_balance(rows, sources):
    for r in rows:
        assert r.source in sources, r.line
    derived = [r for r in rows if r.arrivals_derived]
    assert derived
    for r in derived:  # arrivals = cleared + change in waiting, the change stated in the note or rows
        assert r.arrivals is not None and r.vehicles_cleared is not None, r.line


def test_the_published_figures_are_kept_as_stated(rows):
    by = {(r.date.isoformat(), r.place, r.direction, r.cargo): r for r in rows}
    aug = by[("2024-08-22", "province", "export", "all")]
    assert (aug.hour, aug.vehicles_waiting, aug.vehicles_cleared) == (20, Count(369), Count(328))
    feb = by[("2022-02-11", "huu_nghi+tan_thanh+chi_ma", "export", "all")]
    assert feb.vehicles_waiting == Count(1646)
    assert feb.vehicles_cleared == Count(70, "range", 90) and feb.arrivals == Count(160, "range", 180)
    assert feb.gates == ("huu_nghi", "tan_thanh", "chi_ma")
    may = by[("2023-05-28", "province", "export", "all")]
    assert may.arrivals_derived and may.arrivals == Count(597)  # 524 cleared + 73 more waiting


@pytest.mark.parametrize(
    ("text", "count"),
    [
        ("750", Count(750)),
        ("~3000", Count(3000, "about")),
        (">750", Count(750, "over")),
        ("<200", Count(200, "under")),
        ("80-100", Count(80, "range", 100)),
        ("", None),
    ],
)
def test_counts_parse_as_stated(text, count):
    assert parse_count(text) == count


def test_a_range_has_a_middle():
    assert Count(70, "range", 90).mid == 80 and Count(5).mid == 5


def test_a_good_file_loads(tmp_path, sources):
    (row,) = load_bulletins(_file(tmp_path, GOOD), sources)
    assert (row.place, row.days, row.line, row.note) == ("province", 1, 2, "a note")


def test_a_row_without_a_source_is_refused(tmp_path, sources):
    path = _file(tmp_path, GOOD, GOOD.replace("vietnamvn-2024-08-23", ""))
    with pytest.raises(InputError) as err:
        load_bulletins(path, sources)
    assert str(err.value).startswith(f"{path}:3: source: a row without a source")


def test_a_row_citing_an_unknown_source_is_refused(tmp_path, sources):
    path = _file(tmp_path, GOOD.replace("vietnamvn-2024-08-23", "someone-2024"))
    with pytest.raises(
        InputError,
        match=r"bulletins\.csv:2: source: not an entry of seeds/sources\.yaml; given 'someone-2024'",
    ):
        load_bulletins(path, sources)


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ("2024-08-22,", "22/08/2024,", "date: not valid"),
        (",20,province", ",25,province", "hour: not an hour of the day"),
        ("province", "lao_cai", "place: a place is 'province' or gate ids"),
        ("export", "exports", "direction: not valid"),
        (",all,", ",fruits,", "cargo: not valid"),
        (",369,", ",about 369,", "vehicles_waiting: a count is"),
        (",328,", ",100-80,", "vehicles_cleared: a range runs from low to high"),
        (",false,", ",yes,", "arrivals_derived: not a boolean"),
        (",false,", ",true,", "arrivals_derived: derived arrivals without arrivals"),
        (",369,328,", ",,,", "a row with no count"),
        (",a note", "", "12 columns expected"),
    ],
)
def test_a_bad_row_is_refused_in_one_line(tmp_path, sources, old, new, message):
    assert old in GOOD
    path = _file(tmp_path, GOOD.replace(old, new, 1))
    with pytest.raises(InputError) as err:
        load_bulletins(path, sources)
    text = str(err.value)
    assert f"{path}:2" in text and message in text and "\n" not in text


def test_a_changed_header_is_refused(tmp_path, sources):
    path = tmp_path / "b.csv"
    path.write_text(HEADER.replace("place", "gate") + "\n" + GOOD + "\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"b\.csv:1: columns differ"):
        load_bulletins(path, sources)


def test_the_docs_table_is_the_datasets(rows):
    docs = (REPO_ROOT / "docs" / "evidence.md").read_text(encoding="utf-8")
    assert summary_table(rows) in docs
    assert summary_line(rows) in " ".join(docs.split())
