"""One status view of the cluster: what every front end shows, built from the scheduler's facts.

`build_view(config, state, now)` asks the scheduler what it reads from the configuration
and the status section (hastack.scheduler.current_facts: the same unpacking every decision
starts from) and shapes it for display: nodes with their state and the reason a node is
unclean; every resource, group, clone, clone instance and bundle replica with its role as users name it
(a started instance of a promotable clone is Unpromoted), where it is active, and its
flags (failed, blocked, unmanaged, orphaned, disabled, pending, failure ignored, failed
probes); the failed actions; the cluster options crm_mon shows; node attributes and each
node's resource history (fail counts, migration thresholds, the operations worth listing)
when asked. The value is frozen and holds no text layout: hastack.status.text renders it
as crm_simulate and crm_mon do, hastack.status.xml as crm_mon's XML, and
hastack.status.data as plain dicts (JSON) for `hastack status` and the web page.
`with_membership` gives a view read from the cluster store the DC and quorum etcd says.

Imports only the model and the scheduler's public names.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator, Mapping
from dataclasses import dataclass, replace
from types import MappingProxyType

from hastack.errors import ValueSyntaxError
from hastack.model.config import Configuration
from hastack.model.results import ExecStatus, OcfRc, is_probe
from hastack.model.state import ClusterState, OpRecord
from hastack.model.values import Role
from hastack.scheduler import (
    ClusterFacts, HistoryFacts, NodeFacts, ReplicaFacts, ResourceFacts, current_facts, node_name_key,
)

__all__ = ["FailedAction", "HistoryEntry", "Instance", "NodeStatus", "OpKey", "ReplicaStatus", "ResourceStatus",
           "StatusView",
           "build_view", "node_name_key", "parse_op_key", "view_of", "with_membership"]


@dataclass(frozen=True)
class HistoryEntry:
    """One resource's history on one node, as crm_mon's node history (and -f, -o) lists it."""

    node: str
    id: str  # as recorded ("db:1")
    rsc: str | None  # the resource as shown ("db" for an anonymous clone's instance); None: none matches
    migration_threshold: int
    fail_count: int
    last_failure: int  # epoch seconds; 0: none
    ops: tuple[OpRecord, ...]  # worth listing, in call order: no notifies, no probes that found it stopped


@dataclass(frozen=True)
class NodeStatus:
    uname: str
    id: str
    online: bool
    unclean: bool
    pending: bool
    standby: bool
    standby_onfail: bool
    maintenance: bool
    shutdown: bool
    is_dc: bool
    reason: str | None  # why it is unclean (it will be fenced), in Pacemaker's words
    active_resources: int
    attributes: Mapping[str, str]  # only when the view was built with attributes=True
    expected_up: bool = False  # the cluster expects it up (it joined and did not ask to leave)
    kind: str = "member"  # member, remote, guest (a remote node in its container) or ping
    container: str | None = None  # a guest node's container resource
    health: str = "green"  # green, yellow or red: its #health* attributes under the health strategy

    @property
    def state(self) -> str:
        """The node's state in crm_mon's words: online, OFFLINE, UNCLEAN (offline), standby, ..."""
        if self.unclean:
            return "UNCLEAN (online)" if self.online else "UNCLEAN (pending)" if self.pending else "UNCLEAN (offline)"
        if self.pending:
            return "pending"
        if self.standby_onfail and self.online:
            return "standby (on-fail)"
        if self.standby:
            if not self.online:
                return "OFFLINE (standby)"
            return "standby (with active resources)" if self.active_resources else "standby"
        if self.maintenance:
            return "maintenance" if self.online else "OFFLINE (maintenance)"
        return "online" if self.online else "OFFLINE"

    @property
    def listed(self) -> bool:
        """Plainly online or offline: summarized in the Online/OFFLINE lists, not on a line of its own."""
        return not (self.unclean or self.pending or (self.standby_onfail and self.online)
                    or self.standby or self.maintenance or self.health != "green")


@dataclass(frozen=True)
class ResourceStatus:
    """A primitive, group, clone, clone instance or bundle, as shown."""

    id: str  # "db", "db:1" (a clone instance), "grp:0"
    name: str  # the name shown: an anonymous clone's instances go by their configured id
    kind: str  # primitive group clone bundle
    agent: str | None  # "ocf:heartbeat:IPaddr2"
    description: str | None
    role: Role  # as shown: a started instance of a promotable clone is Unpromoted
    nodes: tuple[str, ...]  # where it is active
    pending: str | None  # the operation in flight (start, stop, promote, demote, migrate_*, monitor)
    pending_node: str | None
    failed: bool
    blocked: bool
    managed: bool
    orphan: bool
    failure_ignored: bool
    disabled: bool  # target-role keeps it stopped (or unpromoted, for a promotable clone)
    target_role: str | None
    unique: bool
    promotable: bool
    active: bool  # Pacemaker's active(all): every part active (an instance on an unclean node counts)
    partially_active: bool  # some part active
    failed_probes: tuple[tuple[str, int], ...] = ()  # (node, rc) of masked probe failures, as listed
    clone_max: int = 0
    stopped_on: tuple[str, ...] = ()  # a clone: nodes it may run on where no instance is active
    children: tuple[ResourceStatus, ...] = ()
    internal: bool = False  # made by the cluster (a guest node's connection): the text leaves it out
    locked_to: str | None = None  # shutdown-lock: the node that shut down with it, while the lock holds
    image: str | None = None  # a bundle's container image
    runtime: str | None = None  # a bundle's container runtime: docker, podman or rkt
    replicas: tuple[ReplicaStatus, ...] = ()  # a bundle's (it has no children)

    @property
    def listed(self) -> bool:
        """Whether the resource list shows it at all (resource_list): not an orphan no longer
        active, nor a group or clone active only where it does not count as running -- an
        unmanaged member on an offline node (a remote node in maintenance) is active, but
        its parent's list of nodes leaves offline ones out."""
        if self.orphan and not self.active:
            return False
        return self.kind == "bundle" or not (self.partially_active and not self.nodes)

    def primitives(self) -> Iterator[ResourceStatus]:
        if self.kind == "primitive":
            yield self
        for c in self.children:
            yield from c.primitives()
        for rep in self.replicas:
            yield from rep.parts()

    @property
    def configured_role(self) -> str | None:
        """A clone's target-role, else its first instance's (clone.c's configured_role)."""
        if self.target_role is None and self.children:
            return self.children[0].target_role
        return self.target_role


