"""A small etcd v3 client over etcd's JSON gateway, with a deadline on every call and endpoint failover.

Why our own and not `etcd3gw`: etcd3gw (OpenStack's gateway client) binds a
client to one host, has one timeout for every call, returns no store revision
with a read, and runs watches in a thread that cannot be given a deadline.
The daemon needs all four (a lease renewal must fail within its budget and
move on to the next member; a snapshot is only useful with its revision), so
this is the thin client DESIGN.md allows, on httpx (TLS client certificates,
connection reuse, timeouts).

Only what hastack uses: range, put, delete, txn, lease grant/keepalive/revoke,
watch-until-first-event, member list, status. Keys and values are bytes on
the wire (base64 in the gateway's JSON); int64 fields arrive as strings.

Imports nothing of hastack beyond errors (via store.port).
"""

from __future__ import annotations

import concurrent.futures
import json
import ssl
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import httpx

from hastack.store.etcdwatch import WatchStreams
from hastack.store.etcdwire import b64 as _b64
from hastack.store.etcdwire import prefix_end
from hastack.store.etcdwire import unb64 as _unb64
from hastack.store.etcdwire import watch_request
from hastack.store.port import StoreError


CONNECT_S = 0.1
WATCH_READ_S = 0.25  # a watch's longest silence before it is made again (wait_for_change)
REPEATABLE = frozenset({"/v3/kv/range", "/v3/lease/keepalive", "/v3/lease/timetolive", "/v3/maintenance/status",
                        "/v3/cluster/member/list"})


@dataclass(frozen=True)
class KV:
    key: bytes
    value: bytes
    create_revision: int
    mod_revision: int
    lease: int


@dataclass(frozen=True)
class TlsFiles:
    ca: str
    cert: str
    key: str


@dataclass(frozen=True)
class LeaseTTL:
    ttl: int  # whole seconds left, rounded toward zero; -1: no such lease
    granted: int
    term: int  # Raft term of the member that answered


def _term(data: dict[str, Any]) -> int:
    return int(data.get("header", {}).get("raft_term", 0))


def _kv(d: dict[str, Any]) -> KV:
    return KV(_unb64(d.get("key")), _unb64(d.get("value")), int(d.get("create_revision", 0)),
              int(d.get("mod_revision", 0)), int(d.get("lease", 0)))


# --- request builders for transactions -----------------------------------------------------

def put_op(key: bytes | str, value: bytes | str, lease: int = 0) -> dict[str, Any]:
    body: dict[str, Any] = {"key": _b64(key), "value": _b64(value)}
    if lease:
        body["lease"] = str(lease)
    return {"request_put": body}


def delete_op(key: bytes | str, prefix: bool = False, before: bytes | str | None = None) -> dict[str, Any]:
    """Delete `key`; with `prefix`, every key under it; with `before`, every key from `key` up to (not
    including) `before` -- one operation however many keys (a txn takes at most 128 by default)."""
    body: dict[str, Any] = {"key": _b64(key)}
    if prefix:
        body["range_end"] = _b64(prefix_end(key))
    elif before is not None:
        body["range_end"] = _b64(before)
    return {"request_delete_range": body}


def compare(key: bytes | str, target: str, value: int | bytes | str, result: str = "EQUAL") -> dict[str, Any]:
    """A txn comparison: target is MOD, CREATE, VERSION, VALUE or LEASE."""
    field = {"MOD": "mod_revision", "CREATE": "create_revision", "VERSION": "version",
             "VALUE": "value", "LEASE": "lease"}[target]
    v: Any = _b64(value) if target == "VALUE" and not isinstance(value, int) else str(value)
    return {"key": _b64(key), "target": target, "result": result, field: v}


MIN_TRY_S = 0.3
HOME_RETRY_S = 1.0  # how long a member that failed is tried after the others
HEDGE_AFTER_S = 0.08  # a member with a leader answers a renewal in milliseconds, even on a loaded machine


class _TryFailed(Exception):
    """One member did not answer (or has no leader); another may."""


def _no_answer(path: str, errors: list[str]) -> StoreError:
    return StoreError(f"etcd did not answer {path} in time ({'; '.join(errors) or 'deadline passed'})",
                      hint="check that a majority of the etcd members run and are reachable")
KEEPALIVE_CONNECTIONS = 16  # a member with a leader answers a read or a keepalive in milliseconds


