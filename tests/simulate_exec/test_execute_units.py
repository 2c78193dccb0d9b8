"""The executor on small hand-built clusters: what it records, and that the cluster then settles."""

from __future__ import annotations

from dataclasses import replace
from types import MappingProxyType

from hastack import crm
from hastack.model.config import Configuration
from hastack.model.state import ClusterState, NodeState
from hastack.model.values import Role
from hastack.scheduler import schedule
from hastack.scheduler.digest import digest_of
from hastack.simulate import inject
from hastack.simulate.execute import converge, execute, has_work
from hastack.status import build_view as observe

NOW = 1_800_000_000

SIMPLE = """
node node1
node node2
property stonith-enabled=false
primitive db ocf:heartbeat:Dummy params state=/run/db op monitor interval=10s timeout=20s
"""

FENCED = """
node node1
node node2
primitive fence stonith:fence_dummy op monitor interval=60s
primitive db ocf:heartbeat:Dummy op monitor interval=10s
location db_prefers_node1 db 100: node1
"""

PROMOTABLE = """
node node1
node node2
property stonith-enabled=false
primitive drbd ocf:linbit:drbd params drbd_resource=r0 \\
  op monitor interval=29s role=Promoted op monitor interval=31s role=Unpromoted
ms ms_drbd drbd meta notify=true clone-max=2
"""


def _up(text: str) -> tuple[Configuration, ClusterState]:
    config = crm.parse(text, "test.crm").config
    state = ClusterState()
    for n in config.nodes:
        state = inject.node_up(config, state, n.uname)
    return config, state


def _active(config: Configuration, state: ClusterState) -> set[tuple[str, str, str]]:
    return {(i.rsc, i.node, i.role.value) for i in observe(config, state).instances if i.role is not Role.STOPPED}


def test_start_probe_and_monitor_are_recorded_and_the_cluster_settles() -> None:
    config, state = _up(SIMPLE)
    t = schedule(config, state, NOW)
    done = execute(config, state, t, NOW)
    assert not done.failed and not done.skipped
    where = t.placement["db"].node
    other = "node2" if where == "node1" else "node1"
    ops = {op.id: op for op in done.state.node_by_uname(where).history("db").ops}  # type: ignore[union-attr]
    assert set(ops) == {"db_last_0", "db_monitor_10000"}
    assert ops["db_last_0"].operation == "start" and ops["db_last_0"].rc_code == 0
    assert ops["db_monitor_10000"].call_id > ops["db_last_0"].call_id  # the monitor runs after the start
    assert all(op.last_rc_change == NOW for op in ops.values())
    assert ops["db_last_0"].op_digest == digest_of({"state": "/run/db"})
    assert ops["db_monitor_10000"].op_digest == digest_of({"state": "/run/db", "CRM_meta_timeout": "20000"})
    probe = done.state.node_by_uname(other).history("db").ops  # type: ignore[union-attr]
    assert [(op.operation, op.rc_code, op.expected_rc) for op in probe] == [("monitor", 7, 7)]
    assert _active(config, done.state) == {("db", where, "Started")}
    again = schedule(config, done.state, NOW)
    assert not has_work(again) and again.summary == ()
    # an idle transition changes nothing
    assert execute(config, done.state, again, NOW).state == done.state


def test_a_changed_definition_restarts_once_then_settles() -> None:
    config, state = _up(SIMPLE)
    state, _, _ = converge(config, state, NOW)
    changed = crm.parse(SIMPLE.replace("/run/db", "/run/db2"), "test.crm").config
    t = schedule(changed, state, NOW)
    assert any(line.startswith("Restart db") for line in t.summary)
    state = execute(changed, state, t, NOW).state
    assert not has_work(schedule(changed, state, NOW))


