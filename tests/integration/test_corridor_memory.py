"""Memory of a run: what is freed after the simulation, and the corridor's
compact per-truck state gives the same trucks and the same log as the plain one."""

from __future__ import annotations

import gc
import hashlib
import weakref
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest

from gatesim.model.corridor.booking import books_mask
from gatesim.model.corridor.choice import captive_bands, captive_gate
from gatesim.model.corridor.columns import CorridorColumns
from gatesim.model.corridor.waits import PublishedWaits
from gatesim.model.simulate import simulate
from gatesim.scenario.load import load_scenario

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[2]


def _log_digest(live, meta) -> str:
    log = live.decode(meta)
    h = hashlib.sha256()
    for c in (log.t_h, log.truck, log.gate, log.stage, log.kind, log.servers):
        h.update(np.ascontiguousarray(c).tobytes())
    for k in sorted(log.payload):
        h.update(log.payload[k].tobytes())
    return h.hexdigest()


@pytest.mark.parametrize("name", ["baseline_2026.yaml", "corridor_metering.yaml"])
def test_simulate_frees_the_runs_objects_before_returning(name):
    # Trucks still in the system at the horizon keep the gates' runtimes (and every
    # per-truck column) in reference cycles; simulate collects them itself, so the
    # decode and projections that follow do not carry them. Automatic collection is off
    # here, so only simulate's own collection can free them.
    sc, _ = load_scenario(ROOT / "scenarios" / name, [])
    refs: list[weakref.ref] = []
    was = gc.isenabled()
    gc.disable()
    try:
        live, meta = simulate(
            sc, 2, 0, 5, on_build=lambda gates: refs.extend(map(weakref.ref, gates.values()))
        )
    finally:
        if was:
            gc.enable()
    assert len(live) > 0 and refs
    assert [r() for r in refs] == [None] * len(refs)


def test_service_variates_in_place_give_the_same_log(monkeypatch):
    sc, _ = load_scenario(
        ROOT / "scenarios" / "corridor_booking.yaml",
        ["corridor.metering={tan_thanh: {approach_max_trucks: 20}, huu_nghi: {approach_max_trucks: 20}}"],
    )
    compact = _log_digest(*simulate(sc, 2, 0, 3))
    monkeypatch.setattr(CorridorColumns, "service_in_place", False)
    plain = _log_digest(*simulate(sc, 2, 0, 3))
    assert compact == plain


@pytest.mark.parametrize(
    "shares", [[0.3, 0.2, 0.02, 0.08], [0.0, 0.5, 0.0, 0.5], [0.0, 0.0, 0.0], [1.0, 0.0]]
)
def test_captive_band_and_booking_decided_up_front_match_the_scalar_rules(shares):
    rng = np.random.default_rng(1)
    n = 20_000
    u_cap = np.r_[rng.random(n), np.cumsum(shares), 0.0]  # the band edges themselves too
    u_cap = u_cap[u_cap < 1.0]
    u_book, u_show = rng.random(u_cap.size), rng.random(u_cap.size)
    rule = SimpleNamespace(share_booking=0.5, no_show=0.1)
    assert captive_bands(u_cap, shares).tolist() == [captive_gate(float(x), shares) for x in u_cap]
    assert books_mask(None, u_book, u_show) is None
    expected = [x < 0.5 and y >= 0.1 for x, y in zip(u_book, u_show)]
    assert books_mask(rule, u_book, u_show).tolist() == expected


def test_seen_waits_are_the_latest_published_before_the_delay():
    n_gates, nd = 2, 2
    times = [0.0, 0.25, 0.5, 0.75, 1.0]
    rows = [[10 * i + j for j in range(n_gates * nd)] for i in range(len(times))]
    published = PublishedWaits(SimpleNamespace(info_delay_h=0.5, fixed_wait_h=None), ["a", "b"])
    published.t_h.extend(times)
    published.wait_h.extend([x for r in rows for x in r])
    for now in [0.0, 0.3, 0.5, 0.74, 0.75, 1.2, 1.5, 9.0]:
        target = now - 0.5
        i = max([j for j, t in enumerate(times) if t <= target], default=0)
        assert list(published.seen(now)) == rows[i]
