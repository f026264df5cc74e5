"""Each truck's attributes and service times, drawn in numpy blocks before the run.

Every source of randomness has its own stream (see ``streams``), and each
truck's draws are indexed by its arrival order, so the k-th truck of a gate
gets the same channel, value and base service variates in any scenario with
the same arrivals (common random numbers).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import NamedTuple

import numpy as np

from gatesim.events.log import NO_PRIORITY
from gatesim.model.arrivals import Arrivals
from gatesim.model.streams import stream
from gatesim.model.timeline import draw_positive
from gatesim.scenario.schema import (
    CARGO_CLASSES,
    CHANNELS,
    DIRECTIONS,
    Gate,
    PatienceByClass,
    RoadStage,
    Scenario,
    Service,
    class_values,
)

__all__ = ["Trucks", "draw_trucks", "mean_service_h", "queue_rule_draws", "unit_variates"]


@dataclass(frozen=True)
class Trucks:
    arrivals: Arrivals
    channel: np.ndarray  # uint8 index into CHANNELS
    transshipped: np.ndarray  # bool
    value_usd: np.ndarray
    tax_vnd: np.ndarray
    fee_vnd: np.ndarray
    service_h: dict[str, np.ndarray]  # stage id -> hours, per truck
    # Queue rules (general-path stages only): stage id -> per truck
    rank: dict[str, np.ndarray] = field(default_factory=dict)  # class rank, 0 first served
    patience_h: dict[str, np.ndarray] = field(default_factory=dict)  # inf: never reneges
    priority: np.ndarray | None = None  # rank at the gate's first priority stage (payload)

    def service_matrix(self, stage_ids: list[str]) -> np.ndarray:
        """The [stage, truck] service hours of ``stage_ids``: the draw's own matrix when they
        are its rows in order (no copy), else a stacked copy. Only ``service_h``'s arrays keep
        the draw's matrix alive, so clearing them frees it once its user lets it go."""
        n = self.arrivals.t_h.size
        rows = [self.service_h[sid] for sid in stage_ids]
        base = rows[0].base if rows else None
        if (
            isinstance(base, np.ndarray)
            and base.shape == (len(rows), n)
            and base.flags.c_contiguous
            and all(r.base is base and r.ctypes.data == base[i].ctypes.data for i, r in enumerate(rows))
        ):
            return base
        return np.stack(rows) if rows else np.empty((0, n))

    def payload(self) -> dict[str, np.ndarray]:
        n = self.arrivals.t_h.size
        return {
            "priority": self.priority if self.priority is not None else np.full(n, NO_PRIORITY, np.uint8),
            "direction": self.arrivals.direction,
            "cargo": self.arrivals.cargo,
            "channel": self.channel,
            "transshipped": self.transshipped,
            "value_usd": self.value_usd,
            "tax_vnd": self.tax_vnd,
            "fee_vnd": self.fee_vnd,
        }


