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

from hastack.daemon.timing import Timing, realtime_thread
from hastack.store.etcd import EtcdStore
from hastack.store.port import StoreError

log = logging.getLogger("hastack.membership")

RECENT = 10_000


class Membership:
    def __init__(self, store: EtcdStore, node: str, node_id: str, timing: Timing,
                 self_fence: Callable[[], None], pet: Callable[[float], None] | None = None,
                 address: str | None = None) -> None:
        self.store = store
        self.node = node
        self.node_id = node_id
        self.address = address
        self.timing = timing
        self._self_fence = self_fence
        self._pet = pet  # the watchdog: told the new deadline after every renewal (daemon.watchdog)
        self._lock = threading.Lock()
        self._valid_until = 0.0  # monotonic; resources may run only before it
        self.lease = 0
        self.fenced_count = 0
        self._stop = threading.Event()
        self._joined = threading.Event()
        self._threads = [threading.Thread(target=self._renew_loop, name="lease", daemon=True),
                         threading.Thread(target=self._guard_loop, name="self-fence-guard", daemon=True)]
        # the latest renewals only (bench/renewal.py reads them): hastackd runs for months
        self.renew_jitter: deque[float] = deque(maxlen=RECENT)  # seconds late, per renewal
        self.renewed_at: deque[float] = deque(maxlen=RECENT)  # monotonic send time of each renewal that succeeded

    # --- what others ask ------------------------------------------------------------------
    def holds(self) -> bool:
        """Whether the node may run resources now."""
        with self._lock:
            return self.lease != 0 and time.monotonic() < self._valid_until

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
        if self._pet:
            self._pet(sent + t.self_fence_after)
        self._joined.set()
        log.info("%s joined with lease %x (ttl %d s)", self.node, lease, t.ttl)

    def _renew_loop(self) -> None:
        realtime_thread()
        t = self.timing
        next_at = time.monotonic()
        while not self._stop.is_set():
            now = time.monotonic()
            if now < next_at:
                self._stop.wait(next_at - now)
                continue
            self.renew_jitter.append(now - next_at)
            next_at = now + t.renew_every
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
                        until = self._valid_until
                    if self._pet:
                        self._pet(until)
                else:
                    log.warning("%s: lease %x is gone", self.node, self.lease)
                    self._lose()
            except StoreError as err:
                log.warning("%s: lease renewal failed: %s", self.node, err)

    def _lose(self) -> None:
        with self._lock:
            self.lease = 0
            self._valid_until = 0.0
        self._joined.clear()

    def _guard_loop(self) -> None:
        realtime_thread()
        armed = False
        while not self._stop.is_set():
            until = self.valid_until()
            now = time.monotonic()
            if until > now:
                armed = True
                self._stop.wait(min(until - now, 0.05))
                continue
            if armed:  # a lease was held and ran out: stop everything now
                armed = False
                self.fenced_count += 1
                log.error("%s: lease not renewed in time: self-fencing (stopping every local resource)", self.node)
                self._lose()
                try:
                    self._self_fence()
                except Exception:  # the guard must survive whatever stopping does
                    log.exception("self-fence failed")
            self._stop.wait(0.05)
