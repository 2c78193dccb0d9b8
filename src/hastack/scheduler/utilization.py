"""Utilization and the placement-strategy cluster option (Pacemaker's pcmk_sched_utilization.c).

Owns: reading utilization values, node capacity arithmetic (what remains once
resources are assigned), the capacity check that bans a resource -- and the
resources that must share its node -- from nodes too small for them, the
capacity comparison that `balanced` sorts nodes by, and the order resources are assigned in under any strategy
but `default`.

Strategies: `default` ignores utilization; `utilization` only checks capacity;
`minimal` checks capacity and ranks nodes by score then name (packing
resources onto few nodes); `balanced` checks capacity and ranks nodes of equal
score by remaining capacity, then by how many resources they were given.

The arithmetic works on plain mappings (attribute name -> amount) and is pure.
The resource-walking functions read the Assigner's colocation lists and change
only a resource's allowed-node scores, as the assignment phase does elsewhere.
Imports only the model and the scheduler's working records.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING

from hastack.model import scores
from hastack.scheduler.glib import glib_sort
from hastack.scheduler.working import WNode, WRsc

if TYPE_CHECKING:
    from hastack.scheduler.assign import Assigner

INF = scores.INFINITY
INT_MIN, INT_MAX = -(2 ** 31), 2 ** 31 - 1
_LEADING_INT = re.compile(r"\s*([+-]?\d+)")

Amounts = Mapping[str, int]


# --- values and capacity arithmetic (pure) ----------------------------------------------

def value_of(text: str | None) -> int:
    """A utilization value as Pacemaker reads it (pcmk__scan_min_int): the integer the text
    starts with, clamped to C's int; unset or unreadable counts as 0."""
    if text is None:
        return 0
    m = _LEADING_INT.match(text)
    if m is None:
        return 0
    return max(INT_MIN, min(INT_MAX, int(m.group(1))))


def consume(remaining: Amounts, used: Amounts) -> dict[str, int]:
    """A node's remaining capacity once a resource using `used` is assigned to it. An amount
    the node never had becomes 0, not negative: Pacemaker only subtracts from values it has."""
    out = dict(remaining)
    for k, v in used.items():
        out[k] = out[k] - v if k in out else 0
    return out


def release(remaining: Amounts, used: Amounts) -> dict[str, int]:
    """The reverse of consume(): capacity given back when a resource is unassigned. Also how
    requirements are summed (starting from an empty mapping)."""
    out = dict(remaining)
    for k, v in used.items():
        out[k] = out.get(k, 0) + v
    return out


def has_capacity(remaining: Amounts, required: Amounts) -> bool:
    """Whether every required amount fits in what remains (a capacity the node lacks is 0)."""
    return all(need <= remaining.get(k, 0) for k, need in required.items())


def compare_capacities(a: Amounts, b: Amounts) -> int:
    """pcmk__compare_node_capacities: negative when node `a` has more free capacity, positive
    when `b` has. Not a sum: each attribute counts one vote, whatever the margin, so
    {cpu: 8, mem: 1} and {cpu: 1, mem: 2} tie."""
    result = 0
    for k in a.keys() | b.keys():
        x, y = a.get(k, 0), b.get(k, 0)
        result += -1 if x > y else 1 if x < y else 0
    return result


# --- colocated resources and their summed requirements ----------------------------------

def _members_together(group: WRsc) -> list[WRsc]:
    """The members of a group that surely share its first member's node: all of them when the
    group is collocated (the default) or cloned, else only the first."""
    collocated = group.meta.get("collocated", "true").lower() in ("true", "yes", "1", "on")
    cloned = group.parent is not None and group.parent.variant == "clone"
    return group.children if collocated or cloned else group.children[:1]


def colocated_resources(a: Assigner, r: WRsc, orig: WRsc | None = None,
                        found: list[WRsc] | None = None) -> list[WRsc]:
    """colocated_resources(): r and every resource tied to it by mandatory colocations that
    decide location, followed both ways, stopping at `orig` (a loop back to the start)."""
    orig = orig or r
    found = [] if found is None else found
    if r in found:
        return found
    if r.variant == "group":
        for m in _members_together(r):
            colocated_resources(a, m, orig, found)
        if r in found:
            return found
    found.append(r)
    for c in r.this_with:
        if c.primary is not orig and c.score == INF \
                and a.coloc_affects(r, c.primary, c, preview=True) == "location":
            colocated_resources(a, c.primary, orig, found)
    for c in r.with_this:
        if c.dependent is orig or (r.variant == "clone" and c.dependent.variant != "clone"):
            continue  # a clone's dependent may run next to any instance: not surely here
        if c.score == INF and a.coloc_affects(c.dependent, r, c, preview=True) == "location":
            colocated_resources(a, c.dependent, orig, found)
    return found


