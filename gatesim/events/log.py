"""The event log: appended by the model, read by projections.

While running, each gate has its own columns: an event is one append of a
packed int64 word (truck, gate, stage, kind) to the gate's ``array('q')``;
its time is appended to the gate's ``array('d')`` only when it differs from
the previous event's: a word flagged ``SAME_TIME`` has no time of its own (a
truck logs 17 events at ~10 instants). No Python object is kept per event.
An engine that writes a gate's columns whole (the compiled kernel) hands them
over in a compact form instead (:class:`Compact`: the truck once per instant,
a 16-bit word per event; ~9.0 bytes an event instead of ~12.7), which decodes
to the same rows. The attributes of each truck (the payload of its ARRIVED
event) are held as columns indexed by truck id.

``LogData`` is the decoded, read-only form every projection takes: events
grouped by gate (in gate-code order), each gate's in time order, so a gate's
events are one slice of every column. It is built the same way from a live
log and from a Parquet file, so a replay gives the same numbers as the run.
"""

from __future__ import annotations

from array import array
from dataclasses import dataclass, field
from typing import Any, NamedTuple

import numpy as np

from gatesim.memory import release_free_memory

__all__ = ["NO_PRIORITY", "PAYLOAD_COLUMNS", "SAME_TIME", "Compact", "EventLog", "GateLog", "LogData"]

# Bit 7 of the kind byte: this event happened at the previous event's time.
SAME_TIME = 0x80

# Words unpacked per block: each block makes ~5 int64 temporaries of its size
# (8 MiB each at 1M words: ~30 MiB on top of a year's decoded log at its peak).
_DECODE_BLOCK = 1 << 18

# name -> dtype of the ARRIVED event's payload columns
PAYLOAD_COLUMNS: dict[str, str] = {
    "direction": "u1",
    "cargo": "u1",
    "channel": "u1",
    "transshipped": "bool",
    "value_usd": "f8",
    "tax_vnd": "f8",
    "fee_vnd": "f8",
    # the truck's class rank at the gate's first priority stage (0 first served); 255: none
    "priority": "u1",
}
NO_PRIORITY = 255


class Compact(NamedTuple):
    """A gate's columns in the compact form an engine that writes them whole hands over: per new
    instant its time and its truck (every event of a new instant up to the next is the same
    truck's, or one stage-level row's: NO_TRUCK), per event a 16-bit word (stage << 8 | kind,
    SAME_TIME). A year of the baseline: 114 MiB instead of 160 MiB as packed words."""

    t_h: np.ndarray  # float64 per new instant
    truck: np.ndarray  # int32 per new instant
    word: np.ndarray  # uint16 per event


class GateLog:
    """The live columns of one gate: times (new instants only) and words; the
    new count of each SERVERS event, in order (few: a stage's schedule).

    An engine that writes a gate's columns whole (the compiled kernel) hands
    them over with :meth:`adopt` in the compact form instead of appending: no
    copy of a year's log.
    """

    __slots__ = ("code", "t_h", "word", "servers", "_adopted")

    def __init__(self, code: int = 0) -> None:
        self.code = code
        self.t_h = array("d")
        self.word = array("q")
        self.servers = array("q")
        self._adopted: Compact | None = None

    def adopt(self, t_h: np.ndarray, truck: np.ndarray, word: np.ndarray) -> None:
        """Take the gate's finished columns in the compact form (:class:`Compact`) as they are."""
        if len(self.t_h) or len(self.word) or self._adopted is not None:
            raise ValueError("a gate's log is either appended or adopted whole, not both")
        if len(t_h) != len(truck):
            raise ValueError("a compact log has one truck per time")
        self._adopted = Compact(
            np.asarray(t_h, np.float64), np.asarray(truck, np.int32), np.asarray(word, np.uint16)
        )

    def compact(self) -> Compact | None:
        """The adopted columns, or None for a log that was appended."""
        return self._adopted

    def columns(self) -> tuple[np.ndarray, np.ndarray]:
        """The times and the packed words (:func:`gatesim.events.kinds.pack`) as numpy arrays:
        views of appended columns (drop them before :meth:`release`); of adopted ones, the
        words packed anew (a copy: for comparing logs, not on a run's path)."""
        c = self._adopted
        if c is None:
            return np.frombuffer(self.t_h, dtype=np.float64), np.frombuffer(self.word, dtype=np.int64)
        idx = np.cumsum((c.word & SAME_TIME) == 0) - 1
        words = c.truck[idx].astype(np.int64) << 24
        words |= self.code << 16
        words |= c.word
        return c.t_h, words

    def __len__(self) -> int:
        """Events logged (words)."""
        return len(self._adopted.word) if self._adopted is not None else len(self.word)

    @property
    def nbytes(self) -> int:
        if self._adopted is not None:
            return sum(a.nbytes for a in self._adopted)
        return len(self.t_h) * 8 + len(self.word) * 8

    def release(self) -> None:
        """Free the columns' memory now, whoever still holds their ``append``.

        An array that still exports its buffer cannot be resized (a sampling
        profiler, such as a dask worker's, can keep a finished frame and its
        numpy views alive for a moment): it is then dropped instead, and freed
        when the last view goes.
        """
        self._adopted = None
        for name in ("t_h", "word", "servers"):
            column = getattr(self, name)
            try:
                del column[:]
            except BufferError:
                setattr(self, name, array(column.typecode))


