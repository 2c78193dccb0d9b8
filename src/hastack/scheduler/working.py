"""The scheduler's working records: nodes, resources and actions while one decision is made.

These records are private to one `schedule()` call: each phase fills the
fields it owns (unpack: facts; assign: allocated_to/next_role; actions:
the action table) and the public Transition is built from them at the end.

Imports only the model.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import IntEnum

from hastack.model.attrsets import AttrSet
from hastack.model.config import Primitive
from hastack.model.values import AgentRef, Role


class R(IntEnum):
    """Roles ordered as Pacemaker compares them."""

    UNKNOWN = 0
    STOPPED = 1
    STARTED = 2
    UNPROMOTED = 3
    PROMOTED = 4

    @property
    def text(self) -> str:
        return _TEXT[self]

    @property
    def public(self) -> Role:
        return _PUBLIC[self]

    @classmethod
    def of(cls, role: Role | None) -> R:
        if role is None:
            return cls.UNKNOWN
        return _FROM_PUBLIC[role]


_TEXT = {R.UNKNOWN: "Unknown", R.STOPPED: "Stopped", R.STARTED: "Started",
         R.UNPROMOTED: "Unpromoted", R.PROMOTED: "Promoted"}
_PUBLIC = {R.UNKNOWN: Role.STOPPED, R.STOPPED: Role.STOPPED, R.STARTED: Role.STARTED,
           R.UNPROMOTED: Role.UNPROMOTED, R.PROMOTED: Role.PROMOTED}
_FROM_PUBLIC = {Role.STOPPED: R.STOPPED, Role.STARTED: R.STARTED,
                Role.UNPROMOTED: R.UNPROMOTED, Role.PROMOTED: R.PROMOTED}


@dataclass(eq=False)
class WNode:
    id: str
    uname: str
    index: int
    attrs: dict[str, str] = field(default_factory=dict)
    online: bool = False
    unclean: bool = False
    unseen: bool = True
    standby: bool = False
    standby_onfail: bool = False  # standby because a resource failed with on-fail=standby
    pending: bool = False
    maintenance: bool = False
    shutdown: bool = False
    expected_up: bool = False
    fence_reason: str | None = None
    num_resources: int = 0
    utilization: dict[str, int] = field(default_factory=dict)  # capacity not yet given to resources
    # Pacemaker Remote: a node of type remote, and the connection resource that makes it one
    remote: bool = False
    remote_rsc: "WRsc | None" = None
    requires_reset: bool = False  # remote_requires_reset: its connection must be re-established by fencing
    was_fenced: bool = False  # node_state's node_fenced: fenced since its connection was last up
    unpacked: bool = False  # its history has been read
    rsc_discovery: bool = True  # a remote node's resource-discovery-enabled attribute

    @property
    def base_weight(self) -> int:
        """The node's own score: offline or shutting-down cluster nodes are out of contention. A
        remote node's stays 0: Pacemaker sets it only for cluster nodes, when their status is read."""
        if self.remote:
            return 0
        return -1_000_000 if not self.online or self.shutdown else 0

    def available(self) -> bool:
        """Pacemaker's pcmk__node_available without the score test."""
        return (self.online and not self.shutdown and not self.unclean
                and not self.standby and not self.maintenance and not self.pending)


@dataclass(eq=False)
class Coloc:
    id: str
    dependent: "WRsc"
    primary: "WRsc"
    score: int
    dependent_role: R = R.UNKNOWN
    primary_role: R = R.UNKNOWN
    node_attribute: str | None = None
    influence: bool = True

    def has_influence(self, rsc: "WRsc | None" = None) -> bool:
        """pcmk__colocation_has_influence: the dependent's preferences move `rsc` (by default the
        primary) if the constraint's influence says so or rsc is not active yet -- never a clean
        container running on one node for its bundle connection's sake (moving a connection is
        cheap, moving a container interrupts the service)."""
        if rsc is None:
            rsc = self.primary
        if self.dependent.bundle is not None and self.dependent.is_remote_node and not rsc.failed \
                and len(rsc.running_on) == 1:
            return False
        return self.influence or not rsc.running_on


@dataclass(eq=False)
class Replica:
    """One replica of a bundle: its container, its address (if any), its guest node's connection
    and the node itself, and the instance of the bundle's primitive run there."""

    offset: int
    container: "WRsc"
    ip: "WRsc | None" = None
    remote: "WRsc | None" = None
    child: "WRsc | None" = None
    node: WNode | None = None


