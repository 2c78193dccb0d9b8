"""The cluster as the scheduler finds it, before deciding anything: public, frozen facts.

`current_facts(config, state, now)` runs the scheduler's unpack phase (Pacemaker's
cluster_status()) and hands back what it read: per node its membership (online, standby,
maintenance, pending, unclean and why); per resource -- the configured tree with its
clone instances, each bundle's replicas (its address, container, guest-node connection
and instance of its primitive) and any orphans found in the history -- where it is active, in which role,
and its flags (failed, blocked, managed, orphaned, a pending action, a failure ignored);
the failed operations Pacemaker lists; every node's recorded history per resource, with
the fail count and migration threshold that apply there; and the cluster options shown
with them. Display code (hastack.status) builds on these facts, so what users are shown
is exactly what the scheduler decides from.

Imports only the model and the scheduler's unpack phase.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, replace
from types import MappingProxyType

from hastack.model.config import Configuration
from hastack.model.state import ClusterState, OpRecord
from hastack.model.values import AgentRef, Role, is_true
from hastack.scheduler.bundle_parts import BundleParts
from hastack.scheduler.failcounts import failcount
from hastack.scheduler.health import health_colour
from hastack.scheduler.unpack import Unpacked, unpack
from hastack.scheduler.working import R, WNode, WRsc

__all__ = ["ClusterFacts", "FailedOp", "HistoryFacts", "NodeFacts", "ReplicaFacts", "ResourceFacts", "current_facts"]


@dataclass(frozen=True)
class HistoryFacts:
    """One resource's recorded operations on one node (an lrm_resource), with what applies to
    that resource there: what crm_mon lists as the node's history."""

    node: str
    id: str  # as recorded: "db", "db:1", an orphan's id
    rsc: str | None  # the resource it is found as (crm_mon's lookup), as users name it; None: none
    migration_threshold: int  # the resource's (1000000 for INFINITY); 0 when rsc is None
    fail_count: int  # counted as Pacemaker counts it (expired failures too)
    last_failure: int  # epoch seconds; 0: none
    ops: tuple[OpRecord, ...]  # as recorded


@dataclass(frozen=True)
class NodeFacts:
    id: str
    uname: str
    online: bool
    unclean: bool
    pending: bool  # a member that is not ready to run resources yet (joining or leaving)
    standby: bool
    standby_onfail: bool  # standby because a resource failed there with on-fail=standby
    maintenance: bool
    shutdown: bool
    expected_up: bool
    is_dc: bool
    unclean_reason: str | None  # why it must be fenced, in Pacemaker's words
    active_resources: int  # primitive instances active there
    attributes: Mapping[str, str]  # node attributes (permanent, then transient), without the #built-ins
    # member (a cluster node), remote (a Pacemaker Remote node), guest (a remote node living in
    # a resource: its container) or ping (a node of any other type, which runs nothing)
    kind: str = "member"
    container: str | None = None  # a guest node's container resource
    health: str = "green"  # its #health* attributes' colour under the health strategy: green yellow red


