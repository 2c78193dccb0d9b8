"""hastackd's REST health listener on one real node: a real etcd, the real membership lease, local
resource manager and controller (DC), real agents (ocf:heartbeat:Stateful as a promotable clone, Dummy),
and HTTP requests over loopback -- what HAProxy's checks would see."""

from __future__ import annotations

import socket
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path

import httpx
import pytest

from hastack.agents.executor import Executor, local_host
from hastack.crm import parse
from hastack.daemon.controller import Controller
from hastack.daemon.health import NodeFacts
from hastack.daemon.lrm import LocalResourceManager
from hastack.daemon.membership import Membership
from hastack.daemon.rest import DEFAULT_PORT, RestListener, TopologyWatch, parse_rest_address
from hastack.daemon.timing import for_ttl
from hastack.errors import HastackError
from hastack.store.etcd import EtcdStore
from hastack.store.etcdclient import EtcdClient


@dataclass
class Node:
    url: str
    tmp: Path
    store: EtcdStore
    membership: Membership
    listener: RestListener


def config(tmp: Path) -> str:
    return f"""node n1
primitive galera ocf:heartbeat:Stateful params state={tmp}/galera.state \\
    op monitor interval=1s role=Promoted op monitor interval=2s role=Unpromoted
clone ms_galera galera meta promotable=true promoted-max=1
primitive d ocf:heartbeat:Dummy params state={tmp}/d.state op monitor interval=2s
group g d
property stonith-enabled=false
"""


@pytest.fixture()
def node(etcd_endpoint: str, tmp_path: Path) -> Iterator[Node]:
    prefix = f"/rest-{uuid.uuid4().hex[:8]}"

    def client(timeout: float) -> EtcdClient:
        return EtcdClient([etcd_endpoint], timeout=timeout)
    store = EtcdStore(client(3.0), prefix)
    store.commit(parse(config(tmp_path), "t.crm").config, 0)
    timing = for_ttl(2)
    lrm_box: list[LocalResourceManager] = []
    membership = Membership(EtcdStore(client(timing.call_timeout), prefix), "n1", "n1", timing,
                            self_fence=lambda: lrm_box[0].stop_everything(timing.stop_budget))
    host = replace(local_host("n1", state_dir=str(tmp_path)),  # the shims Stateful calls (crm_master) need the store
                   store_env=(("HASTACK_STORE", "etcd"), ("HASTACK_ETCD_ENDPOINTS", etcd_endpoint),
                              ("HASTACK_ETCD_PREFIX", prefix)))
    lrm = LocalResourceManager(store, "n1", membership, Executor(host))
    lrm_box.append(lrm)
    controller = Controller(store, "n1", membership)
    watch = TopologyWatch(EtcdStore(client(3.0), prefix), wait=1.0)
    listener = RestListener(("127.0.0.1", 0), lambda: NodeFacts("n1", membership.holds(), lrm.roles(),
                                                                 watch.topology, membership.fenced_count))
    for part in (membership, lrm, controller, watch, listener):
        part.start()
    try:
        yield Node(f"http://127.0.0.1:{listener.address[1]}", tmp_path, store, membership, listener)
    finally:
        for part in (listener, watch, controller, lrm):
            part.stop()
        lrm.stop_everything(5)
        membership.stop()


def get(n: Node, path: str) -> httpx.Response:
    return httpx.get(n.url + path, timeout=2.0)


def until(path: str, code: int, n: Node, timeout: float = 30.0) -> float:
    """Seconds until GET path answers `code`."""
    t0 = time.monotonic()
    while time.monotonic() - t0 < timeout:
        if get(n, path).status_code == code:
            return time.monotonic() - t0
        time.sleep(0.1)
    raise AssertionError(f"{path} never answered {code}: {get(n, path).text}")


def test_endpoints_follow_what_the_node_runs_and_its_lease(node: Node) -> None:
    until("/health", 200, node, 10)
    until("/promoted/ms_galera", 200, node)  # the DC started and promoted the one instance here
    assert get(node, "/unpromoted/ms_galera").status_code == 503
    assert get(node, "/active/galera").status_code == 200
    until("/active/g", 200, node)
    view = get(node, "/").json()
    assert view["resources"] == {"d": "started", "galera": "promoted"} and view["member"] is True
    assert get(node, "/active/nothing").status_code == 503
    # HAProxy's plain `option httpchk` sends OPTIONS /; HEAD is the cheap form: status only
    head = httpx.head(node.url + "/promoted/ms_galera", timeout=2.0)
    assert head.status_code == 200 and head.content == b""
    assert httpx.options(node.url + "/health", timeout=2.0).status_code == 200

    # the operator stops the group: the endpoint goes 503, the others do not move
    store = node.store
    _, rev = store.configuration()
    text = config(node.tmp).replace("group g d", "group g d meta target-role=Stopped")
    store.commit(parse(text, "t.crm").config, rev)
    until("/active/g", 503, node)
    assert get(node, "/promoted/ms_galera").status_code == 200
    # the lease is lost (revoked behind the node's back, as when etcd expired it): the node self-fences,
    # answers 503 until it holds a new lease (it rejoins within a renewal period, 0.3 s), then 200 again
    t0, out = time.monotonic(), None
    while out is None and time.monotonic() - t0 < 10:
        # revoked again whenever it rejoined: on a loaded machine one GET can outlast the 0.3 s it stays out
        if node.membership.lease:
            node.store.client.lease_revoke(node.membership.lease)
        r = get(node, "/promoted/ms_galera")
        out = r if r.status_code == 503 and not r.json()["member"] else None
        time.sleep(0.01)
    assert out is not None, "never answered 503 after losing its lease"
    assert "holds no membership lease" in out.json()["answer"]
    until("/health", 200, node, 10)
    assert get(node, "/").json()["self_fenced"] >= 1  # (once per revocation it saw)


def test_a_silent_client_holds_one_thread_for_the_deadline_only(node: Node) -> None:
    until("/health", 200, node, 10)
    host, port = node.listener.address
    connected = time.monotonic()
    silent = [socket.create_connection((host, port), timeout=5) for _ in range(20)]  # say nothing
    try:
        t0 = time.monotonic()
        assert t0 - connected < 0.5  # all accepted at once (the listen backlog is not socketserver's 5)
        assert get(node, "/health").status_code == 200  # others are answered meanwhile
        assert time.monotonic() - t0 < 1.5  # before the silent ones' 2 s deadline (a loaded CI machine is slow)
        assert silent[-1].recv(100) == b""  # the server gave up on it at its deadline (2 s)
        assert 1.5 < time.monotonic() - connected < 3.0
    finally:
        for s in silent:
            s.close()


def test_rest_address_option() -> None:
    assert parse_rest_address("", "10.0.0.1") == ("10.0.0.1", DEFAULT_PORT)
    assert parse_rest_address("", None) == ("0.0.0.0", DEFAULT_PORT)
    assert parse_rest_address(":8008", "10.0.0.1") == ("10.0.0.1", 8008)
    assert parse_rest_address("[::1]:8008", None) == ("::1", 8008)
    assert parse_rest_address("off", None) is None
    with pytest.raises(HastackError, match="port must be a number"):
        parse_rest_address("10.0.0.1:http", None)


def test_a_port_in_use_is_a_clear_error() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        with pytest.raises(HastackError, match="cannot listen on 127.0.0.1") as err:
            RestListener(("127.0.0.1", s.getsockname()[1]), lambda: NodeFacts("n1", True, {}))
        assert "--rest-address" in err.value.hint
