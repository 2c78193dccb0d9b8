"""The scheduler: a pure function from (configuration, state, now) to a Transition.

Pipeline (each phase in its own module):

    unpack    facts: options, nodes, resource tree, current roles from history
    scores    location constraints, stickiness, history bans, fail limits
    assign    colocations, node choice per resource (clones, promotion)
    actions   per-resource actions, probes, fencing
    ordering  implicit and configured orderings; flag propagation
    summary   Transition Summary lines as crm_simulate prints them

`current_facts(config, state, now)` runs only the first phase and returns what it
read as public frozen values (what status displays are built from);
`schedule_with_facts` returns both from one unpacking.

No I/O, no clock, no randomness: ties are broken as Pacemaker breaks them.
Imports only the model.
"""

from __future__ import annotations

import sys
from types import MappingProxyType

from hastack.errors import ScheduleError
from hastack.model.config import Configuration
from hastack.model.state import ClusterState
from hastack.scheduler.actions import ActionBuilder
from hastack.scheduler.assign import Assigner
from hastack.scheduler.details import DetailsBuilder
from hastack.scheduler.digest import config_changes
from hastack.scheduler.facts import (
    ClusterFacts, FailedOp, HistoryFacts, NodeFacts, ReplicaFacts, ResourceFacts, current_facts, facts_of,
    node_name_key,
)
from hastack.scheduler.graph import Graph, graph_input
from hastack.scheduler.guest import with_guest_connections
from hastack.scheduler.ordering import Orderer
from hastack.scheduler.scores import setup_scores
from hastack.scheduler.refs import expand_references
from hastack.scheduler.summary import summary_lines
from hastack.scheduler.tickets import apply_tickets
from hastack.scheduler.types import Action, Contribution, Placement, Transition
from hastack.scheduler.probes import schedule_probes
from hastack.scheduler.remote_ordering import order_remote_actions
from hastack.scheduler.nodes import fence_node
from hastack.scheduler.unpack import Unpacked, unpack

__all__ = ["Action", "ClusterFacts", "Contribution", "FailedOp", "HistoryFacts", "NodeFacts", "Placement",
           "ReplicaFacts", "ResourceFacts", "Transition", "current_facts", "node_name_key", "schedule", "schedule_with_facts"]


def schedule(config: Configuration, state: ClusterState, now: int, *, sanitized: bool = True) -> Transition:
    """Decide what the cluster should do. `sanitized` (crm_simulate's behaviour, the default)
    ignores definition changes confined to secret parameters, which sanitized CIBs hide.

    Sets no process-wide switch: callers with big inputs run it inside
    hastack.bulkwork.bulk_work() (garbage collector paused, recursion limit raised)."""
    try:
        return _schedule(config, state, now, sanitized)
    except RecursionError:
        # Flag propagation recurses along ordering chains (as Pacemaker's does).
        raise ScheduleError(
            f"the ordering chains are too deep for Python's recursion limit ({sys.getrecursionlimit()})",
            hint="run schedule() inside hastack.bulkwork.bulk_work(), which raises the limit") from None


def schedule_with_facts(config: Configuration, state: ClusterState, now: int, *,
                        sanitized: bool = True) -> tuple[ClusterFacts, Transition]:
    """current_facts() and schedule() of the same input from one unpacking: what `hastack
    simulate` shows before the decision, and the decision, for the price of one. Like
    schedule(), it sets no process-wide switch (see hastack.bulkwork)."""
    u = unpack(config, state, now)
    facts = facts_of(u, state)  # taken before any later phase changes the records
    try:
        return facts, _schedule(config, state, now, sanitized, u)
    except RecursionError:
        raise ScheduleError(
            f"the ordering chains are too deep for Python's recursion limit ({sys.getrecursionlimit()})",
            hint="run schedule_with_facts() inside hastack.bulkwork.bulk_work(), which raises the limit") from None


def _schedule(config: Configuration, state: ClusterState, now: int, sanitized: bool,
              u: Unpacked | None = None) -> Transition:
    config = expand_references(config)  # tags and templates in constraints, as resource sets
    config = with_guest_connections(config)  # guest nodes' implicit connections
    if u is None:
        u = unpack(config, state, now)
    apply_tickets(config, u)
    rec = setup_scores(config, u)
    changes = list(config_changes(config, u, sanitized))
    g = Graph()
    builder = ActionBuilder(u, g)
    builder.early(changes, u.recovery_stops)
    assigner = Assigner(config, u, rec)
    assigner.setup_colocations()
    assigner.run()
    schedule_probes(builder)
    builder.build()
    orderer = Orderer(config, builder, assigner)
    orderer.configured()
    for first, first_task, then, then_task, flags in builder.monitor_orders:
        orderer.rsc_order(first, first_task, then, then_task, flags)
    for r in u.resources:
        orderer.internal(r)
    for probe, top, flags in builder.probe_orders:
        orderer.rsc_order(probe, "", top, "start", flags)
    # before fencing is scheduled: a remote node may need fencing for what its connection does
    order_remote_actions(g, orderer.rsc_order, lambda node, why: fence_node(u, node, why))
    builder.fencing()
    propagator = orderer.apply()
    builder.notifications_for_graph(propagator.action_flags)
    summary = tuple(summary_lines(g, u.resources, u.options.stonith_action))

    placement: dict[str, Placement] = {}
    for r in u.resources:
        for p in r.primitives():
            placement[p.id] = Placement(p.allocated_to.uname if p.allocated_to else None, p.next_role.public)
    details = DetailsBuilder(config, state, u)
    actions = []
    for a in g.actions:
        # Pacemaker's graph holds an optional action flagged print-always (a pending start)
        optional = a.optional and not a.print_always
        actions.append(Action(
            id=a.id, task=a.task, rsc=a.rsc.id if a.rsc else None, node=a.node.uname if a.node else None,
            interval_ms=a.interval_ms, pseudo=a.pseudo, optional=optional,
            after=tuple(sorted(e[0].id for e in a.before if graph_input(a, e[0], e[1]))), reason=a.reason or "",
            runnable=a.runnable, **(details.of(a) if not optional else {})))
    scores = {rid: MappingProxyType(dict(t)) for rid, t in assigner.printed.items()}
    resource_order: list[str] = []
    stack = list(reversed(u.resources))
    while stack:  # depth first, a parent before its children, in configuration order
        r = stack.pop()
        resource_order.append(r.id)
        stack.extend(reversed(r.children))
    contributions = rec.contributions()
    return Transition(
        placement=MappingProxyType(placement),
        actions=tuple(actions),
        scores=MappingProxyType(scores),
        contributions=MappingProxyType(contributions),
        recheck_at=u.recheck_at,
        summary=summary,
        resource_order=tuple(resource_order),
    )
