"""Rules and attribute sets as immutable data: Pacemaker's <rule> and nvsets.

An attribute set (instance, meta, utilization, properties) holds its pairs as
Pacemaker reads them -- a pair that takes its value from another nvpair (a
reference) is already resolved -- plus what the text and the XML need to say
it again: the pairs whose id is spelled out (so others can refer to them), the
pairs that are references, and the names listed without a value (which
Pacemaker ignores).

Source locations are carried for error messages but never compared.

Imports nothing of hastack beyond errors and model.values.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Union

from hastack.errors import SourceLocation
from hastack.model.values import Role

# Source locations are for messages only: never part of equality or repr.
LOC = field(default=None, compare=False, repr=False)


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
class RscExpression:
    """A test of the resource an rsc_defaults/op_defaults rule is evaluated for: its agent's
    class, provider and type (an absent class or type matches any; an absent provider matches
    only an agent without one, as Pacemaker compares it)."""

    id: str
    cls: str | None = None
    provider: str | None = None
    type: str | None = None
    location: SourceLocation | None = LOC


@dataclass(frozen=True)
class OpExpression:
    """A test of the operation an op_defaults rule is evaluated for: its name, and its interval
    when one is written (as written: `10s`, `P10S`...)."""

    id: str
    name: str
    interval: str | None = None
    location: SourceLocation | None = LOC


@dataclass(frozen=True)
class Rule:
    """A rule. `score` None means none was written (Pacemaker then reads 0); crm text without a
    score means INFINITY, as crmsh writes it."""

    id: str
    expressions: tuple[RuleItem, ...]
    score: int | None = None
    score_attribute: str | None = None
    boolean_op: str = "and"
    role: Role | None = None
    location: SourceLocation | None = LOC


RuleItem = Union[Expression, DateExpression, RscExpression, OpExpression, Rule]


@dataclass(frozen=True)
class PairId:
    """An nvpair whose id is spelled out so that others can refer to it (crm `$id:name=value`,
    or `$name=value` when the id is the name)."""

    name: str
    id: str


@dataclass(frozen=True)
class PairRef:
    """An nvpair that takes its value from the nvpair with id `ref` (crm `@ref`; CIB
    `<nvpair id-ref>`). `renamed`: it has a name of its own (crm `@ref:name`)."""

    name: str
    ref: str
    renamed: bool = False
    location: SourceLocation | None = LOC


@dataclass(frozen=True)
class AttrSet:
    """An ordered set of name=value pairs (instance/meta/utilization/properties).

    Several sets may apply to one object; with rules and scores they are
    evaluated highest score first (Pacemaker's unpack_nvpair_blocks). A set
    written as a reference (`id_ref`) holds the referenced set's id and pairs.
    """

    id: str
    pairs: tuple[tuple[str, str], ...] = ()
    score: int | None = None
    rule: Rule | None = None
    id_ref: str | None = None
    location: SourceLocation | None = LOC
    pair_ids: tuple[PairId, ...] = ()
    pair_refs: tuple[PairRef, ...] = ()  # each names a pair of `pairs`, resolved
    unset: tuple[str, ...] = ()  # names written without a value: Pacemaker ignores them

    def get(self, name: str, default: str | None = None) -> str | None:
        for k, v in self.pairs:
            if k == name:
                return v
        return default

    def marks(self) -> list[tuple[str | None, PairRef | None]]:
        """For each pair in order: the id it has of its own and the reference it is, if any (a name
        given twice in a set is matched occurrence by occurrence)."""
        ids: dict[str, list[str]] = {}
        for p in self.pair_ids:
            ids.setdefault(p.name, []).append(p.id)
        refs: dict[str, list[PairRef]] = {}
        for r in self.pair_refs:
            refs.setdefault(r.name, []).append(r)
        return [(ids[k].pop(0) if ids.get(k) else None, refs[k].pop(0) if refs.get(k) else None)
                for k, _ in self.pairs]


def merged(sets: tuple[AttrSet, ...]) -> Mapping[str, str]:
    """Unconditional view of attribute sets: rule-less sets, highest score first, first value wins.

    Rule-bearing sets need a node/time context and are left to the scheduler.
    """
    ordered = sorted((s for s in sets if s.rule is None), key=lambda s: -(s.score or 0))
    return MappingProxyType(first_values(ordered))


def first_values(ordered: Iterable[AttrSet]) -> dict[str, str]:
    """The pairs of sets already in order, first value winning -- except that the value
    "#default" unsets a name (a later set may then set it), as Pacemaker's populate_hash has it."""
    out: dict[str, str] = {}
    for s in ordered:
        for k, v in s.pairs:
            if v.lower() == "#default":
                out.pop(k, None)
            else:
                out.setdefault(k, v)
    return out