def unit_variates(dist: str, cv: float, u: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
    """Mean-one variates of a distribution from uniforms ``u`` (inverse transform), written
    into ``out`` (a new array by default; ``u`` itself may be given)."""
    if out is None:
        out = np.empty_like(u)
    if dist == "deterministic" or (dist == "lognormal" and cv == 0):
        out.fill(1.0)
        return out
    # in place, with the same float operations (a year draws ~4M of them)
    if dist == "exponential":
        np.negative(u, out=out)
        np.log1p(out, out=out)
        return np.negative(out, out=out)
    from scipy.special import ndtri  # inverse normal CDF, vectorised

    scale, shift = _lognormal_scale_shift(cv)
    ndtri(u, out=out)
    out *= scale
    out -= shift
    return np.exp(out, out=out)


def _lognormal_scale_shift(cv: float) -> tuple[float, float]:
    """A mean-one lognormal of coefficient of variation ``cv`` is exp(scale * z - shift), z
    standard normal: scale = sqrt(log1p(cv^2)), shift = log1p(cv^2) / 2."""
    sigma2 = np.log1p(cv * cv)
    return float(np.sqrt(sigma2)), float(sigma2 / 2)


def _mean_service_min(svc: Service, channel: np.ndarray, transshipped: np.ndarray) -> np.ndarray:
    mean = np.full(channel.shape, svc.base_mean_min)
    if svc.transshipment_steps_min:
        mean += np.where(transshipped, svc.transshipment_mean_min, 0.0)
    if svc.by_channel_min is not None:
        per_channel = np.array([svc.by_channel_min[c] for c in CHANNELS])
        mean += per_channel[channel]
    return mean


def _lognormal_by_class(u: np.ndarray, cls: np.ndarray, cvs: list[float]) -> np.ndarray:
    """``unit_variates("lognormal", cvs[c], u)`` for each class c, in one pass over the trucks:
    each class's scale and shift computed as there and gathered (the same float operations)."""
    from scipy.special import ndtri  # inverse normal CDF, vectorised

    scale, shift = np.array([_lognormal_scale_shift(cv) for cv in cvs]).reshape(len(cvs), 2).T
    x = ndtri(u)
    x *= scale[cls]
    x -= shift[cls]
    np.exp(x, out=x)
    for c, cv in enumerate(cvs):
        if cv == 0:  # exactly one, as unit_variates gives (even for a uniform of 0)
            x[cls == c] = 1.0
    return x


# Every (channel, transshipped) pair, in the order of _mix_index: a stage's per-truck mean takes
# one of these few values, so it is computed for them and gathered (the same float operations)
_MIX_CHANNEL = np.repeat(np.arange(len(CHANNELS), dtype=np.uint8), 2)
_MIX_TRANSSHIPPED = np.tile(np.array([False, True]), len(CHANNELS))


def _mix_index(channel: np.ndarray, transshipped: np.ndarray) -> np.ndarray:
    """Each truck's row of a _MIX_* table."""
    idx = channel.astype(np.intp)
    idx *= 2
    idx += transshipped
    return idx


def mean_service_h(gate: Gate, stage_id: str) -> float:
    """Mean service hours of one truck at a stage over the gate's channel and transshipment
    mix: the expectation of the per-truck mean the model draws around (a road: its lane
    headway). The one figure live state, the corridor's gate choice and the report use."""
    stage = gate.stages[stage_id]
    if isinstance(stage, RoadStage):
        return 1.0 / stage.per_lane_vehicles_per_h
    svc, a = stage.service, gate.arrivals
    m = svc.base_mean_min + a.transshipment_share * svc.transshipment_mean_min
    if svc.by_channel_min is not None:
        m += sum(a.channel_shares[c] * svc.by_channel_min[c] for c in CHANNELS)
    return m / 60.0


def _categorical(u: np.ndarray, shares: list[float]) -> np.ndarray:
    """The category of each uniform: how many of the shares' cumulative edges are <= it
    (``searchsorted(edges, u, side="right")``, counted edge by edge: there are few)."""
    out = np.zeros(u.shape, np.uint8)
    for edge in np.cumsum(shares)[:-1]:
        out += u >= edge
    return out


def draw_trucks(scenario: Scenario, gate_id: str, arrivals: Arrivals, seed: int, replication: int) -> Trucks:
    gate: Gate = scenario.gates[gate_id]
    n = arrivals.t_h.size
    rng = lambda name: stream(seed, replication, gate_id, name)  # noqa: E731
    a = gate.arrivals
    channel = _categorical(rng("channel").random(n), [a.channel_shares[c] for c in CHANNELS])
    transshipped = rng("transshipment").random(n) < a.transshipment_share

    cargo = arrivals.cargo
    direction = arrivals.direction
    mean_value = np.array([scenario.cargo[c].value_usd_mean for c in CARGO_CLASSES])
    cv_value = np.array([scenario.cargo[c].value_cv for c in CARGO_CLASSES])
    value = _lognormal_by_class(rng("value").random(n), cargo, [float(cv) for cv in cv_value])
    # the same float operations in the same order, with fewer whole-year temporaries: a class's
    # factor is computed once and gathered (mean x multiplier), a fee added where it applies
    value *= (mean_value * gate.value_multiplier)[cargo]
    rate = np.array([[scenario.cargo[c].tax_rate[d] for c in CARGO_CLASSES] for d in DIRECTIONS])
    tax = value * scenario.economy.vnd_per_usd
    tax *= rate[direction, cargo]
    infra = np.array([scenario.fees.infrastructure_vnd_per_trip[d] for d in DIRECTIONS], np.float64)
    fee = infra[direction]
    np.add(fee, scenario.fees.transshipment_vnd_per_truck, out=fee, where=transshipped)

    # one matrix, a row per stage (gate.stages' order): the kernel runs on it as it is
    service = np.empty((len(gate.stages), n))
    mix = _mix_index(channel, transshipped)
    mean = np.empty(n)
    service_h: dict[str, np.ndarray] = {}
    for row, (sid, st) in zip(service, gate.stages.items()):
        if st.kind == "road":  # a lane's headway: its stream is not drawn (it decides nothing)
            row.fill(1.0 / st.per_lane_vehicles_per_h)
        else:
            svc = st.service
            rng(f"service/{sid}").random(out=row)  # the uniforms, turned into variates in place
            unit_variates(svc.dist, svc.cv, row, out=row)
            np.take(_mean_service_min(svc, _MIX_CHANNEL, _MIX_TRANSSHIPPED), mix, out=mean)
            row *= mean  # mean x variate, as mean * variate
            row /= 60.0
        service_h[sid] = row
    attrs = {"cargo": cargo, "channel": channel, "direction": direction}
    attrs["booked"] = np.ones(n, np.uint8)  # corridor: per-gate trucks all walk in
    q = queue_rule_draws(gate, attrs, rng, n)
    return Trucks(
        arrivals, channel, transshipped, value, tax, fee, service_h, q.rank, q.patience_h, q.priority
    )


class QueueRuleDraws(NamedTuple):
    """Per general-path stage id, each truck's class rank and patience; the payload's priority."""

    rank: dict[str, np.ndarray]
    patience_h: dict[str, np.ndarray]
    priority: np.ndarray | None  # rank at the gate's first priority stage


def queue_rule_draws(
    gate: Gate, attrs: dict[str, np.ndarray], rng: Callable[[str], np.random.Generator], n: int
) -> QueueRuleDraws:
    """Per general-path stage: each truck's class rank and patience (stream ``patience/<stage>``)."""
    rank: dict[str, np.ndarray] = {}
    patience: dict[str, np.ndarray] = {}
    priority = None
    for sid, st in gate.stages.items():
        if st.discipline == "priority" and st.priority_by is not None and st.priority_order is not None:
            values = class_values(st.priority_by)
            order = np.array([st.priority_order.index(v) for v in values], dtype=np.uint8)
            rank[sid] = order[attrs[st.priority_by]]
            if priority is None:
                priority = rank[sid]
        rule = st.patience_h
        if rule is not None:
            u = rng(f"patience/{sid}").random(n)
            if isinstance(rule, PatienceByClass):
                p = np.full(n, np.inf)
                values = class_values(rule.by)
                for name, spec in rule.classes.items():
                    m = attrs[rule.by] == values.index(name)
                    p[m] = draw_positive(spec, u[m])
            else:
                p = draw_positive(rule, u)
            patience[sid] = p
    return QueueRuleDraws(rank, patience, priority)
