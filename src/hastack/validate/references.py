"""References between objects and the uniqueness of ids.

Owns: undefined references (group members, clone child, bundle primitive,
template, constraint resources, tag members, fence devices, ACL roles and
references), duplicate node names, duplicate ids (every id of a CIB is global, nested ones included;
a rule or operations written as a reference is a copy, not a second
definition), a resource in two containers or twice in one group, containers
holding what they cannot hold, and what Pacemaker needs to reach a bundle's
primitive.

Imports nothing of hastack but errors, the model and validate.report.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from hastack.didyoumean import closest
from hastack.errors import SourceLocation
from hastack.model.config import (
    AttrSet, Bundle, Clone, Colocation, Configuration, Constraint, Group, Location, Node, Order, Primitive, Rule,
    Template, Ticket,
)
from hastack.validate.report import Reporter


def missing(rep: Reporter, owner: str, ref: str, known: list[str], loc: SourceLocation | None,
            what: str, fix: str) -> None:
    best = closest(ref, known)
    hint = f"did you mean {best!r}? ({best} is defined)" if best else fix
    rep.error(f"{owner} refers to {ref!r}, which is not defined{what}", loc, hint, word=ref)


def constraint_refs(c: Constraint) -> list[str]:
    refs: list[str] = []
    if isinstance(c, Location):
        refs += [c.rsc] if c.rsc else []
    elif isinstance(c, Colocation):
        refs += [r for r in (c.rsc, c.with_rsc) if r]
    elif isinstance(c, Order):
        refs += [r for r in (c.first, c.then) if r]
    elif isinstance(c, Ticket):
        refs += [c.rsc] if c.rsc else []
    for s in c.sets:
        refs += list(s.resources)
    return refs


def check_references(config: Configuration, rep: Reporter) -> None:
    resources = config.resources
    names = list(resources)
    targets = names + [t.id for t in config.tags]
    container_of: dict[str, str] = {}
    for r in resources.values():
        if isinstance(r, Group):
            _group(config, r, rep, names, container_of)
        elif isinstance(r, Clone):
            _clone(config, r, rep, names, container_of)
        elif isinstance(r, Bundle):
            _bundle(config, r, rep, names, container_of)
        elif isinstance(r, Primitive) and r.template is not None:
            t = resources.get(r.template)
            if not isinstance(t, Template):
                templates = [x.id for x in resources.values() if isinstance(x, Template)]
                if t is None:
                    missing(rep, r.id, r.template, templates, r.location, " (a template is defined with rsc_template)",
                            f"define it: rsc_template {r.template} CLASS:PROVIDER:TYPE ...")
                else:
                    rep.error(f"{r.id} uses @{r.template}, which is a {t.kind}, not an rsc_template", r.location,
                              word="@" + r.template)
    for c in config.constraints:
        for ref in constraint_refs(c):
            if ref not in resources and ref not in targets:
                missing(rep, c.id, ref, targets, c.location, "", f"define {ref} or remove it from {c.id}")
    for tag in config.tags:
        for ref in tag.refs:
            if ref not in targets:
                missing(rep, f"tag {tag.id}", ref, targets, tag.location, "", f"define {ref} or remove it from the tag")
    for lv in config.fencing_topology:
        for dev in lv.devices:
            if dev not in resources:
                missing(rep, "fencing_topology", dev, names, lv.location, "",
                        f"define the fence device: primitive {dev} stonith:fence_... params ...")
    _node_names(config, rep)
    _acls(config, rep)


def _acls(config: Configuration, rep: Reporter) -> None:
    roles = [r.id for r in config.acl_roles]
    for t in config.acl_targets:
        for name in t.roles:
            if name not in roles:
                missing(rep, f"{t.kind} {t.id}", name, roles, t.location, " (roles are defined with `role`)",
                        f"define it: role {name} read ...")
    known = {i for i, _, _ in all_ids(config)}
    for role in config.acl_roles:
        for p in role.permissions:
            if p.reference is not None and p.reference not in known:
                missing(rep, f"role {role.id}", p.reference, sorted(known), p.location, "",
                        "ref: names the id of an element of the configuration")


def _bundle(config: Configuration, b: Bundle, rep: Reporter, names: list[str], container_of: dict[str, str]) -> None:
    if b.primitive is None:
        return
    child = config.resources.get(b.primitive)
    if child is None:
        missing(rep, f"bundle {b.id}", b.primitive, names, b.location, "", f"define {b.primitive} (primitive ...)")
        return
    if not isinstance(child, Primitive):
        rep.error(f"bundle {b.id} runs {b.primitive}, which is a {child.kind}; a bundle runs a primitive", b.location,
                  word=b.primitive)
        return
    _claim(rep, container_of, b.primitive, f"bundle {b.id}", b.location)
    net = dict(b.network)
    if "ip-range-start" not in net and "control-port" not in net:
        rep.error(f"bundle {b.id} runs {b.primitive} but gives Pacemaker no way to reach it; Pacemaker ignores "
                  "the bundle", b.location, "add network ip-range-start=ADDRESS (an address per replica) or "
                  "network control-port=PORT")


def _group(config: Configuration, g: Group, rep: Reporter, names: list[str], container_of: dict[str, str]) -> None:
    seen: set[str] = set()
    for m in g.members:
        if m in seen:
            rep.error(f"{m} is listed twice in group {g.id}", g.location,
                      "list each member once; the order of the list is the start order", word=m)
            continue
        seen.add(m)
        member = config.resources.get(m)
        if member is None:
            missing(rep, f"group {g.id}", m, names, g.location, "",
                    f"define {m} (primitive {m} ...) or remove it from the group")
            continue
        if not isinstance(member, Primitive):
            rep.error(f"group {g.id} contains {m}, which is a {member.kind}; groups contain primitives only",
                      g.location, "clone the group instead of grouping a clone; nest no groups", word=m)
            continue
        _claim(rep, container_of, m, f"group {g.id}", g.location)


def _clone(config: Configuration, c: Clone, rep: Reporter, names: list[str], container_of: dict[str, str]) -> None:
    child = config.resources.get(c.child)
    word = "ms" if c.legacy_master else "clone"
    if child is None:
        missing(rep, f"{word} {c.id}", c.child, names, c.location, "",
                f"define {c.child} or clone an existing primitive or group")
        return
    if not isinstance(child, (Primitive, Group)):
        rep.error(f"{word} {c.id} contains {c.child}, which is a {child.kind}; a clone contains a primitive or a group",
                  c.location, word=c.child)
        return
    _claim(rep, container_of, c.child, f"{word} {c.id}", c.location)


def _claim(rep: Reporter, container_of: dict[str, str], child: str, owner: str, loc: SourceLocation | None) -> None:
    if child in container_of:
        rep.error(f"{child} is already in {container_of[child]}; it cannot also be in {owner}", loc,
                  "a resource belongs to at most one group, clone or bundle", word=child)
    else:
        container_of[child] = owner


def _node_names(config: Configuration, rep: Reporter) -> None:
    if not config.nodes:
        return
    unames = [n.uname for n in config.nodes]
    first: dict[str, Node] = {}
    for n in config.nodes:
        if n.uname in first:
            other = first[n.uname]
            where = f" at {other.location}" if other.location else ""
            rep.error(f"duplicate node name {n.uname!r}: node {n.id!r} has the name of node {other.id!r}{where}",
                      n.location, "a node name is the host's name, one node entry per host: delete one of them "
                      "(or rename it, if it is another host)", word=n.uname)
        else:
            first.setdefault(n.uname, n)
    for c in config.constraints:
        if isinstance(c, Location) and c.node is not None and c.node not in unames:
            best = closest(c.node, unames)
            rep.warn(f"location {c.id} names node {c.node!r}, which is not a defined node", c.location,
                     f"did you mean {best!r}?" if best else "nodes: " + ", ".join(unames), word=c.node)


# --- duplicate ids ---------------------------------------------------------------------

def _set_ids(sets: tuple[AttrSet, ...]) -> Iterator[tuple[str, str, SourceLocation | None]]:
    for s in sets:
        if s.id_ref is None:
            yield s.id, "attribute set", s.location
            for p in s.pair_ids:
                yield p.id, "nvpair", s.location
            if s.rule is not None:
                yield from _rule_ids(s.rule)


def _rule_ids(rule: Rule) -> Iterator[tuple[str, str, SourceLocation | None]]:
    yield rule.id, "rule", rule.location
    for item in rule.expressions:
        if isinstance(item, Rule):
            yield from _rule_ids(item)
        else:
            yield item.id, "expression", item.location


def all_ids(config: Configuration) -> Iterator[tuple[str, str, SourceLocation | None]]:
    """Every XML id the configuration defines (a rule written as a reference comes again, equal)."""
    for n in config.nodes:
        yield n.id, "node", n.location
        yield from _set_ids(n.attributes + n.utilization)
    for r in config.resources.values():
        yield r.id, r.kind, r.location
        yield from _set_ids(r.params + r.meta + getattr(r, "utilization", ()))
        if isinstance(r, (Primitive, Template)) and r.ops_ref is None:
            if r.ops_id is not None:
                yield r.ops_id, "operations", r.location
            for op in r.ops:
                yield op.id, "op", op.location
                yield from _set_ids(op.params + op.meta)
        if isinstance(r, Bundle):
            for m in r.port_mappings + r.storage_mappings:
                yield m.id, "bundle mapping", m.location or r.location
    for c in config.constraints:
        yield c.id, c.kind, c.location
        for s in c.sets:
            yield s.id, "resource set", s.location
        for rule in getattr(c, "rules", ()):
            yield from _rule_ids(rule)
    for t in config.tags:
        yield t.id, "tag", t.location
    yield from _set_ids(config.properties + config.rsc_defaults + config.op_defaults)
    for lv in config.fencing_topology:
        yield lv.id, "fencing level", lv.location
    for role in config.acl_roles:
        yield role.id, "role", role.location
        for p in role.permissions:
            yield p.id, "permission", p.location or role.location
    for g in config.acl_targets:
        if g.is_group:  # an acl_target's id is a user name, not an XML id
            yield g.id, "acl_group", g.location
    for a in config.alerts:
        yield a.id, "alert", a.location
        yield from _set_ids(a.attributes + a.meta)
        for sel in a.select_attributes:
            yield sel.id, "selected attribute", a.location
        for rec in a.recipients:
            yield rec.id, "recipient", rec.location or a.location
            yield from _set_ids(rec.attributes + rec.meta)


def _rules_by_id(config: Configuration) -> dict[str, list[Rule]]:
    found: dict[str, list[Rule]] = {}

    def add(rule: Rule | None) -> None:
        if rule is not None:
            found.setdefault(rule.id, []).append(rule)

    sets = [s for r in config.resources.values() for s in r.params + r.meta + getattr(r, "utilization", ())]
    sets += [s for n in config.nodes for s in n.attributes + n.utilization]
    sets += list(config.properties + config.rsc_defaults + config.op_defaults)
    for s in sets:
        if s.id_ref is None:
            add(s.rule)
    for c in config.constraints:
        for rule in getattr(c, "rules", ()):
            add(rule)
    return found


def check_duplicates(config: Configuration, rep: Reporter) -> None:
    first: dict[str, tuple[str, SourceLocation | None]] = {}
    # A rule written as `rule $id-ref=` is held as an equal copy of the one it names: its ids come again.
    copies = {i for i, rules in _rules_by_id(config).items() if len(rules) > 1 and all(r == rules[0] for r in rules)}
    copied_ids = {i for r in _rules_by_id(config).values() if r[0].id in copies for i, _, _ in _rule_ids(r[0])}
    for obj_id, kind, loc in all_ids(config):
        if obj_id in first:
            other_kind, other_loc = first[obj_id]
            if obj_id in copied_ids and other_kind == kind:
                continue
            where = f" (at {other_loc})" if other_loc else ""
            rep.error(f"duplicate id {obj_id!r}: this {kind} has the id of a {other_kind}{where}", loc,
                      "every id in a configuration must be unique; rename one of them", word=obj_id)
        else:
            first[obj_id] = (kind, loc)
