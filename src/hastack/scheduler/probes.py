"""Probes: a one-shot monitor wherever a resource's state on a node is unknown (pcmk__schedule_probes).

Owns: which nodes are probed (online, clean, resource discovery enabled; an offline remote
node whose connection cannot be recovered is fenced instead), which resources are probed
there (pcmk__probe_rsc_on_node: not fence devices or connections on remote nodes, nothing
that hosts a guest on a guest, not what lives in a container, not orphans, not where the state
is known, as location resource-discovery says, not on a guest whose container stops), one
instance of an anonymous clone, a probe's expected result, and its ordering before the start.

Imports only the scheduler's own modules.
"""

from __future__ import annotations

from hastack.scheduler import guest, remote
from hastack.scheduler.actions import OCF_NOT_RUNNING, OCF_RUNNING_PROMOTED, ActionBuilder
from hastack.scheduler.graph import O
from hastack.scheduler.nodes import fence_node
from hastack.scheduler.working import R, WNode, WRsc


def schedule_probes(b: ActionBuilder) -> None:
    """A start waits for its probes, and cannot run before an unrunnable probe of a stopped
    resource (the orderings are collected in b.probe_orders)."""
    if not b.opts.probes:
        return
    for node in b.u.nodes:
        if not node.online:
            if remote.is_failed_remote_node(node):
                fence_node(b.u, node, "the connection is unrecoverable")
            continue
        if node.unclean or not node.rsc_discovery:
            continue
        for r in b.u.resources:
            _probe(b, r, node)


def _probe(b: ActionBuilder, r: WRsc, node: WNode) -> bool:
    if node.remote and (r.is_fence_device or r.is_remote_node):
        return False  # remote nodes run neither fence agents nor connections
    if guest.is_guest(node) and guest.contains_guest(r, b.u.nodes) is not None:
        return False  # a guest node does not run what hosts guest nodes
    if r.variant == "clone" and not r.unique:
        # probe_anonymous_clone: probe one instance -- the one known there (a cloned group's
        # members unknown there still need probes), else the one assigned there, else the first
        # (instances in instance-number order, as clone_create_probe sorts them)
        children = sorted(r.children, key=_instance_number)
        child = next((c for c in children if any(node.uname in p.known_on for p in c.primitives())), None) \
            or next((c for c in children if _assigned_node(c) is node), None) \
            or (children[0] if children else None)
        return _probe(b, child, node) if child is not None else False
    if r.children:
        created = False
        for c in r.children:
            created |= _probe(b, c, node)
        return created
    if (r.container is not None and not r.is_remote_node) or r.orphan or node.uname in r.known_on:
        return False
    if not _discoverable(r, node):
        return False
    if guest.is_guest(node) and guest.will_stop(node):
        return False  # nothing runs on a guest whose container is stopped or stopping
    probe = b.custom(r, "monitor", node, False, 0)
    probe.optional = False  # even for an unmanaged resource (pcmk__probe_rsc_on_node)
    b.fencer.before(r, node, probe, O.OPTIONAL)
    # expected: what the history says the resource is doing there
    if node not in r.running_on:
        probe.target_rc = OCF_NOT_RUNNING
    elif r.role == R.PROMOTED:
        probe.target_rc = OCF_RUNNING_PROMOTED
    top = r.top()
    if top.variant != "clone":
        top = r
    flags = O.OPTIONAL
    if not probe.runnable and not r.running_on:
        flags |= O.RUNNABLE_LEFT
    b.probe_orders.append((probe, top, flags))
    return True


def _instance_number(r: WRsc) -> int:
    tail = r.id.rpartition(":")[2]
    return int(tail) if tail.isdigit() else 0


def _assigned_node(r: WRsc) -> WNode | None:
    """The one node a resource (all members of a group) is assigned to, if exactly one."""
    nodes = {id(p.allocated_to): p.allocated_to for p in r.primitives() if p.allocated_to is not None}
    return next(iter(nodes.values())) if len(nodes) == 1 else None


def _discoverable(r: WRsc, node: WNode) -> bool:
    """Location resource-discovery: with exclusive discovery a resource is probed only where an
    exclusive constraint names the node; never where one says never."""
    mode = r.discover.get(node.uname, 0)
    if r.exclusive_discover or r.top().exclusive_discover:
        if r.allowed is None or node.uname not in r.allowed or mode != 2:
            return False
    return mode != 1
