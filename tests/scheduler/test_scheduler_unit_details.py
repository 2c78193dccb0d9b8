"""What each scheduled Action tells an executor: key, target_rc, timeout, params, meta, and the
actions the executor must run besides starts and stops (role=Stopped monitors, notifications, cancels).

Configurations in the crm shell language, states hand-built (test_scheduler_unit_models).
"""

from __future__ import annotations

import sys
from dataclasses import replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from test_scheduler_unit_models import DUMMY, node_state, op, started, state
from hastack.crm import parse
from hastack.model.state import ResourceHistory
from hastack.model.values import AgentRef
from hastack.scheduler import Action, Transition, schedule
from hastack.scheduler.digest import digest_of

DRBD = AgentRef("ocf", "drbd", "linbit")


def crm(text: str):  # type: ignore[no-untyped-def]
    return parse("property stonith-enabled=false\n" + text).config


def scheduled(t: Transition) -> list[Action]:
    return [a for a in t.actions if not a.optional and a.runnable and not a.pseudo]


def one(t: Transition, task: str, rsc: str, node: str, interval_ms: int = 0) -> Action:
    found = [a for a in scheduled(t) if (a.task, a.rsc, a.node, a.interval_ms) == (task, rsc, node, interval_ms)]
    assert len(found) == 1, f"{task} {rsc} {node} {interval_ms}: {found}"
    return found[0]


def test_probe_and_monitor_of_a_new_resource() -> None:
    cfg = crm("node n1\nprimitive r ocf:pacemaker:Dummy params state=/run/r op monitor interval=10s timeout=30s\n"
              "op_defaults timeout=45s")
    t = schedule(cfg, state(node_state("n1")), 0)
    probe = one(t, "monitor", "r", "n1")
    assert (probe.key, probe.target_rc, probe.history_id) == ("r_monitor_0", 7, "r")
    assert probe.meta["op_target_rc"] == "7" and probe.meta["on_node"] == "n1"
    assert probe.timeout_ms == 30_000  # a probe takes the shortest recurring monitor's timeout
    start = one(t, "start", "r", "n1")
    assert (start.key, start.target_rc, start.timeout_ms) == ("r_start_0", 0, 45_000)  # op_defaults
    assert start.agent == AgentRef("ocf", "Dummy", "pacemaker") and dict(start.params) == {"state": "/run/r"}
    assert start.digest is not None and len(start.digest) == 32
    mon = one(t, "monitor", "r", "n1", 10_000)
    assert (mon.key, mon.target_rc, mon.timeout_ms) == ("r_monitor_10000", 0, 30_000)
    assert mon.meta["interval"] == "10000" and mon.meta["name"] == "monitor" and "op_target_rc" not in mon.meta
    assert start.id in mon.after


def test_default_timeout_and_optional_actions_keep_defaults() -> None:
    cfg = crm("node n1\nnode n2\nprimitive r ocf:pacemaker:Dummy op monitor interval=10s")
    running = ResourceHistory("r", DUMMY, (op("start", call=1), op("monitor", call=2, interval=10_000)))
    t = schedule(cfg, state(node_state("n1", running), node_state("n2")), 0)
    assert one(t, "monitor", "r", "n2").timeout_ms == 20_000  # no timeout anywhere: Pacemaker's default
    optional = [a for a in t.actions if a.optional]
    assert {(a.task, a.node) for a in optional} >= {("start", "n1"), ("monitor", "n1")}
    assert all(a.key == "" and not a.meta and a.digest is None for a in optional)


def test_probe_of_a_running_instance_expects_it_running() -> None:
    cfg = crm("node n1\nnode n2\nprimitive r ocf:pacemaker:Dummy")
    t = schedule(cfg, state(node_state("n1"), node_state("n2", started("r"))), 0)
    assert one(t, "monitor", "r", "n1").target_rc == 7
    assert not [a for a in scheduled(t) if a.node == "n2"]  # known there: no probe


def test_stopped_role_monitor_expects_not_running_where_the_resource_is_not() -> None:
    cfg = crm("node n1\nnode n2\nprimitive r ocf:pacemaker:Dummy op monitor interval=10s "
              "op monitor interval=20s role=Stopped\nlocation l r 100: n1")
    t = schedule(cfg, state(node_state("n1"), node_state("n2")), 0)
    stopped = one(t, "monitor", "r", "n2", 20_000)
    assert stopped.target_rc == 7 and stopped.meta["op_target_rc"] == "7" and stopped.meta["role"] == "Stopped"
    probe = one(t, "monitor", "r", "n2")
    assert probe.id in stopped.after  # not before the resource's state there is known
    assert not [a for a in scheduled(t) if a.node == "n1" and a.interval_ms == 20_000]


