"""State injection: our pure functions against what crm_simulate itself writes for the same options.

Each test applies one injection with hastack.simulate.inject and with
`crm_simulate -x CIB ... -O OUT` on the same small CIB, reads crm_simulate's
output back with hastack.cib, and compares the facts that matter to the
scheduler (membership fields, the appended operation records, fail counts).
Wall-clock stamps (crm_simulate writes time(NULL)) are not compared.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from hastack.cib import parse_cib
from hastack.errors import HastackError
from hastack.model.config import merged
from hastack.model.state import ClusterState, NodeState
from hastack.simulate import inject

NOW = 1_800_000_000

CIB = """<cib crm_feature_set="3.16.1" validate-with="pacemaker-3.7" epoch="1" num_updates="0" admin_epoch="0"
 have-quorum="1" execution-date="1700000000">
<configuration><crm_config><cluster_property_set id="o">
<nvpair id="o1" name="stonith-enabled" value="false"/></cluster_property_set></crm_config>
<nodes><node id="1" uname="node1"/><node id="2" uname="node2"/><node id="3" uname="node3"/></nodes>
<resources>
<primitive id="db_main" class="ocf" provider="heartbeat" type="Dummy">
 <operations><op id="db-mon" name="monitor" interval="10s"/></operations></primitive>
<clone id="web-clone"><primitive id="web" class="ocf" provider="pacemaker" type="Dummy"/></clone>
</resources><constraints/></configuration>
<status>
<node_state id="1" uname="node1" in_ccm="true" crmd="online" join="member" expected="member">
 <lrm id="1"><lrm_resources>
  <lrm_resource id="db_main" class="ocf" provider="heartbeat" type="Dummy">
   <lrm_rsc_op id="db_main_last_0" operation_key="db_main_start_0" operation="start" crm_feature_set="3.16.1"
    transition-key="2:1:0:abc" transition-magic="0:0;2:1:0:abc" call-id="2" rc-code="0" op-status="0"
    interval="0" last-rc-change="1699999000" exec-time="1" queue-time="0" op-digest="f2317cad3d54cec5d7d7aa7d0bf35cf8"/>
   <lrm_rsc_op id="db_main_monitor_10000" operation_key="db_main_monitor_10000" operation="monitor"
    crm_feature_set="3.16.1" transition-key="3:1:0:abc" transition-magic="0:0;3:1:0:abc" call-id="3" rc-code="0"
    op-status="0" interval="10000" last-rc-change="1699999000" exec-time="1" queue-time="0"/>
  </lrm_resource>
 </lrm_resources></lrm>
</node_state>
<node_state id="2" uname="node2" in_ccm="true" crmd="online" join="member" expected="member">
 <lrm id="2"><lrm_resources/></lrm>
 <transient_attributes id="2"><instance_attributes id="status-2">
  <nvpair id="status-2-a" name="site" value="b"/></instance_attributes></transient_attributes>
</node_state>
</status></cib>
"""


@pytest.fixture(scope="module")
def base() -> tuple:  # type: ignore[type-arg]
    cib = parse_cib(CIB, "inline.xml")
    return cib.config, cib.state


def crm_simulate(tmp_path: Path, *args: str) -> ClusterState:
    """crm_simulate's own injection of `args` on CIB, read back as our model."""
    if shutil.which("crm_simulate") is None:
        pytest.fail("crm_simulate is needed to check injections against Pacemaker (pacemaker-cli-utils)")
    src, out = tmp_path / "in.xml", tmp_path / "out.xml"
    src.write_text(CIB)
    env = dict(os.environ, LC_ALL="C", CIB_shadow_dir=str(tmp_path))
    r = subprocess.run(["crm_simulate", "-x", str(src), "-Q", "-O", str(out), *args],
                       capture_output=True, text=True, env=env, timeout=60)
    assert r.returncode == 0, r.stderr
    return parse_cib(out.read_text(), str(out)).state


def membership(ns: NodeState | None) -> tuple[str | None, ...]:
    assert ns is not None
    return (ns.in_ccm, ns.crmd, ns.join, ns.expected)


