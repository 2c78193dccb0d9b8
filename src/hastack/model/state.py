"""Cluster state as immutable data: Pacemaker's CIB status section and the cib header.

What the cluster knows as facts: which nodes are members, what every node's
executor last reported for every resource (the operation history), transient
node attributes (fail counts, promotion scores, standby), ticket states — the input the
scheduler reads alongside the configuration.

Imports nothing of hastack beyond the model and errors.

The records use __slots__: a big status section holds hundreds of thousands of
OpRecords (216 bytes each slotted, 280 with a __dict__ on CPython 3.11).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

from hastack.model.values import AgentRef, is_true


# The CRM feature set hastack records results with (Pacemaker 2.1.5's); a state read from
# hastack's store carries it in its header, as a controller's CIB does.
FEATURE_SET = "3.16.1"


@dataclass(frozen=True, slots=True)
class OpRecord:
    """One lrm_rsc_op: the result of one operation of one resource on one node."""

    id: str
    operation: str  # start stop monitor promote demote notify migrate_to ...
    call_id: int
    rc_code: int
    op_status: int  # executor status: 0 done, 1 cancelled, 2 timeout, 3 not supported, 4 error, -1 pending ...
    interval_ms: int = 0
    operation_key: str | None = None
    transition_key: str | None = None
    transition_magic: str | None = None
    last_rc_change: int | None = None  # epoch seconds
    last_run: int | None = None
    exec_time: int | None = None  # ms
    queue_time: int | None = None
    op_digest: str | None = None
    op_restart_digest: str | None = None
    op_force_restart: str | None = None
    op_secure_digest: str | None = None
    op_secure_params: str | None = None
    on_node: str | None = None
    exit_reason: str | None = None
    crm_feature_set: str | None = None
    # Attributes we keep only to export them again (crm-debug-origin, migrate_source, ...).
    extra: tuple[tuple[str, str], ...] = ()

    @property
    def migrate_source(self) -> str | None:
        """For migrate_to/migrate_from: the node the resource migrates from."""
        return self._extra_value("migrate_source")

    @property
    def migrate_target(self) -> str | None:
        """For migrate_to/migrate_from: the node the resource migrates to."""
        return self._extra_value("migrate_target")

    def _extra_value(self, name: str) -> str | None:
        for k, v in self.extra:
            if k == name:
                return v
        return None

    @property
    def expected_rc(self) -> int | None:
        """The rc the controller expected, from transition-key `action:transition:target_rc:uuid`."""
        if not self.transition_key:
            return None
        parts = self.transition_key.split(":", 3)
        if len(parts) >= 3:
            try:
                return int(parts[2])
            except ValueError:
                return None
        return None


@dataclass(frozen=True, slots=True)
class ResourceHistory:
    """lrm_resource: all recorded operations of one resource (instance) on one node."""

    id: str  # as recorded: may be a clone instance like "child:1" or an orphan
    agent: AgentRef | None
    ops: tuple[OpRecord, ...] = ()
    container: str | None = None
    shutdown_lock: int | None = None  # when a clean shutdown of the node stopped it (shutdown-lock)


@dataclass(frozen=True, slots=True)
class NodeState:
    """node_state: membership facts, operation history and transient attributes of one node."""

    id: str
    uname: str
    in_ccm: str | None = None  # "true"/"false" or a timestamp (newer CIBs)
    crmd: str | None = None  # "online"/"offline" or a timestamp
    join: str | None = None  # member down pending banned
    expected: str | None = None  # member down
    ha: str | None = None  # legacy heartbeat field
    shutdown: str | None = None
    resources: tuple[ResourceHistory, ...] = ()
    attributes: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))  # transient
    extra: tuple[tuple[str, str], ...] = ()

    def __post_init__(self) -> None:
        if not isinstance(self.attributes, MappingProxyType):
            object.__setattr__(self, "attributes", MappingProxyType(dict(self.attributes)))

    def __hash__(self) -> int:
        return hash((self.id, self.uname, self.resources, tuple(sorted(self.attributes.items()))))

    def history(self, rsc_id: str) -> ResourceHistory | None:
        for r in self.resources:
            if r.id == rsc_id:
                return r
        return None


@dataclass(frozen=True, slots=True)
class TicketState:
    """ticket_state: what the cluster knows of one ticket (booth, geo clusters).

    `attributes` keeps every attribute but the id, as written; a ticket is granted
    only when `granted` is true, and in standby when `standby` is true."""

    id: str
    attributes: tuple[tuple[str, str], ...] = ()

    def _flag(self, name: str) -> bool:
        return is_true(dict(self.attributes).get(name), default=False)

    @property
    def granted(self) -> bool:
        return self._flag("granted")

    @property
    def standby(self) -> bool:
        return self._flag("standby")


@dataclass(frozen=True, slots=True)
class ClusterState:
    """The status section plus the header facts the scheduler uses."""

    nodes: Mapping[str, NodeState] = field(default_factory=lambda: MappingProxyType({}))  # by node id
    have_quorum: bool = True
    dc_uuid: str | None = None
    execution_date: int | None = None  # epoch seconds fixed by the CIB (crm_simulate honours it)
    # cib element attributes kept for export (epoch, num_updates, admin_epoch, validate-with, ...).
    header: tuple[tuple[str, str], ...] = ()
    tickets: tuple[TicketState, ...] = ()  # the <tickets> of the status section, in document order

    def __post_init__(self) -> None:
        if not isinstance(self.nodes, MappingProxyType):
            object.__setattr__(self, "nodes", MappingProxyType(dict(self.nodes)))

    def __hash__(self) -> int:
        return hash((tuple(self.nodes.items()), self.have_quorum, self.dc_uuid, self.tickets))

    def node_by_uname(self, uname: str) -> NodeState | None:
        for n in self.nodes.values():
            if n.uname == uname:
                return n
        return None
