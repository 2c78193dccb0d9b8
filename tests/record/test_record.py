"""hastack.record: one operation result written into the cluster state as Pacemaker's status section holds it."""

from __future__ import annotations

from dataclasses import replace

from hastack.cib import parse_cib, to_xml
from hastack.model.config import Configuration
from hastack.model.results import ExecStatus, OcfRc
from hastack.model.state import ClusterState, NodeState, OpRecord, ResourceHistory
from hastack.model.values import AgentRef
from hastack.record import (
    FEATURE_SET, OUTSIDE_UUID, FailCounting, OperationResult, clear_node, record_cancel, record_result, recordable,
)

NOW = 1_800_000_000
DUMMY = AgentRef("ocf", "Dummy", "heartbeat")
UP = NodeState(id="1", uname="n1", in_ccm="true", crmd="online", join="member", expected="member")


def state(*nodes: NodeState) -> ClusterState:
    return ClusterState(nodes={n.id: n for n in nodes or (UP,)})


def ops(s: ClusterState, rsc: str = "db", node: str = "n1") -> dict[str, OpRecord]:
    ns = s.node_by_uname(node)
    assert ns is not None
    hist = ns.history(rsc)
    assert hist is not None
    return {op.id: op for op in hist.ops}


def result(task: str = "start", rc: int = 0, interval: int = 0, **kw: object) -> OperationResult:
    return OperationResult(rsc="db", task=task, interval_ms=interval, node="n1", rc=rc, agent=DUMMY, **kw)  # type: ignore[arg-type]


def test_a_success_is_rsc_last_0_with_keys_and_times() -> None:
    s = record_result(state(), result(digest="abc", exec_time_ms=12, origin="test"), NOW)
    (op,) = ops(s).values()
    assert op.id == "db_last_0" and op.operation == "start" and op.operation_key == "db_start_0"
    assert (op.call_id, op.rc_code, op.op_status, op.interval_ms) == (1, 0, 0, 0)
    assert op.transition_key == f"1:-1:0:{OUTSIDE_UUID}" and op.transition_magic == f"0:0;1:-1:0:{OUTSIDE_UUID}"
    assert op.expected_rc == 0
    assert (op.last_rc_change, op.exec_time, op.op_digest, op.on_node) == (NOW, 12, "abc", "n1")
    assert op.exit_reason == "" and op.crm_feature_set == FEATURE_SET and ("crm-debug-origin", "test") in op.extra
    ns = s.node_by_uname("n1")
    assert ns is not None and ns.history("db").agent == DUMMY  # type: ignore[union-attr]
    assert not any(k.startswith(("fail-count", "last-failure")) for k in ns.attributes)


def test_a_recurring_success_has_its_own_entry_and_call_ids_grow() -> None:
    s = record_result(state(), result(), NOW)
    s = record_result(s, result("monitor", interval=10_000), NOW + 1)
    recorded = ops(s)
    assert set(recorded) == {"db_last_0", "db_monitor_10000"}
    assert recorded["db_monitor_10000"].call_id == recorded["db_last_0"].call_id + 1
    assert recorded["db_monitor_10000"].operation_key == "db_monitor_10000"


def test_a_failed_one_shot_op_is_last_failure_and_last_and_counts() -> None:
    s = record_result(state(), result(rc=OcfRc.ERR_GENERIC, exit_reason="boom"), NOW)
    recorded = ops(s)
    assert set(recorded) == {"db_last_failure_0", "db_last_0"}
    assert {op.call_id for op in recorded.values()} == {1}
    assert all(op.rc_code == 1 and op.exit_reason == "boom" for op in recorded.values())
    attrs = s.node_by_uname("n1").attributes  # type: ignore[union-attr]
    assert (attrs["fail-count-db#start_0"], attrs["last-failure-db#start_0"]) == ("1", str(NOW))
    s = record_result(s, result(rc=OcfRc.ERR_GENERIC), NOW + 5)
    attrs = s.node_by_uname("n1").attributes  # type: ignore[union-attr]
    assert (attrs["fail-count-db#start_0"], attrs["last-failure-db#start_0"]) == ("2", str(NOW + 5))


def test_a_failed_recurring_op_keeps_its_success_entry() -> None:
    s = record_result(state(), result("monitor", interval=10_000), NOW)
    s = record_result(s, result("monitor", rc=OcfRc.NOT_RUNNING, interval=10_000), NOW)
    recorded = ops(s)
    assert set(recorded) == {"db_monitor_10000", "db_last_failure_0"}
    assert recorded["db_last_failure_0"].rc_code == 7 and recorded["db_monitor_10000"].rc_code == 0
    assert s.node_by_uname("n1").attributes["fail-count-db#monitor_10000"] == "1"  # type: ignore[union-attr]


def test_probes_finding_it_stopped_do_not_count() -> None:
    expected = record_result(state(), result("monitor", rc=7, target_rc=7), NOW)
    assert set(ops(expected)) == {"db_last_0"}
    # not what the transition expected (it thought the resource ran): recorded as a failure, not counted
    unexpected = record_result(state(), result("monitor", rc=7, target_rc=0), NOW)
    assert set(ops(unexpected)) == {"db_last_failure_0", "db_last_0"}
    assert not unexpected.node_by_uname("n1").attributes  # type: ignore[union-attr]
    # a probe finding it running where it should not: a failure, but rc 0 never counts
    found = record_result(state(), result("monitor", rc=0, target_rc=7), NOW)
    assert set(ops(found)) == {"db_last_failure_0", "db_last_0"}
    assert not found.node_by_uname("n1").attributes  # type: ignore[union-attr]


