"""The cluster configuration as immutable data: Pacemaker's CIB configuration section.

Everything here is plain frozen data with no behaviour beyond derived views.
Resources live in one flat mapping by id; groups, clones and bundles name their
children by id (as crm shell does), and `parent_of` derives the containment.
Rules and attribute sets live in model.attrsets, ACLs in model.acls, alerts in
model.alerts (all re-exported here). Source locations are carried for error
messages but never compared.

Imports nothing of hastack beyond the model and errors.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import Enum
from functools import cached_property
from types import MappingProxyType
from typing import Union

from hastack.errors import SourceLocation
from hastack.model.acls import AclRole, AclTarget
from hastack.model.alerts import Alert
from hastack.model.attrsets import (  # re-exported: most of hastack takes them from here
    LOC, AttrSet, DateExpression, Expression, OpExpression, PairId, PairRef, RscExpression, Rule, RuleItem, merged,
)
from hastack.model.values import AgentRef, Role

__all__ = ["LOC", "AclRole", "AclTarget", "Alert", "AttrSet", "Bundle", "BundleMapping", "Clone", "Colocation",
           "Configuration", "Constraint", "DateExpression", "Expression", "FencingLevel", "Group", "Location",
           "OpExpression", "RscExpression",
           "Node", "Op", "Order", "OrderKind", "PairId", "PairRef", "Primitive", "Resource", "ResourceSet", "Rule",
           "RuleItem", "Tag", "Template", "Ticket", "merged"]


# --- resources ------------------------------------------------------------------

@dataclass(frozen=True)
class Op:
    """An operation definition: `op monitor interval=10s timeout=20s role=Promoted`."""

    id: str
    name: str
    interval_ms: int = 0
    timeout_ms: int | None = None
    role: Role | None = None
    on_fail: str | None = None
    enabled: bool = True
    # Other op attributes as written (start-delay, record-pending, requires, description, ...).
    attributes: tuple[tuple[str, str], ...] = ()
    params: tuple[AttrSet, ...] = ()  # op instance attributes (e.g. OCF_CHECK_LEVEL)
    meta: tuple[AttrSet, ...] = ()
    # The interval and timeout as typed, so exports keep the operator's spelling.
    interval_text: str | None = field(default=None, compare=False)
    timeout_text: str | None = field(default=None, compare=False)
    location: SourceLocation | None = LOC


@dataclass(frozen=True)
class Primitive:
    id: str
    agent: AgentRef | None  # None when the primitive uses a template
    template: str | None = None
    description: str | None = None
    params: tuple[AttrSet, ...] = ()
    meta: tuple[AttrSet, ...] = ()
    utilization: tuple[AttrSet, ...] = ()
    ops: tuple[Op, ...] = ()
    location: SourceLocation | None = LOC
    # The <operations> element's own id (crm `operations $id=X`), and the one it refers to
    # (`operations $id-ref=X`): then `ops` are the referenced operations, as Pacemaker expands them.
    ops_id: str | None = None
    ops_ref: str | None = None

    kind = "primitive"

    @property
    def children(self) -> tuple[str, ...]:
        return ()


@dataclass(frozen=True)
class Template:
    """rsc_template: a primitive body that primitives reference with `@ID`."""

    id: str
    agent: AgentRef
    description: str | None = None
    params: tuple[AttrSet, ...] = ()
    meta: tuple[AttrSet, ...] = ()
    utilization: tuple[AttrSet, ...] = ()
    ops: tuple[Op, ...] = ()
    location: SourceLocation | None = LOC
    ops_id: str | None = None  # as for Primitive
    ops_ref: str | None = None

    kind = "template"

    @property
    def children(self) -> tuple[str, ...]:
        return ()


@dataclass(frozen=True)
class Group:
    id: str
    members: tuple[str, ...]
    description: str | None = None
    params: tuple[AttrSet, ...] = ()
    meta: tuple[AttrSet, ...] = ()
    location: SourceLocation | None = LOC

    kind = "group"

    @property
    def children(self) -> tuple[str, ...]:
        return self.members


@dataclass(frozen=True)
class Clone:
    """clone, promotable clone (`clone X R meta promotable=true`) or legacy `ms`/<master>.

    `promotable` is the effective flag (from `ms`/<master> or meta promotable=true).
    """

    id: str
    child: str
    promotable: bool = False
    legacy_master: bool = False  # written as `ms` / <master>; exported the same way
    description: str | None = None
    params: tuple[AttrSet, ...] = ()
    meta: tuple[AttrSet, ...] = ()
    location: SourceLocation | None = LOC

    kind = "clone"

    @property
    def children(self) -> tuple[str, ...]:
        return (self.child,)


@dataclass(frozen=True)
class BundleMapping:
    """A bundle's port-mapping or storage-mapping: its id and its attributes as written
    (port, internal-port, range; source-dir, source-dir-root, target-dir, options)."""

    id: str
    attributes: tuple[tuple[str, str], ...]
    location: SourceLocation | None = LOC

    def get(self, name: str) -> str | None:
        return next((v for k, v in self.attributes if k == name), None)


@dataclass(frozen=True)
class Bundle:
    """A container bundle: `runtime` (docker, podman or rkt) with its options (image, replicas,
    ...), the network and its port mappings, storage mappings, and at most one primitive run
    inside each replica (named by id, like a group member). Attribute names are Pacemaker's."""

    id: str
    runtime: str
    runtime_options: tuple[tuple[str, str], ...] = ()
    network: tuple[tuple[str, str], ...] = ()
    port_mappings: tuple[BundleMapping, ...] = ()
    storage_mappings: tuple[BundleMapping, ...] = ()
    primitive: str | None = None
    description: str | None = None
    params: tuple[AttrSet, ...] = ()
    meta: tuple[AttrSet, ...] = ()
    location: SourceLocation | None = LOC

    kind = "bundle"

    @property
    def children(self) -> tuple[str, ...]:
        return (self.primitive,) if self.primitive is not None else ()

    def option(self, name: str) -> str | None:
        return next((v for k, v in self.runtime_options if k == name), None)


