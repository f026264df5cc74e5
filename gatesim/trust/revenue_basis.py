"""What the modelled revenue is compared against: one definition for ``gatesim run`` and ``gatesim revenue``.

The 2026 targets are the whole customs region's. The model has four gates,
but the region's 2025 revenue is published by gate only for Hữu Nghị and Tân
Thanh (``seeds/revenue_2025.yaml``). So "% of target" is always:

    annual tax of Hữu Nghị + Tân Thanh (modelled)
    ------------------------------------------------
    target x their 2025 share of the region's revenue

the same gates above and below the line (Cốc Nam's and Chi Ma's revenue is
modelled and shown, but no published share belongs to it). The figures, their
sources and the seeds' disagreement on the region's run-rate are read from the
seeds file, not written in code.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from gatesim.errors import InputError

__all__ = ["RevenueBasis", "load_revenue_basis", "mean_growth_factor", "target_lines"]

REVENUE_SEEDS_PATH = Path(__file__).resolve().parents[2] / "seeds" / "revenue_2025.yaml"


@dataclass(frozen=True)
class RevenueBasis:
    gates: tuple[str, ...]  # the gates whose 2025 share is published
    share: float  # their share of the region's revenue, 2025
    share_sd: float
    share_period: str
    per_truck_growth: dict[str, tuple[float, float]]  # value / tax: (low, high) over 2026
    run_rates: list[dict[str, Any]]  # the seeds' January 2026 run-rates (id, VND/day, source)

    @property
    def run_rate_ratio(self) -> float:
        v = [float(r["value_vnd_per_day"]) for r in self.run_rates]
        return max(v) / min(v) if v and min(v) > 0 else math.nan

    def disagreement(self) -> str:
        """One line: the seeds' run-rates and their ratio."""
        parts = [
            f"{r['id']} {float(r['value_vnd_per_day']) / 1e9:,.1f} bn VND/day ({r['source']})"
            for r in self.run_rates
        ]
        return (
            f"the seeds disagree on the region's January 2026 run-rate by {self.run_rate_ratio:.1f}x: "
            + " vs ".join(parts)
            + "; the model's tax is fitted to the first (Tân Thanh's F3)"
        )


def _need(data: Any, key: str, file: str) -> Any:
    if not isinstance(data, dict) or key not in data:
        raise InputError("missing key", file=file, key=key)
    return data[key]


def load_revenue_basis(path: str | Path | None = None) -> RevenueBasis:
    """Read ``seeds/revenue_2025.yaml`` (one line naming the key on a problem)."""
    from gatesim.scenario.load import read_yaml

    path = Path(path) if path else REVENUE_SEEDS_PATH
    file = str(path)
    if not path.is_file():
        raise InputError("revenue seeds file not found", file=file)
    data = read_yaml(path, {})
    share = _need(data, "share", file)
    gates = _need(share, "gates_vnd", file)
    region = float(_need(_need(share, "region_vnd", file), "value", file))
    part = sum(float(_need(g, "value", file)) for g in gates.values())
    if not 0 < part <= region:
        raise InputError(
            "the gates' revenue must be positive and within the region's", file=file, key="share"
        )
    growth = {
        k: (float(_need(v, "low", file)), float(_need(v, "high", file)))
        for k, v in _need(data, "per_truck_growth_2026", file).items()
    }
    return RevenueBasis(
        tuple(gates),
        part / region,
        float(share.get("sd", 0.0)),
        str(share.get("period", "")),
        growth,
        list(_need(data, "run_rate_jan_2026", file)),
    )


def mean_growth_factor(g: float) -> float:
    """The year's mean of (1 + g)^t over t in [0, 1): a level growing at g a year from January's."""
    return 1.0 if abs(g) < 1e-12 else g / math.log1p(g)


def share_of_target(annual_by_gate: dict[str, float], target_vnd: float, basis: RevenueBasis) -> float | None:
    """Modelled annual tax of the basis gates over their part of ``target_vnd`` (None: a gate is not modelled)."""
    if any(g not in annual_by_gate for g in basis.gates) or target_vnd <= 0:
        return None
    return sum(annual_by_gate[g] for g in basis.gates) / (target_vnd * basis.share)


def target_lines(
    annual_by_gate: dict[str, float],
    targets_vnd: dict[str, float],
    basis: RevenueBasis,
    gate_names: dict[str, str] | None = None,
) -> list[str]:
    """The run's lines against each 2026 target, by the one definition (module docstring)."""
    names = " + ".join((gate_names or {}).get(g, g) for g in basis.gates)
    if any(g not in annual_by_gate for g in basis.gates):
        return [
            f"  no comparison with the 2026 targets: the published share is for {names}, not all modelled here"
        ]
    lines = [
        f"  against the 2026 targets: {names} (modelled) over the target x their 2025 share of the region "
        f"({basis.share:.3f}, {basis.share_period}); at January 2026's tax per truck"
    ]
    for name, target in targets_vnd.items():
        pct = share_of_target(annual_by_gate, target, basis)
        part = target * basis.share
        lines.append(
            f"  2026 target {name}: {target / 1e9:,.0f} billion VND, {names}'s part {part / 1e9:,.0f} -> "
            + ("-" if pct is None else f"{100 * pct:.0f}%")
        )
    lines.append("  " + basis.disagreement())
    return lines
