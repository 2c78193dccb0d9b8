"""The crm_mon shim prints the one status view (text or XML), from the stored configuration and the shim state.

The same shim on a live cluster store (HASTACK_STORE): tests/cli/test_status_cli.py.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from lxml import etree

from hastack import __version__
from hastack.shims import crm_mon
from hastack.shims.common import CRM_EX_USAGE, ShimExit
from hastack.store.local import LocalStore

CONFIG = """<cib validate-with="pacemaker-3.7" epoch="1" num_updates="0" admin_epoch="0"><configuration>
  <crm_config/><nodes><node id="1" uname="node1"/><node id="2" uname="node2"/></nodes><resources>
  <primitive id="vip" class="ocf" provider="heartbeat" type="IPaddr2"/>
  <clone id="ms_db"><meta_attributes id="m"><nvpair id="m1" name="promotable" value="true"/></meta_attributes>
    <primitive id="db" class="ocf" provider="pacemaker" type="Stateful"/></clone>
  <primitive id="web" class="ocf" provider="heartbeat" type="apache">
    <meta_attributes id="w"><nvpair id="w1" name="target-role" value="Stopped"/></meta_attributes></primitive>
  </resources><constraints/></configuration><status/></cib>"""

SHIM_STATE = {
    "nodes": {"node1": {"id": "1", "transient": {"master-db": "10"}, "permanent": {"rack": "r1"}},
              "node2": {"id": "2", "transient": {}, "permanent": {}}},
    "resources": {"vip": {"nodes": ["node1"], "role": "Started", "agent": "ocf:heartbeat:IPaddr2"},
                  "db": {"nodes": ["node1"], "role": "Promoted", "agent": "ocf:pacemaker:Stateful"},
                  "extra": {"nodes": ["node2"], "role": "Started", "agent": "ocf:heartbeat:Dummy"}},
    "quorum": True,
}


@pytest.fixture
def state_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    d = tmp_path / "state"
    d.mkdir()
    monkeypatch.setenv("HASTACK_STATE_DIR", str(d))
    monkeypatch.setenv("HASTACK_NODE", "node1")
    (d / "shim-state.json").write_text(json.dumps(SHIM_STATE))
    LocalStore(d).commit(CONFIG, None)
    return d


def test_crm_mon_one_shot_shows_the_status_view(state_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert crm_mon.run(["-1", "-r", "-A"]) == 0
    out = capsys.readouterr().out
    assert f"  * Current DC: node1 (version {__version__}) - partition with quorum\n" in out
    assert "  * 2 nodes configured\n  * 5 resource instances configured (1 DISABLED)\n" in out  # web is disabled
    assert "Node List:\n  * Online: [ node1 node2 ]\n" in out
    assert ("Full List of Resources:\n"
            "  * vip\t(ocf:heartbeat:IPaddr2):\t Started node1\n"
            "  * Clone Set: ms_db [db] (promotable):\n"
            "    * Promoted: [ node1 ]\n"
            "    * Stopped: [ node2 ]\n"
            "  * web\t(ocf:heartbeat:apache):\t Stopped (disabled)\n"
            "  * extra\t(ocf:heartbeat:Dummy):\t Started node2\n") in out
    assert "Node Attributes:\n  * Node: node1:\n" in out and "master-db" in out and "rack" in out


def test_crm_mon_active_only_and_simple(state_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert crm_mon.run(["-1"]) == 0
    out = capsys.readouterr().out
    assert "Active Resources:\n" in out and "web" not in out
    assert crm_mon.run(["-s"]) == 0
    assert capsys.readouterr().out == "CLUSTER OK: 2 nodes online, 5 resource instances configured\n"


def test_a_node_the_shims_saw_leave_is_offline(state_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = json.loads((state_dir / "shim-state.json").read_text())
    data["nodes"]["node2"]["state"] = "lost"
    data["resources"]["extra"]["nodes"] = []
    (state_dir / "shim-state.json").write_text(json.dumps(data))
    assert crm_mon.run(["-1"]) == 0
    assert "Node List:\n  * Online: [ node1 ]\n  * OFFLINE: [ node2 ]\n" in capsys.readouterr().out


def test_crm_mon_xml_is_the_same_view(state_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert crm_mon.run(["--output-as=xml"]) == 0  # as crm_mon: XML needs no -1
    doc = etree.fromstring(capsys.readouterr().out.encode())
    assert doc.get("request") == "crm_mon --output-as=xml"
    dc = doc.find("summary/current_dc")
    assert dc is not None and (dc.get("name"), dc.get("with_quorum")) == ("node1", "true")
    db = doc.find("resources/clone[@id='ms_db']")
    assert db is not None and db.get("multi_state") == "true"
    assert [(r.get("role"), [n.get("name") for n in r]) for r in db] == [("Promoted", ["node1"]), ("Stopped", [])]
    web = doc.find("resources/resource[@id='web']")
    assert web is not None and (web.get("role"), web.get("target_role"), web.get("active")) == (
        "Stopped", "Stopped", "false")
    assert crm_mon.run(["-X"]) == 0  # the deprecated form: the same sections under <crm_mon>
    legacy = etree.fromstring(capsys.readouterr().out.encode())
    assert (legacy.tag, legacy.get("version"), legacy.find("status")) == ("crm_mon", "2.1.5", None)
    assert [el.tag for el in legacy] == [el.tag for el in doc if el.tag != "status"]


def test_crm_mon_refuses_an_output_format_it_does_not_have(state_dir: Path) -> None:
    with pytest.raises(ShimExit) as refused:
        crm_mon.run(["-1", "--output-as", "html"])
    assert refused.value.code == CRM_EX_USAGE
    assert refused.value.message == "--output-as=html is not available in hastack's crm_mon shim (choose text or xml)"
