"""When a silent member's lease has expired in etcd -- known ~0.25 s sooner than etcd says so (pure).

etcd expires leases in a loop that runs every 500 ms, so a lease that ran out
is revoked, and its member key deleted, 0 to 500 ms later: on the lease-only
path (no fence device) that wait is a fifth of a failover. The DC can tell
expiry itself from LeaseTimeToLive, which answers the remaining time in
whole seconds, rounded toward zero: 0 means "less than a second left, or
expired less than a second ago".

The reasoning `ExpiryWatch` keeps, for one lease of TTL >= 2 s:

- the first read of 0, processed at p0 <= its receipt r0, says the lease
  expires before r0 + 1 s (unless renewed after p0);
- a renewal at time r makes every read processed within the next second
  show at least 1 (remaining 2 - (p - r) > 1): so a chain of 0 reads whose
  consecutive gaps (next receipt - previous send) stay under 1 s excludes
  any renewal between the first and the last;
- once such a chain holds a read *sent* at or after r0 + 1 s, the lease had
  expired when etcd processed it, and no renewal came in between. etcd
  refuses every renewal of an expired lease (it waits for the revocation),
  so revoking it now is what etcd would do 0-500 ms later -- and the node
  stopped everything before: its self-fence deadline comes `margin` before
  etcd's expiry (daemon.timing).

A read of 1 or more (a renewal, or a new etcd leader extending every lease)
starts the chain over; a read of -1 means etcd already revoked it.

Imports nothing of hastack.
"""

from __future__ import annotations

from dataclasses import dataclass

MAX_GAP_S = 0.9  # under one second: a renewal between two reads could not hide (with room for clock rate)


@dataclass
class ExpiryWatch:
    first_zero_recv: float | None = None  # receipt of the first read of 0 in the current chain
    last_send: float | None = None
    gone: bool = False  # etcd said not found: revoked already

    unsure: bool = False  # a lease granted for less than 2 s: a renewal can read 0 at once (etcd decides)

    def observe(self, sent: float, received: float, ttl: int, granted: int) -> None:
        """One LeaseTimeToLive answer: `ttl` whole seconds left (-1: no such lease) of a lease granted for
        `granted` seconds, sent and received at these monotonic instants of the observer."""
        if ttl < 0:
            self.gone = True
            return
        if granted < 2:
            self.unsure = True
        chained = (self.first_zero_recv is not None and self.last_send is not None
                   and received - self.last_send < MAX_GAP_S)
        if ttl > 0:
            self.first_zero_recv = None
        elif not chained:
            self.first_zero_recv = received  # a new chain starts here
        self.last_send = sent

    def expired(self) -> bool:
        """Whether the lease has run out in etcd (or is gone): safe to revoke now."""
        if self.gone:
            return True
        return (not self.unsure and self.first_zero_recv is not None and self.last_send is not None
                and self.last_send >= self.first_zero_recv + 1.0)
