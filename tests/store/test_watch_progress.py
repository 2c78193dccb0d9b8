"""A quiet watch is kept, not made again: hastack's own etcd members send a watch a progress line every
100 ms, so a live member's watch lasts the caller's whole wait (it was re-made 4 times a second, on every
watch of every host -- most of etcd's CPU in the 16-host lab); a change still wakes it at once. And the
waits of a process on one prefix share one long-lived watch (store.etcdwatch): made per wait, each watch
also cost a new TCP + TLS connection, as a stream abandoned before its end cannot be reused."""

from __future__ import annotations

import re
import threading
import time
import uuid

import httpx

from hastack.store.etcdclient import WATCH_READ_S, EtcdClient


def watches_started(endpoint: str) -> int:
    text = httpx.get(endpoint + "/metrics", timeout=5).text
    m = re.search(r'grpc_server_started_total\{grpc_method="Watch",grpc_service="etcdserverpb.Watch",'
                  r'grpc_type="bidi_stream"\} (\d+)', text)
    assert m, "etcd's metrics name no Watch streams"
    return int(m.group(1))


def test_a_quiet_watch_lasts_the_whole_wait(etcd_endpoint: str) -> None:
    client = EtcdClient([etcd_endpoint], timeout=2.0)
    prefix = f"/quiet-{uuid.uuid4().hex[:8]}/"
    rev = client.put(prefix + "k", "v")
    before = watches_started(etcd_endpoint)
    wait = 8 * WATCH_READ_S
    t0 = time.monotonic()
    assert client.wait_for_change(prefix, rev, wait) == rev  # nothing changed
    assert time.monotonic() - t0 >= wait * 0.9
    made = watches_started(etcd_endpoint) - before
    assert 1 <= made <= 2, f"{made} watches for one wait of {wait} s (re-made every {WATCH_READ_S} s: ~8)"


def test_a_change_still_wakes_the_watch_at_once(etcd_endpoint: str) -> None:
    client = EtcdClient([etcd_endpoint], timeout=2.0)
    prefix = f"/woken-{uuid.uuid4().hex[:8]}/"
    rev = client.put(prefix + "k", "v")
    timer = threading.Timer(0.5, lambda: client.put(prefix + "k", "w"))
    timer.start()
    t0 = time.monotonic()
    seen = client.wait_for_change(prefix, rev, 10.0)
    assert seen > rev and time.monotonic() - t0 < 3.0
    timer.join()


def test_successive_waits_share_one_watch_and_miss_no_change_between_them(etcd_endpoint: str) -> None:
    client = EtcdClient([etcd_endpoint], timeout=2.0)
    try:
        prefix = f"/shared-{uuid.uuid4().hex[:8]}/"
        rev = client.put(prefix + "k", "v")
        before = watches_started(etcd_endpoint)
        for _ in range(5):
            assert client.wait_for_change(prefix, rev, 0.3) == rev
        # a change while nobody waits, as between a loop's wait and its next read: the next wait sees it
        later = client.put(prefix + "k", "w")
        t0 = time.monotonic()
        assert client.wait_for_change(prefix, rev, 5.0) == later
        assert time.monotonic() - t0 < 1.0
        assert watches_started(etcd_endpoint) - before == 1, "one watch for six waits"
        # a wait from before the shared watch began cannot be vouched for by it: it watches on its own
        assert client.wait_for_change(prefix, rev - 1, 5.0) >= rev
    finally:
        client.close()
