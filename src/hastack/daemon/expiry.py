"""When a silent member has provably stopped, from its lease's remaining time in etcd (pure).

On the lease-only path (no fence device) the DC may recover a silent
member's resources once that member has stopped them (DESIGN, safety rule
2: "the self-fence deadline has passed"). etcd's own expiry comes later:
its expiry loop runs every 500 ms, and a member's self-fence deadline comes
`margin` before its lease runs out. What the DC can see is LeaseTimeToLive,
the remaining time in whole seconds rounded toward zero: 0 means "less than
a second left, or expired less than a second ago".

Facts `ExpiryWatch` reasons with, for a lease of TTL g >= 2 s:

- a renewal processed by etcd at r makes every read processed within the
  next g - 1 seconds show at least 1. So a chain of 0 reads, consecutive
  gaps (next receipt - previous send) under MAX_GAP_S, excludes any renewal
  processed between the first and the last;
- the first 0 of the chain, received at r0, says the last renewal before it
  was processed before r0 + 1 - g =: S (it would leave 1 s or more);
  a renewal is processed after it is sent, so its sender's clock had S or
  earlier.

Two proofs follow. **Expired**: once the chain holds a read *sent* at or
after r0 + 1, the lease had run out in etcd, and etcd refuses every renewal
of an expired lease. **Promised**: the member published its timers with its
membership (daemon.timing.Timing.promise): it runs resources until
`self_fence_after` after the send of its last renewal that was answered
within `call_timeout`, sends no renewal past that deadline, and has stopped
everything (or been reset by its watchdog) `stop_budget` after it. Its
deadline is then at most S + self_fence_after; a renewal sent before it and
processed after the chain's last read (sent at or after S +
self_fence_after + call_timeout) is answered too late to count; so once the
DC revokes the lease, nothing can move the deadline, and the member has
stopped by S + self_fence_after + stop_budget. Each bound gets the promise's
`drift` (clock rates differ). With hastack's timers for a 2 s lease this is
~0.45 s before etcd's expiry; without a promise (an older member) only
"expired" applies.

A read only counts when the member that answered it followed the same
etcd leader as a linearizable read made afterwards: every read of a chain
carries the answering member's Raft term, and the caller confirms it with
`confirms(term_now)` before acting. A leader that is cut off keeps
answering from its own lease table until it steps down, while a new leader
(a higher term) may already be taking renewals; one term, one leader, one
lease table.

A read of 1 or more (a renewal, or a new etcd leader extending every lease)
or of another term starts the chain over; a read of -1 means etcd already
revoked the lease.

Imports nothing of hastack.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

MAX_GAP_S = 0.9  # under one second: a renewal between two reads could not hide (with room for clock rate)


@dataclass(frozen=True)
class Promise:
    """A member's own self-fence timers, in seconds of its monotonic clock (see the module docstring)."""
    self_fence_after: float
    call_timeout: float
    stop_budget: float
    drift: float

    @staticmethod
    def parse(doc: Any) -> Promise | None:
        """The promise a member published, or None when it published none or one this code cannot read."""
        if not isinstance(doc, dict):
            return None
        try:
            values = [float(doc[k]) for k in ("self_fence_after", "call_timeout", "stop_budget", "drift")]
        except (KeyError, TypeError, ValueError):
            return None
        return Promise(*values) if all(v >= 0 for v in values) else None


@dataclass
class ExpiryWatch:
    first_zero_recv: float | None = None  # receipt of the first read of 0 in the current chain
    last_send: float | None = None
    granted: int = 0
    term: int | None = None  # the Raft term every read of the chain was answered in
    gone: bool = False  # etcd said not found: revoked already
    unsure: bool = False  # a lease granted for less than 2 s: a renewal can read 0 at once (etcd decides)

    def observe(self, sent: float, received: float, ttl: int, granted: int, term: int) -> None:
        """One LeaseTimeToLive answer: `ttl` whole seconds left (-1: no such lease) of a lease granted for
        `granted` seconds, answered in Raft term `term`, sent and received at these monotonic instants."""
        if ttl < 0:
            self.gone = True
            return
        if granted < 2:
            self.unsure = True
        if term != self.term:
            self.first_zero_recv = None  # another leader's lease table: what the chain says may not hold
            self.term = term
        chained = (self.first_zero_recv is not None and self.last_send is not None
                   and received - self.last_send < MAX_GAP_S)
        if ttl > 0:
            self.first_zero_recv = None
        elif not chained:
            self.first_zero_recv = received  # a new chain starts here
        self.granted = granted
        self.last_send = sent

    def stopped_at(self, promise: Promise | None) -> float | None:
        """The instant (observer's clock) by which the member has provably stopped everything, once the
        chain proves one; None while it does not."""
        if self.gone:
            return 0.0
        if self.unsure or self.first_zero_recv is None or self.last_send is None:
            return None
        r0, last = self.first_zero_recv, self.last_send
        proven = [r0 + 1.0] if last >= r0 + 1.0 else []  # expired in etcd
        if promise is not None:
            deadline = r0 + 1.0 - self.granted + promise.self_fence_after + promise.drift
            if last >= deadline + promise.call_timeout:
                proven.append(deadline + promise.stop_budget)
        return min(proven, default=None)

    def due(self, now: float, promise: Promise | None) -> bool:
        """Whether the member has stopped by `now` (pending `confirms`)."""
        at = self.stopped_at(promise)
        return at is not None and now >= at

    def confirms(self, term_now: int) -> bool:
        """Whether a linearizable read made after the chain's last read, answered in `term_now`, vouches
        for the chain: same term, so the lease table it read was the only one."""
        return self.gone or term_now == self.term
