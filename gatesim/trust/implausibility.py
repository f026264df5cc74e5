"""The implausibility of a model value against a published figure (history matching).

I(x) = |z - f(x)| / sqrt(sd_obs^2 + sd_sim^2 + sd_disc^2): z the published figure, f the model's
value, and the observation, simulation and model-discrepancy sds (Craig et al. 1997; Vernon et
al. 2010). The fit rules sets out with it; the calibration page reports it per target.
"""

from __future__ import annotations

from typing import Any

import numpy as np

__all__ = ["implausibility"]


def implausibility(
    obs: float, sim: Any, obs_sd: float, sim_sd: Any, disc_sd: float, upper_only: bool = False
) -> np.ndarray:
    """|z - f| / sqrt(obs var + sim var + discrepancy var) (NaN where the model gave no value).

    ``upper_only``: the figure is an upper bound; a model value below it is never implausible.
    """
    diff = np.asarray(sim, float) - obs
    diff = np.where(np.isnan(diff), np.nan, np.maximum(diff, 0.0)) if upper_only else np.abs(diff)
    return diff / np.sqrt(obs_sd**2 + np.asarray(sim_sd, float) ** 2 + disc_sd**2)
