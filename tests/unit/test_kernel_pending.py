"""The compiled kernel's pending wake-ups (model/kernel_pending.py) against a sorted list.

The wheel and its early heap must give the wake-ups back in (time, truck) order whatever
the times: equal ones, ones on a bucket's edge, ones further ahead than the ring, and ones
set before the wheel's current bucket (the clock behind it: an arrival came first).
"""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from gatesim.model.kernel_pending import pending_first, pending_insert, pending_pop
from gatesim.model.kernel_state import WHEEL_BUCKETS_PER_H, WHEEL_SLOTS

BUCKET_H = 1.0 / WHEEL_BUCKETS_PER_H
RING_H = WHEEL_SLOTS * BUCKET_H
N = 64  # trucks

# how far ahead of the clock a wake-up is set: now, within a bucket, on an edge, beyond the ring
_DELAYS = st.one_of(
    st.sampled_from([0.0, BUCKET_H, 2 * BUCKET_H, RING_H, RING_H + BUCKET_H, 2 * RING_H]),
    st.floats(0.0, 3 * BUCKET_H),
    st.floats(0.0, 2.0),
    st.floats(0.0, 3 * RING_H),
)
_OPS = st.lists(
    st.one_of(
        st.tuples(st.just("add"), _DELAYS),
        st.tuples(st.just("run"), st.just(0.0)),
        # the clock moves on to a share of the way to the earliest (an arrival before it)
        st.tuples(st.just("arrive"), st.floats(0.0, 1.0)),
    ),
    max_size=300,
)


class Pending:
    """The kernel's arrays and counters, driven as its loop drives them."""

    def __init__(self) -> None:
        self.hk = np.empty(N, np.int64)
        self.head = np.full(WHEEL_SLOTS, -1, np.int64)
        self.nxt = np.empty(N, np.int64)
        self.wake_t = np.empty(N, np.float64)
        self.eh = self.wn = self.cb = 0

    def first(self) -> tuple[int, float]:
        k, t, self.cb = pending_first(self.eh, self.wn, self.cb, self.hk, self.head, self.nxt, self.wake_t)
        return int(k), float(t)

    def add(self, k: int, t: float) -> None:
        self.eh, self.wn = pending_insert(
            k, t, self.cb, self.eh, self.wn, self.hk, self.head, self.nxt, self.wake_t
        )

    def pop(self, k: int) -> None:
        self.eh, self.wn = pending_pop(
            k, self.cb, self.eh, self.wn, self.hk, self.head, self.nxt, self.wake_t
        )


@settings(max_examples=150, deadline=None)
@given(ops=_OPS, start=st.floats(0.0, 9000.0))
def test_wake_ups_come_out_in_time_then_truck_order(ops, start):
    p = Pending()
    want: list[tuple[float, int]] = []  # the pending (time, truck), sorted
    free = list(range(N))
    now = start
    got: list[tuple[float, int]] = []
    for op, x in ops:
        if op == "add" and free:
            k = free.pop(0)
            t = now + x
            p.add(k, t)
            want.append((t, k))
            want.sort()
            continue
        k, t = p.first()  # the loop looks at the earliest every time round
        if not want:
            assert k == -1
            continue
        assert (t, k) == want[0]
        if op == "run":
            p.pop(k)
            got.append(want.pop(0))
            free.append(k)
            now = t
        elif op == "arrive":
            now = now + x * (t - now)
    while want:
        k, t = p.first()
        assert (t, k) == want[0]
        p.pop(k)
        got.append(want.pop(0))
    assert p.first()[0] == -1 and p.eh == 0 and p.wn == 0
    assert got == sorted(got)


def test_a_wake_up_before_the_current_bucket_goes_to_the_early_heap():
    p = Pending()
    p.add(0, 5.0)
    k, t = p.first()  # the wheel's bucket moves on to 5 h
    assert (k, t) == (0, 5.0) and p.cb == int(5.0 * WHEEL_BUCKETS_PER_H)
    p.add(1, 1.0)  # an arrival at 1 h set it: before the bucket
    assert (p.eh, p.wn) == (1, 1)
    assert p.first() == (1, 1.0)
    p.pop(1)
    assert p.first() == (0, 5.0)


def test_many_wake_ups_before_the_bucket_come_out_of_the_early_heap_in_order():
    p = Pending()
    p.add(0, 50.0)
    assert p.first() == (0, 50.0)  # the wheel's bucket moves on to 50 h
    rng = np.random.default_rng(3)
    times = np.round(rng.uniform(1.0, 50.0, N - 1), 1)  # ties among them
    for k, t in enumerate(times, start=1):
        p.add(k, float(t))
    assert p.eh == N - 1
    got = []
    while (first := p.first())[0] >= 0:
        got.append((first[1], first[0]))
        p.pop(first[0])
    assert got == sorted([(float(t), k) for k, t in enumerate(times, start=1)] + [(50.0, 0)])