def test_stopped_role_monitor_is_cancelled_where_the_resource_moves() -> None:
    stopped_mon = ResourceHistory("r", DUMMY, (op("monitor", rc=7, call=1, expected=7),
                                               op("monitor", rc=7, call=2, interval=20_000, expected=7)))
    cfg = crm("node n1\nnode n2\nprimitive r ocf:pacemaker:Dummy op monitor interval=20s role=Stopped\n"
              "location l r 100: n2")
    t = schedule(cfg, state(node_state("n1", started("r")), node_state("n2", stopped_mon)), 0)
    cancel = one(t, "cancel", "r", "n2", 20_000)
    assert cancel.key == "r_monitor_20000" and cancel.meta["operation"] == "monitor" and cancel.digest is None
    assert cancel.id in one(t, "start", "r", "n2").after


def test_orphaned_monitor_is_cancelled_after_the_stop() -> None:
    history = ResourceHistory("r", DUMMY, (op("start", call=1), op("monitor", call=2, interval=10_000)))
    cfg = crm("node n1\nprimitive r ocf:pacemaker:Dummy")  # the 10s monitor is no longer configured
    t = schedule(cfg, state(node_state("n1", history)), 0)
    cancel = one(t, "cancel", "r", "n1", 10_000)
    assert cancel.meta["call_id"] == "2" and cancel.meta["interval"] == "10000"


DRBD_CONFIG = """node n1
node n2
primitive d ocf:linbit:drbd params drbd_resource=r0 \\
    op monitor interval=29s role=Promoted op monitor interval=31s role=Unpromoted op notify timeout=90s
ms ms_d d meta promoted-max=1 clone-max=2 notify=true
location prefer ms_d rule $role=Promoted 100: #uname eq n1
"""


def test_notifications_of_a_drbd_like_promotable_clone() -> None:
    t = schedule(crm(DRBD_CONFIG), state(node_state("n1"), node_state("n2")), 0)
    notes = [a for a in scheduled(t) if a.task == "notify"]
    kinds = {(a.rsc, a.node, a.meta["notify_type"], a.meta["notify_operation"]) for a in notes}
    assert kinds == {("d:0", "n1", "post", "start"), ("d:1", "n2", "post", "start"),
                     ("d:0", "n1", "pre", "promote"), ("d:1", "n2", "pre", "promote"),
                     ("d:0", "n1", "post", "promote"), ("d:1", "n2", "post", "promote")}
    pre = next(a for a in notes if (a.rsc, a.meta["notify_type"], a.meta["notify_operation"]) == ("d:1", "pre", "promote"))
    assert pre.key == "d:1_pre_notify_promote_0" and pre.timeout_ms == 90_000 and pre.digest is None
    assert pre.meta["notify_promote_resource"] == "d:0" and pre.meta["notify_promote_uname"] == "n1"
    assert pre.meta["notify_start_resource"] == "d:0 d:1" and pre.meta["notify_start_uname"] == "n1 n2"
    assert pre.meta["notify_stop_resource"] == " " and pre.meta["notify_demote_resource"] == " "
    assert pre.meta["notify_inactive_resource"] == "d:0 d:1"  # the roles before the transition
    assert pre.meta["notify_available_uname"] == "n1 n2" and pre.meta["notify_all_uname"] == "n1 n2"
    assert pre.meta["notify"] == "true" and pre.meta["clone_max"] == "2" and pre.meta["promoted_max"] == "1"
    assert dict(pre.params) == {"drbd_resource": "r0"}
    # the instance's own actions carry the variables too, and the promotion waits for the pre notifications
    promote = one(t, "promote", "d:0", "n1")
    assert promote.meta["notify_promote_resource"] == "d:0"
    assert pre.id in _closure(t, promote)
    promoted_mon = one(t, "monitor", "d:0", "n1", 29_000)
    assert promoted_mon.target_rc == 8 and promoted_mon.meta["op_target_rc"] == "8"
    assert one(t, "monitor", "d:1", "n2", 31_000).target_rc == 0


def test_promotion_cancels_the_unpromoted_monitor() -> None:
    def drbd(*ops):  # type: ignore[no-untyped-def]
        return ResourceHistory("d", DRBD, ops)
    # recorded with the digests of the configured parameters, so nothing needs a restart
    unpromoted = (replace(op("start", call=1), op_digest=digest_of({"drbd_resource": "r0"})),
                  replace(op("monitor", call=2, interval=31_000),
                          op_digest=digest_of({"drbd_resource": "r0", "CRM_meta_timeout": "20000"})))
    st = state(node_state("n1", drbd(*unpromoted)), node_state("n2", drbd(*unpromoted)))
    t = schedule(crm(DRBD_CONFIG), st, 0)
    assert t.summary == ("Promote d:0 (Unpromoted -> Promoted n1)",)
    promoting = next(a for a in scheduled(t) if a.task == "promote")
    cancel = one(t, "cancel", promoting.rsc or "", promoting.node or "", 31_000)
    assert cancel.id in promoting.after
    assert cancel.history_id == "d"  # an anonymous instance is recorded under its base name


def _closure(t: Transition, a: Action) -> set[int]:
    by_id = {x.id: x for x in t.actions}
    seen: set[int] = set()
    todo = list(a.after)
    while todo:
        i = todo.pop()
        if i not in seen:
            seen.add(i)
            todo.extend(by_id[i].after)
    return seen
