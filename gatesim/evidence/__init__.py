"""Evidence: the public documents gatesim rests on, the published bulletin counts and the dated
regimes (closures, cargo-class stops, hours) that a historical period's scenario replays."""

from gatesim.evidence.bulletins import BULLETINS_PATH, Bulletin, Count, load_bulletins
from gatesim.evidence.history import historical_scenario, period_overrides, scenario_text
from gatesim.evidence.regimes import REGIMES_PATH, Period, RegimeEntry, Regimes, load_regimes
from gatesim.evidence.sources import SOURCES_PATH, Figure, Source, Sources, load_sources

__all__ = [
    "BULLETINS_PATH",
    "REGIMES_PATH",
    "SOURCES_PATH",
    "Bulletin",
    "Count",
    "Figure",
    "Period",
    "RegimeEntry",
    "Regimes",
    "Source",
    "Sources",
    "historical_scenario",
    "load_bulletins",
    "load_regimes",
    "load_sources",
    "period_overrides",
    "scenario_text",
]
