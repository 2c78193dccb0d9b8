"""Long-lived etcd watches: one stream per watched prefix, shared by every wait on it in the process.

hastackd's loops wait for a change under a prefix (a node's orders, the DC
key, the whole store for the DC), read, and wait again -- several times a
second on every host. Made afresh for each wait, a watch cost a new gRPC
stream in etcd's gateway and, because a stream abandoned before its end
cannot go back to httpx's pool, a new TCP + TLS connection: at 16 hosts that
churn was most of the idle CPU of the lab's etcd members. Here a stream
lives as long as someone waits on its prefix (IDLE_S), follows the store's
revision from its events and progress lines, and wakes the waiters whose
revision it has passed.

A stream vouches for every change at or after the revision it started from;
a wait from an older revision than that is answered by a watch of its own
(`EtcdClient.watch_once`). A stream that hears nothing for WATCH_READ_S on a
member that has sent progress lines before (hastack's own members send one
every 100 ms) takes its member for dead or cut off and starts again at the
next, from the revision after the last it saw: nothing is missed. It goes
back to the client's first member (its own host's) once that one answers
again.

Imports store.etcdwire (the client it serves is passed in).
"""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import httpx

from hastack.store.etcdwire import watch_request

if TYPE_CHECKING:
    from hastack.store.etcdclient import EtcdClient

IDLE_S = 30.0  # a stream nobody waited on for this long ends
REHOME_S = 5.0  # a stream on another member than the client's first goes back this long after moving
RETRY_S = 0.05  # between rounds when no member answered


@dataclass
class _Stream:
    prefix: bytes
    since: int  # the first revision this stream vouches for
    next_rev: int  # where a new watch on the next member starts
    changed: int = 0  # the highest revision of a change seen under the prefix
    used: float = field(default_factory=time.monotonic)


class WatchStreams:
    """The process's long-lived watches (see the module docstring)."""

    def __init__(self, client: EtcdClient, read_s: float, connect_s: float) -> None:
        self._client = client
        self._read_s = read_s
        self._connect_s = connect_s
        self._lock = threading.Lock()
        self._cond = threading.Condition(self._lock)
        self._streams: dict[bytes, _Stream] = {}
        self._closed = False

    def wait(self, prefix: bytes, after: int, timeout: float) -> int | None:
        """The revision of a change under `prefix` later than `after`, `after` when none came within
        `timeout`, or None when no stream can vouch for revisions from `after` on (the caller watches
        once on its own)."""
        deadline = time.monotonic() + timeout
        with self._cond:
            if self._closed:
                return None
            s = self._streams.get(prefix)
            if s is None:
                s = self._streams[prefix] = _Stream(prefix, since=after + 1, next_rev=after + 1)
                threading.Thread(target=self._run, args=(s,), name="etcd-watch", daemon=True).start()
            elif after + 1 < s.since:
                return None
            while True:
                s.used = time.monotonic()
                if s.changed > after:
                    return s.changed
                left = deadline - time.monotonic()
                if left <= 0 or self._closed:
                    return after
                self._cond.wait(left)

    def close(self) -> None:
        with self._cond:
            self._closed = True
            self._cond.notify_all()

    # --- the stream's thread ---------------------------------------------------------------
    def _run(self, s: _Stream) -> None:
        client = self._client
        while True:
            with self._cond:
                if self._closed or time.monotonic() - s.used > IDLE_S:
                    self._streams.pop(s.prefix, None)
                    return
                start = s.next_rev
            idx = client.first_endpoint()
            heard = self._follow(s, idx, start)
            if heard is None:
                client.endpoint_failed(idx)
                time.sleep(RETRY_S)

    def _follow(self, s: _Stream, idx: int, start: int) -> bool | None:
        """One watch on member `idx` from revision `start`, followed until it should end: True when the
        member answered (the stream ends to go home, or was cancelled), None when it did not or fell
        silent after promising progress lines."""
        client = self._client
        body = watch_request(s.prefix, start)
        answered = progress = False
        began = time.monotonic()
        try:
            with client.http.stream("POST", client.endpoints[idx] + "/v3/watch", json=body,
                                    timeout=httpx.Timeout(None, connect=self._connect_s,
                                                          read=self._read_s)) as resp:
                if resp.status_code != 200:
                    return None
                for line in resp.iter_lines():
                    if not line.strip():
                        continue
                    if not answered:
                        client.endpoint_answered(idx)
                        answered = True
                    result = json.loads(line).get("result", {})
                    if self._take(s, result):
                        progress = True
                    with self._cond:
                        if self._closed or time.monotonic() - s.used > IDLE_S:
                            return True
                    if idx != client.first_endpoint() and time.monotonic() - began > REHOME_S:
                        return True  # home again: the next watch starts there, from where this one got to
                    if client.failed_since(idx, began):
                        # a call found this member without a leader: cut off, it still sends progress
                        # lines but no change will come through it
                        return True
                    if result.get("canceled"):
                        return True
        except httpx.ReadTimeout:
            # silence: a member that sent progress lines before is dead or cut off; one that never did
            # (an etcd at its defaults: every 10 minutes) is asked again
            return None if progress or not answered else True
        except (httpx.HTTPError, httpx.StreamError, ValueError, KeyError, RuntimeError):
            return None  # (RuntimeError: the client was closed under the stream)
        return True if answered else None

    def _take(self, s: _Stream, result: dict[str, object]) -> bool:
        """Apply one line of the watch; True when it was a progress line."""
        header = result.get("header")
        revision = int(header.get("revision", 0)) if isinstance(header, dict) else 0
        events = result.get("events")
        with self._cond:
            if isinstance(events, list) and events:
                top = max(int(e["kv"]["mod_revision"]) for e in events)
                s.changed = max(s.changed, top)
                s.next_rev = max(s.next_rev, top + 1)
                self._cond.notify_all()
                return False
            compacted = result.get("compact_revision")
            if compacted and int(str(compacted)) > 0:
                # the history from next_rev is gone: every waiter re-reads, the next watch starts now
                s.changed = max(s.changed, revision)
                s.next_rev = max(s.next_rev, revision + 1)
                self._cond.notify_all()
                return False
            if result.get("created") or result.get("canceled"):
                return False  # a created line's revision is the store's, not how far events were sent
            if revision:
                s.next_rev = max(s.next_rev, revision + 1)  # every event up to it has been sent
            return True