def test_injected_start_failure_aborts_and_counts() -> None:
    config, state = _up(SIMPLE)
    t = schedule(config, state, NOW)
    where = t.placement["db"].node
    assert where is not None
    done = execute(config, state, t, NOW, {("db", "start", where): 1})
    assert [(r.action.task, r.rc, r.expected) for r in done.failed] == [("start", 1, 0)]
    assert [(a.task, a.interval_ms) for a in done.skipped] == [("monitor", 10000)]
    ns = done.state.node_by_uname(where)
    assert ns is not None
    ids = {op.id: op for op in ns.history("db").ops}  # type: ignore[union-attr]
    assert ids["db_last_failure_0"].rc_code == 1 and ids["db_last_0"].rc_code == 1
    assert ns.attributes["fail-count-db#start_0"] == "1"
    assert ns.attributes["last-failure-db#start_0"] == str(NOW)
    recovery = schedule(config, done.state, NOW)
    assert recovery.summary and has_work(recovery)


def test_a_probe_that_finds_the_resource_running_is_not_a_counted_failure() -> None:
    config, state = _up(SIMPLE)
    t = schedule(config, state, NOW)
    where = t.placement["db"].node
    other = "node2" if where == "node1" else "node1"
    done = execute(config, state, t, NOW, {("db", "monitor_0", other): 0})
    assert [(r.action.node, r.rc, r.expected) for r in done.failed] == [(other, 0, 7)]
    ns = done.state.node_by_uname(other)
    assert ns is not None and not any(k.startswith("fail-count") for k in ns.attributes)
    assert ("db", other, "Started") in _active(config, done.state)


def test_fencing_clears_the_node_and_resources_move() -> None:
    config, state = _up(FENCED)
    state, steps, idle = converge(config, state, NOW)
    assert steps and not has_work(idle)
    assert ("db", "node1", "Started") in _active(config, state)
    failed = inject.node_fail(config, state, "node1")
    t = schedule(config, failed, NOW)
    assert any(line.startswith("Fence (reboot) node1") for line in t.summary)
    done = execute(config, failed, t, NOW)
    node1 = done.state.node_by_uname("node1")
    assert node1 is not None
    assert (node1.in_ccm, node1.crmd, node1.join, node1.expected) == ("false", "offline", "down", "down")
    assert node1.resources == () and dict(node1.attributes) == {}
    assert [r.action.task for r in done.results][0] == "stonith"
    assert ("db", "node2", "Started") in _active(config, done.state)
    view = observe(config, done.state)
    assert not view.unclean
    assert not has_work(schedule(config, done.state, NOW))


def test_promotion_needs_scores_then_monitors_expect_promoted() -> None:
    config, state = _up(PROMOTABLE)
    state, _, _ = converge(config, state, NOW)
    # the status view names a started instance of a promotable clone Unpromoted, as crm_mon does
    assert _active(config, state) == {("drbd", "node1", "Unpromoted"), ("drbd", "node2", "Unpromoted")}
    nodes = dict(state.nodes)
    for nid, ns in nodes.items():
        score = "100" if ns.uname == "node1" else "10"
        nodes[nid] = replace(ns, attributes=MappingProxyType({**ns.attributes, "master-drbd": score}))
    state = replace(state, nodes=MappingProxyType(nodes))
    state, steps, idle = converge(config, state, NOW)
    assert not has_work(idle) and idle.summary == ()
    assert _active(config, state) == {("drbd", "node1", "Promoted"), ("drbd", "node2", "Unpromoted")}
    promoted = [r for s in steps for r in s.executed.results if r.action.task == "monitor" and r.action.node == "node1"]
    assert [(r.action.interval_ms, r.rc) for r in promoted] == [(29000, 8)]


def test_a_node_without_a_status_entry_gets_one() -> None:
    config, _ = _up(SIMPLE)
    state = ClusterState(nodes={"node1": NodeState(id="node1", uname="node1", in_ccm="true", crmd="online",
                                                   join="member", expected="member")})
    state, _, idle = converge(config, state, NOW)
    assert not has_work(idle)
    assert _active(config, state) == {("db", "node1", "Started")}
