"""The event log's layout and the streaming folds projections use on it."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gatesim.events.kinds import Kind
from gatesim.events.log import EventLog, LogData
from gatesim.events.store import read_log, write_log
from gatesim.model.engines import run_engine
from gatesim.model.simulate import simulate
from gatesim.projections import base
from gatesim.projections.base import (
    fold_mean_max,
    level_at,
    levels_at,
    settled_rows,
    step_levels,
    step_mean_max,
)
from gatesim.projections.kpis import summarize
from gatesim.projections.tables import TABLES_PAYLOAD, tables
from gatesim.rundir import replay_file


def test_decode_groups_by_gate_and_empties_the_live_log(baseline):
    live, meta = simulate(baseline, 2, 0, 7)
    n, nbytes = len(live), live.nbytes
    assert n > 0 and nbytes > 0
    log = live.decode(meta)
    assert len(log) == n
    assert live.nbytes == 0 and len(live) == 0  # each gate's part freed once decoded
    assert np.all(np.diff(log.gate.astype(int)) >= 0)
    for code in range(len(meta["gates"])):
        rows = log.gate_slice(code)
        assert rows.stop > rows.start
        assert np.all(np.diff(log.t_h[rows]) >= 0)


def test_decode_works_while_something_holds_a_view_of_the_live_log(baseline):
    # e.g. a dask worker's sampling profiler keeping a frame (and its numpy views) alive
    live, meta = simulate(baseline, 1, 0, 7)
    expected = _copy(live).decode(dict(meta))
    held = [memoryview(part.word) for part in live._gates] + [memoryview(part.t_h) for part in live._gates]
    log = live.decode(meta)
    assert len(live) == 0  # the parts were dropped, not resized
    assert np.array_equal(log.t_h, expected.t_h) and np.array_equal(log.truck, expected.truck)
    assert np.array_equal(log.kind, expected.kind) and np.array_equal(log.stage, expected.stage)
    del held


def _copy(live: EventLog) -> EventLog:
    out = EventLog()
    for code, part in enumerate(live._gates):
        mine = out.gate(code)
        mine.t_h.extend(part.t_h)
        mine.word.extend(part.word)
    out._payload, out._payload_offsets = list(live._payload), list(live._payload_offsets)
    return out


def test_a_compact_log_decodes_as_its_packed_words_do(baseline):
    # the kernel hands its columns over compact (a truck per instant, 16-bit words); packed
    # anew by columns() and appended, they must decode to the same rows, bit for bit
    live, meta = run_engine("kernel", baseline, 3, 0, 7)
    assert all(part.compact() is not None for part in live._gates)
    packed = EventLog()
    for code, part in enumerate(live._gates):
        t, w = part.columns()
        assert w.dtype == np.int64 and np.all(((w >> 16) & 0xFF) == code)
        mine = packed.gate(code)
        mine.t_h.extend(t.tolist())
        mine.word.extend(w.tolist())
        mine.servers.extend(part.servers)
    packed._payload, packed._payload_offsets = list(live._payload), list(live._payload_offsets)
    want = packed.decode(dict(meta))
    got = live.decode(dict(meta))
    assert np.any(got.truck < 0)  # stage-level rows (NO_TRUCK) are among them
    for name in ("t_h", "truck", "gate", "stage", "kind", "servers"):
        a, b = getattr(got, name), getattr(want, name)
        assert a.dtype == b.dtype and np.array_equal(a, b), name


def test_a_compact_log_has_one_truck_per_time():
    with pytest.raises(ValueError, match="one truck per time"):
        EventLog().gate(0).adopt(np.zeros(2), np.zeros(1, np.int32), np.zeros(3, np.uint16))


def test_log_data_refuses_rows_not_grouped_by_gate():
    one = np.zeros(2)
    with pytest.raises(ValueError, match="grouped by gate"):
        LogData(
            t_h=one,
            truck=np.zeros(2, np.int32),
            gate=np.array([1, 0], np.uint8),
            stage=np.zeros(2, np.uint8),
            kind=np.zeros(2, np.uint8),
            payload={},
        )


def test_a_file_in_global_time_order_is_read_grouped(baseline_logs, tmp_path):
    # gatesim 0.1.0 wrote rows in global time order; such a file still replays
    log = baseline_logs[0]
    order = np.argsort(log.t_h, kind="stable")
    path = tmp_path / "new.parquet"
    write_log(log, path)
    table = pq.read_table(path)
    old = tmp_path / "old.parquet"
    pq.write_table(table.take(order), old)
    assert not LogData.grouped_by_gate(pq.read_table(old)["gate"].combine_chunks().indices.to_numpy())
    again = read_log(old)
    assert np.array_equal(again.gate, log.gate)
    assert np.array_equal(again.t_h, log.t_h)
    assert np.array_equal(again.kind, log.kind)
    assert summarize(again).equals(summarize(log))


def test_decoding_a_gate_with_no_events_keeps_the_others():
    live = EventLog()
    live.gate(2)  # gates 0 and 1 created empty
    part = live.gate(2)
    part.t_h.append(1.5)
    part.word.append((5 << 24) | (2 << 16) | (3 << 8) | int(Kind.ARRIVED))
    log = live.decode({"gates": [{}, {}, {}]})
    assert log.gate.tolist() == [2] and log.truck.tolist() == [5] and log.t_h.tolist() == [1.5]
    assert log.gate_slice(0) == slice(0, 0) and log.gate_slice(2) == slice(0, 1)


@st.composite
def _steps(draw):
    n = draw(st.integers(0, 60))
    gaps = draw(st.lists(st.sampled_from([0.0, 0.0, 0.25, 0.5, 1.0, 3.0]), min_size=n, max_size=n))
    t = np.cumsum(np.array(gaps, dtype=float))
    delta = np.array(draw(st.lists(st.sampled_from([-1, 0, 1, 1]), min_size=n, max_size=n)), np.int8)
    w0 = draw(st.sampled_from([0.0, 0.5, 2.0]))
    w1 = w0 + draw(st.sampled_from([0.0, 1.0, 4.0, 30.0]))
    return t, delta, w0, w1


@settings(max_examples=300, deadline=None)
@given(_steps(), st.sampled_from([1, 2, 3, 7, 1 << 20]))
def test_folds_equal_the_step_function_definitions(case, block):
    # the fold runs a block at a time: tiny blocks exercise every carry-over
    t, delta, w0, w1 = case
    plus, minus = (np.flatnonzero(delta > 0),), (np.flatnonzero(delta < 0),)
    old = base.FOLD_BLOCK
    base.FOLD_BLOCK = block
    try:
        mean, mx = fold_mean_max(t, plus, minus, w0, w1)
        assert (mean, mx) == fold_mean_max(t, plus, minus, w0, w1, settled_rows(t)) or np.isnan(mean)
        at = np.sort(np.r_[t[::3], w0, w1, t[-1:] + 1.0]) if t.size else np.array([w0, w1])
        levels = levels_at(t, plus, minus, at)
    finally:
        base.FOLD_BLOCK = old
    tt, lv = step_levels(t, delta)
    ref_mean, ref_max = step_mean_max(tt, lv, w0, w1)
    if np.isnan(ref_mean):
        assert np.isnan(mean) and np.isnan(mx)
    else:
        assert mean == pytest.approx(ref_mean, rel=1e-12, abs=1e-12)
        assert mx == ref_max
    np.testing.assert_array_equal(levels, level_at(tt, lv, at))


@pytest.mark.parametrize("block", [1, 2, 1 << 20])
def test_fold_max_skips_a_level_that_lasts_no_time(block, monkeypatch):
    # a truck queues and starts at the same instant: the level 1 between the
    # two rows lasts zero hours, so the maximum is 0; with two queueing and one
    # starting at t=3, the passing level 2 is not a maximum either: 1 is
    monkeypatch.setattr(base, "FOLD_BLOCK", block)
    t = np.array([0.0, 1.0, 1.0, 2.0, 3.0, 3.0, 3.0, 4.0])
    assert fold_mean_max(t, (np.array([1]),), (np.array([2]),), 0.0, 5.0) == (0.0, 0.0)
    mean, mx = fold_mean_max(t, (np.array([1, 4, 5]),), (np.array([2, 6]),), 0.0, 5.0)
    assert (mean, mx) == (pytest.approx(2 / 5), 1.0)


def test_replay_reads_only_the_payload_the_tables_use(baseline_logs, tmp_path):
    # replay_file reads TABLES_PAYLOAD only: the tables must not need another
    # column (a KeyError here), and must come out the same as from the whole log
    log = baseline_logs[0]
    path = tmp_path / "log.parquet"
    write_log(log, path)
    part = read_log(path, payload=TABLES_PAYLOAD)
    assert sorted(part.payload) == sorted(TABLES_PAYLOAD) and part.n_trucks == log.n_trucks
    whole = tables(log)
    for mine, theirs in zip(tables(part), whole):
        pd.testing.assert_frame_equal(mine, theirs, check_exact=True)
    for mine, theirs in zip(replay_file(path), whole):
        pd.testing.assert_frame_equal(mine, theirs, check_exact=True)
    with pytest.raises(ValueError, match="payload columns"):
        read_log(path, payload=["value"])


@pytest.mark.parametrize("threads", [2, 3, 5])
def test_tables_folded_by_threads_equal_the_serial_fold(baseline_logs, threads):
    log = baseline_logs[1]
    for mine, theirs in zip(tables(log, threads), tables(log)):
        pd.testing.assert_frame_equal(mine, theirs, check_exact=True)


def test_reading_row_groups_side_by_side_gives_the_same_log(baseline_logs, tmp_path, monkeypatch):
    from gatesim.events import store

    monkeypatch.setattr(store, "_ROW_GROUP", 7_919)  # many row groups, gates split across them
    log = baseline_logs[0]
    path = tmp_path / "log.parquet"
    write_log(log, path)
    assert pq.ParquetFile(path).num_row_groups > 5
    for threads in (1, 2, 3):
        again = read_log(path, threads=threads)
        for col in ("t_h", "truck", "gate", "stage", "kind"):
            assert np.array_equal(getattr(again, col), getattr(log, col)), (threads, col)
        for name, values in log.payload.items():
            assert np.array_equal(again.payload[name], values), (threads, name)


@settings(max_examples=300, deadline=None)
@given(
    st.lists(st.floats(0, 100, allow_nan=False), max_size=40),
    st.lists(st.sampled_from([0.0, 0.5, 1.0, 2.0, 5.0]), min_size=1, max_size=12),
    st.sampled_from([(0.0, 100.0), (3.0, 47.5), (10.0, 10.5), (60.0, 200.0)]),
)
def test_sum_of_open_hours_equals_interp(times, gaps, window):
    # F: open hours so far, slope 1 and 0 alternately, as _open_time_fn builds it
    from gatesim.projections.kpis import _sum_until

    t = np.sort(np.array(times, dtype=float))
    xs = np.r_[0.0, np.cumsum(gaps)]
    xs = np.r_[xs, xs[-1] + 50.0]
    fx = np.r_[0.0, np.cumsum(np.diff(xs) * (np.arange(xs.size - 1) % 2 == 0))]
    w0, w1 = window
    ref = float(np.sum(np.interp(np.clip(t, w0, w1), xs, fx)))
    assert _sum_until(t, xs, fx, w0, w1) == pytest.approx(ref, rel=1e-12, abs=1e-9)
