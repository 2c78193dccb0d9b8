"""The cluster configuration as immutable data: Pacemaker's CIB configuration section.

Everything here is plain frozen data with no behaviour beyond derived views.
Resources live in one flat mapping by id; groups and clones name their
children by id (as crm shell does), and `parent_of` derives the containment.
Source locations are carried for error messages but never compared.

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
from hastack.model.values import AgentRef, Role

# Source locations are for messages only: never part of equality or repr.
LOC = field(default=None, compare=False, repr=False)


# --- rules and attribute sets -------------------------------------------------

@dataclass(frozen=True)
class Expression:
    """A node-attribute test: `#uname eq node1`, `defined rack`, `load integer:gt 5`."""

    id: str
    attribute: str
    operation: str  # lt gt lte gte eq ne defined not_defined
    value: str | None = None
    type: str | None = None  # string integer number version
    value_source: str | None = None  # literal param meta
    location: SourceLocation | None = LOC


@dataclass(frozen=True)
class DateExpression:
    id: str
    operation: str  # lt gt in_range date_spec
    start: str | None = None
    end: str | None = None
    duration: tuple[tuple[str, str], ...] = ()
    date_spec: tuple[tuple[str, str], ...] = ()
    location: SourceLocation | None = LOC


@dataclass(frozen=True)
class Rule:
    id: str
    expressions: tuple[RuleItem, ...]
    score: int | None = None
    score_attribute: str | None = None
    boolean_op: str = "and"
    role: Role | None = None
    location: SourceLocation | None = LOC


RuleItem = Union[Expression, DateExpression, Rule]


@dataclass(frozen=True)
class AttrSet:
    """An ordered set of name=value pairs (instance/meta/utilization/properties).

    Several sets may apply to one object; with rules and scores they are
    evaluated highest score first (Pacemaker's unpack_nvpair_blocks).
    """

    id: str
    pairs: tuple[tuple[str, str], ...] = ()
    score: int | None = None
    rule: Rule | None = None
    id_ref: str | None = None
    location: SourceLocation | None = LOC

    def get(self, name: str, default: str | None = None) -> str | None:
        for k, v in self.pairs:
            if k == name:
                return v
        return default


def merged(sets: tuple[AttrSet, ...]) -> Mapping[str, str]:
    """Unconditional view of attribute sets: rule-less sets, highest score first, first value wins.

    Rule-bearing sets need a node/time context and are left to the scheduler.
    """
    ordered = sorted((s for s in sets if s.rule is None), key=lambda s: -(s.score or 0))
    out: dict[str, str] = {}
    for s in ordered:
        for k, v in s.pairs:
            out.setdefault(k, v)
    return MappingProxyType(out)


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


Resource = Union[Primitive, Group, Clone, Template]


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

    def __post_init__(self) -> None:
        if not isinstance(self.resources, MappingProxyType):
            object.__setattr__(self, "resources", MappingProxyType(dict(self.resources)))

    def _key(self) -> tuple[object, ...]:
        return (self.nodes, tuple(self.resources.items()), self.constraints, self.properties,
                self.rsc_defaults, self.op_defaults, self.fencing_topology, self.tags)

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
