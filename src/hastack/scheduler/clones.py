"""Clone assignment: distributing instances over nodes, and colocation with clones.

Owns Pacemaker's clone rules: instance ordering (pcmk__cmp_instance),
pre-assignment of active instances to their current nodes, clone-max and
clone-node-max limits, interleaved pairing of instances, and mandatory
colocation with "any node running an instance".

Imports only the model and the scheduler's own modules.
"""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING

from hastack.model import scores
from hastack.scheduler.working import Coloc, R, WNode, WRsc

if TYPE_CHECKING:
    from hastack.scheduler.assign import Assigner

INF = scores.INFINITY


def instance_location(r: WRsc, current: bool) -> WNode | None:
    """fns->location: the single node an instance is (or will be) on."""
    if r.variant == "primitive":
        if current:
            return r.running_on[0] if len(r.running_on) == 1 else (r.running_on[0] if r.running_on else None)
        return r.allocated_to
    nodes: list[WNode] = []
    for c in r.children:
        n = instance_location(c, current)
        if n is not None and n not in nodes:
            nodes.append(n)
    return nodes[0] if len(nodes) == 1 else (nodes[0] if nodes else None)


def instance_state(r: WRsc, current: bool) -> R:
    if r.variant == "primitive":
        return r.role if current else r.next_role
    best = R.UNKNOWN
    for c in r.children:
        s = instance_state(c, current)
        if s > best:
            best = s
    return best


def _blocked(r: WRsc) -> bool:
    return r.block or any(_blocked(c) for c in r.children)


def _failed(r: WRsc) -> bool:
    return r.failed or any(_failed(c) for c in r.children)


def _active_on(r: WRsc) -> list[WNode]:
    out: list[WNode] = []
    for p in r.primitives():
        for n in p.running_on:
            if n not in out:
                out.append(n)
    return out


def cmp_instance(a: Assigner, clone: WRsc, i1: WRsc, i2: WRsc) -> int:
    on1, on2 = _active_on(i1), _active_on(i2)
    n1 = i1.running_on[0] if i1.running_on else None
    n2 = i2.running_on[0] if i2.running_on else None
    if on1 and on2 and len(on1) != len(on2):
        return -1 if len(on1) < len(on2) else 1

    def allowed(r: WRsc, n: WNode | None) -> bool:
        return n is None or (r.allowed or {}).get(n.uname, -INF) >= 0
    c1, c2 = allowed(i1, n1), allowed(i2, n2)
    if c1 != c2:
        return -1 if c1 else 1
    # node_is_allowed forgets a current node the instance may no longer run on: such an
    # instance counts as inactive below
    n1 = n1 if c1 else None
    n2 = n2 if c2 else None
    if i1.priority != i2.priority:
        return -1 if i1.priority > i2.priority else 1
    if n1 is None and n2 is None:
        return 0
    if n1 is None:
        return 1
    if n2 is None:
        return -1
    c1, c2 = n1.available(), n2.available()
    if c1 != c2:
        return -1 if c1 else 1
    top = clone.allowed or {}
    t1, t2 = n1.uname in top, n2.uname in top
    if not t1 and not t2:
        return 0
    if not t1:
        return 1
    if not t2:
        return -1
    cnt = a.clone_counts.get(clone.id, {})
    k1, k2 = cnt.get(n1.uname, 0), cnt.get(n2.uname, 0)
    if k1 != k2:
        return -1 if k1 < k2 else 1
    f1, f2 = _failed(i1), _failed(i2)
    if not f1 and f2:
        return -1
    if f1 and not f2:
        return 1
    rc = _cmp_by_colocation(a, clone, i1, i2, n1, n2)
    if rc:
        return rc
    return _num(i1) - _num(i2)


def _num(r: WRsc) -> int:
    try:
        return int(r.id.rsplit(":", 1)[1])
    except (IndexError, ValueError):
        return 0


