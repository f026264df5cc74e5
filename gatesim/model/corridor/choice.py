"""Gate choice: captive shares, then a multinomial logit on a generalised cost.

Pure functions of numbers, so the closed form can be tested directly.
A truck's choice uses its own uniform draws (``u_captive``, ``u_choice``),
from corridor streams indexed by the corridor truck: the same truck draws the
same numbers in every scenario (common random numbers).
"""

from __future__ import annotations

import math

import numpy as np

__all__ = ["captive_bands", "logit_pick"]


def logit_probabilities(cost_h: np.ndarray, scale_h: float, eligible: np.ndarray) -> np.ndarray:
    """P(gate) ∝ exp(-cost / scale) over eligible gates (0 elsewhere); all zero if none is."""
    p = np.zeros(cost_h.shape)
    if not eligible.any():
        return p
    c = cost_h[eligible]
    # shift by the minimum: exp never overflows, a prohibitive cost gives exactly 0
    w = np.exp(-(c - c.min()) / scale_h)
    p[eligible] = w / w.sum()
    return p


def pick(p: np.ndarray | list[float], u: float, total: float = 1.0) -> int:
    """The gate whose cumulative probability band holds ``u`` (-1 if p is all zero); with
    ``total``, ``p`` are weights and each band is ``weight / total`` (x / 1.0 is x exactly)."""
    band = 0.0
    last = -1
    for i, w in enumerate(p):
        pi = w / total
        if pi <= 0.0:
            continue
        band += pi
        last = i
        if u < band:
            return i
    return last  # rounding: u just under 1


def captive_gate(u: float, captive: list[float]) -> int:
    """The gate a truck is captive to (bands of ``captive`` shares in gate order), or -1."""
    total = 0.0
    for i, share in enumerate(captive):
        total += share
        if share > 0.0 and u < total:
            return i
    return -1


def captive_bands(u: np.ndarray, captive: list[float]) -> np.ndarray:
    """:func:`captive_gate` of every truck's uniform at once (int8; -1: not captive): the
    first band whose cumulative share, summed in gate order as there, exceeds the uniform
    (a zero share adds no band)."""
    totals, total = [], 0.0
    for share in captive:
        total += share
        totals.append(total)
    band = np.searchsorted(np.array(totals), u, side="right")
    return np.where(band < len(totals), band, -1).astype(np.int8)


def expected_shares(
    cost_h: np.ndarray, scale_h: float, captive: np.ndarray, eligible: np.ndarray
) -> np.ndarray:
    """Closed-form gate shares: captive shares plus the rest split by the logit."""
    free = 1.0 - float(captive.sum())
    return captive + free * logit_probabilities(cost_h, scale_h, eligible)


def logit_pick(cost_h: list[float], eligible: list[bool], scale_h: float, u: float) -> int:
    """``pick(logit_probabilities(...), u)`` in plain Python (once per truck in a run): the
    weights' bands divided as they are walked, with no list of probabilities."""
    c_min = min(c for c, e in zip(cost_h, eligible) if e)
    exp = math.exp
    w = [exp(-(c - c_min) / scale_h) if e else 0.0 for c, e in zip(cost_h, eligible)]
    return pick(w, u, sum(w))
