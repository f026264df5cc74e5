"""Routing rules (a route's ``skip``): the shipped example on the log, on every engine.

``scenarios/fruit_night_fees_skip.yaml``: fruit exports at Tân Thanh and Hữu Nghị
pass the fee counter by from 18:00 to midnight. The random scenarios of
``test_engine_twin.py`` and ``test_engine_kernel.py`` draw routing rules too.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from gatesim.errors import InputError
from gatesim.events.kinds import Kind
from gatesim.model.engines import kernel_refusal
from gatesim.model.kernel_sim import simulate_kernel
from gatesim.model.reference import simulate_reference
from gatesim.model.simulate import simulate
from gatesim.projections.tables import tables
from gatesim.scenario.load import load_scenario, validate
from gatesim.scenario.schema import CARGO_CLASSES, DIRECTIONS
from tests.helpers.twin_compare import compare_paths

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "scenarios" / "fruit_night_fees_skip.yaml"
FRUIT, EXPORT = CARGO_CLASSES.index("fruit"), DIRECTIONS.index("export")


@pytest.fixture(scope="module")
def example():
    scenario, _ = load_scenario(EXAMPLE)
    return scenario


@pytest.fixture(scope="module")
def example_logs(example):
    """The decoded logs of the fast engine, the kernel and the twin (2 days)."""
    out = []
    for engine in (simulate, simulate_kernel, simulate_reference):
        log, meta = engine(example, 2, 0, 4)
        out.append(log.decode(meta))
    return out


def test_the_example_runs_on_the_kernel(example):
    assert kernel_refusal(example) is None


def test_no_fruit_export_joins_the_fee_queue_at_night_and_the_rest_do(example_logs):
    log = example_logs[0]
    meta = log.meta
    fees = meta["stages"].index("fees")
    gates = [g["id"] for g in meta["gates"]]
    fruit_export = (log.payload["cargo"] == FRUIT) & (log.payload["direction"] == EXPORT)
    for gid in ("tan_thanh", "huu_nghi", "chi_ma"):
        rows = log.gate_slice(gates.index(gid))
        queued = (log.kind[rows] == Kind.QUEUED) & (log.stage[rows] == fees)
        trucks, hour = log.truck[rows][queued], log.t_h[rows][queued] % 24.0
        night = hour >= 18.0
        fruit = fruit_export[trucks]
        if gid == "chi_ma":  # no rule there: fruit queues at night as before
            assert (fruit & night).any()
        else:
            assert not (fruit & night).any(), gid
            assert (fruit & ~night).sum() > 20  # fruit still pays at the counter by day
            assert (~fruit & night).sum() > 20  # and the others at night
            # the fruit exports that crossed: some at night without a fee-counter visit
            crossed = np.unique(log.truck[rows][log.kind[rows] == Kind.CROSSED])
            crossed = crossed[fruit_export[crossed]]
            assert np.setdiff1d(crossed, trucks).size > 5


def test_conservation_with_the_rule(example_logs):
    summary, _ = tables(example_logs[0])
    assert len(summary) == 4
    assert (summary["arrivals"] == summary["departures"] + summary["left_in_system"]).all()


def test_every_engine_honours_the_rule_alike(example_logs):
    fast, kernel, twin = example_logs
    for name in ("truck", "gate", "stage", "kind"):  # kernel = fast, row by row
        assert np.array_equal(getattr(fast, name), getattr(kernel, name)), name
    assert np.array_equal(fast.t_h.view(np.int64), kernel.t_h.view(np.int64))  # bit for bit
    msg = compare_paths(kernel, twin)  # = the twin, per truck
    assert msg is None, msg


def test_a_rule_at_a_yard_end_or_off_the_route_is_refused(example):
    data = example.model_dump(mode="json", exclude_none=True)
    route = data["gates"]["tan_thanh"]["routes"]["export"]
    for stage in ("declaration", "cn_release"):
        route["skip"] = [{"stage": stage, "by": "cargo", "classes": ["fruit"], "from_h": 18, "to_h": 24}]
        with pytest.raises(InputError, match="skip"):
            validate(data)
    route["skip"] = [{"stage": "fees", "by": "cargo", "classes": ["durian"], "from_h": 18, "to_h": 24}]
    with pytest.raises(InputError, match="cargo classes"):
        validate(data)
