"""Operator changes report the transition acting on them and --wait follows the DC's progress
(store.progress), against a real etcd; a DC is played by hand with the store's own DC calls."""

from __future__ import annotations

import json
import threading
import time
import uuid
from pathlib import Path

import pytest
from click.testing import CliRunner

from hastack.cli.main import cli
from hastack.cli.waiting import WaitTimeout, follow
from hastack.store.etcd import EtcdStore
from hastack.store.etcdclient import EtcdClient
from hastack.store.progress import Progress, TransitionRef, acting_transition, settled

CONFIG = """node n1
node n2
primitive d1 ocf:heartbeat:Dummy op monitor interval=10s
property stonith-enabled=false
"""


def test_the_acting_transition_is_the_first_planned_on_the_change() -> None:
    refs = [TransitionRef(7, 1, 100), TransitionRef(7, 2, 140), TransitionRef(7, 3, 180)]
    assert str(acting_transition(refs, 120)) == "7.2"
    assert acting_transition(refs, 181) is None
    assert not settled(Progress("n1", 7, 3, 180, False, ("start d1 on n1",)), 150)
    assert not settled(Progress("n1", 7, 3, 140, True), 150)  # idle, but planned before the change
    assert settled(Progress("n1", 7, 3, 150, True), 150)


class PlayedDC:
    """A DC driven by the test: it holds the DC key on a lease and publishes what a DC would."""

    def __init__(self, store: EtcdStore) -> None:
        self.store = store
        self.lease = store.client.lease_grant(30)
        term = store.campaign("n1", self.lease)
        assert term is not None
        self.term = term

    def plans(self, transition: int, revision: int, pending: tuple[str, ...]) -> None:
        rec = {"term": self.term, "transition": transition, "revision": revision, "orders": list(pending),
               "summary": [], "cib": "<cib/>", "time": 0}
        self.store.log_transition(self.term, self.term * 1_000_000 + transition, json.dumps(rec), 10)
        self.store.publish_progress(self.term, Progress("n1", self.term, transition, revision, not pending,
                                                        pending).to_json())


@pytest.fixture()
def cluster(etcd_endpoint: str, tmp_path: Path) -> tuple[str, str, EtcdStore]:
    prefix = f"/wait-{uuid.uuid4().hex[:8]}"
    path = tmp_path / "c.crm"
    path.write_text(CONFIG)
    r = CliRunner().invoke(cli, ["cluster", "load", "--etcd", etcd_endpoint, "--prefix", prefix, str(path)])
    assert r.exit_code == 0, r.output
    return etcd_endpoint, prefix, EtcdStore(EtcdClient([etcd_endpoint]), prefix)


def test_a_change_prints_its_transition_and_wait_returns_when_the_dc_is_idle_after_it(
        cluster: tuple[str, str, EtcdStore]) -> None:
    endpoint, prefix, store = cluster
    dc = PlayedDC(store)
    dc.plans(1, store.snapshot().revision, ())  # idle before the change
    done = threading.Event()

    def dc_loop() -> None:  # plans on the change once it is there, runs it, then goes idle
        while not done.is_set():
            snap = store.snapshot()
            if "stopped" in json.dumps(snap.configuration.resources["d1"].meta, default=str).lower():
                dc.plans(2, snap.revision, ("stop d1 on n1",))
                time.sleep(0.6)
                dc.plans(2, store.snapshot().revision, ())
                return
            time.sleep(0.05)

    t = threading.Thread(target=dc_loop)
    t.start()
    try:
        r = CliRunner().invoke(cli, ["resource", "stop", "d1", "--etcd", endpoint, "--prefix", prefix,
                                     "--wait=10"])
    finally:
        done.set()
        t.join()
    assert r.exit_code == 0, r.output
    assert f"transition {dc.term}.2 acts on it" in r.output
    assert "settled" in r.output


def test_wait_times_out_listing_what_is_pending(cluster: tuple[str, str, EtcdStore]) -> None:
    endpoint, prefix, store = cluster
    dc = PlayedDC(store)
    rev = store.client.put(f"{prefix}-log/ping", "1")
    dc.plans(1, rev + 1, ("start d1 on n2",))  # planned on the change, never finishing
    with pytest.raises(WaitTimeout) as err:
        follow(store, rev, 0.6, echo=lambda _: None)
    assert "start d1 on n2" in err.value.message


def test_without_a_dc_the_change_is_committed_and_says_nobody_planned_yet(
        cluster: tuple[str, str, EtcdStore], monkeypatch: pytest.MonkeyPatch) -> None:
    endpoint, prefix, _ = cluster
    monkeypatch.setattr("hastack.cli.waiting.LEARN_S", 0.3)
    r = CliRunner().invoke(cli, ["node", "maintenance", "n2", "--etcd", endpoint, "--prefix", prefix])
    assert r.exit_code == 0, r.output
    assert "no DC has planned on it yet" in r.output
    r = CliRunner().invoke(cli, ["configure", "show", "--etcd", endpoint, "--prefix", prefix])
    assert "maintenance=true" in r.output, r.output
    r = CliRunner().invoke(cli, ["node", "maintenance", "n9", "--etcd", endpoint, "--prefix", prefix])
    assert r.exit_code != 0 and "no node 'n9'" in r.output and "Traceback" not in r.output


def test_configure_property_and_load_on_the_live_cluster(cluster: tuple[str, str, EtcdStore],
                                                         tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    endpoint, prefix, store = cluster
    monkeypatch.setattr("hastack.cli.waiting.LEARN_S", 0.2)
    r = CliRunner().invoke(cli, ["configure", "property", "cluster-recheck-interval=2min",
                                 "--etcd", endpoint, "--prefix", prefix])
    assert r.exit_code == 0, r.output
    assert store.snapshot().configuration.property("cluster-recheck-interval") == "2min"
    r = CliRunner().invoke(cli, ["configure", "property", "nonsense", "--etcd", endpoint, "--prefix", prefix])
    assert r.exit_code != 0 and "NAME=VALUE" in r.output and "Traceback" not in r.output
    extra = tmp_path / "more.crm"
    extra.write_text("primitive d2 ocf:heartbeat:Dummy\n")
    r = CliRunner().invoke(cli, ["configure", "load", "--no-agents", "update", str(extra),
                                 "--etcd", endpoint, "--prefix", prefix])
    assert r.exit_code == 0, r.output
    assert set(store.snapshot().configuration.resources) == {"d1", "d2"}