Resource = Union[Primitive, Group, Clone, Template, Bundle]


# --- constraints ------------------------------------------------------------------

class OrderKind(str, Enum):
    MANDATORY = "Mandatory"
    OPTIONAL = "Optional"
    SERIALIZE = "Serialize"


@dataclass(frozen=True)
class ResourceSet:
    id: str
    resources: tuple[str, ...]
    sequential: bool | None = None
    require_all: bool | None = None
    role: Role | None = None
    action: str | None = None
    score: int | None = None
    kind: OrderKind | None = None
    # a colocation set's direction: "group" (default: each member with the one before it) or
    # "listed" (each member with the one after it), as written
    ordering: str | None = None
    location: SourceLocation | None = LOC


@dataclass(frozen=True)
class Location:
    id: str
    rsc: str | None = None
    rsc_pattern: str | None = None
    score: int | None = None  # with `node`
    node: str | None = None
    rules: tuple[Rule, ...] = ()
    role: Role | None = None
    resource_discovery: str | None = None  # always never exclusive
    sets: tuple[ResourceSet, ...] = ()
    location: SourceLocation | None = LOC

    kind = "location"


@dataclass(frozen=True)
class Colocation:
    """`rsc` is placed relative to `with_rsc` (with_rsc is placed first)."""

    id: str
    score: int
    rsc: str | None = None
    with_rsc: str | None = None
    rsc_role: Role | None = None
    with_rsc_role: Role | None = None
    sets: tuple[ResourceSet, ...] = ()
    node_attribute: str | None = None
    influence: bool | None = None
    location: SourceLocation | None = LOC

    kind = "colocation"


@dataclass(frozen=True)
class Order:
    id: str
    first: str | None = None
    then: str | None = None
    first_action: str | None = None  # None = start
    then_action: str | None = None  # None = first_action
    order_kind: OrderKind | None = None  # None = Mandatory (unless score given)
    score: int | None = None  # legacy score form, as written in XML
    symmetrical: bool | None = None
    sets: tuple[ResourceSet, ...] = ()
    location: SourceLocation | None = LOC
    # deprecated Pacemaker spelling of clone-min=1 for a clone 'first' (ignored when it has clone-min)
    require_all: bool | None = None

    kind = "order"

    @property
    def effective_kind(self) -> OrderKind:
        if self.order_kind is not None:
            return self.order_kind
        if self.score is not None and self.score == 0:
            return OrderKind.OPTIONAL
        return OrderKind.MANDATORY

    @property
    def effective_symmetrical(self) -> bool:
        if self.symmetrical is not None:
            return self.symmetrical
        return self.effective_kind is not OrderKind.SERIALIZE


