"""One contract for every adapter of the store port: in memory, in a file, on a real etcd.

Each test gets a fresh store (a new directory, a new etcd key prefix) and
checks one promise of `hastack.store.port.ClusterStore`.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from hastack.crm import parse
from hastack.model.state import OpRecord, ResourceHistory
from hastack.model.values import AgentRef
from hastack.store.etcd import EtcdStore
from hastack.store.etcdclient import EtcdClient
from hastack.store.memory import FileStore, MemoryStore
from hastack.store.port import ClusterStore, StaleCommit

CRM = """node node1
node node2
primitive vip ocf:heartbeat:IPaddr2 params ip=10.9.0.10 op monitor interval=10s
property stonith-enabled=false
"""


@pytest.fixture(params=["memory", "file", "etcd"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[ClusterStore]:
    if request.param == "memory":
        yield MemoryStore()
    elif request.param == "file":
        yield FileStore(tmp_path)
    else:
        client = EtcdClient([request.getfixturevalue("etcd_endpoint")])
        try:
            yield EtcdStore(client, prefix=f"/t-{uuid.uuid4().hex[:8]}")
        finally:
            client.close()


def join(store: ClusterStore, node: str, node_id: str) -> None:
    """Membership is the adapter's own business (leases on etcd): each has a way to mark a member."""
    if isinstance(store, EtcdStore):
        lease = store.client.lease_grant(30)
        store.join(node, node_id, lease)
    else:
        store.set_member(node, node_id)  # type: ignore[attr-defined]


def parse_crm(text: str):  # type: ignore[no-untyped-def]
    return parse(text, "contract.crm").config


def history(rc: int = 0, call_id: int = 1) -> ResourceHistory:
    op = OpRecord(id="vip_last_0", operation="start", call_id=call_id, rc_code=rc, op_status=0,
                  operation_key="vip_start_0", transition_key=f"1:1:0:{uuid.uuid4()}", op_digest="abc",
                  last_rc_change=1700000000, exec_time=12)
    return ResourceHistory(id="vip", agent=AgentRef("ocf", "IPaddr2", "heartbeat"), ops=(op,))


def test_empty_store_has_no_configuration(store: ClusterStore) -> None:
    snap = store.snapshot()
    assert snap.config_revision == 0
    assert snap.configuration.resources == {} or len(snap.configuration.resources) == 0
    assert dict(snap.members) == {}


def test_commit_then_snapshot_gives_the_configuration(store: ClusterStore) -> None:
    config = parse_crm(CRM)
    rev = store.commit(config, based_on=0)
    snap = store.snapshot()
    assert rev == snap.config_revision > 0
    assert set(snap.configuration.resources) == {"vip"}
    assert [n.uname for n in snap.configuration.nodes] == ["node1", "node2"]


def test_commit_against_an_old_revision_is_refused_and_changes_nothing(store: ClusterStore) -> None:
    first = store.commit(parse_crm(CRM), based_on=0)
    store.commit(parse_crm(CRM.replace("10.9.0.10", "10.9.0.11")), based_on=first)
    with pytest.raises(StaleCommit):
        store.commit(parse_crm(CRM.replace("10.9.0.10", "10.9.0.12")), based_on=first)
    vip = store.snapshot().configuration.resources["vip"]
    assert "10.9.0.11" in repr(vip)


def test_recorded_results_reach_the_state_of_a_member(store: ClusterStore) -> None:
    store.commit(parse_crm(CRM), based_on=0)
    join(store, "node1", "node1")
    store.record_result("node1", history())
    snap = store.snapshot()
    ns = snap.state.node_by_uname("node1")
    assert ns is not None and ns.in_ccm == "true" and ns.crmd == "online"
    h = ns.history("vip")
    assert h is not None and h.ops[0].operation == "start" and h.ops[0].op_digest == "abc"
    assert str(h.agent) == "ocf:heartbeat:IPaddr2"
    assert h == history().__class__(id=h.id, agent=h.agent, ops=h.ops)  # round trip keeps every field


def test_a_node_that_is_not_a_member_is_cleanly_down_without_history(store: ClusterStore) -> None:
    store.commit(parse_crm(CRM), based_on=0)
    store.record_result("node2", history())
    ns = store.snapshot().state.node_by_uname("node2")
    assert ns is not None and ns.in_ccm == "false" and ns.expected == "down" and ns.resources == ()


def test_forget_history(store: ClusterStore) -> None:
    join(store, "node1", "node1")
    store.record_result("node1", history())
    store.forget_history("node1")
    ns = store.snapshot().state.node_by_uname("node1")
    assert ns is not None and ns.resources == ()


def test_node_attributes_set_read_delete(store: ClusterStore) -> None:
    join(store, "node1", "node1")
    store.set_node_attribute("node1", "master-db", "10")
    store.set_node_attribute("node1", "fail-count-db#start_0", "1")
    assert dict(store.node_attributes("node1")) == {"master-db": "10", "fail-count-db#start_0": "1"}
    ns = store.snapshot().state.node_by_uname("node1")
    assert ns is not None and ns.attributes["master-db"] == "10"
    store.set_node_attribute("node1", "master-db", None)
    assert "master-db" not in store.node_attributes("node1")


def test_revisions_grow_with_every_change(store: ClusterStore) -> None:
    a = store.snapshot().revision
    b = store.set_node_attribute("node1", "x", "1")
    c = store.set_node_attribute("node1", "x", "2")
    assert a < b < c <= store.snapshot().revision


def test_watch_returns_at_once_when_something_newer_exists(store: ClusterStore) -> None:
    rev = store.set_node_attribute("node1", "x", "1")
    t0 = time.monotonic()
    assert store.watch(rev - 1, timeout=5) >= rev
    assert time.monotonic() - t0 < 2


def test_watch_times_out_when_nothing_changes(store: ClusterStore) -> None:
    rev = store.snapshot().revision
    t0 = time.monotonic()
    assert store.watch(rev, timeout=0.3) == rev
    assert 0.25 <= time.monotonic() - t0 < 3


def test_watch_wakes_on_a_change_from_another_thread(store: ClusterStore) -> None:
    rev = store.snapshot().revision
    writer = threading.Timer(0.2, lambda: store.set_node_attribute("node1", "y", "1"))
    writer.start()
    t0 = time.monotonic()
    new = store.watch(rev, timeout=5)
    writer.join()  # (its write must end before the store is torn down)
    assert new > rev and time.monotonic() - t0 < 4
