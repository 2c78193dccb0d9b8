"""`load update` semantics: fold a new configuration into the stored one.

Objects with the id of a stored object replace it; new ones are added after
the stored ones; attribute sets of properties and defaults with the same id
merge name by name (a new value wins). Fencing levels are replaced as a
whole when the update has any. ACL roles, targets and alerts are replaced by
id like the other objects. References (`$id-ref`, `@ID`, `operations $id-ref`)
are resolved again in the result, as Pacemaker would read what they name now.
This is what `crm configure load update` does; `load replace` is simply the
new configuration.

Imports nothing of hastack but errors, the model and crm.refs.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TypeVar

from hastack.crm import refs
from hastack.errors import Collector
from hastack.model.acls import AclTarget
from hastack.model.config import AttrSet, Configuration

T = TypeVar("T")


def _by_id(old: tuple[T, ...], new: tuple[T, ...]) -> tuple[T, ...]:
    out: dict[str, T] = {getattr(o, "id"): o for o in old}
    for n in new:
        out[getattr(n, "id")] = n
    return tuple(out.values())


def _sets(old: tuple[AttrSet, ...], new: tuple[AttrSet, ...]) -> tuple[AttrSet, ...]:
    out: dict[str, AttrSet] = {s.id: s for s in old}
    for s in new:
        if s.id in out and s.rule is None and out[s.id].rule is None:
            pairs = dict(out[s.id].pairs)
            pairs.update(dict(s.pairs))
            out[s.id] = replace(s, pairs=tuple(pairs.items()))
        else:
            out[s.id] = s
    return tuple(out.values())


def _targets(old: tuple[AclTarget, ...], new: tuple[AclTarget, ...]) -> tuple[AclTarget, ...]:
    out = {(t.kind, t.id): t for t in old}
    out.update({(t.kind, t.id): t for t in new})
    return tuple(out.values())


def merge_update(old: Configuration, new: Configuration) -> Configuration:
    """Raises ConfigError when a reference no longer finds what it names."""
    resources = dict(old.resources)
    resources.update(new.resources)
    merged = Configuration(
        nodes=_by_id(old.nodes, new.nodes),
        resources=resources,
        constraints=_by_id(old.constraints, new.constraints),
        properties=_sets(old.properties, new.properties),
        rsc_defaults=_sets(old.rsc_defaults, new.rsc_defaults),
        op_defaults=_sets(old.op_defaults, new.op_defaults),
        fencing_topology=new.fencing_topology or old.fencing_topology,
        tags=_by_id(old.tags, new.tags),
        acl_roles=_by_id(old.acl_roles, new.acl_roles),
        acl_targets=_targets(old.acl_targets, new.acl_targets),
        alerts=_by_id(old.alerts, new.alerts),
    )
    if not refs.has_references(merged):
        return merged
    resolved, problems = refs.resolve(merged)
    out = Collector()
    for p in problems:
        out.error(p.message, p.location, p.hint)
    out.raise_if_errors()
    return resolved
