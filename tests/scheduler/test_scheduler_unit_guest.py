"""Guest nodes (meta remote-node: a resource hosts a node) and fillers (meta container).

Each test builds a small cluster (crm shell configuration, hand-built status) and checks one
rule of scheduler/guest.py: the implicit connection, what waits for the container, guest
"fencing" by recovering the container, and a filler's failures counted against its container.
Every scenario's summary was checked against crm_simulate 2.1.5 when written.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from test_scheduler_unit_models import DUMMY, node_state, op, started, state
from test_scheduler_unit_remote import FENCE, REMOTE, crm, one, remote_state
from hastack.model.state import NodeState, ResourceHistory
from hastack.scheduler import current_facts, schedule

GUEST = ("node n1\nnode n2\nprimitive vm ocf:pacemaker:Dummy meta remote-node=g1 op monitor interval=10s\n"
         "primitive r ocf:pacemaker:Dummy\nlocation r-on-g1 r inf: g1\n")
FILLER = ("node n1\nnode n2\nprimitive c ocf:pacemaker:Dummy meta migration-threshold=3\n"
          "primitive f ocf:pacemaker:Dummy meta container=c op monitor interval=10s\n")


def test_guest_node_comes_with_its_container_and_connection() -> None:
    t = schedule(crm(GUEST), state(node_state("n1"), node_state("n2")), 0)
    assert set(t.summary) == {"Start vm (n1)", "Start g1 (n1)", "Start r (g1)"}
    vm, conn, r = one(t, "start", "vm", "n1"), one(t, "start", "g1", "n1"), one(t, "start", "r", "g1")
    assert vm.id in conn.after  # the connection waits for its container
    assert {vm.id, conn.id} <= set(r.after)  # what runs on the guest waits for both


def test_guest_node_kind_is_container_and_it_is_not_fenced_at_start_up() -> None:
    facts = current_facts(crm(GUEST, fencing=True), state(node_state("n1"), node_state("n2")), 0)
    g1 = next(n for n in facts.nodes if n.uname == "g1")
    assert (g1.online, g1.unclean) == (False, False)
    assert g1.attributes == {}  # #kind=container is a built-in, not shown


def test_failed_container_fences_its_guest_by_recovery() -> None:
    vm = ResourceHistory("vm", DUMMY, (op("start", call=1), op("monitor", rc=1, call=2, interval=10_000)))
    conn = ResourceHistory("g1", REMOTE, (op("start", call=3),))
    fence = ResourceHistory("fence", FENCE, (op("start"),))
    t = schedule(crm(GUEST, fencing=True),
                 state(node_state("n1", fence, vm, conn), node_state("n2"), remote_state("g1", started("r"))), 0)
    assert "Fence (reboot) g1 (resource: vm) 'guest is unclean'" in t.summary
    assert {"Recover vm (n1)", "Recover r (g1)", "Restart g1 (n1) due to required vm start"} <= set(t.summary)
    guest_fence = next(a for a in t.actions if a.task == "stonith" and a.node == "g1")
    assert guest_fence.pseudo and one(t, "stop", "vm", "n1").id in guest_fence.after


def test_filler_failure_restarts_its_container() -> None:
    failed = ResourceHistory("f", DUMMY, (op("start", call=1), op("monitor", rc=1, call=2, interval=10_000)))
    t = schedule(crm(FILLER), state(node_state("n1", started("c"), failed), node_state("n2")), 0)
    assert set(t.summary) == {"Restart c (n1)", "Recover f (n1)"}


def test_container_fail_count_includes_its_fillers() -> None:
    failed = ResourceHistory("f", DUMMY, (op("start", call=1), op("monitor", rc=1, call=2, interval=10_000)))
    attrs = {"fail-count-f": "2", "fail-count-c": "1"}  # 3 together: c's migration-threshold
    t = schedule(crm(FILLER), state(node_state("n1", started("c"), failed, attrs=attrs), node_state("n2")), 0)
    assert set(t.summary) == {"Move c (n1 -> n2)", "Recover f (n1 -> n2)"}


def test_failed_stop_of_a_filler_is_left_to_the_container_restart() -> None:
    stop_failed = ResourceHistory("f", DUMMY, (op("start", call=1), op("stop", rc=1, call=2)))
    t = schedule(crm(FILLER), state(node_state("n1", started("c"), stop_failed), node_state("n2")), 0)
    assert set(t.summary) == {"Restart c (n1)", "Start f (n1)"}  # no stop-failure ban, no fencing


def test_a_filler_follows_its_guest_even_to_a_guest_in_standby() -> None:
    # pcmk__finalize_assignment takes a guest node as it will be: the filler moves there
    cfg = crm(GUEST.replace("location r-on-g1 r inf: g1\n", "") + "primitive f ocf:pacemaker:Dummy meta container=vm")
    vm = ResourceHistory("vm", DUMMY, (op("start", call=1),))
    conn = ResourceHistory("g1", REMOTE, (op("start", call=2),))
    g1 = NodeState("g1", "g1", in_ccm="true", extra=(("remote_node", "true"),), attributes={"standby": "on"})
    t = schedule(cfg, state(node_state("n1", vm, conn, started("f")), node_state("n2"), g1), 0)
    assert "Move f (n1 -> g1)" in t.summary
