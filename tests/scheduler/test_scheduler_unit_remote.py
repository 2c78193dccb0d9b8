"""Pacemaker Remote nodes: a connection resource (ocf:pacemaker:remote) makes a node of its id.

Each test builds a small cluster (crm shell configuration, hand-built status) and checks one
rule of scheduler/remote.py or remote_ordering.py: where a remote node's resources may run,
what waits for the connection, and when the remote node is fenced.
Every scenario's summary was checked against crm_simulate 2.1.5 when written.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from test_scheduler_unit_models import DUMMY, node_state, op, started, state
from hastack.crm import parse
from hastack.model.state import NodeState, OpRecord, ResourceHistory
from hastack.model.values import AgentRef
from hastack.scheduler import Action, Transition, current_facts, schedule

REMOTE = AgentRef("ocf", "remote", "pacemaker")
FENCE = AgentRef("stonith", "fence_dummy")


def crm(text: str, fencing: bool = False):  # type: ignore[no-untyped-def]
    head = "property stonith-enabled=true\nprimitive fence stonith:fence_dummy\n" if fencing \
        else "property stonith-enabled=false\n"
    return parse(head + text).config


def remote_state(name: str, *histories: ResourceHistory) -> NodeState:
    return NodeState(id=name, uname=name, in_ccm="true", resources=tuple(histories),
                     extra=(("remote_node", "true"),))


def connection(*ops: OpRecord) -> ResourceHistory:
    return ResourceHistory("rem1", REMOTE, ops or (op("start"),))


def scheduled(t: Transition) -> list[Action]:
    return [a for a in t.actions if not a.optional and a.runnable]


def one(t: Transition, task: str, rsc: str, node: str) -> Action:
    found = [a for a in scheduled(t) if (a.task, a.rsc, a.node, a.interval_ms) == (task, rsc, node, 0)]
    assert len(found) == 1, f"{task} {rsc} {node}: {[(a.task, a.rsc, a.node) for a in scheduled(t)]}"
    return found[0]


BASE = "node n1\nnode n2\nprimitive rem1 ocf:pacemaker:remote\n"


def test_connection_makes_a_remote_node_online_while_it_runs() -> None:
    cfg = crm(BASE + "primitive r ocf:pacemaker:Dummy\nlocation on-rem r inf: rem1")
    up = current_facts(cfg, state(node_state("n1", connection()), node_state("n2"), remote_state("rem1")), 0)
    assert [n.uname for n in up.nodes if n.online] == ["n1", "n2", "rem1"]
    down = current_facts(cfg, state(node_state("n1"), node_state("n2"), remote_state("rem1")), 0)
    assert [n.uname for n in down.nodes if n.online] == ["n1", "n2"]


def test_resource_on_remote_node_starts_after_its_connection() -> None:
    cfg = crm(BASE + "primitive r ocf:pacemaker:Dummy\nlocation on-rem r inf: rem1")
    t = schedule(cfg, state(node_state("n1"), node_state("n2")), 0)
    conn = next(a for a in scheduled(t) if a.task == "start" and a.rsc == "rem1")
    start = one(t, "start", "r", "rem1")
    assert conn.id in start.after
    assert "Start r (rem1)" in t.summary


def test_connections_and_fence_devices_never_run_on_remote_nodes() -> None:
    cfg = crm(BASE + "location conn-on-rem rem1 inf: rem1\nlocation fence-on-rem fence inf: rem1", fencing=True)
    t = schedule(cfg, state(node_state("n1", connection()), node_state("n2"), remote_state("rem1")), 0)
    assert t.placement["rem1"].node == "n1"
    assert t.placement["fence"].node in ("n1", "n2")
    assert not any(a.task == "monitor" and a.rsc == "fence" and a.node == "rem1" for a in t.actions)


def test_stopping_a_connection_stops_its_node_resources_first() -> None:
    cfg = crm(BASE.replace("remote\n", "remote meta target-role=Stopped\n") + "primitive r ocf:pacemaker:Dummy")
    t = schedule(cfg, state(node_state("n1", connection()), node_state("n2"),
                            remote_state("rem1", started("r"))), 0)
    stop_r = one(t, "stop", "r", "rem1")
    stop_conn = one(t, "stop", "rem1", "n1")
    assert stop_r.id in stop_conn.after
    assert set(t.summary) == {"Stop rem1 (n1) due to node availability", "Move r (rem1 -> n1)"}


def test_failed_connection_fences_its_remote_node() -> None:
    cfg = crm(BASE.replace("remote\n", "remote op monitor interval=60s\n") + "primitive r ocf:pacemaker:Dummy",
              fencing=True)
    failed = connection(op("start", call=1), op("monitor", rc=1, call=2, interval=60_000))
    fence = ResourceHistory("fence", FENCE, (op("start"),))
    t = schedule(cfg, state(node_state("n1", fence, failed), node_state("n2"),
                            remote_state("rem1", started("r"))), 0)
    assert "Fence (reboot) rem1 'remote connection is unrecoverable'" in t.summary
    assert "Recover rem1 (n1)" in t.summary
    # r cannot wait for the node to come back: it moves, its stop there implied by the fencing
    assert t.placement["r"].node not in (None, "rem1")
    stop = next(a for a in t.actions if a.task == "stop" and a.rsc == "r" and a.node == "rem1")
    assert stop.pseudo and not stop.optional


def test_reconnect_interval_keeps_a_failed_connection_stopped() -> None:
    cfg = crm("node n1\nnode n2\nprimitive rem1 ocf:pacemaker:remote params reconnect_interval=60s "
              "op monitor interval=60s\n", fencing=True)
    failed = connection(op("start", call=1), op("monitor", rc=1, call=2, interval=60_000))
    fence = ResourceHistory("fence", FENCE, (op("start"),))
    t = schedule(cfg, state(node_state("n1", fence, failed), node_state("n2"), remote_state("rem1")), 0)
    assert t.placement["rem1"].node is None
    assert not any(a.task == "start" and a.rsc == "rem1" for a in scheduled(t))


def test_a_node_entry_of_type_remote_without_connection_is_never_fenced() -> None:
    cfg = crm("node n1\nnode remote1:remote\nprimitive r ocf:pacemaker:Dummy", fencing=True)
    t = schedule(cfg, state(node_state("n1")), 0)
    assert not any(line.startswith("Fence") for line in t.summary)



def test_exclusive_discovery_probes_and_places_only_where_named() -> None:
    cfg = crm("node n1\nnode n2\nnode n3\nprimitive r ocf:pacemaker:Dummy\n"
              "location only-n2 r resource-discovery=exclusive 0: n2")
    t = schedule(cfg, state(node_state("n1"), node_state("n2"), node_state("n3")), 0)
    probed = {a.node for a in scheduled(t) if a.task == "monitor" and a.rsc == "r"}
    assert probed == {"n2"}
    assert t.placement["r"].node == "n2"


def test_discovery_never_skips_the_probe_but_not_the_node() -> None:
    cfg = crm("node n1\nprimitive r ocf:pacemaker:Dummy\nlocation no-probe r resource-discovery=never 10: n1")
    t = schedule(cfg, state(node_state("n1")), 0)
    assert not any(a.task == "monitor" and a.rsc == "r" for a in scheduled(t))
    assert t.placement["r"].node == "n1"


def test_orphaned_connection_stops_with_what_runs_on_its_node() -> None:
    cfg = crm("node n1\nnode n2\nprimitive r ocf:pacemaker:Dummy\nlocation on-rem r 100: rem1")
    t = schedule(cfg, state(node_state("n1", connection()), node_state("n2"),
                            remote_state("rem1", started("r"))), 0)
    assert "Stop rem1 (n1) due to node availability" in t.summary
    assert t.placement["r"].node in ("n1", "n2")
    assert one(t, "stop", "r", "rem1").id in one(t, "stop", "rem1", "n1").after


def test_unrunnable_stop_on_a_lost_remote_node_makes_it_unclean_without_fencing() -> None:
    # fencing disabled: the failed connection cannot fence rem1, and the failed r1 there cannot be
    # stopped -- so rem1 is unclean (nothing new goes there) though its connection is recovered
    cfg = crm(BASE.replace("remote\n", "remote op monitor interval=30s\n")
              + "primitive r1 ocf:pacemaker:Dummy op monitor interval=10s\nprimitive r2 ocf:pacemaker:Dummy")
    failed = connection(op("start", call=1), op("monitor", rc=1, call=2, interval=30_000))
    r1 = ResourceHistory("r1", DUMMY, (op("start", call=3), op("monitor", rc=1, call=4, interval=10_000)))
    t = schedule(cfg, state(node_state("n1", failed), node_state("n2", started("r2")), remote_state("rem1", r1)), 0)
    assert t.placement["r2"].node == "n2"  # not to the emptiest node, rem1: it cannot run anything
    assert not any(line.startswith("Fence") for line in t.summary)


def test_failed_resource_on_a_stopped_remote_node_in_maintenance_fences_it() -> None:
    # rem1's connection never ran (rem1 is offline, not unclean) and r failed there. Its recovery
    # stop is created while history is read, before maintenance turns r unmanaged: that stop
    # cannot run, so rem1 is fenced -- already in the status before any decision
    cfg = crm(BASE.replace("remote\n", "remote op monitor interval=30s\n")
              + "primitive r ocf:pacemaker:Dummy op monitor interval=10s", fencing=True)
    r = ResourceHistory("r", DUMMY, (op("start", call=3), op("monitor", rc=1, call=4, interval=10_000)))
    rem1 = NodeState(id="rem1", uname="rem1", in_ccm="true", resources=(r,), extra=(("remote_node", "true"),),
                     attributes={"maintenance": "true"})
    st = state(node_state("n1", ResourceHistory("fence", FENCE, (op("start"),))), node_state("n2"), rem1)
    facts = current_facts(cfg, st, 0)
    node = next(n for n in facts.nodes if n.uname == "rem1")
    assert (node.online, node.unclean, node.unclean_reason) == (False, True, "stop is unrunnable")
    assert not next(x for x in facts.resources if x.id == "r").managed
    t = schedule(cfg, st, 0)
    assert set(t.summary) == {"Fence (reboot) rem1 'stop is unrunnable'", "Move fence (n1 -> n2)", "Start rem1 (n1)"}
