"""The DC's change feed on a real etcd: a store change or a poke ends the DC's wait at once, and a wait
from before the feed started is told "changed" (what came in between was not watched)."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator

import pytest

from hastack.daemon.changefeed import ChangeFeed
from hastack.store.etcd import EtcdStore
from hastack.store.etcdclient import EtcdClient


@pytest.fixture()
def feed(etcd_endpoint: str) -> Iterator[tuple[EtcdStore, ChangeFeed]]:
    store = EtcdStore(EtcdClient([etcd_endpoint], timeout=2.0), f"/feed-{uuid.uuid4().hex[:8]}")
    store.client.put(store.key("x"), "0")
    f = ChangeFeed(store).start()
    try:
        yield store, f
    finally:
        f.stop()


def timed(f: ChangeFeed, after: int, timeout: float) -> tuple[int, float]:
    t = time.monotonic()
    return f.wait(after, timeout), time.monotonic() - t


def test_a_change_or_a_poke_ends_the_wait_and_nothing_else_does(feed: tuple[EtcdStore, ChangeFeed]) -> None:
    store, f = feed
    now = store.revision()
    time.sleep(0.3)  # the watcher is up
    assert timed(f, now, 0.4) == (now, pytest.approx(0.4, abs=0.15))  # nothing changed: the whole timeout
    rev = store.client.put(store.key("x"), "1")
    seen, took = timed(f, now, 5.0)
    assert seen == rev and took < 1.0
    f.poke()
    seen, took = timed(f, rev, 5.0)
    assert seen > rev and took < 0.1  # "changed": the caller reads a fresh snapshot
    assert timed(f, rev, 0.2)[0] == rev  # a poke counts once


def test_a_wait_from_before_the_feed_started_is_a_change(etcd_endpoint: str) -> None:
    store = EtcdStore(EtcdClient([etcd_endpoint], timeout=2.0), f"/feed-{uuid.uuid4().hex[:8]}")
    old = store.client.put(store.key("x"), "0")
    store.client.put(store.key("x"), "1")
    f = ChangeFeed(store).start()
    try:
        seen, took = timed(f, old, 5.0)
        assert seen > old and took < 2.0
    finally:
        f.stop()