def _ops_facts(ns: NodeState, rsc: str) -> list[tuple[object, ...]]:
    hist = ns.history(rsc)
    assert hist is not None, f"no history of {rsc} on {ns.uname}"
    return sorted((op.id, op.operation, op.operation_key, op.call_id, op.rc_code, op.op_status, op.interval_ms,
                   op.expected_rc, op.exit_reason or "", op.op_digest) for op in hist.ops)


def _fail_attrs(ns: NodeState) -> dict[str, str]:
    return {k: v for k, v in ns.attributes.items() if k.startswith("fail-count-")}


# --- membership -----------------------------------------------------------------------------------

def test_node_fail_is_an_unclean_departure_like_crm_simulate(base, tmp_path) -> None:  # type: ignore[no-untyped-def]
    config, state = base
    ours = inject.node_fail(config, state, "node2")
    theirs = crm_simulate(tmp_path, "--node-fail", "node2")
    assert membership(ours.node_by_uname("node2")) == membership(theirs.node_by_uname("node2"))
    assert membership(ours.node_by_uname("node2")) == ("false", "online", "member", "member")
    assert ours.node_by_uname("node2").attributes == state.node_by_uname("node2").attributes


def test_node_down_clears_history_and_transient_attributes_like_crm_simulate(base, tmp_path) -> None:  # type: ignore[no-untyped-def]
    config, state = base
    ours = inject.node_down(config, state, "node1")
    theirs = crm_simulate(tmp_path, "--node-down", "node1")
    n_ours, n_theirs = ours.node_by_uname("node1"), theirs.node_by_uname("node1")
    assert membership(n_ours) == membership(n_theirs) == ("false", "offline", "down", "down")
    assert n_ours.resources == () and n_theirs.resources == ()
    assert dict(n_ours.attributes) == {}


def test_node_up_of_a_node_without_status_joins_with_no_history(base, tmp_path) -> None:  # type: ignore[no-untyped-def]
    config, state = base
    assert state.node_by_uname("node3") is None
    ours = inject.node_up(config, state, "node3")
    theirs = crm_simulate(tmp_path, "--node-up", "node3")
    n_ours = ours.node_by_uname("node3")
    assert membership(n_ours) == membership(theirs.node_by_uname("node3")) == ("true", "online", "member", "member")
    assert n_ours.id == "3", "the status entry takes the node's configured id"
    assert n_ours.resources == ()


def test_injections_are_pure(base) -> None:  # type: ignore[no-untyped-def]
    config, state = base
    before = (config, dict(state.nodes))
    inject.node_fail(config, state, "node1")
    inject.op_fail(config, state, inject.parse_op_spec("db_main_monitor_10000@node1=7"), NOW)
    inject.standby(config, state, "node2")
    assert (config, dict(state.nodes)) == before


def test_unknown_node_is_refused_with_a_suggestion(base) -> None:  # type: ignore[no-untyped-def]
    config, state = base
    with pytest.raises(HastackError) as err:
        inject.node_fail(config, state, "nod2")
    assert "unknown node 'nod2'" in err.value.message
    assert "did you mean 'node2'" in err.value.hint
    assert "node1, node2, node3" in err.value.hint


# --- operation results -------------------------------------------------------------------------------

@pytest.mark.parametrize("spec", [
    "db_main_monitor_10000@node1=7",   # recurring monitor failed: last_failure_0, fail count 1
    "db_main_start_0@node1=1",         # one-shot failure: last_failure_0 and last_0, fail count
    "db_main_monitor_0@node2=7",       # probe "not running": a failure record but no fail count
    "db_main_monitor_10000@node1=0",   # recurring success: replaces RSC_monitor_10000
    "db_main_stop_0@node1=0",          # one-shot success: replaces RSC_last_0, keeps its digest
    "web:1_start_0@node3=1",           # a clone instance on a node with no status at all
])
def test_op_fail_appends_what_crm_simulate_appends(base, tmp_path, spec) -> None:  # type: ignore[no-untyped-def]
    config, state = base
    res = inject.parse_op_spec(spec)
    ours = inject.op_fail(config, state, res, NOW)
    theirs = crm_simulate(tmp_path, "-i", spec)
    n_ours, n_theirs = ours.node_by_uname(res.node), theirs.node_by_uname(res.node)
    assert _ops_facts(n_ours, res.rsc) == _ops_facts(n_theirs, res.rsc)
    assert _fail_attrs(n_ours) == _fail_attrs(n_theirs)
    hist = n_ours.history(res.rsc)
    assert hist is not None and hist.agent is not None and hist.agent.type == "Dummy"


