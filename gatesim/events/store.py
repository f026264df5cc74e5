"""Event logs on disk: one Parquet file (zstd) per replication.

Rows are events in time order: ``t_h, truck, gate, stage, kind`` (the last
three dictionary-encoded, so the file reads well in pandas), plus the ARRIVED
event's payload columns, null on every other row. The run's metadata (window,
vocabularies, stage roles and servers) is stored in the file's schema
metadata, so a log can be replayed with nothing beside it.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from gatesim.events.kinds import Kind
from gatesim.events.log import PAYLOAD_COLUMNS, LogData

__all__ = ["read_log", "write_log"]

_META_KEY = b"gatesim"
_ROW_GROUP = 1_000_000
_CATEGORIES = {"direction": "directions", "cargo": "cargo", "channel": "channels"}


def _dict(codes: np.ndarray, names: list[str]) -> pa.DictionaryArray:
    return pa.DictionaryArray.from_arrays(pa.array(codes.astype(np.int8)), pa.array(names, pa.string()))


def _chunk(log: LogData, lo: int, hi: int) -> pa.RecordBatch:
    meta = log.meta
    gate_names = [g["id"] for g in meta["gates"]]
    truck = log.truck[lo:hi]
    arrived = log.kind[lo:hi] == Kind.ARRIVED
    ids = truck[arrived]
    cols: dict[str, pa.Array] = {
        "t_h": pa.array(log.t_h[lo:hi]),
        "truck": pa.array(truck),
        "gate": _dict(log.gate[lo:hi], gate_names),
        "stage": _dict(log.stage[lo:hi], meta["stages"]),
        "kind": _dict(log.kind[lo:hi], meta["kinds"]),
    }
    idx = np.cumsum(arrived) - 1  # row -> position among ARRIVED rows
    for name in PAYLOAD_COLUMNS:
        values = log.payload[name][ids]
        full = values[np.clip(idx, 0, None)] if values.size else np.zeros(hi - lo, values.dtype)
        if name in _CATEGORIES:
            arr = pa.DictionaryArray.from_arrays(
                pa.array(full.astype(np.int8), mask=~arrived),
                pa.array(meta[_CATEGORIES[name]], pa.string()),
            )
        else:
            arr = pa.array(full, mask=~arrived)
        cols[name] = arr
    return pa.RecordBatch.from_pydict(cols)


def write_log(log: LogData, path: Path) -> None:
    """Write one replication's log; the caller handles atomic placement."""
    n = len(log)
    first = _chunk(log, 0, min(n, _ROW_GROUP))
    schema = first.schema.with_metadata({_META_KEY: json.dumps(log.meta).encode()})
    with pq.ParquetWriter(path, schema, compression="zstd") as w:
        w.write_batch(first.replace_schema_metadata(schema.metadata))
        for lo in range(_ROW_GROUP, n, _ROW_GROUP):
            w.write_batch(_chunk(log, lo, min(n, lo + _ROW_GROUP)).replace_schema_metadata(schema.metadata))


def _codes(col: pa.ChunkedArray, names: list[str]) -> np.ndarray:
    """Dictionary column -> codes in ``names`` order, whatever dictionary each chunk has."""
    out = []
    for chunk in col.chunks:
        lookup = {v: i for i, v in enumerate(names)}
        remap = np.array([lookup[v] for v in chunk.dictionary.to_pylist()], dtype=np.int64)
        idx = chunk.indices.fill_null(0).to_numpy(zero_copy_only=False).astype(np.int64)
        out.append(remap[idx] if remap.size else idx)
    return np.concatenate(out) if out else np.empty(0, np.int64)


def read_log(path: Path) -> LogData:
    """Read a log written by :func:`write_log`; the result equals the live log's."""
    table = pq.read_table(path)
    raw = (table.schema.metadata or {}).get(_META_KEY)
    if raw is None:
        raise ValueError(f"{path}: not a gatesim event log (no gatesim metadata)")
    meta = json.loads(raw)
    kind = _codes(table["kind"], meta["kinds"]).astype(np.uint8)
    truck = table["truck"].to_numpy().astype(np.int32)
    arrived = kind == Kind.ARRIVED
    n_trucks = int(truck[arrived].max()) + 1 if arrived.any() else 0
    payload = {}
    for name, dtype in PAYLOAD_COLUMNS.items():
        col = np.zeros(n_trucks, dtype=dtype)
        if name in _CATEGORIES:
            values = _codes(table[name], meta[_CATEGORIES[name]])
        else:
            values = table[name].to_numpy(zero_copy_only=False)
        col[truck[arrived]] = values[arrived].astype(dtype)
        payload[name] = col
    return LogData(
        t_h=table["t_h"].to_numpy(),
        truck=truck,
        gate=_codes(table["gate"], [g["id"] for g in meta["gates"]]).astype(np.uint8),
        stage=_codes(table["stage"], meta["stages"]).astype(np.uint8),
        kind=kind,
        payload=payload,
        meta=meta,
    )