@dataclass(frozen=True)
class ResourceFacts:
    """One resource, group, clone or clone instance, as unpacked from configuration and history."""

    id: str  # as the scheduler names it: "db", "db:1" (a clone instance), "grp:0"
    name: str  # as users know it: an anonymous clone's instances go by their configured id
    kind: str  # primitive group clone bundle
    agent: AgentRef | None
    description: str | None
    role: Role  # current role (a group: its members' highest)
    nodes: tuple[str, ...]  # where it is active, in the order the history showed it
    pending_task: str | None  # an operation in flight (not a probe)
    pending_node: str | None
    failed: bool
    blocked: bool
    managed: bool
    orphan: bool  # in the history but no longer configured (or beyond a clone's clone-max)
    failure_ignored: bool
    unique: bool  # its instances are distinct (Pacemaker's pe_rsc_unique: anything outside anonymous clones)
    promotable: bool  # a promotable clone or inside one
    target_role: str | None  # the target-role meta attribute in effect (inherited too), as written
    priority: int
    clone_max: int  # a clone's instance count (0 for anything else)
    known_on: frozenset[str]  # nodes whose history says where it is (or is not)
    # made by the cluster for its own use (meta internal_rsc: a guest node's connection), not
    # configured by anyone: crm_mon's text leaves it out, its XML lists it
    internal: bool = False
    locked_to: str | None = None  # shutdown-lock: the node that shut down with it, while the lock holds
    # a clone: the nodes it may be placed on as far as the status says (every node in a
    # symmetric cluster; else those the history scored it on), before any constraint
    allowed_nodes: frozenset[str] = frozenset()
    children: tuple[ResourceFacts, ...] = ()
    # a bundle: its container image and runtime (docker, podman, rkt), and its replicas (it has
    # no children: what it is made of is in the replicas)
    image: str | None = None
    runtime: str | None = None
    replicas: tuple[ReplicaFacts, ...] = ()

    def primitives(self) -> Iterator[ResourceFacts]:
        if self.kind == "primitive":
            yield self
        for c in self.children:
            yield from c.primitives()
        for rep in self.replicas:
            yield from rep.parts()


@dataclass(frozen=True)
class ReplicaFacts:
    """One replica of a bundle: its address (ip-range-start) and the primitives it is made of."""

    offset: int
    address: str | None
    ip: ResourceFacts | None  # the address's resource
    child: ResourceFacts | None  # the instance of the bundle's primitive (None: bare containers)
    container: ResourceFacts
    remote: ResourceFacts | None  # the connection to the guest node inside the container

    def parts(self) -> Iterator[ResourceFacts]:
        """The replica's primitives in Pacemaker's order: address, instance, container, connection."""
        for p in (self.ip, self.child, self.container, self.remote):
            if p is not None:
                yield p


@dataclass(frozen=True)
class FailedOp:
    """A failed operation worth showing (Pacemaker's record_failed_op), with where it failed."""

    rsc: str  # the resource as the scheduler names it
    node: str
    op: OpRecord


@dataclass(frozen=True)
class ClusterFacts:
    nodes: tuple[NodeFacts, ...]  # in Pacemaker's node order (by name, numbers compared as numbers)
    resources: tuple[ResourceFacts, ...]  # top level: by priority, then definition order; orphans last
    failed_ops: tuple[FailedOp, ...]
    have_quorum: bool
    stonith_enabled: bool
    maintenance_mode: bool
    symmetric: bool
    dc: str | None  # the designated controller's node name, when the CIB names one
    history: tuple[HistoryFacts, ...] = ()  # every node's, in the status section's order
    no_quorum_policy: str = "stop"
    stop_all: bool = False  # stop-all-resources
    stonith_timeout_ms: int = 60_000
    priority_fencing_delay_ms: int = 0


_ROLE = {R.UNKNOWN: Role.STOPPED, R.STOPPED: Role.STOPPED, R.STARTED: Role.STARTED,
         R.UNPROMOTED: Role.UNPROMOTED, R.PROMOTED: Role.PROMOTED}
_DIGITS = re.compile(r"(\d+)")


def node_name_key(name: str) -> list[object]:
    """Pacemaker's node name order (pcmk__numeric_strcasecmp): node2 before node10, any case."""
    return [int(part) if i % 2 else part.lower() for i, part in enumerate(_DIGITS.split(name))]


def current_facts(config: Configuration, state: ClusterState, now: int) -> ClusterFacts:
    """What the scheduler reads from (config, state) at time `now`. Pure, like schedule()."""
    return facts_of(unpack(config, state, now), state)


