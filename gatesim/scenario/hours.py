"""Daily opening hours: of a stage, or of the automated lane (gatesim/scenario/smart.py)."""

from __future__ import annotations

from typing import Literal

from pydantic import model_validator

from gatesim.scenario.base import Hour, StrictModel

__all__ = ["Hours"]


class Hours(StrictModel):
    """Daily opening hours in the local time of the side that runs the stage."""

    tz: Literal["hanoi", "china"] = "hanoi"
    open_h: Hour = 0.0
    close_h: Hour = 24.0

    @model_validator(mode="after")
    def _order(self) -> Hours:
        if self.close_h < self.open_h:
            raise ValueError(f"close_h: must not be before open_h ({self.open_h:g})")
        return self

    @model_validator(mode="after")
    def _opens(self) -> Hours:
        if self.close_h == self.open_h:
            raise ValueError(
                f"close_h: equals open_h ({self.open_h:g}): it would never open; "
                "for always open use open_h: 0, close_h: 24"
            )
        return self

    @property
    def always_open(self) -> bool:
        return self.open_h == 0 and self.close_h == 24
