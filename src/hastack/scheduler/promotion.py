"""Promotion: which instances of a promotable clone become Promoted.

Owns Pacemaker's promotion rules: promotion scores from the `master-<rsc>`
node attributes (only where the instance was probed), Promoted-role
location constraints, role colocations, promoted-max/promoted-node-max, and
the resulting next roles.

Imports only the model and the scheduler's own modules.
"""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING

from hastack.model import scores
from hastack.model.config import Location
from hastack.scheduler.clones import cmp_instance, find_compatible_child, instance_location, instance_state
from hastack.scheduler.bundle import child_clone
from hastack.scheduler.guest import attribute_source, guest_host_rsc, is_guest
from hastack.scheduler.rules import eval_rule, rule_score
from hastack.scheduler.failcounts import base_name
from hastack.scheduler.working import Coloc, R, WNode, WRsc

if TYPE_CHECKING:
    from hastack.scheduler.assign import Assigner

INF = scores.INFINITY


def _score_applies(a: Assigner, r: WRsc, node: WNode) -> bool:
    clone = r.top()
    rid = base_name(r.id)
    anonymous = not clone.unique

    def allowed() -> bool:
        return (r.allowed or {}).get(node.uname, -INF) >= 0

    if anonymous:
        active = None
        for inst in clone.children:
            for p in inst.primitives():
                if base_name(p.id) == rid and node in p.running_on:
                    active = p
                    break
            if active is not None:
                break
        if active is r:
            return allowed()
        if active is None:
            for inst in clone.children:
                for p in inst.primitives():
                    if base_name(p.id) == rid and node.uname in p.known_on:
                        return allowed()
    if not r.running_on and not r.known_on:
        return allowed()
    if node.uname in r.known_on or node in r.running_on:
        return allowed()
    return False


def promotion_score(a: Assigner, r: WRsc, node: WNode) -> tuple[int, bool]:
    """(score, is_default)"""
    if r.children:
        total, default = 0, True
        for c in r.children:
            s, d = promotion_score(a, c, node)
            if not d:
                default = False
            total += s
        return total, default
    if not _score_applies(a, r, node):
        return 0, True
    name = r.clone_name or r.id
    attrs = attribute_source(r, node) or {}
    value = attrs.get(f"master-{name}")
    if value is None and not r.top().unique:
        base = base_name(r.id)
        if base != r.id:
            value = attrs.get(f"master-{base}")
    if value is None:
        return 0, True
    try:
        return scores.parse(value), False
    except Exception:
        return 0, False


def add_promotion_scores(a: Assigner, clone: WRsc) -> None:
    for child in clone.children:
        for uname in list((child.allowed or {}).keys()):
            node = a.node.get(uname)
            if node is None or not node.available():
                continue
            s, _ = promotion_score(a, child, node)
            if s > 0:
                child.allowed[uname] = scores.add(child.allowed[uname], s)  # type: ignore[index]
            if s > child.priority:
                child.priority = s


def _set_role_unpromoted_current(r: WRsc) -> None:
    if r.role == R.STARTED:
        r.role = R.UNPROMOTED
    for c in r.children:
        _set_role_unpromoted_current(c)


def _set_next_unpromoted(r: WRsc) -> None:
    if instance_location(r, False) is None:
        r.next_role = R.STOPPED
    else:
        r.next_role = R.UNPROMOTED
    for c in r.children:
        _set_next_unpromoted(c)


def _set_next_promoted(r: WRsc) -> None:
    if r.next_role == R.UNKNOWN:
        r.next_role = R.PROMOTED
    for c in r.children:
        _set_next_promoted(c)


def _promoted_locations(a: Assigner, clone: WRsc, inst: WRsc, chosen: WNode) -> None:
    ids = {clone.id, inst.id}
    for c in a.config.constraints:
        if not isinstance(c, Location):
            continue
        target = a.constraint_rsc(c.rsc) if c.rsc else None
        if target is not None and target.replicas:
            target = child_clone(target)  # pcmk__bundle_rsc_location: a role's location is its clone's
        if target is None or target.id not in ids:
            continue
        if c.node is not None:
            if c.role is not None and R.of(c.role) == R.PROMOTED and c.node == chosen.uname and c.score is not None:
                inst.priority = scores.add(inst.priority, c.score)
            continue
        for rule in c.rules:
            role = rule.role if rule.role is not None else c.role
            if role is None or R.of(role) != R.PROMOTED:
                continue
            if not eval_rule(rule, chosen.attrs, a.u.now):
                continue
            inst.priority = scores.add(inst.priority, rule_score(rule, chosen.attrs))


def _set_instance_priority(a: Assigner, clone: WRsc, inst: WRsc, sort_index: dict[str, int]) -> None:
    if instance_state(inst, True) == R.STARTED:
        _set_role_unpromoted_current(inst)
    chosen = instance_location(inst, False)
    if chosen is None:
        return
    nr = instance_state(inst, False)
    if nr in (R.STARTED, R.UNKNOWN):
        s, default = promotion_score(a, inst, chosen)
        inst.priority = -1 if default else s
    elif nr in (R.UNPROMOTED, R.STOPPED):
        inst.priority = -INF
    _promoted_locations(a, clone, inst, chosen)
    for c in list(inst.this_with):
        a.apply_coloc_for_dependent(inst, c.primary, c)
    if inst.variant == "group" and inst.children:
        first = inst.children[0]
        for c in list(first.this_with):
            if c.primary.variant == "clone" and c.dependent_role == R.PROMOTED:
                a.apply_coloc(inst, c.primary, c)
    sort_index[inst.id] = INF if nr == R.PROMOTED else inst.priority


