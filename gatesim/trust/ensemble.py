"""The plausible ensemble file (``ensemble.csv`` of a fit) read back for ``assess``.

Each row is a parameter set not ruled out, with its implausibility; the
columns ``scenario``, ``scenario_hash`` and ``priors`` say which scenario and
priors file it belongs to, so an ensemble is never applied to another one.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from gatesim.errors import InputError
from gatesim.trust.priors import Priors

__all__ = ["Ensemble", "load_ensemble"]

_ID_COLUMNS = ["scenario", "scenario_hash", "priors", "set_id", "I_max"]


@dataclass(frozen=True)
class Ensemble:
    file: str
    scenario: str
    scenario_hash: str
    priors_digest: str
    sets: pd.DataFrame  # set_id, parameters, I_max, ...

    def worlds(self, priors: Priors, n: int | None = None) -> list[dict[str, Any]]:
        """``n`` sets spread evenly over the file's order (best fit first), as {set_id, parameter: value}.

        Spread, not the best ``n``: the best alone would understate the ensemble's spread.
        """
        from gatesim.trust.fit import spread

        rows = spread(self.sets, n)
        return [{"set_id": int(r["set_id"]), **{k: r[k] for k in priors.names}} for _, r in rows.iterrows()]


def load_ensemble(path: str | Path) -> Ensemble:
    path = Path(path)
    file = str(path)
    if not path.is_file():
        what = "not found" if not path.exists() else "is not a regular file (a directory, FIFO or device)"
        raise InputError(
            f"ensemble file {what}", file=file, allowed="ensemble.csv written by gatesim calibrate --fit"
        )
    try:
        df = pd.read_csv(path, keep_default_na=True)
    except (ValueError, OSError, pd.errors.ParserError) as e:
        raise InputError(
            f"not a CSV file ({str(e).splitlines()[0] if str(e) else type(e).__name__})", file=file
        ) from None
    missing = [c for c in _ID_COLUMNS if c not in df.columns]
    if missing:
        raise InputError(
            "not an ensemble file: missing columns", file=file, given=missing, allowed=", ".join(_ID_COLUMNS)
        )
    if df.empty:
        raise InputError("the ensemble has no parameter sets", file=file, allowed="a fit with plausible sets")
    for col in ("scenario", "scenario_hash", "priors"):
        if df[col].nunique() != 1:
            raise InputError(
                f"mixes several values of {col}", file=file, key=col, given=sorted(map(str, df[col].unique()))
            )
    first = df.iloc[0]
    return Ensemble(file, str(first["scenario"]), str(first["scenario_hash"]), str(first["priors"]), df)
