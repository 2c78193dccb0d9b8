"""One status view of the cluster: what every front end shows, built from the scheduler's facts.

`build_view(config, state, now)` asks the scheduler what it reads from the configuration
and the status section (hastack.scheduler.current_facts: the same unpacking every decision
starts from) and shapes it for display: nodes with their state and the reason a node is
unclean; every resource, group, clone and clone instance with its role as users name it
(a started instance of a promotable clone is Unpromoted), where it is active, and its
flags (failed, blocked, unmanaged, orphaned, disabled, pending, failure ignored, failed
probes); the failed actions; node attributes when asked. The value is frozen and holds no
text layout: hastack.status.text renders it as crm_simulate and crm_mon do, and
hastack.status.data as plain dicts (JSON) for `hastack status` and the web page.

Imports only the model and the scheduler's public names.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from types import MappingProxyType

from hastack.errors import ValueSyntaxError
from hastack.model.config import Configuration
from hastack.model.results import ExecStatus, OcfRc, is_probe
from hastack.model.state import ClusterState, OpRecord
from hastack.model.values import Role
from hastack.scheduler import ClusterFacts, NodeFacts, ResourceFacts, current_facts, node_name_key

__all__ = ["FailedAction", "Instance", "NodeStatus", "ResourceStatus", "StatusView", "build_view",
           "node_name_key", "view_of"]


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
                    or self.standby or self.maintenance)


@dataclass(frozen=True)
class ResourceStatus:
    """A primitive, group, clone or clone instance, as shown."""

    id: str  # "db", "db:1" (a clone instance), "grp:0"
    name: str  # the name shown: an anonymous clone's instances go by their configured id
    kind: str  # primitive group clone
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

    def primitives(self) -> Iterator[ResourceStatus]:
        if self.kind == "primitive":
            yield self
        for c in self.children:
            yield from c.primitives()

    @property
    def configured_role(self) -> str | None:
        """A clone's target-role, else its first instance's (clone.c's configured_role)."""
        if self.target_role is None and self.children:
            return self.children[0].target_role
        return self.target_role


@dataclass(frozen=True)
class FailedAction:
    """A failed operation, as crm_mon lists it under "Failed Resource Actions"."""

    rsc: str
    node: str
    key: str  # RSC_TASK_INTERVAL
    task: str
    interval_ms: int
    rc: int
    status: int  # the executor status (op-status)
    call_id: int
    exit_reason: str | None
    last_rc_change: int | None
    exec_time: int | None
    queue_time: int | None


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
               attributes: bool = False) -> StatusView:
    """The status of (config, state) at `now` (default: the CIB's execution-date, else 0: time is
    an argument here, never read from a clock). `attributes` keeps each node's attributes."""
    if now is None:
        now = state.execution_date if state.execution_date is not None else 0
    return view_of(current_facts(config, state, now), attributes=attributes)


def view_of(facts: ClusterFacts, *, attributes: bool = False) -> StatusView:
    """Shape the scheduler's facts for display."""
    nodes = {n.uname: n for n in facts.nodes}
    probes = _failed_probes(facts)
    return StatusView(
        nodes=tuple(_node(n, attributes) for n in facts.nodes),
        resources=tuple(_Shaper(nodes, probes, [n.uname for n in facts.nodes]).resource(r, r)
                        for r in facts.resources),
        failed_actions=tuple(_failed_action(f.rsc, f.node, f.op) for f in facts.failed_ops),
        have_quorum=facts.have_quorum, dc=facts.dc, stonith_enabled=facts.stonith_enabled,
        maintenance_mode=facts.maintenance_mode,
    )


_NO_ATTRS: Mapping[str, str] = MappingProxyType({})


def _node(n: NodeFacts, attributes: bool) -> NodeStatus:
    return NodeStatus(uname=n.uname, id=n.id, online=n.online, unclean=n.unclean, pending=n.pending,
                      standby=n.standby, standby_onfail=n.standby_onfail, maintenance=n.maintenance,
                      shutdown=n.shutdown, is_dc=n.is_dc, reason=n.unclean_reason,
                      active_resources=n.active_resources, attributes=n.attributes if attributes else _NO_ATTRS)


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
        if op.rc_code in (OcfRc.ERR_ARGS, OcfRc.ERR_INSTALLED) or op.op_status == ExecStatus.NOT_INSTALLED:
            rsc = _rsc_of_key(op)
            if rsc is not None:
                out.setdefault(rsc, []).append((op.on_node, op.rc_code))
    return out


def _failed_action(rsc: str, node: str, op: OpRecord) -> FailedAction:
    return FailedAction(rsc=rsc, node=node, key=op.operation_key or f"{rsc}_{op.operation}_{op.interval_ms}",
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

    def resource(self, r: ResourceFacts, top: ResourceFacts) -> ResourceStatus:
        children = tuple(self.resource(c, top) for c in r.children)
        if r.kind == "primitive":
            active = partial = self._active_primitive(r)
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
            stopped_on=stopped_on, children=children,
        )
