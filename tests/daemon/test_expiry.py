"""ExpiryWatch: when LeaseTimeToLive's whole seconds prove a lease expired in etcd (pure, table-tested)."""

from __future__ import annotations

import pytest

from hastack.daemon.expiry import ExpiryWatch

RTT = 0.01


def watch(reads: list[tuple[float, int]], granted: int = 2) -> ExpiryWatch:
    """Reads sent at t (answered RTT later) that gave ttl."""
    w = ExpiryWatch()
    for t, ttl in reads:
        w.observe(t, t + RTT, ttl, granted)
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
def test_expiry_is_proven_only_by_a_chain_of_zeros_a_second_long(reads: list[tuple[float, int]], expired: bool,
                                                                 why: str) -> None:
    assert watch(reads).expired() is expired, why


def test_a_one_second_lease_is_left_to_etcd() -> None:
    # renewed to 1 s, it reads 0 at once: zeros prove nothing
    assert not watch(every(0.0, 3.0, 0.05, 0), granted=1).expired()
    assert watch([(0.0, 0), (0.1, -1)], granted=1).expired()  # but gone is gone
