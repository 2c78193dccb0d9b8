"""Every timer of a node, derived from one lease TTL, and the rules that keep them safe (pure).

The lease plays Corosync's token. A node renews it every `renew_every`; each
renewal call must answer within `call_timeout`. The node may run resources
only until `ttl - margin` after it *sent* its last renewal that succeeded
(its own monotonic clock): etcd can expire the lease no earlier than `ttl`
after it *received* that renewal, which is later. So when the lease is gone
from etcd the node has already stopped everything -- provided stopping fits
in `margin` (`stop_budget`). The rules checked at start-up:

    renew_every + call_timeout < ttl - margin   a late renewal still lands before the node gives up
    stop_budget + drift < margin                 self-fencing completes before etcd can expire the lease
    2 * renew_every <= ttl - margin              one lost renewal is not yet fatal

Imports errors only.
"""

from __future__ import annotations

from dataclasses import dataclass

from hastack.errors import HastackError


class TimingError(HastackError):
    """The configured timers cannot keep the safety rule."""


@dataclass(frozen=True)
class Timing:
    ttl: int = 2  # seconds: etcd leases count whole seconds
    renew_every: float = 0.3
    call_timeout: float = 0.4
    margin: float = 0.6
    stop_budget: float = 0.4  # how long stopping every local resource may take when self-fencing
    drift: float = 0.05  # clock rate difference allowed between node and etcd leader over one TTL

    @property
    def self_fence_after(self) -> float:
        """Seconds after a successful renewal was sent at which the node stops everything."""
        return self.ttl - self.margin

    def problems(self) -> list[str]:
        out = []
        if self.ttl < 1:
            out.append(f"lease TTL {self.ttl} s: etcd leases need at least 1 s")
        if self.renew_every + self.call_timeout >= self.self_fence_after:
            out.append(f"renew every {self.renew_every} s + call timeout {self.call_timeout} s must be below "
                       f"TTL - margin = {self.self_fence_after} s")
        if self.stop_budget + self.drift >= self.margin:
            out.append(f"stop budget {self.stop_budget} s + drift {self.drift} s must be below the margin "
                       f"{self.margin} s")
        if 2 * self.renew_every > self.self_fence_after:
            out.append(f"two renewals ({2 * self.renew_every} s) must fit in TTL - margin = {self.self_fence_after} s")
        return out

    def check(self) -> Timing:
        problems = self.problems()
        if problems:
            raise TimingError("unsafe timing: " + "; ".join(problems),
                              hint="derive the timers from a lease TTL with Timing.for_ttl(), or raise the TTL")
        return self


def for_ttl(ttl: int) -> Timing:
    """Timers for a lease of `ttl` seconds (1 s in a tuned etcd, 2 s at etcd's defaults)."""
    margin = max(0.45, ttl * 0.3)
    return Timing(ttl=ttl, renew_every=ttl / 7, call_timeout=ttl / 6, margin=margin,
                  stop_budget=margin * 0.7, drift=margin * 0.1).check()