@dataclass(frozen=True)
class ReplicaStatus:
    """One replica of a bundle: its address and the primitives it is made of, as shown."""

    offset: int
    address: str | None  # from the bundle's ip-range-start
    ip: ResourceStatus | None
    child: ResourceStatus | None  # the instance of the bundle's primitive (None: bare containers)
    container: ResourceStatus
    remote: ResourceStatus | None  # the connection to the guest node inside the container

    def parts(self) -> Iterator[ResourceStatus]:
        """Address, instance, container, connection: the order crm_mon lists them in."""
        for p in (self.ip, self.child, self.container, self.remote):
            if p is not None:
                yield p


@dataclass(frozen=True)
class FailedAction:
    """A failed operation, as crm_mon lists it under "Failed Resource Actions" (not a probe that
    found the agent missing, which the resource's line shows; not a record whose key has no
    RSC_TASK_INTERVAL shape)."""

    rsc: str
    node: str
    key: str  # RSC_TASK_INTERVAL as recorded (operation_key), else the record's id
    task: str
    interval_ms: int
    rc: int
    status: int  # the executor status (op-status)
    call_id: int
    exit_reason: str | None
    last_rc_change: int | None
    exec_time: int | None
    queue_time: int | None
    key_recorded: bool = True  # the record has an operation_key (else `key` is its id)