def test_the_controllers_fail_counting() -> None:
    def count(res: OperationResult, start_failure_is_fatal: bool = True) -> str | None:
        s = record_result(state(), res, NOW, counting=FailCounting.CONTROLLER,
                          start_failure_is_fatal=start_failure_is_fatal)
        attrs = s.node_by_uname("n1").attributes  # type: ignore[union-attr]
        return attrs.get(f"fail-count-db#{res.task}_{res.interval_ms}")

    assert count(result(rc=1)) == "INFINITY"  # start-failure-is-fatal
    assert count(result(rc=1), start_failure_is_fatal=False) == "1"
    assert count(result("stop", rc=1)) == "INFINITY"
    assert count(result("monitor", rc=7, interval=10_000)) == "1"
    assert count(result("promote", rc=1)) == "1"
    assert count(result("monitor", rc=1, target_rc=7)) is None  # a failed probe: its history entry says it
    assert count(result(rc=0)) is None
    twice = record_result(record_result(state(), result("monitor", rc=1, interval=5000), NOW,
                                        counting=FailCounting.CONTROLLER),
                          result("monitor", rc=1, interval=5000), NOW, counting=FailCounting.CONTROLLER)
    assert twice.node_by_uname("n1").attributes["fail-count-db#monitor_5000"] == "2"  # type: ignore[union-attr]


def test_an_executor_error_is_a_failure_whatever_the_rc() -> None:
    s = record_result(state(), result(rc=0, status=ExecStatus.TIMEOUT), NOW)
    (failure, last) = (ops(s)["db_last_failure_0"], ops(s)["db_last_0"])
    assert failure.op_status == ExecStatus.TIMEOUT and failure.transition_magic.startswith("2:0;")  # type: ignore[union-attr]
    assert last.call_id == failure.call_id


def test_an_update_keeps_what_it_does_not_set() -> None:
    old = OpRecord(id="db_last_0", operation="start", call_id=4, rc_code=0, op_status=0, op_digest="old",
                   op_restart_digest="restart", op_secure_digest="secure", last_run=17,
                   extra=(("crm-debug-origin", "before"), ("kept", "yes")))
    s = state(replace(UP, resources=(ResourceHistory("db", DUMMY, (old,)),)))
    s = record_result(s, result("stop", origin="after"), NOW)
    op = ops(s)["db_last_0"]
    assert (op.operation, op.call_id, op.op_digest, op.op_restart_digest, op.op_secure_digest, op.last_run) == \
        ("stop", 5, "old", "restart", "secure", 17)
    assert dict(op.extra) == {"crm-debug-origin": "after", "kept": "yes"}
    assert ops(record_result(s, result(digest="new"), NOW))["db_last_0"].op_digest == "new"


def test_history_entry_and_operation_key_may_differ_for_clone_instances() -> None:
    s = state(replace(UP, resources=(ResourceHistory("db:1", DUMMY, ()),)))
    s = record_result(s, replace(result(), history_id="db:1"), NOW)
    ns = s.node_by_uname("n1")
    assert ns is not None and [h.id for h in ns.resources] == ["db:1"]
    assert [op.id for op in ns.history("db:1").ops] == ["db_last_0"]  # type: ignore[union-attr]


def test_reload_and_migration_are_recorded_as_pacemaker_does() -> None:
    s = record_result(state(), result("reload"), NOW)
    assert ops(s)["db_last_0"].operation == "start"
    s = record_result(s, result("migrate_to", migrate_source="n1", migrate_target="n2"), NOW)
    migrated = ops(s)["db_migrate_to_0"]
    assert ("migrate_target", "n2") in migrated.extra and migrated.operation_key == "db_migrate_to_0"


def test_notify_and_cancel_results_are_not_recorded() -> None:
    before = state()
    assert not recordable("notify") and not recordable("cancel") and recordable("monitor")
    assert record_result(before, result("notify"), NOW) is before


def test_a_cancel_erases_the_recurring_entry_only() -> None:
    s = record_result(state(), result("monitor", interval=10_000), NOW)
    s = record_result(s, result("monitor", rc=1, interval=10_000), NOW)
    s = record_cancel(s, "n1", "db", "db_monitor_10000")
    assert set(ops(s)) == {"db_last_failure_0"}
    assert record_cancel(s, "n1", "db", "db_monitor_10000") is s
    assert record_cancel(s, "n9", "db", "db_monitor_10000") is s


def test_a_new_node_gets_a_status_entry_and_fencing_clears_it() -> None:
    s = record_result(ClusterState(), result(), NOW, node_id="101")
    ns = s.node_by_uname("n1")
    assert ns is not None and ns.id == "101"
    s = record_result(s, result(rc=1), NOW, node_id="101")
    s = clear_node(s, "n1")
    ns = s.node_by_uname("n1")
    assert ns is not None and ns.id == "101" and ns.resources == () and dict(ns.attributes) == {}
    assert (ns.in_ccm, ns.crmd, ns.join, ns.expected) == ("false", "offline", "down", "down")


def test_what_is_recorded_survives_the_cib_and_reads_as_written() -> None:
    s = record_result(state(), result(digest="abc"), NOW)
    s = record_result(s, result("monitor", rc=OcfRc.NOT_RUNNING, interval=10_000), NOW + 3)
    back = parse_cib(to_xml(Configuration(), s)).state
    assert ops(back) == ops(s)
    assert dict(back.node_by_uname("n1").attributes) == dict(s.node_by_uname("n1").attributes)  # type: ignore[union-attr]
