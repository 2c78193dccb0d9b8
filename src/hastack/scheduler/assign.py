"""Assignment: choose a node (and next role) for every resource instance.

Owns Pacemaker's assignment algorithm: colocation constraints (internal
group chains and configured ones), node sorting with its tie-breaks,
primitive/group/clone assignment methods in one dispatch table, and the
scores that crm_simulate -s prints.

Imports only the model and the scheduler's own modules.
"""

from __future__ import annotations

from collections.abc import Callable

from hastack.model import scores
from hastack.model.config import Colocation, Configuration
from hastack.scheduler.scores import Recorder
from hastack.scheduler.facts import node_name_key
from hastack.scheduler.glib import glib_sort, hash_order
from hastack.scheduler import remote
from hastack.scheduler import guest
from hastack.scheduler.bundle import allows_nested, internal_colocations
from hastack.scheduler.guest import filler_target
from hastack.scheduler.unpack import Unpacked
from hastack.scheduler.utilization import (
    assignment_order, ban_insufficient_capacity, compare_capacities, consume, release,
)
from hastack.scheduler.working import Coloc, R, WNode, WRsc

INF = scores.INFINITY
INFINITY_HACK = INF * -100


class Assigner:
    def __init__(self, config: Configuration, u: Unpacked, rec: Recorder | None = None) -> None:
        self.rec = rec
        self.config = config
        self.u = u
        self.nodes = u.nodes
        self.node = u.node_by_uname
        self.printed: dict[str, dict[str, int]] = {}
        self.avail: dict[str, bool] = {n.uname: n.available() for n in u.nodes}
        self.clone_counts: dict[str, dict[str, int]] = {}
        self.promotion_scores: dict[str, dict[str, int]] = {}
        self.constraint_rsc = u.constraint_rsc

    # --- node helpers -----------------------------------------------------------
    def available(self, uname: str, table: dict[str, int] | None = None, consider_score: bool = False) -> bool:
        ok = self.avail.get(uname, False)
        if ok and consider_score and table is not None and table.get(uname, -INF) < 0:
            return False
        return ok

    def any_available(self, table: dict[str, int] | None) -> bool:
        if not table:
            return False
        avail = self.avail
        return any(w >= 0 and avail.get(n, False) for n, w in table.items())

    def compare_nodes(self, n1: str, n2: str, table: dict[str, int], active: WNode | None) -> int:
        """compare_nodes: score (unavailable nodes count -INFINITY), then for `balanced` the
        remaining capacity, then fewest assigned resources, then the active node, then name.
        `minimal` goes from score straight to name."""
        avail = self.avail
        w1 = table.get(n1, 0) if avail.get(n1, False) else -INF
        w2 = table.get(n2, 0) if avail.get(n2, False) else -INF
        if w1 != w2:
            return -1 if w1 > w2 else 1
        strategy = self.u.options.placement_strategy
        if strategy != "minimal":
            node1, node2 = self.node[n1], self.node[n2]
            if strategy == "balanced":
                by_capacity = compare_capacities(node1.utilization, node2.utilization)
                if by_capacity:
                    return -1 if by_capacity < 0 else 1
            if node1.num_resources != node2.num_resources:
                return -1 if node1.num_resources < node2.num_resources else 1
            if active is not None and active.uname in (n1, n2):
                return -1 if active.uname == n1 else 1
        return -1 if n1 < n2 else 1 if n1 > n2 else 0

    def sort_nodes(self, table: dict[str, int], active: WNode | None) -> list[str]:
        """pcmk__sort_nodes: the allowed nodes, best first (compare_nodes, GLib's merge sort).
        Its input is g_hash_table_get_values' (the table's iteration order, reversed): with
        balanced's capacity votes three nodes can each beat the next, and then it decides."""
        return glib_sort(self.table_order(table)[::-1], lambda x, y: self.compare_nodes(x, y, table, active))

    def table_order(self, table: dict[str, int]) -> list[str]:
        """The iteration order of Pacemaker's allowed-node table for these nodes: keyed by node
        id (pcmk__str_hash), filled in node name order (data_set->nodes is sorted by name)."""
        names = sorted((n for n in table if n in self.node), key=node_name_key)
        by_id = {self.node[n].id: n for n in names}
        return [by_id[i] for i in hash_order(list(by_id))]

    # --- colocations -----------------------------------------------------------
    @staticmethod
    def _coloc_rank(r: WRsc) -> tuple[int, int, int, str]:
        """Pacemaker's colocation list order: priority, clones before groups before
        primitives, promotable clones first, then resource id."""
        variant = {"primitive": 0, "group": 1, "clone": 2}[r.variant]
        return (-r.priority, -variant, 0 if r.promotable else 1, r.id)

    @classmethod
    def _insert_sorted(cls, items: list[Coloc], c: Coloc, side: str) -> None:
        """g_list_insert_sorted: before the first entry that does not sort before c."""
        key = cls._coloc_rank(getattr(c, side))
        for i, other in enumerate(items):
            if key <= cls._coloc_rank(getattr(other, side)):
                items.insert(i, c)
                return
        items.append(c)

    def add_this_with(self, r: WRsc, c: Coloc) -> None:
        self._insert_sorted(r.this_with, c, "primary")

    def add_with_this(self, r: WRsc, c: Coloc) -> None:
        self._insert_sorted(r.with_this, c, "dependent")

    def new_colocation(self, cid: str, dep: WRsc, pri: WRsc, score: int, drole: R = R.UNKNOWN,
                       prole: R = R.UNKNOWN, attr: str | None = None, influence: bool = True) -> None:
        if score == 0:
            return
        # pcmk__new_colocation: a Started role means any role, on either side
        drole = R.UNKNOWN if drole == R.STARTED else drole
        prole = R.UNKNOWN if prole == R.STARTED else prole
        c = Coloc(cid, dep, pri, score, drole, prole, attr, influence)
        self.add_this_with(dep, c)
        self.add_with_this(pri, c)

    def setup_colocations(self) -> None:
        for r in self.u.resources:
            self._internal(r)
        for c in self.config.constraints:
            if not isinstance(c, Colocation):
                continue
            if c.sets:
                self._coloc_sets(c)
                continue
            dep = self.constraint_rsc(c.rsc)
            pri = self.constraint_rsc(c.with_rsc)
            if dep is None or pri is None:
                continue
            self.new_colocation(c.id, dep, pri, c.score, R.of(c.rsc_role), R.of(c.with_rsc_role),
                                c.node_attribute, self._influence(c, dep))

    @staticmethod
    def _influence(c: Colocation, dependent: WRsc) -> bool:
        """unpack_influence: the constraint's influence, else the dependent's critical meta."""
        if c.influence is not None:
            return c.influence
        return _critical(dependent)

    def _coloc_sets(self, c: Colocation) -> None:
        """pcmk__unpack_colocation with resource sets (unpack_colocation_set, colocate_rsc_sets)."""
        last: tuple[list[WRsc], object] | None = None
        for s in c.sets:
            members = [m for m in (self.constraint_rsc(x) for x in s.resources) if m is not None]
            score = s.score if s.score is not None else c.score
            role = R.of(s.role)
            if score != 0 and s.sequential is not False:
                if score > 0 and (s.ordering or "group").lower() == "group":
                    for prev, m in zip(members, members[1:]):
                        self.new_colocation(c.id, m, prev, score, role, role, None, self._influence(c, m))
                elif score > 0:  # ordering="listed": each member is placed with the next one
                    for prev, m in zip(members, members[1:]):
                        self.new_colocation(c.id, prev, m, score, role, role, None, self._influence(c, prev))
                else:
                    for i, m in enumerate(members):
                        for prev in members[:i]:
                            self.new_colocation(c.id, m, prev, score, role, role, None, self._influence(c, m))
            if last is not None and c.score != 0:
                set1, s1 = last
                r1 = set1[0] if set1 and s1.sequential is not False else None  # type: ignore[attr-defined]
                r2 = members[-1] if members and s.sequential is not False else None
                deps = [r1] if r1 is not None else set1
                pris = [r2] if r2 is not None else members
                for d in deps:
                    for p in pris:
                        self.new_colocation(c.id, d, p, c.score, R.of(s1.role), role,  # type: ignore[attr-defined]
                                            None, self._influence(c, d))
            last = (members, s)

    def _internal(self, r: WRsc) -> None:
        if r.variant == "group":
            prev: WRsc | None = None
            for m in r.children:
                if prev is not None and r.meta.get("collocated", "true").lower() in ("true", "yes", "1", "on"):
                    # a member that is not critical does not move the members before it
                    self.new_colocation("group:internal_colocation", m, prev, INF,
                                        influence=_critical(m))
                prev = m
        elif r.variant == "primitive" and r.container is not None \
                and filler_target(r, self.nodes) is None:
            if allows_nested(r):  # preferably with its container, which may be on a remote node
                self.new_colocation("resource-with-container", r, r.container, 10_000)
            else:
                self.new_colocation("resource-with-container", r, r.container, INF)
        elif r.replicas:
            internal_colocations(r, lambda cid, dep, pri, score: self.new_colocation(cid, dep, pri, score))
        for c in r.children:
            self._internal(c)

    # --- score merging (pcmk__add_colocated_node_scores) -----------------------------
    def add_colocated_scores(self, r: WRsc, table: dict[str, int] | None, attr: str | None, factor: float,
                             this_with: bool = False, active: bool = False,
                             nonnegative: bool = False) -> dict[str, int] | None:
        """Return a new table (or None when rolled back) with r's scores merged in."""
        if r.merging:
            return table
        r.merging = True
        try:
            if r.variant == "group":
                if not r.children:
                    return table
                member = r.children[-1] if table is None else r.children[0]
                work = self.add_colocated_scores(member, None if table is None else dict(table), attr,
                                                 factor, this_with, active, nonnegative)
                if work is None:
                    return table
            else:
                if table is None:
                    work = dict(r.allowed or {})
                else:
                    work = dict(table)
                    self._add_matching(work, r, attr, factor, nonnegative)
            if self.any_available(work):
                mult = -1.0 if factor < 0 else 1.0
                if this_with:
                    cons = [(c, c.primary) for c in r.this_with]
                elif r.variant == "group":
                    last = r.children[-1]
                    cons = [(c, c.dependent) for c in last.with_this if c.has_influence()]
                else:
                    cons = [(c, c.dependent) for c in r.with_this if c.has_influence()]
                for c, other in cons:
                    f = mult * c.score / INF
                    res = self.add_colocated_scores(other, work, c.node_attribute, f, this_with, True, nonnegative)
                    if res is not None:
                        work = res
            elif active:
                return None
            if nonnegative:
                for k, v in work.items():
                    if v == INFINITY_HACK:
                        work[k] = 1
            return work
        finally:
            r.merging = False

    def _add_matching(self, work: dict[str, int], r: WRsc, attr: str | None, factor: float,
                      only_positive: bool) -> None:
        """add_node_scores_matching_attr: add factor x r's best score among nodes sharing attr's value."""
        attr = attr or "#uname"
        best_by_value: dict[str | None, int] = {}
        for an, aw in (r.allowed or {}).items():
            n = self.node.get(an)
            if n is None or not self.avail.get(an, False):
                continue
            v = n.attrs.get(attr)
            if aw > best_by_value.get(v, -INF):
                best_by_value[v] = aw
        for uname in list(work):
            n = self.node.get(uname)
            value = n.attrs.get(attr) if n is not None else None
            best = best_by_value.get(value, -INF)
            if factor < 0 and best < 0:
                continue
            if work[uname] == INFINITY_HACK:
                continue
            wf = factor * best
            weight = int(wf - 0.5) if wf < 0 else int(wf + 0.5)
            if weight == 0 and best != 0:
                weight = 1 if factor > 0 else -1 if factor < 0 else 0
            new = scores.add(weight, work[uname])
            if only_positive and new < 0 and work[uname] > 0:
                work[uname] = INFINITY_HACK
                continue
            if only_positive and new < 0 and work[uname] == 0:
                continue
            work[uname] = new

    # --- colocation application ------------------------------------------------------
    def coloc_affects(self, dep: WRsc, pri: WRsc, c: Coloc, preview: bool = False) -> str:
        if not preview and pri.provisional:
            return "nothing"
        if c.dependent_role >= R.UNPROMOTED and dep.parent is not None and dep.parent.promotable \
                and not dep.provisional:
            return "role"
        if not preview and not dep.provisional:
            return "nothing"
        if c.score > 0 and c.dependent_role != R.UNKNOWN and c.dependent_role != dep.next_role:
            return "nothing"
        if c.score > 0 and c.primary_role != R.UNKNOWN and c.primary_role != pri.next_role:
            return "nothing"
        if c.score < 0 and c.dependent_role != R.UNKNOWN and c.dependent_role == dep.next_role:
            return "nothing"
        if c.score < 0 and c.primary_role != R.UNKNOWN and c.primary_role == pri.next_role:
            return "nothing"
        return "location"

    def apply_coloc_to_weights(self, dep: WRsc, pri: WRsc, c: Coloc) -> None:
        attr = c.node_attribute or "#id"
        value = None
        if pri.allocated_to is not None:
            value = pri.allocated_to.attrs.get(attr)
        elif c.score < 0:
            return
        work = dict(dep.allowed or {})
        for uname in list(work):
            n = self.node[uname]
            if pri.allocated_to is None:
                work[uname] = scores.add(-c.score, work[uname])
            elif n.attrs.get(attr) == value:
                if c.score < INF:
                    work[uname] = scores.add(c.score, work[uname])
            elif c.score >= INF:
                work[uname] = scores.add(-c.score, work[uname])
        if c.score <= -INF or c.score >= INF or self.any_available(work):
            dep.allowed = work

    def apply_coloc_to_priority(self, dep: WRsc, pri: WRsc, c: Coloc) -> None:
        if pri.allocated_to is None or dep.allocated_to is None:
            return
        attr = c.node_attribute or "#id"
        if dep.allocated_to.attrs.get(attr) != pri.allocated_to.attrs.get(attr):
            if c.score == INF and c.dependent_role == R.PROMOTED:
                dep.priority = -INF
            return
        if c.primary_role != R.UNKNOWN and c.primary_role != pri.next_role:
            return
        mult = -1 if c.dependent_role == R.UNPROMOTED else 1
        dep.priority = scores.add(mult * c.score, dep.priority)

    def apply_coloc(self, dep: WRsc, pri: WRsc, c: Coloc) -> None:
        """Apply colocation c to dependent primitive `dep` from primary `pri` (any variant)."""
        if pri.variant == "primitive":
            kind = self.coloc_affects(dep, pri, c)
            if kind == "role":
                self.apply_coloc_to_priority(dep, pri, c)
            elif kind == "location":
                self.apply_coloc_to_weights(dep, pri, c)
        elif pri.variant == "group":
            if pri.provisional:
                return
            if not pri.children:
                return
            member = pri.children[-1] if c.score >= INF else pri.children[0]
            self.apply_coloc(dep, member, c)
        else:
            from hastack.scheduler.clones import apply_coloc_with_clone
            apply_coloc_with_clone(self, dep, pri, c)

    def apply_coloc_for_dependent(self, dep: WRsc, pri: WRsc, c: Coloc) -> None:
        if dep.variant == "group":
            if dep.children:
                self.apply_coloc_for_dependent(dep.children[0], pri, c)
            return
        self.apply_coloc(dep, pri, c)

    # --- explanations -------------------------------------------------------------------
    def explain(self, r: WRsc, before: dict[str, int] | None, source: str, text: str) -> None:
        """Record how a step changed r's scores (for `hastack explain`)."""
        if self.rec is None or before is None:
            return
        for node, new in (r.allowed or {}).items():
            old = before.get(node, 0)
            if new == old:
                continue
            delta = -INF if new <= -INF and old > -INF else INF if new >= INF and old < INF else new - old
            self.rec.add(r.id, node, delta, source, text)

    # --- assignment ---------------------------------------------------------------------
    def assign(self, r: WRsc, prefer: WNode | None = None) -> WNode | None:
        return ASSIGN[r.variant](self, r, prefer)

    def finalize(self, r: WRsc, chosen: str | None, force: bool) -> bool:
        if not force and chosen is not None:
            w = (r.allowed or {}).get(chosen, -INF)
            # a guest node is taken as it will be: its connection is assumed to come up
            if w < 0 or not (self.available(chosen) or guest.is_guest(self.node[chosen])):
                r.next_role = R.STOPPED
                r.next_role_reason = "node availability"
                chosen = None
        self.unassign(r)
        r.provisional = False
        if chosen is None:
            r.next_role = R.STOPPED  # "unable to allocate"
            return False
        node = self.node[chosen]
        r.allocated_to = node
        r.allocated_weight = (r.allowed or {}).get(chosen, 0)
        node.num_resources += 1
        node.utilization = consume(node.utilization, r.utilization)
        return True

    @staticmethod
    def unassign(r: WRsc) -> None:
        """pcmk__unassign_resource: give the node back what r took (the caller decides whether
        r is provisional again)."""
        old = r.allocated_to
        if old is None:
            return
        r.allocated_to = None
        old.num_resources -= 1
        old.utilization = release(old.utilization, r.utilization)

    def assign_best_node(self, r: WRsc, prefer: WNode | None) -> bool:
        most_capable = ban_insufficient_capacity(self, r)
        if prefer is None:
            prefer = most_capable
        if not r.provisional:
            return r.allocated_to is not None
        table = r.allowed or {}
        nodes = self.sort_nodes(table, r.current_node())
        best = nodes[0] if nodes else None
        chosen: str | None = None
        if prefer is not None and nodes:
            if prefer.uname in table and table[prefer.uname] >= table[best] \
                    and self.available(prefer.uname) and table[prefer.uname] >= 0:  # type: ignore[index]
                chosen = prefer.uname
        if chosen is None and best is not None:
            chosen = best
            cp = r.clone_parent()
            unique_clone = cp is not None and cp.unique and r.parent is cp
            if not unique_clone and table[chosen] > 0 and self.available(chosen):
                running = r.current_node()
                if running is not None and self.available(running.uname) and table.get(running.uname, -INF) >= 0:
                    for other in nodes[1:]:
                        if table[other] != table[chosen]:
                            break
                        if other == running.uname:
                            chosen = other
        return self.finalize(r, chosen, False)

    def assign_primitive(self, r: WRsc, prefer: WNode | None) -> WNode | None:
        if r.parent is not None and not r.parent.allocating and r.parent.provisional:
            self.assign(r.parent, prefer)
        if not r.provisional:
            return r.allocated_to
        if r.allocating:
            return None
        r.allocating = True
        for c in list(r.this_with):
            archive = None
            if c.dependent_role >= R.PROMOTED or (-INF < c.score < 0):
                archive = dict(r.allowed or {})
            self.assign(c.primary, None)
            before = dict(r.allowed or {})
            self.apply_coloc_for_dependent(r, c.primary, c)
            if archive is not None and not self.any_available(r.allowed):
                r.allowed = archive
            where = c.primary.allocated_to.uname if c.primary.allocated_to else "no node"
            if c.id == "group:internal_colocation":
                text = f"group member {r.id} runs where the member before it ({c.primary.id}) runs: {where}"
            else:
                text = (f"colocation {c.id}: {r.id} with {c.primary.id} ({scores.format(c.score)}), "
                        f"which is placed on {where}")
            self.explain(r, before, f"colocation:{c.id}", text)
        for c in list(r.with_this):
            if not c.has_influence():
                continue
            before = dict(r.allowed or {})
            res = self.add_colocated_scores(c.dependent, dict(r.allowed or {}), c.node_attribute,
                                            c.score / INF, active=True)
            if res is not None:
                r.allowed = res
            self.explain(r, before, f"colocation:{c.id}",
                         f"colocation {c.id}: {c.dependent.id} wants to run with {r.id} "
                         f"({scores.format(c.score)}); its own preferences count, scaled")
        if r.next_role == R.STOPPED:
            before = dict(r.allowed or {})
            for n in list((r.allowed or {}).keys()):
                r.allowed[n] = -INF  # type: ignore[index]
            self.explain(r, before, "role", f"{r.id} is to be stopped (target-role or on-fail=stop)")
        elif r.next_role > r.role and not self.u.options.have_quorum \
                and self.u.options.no_quorum_policy == "freeze":
            r.next_role = r.role
        self.printed[r.id] = dict(r.allowed or {})
        if self.u.options.stonith_enabled and not self.u.options.have_stonith_resource:
            r.managed = False
        if not r.managed:
            # Unmanaged resources stay where they are, in the role they have.
            cur = r.current_node()
            self.finalize(r, cur.uname if cur is not None else None, True)
            if cur is None:
                r.next_role = R.STOPPED if r.role <= R.STOPPED else r.role
            else:
                r.next_role = r.role
        elif self.u.options.stop_all:
            self.finalize(r, None, True)
        elif r.provisional:
            self.assign_best_node(r, prefer)
        r.allocating = False
        return r.allocated_to

    def assign_group(self, r: WRsc, prefer: WNode | None) -> WNode | None:
        if not r.provisional:
            return r.allocated_to
        if r.allocating:
            return None
        if not r.children:
            r.provisional = False
            return None
        r.allocating = True
        first = r.children[0]
        r.role = first.role
        # expand group colocations onto members
        for c in r.this_with:
            self.add_this_with(first, c)
        any_unmanaged = not first.managed
        for m in r.children[1:]:
            if any_unmanaged:
                for c in r.this_with:
                    if c.score == INF:
                        self.add_this_with(m, c)
            elif not m.managed:
                any_unmanaged = True
        r.this_with = []
        last = r.children[-1]
        for c in r.with_this:
            self.add_with_this(last, c)
        r.with_this = []
        self.printed[r.id] = dict(r.allowed or {})
        first_node = None
        for m in r.children:
            n = self.assign(m, prefer)
            if first_node is None:
                first_node = n
        r.next_role = first.next_role
        r.allocating = False
        r.provisional = False
        r.allocated_to = first_node
        return first_node

    def assign_clone(self, r: WRsc, prefer: WNode | None) -> WNode | None:
        if r.replicas:
            from hastack.scheduler.bundle import assign_bundle
            return assign_bundle(self, r, prefer)
        from hastack.scheduler.clones import assign_clone
        return assign_clone(self, r, prefer)

    def run(self) -> None:
        # Pacemaker keeps its resource list sorted by priority (unpack_resources; stable, so
        # definition order among equals): resources are assigned in that order
        resources = sorted(self.u.resources, key=lambda r: -r.priority)
        if self.u.options.placement_strategy != "default":
            resources = assignment_order(self, resources)
        # remote connections first: where they go decides whether their nodes can run anything
        for r in resources:
            if r.is_remote_node and r.bundle is None:  # a bundle places its own with the bundle
                self.assign(r, r.partial_migration_target)
                remote.connection_assigned(r, self.node.get(r.id))
        for n in self.nodes:
            if n.remote_rsc is not None:
                self.avail[n.uname] = n.available()
        for r in resources:
            if not r.is_remote_node or r.bundle is not None:
                self.assign(r, None)


def _critical(r: WRsc) -> bool:
    """Meta critical (crm_is_true, unset is true): whether r's preferences move what it is colocated with."""
    return r.meta.get("critical", "true").lower() in ("true", "yes", "1", "on", "y")


ASSIGN: dict[str, Callable[[Assigner, WRsc, WNode | None], WNode | None]] = {
    "primitive": Assigner.assign_primitive,
    "group": Assigner.assign_group,
    "clone": Assigner.assign_clone,
}