@dataclass(frozen=True)
class OpKey:
    rsc: str
    task: str
    interval_ms: int


_TWO_WORD_TASKS = ("migrate_to", "migrate_from")


def parse_op_key(key: str) -> OpKey | None:
    """RSC_TASK_INTERVAL split (a task may itself hold an underscore: migrate_to); None if the
    key has no such shape."""
    head, sep, interval = key.rpartition("_")
    if not sep or not interval.isdigit():
        return None
    for task in _TWO_WORD_TASKS:
        if head.endswith("_" + task) and len(head) > len(task) + 1:
            return OpKey(head[: -len(task) - 1], task, int(interval))
    rsc, sep, task = head.rpartition("_")
    if not sep or not rsc or not task:
        return None
    return OpKey(rsc, task, int(interval))


def _masked_probe(op: OpRecord) -> bool:
    """A probe that found the agent missing or misconfigured: shown on the resource (Stopped
    (not installed)), not as a failed action (pcmk_xe_mask_probe_failure)."""
    return is_probe(op.operation, op.interval_ms) and (
        op.rc_code in (OcfRc.ERR_ARGS, OcfRc.ERR_INSTALLED) or op.op_status == ExecStatus.NOT_INSTALLED)


@dataclass(frozen=True)
class Instance:
    """One primitive instance active on one node (a flat reading of the view)."""

    rsc: str  # the configured primitive id
    id: str  # as the scheduler names the instance, e.g. "db:1"
    node: str
    role: Role
    failed: bool
    blocked: bool
    pending: str | None


@dataclass(frozen=True)
class StatusView:
    nodes: tuple[NodeStatus, ...]  # in Pacemaker's node order
    resources: tuple[ResourceStatus, ...]  # top level, in Pacemaker's order
    failed_actions: tuple[FailedAction, ...]
    have_quorum: bool
    dc: str | None
    stonith_enabled: bool
    maintenance_mode: bool
    # online nodes' resource histories, by node in the status section's order (as crm_mon lists
    # them); only when the view was built with history=True
    history: tuple[HistoryEntry, ...] = ()
    symmetric: bool = True
    no_quorum_policy: str = "stop"
    stop_all: bool = False
    stonith_timeout_ms: int = 60_000
    priority_fencing_delay_ms: int = 0

    def node(self, uname: str) -> NodeStatus | None:
        return next((n for n in self.nodes if n.uname == uname), None)

    @property
    def instances(self) -> tuple[Instance, ...]:
        """Every primitive instance on every node where it is active."""
        out = []
        for top in self.resources:
            for p in top.primitives():
                for n in p.nodes:
                    out.append(Instance(_configured_id(p.id), p.id, n, p.role, p.failed, p.blocked, p.pending))
        return tuple(out)

    def active(self, rsc: str) -> list[Instance]:
        """The active instances of a configured primitive."""
        return [i for i in self.instances if i.rsc == rsc]

    @property
    def unclean(self) -> set[str]:
        return {n.uname for n in self.nodes if n.unclean}


def build_view(config: Configuration, state: ClusterState, now: int | None = None, *,
               attributes: bool = False, history: bool = False) -> StatusView:
    """The status of (config, state) at `now` (default: the CIB's execution-date, else 0: time is
    an argument here, never read from a clock). `attributes` keeps each node's attributes,
    `history` each online node's resource history."""
    if now is None:
        now = state.execution_date if state.execution_date is not None else 0
    return view_of(current_facts(config, state, now), attributes=attributes, history=history)