@dataclass(frozen=True)
class Ticket:
    id: str
    ticket: str
    rsc: str | None = None
    rsc_role: Role | None = None
    loss_policy: str | None = None
    sets: tuple[ResourceSet, ...] = ()
    location: SourceLocation | None = LOC

    kind = "rsc_ticket"


Constraint = Union[Location, Colocation, Order, Ticket]


# --- nodes, fencing, tags -----------------------------------------------------------

@dataclass(frozen=True)
class Node:
    id: str
    uname: str
    type: str = "member"  # member remote ping
    description: str | None = None
    attributes: tuple[AttrSet, ...] = ()
    utilization: tuple[AttrSet, ...] = ()
    location: SourceLocation | None = LOC


@dataclass(frozen=True)
class FencingLevel:
    id: str
    index: int
    devices: tuple[str, ...]
    target: str | None = None
    target_pattern: str | None = None
    target_attribute: str | None = None
    target_value: str | None = None
    location: SourceLocation | None = LOC


@dataclass(frozen=True)
class Tag:
    id: str
    refs: tuple[str, ...]
    location: SourceLocation | None = LOC


# --- the whole configuration -----------------------------------------------------------

@dataclass(frozen=True, eq=False)
class Configuration:
    """The CIB configuration section. `resources` keeps definition order."""

    nodes: tuple[Node, ...] = ()
    resources: Mapping[str, Resource] = field(default_factory=lambda: MappingProxyType({}))
    constraints: tuple[Constraint, ...] = ()
    properties: tuple[AttrSet, ...] = ()  # crm_config cluster_property_set
    rsc_defaults: tuple[AttrSet, ...] = ()
    op_defaults: tuple[AttrSet, ...] = ()
    fencing_topology: tuple[FencingLevel, ...] = ()
    tags: tuple[Tag, ...] = ()
    acl_roles: tuple[AclRole, ...] = ()
    acl_targets: tuple[AclTarget, ...] = ()  # acl_target and acl_group
    alerts: tuple[Alert, ...] = ()

    def __post_init__(self) -> None:
        if not isinstance(self.resources, MappingProxyType):
            object.__setattr__(self, "resources", MappingProxyType(dict(self.resources)))

    def _key(self) -> tuple[object, ...]:
        return (self.nodes, tuple(self.resources.items()), self.constraints, self.properties,
                self.rsc_defaults, self.op_defaults, self.fencing_topology, self.tags, self.acl_roles,
                self.acl_targets, self.alerts)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Configuration):
            return NotImplemented
        return self._key() == other._key()

    def __hash__(self) -> int:
        return hash(self._key())

    # Derived views ---------------------------------------------------------------
    # Each is computed once per Configuration and kept (cached_property writes the
    # instance's __dict__ directly, which a frozen dataclass allows): the value is
    # immutable, so a lookup per resource stays constant time and a whole pass over
    # the resources linear.

    @cached_property
    def parent_of(self) -> Mapping[str, str]:
        """child id -> id of the group or clone that contains it."""
        out: dict[str, str] = {}
        for r in self.resources.values():
            for c in r.children:
                out.setdefault(c, r.id)
        return MappingProxyType(out)

    @cached_property
    def top_level(self) -> tuple[Resource, ...]:
        """Resources not contained in a group or clone, in definition order (templates excluded)."""
        parents = self.parent_of
        return tuple(r for r in self.resources.values() if r.id not in parents and not isinstance(r, Template))

    def property(self, name: str, default: str | None = None) -> str | None:
        return merged(self.properties).get(name, default)

    @cached_property
    def _nodes_by_uname(self) -> Mapping[str, Node]:
        out: dict[str, Node] = {}
        for n in self.nodes:
            out.setdefault(n.uname, n)  # the first of a repeated name, as a scan would find it
        return MappingProxyType(out)

    def node_named(self, uname: str) -> Node | None:
        return self._nodes_by_uname.get(uname)
