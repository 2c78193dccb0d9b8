"""daemon.notifier on a real etcd: the fencer's departure record reaches the local tier's agents at once,
once, with the departed node named -- and a node that joins again gets node-back. The executor is a
recorder (the agents' own node-gone is tested with real servers: tests/cluster/test_node_gone.py,
tests/agents/test_agent_haproxy.py)."""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Iterator

import pytest

from hastack.agents.action import ActionRequest, ActionResult
from hastack.daemon.departure import BACK, FENCED, GONE, META_NODE, Departure
from hastack.daemon.notifier import Notifier
from hastack.lab.net import wait_until
from hastack.model.results import ExecStatus
from hastack.model.values import AgentRef
from hastack.store.etcd import EtcdStore
from hastack.store.etcdclient import EtcdClient


class Recorder:
    """An executor that records what it is asked to run."""

    def __init__(self) -> None:
        self.ran: list[tuple[float, ActionRequest]] = []
        self.lock = threading.Lock()

    def execute(self, req: ActionRequest) -> ActionResult:
        with self.lock:
            self.ran.append((time.monotonic(), req))
        return ActionResult(req, 0, ExecStatus.DONE)

    def told(self) -> list[tuple[str, str, str]]:
        with self.lock:
            return [(r.resource_id, r.action, dict(r.meta)[META_NODE]) for _, r in self.ran]


class Holding:
    def holds(self) -> bool:
        return True


STARTED = {"p_galera:0": ActionRequest(AgentRef("ocf", "galera", "hastack"), "start", "p_galera:0",
                                       (("config", "/etc/mysql/my.cnf"),), meta=(("clone-max", "3"),), node="n1"),
           "vip": ActionRequest(AgentRef("ocf", "IPaddr", "hastack"), "start", "vip", node="n1")}


def running(store: EtcdStore, recorder: Recorder, started: dict[str, ActionRequest], *members: str) -> Notifier:
    """`members` joined, and n1's notifier started with `started` as its local resources."""
    for node in members:
        store.join(node, node, store.client.lease_grant(30))
    notifier = Notifier(store, "n1", Holding(), recorder, lambda: started)  # type: ignore[arg-type]
    notifier.start()
    return notifier


@pytest.fixture
def store(etcd_endpoint: str) -> Iterator[EtcdStore]:
    client = EtcdClient([etcd_endpoint])
    yield EtcdStore(client, f"/t-notifier-{uuid.uuid4().hex[:8]}")
    client.close()


def test_a_departure_is_told_at_once_and_once_then_back_when_the_node_rejoins(store: EtcdStore) -> None:
    recorder = Recorder()
    notifier = running(store, recorder, STARTED, "n1", "n3")
    try:
        time.sleep(0.3)
        assert recorder.told() == []
        n3 = store.member_addresses()["n3"][1]
        store.client.lease_revoke(n3)  # what the fencer does once the device confirmed n3 off ...
        wrote = time.monotonic()
        store.announce_departure("n3", Departure("n3", n3, FENCED).to_json())  # ... then this
        assert wait_until(lambda: recorder.told() != [], 2.0, 0.005)
        took = recorder.ran[0][0] - wrote
        print(f"\nnode-gone asked for {took * 1000:.0f} ms after the record was written")
        assert took < 0.3  # the watch wakes the notifier: no polling round to wait for
        assert recorder.told() == [("p_galera:0", GONE, "n3")]  # the VIP's agent has no node-gone
        req = recorder.ran[0][1]
        assert req.params == STARTED["p_galera:0"].params and ("clone-max", "3") in req.meta
        assert req.interval_ms == 0 and req.target_rc is None
        time.sleep(1.2)  # more rounds: nothing twice
        assert len(recorder.ran) == 1
        store.join("n3", "n3", store.client.lease_grant(30))  # a new incarnation of n3
        assert wait_until(lambda: len(recorder.ran) == 1 and notifier.last_sentence == "n3 back: no local "
                          "resource to tell", 3.0, 0.05), notifier.last_sentence  # galera rejoins by its start
    finally:
        notifier.stop()


def test_a_record_naming_a_live_lease_is_not_acted_on(store: EtcdStore) -> None:
    recorder = Recorder()
    notifier = running(store, recorder, STARTED, "n1", "n2")
    try:
        live = store.member_addresses()["n2"][1]
        store.announce_departure("n2", Departure("n2", live, FENCED).to_json())
        time.sleep(1.2)
        assert recorder.told() == []
    finally:
        notifier.stop()


def test_back_is_told_to_an_agent_that_has_it(store: EtcdStore) -> None:
    lb = {"lb:0": ActionRequest(AgentRef("ocf", "haproxy", "hastack"), "start", "lb:0", node="n1")}
    recorder = Recorder()
    store.announce_departure("n2", Departure("n2", 0x42, FENCED).to_json())  # before the notifier starts
    notifier = running(store, recorder, lb, "n1")
    try:
        assert wait_until(lambda: recorder.told() == [("lb:0", GONE, "n2")], 2.0, 0.02)
        store.join("n2", "n2", store.client.lease_grant(30))
        assert wait_until(lambda: recorder.told() == [("lb:0", GONE, "n2"), ("lb:0", BACK, "n2")], 3.0, 0.05)
    finally:
        notifier.stop()


def test_a_resource_started_after_the_departure_is_told_within_a_round(store: EtcdStore) -> None:
    """A load balancer started on a survivor after the death (its configuration still lists the dead
    server) is told node-gone too, by the notifier's next round: no new record wakes it."""
    from hastack.daemon.notifier import ROUND_S

    local = dict(STARTED)
    recorder = Recorder()
    store.announce_departure("n2", Departure("n2", 0x42, FENCED).to_json())
    notifier = running(store, recorder, local, "n1")
    try:
        assert wait_until(lambda: recorder.told() == [("p_galera:0", GONE, "n2")], 2.0, 0.02)
        local["lb:0"] = ActionRequest(AgentRef("ocf", "haproxy", "hastack"), "start", "lb:0", node="n1")
        assert wait_until(lambda: recorder.told() == [("p_galera:0", GONE, "n2"), ("lb:0", GONE, "n2")],
                          ROUND_S + 1.5, 0.05)
        time.sleep(ROUND_S + 0.5)
        assert len(recorder.ran) == 2  # nobody told twice
    finally:
        notifier.stop()
