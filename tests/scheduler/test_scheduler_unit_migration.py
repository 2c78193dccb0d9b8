"""Live migration: history (partial, dangling, failed migrations), the actions and their summary."""

from __future__ import annotations

import sys
from dataclasses import replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from test_scheduler_unit_models import DUMMY, Location, config, node_state, op, prim, state
from hastack.model.state import OpRecord, ResourceHistory
from hastack.scheduler import schedule
from hastack.scheduler.migration import equivalents
from hastack.scheduler.migration_history import is_newer
from hastack.scheduler.unpack import unpack
from hastack.scheduler.working import WRsc


def migration_op(task: str, source: str, target: str, call: int, rc: int = 0, status: int = 0) -> OpRecord:
    rec = op(task, rc=rc, call=call, status=status)
    return replace(rec, extra=(("migrate_source", source), ("migrate_target", target)))


def test_migrate_to_without_migrate_from_is_a_partial_migration() -> None:
    n1 = ResourceHistory("vm", DUMMY, (op("start", call=1), migration_op("migrate_to", "n1", "n2", call=2)))
    n2 = ResourceHistory("vm", DUMMY, (op("monitor", rc=7, expected=7, call=1),))
    u = unpack(config(["n1", "n2"], [prim("vm", allow_migrate="true")]), state(node_state("n1", n1),
                                                                            node_state("n2", n2)), 0)
    vm = u.by_id["vm"]
    assert [n.uname for n in vm.running_on] == ["n2", "n1"]  # the target is found first, from n1's record
    assert vm.partial_migration_source is u.node_by_uname["n1"]
    assert vm.partial_migration_target is u.node_by_uname["n2"]


def test_partial_migration_to_the_same_target_continues_with_migrate_from_only() -> None:
    n1 = ResourceHistory("vm", DUMMY, (op("start", call=1), migration_op("migrate_to", "n1", "n2", call=2)))
    n2 = ResourceHistory("vm", DUMMY, (op("monitor", rc=7, expected=7, call=1),))
    ban = Location("ban-n1", "vm", node="n1", score=-1_000_000)
    t = schedule(config(["n1", "n2"], [prim("vm", allow_migrate="true")], [ban]),
                 state(node_state("n1", n1), node_state("n2", n2)), 0)
    assert t.summary == ("Migrate vm (n1 -> n2)",)
    tasks = {(a.task, a.node) for a in t.actions if not a.optional}
    assert ("migrate_from", "n2") in tasks and ("stop", "n1") in tasks
    assert not any(task == "migrate_to" for task, _ in tasks)


def test_completed_migration_leaves_a_dangling_stop_on_the_source() -> None:
    n1 = ResourceHistory("vm", DUMMY, (op("start", call=1), migration_op("migrate_to", "n1", "n2", call=2)))
    n2 = ResourceHistory("vm", DUMMY, (migration_op("migrate_from", "n1", "n2", call=3),))
    cfg = config(["n1", "n2"], [prim("vm", allow_migrate="true")])
    u = unpack(cfg, state(node_state("n1", n1), node_state("n2", n2)), 0)
    vm = u.by_id["vm"]
    assert [n.uname for n in vm.running_on] == ["n2"] and vm.dangling_migrations == [u.node_by_uname["n1"]]
    t = schedule(cfg, state(node_state("n1", n1), node_state("n2", n2)), 0)
    stop = [a for a in t.actions if a.task == "stop" and not a.optional]
    assert [(a.node, a.rsc) for a in stop] == [("n1", "vm")]
    assert t.summary == ()  # the stop finishes the migration: no change worth a line


def test_failed_migrate_from_keeps_the_resource_on_both_nodes() -> None:
    n1 = ResourceHistory("vm", DUMMY, (op("start", call=1), migration_op("migrate_to", "n1", "n2", call=2)))
    n2 = ResourceHistory("vm", DUMMY, (migration_op("migrate_from", "n1", "n2", call=3, rc=1),))
    u = unpack(config(["n1", "n2"], [prim("vm", allow_migrate="true")]), state(node_state("n1", n1),
                                                                            node_state("n2", n2)), 0)
    vm = u.by_id["vm"]
    assert sorted(n.uname for n in vm.running_on) == ["n1", "n2"] and vm.failed


def test_moving_migratable_resource_migrates() -> None:
    n1 = ResourceHistory("vm", DUMMY, (op("start", call=1),))
    n2 = ResourceHistory("vm", DUMMY, (op("monitor", rc=7, expected=7, call=1),))
    ban = Location("ban-n1", "vm", node="n1", score=-1_000_000)
    t = schedule(config(["n1", "n2"], [prim("vm", allow_migrate="true")], [ban]),
                 state(node_state("n1", n1), node_state("n2", n2)), 0)
    assert t.summary == ("Migrate vm (n1 -> n2)",)
    by_task = {a.task: a for a in t.actions if a.rsc == "vm" and not a.optional}
    to, frm, start = by_task["migrate_to"], by_task["migrate_from"], by_task["start"]
    assert (to.node, frm.node) == ("n1", "n2") and start.pseudo
    assert to.meta["migrate_source"] == frm.meta["migrate_source"] == "n1"
    assert to.meta["migrate_target"] == frm.meta["migrate_target"] == "n2"
    assert to.meta["record_pending"] == "true" and to.key == "vm_migrate_to_0"
    assert to.id in frm.after and frm.id in by_task["stop"].after


def test_without_allow_migrate_a_move_stops_and_starts() -> None:
    n1 = ResourceHistory("vm", DUMMY, (op("start", call=1),))
    ban = Location("ban-n1", "vm", node="n1", score=-1_000_000)
    t = schedule(config(["n1", "n2"], [prim("vm")], [ban]), state(node_state("n1", n1), node_state("n2")), 0)
    assert t.summary == ("Move vm (n1 -> n2)",)
    assert not any(a.task.startswith("migrate") for a in t.actions)


def test_is_newer_uses_call_ids_on_one_node_and_change_times_across_nodes() -> None:
    a, b = op("start", call=5, last_change=100), op("stop", call=6, last_change=50)
    assert is_newer(a, b, True) < 0 and is_newer(b, a, True) > 0
    a2, b2 = replace(a, on_node="n1"), replace(b, on_node="n2")
    assert is_newer(a2, b2, True) > 0  # different nodes: last-rc-change decides


def _rsc(rid: str, migrate: bool) -> WRsc:
    return WRsc(id=rid, variant="primitive", meta={}, allow_migrate=migrate)


def test_migration_equivalents_of_orderings() -> None:
    a, b = _rsc("a", True), _rsc("b", True)
    starts = equivalents(a, "start", b, "start", False)
    assert [(f.id, ft, t.id, tt) for f, ft, t, tt, _ in starts] == [  # type: ignore[union-attr]
        ("a", "migrate_from", "b", "migrate_to"), ("a", "start", "b", "migrate_to")]
    stops = equivalents(a, "stop", b, "stop", True)
    assert [(ft, tt) for _, ft, _, tt, _ in stops] == [("stop", "migrate_to"), ("stop", "migrate_from")]
    assert equivalents(_rsc("c", False), "start", _rsc("d", False), "start", False) == []
    assert equivalents(a, "start", a, "start", False) == []  # the resource's own orderings
