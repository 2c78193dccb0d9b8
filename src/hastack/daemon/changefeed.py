"""The DC's wake-up: the store's latest change, watched by a thread of its own, and pokes from this process.

The DC plans again when the store changes (a result, a member gone, a new
configuration) or when something in its own process knows more than the
store says yet (the fencer proved a node down: the lease revocation that
will tell the store is still on its way). A watch request blocks in the
thread that made it and cannot be cut short by another thread, so the DC
does not watch itself: a watcher thread does, and the DC waits on a
condition that either the watcher or a poke ends at once -- a fenced node's
recovery no longer waits for the watch slice to run out (up to 0.5 s).

Runs only while its node is DC: every other node watches the DC key alone.

Imports store only.
"""

from __future__ import annotations

import logging
import threading

from hastack.store.etcd import EtcdStore
from hastack.store.port import StoreError

log = logging.getLogger("hastack.controller")

WATCH_S = 1.0  # one watch request; it is made again at once, so this bounds nothing but the request


class ChangeFeed:
    def __init__(self, store: EtcdStore) -> None:
        self.store = store
        self._cond = threading.Condition()
        self._latest = 0  # the newest change revision seen
        self._since: int | None = None  # the revision the watcher watches from (None: not yet)
        self._poked = False
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="dc-watch", daemon=True)

    def start(self) -> ChangeFeed:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self.poke()

    def poke(self) -> None:
        with self._cond:
            self._poked = True
            self._cond.notify_all()

    def wait(self, after: int, timeout: float) -> int:
        """A revision > `after` when the store changed after `after` (or a poke came) within `timeout`,
        else `after`. A caller whose `after` predates the watcher's start is told "changed" at once: what
        came in between was not watched."""
        with self._cond:
            def woken() -> bool:
                return (self._poked or self._stop.is_set() or self._latest > after
                        or (self._since is not None and after < self._since))
            self._cond.wait_for(woken, timeout)
            if self._poked:
                self._poked = False
                return max(self._latest, after + 1)
            if self._since is not None and after < self._since:
                return self._since
            return max(self._latest, after)

    def _run(self) -> None:
        after = 0
        while not self._stop.is_set():
            try:
                if not after:
                    after = self.store.revision()
                    with self._cond:
                        self._since = after
                        self._cond.notify_all()
                seen = self.store.watch(after, WATCH_S)
            except StoreError as err:
                log.warning("change feed: %s", err)
                self._stop.wait(0.1)
                continue
            if seen > after:
                after = seen
                with self._cond:
                    self._latest = max(self._latest, seen)
                    self._cond.notify_all()
