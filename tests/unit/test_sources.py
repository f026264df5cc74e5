"""The sources file: its entries are well formed, every citation in the repository resolves to one,
and nothing refers to a file outside the repository."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from gatesim.errors import InputError
from gatesim.evidence.bulletins import COLUMNS, load_bulletins
from gatesim.evidence.citations import OUTSIDE, citation_problems, cited_ids
from gatesim.evidence.regimes import load_regimes
from gatesim.evidence.sources import REPO_ROOT, SOURCES_PATH, load_sources

SEEDS = [f"seed-00{n}" for n in range(5)]

_ENTRY = """\
sources:
  - id: paper-2024-05-31
    outlet: Báo Lạng Sơn
    title: "a title"
    date: 2024-05-31
    url: https://example.org/a
    language: vi
    figures:
      - {value: 750, qualifier: over, unit: vehicles, counts: export vehicles waiting at 20:00, quote: "hơn 750 xe"}
    used_for: a test
"""


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "seeds" / "sources.yaml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def test_the_repository_sources_load_with_the_five_seed_documents():
    sources = load_sources()
    for sid in SEEDS:
        assert sid in sources
        doc = sources[sid].document
        assert doc and (REPO_ROOT / doc).is_file(), sid
    assert len(sources.entries) >= 40


def test_every_citation_resolves_and_nothing_points_outside_the_repository():
    sources = load_sources()
    assert citation_problems(sources) == []
    # the bulletins and regimes cite by bare id; their loaders refuse an id that is no entry
    assert load_bulletins(sources=sources) and load_regimes(sources=sources).regimes


def test_a_citation_to_nothing_is_found(tmp_path):
    root = tmp_path / "repo"
    shutil.copytree(REPO_ROOT / "seeds", root / "seeds", ignore=shutil.ignore_patterns("documents"))
    (root / "scenarios").mkdir()
    (root / "docs").mkdir()
    (root / "scenarios" / "x.yaml").write_text(
        "sources:\n"
        '  a: {basis: public, source: "[no-such-paper-2020] says so"}\n'
        '  b: {basis: seed, source: "a seed, uncited"}\n'
        '  c: {basis: public, source: "as a"}\n'
        "  d: {basis: assumption, source: gatesim}\n",
        encoding="utf-8",
    )
    (root / "docs" / "d.md").write_text(
        "as [vietnamvn-2024-08-23] and [bad-id-1999] say; a [link-text](https://x.org) is no citation\n",
        encoding="utf-8",
    )
    problems = citation_problems(load_sources(), root)
    text = "\n".join(problems)
    assert "scenarios/x.yaml:2: sources.a: cites [no-such-paper-2020]" in text
    assert "scenarios/x.yaml:3: sources.b: cites no entry" in text
    assert "sources.c" not in text and "sources.d" not in text  # "as ..." refers; an assumption need not cite
    assert "docs/d.md:1: text: cites [bad-id-1999]" in text
    assert "vietnamvn-2024-08-23" not in text and "link-text" not in text
    assert len(problems) == 3, problems


@pytest.mark.parametrize("name", OUTSIDE)
def test_a_reference_outside_the_repository_is_found(tmp_path, name):
    root = tmp_path / "repo"
    shutil.copytree(REPO_ROOT / "seeds", root / "seeds", ignore=shutil.ignore_patterns("documents"))
    (root / "tests").mkdir()
    (root / "tests" / "t.py").write_text(f"# see {name}\n", encoding="utf-8")
    problems = citation_problems(load_sources(), root)
    assert problems == [f"tests/t.py:1: refers to {name!r}, a file outside the repository"]


def test_cited_ids_reads_brackets_not_links():
    assert cited_ids("[seed-002] (F1) and [a-b](u) and [x] and [tuoitre-2021-12-19]") == [
        "seed-002",
        "tuoitre-2021-12-19",
    ]


def test_a_well_formed_entry_is_typed(tmp_path):
    src = load_sources(_write(tmp_path, _ENTRY))["paper-2024-05-31"]
    fig = src.figures[0]
    assert (fig.value, fig.qualifier, fig.high) == (750.0, "over", None)
    assert src.year == 2024


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ("  - id: paper-2024-05-31", "  - id: Paper 2024", "sources.0.id"),
        ("    url: https://example.org/a\n", "", "a located source gives a url or a document"),
        ("    date: 2024-05-31", "    date: 31/05/2024", "a date is YYYY-MM-DD, YYYY-MM or YYYY"),
        ("qualifier: over,", "qualifier: range,", "a range gives both value and high"),
        ("value: 750,", "value: many,", "sources.0.figures.0.value"),
        ("    used_for: a test", "    used_for: a test\n    colour: red", "unknown key"),
        ("    language: vi", "    language: fr", "sources.0.language"),
    ],
)
def test_a_bad_entry_is_refused_in_one_line(tmp_path, old, new, message):
    assert old in _ENTRY
    path = _write(tmp_path, _ENTRY.replace(old, new))
    with pytest.raises(InputError) as err:
        load_sources(path)
    text = str(err.value)
    assert message in text and str(path) in text and "\n" not in text


def test_a_duplicate_id_is_refused(tmp_path):
    body = _ENTRY.split("\n", 1)[1]
    path = _write(tmp_path, _ENTRY + body)
    with pytest.raises(InputError, match=r"sources\.yaml:\d+: sources\.1\.id: duplicate source id"):
        load_sources(path)


def test_an_entry_not_located_gives_its_reference(tmp_path):
    text = _ENTRY.replace("    url: https://example.org/a\n", "    located: false\n")
    with pytest.raises(InputError, match="bibliographic reference"):
        load_sources(_write(tmp_path, text))
    fixed = text.replace("    located: false\n", "    located: false\n    reference: A. Author (2024)\n")
    assert not load_sources(_write(tmp_path, fixed))["paper-2024-05-31"].located


def test_a_document_must_be_inside_the_repository(tmp_path):
    text = _ENTRY.replace("    url: https://example.org/a\n", "    document: ../elsewhere/a.txt\n")
    with pytest.raises(InputError, match="a document is a path inside the repository"):
        load_sources(_write(tmp_path, text))
    missing = _ENTRY.replace("    url: https://example.org/a\n", "    document: seeds/documents/none.txt\n")
    with pytest.raises(InputError, match="no such document in the repository"):
        load_sources(_write(tmp_path, missing))


def test_the_default_path_is_the_repository_file():
    assert SOURCES_PATH == REPO_ROOT / "seeds" / "sources.yaml"


def test_a_bulletin_row_without_a_source_is_refused(tmp_path):
    path = tmp_path / "bulletins.csv"
    path.write_text(
        ",".join(COLUMNS) + "\n2024-08-22,20,province,export,all,1,369,328,,false,,\n", encoding="utf-8"
    )
    with pytest.raises(InputError, match=r"bulletins\.csv:2: source: a row without a source"):
        load_bulletins(path, load_sources())
