"""Evidence: the public documents gatesim rests on, the published bulletin counts and the dated
regimes (closures, cargo-class stops, hours) that a historical period's scenario replays."""

from gatesim.evidence.bulletins import BULLETINS_PATH, Bulletin, Count, load_bulletins
from gatesim.evidence.sources import SOURCES_PATH, Figure, Source, Sources, load_sources

__all__ = [
    "BULLETINS_PATH",
    "SOURCES_PATH",
    "Bulletin",
    "Count",
    "Figure",
    "Source",
    "Sources",
    "load_bulletins",
    "load_sources",
]
