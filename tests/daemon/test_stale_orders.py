"""A node runs only the orders of the current DC term and of its own incarnation: a real etcd, a real
membership lease, the real local resource manager and the real ocf:heartbeat:Dummy agent. A stale order
is dropped unrun (nothing recorded); the same action ordered in the current term runs and is recorded."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest

from hastack.agents.executor import Executor, local_host
from hastack.crm import parse
from hastack.daemon.lrm import LocalResourceManager
from hastack.daemon.membership import Membership
from hastack.daemon.orders import Order, refusal
from hastack.daemon.timing import for_ttl
from hastack.graphrun import GraphRun
from hastack.scheduler import Action, schedule
from hastack.store.etcd import EtcdStore
from hastack.store.etcdclient import EtcdClient
from hastack.store.port import StoreError
from polling import until


def test_refusal_names_the_reason() -> None:
    a = Action(id=1, task="monitor", rsc="d", node="n1")
    assert refusal(Order(7, 1, a, lease=0x10), 0x10, 7) is None
    assert "term 6" in (refusal(Order(6, 1, a, lease=0x10), 0x10, 7) or "")
    assert "lease" in (refusal(Order(7, 1, a, lease=0x11), 0x10, 7) or "")
    assert refusal(Order(7, 1, a, lease=0x10), 0x10, None) is not None  # no DC: nothing runs


@pytest.fixture()
def node(etcd_endpoint: str, tmp_path: Path) -> Iterator[tuple[EtcdStore, Membership, Path]]:
    prefix = f"/stale-{uuid.uuid4().hex[:8]}"
    store = EtcdStore(EtcdClient([etcd_endpoint], timeout=3.0), prefix)
    state_file = tmp_path / "d.state"
    text = f"node n1\nprimitive d ocf:heartbeat:Dummy params state={state_file}\nproperty stonith-enabled=false\n"
    store.commit(parse(text, "t.crm").config, 0)
    membership = Membership(EtcdStore(EtcdClient([etcd_endpoint], timeout=1.0), prefix), "n1", "n1", for_ttl(3),
                            self_fence=lambda: None)
    membership.start()
    lrm = LocalResourceManager(store, "n1", membership, Executor(local_host("n1", state_dir=str(tmp_path))))
    lrm.start()
    try:
        assert until(membership.holds, 10)
        yield store, membership, state_file
    finally:
        lrm.stop()
        membership.stop()



def _history(store: EtcdStore) -> list[tuple[str, int]]:
    ns = store.snapshot().state.node_by_uname("n1")
    h = ns.history("d") if ns else None
    return [(op.operation, op.rc_code) for op in h.ops] if h else []


def _probe(store: EtcdStore) -> Action:
    """The probe of d on n1, as the scheduler makes it now."""
    snap = store.snapshot()
    return next(a for a in GraphRun(schedule(snap.configuration, snap.state, int(time.time()))).ready()
                if a.rsc == "d" and a.node == "n1")


def _fail_node_view_once(store: EtcdStore, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Make the store's first node_view fail as a timed-out read; the list gets the history id it failed."""
    real = store.node_view
    failures: list[str] = []

    def flaky(node_name: str, history_id: str):  # type: ignore[no-untyped-def]
        if not failures:
            failures.append(history_id)
            raise StoreError("etcd did not answer /v3/kv/txn in time (ConnectTimeout)")
        return real(node_name, history_id)

    monkeypatch.setattr(store, "node_view", flaky)
    return failures


def test_orders_of_an_older_term_or_another_incarnation_are_dropped_unrun(
        node: tuple[EtcdStore, Membership, Path]) -> None:
    store, membership, _ = node
    dc_lease = store.client.lease_grant(30)
    term = store.campaign("n2", dc_lease)  # another node is DC
    assert term is not None
    probe = _probe(store)
    stale = [Order(term - 1, 1, probe, membership.lease),           # a deposed DC's
             Order(term, 2, replace(probe), membership.lease + 1)]  # for an earlier incarnation of n1
    for o in stale:
        store.post_actions(term, "n1", {o.key: o.to_json()})
    assert until(lambda: not store.actions_for("n1")[0], 10)
    assert _history(store) == []  # dropped without running: nothing recorded
    current = Order(term, 3, probe, membership.lease)
    store.post_actions(term, "n1", {current.key: current.to_json()})
    assert until(lambda: not store.actions_for("n1")[0], 10)
    assert _history(store) == [("monitor", 7)]  # the same probe, ordered in the current term, ran


