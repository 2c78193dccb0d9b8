"""The status view on small clusters: against the real crm_simulate where Pacemaker 2.1.5 can say,
and on what it cannot (membership timestamps, as Pacemaker >= 2.1.7 writes them)."""

from __future__ import annotations

import json
import os
import subprocess
import tempfile
from pathlib import Path

import pytest

from hastack.cib import parse_cib
from hastack.scheduler import current_facts, schedule
from hastack.status import build_view, render_crm_mon, render_simulate, to_dict


def _crm_simulate_status(xml: str, tmp_path: Path) -> str:
    path = tmp_path / "cib.xml"
    path.write_text(xml)
    with tempfile.TemporaryDirectory() as shadow:
        run = subprocess.run(["crm_simulate", "-x", str(path)], capture_output=True, text=True, timeout=60,
                             env=dict(os.environ, LC_ALL="C", CIB_shadow_dir=shadow))
    return run.stdout[run.stdout.index("Current cluster status:"):]


def _ours(xml: str) -> str:
    cib = parse_cib(xml, "inline.xml")
    return render_simulate(build_view(cib.config, cib.state))


FENCED = """<cib have-quorum="1" validate-with="pacemaker-3.7" epoch="1" num_updates="0" admin_epoch="0"><configuration><crm_config/><nodes>
  <node id="1" uname="n1"/><node id="2" uname="n2"/><node id="3" uname="n3">
  <instance_attributes id="a3"><nvpair id="a3s" name="standby" value="on"/></instance_attributes></node>
  </nodes><resources>
  <primitive id="ip" class="ocf" provider="heartbeat" type="IPaddr2"/>
  <primitive id="db" class="ocf" provider="heartbeat" type="mysql">
    <meta_attributes id="dbm"><nvpair id="dbm1" name="target-role" value="Stopped"/></meta_attributes></primitive>
  </resources><constraints/></configuration><status>
  <node_state id="1" uname="n1" in_ccm="true" crmd="online" join="member" expected="member"><lrm id="1"><lrm_resources>
    <lrm_resource id="ip" class="ocf" provider="heartbeat" type="IPaddr2">
      <lrm_rsc_op id="ip_last_0" operation_key="ip_start_0" operation="start" call-id="1" rc-code="0"
        op-status="0" interval="0" transition-key="1:1:0:x" on_node="n1"/>
      <lrm_rsc_op id="ip_last_failure_0" operation_key="ip_monitor_10000" operation="monitor" call-id="2"
        rc-code="7" op-status="0" interval="10000" transition-key="2:1:0:x" on_node="n1"/>
    </lrm_resource></lrm_resources></lrm></node_state>
  <node_state id="2" uname="n2" in_ccm="false" crmd="online" join="member" expected="member"/>
  <node_state id="3" uname="n3" in_ccm="true" crmd="online" join="member" expected="member"/>
  </status></cib>"""


def test_a_failed_and_a_lost_node_read_as_crm_simulate_reads_them(tmp_path: Path) -> None:
    ours = _ours(FENCED)
    assert ours == _crm_simulate_status(FENCED, tmp_path)
    assert ours == (
        "Current cluster status:\n"
        "  * Node List:\n"
        "    * Node n2: UNCLEAN (offline)\n"
        "    * Node n3: standby\n"
        "    * Online: [ n1 ]\n"
        "\n"
        "  * Full List of Resources:\n"
        "    * ip\t(ocf:heartbeat:IPaddr2):\t FAILED n1\n"
        "    * db\t(ocf:heartbeat:mysql):\t Stopped (disabled)\n"
    )


def _one_node_cib(fencing: bool, in_ccm: str, last_op: str, stop_on_fail: str = "", crmd: str = "online") -> str:
    on_fail = f' on-fail="{stop_on_fail}"' if stop_on_fail else ""
    return f"""<cib have-quorum="1" validate-with="pacemaker-3.7" epoch="1" num_updates="0" admin_epoch="0"><configuration><crm_config>
      <cluster_property_set id="o"><nvpair id="o1" name="stonith-enabled" value="{str(fencing).lower()}"/>
      </cluster_property_set></crm_config>
      <nodes><node id="1" uname="n1"/><node id="2" uname="n2"/></nodes><resources>
      <primitive id="db" class="ocf" provider="heartbeat" type="mysql"><operations>
        <op id="db-stop" name="stop" interval="0"{on_fail}/></operations></primitive>
      </resources><constraints/></configuration><status>
      <node_state id="1" uname="n1" in_ccm="{in_ccm}" crmd="{crmd}" join="member" expected="member"><lrm id="1">
        <lrm_resources><lrm_resource id="db" class="ocf" provider="heartbeat" type="mysql">{last_op}
        </lrm_resource></lrm_resources></lrm></node_state>
      <node_state id="2" uname="n2" in_ccm="true" crmd="online" join="member" expected="member"/>
      </status></cib>"""


STARTED = ('<lrm_rsc_op id="db_last_0" operation_key="db_start_0" operation="start" call-id="1" rc-code="0"'
           ' op-status="0" interval="0" transition-key="1:1:0:x" on_node="n1"/>')
STOP_FAILED = ('<lrm_rsc_op id="db_last_0" operation_key="db_stop_0" operation="stop" call-id="2" rc-code="1"'
               ' op-status="0" interval="0" transition-key="2:1:0:x" on_node="n1"/>')
NOT_INSTALLED = ('<lrm_rsc_op id="db_last_0" operation_key="db_monitor_0" operation="monitor" call-id="1"'
                 ' rc-code="5" op-status="0" interval="0" transition-key="1:1:7:x" on_node="n1"/>')


