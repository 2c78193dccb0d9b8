"""`hastack status` and the crm_mon shim on a live cluster store (a real etcd, no daemon).

The store is seeded as a running cluster would leave it: two members, an elected DC, a
promotable clone promoted on n1, and a primitive whose recurring monitor failed once on n1
(its fail count recorded as a transient attribute). Both commands show it in crm_mon's
layout (text) and as crm_mon's XML, which validates against Pacemaker's schema.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner
from lxml import etree

from hastack import __version__
from hastack.cli.main import cli
from hastack.crm import parse
from hastack.model.state import OpRecord, ResourceHistory
from hastack.model.values import AgentRef
from hastack.shims import crm_mon
from hastack.status.xml import API_VERSION
from hastack.store.etcd import EtcdStore
from hastack.store.etcdclient import EtcdClient

CRM = """node n1
node n2
primitive d1 ocf:heartbeat:Dummy op monitor interval=10s
primitive st ocf:pacemaker:Stateful op monitor interval=10s role=Promoted op monitor interval=11s role=Unpromoted
clone ms_st st meta promotable=true promoted-max=1 clone-max=2
property stonith-enabled=false
"""
FAILED_AT = 1_700_000_000
SCHEMA = Path("/usr/share/pacemaker/api") / f"api-result-{API_VERSION}.rng"


def _op(rsc: str, task: str, call: int, rc: int = 0, interval_ms: int = 0, suffix: str = "last_0") -> OpRecord:
    return OpRecord(id=f"{rsc}_{suffix}", operation=task, call_id=call, rc_code=rc, op_status=0,
                    interval_ms=interval_ms, operation_key=f"{rsc}_{task}_{interval_ms}",
                    transition_key=f"{call}:1:0:test", last_rc_change=FAILED_AT,
                    exec_time=12, queue_time=0)


@pytest.fixture
def live(etcd_endpoint: str) -> Iterator[EtcdStore]:
    client = EtcdClient([etcd_endpoint])
    store = EtcdStore(client, prefix=f"/status-{uuid.uuid4().hex[:8]}")
    store.commit(parse(CRM, "status.crm").config, based_on=0)
    lease = client.lease_grant(60)
    for n in ("n1", "n2"):
        store.join(n, n, lease)
    assert store.campaign("n1", lease) is not None
    dummy, stateful = AgentRef.parse("ocf:heartbeat:Dummy"), AgentRef.parse("ocf:pacemaker:Stateful")
    store.record_result("n1", ResourceHistory("d1", dummy, (
        _op("d1", "start", 1), _op("d1", "monitor", 2, rc=7, interval_ms=10_000, suffix="last_failure_0"))))
    store.set_node_attribute("n1", "fail-count-d1#monitor_10000", "1")
    store.set_node_attribute("n1", "last-failure-d1#monitor_10000", str(FAILED_AT))
    store.record_result("n1", ResourceHistory("st", stateful, (_op("st", "start", 3), _op("st", "promote", 4))))
    store.record_result("n2", ResourceHistory("st", stateful, (_op("st", "start", 1),)))
    store.set_node_attribute("n1", "master-st", "10")
    yield store
    client.close()


def run(*args: str) -> tuple[int, str]:
    r = CliRunner().invoke(cli, list(args))
    return r.exit_code, r.output


def _validate(text: str) -> etree._Element:
    doc = etree.fromstring(text.encode())
    if SCHEMA.exists():
        schema = etree.RelaxNG(etree.parse(str(SCHEMA)))
        assert schema.validate(doc), schema.error_log
    return doc


def test_status_prints_crm_mons_layout_then_hastacks_own(live: EtcdStore, etcd_endpoint: str) -> None:
    code, out = run("status", "--etcd", etcd_endpoint, "--prefix", live.prefix)
    assert code == 0, out
    assert out.startswith("Cluster Summary:\n  * Stack: hastack\n"
                          f"  * Current DC: n1 (version {__version__}) - partition with quorum\n"
                          "  * Last updated: ")
    assert "  * 2 nodes configured\n  * 3 resource instances configured\n\nNode List:\n  * Online: [ n1 n2 ]\n" in out
    assert ("Full List of Resources:\n"
            "  * d1\t(ocf:heartbeat:Dummy):\t FAILED n1\n"
            "  * Clone Set: ms_st [st] (promotable):\n"
            "    * Promoted: [ n1 ]\n"
            "    * Unpromoted: [ n2 ]\n") in out
    assert "Migration Summary:\n  * Node: n1:\n    * d1: migration-threshold=1000000 fail-count=1 last-failure=" in out
    assert "Failed Resource Actions:\n  * d1 10s-interval monitor on n1 returned 'not running' at " in out
    after = out.split("Failed Resource Actions:")[1]
    assert "\nCluster Store:\n  * 2 member(s) (n1, n2); DC: n1; store revision " in after
    assert "\nPending Decisions:\n  * Recover d1 (n1)\n" in after


def test_status_as_crm_mons_xml(live: EtcdStore, etcd_endpoint: str) -> None:
    code, out = run("status", "--etcd", etcd_endpoint, "--prefix", live.prefix, "--output-as", "xml")
    assert code == 0, out
    doc = _validate(out)
    assert (doc.get("api-version"), doc.get("request")) == (API_VERSION, "hastack status --output-as xml")
    dc = doc.find("summary/current_dc")
    assert dc is not None and dict(dc.attrib) == {"present": "true", "version": __version__, "name": "n1", "id": "n1",
                                                  "with_quorum": "true", "mixed_version": "false"}
    assert [(n.get("name"), n.get("online"), n.get("is_dc")) for n in doc.iterfind("nodes/node")] == [
        ("n1", "true", "true"), ("n2", "true", "false")]
    roles = [(r.get("role"), r.find("node").get("name")) for r in doc.iterfind("resources/clone/resource")]
    assert sorted(roles) == [("Promoted", "n1"), ("Unpromoted", "n2")]
    history = doc.find("node_history/node[@name='n1']/resource_history[@id='d1']")
    assert history is not None and (history.get("fail-count"), history.get("migration-threshold")) == ("1", "1000000")
    failure = doc.find("failures/failure")
    assert failure is not None and (failure.get("op_key"), failure.get("exitstatus")) == ("d1_monitor_10000",
                                                                                         "not running")


def test_an_unknown_output_format_is_refused_by_name(etcd_endpoint: str) -> None:
    code, out = run("status", "--etcd", etcd_endpoint, "--output-as", "yaml")
    assert code == 2 and "Invalid value for '--output-as': 'yaml' is not one of 'text', 'json', 'xml'" in out


def test_the_crm_mon_shim_reads_the_live_store(live: EtcdStore, etcd_endpoint: str,
                                               monkeypatch: pytest.MonkeyPatch,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    """As hastackd runs agents: HASTACK_STORE names the cluster store, and crm_mon shows it."""
    for k, v in (("HASTACK_STORE", "etcd"), ("HASTACK_ETCD_ENDPOINTS", etcd_endpoint),
                 ("HASTACK_ETCD_PREFIX", live.prefix)):
        monkeypatch.setenv(k, v)
    assert crm_mon.run(["-1", "-r"]) == 0
    out = capsys.readouterr().out
    assert f"  * Current DC: n1 (version {__version__}) - partition with quorum\n" in out
    assert "    * Promoted: [ n1 ]\n    * Unpromoted: [ n2 ]\n" in out
    for argv in (["--output-as=xml"], ["--output-as", "xml"]):
        assert crm_mon.run(argv) == 0
        doc = _validate(capsys.readouterr().out)
        assert doc.get("request") == " ".join(["crm_mon", *argv])
        dc = doc.find("summary/current_dc")
        assert dc is not None and (dc.get("name"), dc.get("with_quorum")) == ("n1", "true")
        assert doc.find("node_attributes/node[@name='n1']/attribute[@name='master-st']") is not None


def test_a_cluster_without_members_has_no_dc_and_no_history(etcd_endpoint: str) -> None:
    client = EtcdClient([etcd_endpoint])
    store = EtcdStore(client, prefix=f"/status-{uuid.uuid4().hex[:8]}")
    store.commit(parse(CRM, "status.crm").config, based_on=0)
    client.close()
    code, out = run("status", "--etcd", etcd_endpoint, "--prefix", store.prefix, "--output-as", "xml")
    assert code == 0, out
    doc = _validate(out)
    dc = doc.find("summary/current_dc")
    assert dc is not None and dict(dc.attrib) == {"present": "false"}
    assert [n.get("online") for n in doc.iterfind("nodes/node")] == ["false", "false"]
    assert doc.find("node_history") is None and doc.find("failures") is None
    code, out = run("status", "--etcd", etcd_endpoint, "--prefix", store.prefix)
    assert "  * Current DC: NONE\n" in out and "Node List:\n  * OFFLINE: [ n1 n2 ]\n" in out
    assert "Migration Summary:" not in out and "0 member(s) (none); DC: none" in out
