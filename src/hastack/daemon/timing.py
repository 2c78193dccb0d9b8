"""Every timer of a node, derived from one lease TTL, and the rules that keep them safe (pure).

The lease plays Corosync's token. A node renews it every `renew_every`; each
renewal call must answer within `call_timeout`. The node may run resources
only until `ttl - margin` after it *sent* its last renewal that succeeded
(its own monotonic clock): etcd can expire the lease no earlier than `ttl`
after it *received* that renewal, which is later. So when the lease is gone
from etcd the node has already stopped everything -- provided stopping fits
in `margin` (`stop_budget`). The node sends no renewal past that deadline and
counts a renewal only when it was answered within `call_timeout`: that is the
promise it publishes with its membership (`promise()`), from which the DC can
tell that it stopped up to ~0.45 s before etcd expires the lease
(daemon.expiry). The rules checked at start-up:

    renew_every + call_timeout < ttl - margin   a late renewal still lands before the node gives up
    stop_budget + drift < margin                 self-fencing completes before etcd can expire the lease
    2 * renew_every <= ttl - margin              one lost renewal is not yet fatal
    2.5 * election + renew_every + HEDGE
                           < ttl - margin        the etcd leader's death is no node's death: no lease
                                                 renews until a new leader is elected (Raft: within two
                                                 election timeouts, plus its pre-vote and the machine's
                                                 load -- 1.2 s measured at 500 ms), then the next
                                                 renewal must land

Imports errors only.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from dataclasses import dataclass

from hastack.errors import HastackError

# how long a renewal takes to reach a member that has a leader when the one asked first does not answer
# (store.etcdclient.HEDGE_AFTER_S, plus the answer)
HEDGE_S = 0.1
ELECTIONS = 2.5  # election timeouts until etcd has a new leader, at worst (see the rules above)


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
    election: float = 0.1  # etcd's election timeout (hastack's own members: etcdserver.ELECTION_MS)

    @property
    def self_fence_after(self) -> float:
        """Seconds after a successful renewal was sent at which the node stops everything."""
        return self.ttl - self.margin

    def promise(self) -> dict[str, float]:
        """What the node publishes with its membership: the timers daemon.expiry.Promise reads."""
        return {"self_fence_after": self.self_fence_after, "call_timeout": self.call_timeout,
                "stop_budget": self.stop_budget, "drift": self.drift}

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
        after_election = ELECTIONS * self.election + self.renew_every + HEDGE_S
        if after_election >= self.self_fence_after:
            out.append(f"etcd's election timeout {self.election * 1000:.0f} ms: a dead etcd leader is replaced "
                       f"within {ELECTIONS * self.election:.2f} s, and the next renewal lands by "
                       f"{after_election:.2f} s -- "
                       f"after TTL - margin = {self.self_fence_after:.2f} s, so every node would self-fence")
        return out

    def check(self) -> Timing:
        problems = self.problems()
        if problems:
            raise TimingError("unsafe timing: " + "; ".join(problems),
                              hint="raise --ttl, or lower etcd's --election-timeout (hastack's own members use "
                                   "100 ms) and say so with --etcd-election-ms")
        return self


def _this_thread(set_it: Callable[[int], None]) -> bool:
    """Apply a scheduling setting to the calling thread (Linux schedules threads one by one, by their
    native id). Best effort: without the privilege, nothing changes."""
    try:
        set_it(threading.get_native_id())
        return True
    except (OSError, AttributeError):
        return False


def realtime_thread(priority: int = 10) -> bool:
    """Give the calling thread real-time round-robin scheduling, as corosync runs: lease renewal, the
    self-fence guard and heartbeats must not wait behind the machine's load."""
    return _this_thread(lambda tid: os.sched_setscheduler(tid, os.SCHED_RR, os.sched_param(priority)))


def thread_nice(value: int) -> bool:
    """Set the calling thread's nice value. The DC raises its own controller thread while it is DC: its
    decision is every node's critical path, and on a loaded machine a fair share made it crawl (2.5 s of
    CPU took 90 s at 16 hosts on 2 CPUs)."""
    return _this_thread(lambda tid: os.setpriority(os.PRIO_PROCESS, tid, value))


def for_ttl(ttl: int, election: float = 0.1) -> Timing:
    """Timers for a lease of `ttl` seconds on an etcd whose election timeout is `election` seconds (hastack's
    own members: 100 ms by default; a 5 s lease at etcd's default of 1 s). For 2 s: renew every 0.29 s, answers
    within 0.25 s, self-fence 1.2 s after a renewal's send, stopped 0.3 s later, etcd's expiry 0.5 s after
    that -- the wide margin is what lets the DC act before etcd's expiry (daemon.expiry)."""
    margin = min(max(0.45, ttl * 0.4), 1.0)  # capped: a longer lease's margin would only delay recovery
    # the stop budget fits in the margin whatever the TTL (uncapped, it refused every TTL from 7 s up)
    stop_budget = min(max(0.25, ttl * 0.15), 0.75 * margin)
    return Timing(ttl=ttl, renew_every=ttl / 7, call_timeout=ttl / 8, margin=margin,
                  stop_budget=stop_budget, drift=margin * 0.1, election=election).check()
