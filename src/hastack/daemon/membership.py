"""Membership: the node's lease, renewed on its own thread, and the self-fence guard beside it.

Two threads that never do anything else, so scheduling and agent work cannot
delay them (STYLE: every wait has a deadline; DESIGN safety rule 1):

- the renewer grants a lease, puts the membership key on it (the node joins
  with no operation history: it is probed afresh), then renews every
  `renew_every`, each call bounded by `call_timeout`. After every renewal that
  succeeded, the node may run resources until `sent + ttl - margin` by its
  own monotonic clock (daemon.timing says why that is safe).
- the guard sleeps until that instant; if no renewal moved it, it calls
  `self_fence` (stop every local resource at once) and the node stays out
  until it holds a new lease again.

Two more rules make the node's deadline knowable from outside (daemon.expiry):
no renewal is sent at or past the deadline, and a renewal answered later than
`call_timeout` after its send does not count. A node with a watchdog (which
enforces the stop budget) publishes its timers with its membership as that
promise; without one it publishes none and the DC waits for etcd's expiry.

Imports store and daemon.timing.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from collections.abc import Callable
from typing import Protocol

from hastack.daemon.timing import Timing, realtime_thread
from hastack.store.etcd import EtcdStore
from hastack.store.port import StoreError

log = logging.getLogger("hastack.membership")

RECENT = 10_000


class Lease(Protocol):
    """What the rest of hastackd asks of the node's lease: Membership here, or daemon.leaseprocess's
    LeaseProcess, which runs Membership in a child process."""

    fenced_count: int

    @property
    def lease(self) -> int: ...

    def holds(self) -> bool: ...

    def valid_until(self) -> float: ...


class Membership:
    def __init__(self, store: EtcdStore, node: str, node_id: str, timing: Timing,
                 self_fence: Callable[[], None], pet: Callable[[float], None] | None = None,
                 address: str | None = None, alive: Callable[[], bool] | None = None,
                 on_state: Callable[[int, float], None] | None = None) -> None:
        self.store = store
        self.node = node
        self.node_id = node_id
        self.address = address
        self.timing = timing
        self._self_fence = self_fence
        self._pet = pet  # the watchdog: told the new deadline after every renewal (daemon.watchdog)
        # daemon.leaseprocess: renew only while the hastackd this process serves is alive; tell it every change
        self._alive = alive
        self._on_state = on_state
        self._lock = threading.Lock()
        self._valid_until = 0.0  # monotonic; resources may run only before it
        self.lease = 0
        self.fenced_count = 0
        self._stop = threading.Event()
        self._joined = threading.Event()
        self._guard = Guard(self.valid_until, self._expired)
        self._threads = [threading.Thread(target=self._renew_loop, name="lease", daemon=True),
                         threading.Thread(target=self._guard.run, args=(self._stop,), name="self-fence-guard",
                                          daemon=True)]
        # the latest renewals only (bench/renewal.py reads them): hastackd runs for months
        self.renew_jitter: deque[float] = deque(maxlen=RECENT)  # seconds late, per renewal
        self.renewed_at: deque[float] = deque(maxlen=RECENT)  # monotonic send time of each renewal that succeeded

    # --- what others ask ------------------------------------------------------------------
    def holds(self) -> bool:
        """Whether the node may run resources now."""
        with self._lock:
            held = self.lease != 0 and time.monotonic() < self._valid_until
        if held:
            self._guard.arm()
        return held

    def valid_until(self) -> float:
        with self._lock:
            return self._valid_until

    def wait_joined(self, timeout: float) -> bool:
        return self._joined.wait(timeout)

    def start(self) -> None:
        for t in self._threads:
            t.start()

    def stop(self, revoke: bool = True) -> None:
        self._stop.set()
        for t in self._threads:
            t.join(timeout=2)
        if revoke and self.lease:
            try:
                self.store.client.lease_revoke(self.lease, timeout=1.0)
            except StoreError:
                pass

    # --- the two threads --------------------------------------------------------------------
    def _join(self) -> None:
        t = self.timing
        sent = time.monotonic()
        lease = self.store.client.lease_grant(t.ttl, timeout=t.call_timeout)
        self.store.join(self.node, self.node_id, lease, self.address,
                        promise=t.promise() if self._pet else None)
        with self._lock:
            self.lease = lease
            self._valid_until = sent + t.self_fence_after
        self._changed()
        self._joined.set()
        log.info("%s joined with lease %x (ttl %d s)", self.node, lease, t.ttl)

    def _renew_loop(self) -> None:
        realtime_thread()
        t = self.timing
        next_at = time.monotonic()
        hung = False
        while not self._stop.is_set():
            now = time.monotonic()
            if now < next_at:
                self._stop.wait(next_at - now)
                continue
            self.renew_jitter.append(now - next_at)
            next_at = now + t.renew_every
            if self._alive is not None and not self._alive():
                if not hung:
                    log.warning("%s: hastackd does not answer: no renewal until it does", self.node)
                hung = True
                continue  # a hung hastackd must not keep its node in (it runs the resources)
            hung = False
            try:
                if not self.lease:
                    self._join()
                    continue
                sent = time.monotonic()
                if sent >= self.valid_until():
                    continue  # past the deadline: the guard self-fences; this lease is never renewed again
                ttl = self.store.client.lease_keepalive(self.lease, timeout=t.call_timeout)
                if ttl > 0 and time.monotonic() - sent > t.call_timeout:
                    log.warning("%s: lease renewal answered after %.3f s: not counted", self.node,
                                time.monotonic() - sent)
                elif ttl > 0:
                    self.renewed_at.append(sent)
                    with self._lock:
                        self._valid_until = max(self._valid_until, sent + t.self_fence_after)
                    self._changed()
                else:
                    log.warning("%s: lease %x is gone", self.node, self.lease)
                    self._lose()
            except StoreError as err:
                log.warning("%s: lease renewal failed: %s", self.node, err)

    def _changed(self) -> None:
        with self._lock:
            lease, until = self.lease, self._valid_until
        if until:
            self._guard.arm()  # (a guard stopped with the process since the join has not seen this deadline)
        if self._pet and until:
            self._pet(until)
        if self._on_state:
            self._on_state(lease, until)

    def _lose(self) -> None:
        with self._lock:
            self.lease = 0
            self._valid_until = 0.0
        self._joined.clear()
        self._changed()

    def _expired(self) -> None:
        self.fenced_count += 1
        log.error("%s: lease not renewed in time: self-fencing (stopping every local resource)", self.node)
        self._lose()
        self._self_fence()


class Guard:
    """Sleeps until the deadline `valid_until()`; if no renewal moved it, calls `expired` -- once for each
    time the node was seen holding its lease. Armed by the guard's own look at the deadline, and by
    whoever else saw the node hold it (`arm`): the paths that start resources ask holds(), which arms it,
    so a guard that was starved or stopped while the node held its lease still fires after."""

    def __init__(self, valid_until: Callable[[], float], expired: Callable[[], None],
                 tick: Callable[[], None] | None = None) -> None:
        self._valid_until = valid_until
        self._expired = expired
        self._tick = tick
        self._armed = threading.Event()

    def arm(self) -> None:
        self._armed.set()

    def run(self, stop: threading.Event) -> None:
        """The guard's loop (its own real-time thread), until `stop`; `tick` runs at least every 50 ms."""
        realtime_thread()
        while not stop.is_set():
            if self._tick is not None:
                self._tick()
            until = self._valid_until()
            now = time.monotonic()
            if until > now:
                self._armed.set()
                stop.wait(min(until - now, 0.05))
                continue
            if self._armed.is_set():
                self._armed.clear()
                if self._valid_until() > time.monotonic():
                    self._armed.set()  # a renewal landed between the look and the clear
                    continue
                try:  # the lease was held and ran out: stop everything now
                    self._expired()
                except Exception:  # the guard must survive whatever stopping does
                    log.exception("self-fence failed")
            stop.wait(0.05)