def _cmp_by_colocation(a: Assigner, clone: WRsc, i1: WRsc, i2: WRsc, n1: WNode, n2: WNode) -> int:
    def score(n: WNode) -> int:
        table: dict[str, int] | None = {n.uname: n.base_weight}
        for c in clone.this_with:
            res = a.add_colocated_scores(c.primary, table, c.node_attribute, c.score / INF)
            if res is not None:
                table = res
        for c in clone.with_this:
            if not c.has_influence():
                continue
            res = a.add_colocated_scores(c.dependent, table, c.node_attribute, c.score / INF, nonnegative=True)
            if res is not None:
                table = res
        return (table or {}).get(n.uname, 0)
    s1, s2 = score(n1), score(n2)
    if s1 < s2:
        return 1
    if s1 > s2:
        return -1
    return 0


def _append_parent_colocation(a: Assigner, clone: WRsc, child: WRsc, all_coloc: bool) -> None:
    """Give an instance its clone's colocations. Like Pacemaker, no de-duplication: an
    instance tried twice (pre-assignment, then normally) counts them twice."""
    for c in clone.this_with:
        if all_coloc or c.score < 0 or c.score == INF:
            a.add_this_with(child, c)
    for c in clone.with_this:
        if not c.has_influence(child):
            continue
        if all_coloc or c.score < 0:
            a.add_with_this(child, c)


def _set_score(r: WRsc, uname: str, score: int) -> None:
    """common_update_score: set on r and all descendants."""
    if r.allowed is not None and uname in r.allowed:
        r.allowed[uname] = score
    for c in r.children:
        _set_score(c, uname, score)


def _can_run_instance(a: Assigner, clone: WRsc, r: WRsc, limit: int) -> None:
    counts = a.clone_counts.setdefault(clone.id, {})
    for uname in list((r.allowed or {}).keys()):
        n = a.node.get(uname)
        ok = n is not None and n.available() and not r.orphan
        if ok:
            top = clone.allowed or {}
            if uname not in top:
                ok = False
            elif top[uname] < 0:
                _set_score(r, uname, top[uname])
                continue
            elif counts.get(uname, 0) < limit:
                continue
            else:
                ok = False
        _set_score(r, uname, -INF)


def allocate_instance(a: Assigner, clone: WRsc, r: WRsc, prefer: WNode | None, all_coloc: bool,
                      limit: int) -> WNode | None:
    if not r.provisional:
        return instance_location(r, False)
    if r.allocating:
        return None
    _append_parent_colocation(a, clone, r, all_coloc)
    if prefer is not None:
        w = (r.allowed or {}).get(prefer.uname)
        if w is None or w < 0:
            return None
    before = {p.id: dict(p.allowed or {}) for p in r.primitives()}
    _can_run_instance(a, clone, r, limit)
    for p in r.primitives():
        a.explain(p, before[p.id], "clone-limit",
                  f"{clone.id}: node unavailable, not allowed for the clone, or clone-node-max="
                  f"{clone.clone_node_max} instances already there")
    backup = dict(r.allowed) if r.allowed is not None else None
    chosen = a.assign(r, prefer)
    if chosen is not None and prefer is not None and chosen is not prefer:
        # Not pre-assigning to its current node: restore the instance's own scores and
        # unassign it. As in Pacemaker, a cloned group records no node of its own, so
        # unassigning it is a no-op: its members keep the node and it stays assigned.
        r.allowed = backup
        if r.variant == "primitive":
            a.unassign(r)
            r.provisional = True
        chosen = None
    if chosen is not None:
        counts = a.clone_counts.setdefault(clone.id, {})
        counts[chosen.uname] = counts.get(chosen.uname, 0) + 1
    return chosen


def _descendants(r: WRsc) -> list[WRsc]:
    out: list[WRsc] = []
    for c in r.children:
        out.append(c)
        out.extend(_descendants(c))
    return out


def assign_clone(a: Assigner, clone: WRsc, prefer: WNode | None) -> WNode | None:
    if not clone.provisional or clone.allocating:
        return None
    if clone.promotable:
        from hastack.scheduler.promotion import add_promotion_scores
        add_promotion_scores(a, clone)
    clone.allocating = True
    for c in list(clone.this_with):
        a.assign(c.primary, prefer)
    for c in list(clone.with_this):
        if not c.has_influence():
            continue
        res = a.add_colocated_scores(c.dependent, dict(clone.allowed or {}), c.node_attribute,
                                     c.score / INF, active=True, nonnegative=True)
        if res is not None:
            clone.allowed = res
    a.printed[clone.id] = dict(clone.allowed or {})
    table = clone.allowed or {}
    nodes = a.sort_nodes(table, None)
    a.clone_counts[clone.id] = {}
    clone.children.sort(key=functools.cmp_to_key(lambda x, y: cmp_instance(a, clone, x, y)))
    _distribute(a, clone, nodes)
    if clone.promotable:
        from hastack.scheduler.promotion import set_instance_roles
        set_instance_roles(a, clone)
    clone.provisional = False
    clone.allocating = False
    return None