class EtcdClient:
    """Calls go to the first endpoint (hastackd lists its own host's member first) unless it failed in the
    last HOME_RETRY_S, then to the next; on a failure, to the next, until the deadline. Going back home
    rather than staying with whichever member answered last: a watch left on another host's member went
    silent when that host lost power, and the orders of a failover waited WATCH_READ_S for it."""

    def __init__(self, endpoints: Sequence[str], *, tls: TlsFiles | None = None, timeout: float = 2.0,
                 watch_read_s: float = WATCH_READ_S) -> None:
        if not endpoints:
            raise StoreError("no etcd endpoint given", hint="pass --etcd URL[,URL...]")
        self.endpoints = [e.rstrip("/") for e in endpoints]
        self.timeout = timeout
        self.watch_read_s = watch_read_s  # a watch's longest silence on a live member (etcdserver.watch_silence_s)
        self._failed: dict[int, float] = {}  # endpoint index -> when it last failed (monotonic)
        self._lock = threading.Lock()
        self._pool: concurrent.futures.ThreadPoolExecutor | None = None  # see _workers
        kw: dict[str, Any] = {}
        if tls is not None:
            try:
                ctx = ssl.create_default_context(cafile=tls.ca)
                if tls.cert:  # without one, etcd's client-cert-auth refuses the connection (as it should)
                    ctx.load_cert_chain(tls.cert, tls.key)
            except (OSError, ssl.SSLError) as err:
                raise StoreError(f"cannot load the TLS files {tls.ca}, {tls.cert}: {err}",
                                 hint="create them with hastack keygen DIR --node NAME=IP ...") from None
            kw["verify"] = ctx
        # Keep a connection per thread that uses the client (hastackd's LRM runs 8 actions at once): with
        # fewer kept alive, every request beyond them paid a new TLS handshake -- at 16 hosts x 1,000
        # resources the lab's etcd members and hastackd spent their CPU on handshakes. Short expiry: a
        # connection to a member that failed over is not kept for long.
        self.http = httpx.Client(limits=httpx.Limits(max_keepalive_connections=KEEPALIVE_CONNECTIONS,
                                                     keepalive_expiry=5.0), **kw)
        self._watches = WatchStreams(self, read_s=watch_read_s, connect_s=CONNECT_S)

    def close(self) -> None:
        self._watches.close()
        if self._pool is not None:
            self._pool.shutdown(wait=False, cancel_futures=True)
        self.http.close()

    # --- transport -------------------------------------------------------------------------
    def call(self, path: str, body: dict[str, Any], timeout: float | None = None,
             repeatable: bool | None = None) -> dict[str, Any]:
        """POST to the gateway; every endpoint is tried at most once before `timeout` runs out -- twice for
        a call that may safely be repeated (reads, lease renewals; `repeatable` says so of a call whose
        path does not, a transaction of reads): a kept-alive connection the member closed meanwhile fails
        the first try. Writes are never repeated: the first may have applied."""
        budget = timeout if timeout is not None else self.timeout
        deadline = time.monotonic() + budget
        errors: list[str] = []
        n = len(self.endpoints)
        again = path in REPEATABLE if repeatable is None else repeatable
        tries = 2 * n if again else n
        first = self.first_endpoint()
        for i in range(tries):
            idx = (first + i) % n
            left = deadline - time.monotonic()
            if left <= 0:
                break
            # A repeatable call gets a share of the budget per member: a kept-alive connection to a
            # member cut off since hangs until its read timeout, and the next member may answer at once.
            per_try = min(left, max(MIN_TRY_S, budget / n)) if again and n > 1 else left
            try:
                data = self._post(idx, path, body, per_try)
            except _TryFailed as failed:
                errors.append(str(failed))
                continue
            self.endpoint_answered(idx)
            return data
        raise _no_answer(path, errors)

    def first_endpoint(self) -> int:
        """The endpoint to try first: the first in order that has not failed within HOME_RETRY_S (else the
        one that failed longest ago)."""
        now = time.monotonic()
        failed = dict(self._failed)
        for idx in range(len(self.endpoints)):
            if now - failed.get(idx, -HOME_RETRY_S) >= HOME_RETRY_S:
                return idx
        return min(failed, key=lambda i: failed[i])

    def endpoint_answered(self, idx: int) -> None:
        self._failed.pop(idx, None)

    def failed_since(self, idx: int, since: float) -> bool:
        """Whether a call to member `idx` failed after the monotonic instant `since`."""
        return self._failed.get(idx, float("-inf")) > since

    def endpoint_failed(self, idx: int) -> None:
        self._failed[idx] = time.monotonic()

    def _post(self, idx: int, path: str, body: dict[str, Any], timeout: float) -> dict[str, Any]:
        """One try at member `idx`: its answer, _TryFailed when another member may answer, StoreError when
        none would (a TLS refusal, a request etcd refuses)."""
        try:
            # A live member accepts a connection at once; a dead or cut-off one never does, so a
            # short connect timeout leaves the rest of the budget for the next member.
            resp = self.http.post(self.endpoints[idx] + path, json=body,
                                   timeout=httpx.Timeout(timeout, connect=min(timeout, CONNECT_S)))
        except httpx.TransportError as err:
            if "SSL" in str(err) or "certificate" in str(err).lower():
                raise StoreError(f"{self.endpoints[idx]} refused the TLS handshake ({err})",
                                 hint="the client needs a certificate of the cluster CA "
                                      "(hastack keygen) and the CA's ca.crt") from None
            self.endpoint_failed(idx)  # the next calls start with the next member for a while
            raise _TryFailed(f"{self.endpoints[idx]}: {type(err).__name__}") from None
        if resp.status_code != 200:
            msg = _error_message(resp)
            if resp.status_code >= 500 and "leader" in msg.lower():
                self.endpoint_failed(idx)
                raise _TryFailed(f"{self.endpoints[idx]}: {msg}")  # that member lost its leader: another may not
            raise StoreError(f"etcd refused {path}: {msg}")
        data: dict[str, Any] = resp.json()
        return data

    def _workers(self) -> concurrent.futures.ThreadPoolExecutor:
        """The threads that ask several members at once (hedged calls, voters_answering), made on first
        use and kept: a pool per call was three new threads every refresh of a node that may fence."""
        with self._lock:
            if self._pool is None:
                # each member asked by a hedged call and by voters_answering at once, twice over
                self._pool = concurrent.futures.ThreadPoolExecutor(max_workers=4 * len(self.endpoints) + 4,
                                                                   thread_name_prefix="ask")
            return self._pool

    def hedged(self, path: str, body: dict[str, Any], timeout: float | None = None) -> dict[str, Any]:
        """A repeatable call asked of one member and, when it has not answered within HEDGE_AFTER_S, of the
        next one too (and so on), the first answer winning. For lease renewals: while etcd elects a new
        leader, or when the member last used was cut off, waiting out one member's timeout before asking
        another cost a node most of its self-fence margin; a renewal applied twice is harmless."""
        assert path in REPEATABLE
        n = len(self.endpoints)
        if n == 1:
            return self.call(path, body, timeout)
        deadline = time.monotonic() + (timeout if timeout is not None else self.timeout)
        pool = self._workers()
        first = self.first_endpoint()
        pending: dict[concurrent.futures.Future[dict[str, Any]], int] = {}
        errors: list[str] = []
        for k in range(n):
            if time.monotonic() >= deadline:
                break
            idx = (first + k) % n
            pending[pool.submit(self._post, idx, path, body, deadline - time.monotonic())] = idx
            # the next member is asked when this one has not answered soon, or at once when it failed
            data = self._first_answer(pending, min(deadline, time.monotonic() + HEDGE_AFTER_S), errors)
            if data is not None:
                return data
        data = self._first_answer(pending, deadline, errors)  # every member asked: wait for any
        if data is not None:
            return data
        raise _no_answer(path, errors)

    def _first_answer(self, pending: dict[concurrent.futures.Future[dict[str, Any]], int], until: float,
                      errors: list[str]) -> dict[str, Any] | None:
        """The first answer among `pending` before `until` (its member becomes the current one); None when
        none answered by then or every one failed (their errors appended)."""
        while pending:
            done, _ = concurrent.futures.wait(pending, max(0.0, until - time.monotonic()),
                                              return_when=concurrent.futures.FIRST_COMPLETED)
            if not done:
                return None
            for f in done:
                idx = pending.pop(f)
                try:
                    data = f.result()
                except _TryFailed as failed:
                    errors.append(str(failed))
                    continue
                self.endpoint_answered(idx)
                return data
        return None

    # --- key-value -------------------------------------------------------------------------
    def range(self, key: bytes | str, *, prefix: bool = False, revision: int = 0, keys_only: bool = False,
              min_mod_revision: int = 0, timeout: float | None = None, hedge: bool = False) -> tuple[list[KV], int]:
        """`hedge`: ask the next member too when the first is slow (hedged()): for small reads on a
        failover's path only -- hedging every read would double a loaded cluster's work."""
        body: dict[str, Any] = {"key": _b64(key)}
        if prefix:
            body["range_end"] = _b64(prefix_end(key))
        if keys_only:
            body["keys_only"] = True
        if min_mod_revision:
            body["min_mod_revision"] = str(min_mod_revision)
        if revision:
            body["revision"] = str(revision)
        data = (self.hedged if hedge else self.call)("/v3/kv/range", body, timeout)
        return [_kv(d) for d in data.get("kvs", ())], int(data["header"]["revision"])

    def get(self, key: bytes | str, timeout: float | None = None) -> KV | None:
        kvs, _ = self.range(key, timeout=timeout)
        return kvs[0] if kvs else None

    def put(self, key: bytes | str, value: bytes | str, lease: int = 0, timeout: float | None = None) -> int:
        data = self.call("/v3/kv/put", put_op(key, value, lease)["request_put"], timeout)
        return int(data["header"]["revision"])

    def delete(self, key: bytes | str, *, prefix: bool = False, timeout: float | None = None) -> int:
        data = self.call("/v3/kv/deleterange", delete_op(key, prefix)["request_delete_range"], timeout)
        return int(data["header"]["revision"])

    def txn(self, compares: list[dict[str, Any]], success: list[dict[str, Any]],
            failure: list[dict[str, Any]] | None = None, timeout: float | None = None
            ) -> tuple[bool, list[dict[str, Any]], int]:
        body: dict[str, Any] = {"compare": compares, "success": success, "failure": failure or []}
        reads_only = all(set(op) == {"request_range"} for op in [*success, *(failure or [])])
        data = self.call("/v3/kv/txn", body, timeout, repeatable=reads_only)
        return bool(data.get("succeeded", False)), list(data.get("responses", ())), int(data["header"]["revision"])

    def read_many(self, reads: list[tuple[bytes | str, bool]], timeout: float | None = None,
                  keys_only: frozenset[int] = frozenset()) -> tuple[list[list[KV]], int]:
        """Several reads (key, whether a prefix) at one revision in one round trip: a transaction of ranges
        only, which etcd serves as a linearizable read. On the failover path every round trip counts, and
        on an idle cluster every read does (etcd's leader confirms each with its followers). `keys_only`:
        the positions of the reads that need the keys' names and revisions, not their values."""
        ops = []
        for i, (key, is_prefix) in enumerate(reads):
            body: dict[str, Any] = {"key": _b64(key)}
            if is_prefix:
                body["range_end"] = _b64(prefix_end(key))
            if i in keys_only:
                body["keys_only"] = True
            ops.append({"request_range": body})
        _, responses, rev = self.txn([], ops, timeout=timeout)
        return [[_kv(d) for d in r.get("response_range", {}).get("kvs", ())] for r in responses], rev

    # --- leases ----------------------------------------------------------------------------
    def lease_grant(self, ttl: int, timeout: float | None = None) -> int:
        data = self.call("/v3/lease/grant", {"TTL": str(ttl)}, timeout)
        if data.get("error"):
            raise StoreError(f"etcd refused a lease: {data['error']}")
        return int(data["ID"])

    def lease_keepalive(self, lease: int, timeout: float | None = None) -> int:
        """Renew (hedged across members); returns the TTL granted (0: the lease is gone)."""
        data = self.hedged("/v3/lease/keepalive", {"ID": str(lease)}, timeout)
        result = data.get("result", data)
        return int(result.get("TTL", 0))

    def lease_time_to_live(self, lease: int, timeout: float | None = None) -> LeaseTTL:
        """Whole seconds left of `lease` (rounded toward zero, or -1 when there is no such lease), the
        seconds granted, and the Raft term of the member that answered; asked of the fastest (hedged)."""
        data = self.hedged("/v3/lease/timetolive", {"ID": str(lease)}, timeout)
        return LeaseTTL(int(data.get("TTL", 0)), int(data.get("grantedTTL", 0)), _term(data))

    def leader_term(self, timeout: float | None = None) -> int:
        """The Raft term of a linearizable read (it needs a leader and a quorum), hedged: the term of the
        etcd leader now."""
        data = self.hedged("/v3/kv/range", {"key": _b64("\0")}, timeout)
        return _term(data)

    def lease_revoke(self, lease: int, timeout: float | None = None) -> None:
        try:
            self.call("/v3/lease/revoke", {"ID": str(lease)}, timeout)
        except StoreError as err:
            if "not found" not in str(err):
                raise

    # --- watch -----------------------------------------------------------------------------
    def wait_for_change(self, prefix: bytes | str, after: int, timeout: float) -> int:
        """Block until a key under `prefix` changes at a revision > `after`, or `timeout` passes.
        Returns the revision of the change seen (or `after` when none came). Served by the process's
        long-lived watch on that prefix (store.etcdwatch); a wait from before that watch began has a
        watch of its own."""
        raw = prefix.encode() if isinstance(prefix, str) else prefix
        seen = self._watches.wait(raw, after, timeout)
        return self.watch_once(raw, after, timeout) if seen is None else seen

    def watch_once(self, prefix: bytes | str, after: int, timeout: float) -> int:
        """wait_for_change with a watch of its own, ended when it returns.

        A watch waits at most watch_read_s for a line: a member that died, or was cut off, on a kept-alive
        connection leaves the watch silent, and its orders or results must not wait out the caller's whole
        timeout. hastack's own members send a quiet watch a progress line every 100 ms or election timeout
        (etcdserver.progress_notify_ms), so a live member's watch lasts the caller's whole timeout; on a
        member that sends none (etcd's default: every 10 minutes) a confirmed watch is made again (from
        the same revision: nothing is missed); an unconfirmed one is made at the next member."""
        body = watch_request(prefix, after + 1)
        deadline = time.monotonic() + timeout
        unconfirmed = 0
        idx = self.first_endpoint()
        while unconfirmed < len(self.endpoints):
            left = deadline - time.monotonic()
            if left <= 0:
                return after
            url = self.endpoints[idx] + "/v3/watch"
            answered = False  # a live member confirms a new watch at once ("created")
            try:
                with self.http.stream("POST", url, json=body,
                                       timeout=httpx.Timeout(left, connect=min(left, CONNECT_S),
                                                             read=min(left, self.watch_read_s))) as resp:
                    for line in resp.iter_lines():
                        if not line.strip():
                            continue
                        if not answered:
                            self.endpoint_answered(idx)
                        answered = True
                        result = json.loads(line).get("result", {})
                        events = result.get("events") or []
                        if events:
                            return max(int(e["kv"]["mod_revision"]) for e in events)
                        if result.get("compact_revision") and int(result["compact_revision"]) > 0:
                            return int(result["header"]["revision"])  # history gone: just re-read
                        if time.monotonic() >= deadline:
                            return after
            except httpx.ReadTimeout:
                pass
            except httpx.TransportError:
                answered = False
            if answered:
                continue  # a quiet store (or the member ended the stream): the same member, a new watch
            unconfirmed += 1  # that member is gone or cut off: the next one
            self.endpoint_failed(idx)
            idx = (idx + 1) % len(self.endpoints)
        return after

    # --- cluster ---------------------------------------------------------------------------
    def status(self, timeout: float | None = None) -> dict[str, Any]:
        return self.call("/v3/maintenance/status", {}, timeout)

    def members(self, timeout: float | None = None) -> list[dict[str, Any]]:
        data = self.call("/v3/cluster/member/list", {}, timeout)
        return list(data.get("members", ()))

    def voters_answering(self, skip: str = "", timeout: float = 0.25,
                         members: list[dict[str, Any]] | None = None) -> dict[str, bool]:
        """Each voting member's name -> whether it answers now (learners left out; `skip` is
        not asked, and counts as not answering). Asked at once, each with its own short deadline: one
        member that lost power must not hold the answer back by more than `timeout`. `members`: the
        member list as read lately (members()), not read again."""
        voters = [m for m in (self.members(timeout=timeout) if members is None else members)
                  if not m.get("isLearner")]

        def answers(member: dict[str, Any]) -> bool:
            for url in member.get("clientURLs", ()):
                try:
                    resp = self.http.post(url.rstrip("/") + "/v3/maintenance/status", json={},
                                          timeout=httpx.Timeout(timeout, connect=min(timeout, CONNECT_S)))
                except httpx.HTTPError:
                    continue
                if resp.status_code == 200:  # with or without a leader: it may be electing one this instant
                    return True
            return False

        asked = [m for m in voters if m.get("name", "") != skip or not skip]
        found = dict(zip((m.get("name", "") for m in asked), self._workers().map(answers, asked)))
        return {m.get("name", ""): found.get(m.get("name", ""), False) for m in voters}

    def move_leader(self, target_id: int, timeout: float | None = None) -> None:
        """Hand the leadership to member `target_id` (etcdctl move-leader); only the leader may: ask a
        client of the leader's endpoint alone."""
        self.call("/v3/maintenance/transfer-leadership", {"targetID": str(target_id)}, timeout)


def _error_message(resp: httpx.Response) -> str:
    try:
        data = resp.json()
    except (ValueError, json.JSONDecodeError):
        return f"HTTP {resp.status_code}"
    return str(data.get("error") or data.get("message") or f"HTTP {resp.status_code}")