class EventLog:
    """Append-only columnar buffer of one replication's events, a part per gate.

    Per-gate parts let ``decode`` free each gate's live columns as soon as it
    is decoded (a year's live log is 140 MB) and give the gate-contiguous
    layout projections slice instead of copying.
    """

    def __init__(self) -> None:
        self._gates: list[GateLog] = []
        self._payload: list[dict[str, np.ndarray]] = []
        self._payload_offsets: list[int] = []

    def gate(self, code: int) -> GateLog:
        """The live columns of gate ``code`` (created on first use)."""
        while len(self._gates) <= code:
            self._gates.append(GateLog(len(self._gates)))
        return self._gates[code]

    def __len__(self) -> int:
        return sum(len(g) for g in self._gates)

    @property
    def nbytes(self) -> int:
        """Bytes held by the live event columns (the payload excluded)."""
        return sum(g.nbytes for g in self._gates)

    @property
    def n_trucks(self) -> int:
        return sum(len(c["value_usd"]) for c in self._payload)

    def add_payload(self, first_truck: int, columns: dict[str, np.ndarray]) -> None:
        """Register the ARRIVED payload of trucks ``first_truck, first_truck+1, ...``."""
        self._payload_offsets.append(first_truck)
        self._payload.append({k: np.asarray(columns[k], dtype=v) for k, v in PAYLOAD_COLUMNS.items()})

    def decode(self, meta: dict[str, Any]) -> LogData:
        """The decoded log, gate by gate; **empties this log** as it goes.

        Each gate's live columns are freed once decoded, so the peak is the
        decoded log plus one gate's live part, not both logs whole. Words are
        unpacked a block at a time (no full-size temporaries).
        """
        n = len(self)
        t = np.empty(n, np.float64)
        truck = np.empty(n, np.int32)
        gate = np.empty(n, np.uint8)
        stage = np.empty(n, np.uint8)
        kind = np.empty(n, np.uint8)
        servers = np.concatenate(
            [np.asarray(p.servers, np.int32) for p in self._gates] or [np.empty(0, np.int32)]
        )
        lo = 0
        for part in self._gates:
            size = len(part)
            _decode_part(
                part,
                t[lo : lo + size],
                truck[lo : lo + size],
                gate[lo : lo + size],
                stage[lo : lo + size],
                kind[lo : lo + size],
            )
            part.release()
            # glibc keeps a freed column below its (adaptive) mmap threshold in the
            # heap: give it back now, or it sits beside the decoded columns
            # (a year's corridor: 55 MiB of the decode peak, benchmarks/README.md)
            release_free_memory()
            lo += size
        n_trucks = 0
        for off, cols in zip(self._payload_offsets, self._payload):
            n_trucks = max(n_trucks, off + len(cols["value_usd"]))
        # column by column, each source freed once copied: the payload is not held twice
        payload = {}
        for k, dtype in PAYLOAD_COLUMNS.items():
            col = np.zeros(n_trucks, dtype=dtype)
            for off, cols in zip(self._payload_offsets, self._payload):
                col[off : off + len(cols[k])] = cols[k]
                cols[k] = _FREED
            payload[k] = col
        self._payload, self._payload_offsets = [], []
        return LogData(
            t_h=t, truck=truck, gate=gate, stage=stage, kind=kind, payload=payload, meta=meta, servers=servers
        )


_FREED = np.empty(0)  # stands in for a payload column already copied by decode


def _decode_part(part: GateLog, t, truck, gate, stage, kind) -> None:
    """Unpack one gate's live columns into the given slices.

    The numpy views of the live arrays are local: they must be gone before
    ``release`` resizes the arrays.
    """
    n = len(part)
    if n == 0:
        return
    compact = part.compact()
    if compact is not None:
        _decode_compact(compact, part.code, t, truck, gate, stage, kind)
        return
    times, words = part.columns()
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


def _decode_compact(c: Compact, code: int, t, truck, gate, stage, kind) -> None:
    """Unpack a gate's compact columns (:class:`Compact`) into the given slices."""
    gate[:] = code
    n_times = 0  # times used by the blocks before
    for lo in range(0, c.word.size, _DECODE_BLOCK):
        w = c.word[lo : lo + _DECODE_BLOCK]
        hi = lo + w.size
        stage[lo:hi] = w >> 8
        k = (w & 0xFF).astype(np.uint8)
        new_time = (k & SAME_TIME) == 0
        kind[lo:hi] = k & ~np.uint8(SAME_TIME)
        idx = np.cumsum(new_time) + (n_times - 1)
        t[lo:hi] = c.t_h[idx]
        truck[lo:hi] = c.truck[idx]
        n_times = int(idx[-1]) + 1


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
    # The new server count of each SERVERS row, in row order (-1: unlimited).
    servers: np.ndarray = field(default_factory=lambda: np.empty(0, np.int32))

    def __post_init__(self) -> None:
        if not self.grouped_by_gate(self.gate):
            raise ValueError("event log rows are not grouped by gate")

    def __len__(self) -> int:
        return len(self.t_h)

    @property
    def n_trucks(self) -> int:
        """Length of the payload columns: one more than the largest truck id."""
        return len(next(iter(self.payload.values()))) if self.payload else 0

    def gate_slice(self, code: int) -> slice:
        """The rows of gate ``code`` (the log is grouped by gate)."""
        # search with the column's own dtype: Python ints would make numpy
        # cast the whole column to int64 first (88 MB for a year)
        lo = int(np.searchsorted(self.gate, np.uint8(code), side="left"))
        hi = int(np.searchsorted(self.gate, np.uint8(code), side="right"))
        return slice(lo, hi)

    @staticmethod
    def grouped_by_gate(gate: np.ndarray) -> bool:
        return bool(gate.size < 2 or np.all(gate[1:] >= gate[:-1]))