def set_instance_roles(a: Assigner, clone: WRsc) -> None:
    counts: dict[str, int] = {}
    sort_index: dict[str, int] = {}
    for inst in clone.children:
        sort_index.setdefault(inst.id, 0)
        _set_instance_priority(a, clone, inst, sort_index)
    # merge weights (sort_promotable_instances)
    table = clone.allowed if clone.allowed is not None else {}
    for inst in clone.children:
        si = sort_index[inst.id]
        chosen = instance_location(inst, False)
        if si < 0 or chosen is None:
            continue
        table[chosen.uname] = scores.add(si, table.get(chosen.uname, 0))
    for c in clone.this_with:
        if c.dependent_role != R.PROMOTED:
            continue
        res = a.add_colocated_scores(c.primary, dict(table), c.node_attribute, c.score / INF,
                                     active=c.score < INF)
        if res is not None:
            table = res
    for c in clone.with_this:
        if c.primary_role != R.PROMOTED or not c.has_influence():
            continue
        res = a.add_colocated_scores(c.dependent, dict(table), c.node_attribute, c.score / INF,
                                     active=True, nonnegative=True)
        if res is not None:
            table = res
    if clone.id in a.u.promotion_needs_ticket:  # pcmk__require_promotion_tickets
        for n in a.u.nodes:
            table[n.uname] = scores.add(table.get(n.uname, 0), -INF) if n.uname in table else -INF
    clone.allowed = table
    for inst in clone.children:
        chosen = instance_location(inst, False)
        prims = inst.primitives()
        if not all(p.managed for p in prims) and instance_state(inst, False) == R.PROMOTED:
            sort_index[inst.id] = INF
        elif chosen is not None and sort_index[inst.id] >= 0:
            sort_index[inst.id] = table.get(chosen.uname, 0)
    a.promotion_scores[clone.id] = dict(sort_index)

    def cmp(x: WRsc, y: WRsc) -> int:
        sx, sy = sort_index[x.id], sort_index[y.id]
        if sx != sy:
            return -1 if sx > sy else 1
        rx, ry = instance_state(x, True), instance_state(y, True)
        if rx != ry:
            return -1 if rx > ry else 1
        return cmp_instance(a, clone, x, y)
    clone.children.sort(key=functools.cmp_to_key(cmp))
    promoted = 0
    for inst in clone.children:
        chosen: WNode | None = None
        if sort_index[inst.id] < 0:
            pass
        elif promoted < clone.promoted_max or not clone.managed:
            chosen = _node_to_promote_on(a, clone, inst, counts)
        if chosen is None:
            _set_next_unpromoted(inst)
            continue
        if inst.role < R.PROMOTED and not a.u.options.have_quorum and a.u.options.no_quorum_policy == "freeze":
            _set_next_unpromoted(inst)
            continue
        counts[chosen.uname] = counts.get(chosen.uname, 0) + 1
        _set_next_promoted(inst)
        promoted += 1


def _node_to_promote_on(a: Assigner, clone: WRsc, r: WRsc, counts: dict[str, int]) -> WNode | None:
    for c in r.children:
        if _node_to_promote_on(a, clone, c, {}) is None and False:
            return None
    node = instance_location(r, False)
    if node is None:
        return None
    prims = r.primitives()
    managed = all(p.managed for p in prims)
    if not managed:
        if instance_state(r, True) != R.PROMOTED:
            return None
    elif r.priority < 0:
        return None
    elif not node.available() or (is_guest(node) and guest_host_rsc(node).allocated_to is None):
        return None  # pcmk__node_available with consider_guest: a guest whose container stops cannot
    if node.uname not in (clone.allowed or {}):
        return None
    if counts.get(node.uname, 0) >= clone.promoted_node_max and managed:
        return None
    return node


def update_dependent_with_promotable(a: Assigner, clone: WRsc, dep: WRsc, c: Coloc) -> None:
    affected: dict[str, int] = {}
    for inst in clone.children:
        node = instance_location(inst, False)
        if node is None:
            continue
        if instance_state(inst, False) == c.primary_role:
            if c.score < INF:
                attr = c.node_attribute or "#uname"
                value = node.attrs.get(attr)
                for uname in list((dep.allowed or {}).keys()):
                    if a.node[uname].attrs.get(attr) == value:
                        dep.allowed[uname] = scores.add(dep.allowed[uname], c.score)  # type: ignore[index]
            prims = inst.primitives()
            affected.setdefault(node.uname, prims[0].allocated_weight if prims else 0)
    if c.score >= INF and (c.dependent_role != R.PROMOTED or c.primary_role != R.PROMOTED):
        # node_list_exclude(..., merge_scores=TRUE): keep only those nodes, adding the
        # primary instance's own score there
        for uname in list((dep.allowed or {}).keys()):
            if uname not in affected:
                dep.allowed[uname] = -INF  # type: ignore[index]
            else:
                dep.allowed[uname] = scores.add(dep.allowed[uname], affected[uname])  # type: ignore[index]


def update_promotable_dependent_priority(a: Assigner, clone: WRsc, dep: WRsc, c: Coloc) -> None:
    inst = find_compatible_child(a, dep, clone, c.primary_role, False)
    if inst is not None:
        dep.priority = scores.add(dep.priority, c.score)
    elif c.score >= INF:
        dep.priority = -INF