def _distribute(a: Assigner, clone: WRsc, nodes: list[str]) -> None:
    counts = a.clone_counts.setdefault(clone.id, {})
    counts.clear()
    maxn = clone.clone_max
    per_host = clone.clone_node_max
    available = sum(1 for n in nodes if a.available(n))
    all_coloc = maxn < available
    loop_max = max(1, maxn // available) if available else 1
    allocated = 0
    for child in clone.children:
        if allocated >= maxn:
            break
        if not child.running_on or not child.provisional or child.failed:
            continue
        cur = child.running_on[0]
        if not (cur.available() and (child.allowed or {}).get(cur.uname, -INF) >= 0):
            continue
        if cur.uname in (clone.allowed or {}) and counts.get(cur.uname, 0) >= loop_max:
            continue
        if allocate_instance(a, clone, child, cur, all_coloc, per_host) is not None:
            allocated += 1
    for child in clone.children:
        if not child.provisional:
            continue
        if allocated >= maxn:
            # clone:limit_reached: banned everywhere but, as in Pacemaker, left unassigned
            # (still provisional), so colocations with it are skipped rather than applied.
            for x in [child] + _descendants(child):
                if x.allowed is not None:
                    for n in x.allowed:
                        x.allowed[n] = -INF
        elif allocate_instance(a, clone, child, None, all_coloc, per_host) is not None:
            allocated += 1


def _child_compatible(child: WRsc, node: WNode, role_filter: R, current: bool) -> bool:
    n = None if _blocked(child) else instance_location(child, current)
    if role_filter != R.UNKNOWN and instance_state(child, current) != role_filter:
        return False
    return n is not None and n is node


def find_compatible_child(a: Assigner, local: WRsc, clone: WRsc, role_filter: R, current: bool) -> WRsc | None:
    node = instance_location(local, current)
    if node is not None:
        return next((c for c in clone.children if _child_compatible(c, node, role_filter, current)), None)
    for uname in a.sort_nodes(dict(local.allowed or {}), None):
        n = a.node[uname]
        found = next((c for c in clone.children if _child_compatible(c, n, role_filter, current)), None)
        if found is not None:
            return found
    return None


def _copies_per_node(r: WRsc) -> int:
    return r.clone_node_max if r.variant == "clone" else 1


def apply_coloc_with_clone(a: Assigner, dep: WRsc, clone: WRsc, c: Coloc) -> None:
    if clone.promotable:
        if clone.provisional:
            return
        if c.primary_role != R.UNKNOWN:
            if dep.provisional:
                from hastack.scheduler.promotion import update_dependent_with_promotable
                update_dependent_with_promotable(a, clone, dep, c)
                return
            if c.dependent_role == R.PROMOTED:
                from hastack.scheduler.promotion import update_promotable_dependent_priority
                update_promotable_dependent_priority(a, clone, dep, c)
                return
    interleave = False
    d = c.dependent
    if d.variant == "clone" and d.interleave and _copies_per_node(d) == _copies_per_node(clone):
        interleave = True
    if clone.provisional:
        return
    if interleave:
        inst = find_compatible_child(a, dep, clone, R.UNKNOWN, False)
        if inst is not None:
            a.apply_coloc(dep, inst, c)
        elif c.score >= INF:
            # "Cannot pair": the dependent instance is assigned nowhere, whatever its role.
            a.finalize(dep, None, True)
        return
    if c.score >= INF:
        ok = set()
        for child in clone.children:
            n = instance_location(child, False)
            if n is not None and not _blocked(child):
                ok.add(n.uname)
        for n in list((dep.allowed or {}).keys()):
            if n not in ok:
                dep.allowed[n] = -INF  # type: ignore[index]
        return
    for child in clone.children:
        a.apply_coloc(dep, child, c)