def test_repeated_failures_count_up_and_stamp_now(base) -> None:  # type: ignore[no-untyped-def]
    config, state = base
    res = inject.parse_op_spec("db_main_monitor_10000@node1=7")
    once = inject.op_fail(config, state, res, NOW)
    twice = inject.op_fail(config, once, res, NOW + 5)
    attrs = twice.node_by_uname("node1").attributes
    assert attrs["fail-count-db_main#monitor_10000"] == "2"
    assert attrs["last-failure-db_main#monitor_10000"] == str(NOW + 5)
    failure = next(op for op in twice.node_by_uname("node1").history("db_main").ops
                   if op.id == "db_main_last_failure_0")
    assert (failure.call_id, failure.last_rc_change) == (5, NOW + 5)


@pytest.mark.parametrize("text,where", [
    ("db_main_monitor_10000@node1", "spec"), ("db_main_monitor@node1=7", "key"),
    ("monitor_10000@node1=7", "key"), ("db_main_monitor_10s@node1=7", "key"), ("", "spec"),
])
def test_bad_specs_say_how_to_write_one(text: str, where: str) -> None:
    with pytest.raises(HastackError) as err:
        inject.parse_op_spec(text)
    assert f"invalid operation {where}" in err.value.message
    assert "RESOURCE_TASK_INTERVAL@NODE=RC" in err.value.hint


@pytest.mark.parametrize("key,parts", [
    ("db_main_monitor_10000", ("db_main", "monitor", 10000)),
    ("my_rsc_migrate_to_0", ("my_rsc", "migrate_to", 0)),
    ("r_migrate_from_0", ("r", "migrate_from", 0)),
    ("web:1_start_0", ("web:1", "start", 0)),
])
def test_operation_keys_split_like_pacemaker(key: str, parts: tuple[str, str, int]) -> None:
    assert inject.parse_op_key(key) == parts


def test_op_fail_on_unknown_resource_suggests_the_right_one(base) -> None:  # type: ignore[no-untyped-def]
    config, state = base
    with pytest.raises(HastackError) as err:
        inject.op_fail(config, state, inject.parse_op_spec("db_mian_start_0@node1=1"), NOW)
    assert "unknown resource" in err.value.message and "did you mean 'db_main'" in err.value.hint
    with pytest.raises(HastackError) as err:
        inject.op_fail(config, state, inject.parse_op_spec("web-clone_start_0@node1=1"), NOW)
    assert "not a primitive" in err.value.message


# --- standby, time, all together -------------------------------------------------------------------------

def test_standby_sets_the_permanent_node_attribute(base) -> None:  # type: ignore[no-untyped-def]
    config, state = base
    config2, _ = inject.standby(config, state, "node2")
    node = config2.node_named("node2")
    assert merged(node.attributes)["standby"] == "on"
    config3, _ = inject.standby(config2, state, "node2")
    assert config3 == config2, "standby twice is standby once"
    assert [n.uname for n in config2.nodes] == ["node1", "node2", "node3"]


def test_apply_runs_every_injection_in_crm_simulates_order(base) -> None:  # type: ignore[no-untyped-def]
    config, state = base
    inj = inject.Injections(standby=("node1",), node_up=("node3",), node_fail=("node2",),
                            op_results=(inject.parse_op_spec("db_main_monitor_10000@node1=7"),), time=NOW)
    config2, state2 = inject.apply(config, state, inj, NOW)
    assert merged(config2.node_named("node1").attributes)["standby"] == "on"
    assert membership(state2.node_by_uname("node3"))[0] == "true"
    assert membership(state2.node_by_uname("node2"))[0] == "false"
    assert state2.node_by_uname("node1").attributes["fail-count-db_main#monitor_10000"] == "1"
    assert state2.execution_date == NOW
    assert inj.describe() == [
        f"Setting the time: {NOW}", "Bringing node node3 online", "Failing node node2",
        "Putting node node1 in standby", "Injecting db_main_monitor_10000@node1=7 into the configuration",
    ]
    assert not inject.Injections()
