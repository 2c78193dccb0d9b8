"""References in crm text, resolved once the whole configuration is read.

    params $id-ref=ID        the attribute set ID -- or, as crmsh reads it, the first set of the
                             same kind (params, meta, ...) of the object ID
    params @ID / @ID:NAME    the value of the nvpair ID (`$ID:name=value`, `$name=value`, or the
                             nvpair `<set>-<name>` as the CIB names it), under its name or NAME
    rule $id-ref=ID          a copy of the rule ID
    operations $id-ref=ID    the operations named `operations $id=ID` -- or those of the resource ID

A resolved reference holds what it refers to, as the CIB import holds an
expanded id-ref: an attribute set keeps `id_ref` with the referenced set's id,
pairs, score and rule; an nvpair reference becomes the referenced pair (its
PairRef says where it came from); a rule becomes an equal copy (same id); a
resource keeps `ops_ref` with copies of the referenced operations. So the
scheduler never sees a reference, and the renderer writes each one again.

Imports nothing of hastack but errors and the model.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from hastack.didyoumean import did_you_mean
from hastack.errors import SourceLocation
from hastack.model.config import AttrSet, Configuration, PairRef, Primitive, Rule, Template

SET_FIELDS = {"params": "instance_attributes", "meta": "meta_attributes", "utilization": "utilization",
              "attributes": "instance_attributes", "properties": "cluster_property_set",
              "rsc_defaults": "meta_attributes", "op_defaults": "meta_attributes"}


@dataclass(frozen=True)
class Problem:
    message: str
    location: SourceLocation | None
    hint: str = ""


@dataclass
class _Index:
    sets: dict[str, AttrSet] = field(default_factory=dict)
    owner_sets: dict[str, dict[str, list[str]]] = field(default_factory=dict)  # object id -> kind -> set ids
    nvpairs: dict[str, tuple[str, str]] = field(default_factory=dict)
    derived_nvpairs: dict[str, tuple[str, str]] = field(default_factory=dict)
    rules: dict[str, Rule] = field(default_factory=dict)
    operations: dict[str, Primitive | Template] = field(default_factory=dict)


def is_rule_reference(rule: Rule) -> bool:
    """A `rule $id-ref=` as parsed: no expressions until resolved."""
    return not rule.expressions


def _walk(obj: object, owner: str | None, kind: str | None) -> Iterator[tuple[object, str | None, str | None]]:
    """Every dataclass in obj with the id of the object that owns it and the kind of set it would be."""
    if isinstance(obj, tuple):
        for item in obj:
            yield from _walk(item, owner, kind)
        return
    if not dataclasses.is_dataclass(obj) or isinstance(obj, type):
        return
    yield obj, owner, kind
    own = getattr(obj, "id", owner) if not isinstance(obj, AttrSet) else owner
    for f in dataclasses.fields(obj):
        value = getattr(obj, f.name)
        if isinstance(value, (tuple, Rule)) or dataclasses.is_dataclass(value):
            yield from _walk(value, own if isinstance(own, str) else owner, SET_FIELDS.get(f.name, kind))


def _parts(config: Configuration) -> Iterator[tuple[object, str | None, str | None]]:
    for name in ("nodes", "constraints", "properties", "rsc_defaults", "op_defaults", "alerts"):
        yield from _walk(getattr(config, name), None, SET_FIELDS.get(name))
    yield from _walk(tuple(config.resources.values()), None, None)


def _index(config: Configuration) -> _Index:
    ix = _Index()
    for obj, owner, kind in _parts(config):
        if isinstance(obj, AttrSet) and obj.id_ref is None:
            ix.sets.setdefault(obj.id, obj)
            if owner is not None and kind is not None:
                ix.owner_sets.setdefault(owner, {}).setdefault(kind, []).append(obj.id)
            for (name, value), (pair_id, ref) in zip(obj.pairs, obj.marks()):
                if pair_id is not None and ref is None:
                    ix.nvpairs.setdefault(pair_id, (name, value))
            for name, value in obj.pairs:
                if not name.startswith("@"):
                    ix.derived_nvpairs.setdefault(f"{obj.id}-{name}", (name, value))
        elif isinstance(obj, Rule) and not is_rule_reference(obj):
            ix.rules.setdefault(obj.id, obj)
        elif isinstance(obj, (Primitive, Template)) and obj.ops_id is not None and obj.ops_ref is None:
            ix.operations.setdefault(obj.ops_id, obj)
    return ix


def _rebuild(obj: Any, fn: Callable[[Any], Any]) -> Any:
    """obj with fn applied bottom-up to every dataclass in it (unchanged parts kept as they are)."""
    if isinstance(obj, tuple):
        items = tuple(_rebuild(x, fn) for x in obj)
        return items if any(a is not b for a, b in zip(items, obj)) else obj
    if isinstance(obj, Mapping):
        return {k: _rebuild(v, fn) for k, v in obj.items()}
    if not dataclasses.is_dataclass(obj) or isinstance(obj, type):
        return obj
    changes = {}
    for f in dataclasses.fields(obj):
        if not f.init:
            continue
        value = getattr(obj, f.name)
        new = _rebuild(value, fn)
        if new is not value:
            changes[f.name] = new
    return fn(dataclasses.replace(obj, **changes) if changes else obj)


class _Resolver:
    def __init__(self, ix: _Index, config: Configuration) -> None:
        self.ix = ix
        self.config = config
        self.problems: list[Problem] = []
        self.kind_of: dict[int, str | None] = {}

    def pairs(self, s: AttrSet) -> AttrSet:
        """The pairs with each reference resolved: a placeholder the parser left, or a pair resolved
        before (refreshed, as after a `load update` that changed what it refers to)."""
        if not s.pair_refs:
            return s
        by_placeholder = {(f"@{r.ref}:{r.name}" if r.renamed else f"@{r.ref}"): r for r in s.pair_refs}
        by_name = {r.name: r for r in s.pair_refs if r.name}
        pairs: list[tuple[str, str]] = []
        refs: list[PairRef] = []
        for name, value in s.pairs:
            ref = by_placeholder.get(name) if name.startswith("@") else None
            ref = ref or by_name.pop(name, None)
            if ref is None:
                pairs.append((name, value))
                continue
            target = self.ix.nvpairs.get(ref.ref) or self.ix.derived_nvpairs.get(ref.ref)
            if target is None:
                self.problems.append(Problem(
                    f"@{ref.ref} refers to no attribute", ref.location,
                    did_you_mean(ref.ref, list(self.ix.nvpairs),
                                 "give the attribute it refers to that id: $ID:NAME=VALUE, or $NAME=VALUE")))
                continue
            new_name = ref.name if ref.renamed else target[0]
            pairs.append((new_name, target[1]))
            refs.append(PairRef(new_name, ref.ref, ref.renamed, location=ref.location))
        return dataclasses.replace(s, pairs=tuple(pairs), pair_refs=tuple(refs))

    def set_ref(self, s: AttrSet, kind: str | None) -> AttrSet:
        assert s.id_ref is not None
        target_id = s.id_ref
        if target_id not in self.ix.sets and kind is not None:
            owned = self.ix.owner_sets.get(target_id, {}).get(kind)
            if owned:
                target_id = owned[0]  # crmsh: the object's first set of this kind
        target = self.ix.sets.get(target_id)
        if target is None:
            self.problems.append(Problem(
                f"$id-ref={s.id_ref} refers to no attribute set", s.location,
                did_you_mean(s.id_ref, list(self.ix.sets),
                             "name the set it refers to ($id=NAME after params/meta), or the object that has it")))
            return s
        return AttrSet(target.id, target.pairs, target.score, target.rule, id_ref=target.id, location=s.location)

    def rule(self, r: Rule) -> Rule:
        if not is_rule_reference(r):
            return r
        target = self.ix.rules.get(r.id)
        if target is None:
            self.problems.append(Problem(f"rule $id-ref={r.id} refers to no rule", r.location,
                                         did_you_mean(r.id, list(self.ix.rules), "name the rule: rule $id=NAME ...")))
            return r
        return target

    def operations(self, p: Primitive | Template) -> Primitive | Template:
        if p.ops_ref is None:
            return p
        target = self.ix.operations.get(p.ops_ref)
        ref = p.ops_ref
        if target is None:
            owner = self.config.resources.get(p.ops_ref)
            if isinstance(owner, (Primitive, Template)) and owner.ops_id is not None:
                target, ref = self.ix.operations.get(owner.ops_id), owner.ops_id
        if target is None:
            self.problems.append(Problem(
                f"operations $id-ref={p.ops_ref} refers to no operations", p.location,
                did_you_mean(p.ops_ref, list(self.ix.operations),
                             "name the operations it refers to: operations $id=NAME op ...")))
            return p
        return dataclasses.replace(p, ops=target.ops, ops_ref=ref)


def has_references(config: Configuration) -> bool:
    return any((isinstance(o, AttrSet) and (o.id_ref is not None or o.pair_refs))
               or (isinstance(o, Rule) and is_rule_reference(o))
               or (isinstance(o, (Primitive, Template)) and o.ops_ref is not None)
               for o, _, _ in _parts(config))


def resolve(config: Configuration) -> tuple[Configuration, list[Problem]]:
    """The configuration with every reference resolved (again, for those resolved before: what
    they name may have changed), and what could not be. Rule copies are not refreshed: a copy
    cannot be told from the rule it copies."""
    ix = _index(config)
    r = _Resolver(ix, config)
    # nvpair references first, so that a set referred to as a whole holds resolved pairs
    config = _rebuild(config, lambda o: r.pairs(o) if isinstance(o, AttrSet) else o)
    ix.sets = {k: r.pairs(v) for k, v in ix.sets.items()}
    config = _rebuild(config, lambda o: r.rule(o) if isinstance(o, Rule) else o)
    ix.sets = {k: dataclasses.replace(v, rule=r.rule(v.rule)) if v.rule is not None else v for k, v in ix.sets.items()}
    kinds = {id(o): kind for o, _, kind in _parts(config) if isinstance(o, AttrSet) and o.id_ref is not None}
    config = _rebuild(config, lambda o: r.set_ref(o, kinds.get(id(o))) if isinstance(o, AttrSet) and
                      o.id_ref is not None else o)
    r.ix.operations = _index(config).operations  # the operations as resolved above
    config = _rebuild(config, lambda o: r.operations(o) if isinstance(o, (Primitive, Template)) else o)
    return config, list(dict.fromkeys(r.problems))  # a set resolved in place and as a target: once
