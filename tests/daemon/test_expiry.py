"""ExpiryWatch: when LeaseTimeToLive's whole seconds prove a silent member stopped (pure, table-tested).

Two proofs: the lease ran out in etcd (a chain of 0 reads a second long), or the member's published
self-fence promise says it stopped (earlier); reads count only in one etcd leader's term.
"""

from __future__ import annotations

import pytest

from hastack.daemon.expiry import ExpiryWatch, Promise
from hastack.daemon.timing import for_ttl

RTT = 0.01
TERM = 7
TWO = Promise(**for_ttl(2).promise())  # hastack's own timers for a 2 s lease: self-fence 1.2 s, stop 0.3 s


def watch(reads: list[tuple[float, int]], granted: int = 2, term: int = TERM) -> ExpiryWatch:
    """Reads sent at t (answered RTT later) that gave ttl."""
    w = ExpiryWatch()
    for t, ttl in reads:
        w.observe(t, t + RTT, ttl, granted, term)
    return w


def every(start: float, end: float, step: float, ttl: int) -> list[tuple[float, int]]:
    out, t = [], start
    while t <= end + 1e-9:
        out.append((round(t, 3), ttl))
        t += step
    return out


@pytest.mark.parametrize(("reads", "expired", "why"), [
    (every(0.0, 0.9, 0.05, 1) + every(0.95, 1.5, 0.05, 0), False, "0 for 0.55 s only: may have 0.45 s left"),
    (every(0.0, 0.9, 0.05, 1) + every(0.95, 2.0, 0.05, 0), True, "a read sent a second after the first 0 still 0"),
    (every(0.0, 2.0, 0.05, 0), True, "0 from the first read on: expiry came within a second of it"),
    (every(0.0, 0.5, 0.05, 0) + [(0.55, 1)] + every(0.6, 1.6, 0.05, 0), False, "a renewal in between: start over"),
    (every(0.0, 0.5, 0.05, 0) + [(0.55, 1)] + every(0.6, 1.65, 0.05, 0), True, "...and a full second after it"),
    ([(0.0, 0), (1.05, 0)], False, "a gap over 0.9 s could hide a renewal"),
    ([(0.0, 0), (0.5, 0), (1.0, 0), (1.02, 0)], True, "gaps under 0.9 s: the chain holds"),
    ([(0.0, 1), (0.1, -1)], True, "not found: etcd revoked it already"),
])
def test_without_a_promise_only_a_chain_of_zeros_a_second_long_proves_it(reads: list[tuple[float, int]],
                                                                         expired: bool, why: str) -> None:
    w = watch(reads)
    assert w.due(reads[-1][0] + RTT, None) is expired, why


def test_a_one_second_lease_is_left_to_etcd() -> None:
    # renewed to 1 s, it reads 0 at once: zeros prove nothing
    assert not watch(every(0.0, 3.0, 0.05, 0), granted=1).due(3.1, TWO)
    assert watch([(0.0, 0), (0.1, -1)], granted=1).due(0.2, None)  # but gone is gone


def test_the_promise_proves_the_stop_about_half_a_second_before_etcd_would() -> None:
    # first 0 received at r0 = 1.01: the last renewal was sent before r0 + 1 - 2 = 0.01, the member's
    # deadline is before 0.01 + 1.2 + drift 0.08 = 1.29, its stop done by + 0.3 = 1.59; a renewal sent
    # before its deadline and processed after a read sent at 1.29 + 0.25 = 1.54 came too late to count
    reads = every(0.0, 0.95, 0.05, 1) + every(1.0, 1.6, 0.05, 0)
    w = watch(reads)
    at = w.stopped_at(TWO)
    assert at == pytest.approx(1.01 + 1.0 - 2 + 1.2 + 0.08 + 0.3)
    assert not w.due(at - 0.01, TWO) and w.due(at, TWO)
    assert w.stopped_at(None) is None  # etcd's own expiry is ~0.4 s later
    assert at < 1.01 + 1.0 - 0.35


def test_the_promise_needs_the_chain_past_the_point_where_a_late_renewal_no_longer_counts() -> None:
    reads = every(0.0, 0.95, 0.05, 1) + every(1.0, 1.5, 0.05, 0)  # last read sent at 1.5 < 1.29 + 0.25
    assert watch(reads).stopped_at(TWO) is None


def test_a_promise_of_slower_timers_is_proven_later() -> None:
    slow = Promise(self_fence_after=1.6, call_timeout=0.4, stop_budget=0.5, drift=0.1)
    reads = every(0.0, 0.95, 0.05, 1) + every(1.0, 2.5, 0.05, 0)
    assert watch(reads).stopped_at(slow) == pytest.approx(2.01)  # no sooner than etcd's expiry: r0 + 1
    assert watch(reads).stopped_at(TWO) < 1.6


def test_reads_of_another_leaders_term_start_the_chain_over_and_a_newer_leader_voids_it() -> None:
    w = ExpiryWatch()
    for t, ttl in every(1.0, 1.4, 0.05, 0):
        w.observe(t, t + RTT, ttl, 2, 7)  # a leader that was cut off answers from its own lease table
    for t, ttl in every(1.45, 1.9, 0.05, 0):
        w.observe(t, t + RTT, ttl, 2, 8)  # the new leader's table: a new chain from 1.46
    assert w.stopped_at(TWO) is None  # (in one term, 0 from 1.01 to 1.91 would have proven it at 1.59)
    w2 = watch(every(0.0, 0.95, 0.05, 1) + every(1.0, 1.6, 0.05, 0), term=7)
    assert w2.due(2.0, TWO)
    assert w2.confirms(7) and not w2.confirms(8)


@pytest.mark.parametrize("doc", [None, "x", {}, {"self_fence_after": 1.2}, {"self_fence_after": "a",
                                 "call_timeout": 1, "stop_budget": 1, "drift": 0},
                                 {"self_fence_after": -1, "call_timeout": 1, "stop_budget": 1, "drift": 0}])
def test_a_promise_that_cannot_be_read_is_none(doc: object) -> None:
    assert Promise.parse(doc) is None


def test_the_published_promise_reads_back() -> None:
    assert Promise.parse(for_ttl(3).promise()) == Promise(**for_ttl(3).promise())
