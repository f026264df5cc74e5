"""The event log: appended by the model, read by projections.

While running, an event is one append of a packed int64 word (truck, gate,
stage, kind) to an ``array('q')``; its time is appended to an ``array('d')``
only when it differs from the previous event's: a word flagged ``SAME_TIME``
has no time of its own (a truck logs 17 events at ~10 instants). No Python
object is kept per event. The attributes of each truck (the payload of its
ARRIVED event) are held as columns indexed by truck id.

``LogData`` is the decoded, read-only form every projection takes; it is
built the same way from a live log and from a Parquet file, so a replay gives
the same numbers as the run.
"""

from __future__ import annotations

from array import array
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from gatesim.events.kinds import Kind

__all__ = ["PAYLOAD_COLUMNS", "SAME_TIME", "EventLog", "LogData"]

# Bit 7 of the kind byte: this event happened at the previous event's time.
SAME_TIME = 0x80

_DECODE_BLOCK = 1 << 20

# name -> dtype of the ARRIVED event's payload columns
PAYLOAD_COLUMNS: dict[str, str] = {
    "direction": "u1",
    "cargo": "u1",
    "channel": "u1",
    "transshipped": "bool",
    "value_usd": "f8",
    "tax_vnd": "f8",
    "fee_vnd": "f8",
}


class EventLog:
    """Append-only columnar buffer of one replication's events."""

    def __init__(self) -> None:
        self.t_h = array("d")
        self.word = array("q")
        self._payload: list[dict[str, np.ndarray]] = []
        self._payload_offsets: list[int] = []

    def __len__(self) -> int:
        return len(self.word)

    def add_payload(self, first_truck: int, columns: dict[str, np.ndarray]) -> None:
        """Register the ARRIVED payload of trucks ``first_truck, first_truck+1, ...``."""
        self._payload_offsets.append(first_truck)
        self._payload.append({k: np.asarray(columns[k], dtype=v) for k, v in PAYLOAD_COLUMNS.items()})

    def decode(self, meta: dict[str, Any]) -> LogData:
        """The decoded log: one time per event (``SAME_TIME`` rows take the
        previous row's). Words are unpacked a block at a time, so decoding a year
        needs no full-size temporaries (they were 30 bytes per event).
        """
        n = len(self.word)
        times = np.frombuffer(self.t_h, dtype=np.float64) if len(self.t_h) else np.empty(0)
        words = np.frombuffer(self.word, dtype=np.int64) if n else np.empty(0, np.int64)
        t = np.empty(n, np.float64)
        truck = np.empty(n, np.int32)
        gate = np.empty(n, np.uint8)
        stage = np.empty(n, np.uint8)
        kind = np.empty(n, np.uint8)
        n_times = 0  # times used by the blocks before
        for lo in range(0, n, _DECODE_BLOCK):
            w = words[lo : lo + _DECODE_BLOCK]
            hi = lo + w.size
            truck[lo:hi] = w >> 24
            gate[lo:hi] = (w >> 16) & 0xFF
            stage[lo:hi] = (w >> 8) & 0xFF
            k = w & 0xFF
            new_time = (k & SAME_TIME) == 0
            kind[lo:hi] = k & ~SAME_TIME
            idx = np.cumsum(new_time) + (n_times - 1)
            t[lo:hi] = times[idx]
            n_times = int(idx[-1]) + 1
        del words, times
        n_trucks = 0
        for off, cols in zip(self._payload_offsets, self._payload):
            n_trucks = max(n_trucks, off + len(cols["value_usd"]))
        payload = {k: np.zeros(n_trucks, dtype=v) for k, v in PAYLOAD_COLUMNS.items()}
        for off, cols in zip(self._payload_offsets, self._payload):
            for k in PAYLOAD_COLUMNS:
                payload[k][off : off + len(cols[k])] = cols[k]
        return LogData(t_h=t, truck=truck, gate=gate, stage=stage, kind=kind, payload=payload, meta=meta)


@dataclass(frozen=True)
class LogData:
    """Decoded events in time order, the truck payload by truck id, and the run's metadata."""

    t_h: np.ndarray
    truck: np.ndarray
    gate: np.ndarray
    stage: np.ndarray
    kind: np.ndarray
    payload: dict[str, np.ndarray]
    meta: dict[str, Any] = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.t_h)

    def arrived_mask(self) -> np.ndarray:
        return self.kind == Kind.ARRIVED