def facts_of(u: Unpacked, state: ClusterState) -> ClusterFacts:
    """The facts of a fresh unpacking (before any later phase changed its records)."""
    dc = next((n.uname for n in u.nodes if n.id == state.dc_uuid), None)
    active: dict[str, int] = {}
    for r in u.by_id.values():
        if r.variant == "primitive":
            for n in r.running_on:
                active[n.uname] = active.get(n.uname, 0) + 1
    nodes = tuple(_node(n, u, active.get(n.uname, 0))
                  for n in sorted(u.nodes, key=lambda n: node_name_key(n.uname)))
    # a bundle's address, connection and clone records are shown in its replicas
    configured = [r for r in u.resources if not r.orphan and r.bundle is None]
    orphans = [r for r in u.resources if r.orphan]
    # Pacemaker sorts its resource list by priority once the configuration is read (stably);
    # orphans are found in the history afterwards and appended.
    ordered = sorted(configured, key=lambda r: -r.priority) + orphans
    o = u.options
    everywhere = frozenset(n.uname for n in u.nodes)
    scored: dict[int, set[str]] = {}  # id(clone) -> nodes the history gave it a score on
    if not o.symmetric:
        for ban in u.bans:
            if ban.rsc.variant == "clone":
                scored.setdefault(id(ban.rsc), set()).update(everywhere if ban.node is None else {ban.node})
    # a symmetric cluster's clone may run on every node as Pacemaker read them when it read the
    # clone (symmetric_default), never on a bundle's guest node (which probes nothing): except
    # one the nodes section names while the clone comes before its bundle
    guests = set(u.bundle_nodes)
    known: dict[int, frozenset[str]] = {}
    for r in u.resources:
        known[id(r)] = everywhere - guests
        guests |= {rep.remote.id for rep in r.replicas if rep.remote is not None}

    def resource(r: WRsc) -> ResourceFacts:
        if r.replicas:
            return _bundle(r, u.bundle_parts[r.id], resource)
        allowed: frozenset[str] = frozenset()
        if r.variant == "clone":
            allowed = known.get(id(r), everywhere) if o.symmetric else frozenset(scored.get(id(r), ()))
        return _resource(r, allowed, resource)

    return ClusterFacts(
        nodes=nodes,
        resources=tuple(resource(r) for r in ordered),
        failed_ops=tuple(FailedOp(r.id, n.uname, op) for r, n, op in u.failed_ops),
        have_quorum=o.have_quorum, stonith_enabled=o.stonith_enabled, maintenance_mode=o.maintenance,
        symmetric=o.symmetric, dc=dc, history=_histories(u, state), no_quorum_policy=o.no_quorum_policy,
        stop_all=o.stop_all, stonith_timeout_ms=o.stonith_timeout_ms,
        priority_fencing_delay_ms=o.priority_fencing_delay_ms,
    )


def _histories(u: Unpacked, state: ClusterState) -> tuple[HistoryFacts, ...]:
    """Each node's recorded history, each entry with the resource crm_mon finds for its id
    (pe_find_resource: the first resource, depth first, named so or renamed so by the
    history), that resource's migration threshold and its fail count on the node."""
    found: dict[str, WRsc] = {}

    def walk(r: WRsc) -> None:
        found.setdefault(r.id, r)
        if r.clone_name is not None:
            found.setdefault(r.clone_name, r)
        for c in r.children:
            walk(c)

    for top in u.resources:
        walk(top)
    entries: list[HistoryFacts] = []
    for ns in state.nodes.values():
        node = u.node_by_uname.get(ns.uname)
        if node is None:
            continue
        for h in ns.resources:
            r = found.get(h.id)
            if r is None:
                entries.append(HistoryFacts(node.uname, h.id, None, 0, 0, 0, h.ops))
                continue
            timeout = r.failure_timeout
            count, last = failcount(u, r, node, effective=False)
            r.failure_timeout = timeout  # failcount() may clear it for the scheduler; facts change nothing
            if count <= 0:
                count, last = 0, 0  # a last failure is reported with a fail count only
            top = r.top()
            name = r.id if top.variant != "clone" or top.unique else _configured_id(r.id)
            entries.append(HistoryFacts(node.uname, h.id, name, r.migration_threshold, count, last, h.ops))
    return tuple(entries)