def view_of(facts: ClusterFacts, *, attributes: bool = False, history: bool = False) -> StatusView:
    """Shape the scheduler's facts for display."""
    nodes = {n.uname: n for n in facts.nodes}
    probes = _failed_probes(facts)
    return StatusView(
        nodes=tuple(_node(n, attributes) for n in facts.nodes),
        resources=tuple(_Shaper(nodes, probes, [n.uname for n in facts.nodes]).resource(r, r)
                        for r in facts.resources),
        failed_actions=tuple(_failed_action(f.rsc, f.node, f.op) for f in facts.failed_ops
                             if not _masked_probe(f.op) and parse_op_key(f.op.operation_key or f.op.id)),
        have_quorum=facts.have_quorum, dc=facts.dc, stonith_enabled=facts.stonith_enabled,
        maintenance_mode=facts.maintenance_mode, symmetric=facts.symmetric,
        history=tuple(_history(h) for h in facts.history if nodes[h.node].online) if history else (),
        no_quorum_policy=facts.no_quorum_policy, stop_all=facts.stop_all,
        stonith_timeout_ms=facts.stonith_timeout_ms, priority_fencing_delay_ms=facts.priority_fencing_delay_ms,
    )


def with_membership(view: StatusView, members: Collection[str], dc: str | None) -> StatusView:
    """The view of a live cluster read from its store: the DC is the elected one, and the
    partition has quorum when it has members (a read from etcd succeeds only with etcd's
    quorum, so the members seen are those of the quorate side)."""
    nodes = tuple(replace(n, is_dc=n.uname == dc) for n in view.nodes)
    return replace(view, nodes=nodes, dc=dc if dc is not None and view.node(dc) is not None else None,
                   have_quorum=bool(members))


_NO_ATTRS: Mapping[str, str] = MappingProxyType({})


def _node(n: NodeFacts, attributes: bool) -> NodeStatus:
    return NodeStatus(uname=n.uname, id=n.id, online=n.online, unclean=n.unclean, pending=n.pending,
                      standby=n.standby, standby_onfail=n.standby_onfail, maintenance=n.maintenance,
                      shutdown=n.shutdown, is_dc=n.is_dc, reason=n.unclean_reason,
                      active_resources=n.active_resources, attributes=n.attributes if attributes else _NO_ATTRS,
                      expected_up=n.expected_up, kind=n.kind, container=n.container, health=n.health)


def _history(h: HistoryFacts) -> HistoryEntry:
    shown = [op for op in h.ops if op.operation != "notify"
             and not (is_probe(op.operation, op.interval_ms) and op.rc_code == OcfRc.NOT_RUNNING)]
    return HistoryEntry(node=h.node, id=h.id, rsc=h.rsc, migration_threshold=h.migration_threshold,
                        fail_count=h.fail_count, last_failure=h.last_failure,
                        ops=tuple(sorted(shown, key=_call_order)))


def _call_order(op: OpRecord) -> tuple[bool, int, int]:
    """By call id, the same call by last change; pending operations (call id -1) last."""
    return (op.call_id < 0, max(op.call_id, 0), op.last_rc_change or 0)


def _configured_id(rid: str) -> str:
    base, sep, number = rid.rpartition(":")
    return base if sep and number.isdigit() else rid


def _rsc_of_key(op: OpRecord) -> str | None:
    """The resource part of an operation key RSC_TASK_INTERVAL."""
    key = op.operation_key or op.id
    tail = f"_{op.operation}_{op.interval_ms}"
    return key[: -len(tail)] if key.endswith(tail) else None


def _failed_probes(facts: ClusterFacts) -> dict[str, list[tuple[str, int]]]:
    """Masked probe failures (not installed, invalid parameter) by the resource named in their
    operation key, with the node the record names (pe__failed_probe_for_rsc reads on_node)."""
    out: dict[str, list[tuple[str, int]]] = {}
    for f in facts.failed_ops:
        op = f.op
        if not is_probe(op.operation, op.interval_ms) or op.on_node is None:
            continue
        if _masked_probe(op):
            rsc = _rsc_of_key(op)
            if rsc is not None:
                out.setdefault(rsc, []).append((op.on_node, op.rc_code))
    return out


