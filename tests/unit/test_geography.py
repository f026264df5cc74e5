"""seeds/geography.yaml: every place cites an entry of seeds/sources.yaml (or a seed document),
says whether it is published or approximate, and lies where the border gates are; a file
without its keys is refused in one line."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from ruamel.yaml import YAML

from gatesim.errors import InputError
from gatesim.report.map_data import GEOGRAPHY_PATH, load_geography

SOURCES = Path(__file__).resolve().parents[2] / "seeds" / "sources.yaml"


def test_every_place_cites_a_source_and_its_basis():
    geo = load_geography()
    ids = {s["id"] for s in YAML(typ="safe", pure=True).load(SOURCES.read_text(encoding="utf-8"))["sources"]}
    for pid, p in geo["places"].items():
        assert p["source"] in ids or re.fullmatch(r"seed-00[0-4]", p["source"]), pid
        assert p["basis"] in ("published", "approximation"), pid
        if p["basis"] == "approximation":
            assert "approximation" in p["note"], pid  # says so, and how far off it may be
        assert 21.6 < p["lat"] < 22.2 and 106.5 < p["lon"] < 107.2, pid  # Lạng Sơn's border


def test_the_four_gates_and_their_roads_are_there():
    geo = load_geography()
    for gate in ("tan_thanh", "huu_nghi", "coc_nam", "chi_ma"):
        assert gate in geo["places"] and gate in geo["roads"]
        end = geo["roads"][gate]["via"][-1]
        assert end == [geo["places"][gate]["lat"], geo["places"][gate]["lon"]]  # each road ends at its gate


def test_a_file_without_its_keys_is_refused(tmp_path):
    bad = tmp_path / "geo.yaml"
    bad.write_text("places: {}\nroads: {}\n")
    with pytest.raises(InputError, match="places, roads, border"):
        load_geography(bad)
    assert GEOGRAPHY_PATH.is_file()