@pytest.mark.parametrize("fencing, in_ccm, last_op, on_fail", [
    (True, "false", STARTED, ""),  # lost with a resource on it: unclean, its resource too
    (False, "false", STARTED, ""),  # without fencing a lost node is just offline, its history unread
    (True, "true", STOP_FAILED, ""),  # a failed stop: the node must be fenced
    (False, "true", STOP_FAILED, ""),  # ... or, without fencing, the resource is blocked
    (True, "true", STOP_FAILED, "block"),
    (True, "true", NOT_INSTALLED, ""),  # a probe that found no agent: Stopped (not installed)
], ids=["lost", "lost-no-fencing", "stop-failed", "stop-failed-no-fencing", "stop-failed-block", "not-installed"])
def test_small_clusters_read_as_crm_simulate_reads_them(fencing: bool, in_ccm: str, last_op: str, on_fail: str,
                                                        tmp_path: Path) -> None:
    xml = _one_node_cib(fencing, in_ccm, last_op, on_fail)
    assert _ours(xml) == _crm_simulate_status(xml, tmp_path)


# --- membership timestamps (Pacemaker >= 2.1.7) ------------------------------------------------------------

WHEN = "1733100000"


@pytest.mark.parametrize("in_ccm, crmd, online, unclean, reason", [
    (WHEN, WHEN, True, False, None),  # both timestamps: a member with its controller up
    ("true", "online", True, False, None),  # the legacy words mean the same
    ("1", "online", True, False, None),
    ("0", "0", False, True, "peer is no longer part of the cluster"),
    (WHEN, "0", True, True, "peer process is no longer available"),  # a member whose controller is gone
    ("0", WHEN, False, True, "peer is no longer part of the cluster"),
])
def test_membership_timestamps_are_read_as_pacemaker_reads_them(in_ccm: str, crmd: str, online: bool,
                                                                 unclean: bool, reason: str | None) -> None:
    xml = _one_node_cib(True, in_ccm, STARTED, crmd=crmd).replace(  # with a fence device, running on n2
        "</resources>", '<primitive id="fence" class="stonith" type="fence_dummy"/></resources>').replace(
        'expected="member"/>', 'expected="member"><lrm id="2"><lrm_resources><lrm_resource id="fence" '
        'class="stonith" type="fence_dummy"><lrm_rsc_op id="fence_last_0" operation_key="fence_start_0" '
        'operation="start" call-id="1" rc-code="0" op-status="0" interval="0" transition-key="1:1:0:x"/>'
        '</lrm_resource></lrm_resources></lrm></node_state>')
    cib = parse_cib(xml, "inline.xml")
    now = int(WHEN) + 60
    fact = next(n for n in current_facts(cib.config, cib.state, now).nodes if n.uname == "n1")
    node = build_view(cib.config, cib.state, now).node("n1")
    assert node is not None
    assert (fact.online, fact.unclean, fact.unclean_reason) == (online, unclean, reason)
    assert (node.online, node.unclean, node.reason) == (online, unclean, reason), "the view says what the scheduler reads"
    summary = schedule(cib.config, cib.state, now).summary
    # (the records carry no digests, so the scheduler also restarts what it keeps: not the point here)
    if unclean:
        assert f"Fence (reboot) n1 '{reason}'" in summary and "Move db (n1 -> n2)" in summary, summary
    else:
        assert not any(line.startswith(("Fence", "Move")) for line in summary), "the scheduler reads n1 as online"


# --- other renderings ---------------------------------------------------------------------------------------

def test_the_json_form_keeps_every_fact() -> None:
    cib = parse_cib(FENCED, "inline.xml")
    data = json.loads(json.dumps(to_dict(build_view(cib.config, cib.state, attributes=True))))
    nodes = {n["name"]: n for n in data["nodes"]}
    assert nodes["n2"]["state"] == "UNCLEAN (offline)"
    assert nodes["n2"]["reason"] == "peer is no longer part of the cluster"
    assert nodes["n3"]["standby"] and nodes["n3"]["attributes"] == {"standby": "on"}
    ip, db = data["resources"]
    assert (ip["id"], ip["role"], ip["nodes"], ip["failed"], ip["agent"]) == (
        "ip", "Started", ["n1"], True, "ocf:heartbeat:IPaddr2")
    assert (db["role"], db["disabled"], db["nodes"]) == ("Stopped", True, [])
    assert [(f["key"], f["node"], f["rc"]) for f in data["failed_actions"]] == [("ip_monitor_10000", "n1", 7)]


def test_crm_mon_text_is_rendered_from_the_same_view() -> None:
    cib = parse_cib(FENCED, "inline.xml")
    text = render_crm_mon(build_view(cib.config, cib.state), inactive=False)
    assert "  * 3 nodes configured\n  * 2 resource instances configured (1 DISABLED)\n" in text
    assert "Node List:\n  * Node n2: UNCLEAN (offline)\n  * Node n3: standby\n  * Online: [ n1 ]\n" in text
    assert "Active Resources:\n  * ip\t(ocf:heartbeat:IPaddr2):\t FAILED n1\n" in text
    assert "db" not in text.split("Active Resources:")[1].split("Failed Resource Actions:")[0]
    assert text.endswith("Failed Resource Actions:\n  * ip 10s-interval monitor on n1 returned 'not running'\n")
    full = render_crm_mon(build_view(cib.config, cib.state), inactive=True)
    assert "Full List of Resources:" in full and "db\t(ocf:heartbeat:mysql):\t Stopped (disabled)" in full
