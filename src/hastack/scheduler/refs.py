"""Tag and template references in constraints, expanded into resource sets.

A constraint may name a tag (`<tag>`: a list of ids) or a resource template (every
primitive made from it) where a resource is expected. As Pacemaker does
(pcmk__expand_tags_in_sets, pcmk__tag_to_set), such a constraint is read as its set
form before anything else: a reference inside a resource set is replaced by the ids
it stands for, in place; a reference in a constraint's own resource attributes
becomes a non-sequential set named after the tag, the role (and for an ordering the
action) moving into the set, and for a colocation or ordering the other side becomes
a set of its own. A constraint with no reference is kept as it is.

Pure: a Configuration in, a Configuration out. Imports only the model.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping

from hastack.model.config import (
    Colocation, Configuration, Constraint, Location, Order, Primitive, ResourceSet, Template, Ticket,
)


def reference_table(config: Configuration) -> dict[str, tuple[str, ...]]:
    """Tag and template ids -> the resource ids they stand for (templates: in definition order)."""
    table: dict[str, list[str]] = {}
    for r in config.resources.values():
        if isinstance(r, Primitive) and r.template is not None:
            table.setdefault(r.template, []).append(r.id)
    for r in config.resources.values():
        if isinstance(r, Template):
            table.setdefault(r.id, [])
    for tag in config.tags:
        if tag.id not in config.resources:
            table.setdefault(tag.id, []).extend(tag.refs)
    return {k: tuple(v) for k, v in table.items()}


def expand_references(config: Configuration) -> Configuration:
    """config with every constraint that references a tag or template in its set form."""
    table = reference_table(config)
    if not table:
        return config
    out: list[Constraint] = []
    changed = False
    for c in config.constraints:
        new = _expand(c, table, config.resources)
        changed = changed or new is not c
        out.append(new)
    return dataclasses.replace(config, constraints=tuple(out)) if changed else config


def _is_ref(rid: str | None, table: Mapping[str, tuple[str, ...]], resources: Mapping[str, object]) -> bool:
    return rid is not None and rid in table  # templates, and tags that are not resource ids


def _expand_sets(sets: tuple[ResourceSet, ...], table: Mapping[str, tuple[str, ...]],
                 resources: Mapping[str, object]) -> tuple[ResourceSet, ...] | None:
    """The sets with references replaced in place, or None when there is none."""
    if not any(_is_ref(rid, table, resources) for s in sets for rid in s.resources):
        return None
    new = []
    for s in sets:
        ids: list[str] = []
        for rid in s.resources:
            ids.extend(table[rid] if _is_ref(rid, table, resources) else (rid,))
        new.append(dataclasses.replace(s, resources=tuple(ids)))
    return tuple(new)


def _as_set(rid: str, table: Mapping[str, tuple[str, ...]], resources: Mapping[str, object],
            **fields: object) -> ResourceSet:
    """pcmk__tag_to_set: a reference as a non-sequential set, a resource as a set of one."""
    if _is_ref(rid, table, resources):
        return ResourceSet(rid, table[rid], sequential=False, **fields)  # type: ignore[arg-type]
    return ResourceSet(rid, (rid,), **fields)  # type: ignore[arg-type]


def _expand(c: Constraint, table: Mapping[str, tuple[str, ...]], resources: Mapping[str, object]) -> Constraint:
    if c.sets:
        sets = _expand_sets(c.sets, table, resources)
        return c if sets is None else dataclasses.replace(c, sets=sets)
    if isinstance(c, Location):
        if not _is_ref(c.rsc, table, resources):
            return c
        assert c.rsc is not None
        # The role stays on the constraint: hastack applies a location's role to all its resources.
        return dataclasses.replace(c, rsc=None, sets=(_as_set(c.rsc, table, resources),))
    if isinstance(c, Ticket):
        if not _is_ref(c.rsc, table, resources):
            return c
        assert c.rsc is not None
        return dataclasses.replace(c, rsc=None, rsc_role=None,
                                   sets=(_as_set(c.rsc, table, resources, role=c.rsc_role),))
    if isinstance(c, Colocation):
        if not (_is_ref(c.rsc, table, resources) or _is_ref(c.with_rsc, table, resources)):
            return c
        if c.rsc is None or c.with_rsc is None:
            return c
        return dataclasses.replace(
            c, rsc=None, with_rsc=None, rsc_role=None, with_rsc_role=None,
            sets=(_as_set(c.rsc, table, resources, role=c.rsc_role),
                  _as_set(c.with_rsc, table, resources, role=c.with_rsc_role)))
    assert isinstance(c, Order)
    if not (_is_ref(c.first, table, resources) or _is_ref(c.then, table, resources)):
        return c
    if c.first is None or c.then is None:
        return c
    return dataclasses.replace(
        c, first=None, then=None, first_action=None, then_action=None,
        sets=(_as_set(c.first, table, resources, action=c.first_action),
              _as_set(c.then, table, resources, action=c.then_action)))
