"""An idle DC decides again only when something changed (or a recheck falls due), on a real etcd with the
real membership, LRM and controller of one node: it no longer re-plans its whole cluster every 5 s for
nothing (a sixth of a CPU for the DC of 16 hosts x 1,000 resources)."""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from hastack.agents.executor import Executor, local_host
from hastack.crm import parse
from hastack.daemon import controller as controller_module
from hastack.daemon.controller import Controller
from hastack.daemon.lrm import LocalResourceManager
from hastack.daemon.membership import Membership
from hastack.daemon.timing import for_ttl
from hastack.scheduler import Transition
from hastack.store.etcd import EtcdStore
from hastack.store.etcdclient import EtcdClient
from hastack.store.progress import Progress
from polling import until


class Counted:
    """schedule(), counting its calls."""

    def __init__(self) -> None:
        self.calls = 0
        self.lock = threading.Lock()
        self.real = controller_module.schedule

    def __call__(self, *args: object, **kwargs: object) -> Transition:
        with self.lock:
            self.calls += 1
        return self.real(*args, **kwargs)  # type: ignore[arg-type]


@pytest.fixture()
def dc(etcd_endpoint: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[EtcdStore, Counted]]:
    prefix = f"/idle-{uuid.uuid4().hex[:8]}"
    store = EtcdStore(EtcdClient([etcd_endpoint], timeout=3.0), prefix)
    text = f"node n1\nprimitive d ocf:heartbeat:Dummy params state={tmp_path}/d.state\nproperty stonith-enabled=false\n"
    store.commit(parse(text, "t.crm").config, 0)
    counted = Counted()
    monkeypatch.setattr(controller_module, "schedule", counted)
    monkeypatch.setattr(controller_module, "IDLE_REPLAN_S", 7.0, raising=False)  # the safety net, shortened
    timing = for_ttl(2)
    membership = Membership(EtcdStore(EtcdClient([etcd_endpoint], timeout=timing.call_timeout), prefix), "n1", "n1",
                            timing, self_fence=lambda: None)
    lrm = LocalResourceManager(store, "n1", membership, Executor(local_host("n1", state_dir=str(tmp_path))))
    ctl = Controller(EtcdStore(EtcdClient([etcd_endpoint], timeout=3.0), prefix), "n1", membership)
    for part in (membership, lrm, ctl):
        part.start()
    try:
        yield store, counted
    finally:
        ctl.stop()
        lrm.stop()
        lrm.stop_everything(5)
        membership.stop()


def test_an_idle_dc_decides_again_on_a_change_or_its_safety_net_only(dc: tuple[EtcdStore, Counted]) -> None:
    store, counted = dc
    assert until(lambda: (p := store.progress()) is not None and Progress.from_json(p).idle, 20), "never idle"
    time.sleep(0.3)  # (the decision that published idle is done)
    settled = counted.calls
    time.sleep(5.5)
    assert counted.calls == settled  # nothing changed: no decision (it was one every 5 s)
    store.set_node_attribute("n1", "site", "a")  # a change: decided at once
    assert until(lambda: counted.calls > settled, 3), "a change was not decided on"
    changed = counted.calls
    assert until(lambda: counted.calls > changed, 9), "the safety net never re-planned"
