"""Bundles in the working records: the tree a bundle makes, and its placement.

Owns: the working records of a bundle (Pacemaker's pe__unpack_bundle): the bundle itself, held
as a clone whose instances are its containers (Pacemaker distributes containers with the
clone's rules and gives a bundle the clone's start/running/stop/stopped points), each
replica's address and guest-node connection, and the clone of the bundle's primitive, whose
instance N may run on replica N's guest node only; and the bundle's assignment
(pcmk__bundle_allocate): containers first, then per replica its address, its connection and
its instance, then the clone of the primitive. The definitions come from bundle_parts.py.

Pacemaker's lib/pengine/bundle.c and lib/pacemaker/pcmk_sched_bundle.c, read for semantics.
Imports only the model, the scheduler's working records, graph (ordering flags) and bundle_parts (the
assigner and tree builder are passed in).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING

from hastack.model import scores
from hastack.scheduler.bundle_parts import BundleParts
from hastack.scheduler.graph import Act, O
from hastack.scheduler.working import Replica, WNode, WRsc

if TYPE_CHECKING:
    from hastack.scheduler.assign import Assigner
    from hastack.scheduler.tree import TreeBuilder

INF = scores.INFINITY

OrderFn = Callable[[WRsc | Act, str, WRsc | Act, str, O], None]


def build(tb: TreeBuilder, parts: BundleParts, bundle: WRsc) -> list[WRsc]:
    """Fill `bundle` (a clone record made by the caller, its own meta read) with its containers
    and return the records that live beside it: addresses, connections and the child clone,
    in Pacemaker's order (each replica's address, then its connection; the clone last)."""
    for rp in parts.replicas:
        tb.defs[rp.container.id] = rp.container
        if rp.ip is not None:
            tb.defs[rp.ip.id] = rp.ip
        if rp.remote is not None:
            tb.defs[rp.remote.id] = rp.remote
    bundle.clone_max = len(parts.replicas)
    bundle.clone_node_max = parts.replicas_per_host
    bundle.unique = parts.replicas_per_host > 1
    beside: list[WRsc] = []
    for rp in parts.replicas:
        container = tb.build(rp.container.id, bundle)
        assert container is not None
        bundle.children.append(container)
        replica = Replica(rp.offset, container)
        if rp.ip is not None:
            replica.ip = tb.build(rp.ip.id, None, inherit=bundle)
        if rp.remote is not None:
            replica.remote = tb.build(rp.remote.id, None, inherit=bundle)
        for r in (replica.ip, replica.remote):
            if r is not None:
                r.bundle = bundle
                beside.append(r)
        bundle.replicas.append(replica)
    if parts.child is not None:
        tb.defs[parts.child.id] = parts.child
        clone = tb.build(parts.child.id, None, inherit=bundle)
        assert clone is not None
        clone.bundle = bundle
        for replica, inst in zip(bundle.replicas, clone.children):
            replica.child = inst
            inst.exclusive_discover = True
            # the primitive's utilization is the container's: the guest node has no capacity
            replica.container.utilization, inst.utilization = inst.utilization, {}
        beside.append(clone)
    return beside


def link_nodes(bundle: WRsc, by_uname: dict[str, WNode]) -> None:
    """Each replica learns its guest node (made with the remote nodes, before the tree)."""
    for replica in bundle.replicas:
        if replica.remote is not None:
            replica.node = by_uname.get(replica.remote.id)


def container_host(connection: WRsc) -> WNode | None:
    """pe__add_bundle_remote_name: a bundle connection whose address is "#uname" reaches its
    container through the node the container will run on (else the one it runs on now)."""
    c = connection.container
    if c is None:
        return None
    return c.allocated_to or (c.running_on[0] if c.running_on else None)


def allows_nested(r: WRsc) -> bool:
    """pe_rsc_allow_remote_remotes: a bundle's connection, whose container may run on a remote
    node (the connection then runs on a cluster node, preferably the container's)."""
    return r.bundle is not None and r.is_remote_node


def child_clone(bundle: WRsc) -> WRsc | None:
    """The clone of a bundle's primitive (None for a bundle of bare containers)."""
    return next((rep.child.parent for rep in bundle.replicas if rep.child is not None), None)


def members(bundle: WRsc) -> list[WRsc]:
    """A bundle's children as Pacemaker lists them: each replica's container, address and
    connection, then the clone of its primitive."""
    out: list[WRsc] = []
    for rep in bundle.replicas:
        out.extend(r for r in (rep.container, rep.ip, rep.remote) if r is not None)
    clone = child_clone(bundle)
    if clone is not None:
        out.append(clone)
    return out


def summarized_members(r: WRsc, task: str) -> list[WRsc]:
    """The instances whose actions a collective action's flags summarize: a clone's instances;
    for a bundle, its containers, or the instances of its primitive for role changes and
    notifications (pcmk__bundle_action_flags)."""
    if r.replicas and task in ("promote", "promoted", "demote", "demoted", "notify", "notified"):
        return [rep.child for rep in r.replicas if rep.child is not None]
    return r.children


def collective(r: WRsc) -> WRsc:
    """The resource whose instances r's action stands among: its top-level resource, or the
    bundle that resource is part of."""
    top = r.top()
    return top.bundle if top.bundle is not None else top


def apply_bundle_nodes(bundles: list[WRsc], resources: Iterable[WRsc]) -> None:
    """A guest node of a bundle runs its replica's instance only: every other resource scores
    it -INFINITY, the instance scores it 500 (and nothing else), the clone -INFINITY (it is
    given the guest nodes when assigned)."""
    nodes = [rep.node for b in bundles for rep in b.replicas if rep.node is not None]
    if not nodes:
        return

    def ban(r: WRsc) -> None:
        for c in r.children:
            ban(c)
        if r.allowed is not None:
            for n in nodes:
                r.allowed[n.uname] = -INF
    for r in resources:
        ban(r)
    for b in bundles:
        for rep in b.replicas:
            if rep.child is not None and rep.node is not None:
                rep.child.allowed = {rep.node.uname: 500}


def is_bundle_node(node: WNode, bundles: Iterable[WRsc]) -> bool:
    return any(rep.node is node for b in bundles for rep in b.replicas)


def assign_bundle(a: Assigner, bundle: WRsc, prefer: WNode | None) -> WNode | None:
    """pcmk__bundle_allocate: the containers as a clone's instances, then each replica's address,
    connection and primitive instance (on its own guest node only), then the clone of the
    primitive over the guest nodes."""
    from hastack.scheduler.clones import assign_clone
    if not bundle.provisional or bundle.allocating:
        return None
    assign_clone(a, bundle, prefer)
    for replica in bundle.replicas:
        if replica.ip is not None:
            a.assign(replica.ip, prefer)
        host = replica.container.allocated_to
        if replica.remote is not None and host is not None and host.remote_rsc is not None:
            # a connection can only reach a container on a remote node through that node's host
            a.new_colocation("child-remote-with-docker-remote", replica.remote, host.remote_rsc, INF)
        if replica.remote is not None:
            a.assign(replica.remote, prefer)
            from hastack.scheduler import remote
            remote.connection_assigned(replica.remote, replica.node)
            if replica.node is not None:
                a.avail[replica.node.uname] = replica.node.available()
        if replica.child is not None and replica.node is not None:
            allowed = replica.child.allowed if replica.child.allowed is not None else {}
            for uname in list(allowed):
                if uname != replica.node.uname:
                    allowed[uname] = -INF
                else:
                    allowed[uname] = INF
            replica.child.allowed = allowed
            clone = replica.child.parent
            assert clone is not None
            clone.allocating = True
            a.assign(replica.child, replica.node)
            clone.allocating = False
    clone = child_clone(bundle)
    if clone is not None:
        nodes = {rep.node.uname for rep in bundle.replicas if rep.node is not None}
        table = clone.allowed if clone.allowed is not None else {}
        for uname in list(table):
            table[uname] = 0 if uname in nodes else -INF
        clone.allowed = table
        a.assign(clone, prefer)
    bundle.provisional = False
    bundle.allocating = False
    return None


def internal_colocations(bundle: WRsc, colocate: Callable[[str, WRsc, WRsc, int], None]) -> None:
    """Each replica's address goes where its container goes (its connection follows its container
    as any guest node's does)."""
    for replica in bundle.replicas:
        if replica.ip is not None:
            colocate("ip-with-docker", replica.ip, replica.container, INF)


def internal_orders(bundle: WRsc, child: WRsc | None, order: OrderFn, internal: Callable[[WRsc], None]) -> None:
    """pcmk__bundle_internal_constraints: the bundle's start/stop points around its containers and
    the clone of its primitive, each address before its container, and, when the primitive is
    promotable, the bundle's promote/demote points around the clone's."""
    if child is not None:
        order(bundle, "start", child, "start", O.IMPLIES_FIRST_PRINTED)
        order(bundle, "stop", child, "stop", O.IMPLIES_FIRST_PRINTED)
        order(child, "running", bundle, "running", O.IMPLIES_THEN_PRINTED)
        order(child, "stopped", bundle, "stopped", O.IMPLIES_THEN_PRINTED)
    for replica in bundle.replicas:
        container = replica.container
        internal(container)
        order(bundle, "start", container, "start", O.RUNNABLE_LEFT | O.IMPLIES_FIRST_PRINTED)
        if replica.child is not None:
            order(bundle, "stop", replica.child, "stop", O.IMPLIES_FIRST_PRINTED)
        order(bundle, "stop", container, "stop", O.IMPLIES_FIRST_PRINTED)
        order(container, "start", bundle, "running", O.IMPLIES_THEN_PRINTED)
        order(container, "stop", bundle, "stopped", O.IMPLIES_THEN_PRINTED)
        if replica.ip is not None:
            order(replica.ip, "start", container, "start", O.RUNNABLE_LEFT | O.PRESERVE)
            order(container, "stop", replica.ip, "stop", O.IMPLIES_FIRST | O.PRESERVE)
    if child is not None and child.promotable:
        # pcmk__promotable_restart_ordering
        for first, then in (("stopped", "start"), ("stopped", "promote"), ("demoted", "stop"),
                            ("demoted", "start"), ("demoted", "promote"), ("running", "promote"),
                            ("demote", "demoted")):
            order(bundle, first, bundle, then, O.OPTIONAL)
        order(child, "demoted", bundle, "demoted", O.IMPLIES_THEN_PRINTED)
        order(bundle, "demote", child, "demote", O.IMPLIES_FIRST_PRINTED)
        order(child, "promoted", bundle, "promoted", O.IMPLIES_THEN_PRINTED)
        order(bundle, "promote", child, "promote", O.IMPLIES_FIRST_PRINTED)