@dataclass(eq=False)
class WRsc:
    id: str
    variant: str  # primitive group clone
    meta: dict[str, str]
    parent: "WRsc | None" = None
    children: list["WRsc"] = field(default_factory=list)
    definition: Primitive | None = None
    params: tuple[AttrSet, ...] = ()  # a group's or clone's own instance attributes (its members inherit them)
    agent: AgentRef | None = None
    order: int = 0
    # meta-derived
    priority: int = 0
    stickiness: int = 0
    migration_threshold: int = 1_000_000
    failure_timeout: int = 0
    managed: bool = True
    unique: bool = False  # for a clone: globally-unique
    promotable: bool = False
    clone_max: int = 0
    clone_node_max: int = 1
    promoted_max: int = 1
    promoted_node_max: int = 1
    interleave: bool = False
    ordered: bool = False
    notify: bool = False
    recovery: str = "stop_start"
    needs: str = "quorum"  # nothing quorum fencing
    needs_unfencing: bool = False  # its node is unfenced before it is probed or started there
    # status facts
    orphan: bool = False
    failed: bool = False
    stop_flag: bool = False  # pe_rsc_stop: recovery needs a stop
    block: bool = False
    start_pending: bool = False
    reload: bool = False  # pe_rsc_reload: its agent reloads a changed definition (no restart)
    failure_ignored: bool = False
    role: R = R.STOPPED
    next_role: R = R.UNKNOWN
    next_role_reason: str = ""
    running_on: list[WNode] = field(default_factory=list)
    known_on: set[str] = field(default_factory=set)
    pending_task: str | None = None
    pending_node: WNode | None = None
    clone_name: str | None = None
    is_fence_device: bool = False
    is_remote_node: bool = False  # an ocf:pacemaker:remote connection: its id names a remote node
    container: "WRsc | None" = None  # meta container: the resource this one lives in
    fillers: list["WRsc"] = field(default_factory=list)  # the resources living in this one
    # location resource-discovery: per node, 1 never or 2 exclusive (absent: always); with
    # exclusive_discover, probes and placement only where an exclusive constraint says
    discover: dict[str, int] = field(default_factory=dict)
    exclusive_discover: bool = False
    reconnect_ms: int = 0  # a remote connection's reconnect_interval
    utilization: dict[str, int] = field(default_factory=dict)  # what the resource uses of a node
    # live migration (allow-migrate): a migrate_to that completed without its migrate_from
    # leaves a partial migration; one that completed with it leaves the source to stop (dangling)
    allow_migrate: bool = False
    partial_migration_source: WNode | None = None
    partial_migration_target: WNode | None = None
    partial_at_unpack: bool = False  # a partial migration target was read from history
    dangling_migrations: list[WNode] = field(default_factory=list)
    lock_node: WNode | None = None  # shutdown-lock: the node it stays with, while the lock holds
    lock_time: int = 0
    # assignment
    allowed: dict[str, int] | None = None
    allocated_to: WNode | None = None
    allocated_weight: int = 0  # the chosen node's score when assigned
    provisional: bool = True
    allocating: bool = False
    merging: bool = False
    this_with: list[Coloc] = field(default_factory=list)  # rsc_cons: self is dependent
    with_this: list[Coloc] = field(default_factory=list)  # rsc_cons_lhs: self is primary
    promotion_priority: int = 0
    stop_reasons: dict[str, str] = field(default_factory=dict)
    # a bundle (variant clone, its containers as instances): its replicas; a bundle's implicit
    # resource (address, connection, the clone of its primitive): the bundle
    replicas: list["Replica"] = field(default_factory=list)
    bundle: "WRsc | None" = None

    def top(self) -> "WRsc":
        r = self
        while r.parent is not None:
            r = r.parent
        return r

    def primitives(self) -> list["WRsc"]:
        if self.variant == "primitive":
            return [self]
        out: list[WRsc] = []
        for c in self.children:
            out.extend(c.primitives())
        return out

    def current_node(self) -> WNode | None:
        return self.running_on[0] if self.running_on else None

    def is_clone(self) -> bool:
        return self.variant == "clone"

    def clone_parent(self) -> "WRsc | None":
        r = self.parent
        while r is not None:
            if r.variant == "clone":
                return r
            r = r.parent
        return None