def _add_primitive(r: WRsc, group: list[WRsc], total: dict[str, int]) -> None:
    if r.provisional:
        total.update(release(total, r.utilization))


def _add_group(r: WRsc, group: list[WRsc], total: dict[str, int]) -> None:
    if not r.provisional:
        return
    for m in _members_together(r):
        if m.provisional and m not in group:
            add_utilization(m, group, total)


def _add_clone(r: WRsc, group: list[WRsc], total: dict[str, int]) -> None:
    if not r.provisional:
        return
    existing = False
    for child in r.children:
        if child in group:
            existing = True
        elif any(m in group for m in child.children):
            add_utilization(child, group, total)  # the instance's, not only the member's
            existing = True
    if not existing and r.children:
        # Only one instance can be on the node in question: count the first.
        add_utilization(r.children[0], group, total)


ADD_UTILIZATION: dict[str, Callable[[WRsc, list[WRsc], dict[str, int]], None]] = {
    "primitive": _add_primitive,
    "group": _add_group,
    "clone": _add_clone,
}


def add_utilization(r: WRsc, group: list[WRsc], total: dict[str, int]) -> None:
    """add_utilization(): add what r still needs (nothing once assigned) to `total`."""
    ADD_UTILIZATION[r.variant](r, group, total)


def summed_requirements(resources: list[WRsc]) -> dict[str, int]:
    total: dict[str, int] = {}
    for r in resources:
        add_utilization(r, resources, total)
    return total


# --- the capacity check in assignment ---------------------------------------------------

def ban_insufficient_capacity(a: Assigner, r: WRsc) -> WNode | None:
    """pcmk__ban_insufficient_capacity for primitive r about to choose a node: ban
    (-INFINITY) the available nodes that cannot hold r and the unassigned resources colocated
    with it. When no node can hold them all, ban only the nodes too small for r alone and
    return the most capable node (for r to prefer, all else being equal)."""
    if a.u.options.placement_strategy == "default":
        return None
    group = colocated_resources(a, r)
    if r not in group:
        group.append(r)
    needed = summed_requirements(group)
    table = r.allowed or {}
    usable = [n for n in a.table_order(table) if a.available(n, table, consider_score=True)]
    remaining = {n: a.node[n].utilization for n in usable}
    if any(has_capacity(remaining[n], needed) for n in usable):
        most_capable = None
    else:
        needed = r.utilization
        most_capable = None
        for n in usable:  # the first of equally capable nodes (Pacemaker: hash table order)
            if most_capable is None or compare_capacities(remaining[n], remaining[most_capable]) < 0:
                most_capable = n
    before = dict(table)
    for n in usable:
        if not has_capacity(remaining[n], needed):
            table[n] = scores.add(table[n], -INF)
    a.explain(r, before, "utilization",
              f"the node's remaining capacity cannot hold {r.id}"
              + (" and the resources colocated with it" if most_capable is None and len(group) > 1 else ""))
    return a.node[most_capable] if most_capable is not None else None


# --- assignment order ---------------------------------------------------------------------

def assignment_order(a: Assigner, resources: list[WRsc]) -> list[WRsc]:
    """pcmk__sort_resources (any strategy but default): higher priority first, then the higher
    score on its current node, then the higher score on the first node (in node order) where
    the scores differ. Scores include the resource's own mandatory-or-not 'with' colocations."""
    node_order = glib_sort([n.uname for n in a.nodes], lambda x, y: a.compare_nodes(x, y, {}, None))
    tables: dict[str, dict[str, int]] = {}

    def table(r: WRsc) -> dict[str, int]:
        if r.id not in tables:
            tables[r.id] = a.add_colocated_scores(r, None, None, 1.0, this_with=True) or {}
        return tables[r.id]

    def cmp(r1: WRsc, r2: WRsc) -> int:
        if r1.priority != r2.priority:
            return -1 if r1.priority > r2.priority else 1
        t1, t2 = table(r1), table(r2)
        n1, n2 = r1.current_node(), r2.current_node()
        w1 = t1.get(n1.uname, -INF) if n1 is not None else -INF
        w2 = t2.get(n2.uname, -INF) if n2 is not None else -INF
        if w1 != w2:
            return -1 if w1 > w2 else 1
        for n in node_order:
            w1, w2 = t1.get(n, -INF), t2.get(n, -INF)
            if w1 != w2:
                return -1 if w1 > w2 else 1
        return 0
    return glib_sort(resources, cmp)
