"""A period's published points: what is held out, what went into its inputs, how each is counted."""

from __future__ import annotations

import pytest

from gatesim.errors import InputError
from gatesim.evidence.bulletins import load_bulletins
from gatesim.evidence.regimes import InputCount, load_regimes
from gatesim.trust.holdout import HELD_OUT, INPUT, published_points


@pytest.fixture(scope="module")
def seeds():
    return load_regimes(), load_bulletins()


def test_feb_2022_holds_out_the_later_counts_and_shows_its_inputs(seeds):
    reg, rows = seeds
    pts = published_points("feb_2022", reg.periods["feb_2022"], rows, reg.file)
    by = {(p.date.isoformat(), p.place, p.kind): p for p in pts}
    # the trucks waiting on 11 Feb are the backlog the period starts from: inputs
    assert by[("2022-02-11", "huu_nghi", "waiting")].role == INPUT
    assert by[("2022-02-11", "huu_nghi+tan_thanh+chi_ma", "waiting")].role == INPUT
    # the Chinese side's 69 and 39 a day are the period's capacities: inputs
    assert by[("2022-02-17", "huu_nghi", "cleared")].role == INPUT
    # the density map of 13 Feb and the 17:00 counts of 17 Feb are held out
    p13 = by[("2022-02-13", "tan_thanh", "waiting")]
    assert p13.role == HELD_OUT and p13.hour == 8 and p13.counted == "export"  # direction unstated
    assert by[("2022-02-17", "coc_nam", "waiting")].role == HELD_OUT
    cleared = by[("2022-02-11", "huu_nghi+tan_thanh+chi_ma", "cleared")]
    assert cleared.role == HELD_OUT and cleared.text == "70-90"
    assert cleared.rule() == (
        "crossings_per_day",
        {
            "start": "2022-02-11",
            "end": "2022-02-11",
            "gates": ["huu_nghi", "tan_thanh", "chi_ma"],
            "direction": "export",
        },
    )
    # Chi Ma has no traffic in the period: its three-gate series is Hữu Nghị + Tân Thanh's
    assert cleared.series == "cleared huu_nghi+tan_thanh export"
    assert [p.instant for p in pts] == sorted(p.instant for p in pts)
    assert not any(p.date.isoformat() == "2022-02-10" for p in pts)  # the warm-up day is left out


def test_a_count_with_no_hour_is_read_from_its_note_or_at_20h(seeds):
    reg, rows = seeds
    pts = published_points("jan_2022", reg.periods["jan_2022"], rows, reg.file)
    waiting = {p.date.isoformat(): p for p in pts if p.kind == "waiting"}
    assert waiting["2021-12-31"].hour == 24  # "end of 31 Dec"
    assert waiting["2022-01-02"].hour == 20 and "20:00" in waiting["2022-01-02"].hour_rule
    # the province and the three gates are one series when Cốc Nam carries nothing
    assert waiting["2021-12-31"].series == waiting["2022-01-02"].series
    assert {p.role for p in pts if p.kind == "cleared" and p.date.isoformat() == "2022-01-02"} == {INPUT}


def test_days_cut_the_points_and_an_unmatched_input_is_refused(seeds):
    reg, rows = seeds
    may = reg.periods["may_2023"]
    first_two = published_points("may_2023", may, rows, reg.file, days=2)
    assert first_two and all(p.role == INPUT for p in first_two)
    wrong = may.model_copy(
        update={"inputs": [InputCount(date=may.start, place="tan_thanh", count="waiting", source="seed-000")]}
    )
    with pytest.raises(InputError) as e:
        published_points("may_2023", wrong, rows, reg.file)
    assert "periods.may_2023.inputs" in str(e.value) and "regimes.yaml" in str(e.value)
