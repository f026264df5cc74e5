"""An experiment of the trust machinery as a sweep: its identity and the sweep built from it.

The identity is what makes a directory's stored runs this experiment's own (a resumed fit,
stability test, assessment or held-out prediction reuses them only when it matches): the
experiment's own fields, the base scenario as resolved, the points' parameters, the days,
replications and seed. The sweep is built here, not read from a sweep file.
"""

from __future__ import annotations

from typing import Any

from gatesim.sweep.spec import Point, Sweep

__all__ = ["experiment_identity", "experiment_sweep"]


def experiment_identity(
    fields: dict[str, Any],
    base_resolved: dict,
    points: list[Point],
    days: int,
    replications: int,
    seed: int,
) -> dict[str, Any]:
    """``fields`` (what names the experiment) with what every experiment is identified by."""
    return {
        **fields,
        "base_resolved": base_resolved,
        "points": [p.params for p in points],
        "days": days,
        "replications": replications,
        "seed": seed,
    }


def experiment_sweep(
    file: str,
    base_name: str,
    param_names: list[str],
    points: list[Point],
    days: int,
    replications: int,
    seed: int,
    identity: dict[str, Any],
    digest: str,
) -> Sweep:
    """The sweep of ``points`` under ``identity`` (hashed as ``digest``)."""
    return Sweep(
        file=file,
        spec=None,  # type: ignore[arg-type]  # built here, not read from a sweep file
        base_name=base_name,
        param_names=param_names,
        points=points,
        days=days,
        replications=replications,
        seed=seed,
        identity=identity,
        hash=digest,
    )
