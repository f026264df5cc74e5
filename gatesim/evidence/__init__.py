"""Evidence: the public documents gatesim rests on, the published bulletin counts and the dated
regimes (closures, cargo-class stops, hours) that a historical period's scenario replays."""

from gatesim.evidence.sources import SOURCES_PATH, Figure, Source, Sources, load_sources

__all__ = ["SOURCES_PATH", "Figure", "Source", "Sources", "load_sources"]
