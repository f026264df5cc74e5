"""Both languages everywhere: every KPI registry label and every phrase of the answer has English and
Vietnamese; figures read in plain units."""

from __future__ import annotations

import string

from gatesim.answer.unknowns import UNKNOWNS
from gatesim.answer.words import PHRASES, plain, signed
from gatesim.compare.verdict import EXACT_ZERO, NO_DETECTABLE, ROBUST, SATURATED, SIZE_CLASSES, SPLIT_SIGN
from gatesim.projections import registry


def test_every_registry_label_has_both_languages():
    for k in registry.KPIS:
        assert k.label.strip() and k.label_vi.strip(), k.column
        assert k.label_vi != k.label or k.column in ("co2_kg",), k.column
    for stage in registry.STAGE_LABELS:
        assert registry.STAGE_LABELS_VI.get(stage), stage
    assert registry.label("util_road", "vi") == "mức sử dụng: đường chuyên dụng"
    assert registry.label("util_road") == "utilisation: dedicated road"


def test_every_phrase_has_both_languages_with_the_same_fields():
    fields = string.Formatter()
    for key, (en, vi) in PHRASES.items():
        assert en.strip() and vi.strip(), key
        assert {f[1] for f in fields.parse(en) if f[1]} == {f[1] for f in fields.parse(vi) if f[1]}, key
    for verdict in (EXACT_ZERO, NO_DETECTABLE, ROBUST, SPLIT_SIGN, SATURATED, *SIZE_CLASSES):
        assert verdict in PHRASES and (verdict in SIZE_CLASSES or "short:" + verdict in PHRASES)
    for name, words in UNKNOWNS.items():
        assert all(w for i, w in enumerate(words) if i != 2), name


def test_plain_units():
    assert plain(3.9667, "h") == "3 h 58 min"
    assert signed(-0.1, "h") == "\u22126 min"
    assert signed(-0.1, "h", "vi") == "\u22126 phút"
    assert plain(184.5e9, "VND") == "184.5 bn VND"
    assert plain(184.5e9, "VND", "vi") == "184.5 tỷ đồng"
    assert signed(0.004, "trucks") == "0 trucks"
    assert signed(12.3, "trucks/day") == "+12 trucks/day"


def test_every_varied_prior_of_the_shipped_priors_has_words_and_a_measurement():
    """An unknown the answer may name is named in words, in both languages, with what would settle it."""
    from pathlib import Path

    from ruamel.yaml import YAML

    from gatesim.answer.unknowns import UNKNOWNS

    root = Path(__file__).resolve().parents[2]
    varied = YAML(typ="safe").load((root / "scenarios" / "baseline_2026.priors.yaml").read_text())["varied"]
    missing = sorted(set(varied) - set(UNKNOWNS))
    assert not missing, f"priors without words in gatesim/answer/unknowns.py: {missing}"
    assert all(all(words[i] for i in (0, 1, 3, 4)) for words in UNKNOWNS.values())


def test_an_unknown_of_one_gate_is_not_asked_to_explain_another():
    """Without a corridor the gates do not interact: Chi Ma's yard cannot move Tân Thanh's wait."""
    from pathlib import Path

    from gatesim.answer.plan import gates_of_unknowns
    from gatesim.scenario.load import load_scenario
    from gatesim.trust.priors import default_priors_path, load_priors

    root = Path(__file__).resolve().parents[2] / "scenarios" / "baseline_2026.yaml"
    sc, res = load_scenario(root)
    reach = gates_of_unknowns(load_priors(default_priors_path(root), sc, res).varied)
    assert reach["cm_yard_trucks"] == {"chi_ma"}
    assert reach["tt_yard_trucks"] == {"tan_thanh"}
    assert reach["cn_china_close_h"] == {"coc_nam"}
    assert "tan_thanh" in reach.get("road_per_lane_h", {"tan_thanh"})