def _failed_action(rsc: str, node: str, op: OpRecord) -> FailedAction:
    return FailedAction(rsc=rsc, node=node, key=op.operation_key or op.id, key_recorded=op.operation_key is not None,
                        task=op.operation, interval_ms=op.interval_ms, rc=op.rc_code, status=op.op_status,
                        call_id=op.call_id, exit_reason=op.exit_reason, last_rc_change=op.last_rc_change,
                        exec_time=op.exec_time, queue_time=op.queue_time)


def _is_disabled(target_role: str | None, promotable: bool) -> bool:
    """pe__resource_is_disabled: target-role Stopped, or Unpromoted in a promotable clone."""
    role = _role_of(target_role)
    return role is Role.STOPPED or (role is Role.UNPROMOTED and promotable)


def _role_of(text: str | None) -> Role | None:
    if text is None:
        return None
    try:
        return Role.parse(text)
    except ValueSyntaxError:
        return None


class _Shaper:
    """Turns ResourceFacts into ResourceStatus, with the node facts that "active" depends on."""

    def __init__(self, nodes: Mapping[str, NodeFacts], probes: Mapping[str, list[tuple[str, int]]],
                 order: list[str]) -> None:
        self.nodes = nodes
        self.probes = probes
        self.order = order

    def _active_primitive(self, r: ResourceFacts) -> bool:
        """native_active: on an unclean node, or on an online one (or offline while unmanaged)."""
        for uname in r.nodes:
            n = self.nodes.get(uname)
            if n is None or n.unclean or n.online or not r.managed:
                return True
        return False

    def replica(self, rep: ReplicaFacts, bundle: ResourceFacts) -> ReplicaStatus:
        def part(p: ResourceFacts | None) -> ResourceStatus | None:
            return self.resource(p, bundle) if p is not None else None

        return ReplicaStatus(offset=rep.offset, address=rep.address, ip=part(rep.ip), child=part(rep.child),
                             container=self.resource(rep.container, bundle), remote=part(rep.remote))

    def resource(self, r: ResourceFacts, top: ResourceFacts) -> ResourceStatus:
        children = tuple(self.resource(c, top) for c in r.children)
        replicas = tuple(self.replica(rep, r) for rep in r.replicas)
        if r.kind == "primitive":
            active = partial = self._active_primitive(r)
        elif r.kind == "bundle":  # pe__bundle_active: over every part of every replica
            parts = [p for rep in replicas for p in rep.parts()]
            partial = any(p.partially_active for p in parts)
            active = all(p.active for p in parts)
        else:
            partial = any(c.partially_active for c in children)
            # clone_active(all) holds for a clone with no instances; group_active(all) needs one member
            every = all(c.active for c in children)
            active = every if r.kind == "clone" else partial and every
        role = r.role
        if role is Role.STARTED and r.promotable:
            role = Role.UNPROMOTED
        # pe__failed_probe_for_rsc: inside a clone, probes are looked up by the clone's child id
        probe_key = _configured_id(top.children[0].id) if top.kind == "clone" and top.children else r.id
        stopped_on: tuple[str, ...] = ()
        if r.kind == "clone":
            stopped_on = tuple(u for u in sorted(r.allowed_nodes or r.known_on, key=node_name_key)
                               if u not in r.nodes)
        return ResourceStatus(
            id=r.id, name=r.name, kind=r.kind, agent=str(r.agent) if r.agent is not None else None,
            description=r.description, role=role, nodes=r.nodes, pending=r.pending_task,
            pending_node=r.pending_node, failed=r.failed, blocked=r.blocked, managed=r.managed,
            orphan=r.orphan, failure_ignored=r.failure_ignored,
            disabled=_is_disabled(r.target_role, r.promotable), target_role=r.target_role,
            unique=r.unique, promotable=r.promotable, active=active, partially_active=partial,
            failed_probes=tuple(self.probes.get(probe_key, ())), clone_max=r.clone_max,
            stopped_on=stopped_on, children=children, internal=r.internal, image=r.image, runtime=r.runtime,
            replicas=replicas, locked_to=r.locked_to,
        )