def test_a_result_is_recorded_though_the_store_failed_to_answer_once(
        node: tuple[EtcdStore, Membership, Path], monkeypatch: pytest.MonkeyPatch) -> None:
    """At 16 hosts on 2 CPUs a read behind a result timed out now and then: the order was never finished
    and the DC waited out its timeout plus cluster-delay (80 s) before planning everything again."""
    store, membership, _ = node
    failures = _fail_node_view_once(store, monkeypatch)
    dc_lease = store.client.lease_grant(30)
    term = store.campaign("n2", dc_lease)
    assert term is not None
    probe = _probe(store)
    order = Order(term, 1, probe, membership.lease)
    store.post_actions(term, "n1", {order.key: order.to_json()})
    assert until(lambda: not store.actions_for("n1")[0], 10), "the order was never finished"
    assert failures == ["d"] and _history(store) == [("monitor", 7)]


def _start_order(store: EtcdStore, term: int, lease: int) -> Order:
    """The start of d on n1, as the scheduler makes it (agent, params, timeout), ordered in `term`."""
    return Order(term, 1, replace(_probe(store), task="start", target_rc=0), lease)


def test_a_start_runs_though_its_pending_record_could_not_be_read(
        node: tuple[EtcdStore, Membership, Path], monkeypatch: pytest.MonkeyPatch) -> None:
    """The 8-host lab, after a host loss: the read behind a start's pending record timed out, the order
    was neither run nor finished, and the DC waited 80 s for it. The start runs (the pending record only
    helps a new DC) and is recorded."""
    store, membership, state_file = node
    failures = _fail_node_view_once(store, monkeypatch)
    term = store.campaign("n2", store.client.lease_grant(30))
    assert term is not None
    order = _start_order(store, term, membership.lease)
    store.post_actions(term, "n1", {order.key: order.to_json()})
    assert until(lambda: not store.actions_for("n1")[0], 10), "the order was never finished"
    assert failures == ["d"] and _history(store) == [("start", 0)] and state_file.exists()


def test_an_order_the_store_failed_before_it_ran_is_taken_up_again(
        node: tuple[EtcdStore, Membership, Path], monkeypatch: pytest.MonkeyPatch) -> None:
    store, membership, state_file = node
    calls = []
    real = LocalResourceManager._record_pending

    def flaky(self: LocalResourceManager, order: Order) -> None:
        calls.append(order.key)
        if len(calls) == 1:
            raise StoreError("etcd did not answer /v3/kv/txn in time (ConnectTimeout)")
        real(self, order)

    monkeypatch.setattr(LocalResourceManager, "_record_pending", flaky)
    term = store.campaign("n2", store.client.lease_grant(30))
    assert term is not None
    order = _start_order(store, term, membership.lease)
    store.post_actions(term, "n1", {order.key: order.to_json()})
    assert until(lambda: not store.actions_for("n1")[0], 10), "the order was never finished"
    assert calls == [order.key, order.key] and _history(store) == [("start", 0)] and state_file.exists()


def test_a_failure_whose_write_lost_its_answer_is_counted_once(
        node: tuple[EtcdStore, Membership, Path], monkeypatch: pytest.MonkeyPatch) -> None:
    """The write of a result landed but its answer was lost (a timeout at load): it is written again with
    the same values. Written as a fail count first and the result after, then worked out afresh from a
    new read, a retry counted the failure twice."""
    store, membership, _ = node
    calls: list[str | None] = []
    real = EtcdStore.done_action

    def lost_answer(self: EtcdStore, node_name, key, history, attributes=None):  # type: ignore[no-untyped-def]
        rev = real(self, node_name, key, history, attributes)
        calls.append(key)
        if len(calls) == 1:
            raise StoreError("etcd did not answer /v3/kv/txn in time (ReadTimeout)")
        return rev

    monkeypatch.setattr(EtcdStore, "done_action", lost_answer)
    term = store.campaign("n2", store.client.lease_grant(30))
    assert term is not None
    # a start expected to leave the resource stopped: its success is a failure, counted in d's fail count
    # (start-failure-is-fatal=false: counted by one, not set to INFINITY, so that a second count shows)
    order = Order(term, 1, replace(_probe(store), task="start", target_rc=7), membership.lease, False)
    store.post_actions(term, "n1", {order.key: order.to_json()})
    assert until(lambda: len(calls) == 2, 10), calls
    counts = {k: v for k, v in store.node_attributes("n1").items() if k.startswith("fail-count-d")}
    assert calls == [order.key, order.key] and list(counts.values()) == ["1"], counts
    assert not store.actions_for("n1")[0]