def _node(n: WNode, u: Unpacked, active: int) -> NodeFacts:
    attrs = MappingProxyType({k: v for k, v in n.attrs.items() if not k.startswith("#")})
    return NodeFacts(
        id=n.id, uname=n.uname, online=n.online, unclean=n.unclean, pending=n.pending, standby=n.standby,
        standby_onfail=n.standby_onfail, maintenance=n.maintenance, shutdown=n.shutdown,
        expected_up=n.expected_up, is_dc=n.attrs.get("#is_dc") == "true",
        unclean_reason=u.fence_reasons.get(n.uname) if n.unclean else None,
        active_resources=active, attributes=attrs, kind=_kind(n),
        container=n.remote_rsc.container.id if n.remote_rsc is not None and n.remote_rsc.container else None,
        health=health_colour(u.options.health, n.attrs),
    )


def _kind(n: WNode) -> str:
    """What makes the node one: the cluster's membership, a remote connection (a guest node's
    lives in its container), or neither -- Pacemaker reads any other node type as ping."""
    if n.remote:
        return "guest" if n.remote_rsc is not None and n.remote_rsc.container is not None else "remote"
    return "member" if n.attrs.get("#kind") == "cluster" else "ping"


def _instance_beyond_max(r: WRsc) -> bool:
    """A clone instance numbered at or past clone-max (the one instance a clone-max=0 clone
    keeps to collect its orphans): Pacemaker flags it orphaned."""
    parent = r.parent
    if parent is None or parent.variant != "clone":
        return False
    _, _, number = r.id.rpartition(":")
    return number.isdigit() and int(number) >= parent.clone_max


def _resource(r: WRsc, allowed: frozenset[str], child: Callable[[WRsc], ResourceFacts]) -> ResourceFacts:
    top = r.top()
    unique = top.variant != "clone" or top.unique
    orphan = r.orphan or _instance_beyond_max(r)
    children = tuple(child(c) for c in r.children)
    if r.variant == "primitive":
        role = r.role
    else:
        role = max((c.role for c in r.children), default=R.UNKNOWN)
    definition = r.definition
    return ResourceFacts(
        id=r.id,
        name=r.id if unique else _configured_id(r.id),
        kind=r.variant,
        agent=r.agent,
        description=definition.description if definition is not None else None,
        role=_ROLE[role],
        nodes=tuple(n.uname for n in r.running_on),
        pending_task=r.pending_task,
        pending_node=r.pending_node.uname if r.pending_node is not None else None,
        failed=r.failed, blocked=r.block, managed=r.managed, orphan=orphan,
        failure_ignored=r.failure_ignored, unique=unique, promotable=top.promotable,
        target_role=_target_role(r.meta.get("target-role")), priority=r.priority,
        clone_max=r.clone_max if r.variant == "clone" else 0,
        known_on=frozenset(r.known_on), allowed_nodes=allowed, children=children,
        internal=is_true(r.meta.get("internal_rsc"), False),
        locked_to=r.lock_node.uname if r.lock_node is not None else None,
    )


def _bundle(r: WRsc, parts: BundleParts, child: Callable[[WRsc], ResourceFacts]) -> ResourceFacts:
    """A bundle (a clone of its containers in the working records) with its replicas."""
    def part(p: WRsc | None) -> ResourceFacts | None:
        return child(p) if p is not None else None

    replicas = tuple(
        ReplicaFacts(offset=rep.offset, address=rp.address, ip=part(rep.ip), child=part(rep.child),
                     container=child(rep.container), remote=part(rep.remote))
        for rep, rp in zip(r.replicas, parts.replicas))
    shell = _resource(r, frozenset(), child)  # its role: its containers' highest
    return replace(shell, kind="bundle", clone_max=0, children=(), image=parts.bundle.option("image"),
                   runtime=parts.bundle.runtime, replicas=replicas)


def _target_role(value: str | None) -> str | None:
    """target-role as written; "#default" means not set."""
    return None if value is None or value.lower() == "#default" else value


def _configured_id(rid: str) -> str:
    base, sep, number = rid.rpartition(":")
    return base if sep and number.isdigit() else rid
