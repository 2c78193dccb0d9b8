"""Orderings: which actions must happen before which (the constraints, not their effects).

Owns: Pacemaker's implicit orderings (a primitive's stop before start and
demote before stop; group members in sequence and group/clone ordering
points; promotable instance orderings; under a placement strategy, each
node's load_stopped pseudo-action between the stops that free its capacity
and the starts that use it) and configured ones (rsc_order with
kinds and symmetry, inverse orderings, resource sets, clone-min), collected
as (first, task, then, task, flags) in Pacemaker's creation order. Their
effect on action flags is propagation.py's business.

Imports only the model and the scheduler's own modules.
"""

from __future__ import annotations

from hastack.model.config import Configuration, Order, OrderKind
from hastack.scheduler import bundle, migration
from hastack.scheduler.actions import ActionBuilder
from hastack.scheduler.facts import node_name_key
from hastack.scheduler.graph import Act, Graph, O
from hastack.scheduler.guest import filler_target
from hastack.scheduler.working import R, WRsc

INVERT = {"start": "stop", "stop": "start", "promote": "demote", "demote": "promote",
          "promoted": "demoted", "demoted": "promoted", "running": "stopped", "stopped": "running"}


class Orderer:
    def __init__(self, config: Configuration, b: ActionBuilder, assigner) -> None:  # type: ignore[no-untyped-def]
        self.config = config
        self.b = b
        self.g: Graph = b.g
        self.u = b.u
        self.a = assigner
        # (first resource or action, task, then resource or action, task, flags)
        self.pending: list[tuple[WRsc | Act, str, WRsc | Act, str, O]] = []
        self.depth = 0
        self.load_stopped: dict[str, Act] = {}  # node name -> its load_stopped pseudo-action
        self.configuring = False  # configured() is running

    # --- creating orderings ---------------------------------------------------------------
    def rsc_order(self, first: WRsc | Act, ftask: str, then: WRsc | Act, ttask: str, flags: O) -> None:
        self.pending.append((first, ftask, then, ttask, flags))
        then_rsc = then.rsc if isinstance(then, Act) else then
        # Pacemaker makes the configured orderings before it schedules actions, which may
        # abandon a partial migration: those see the partial migration as history left it.
        partial = then_rsc is not None and (then_rsc.partial_at_unpack if self.configuring
                                            else then_rsc.partial_migration_target is not None)
        self.pending.extend(migration.equivalents(first, ftask, then, ttask, partial))

    def internal(self, r: WRsc) -> None:
        if r.variant == "primitive":
            if not r.managed:
                return
            self.rsc_order(r, "stop", r, "start", O.OPTIONAL | O.IMPLIES_THEN | O.RESTART)
            if r.top().promotable or r.role > R.UNPROMOTED:
                self.rsc_order(r, "demote", r, "stop", O.PROMOTED_IMPLIES_FIRST)
                self.rsc_order(r, "start", r, "promote", O.RUNNABLE_LEFT)
            for rule in self.b.fencer.restart_orders(r):
                self.rsc_order(*rule)
            if r.utilization and self.u.options.placement_strategy != "default":
                self._utilization(r)
            if r.container is not None and filler_target(r, self.u.nodes) is None:
                # a filler (or a guest's connection) starts after its container, stops before it
                self.rsc_order(r.container, "start", r, "start", O.IMPLIES_THEN | O.RUNNABLE_LEFT)
                self.rsc_order(r, "stop", r.container, "stop", O.IMPLIES_FIRST)
        elif r.variant == "group":
            self._group_internal(r)
        elif r.replicas:
            bundle.internal_orders(r, bundle.child_clone(r), self.rsc_order, self.internal)
        else:
            self._clone_internal(r)

    def _utilization(self, r: WRsc) -> None:
        """pcmk__create_utilization_constraints: a start (on a node whose capacity counts) waits
        for the stops that free capacity on that node, through the node's load_stopped
        pseudo-action: a stop anywhere r runs comes before its node's load_stopped, which
        comes before r's start on any node it may be given."""
        for node in r.running_on:
            self.rsc_order(r, "stop", self._load_stopped(node.uname), "", O.LOAD)
        for uname in sorted(r.allowed or {}, key=node_name_key):
            self.rsc_order(self._load_stopped(uname), "", r, "start", O.LOAD)

    def _load_stopped(self, uname: str) -> Act:
        """new_load_stopped_op: one required pseudo-action per node, created on first use."""
        if uname not in self.load_stopped:
            self.load_stopped[uname] = self.g.new(f"load_stopped_{uname}", None, self.u.node_by_uname[uname],
                                                  optional=False, pseudo=True)
        return self.load_stopped[uname]

    def _group_internal(self, r: WRsc) -> None:
        self.rsc_order(r, "stop", r, "stopped", O.RUNNABLE_LEFT)
        self.rsc_order(r, "stopped", r, "start", O.OPTIONAL)
        self.rsc_order(r, "start", r, "running", O.RUNNABLE_LEFT)
        ordered = r.meta.get("ordered", "true").lower() in ("true", "yes", "1", "on")
        promotable = r.top().promotable
        prev: WRsc | None = None
        last_active: WRsc | None = None
        for m in r.children:
            self.internal(m)
            down = O.IMPLIES_FIRST_PRINTED
            post_down = O.IMPLIES_THEN_PRINTED
            if prev is None and ordered:
                down |= O.OPTIONAL
                post_down = O.IMPLIES_THEN
            if promotable:
                self.rsc_order(r, "demote", m, "demote", down)
                self.rsc_order(m, "demote", r, "demoted", post_down)
                self.rsc_order(m, "promote", r, "promoted",
                               O.RUNNABLE_LEFT | O.IMPLIES_THEN | O.IMPLIES_THEN_PRINTED)
                self.rsc_order(r, "promote", m, "promote", O.IMPLIES_FIRST_PRINTED)
            self.rsc_order(r, "stop", m, "stop", down)
            self.rsc_order(m, "stop", r, "stopped", post_down)
            self.rsc_order(r, "start", m, "start", O.IMPLIES_FIRST_PRINTED)
            self.rsc_order(m, "start", r, "running", O.RUNNABLE_LEFT | O.IMPLIES_THEN | O.IMPLIES_THEN_PRINTED)
            if not ordered:
                self.rsc_order(r, "start", m, "start", O.IMPLIES_THEN | O.RUNNABLE_LEFT | O.IMPLIES_FIRST_PRINTED)
                if promotable:
                    self.rsc_order(r, "promote", m, "promote",
                                   O.IMPLIES_THEN | O.RUNNABLE_LEFT | O.IMPLIES_FIRST_PRINTED)
            elif prev is None:
                pass
            else:
                self.rsc_order(prev, "start", m, "start", O.IMPLIES_THEN | O.RUNNABLE_LEFT)
                self.rsc_order(m, "stop", prev, "stop", O.OPTIONAL | O.RESTART)
                if promotable:
                    self.rsc_order(prev, "promote", m, "promote", O.IMPLIES_THEN | O.RUNNABLE_LEFT)
                    self.rsc_order(m, "demote", prev, "demote", O.OPTIONAL)
            if m.running_on:
                if ordered and prev is not None and not prev.running_on and last_active is not None \
                        and last_active.running_on:
                    self.rsc_order(m, "stop", last_active, "stop", O.OPTIONAL)
                last_active = m
            prev = m

    def _clone_internal(self, r: WRsc) -> None:
        self.rsc_order(r, "stopped", r, "start", O.OPTIONAL)
        self.rsc_order(r, "start", r, "running", O.RUNNABLE_LEFT)
        self.rsc_order(r, "stop", r, "stopped", O.RUNNABLE_LEFT)
        if r.promotable:
            self.rsc_order(r, "demoted", r, "stop", O.OPTIONAL)
            self.rsc_order(r, "running", r, "promote", O.RUNNABLE_LEFT)
        children = sorted(r.children, key=lambda c: int(c.id.rsplit(":", 1)[1])) if r.ordered else r.children
        last: WRsc | None = None
        for c in children:
            self.internal(c)
            self.rsc_order(r, "start", c, "start", O.RUNNABLE_LEFT | O.IMPLIES_FIRST_PRINTED)
            self.rsc_order(c, "start", r, "running", O.IMPLIES_THEN_PRINTED)
            if r.ordered and last is not None:
                self.rsc_order(last, "start", c, "start", O.OPTIONAL)
            self.rsc_order(r, "stop", c, "stop", O.IMPLIES_FIRST_PRINTED)
            self.rsc_order(c, "stop", r, "stopped", O.IMPLIES_THEN_PRINTED)
            if r.ordered and last is not None:
                self.rsc_order(c, "stop", last, "stop", O.OPTIONAL)
            last = c
        if r.promotable:
            # promotable restart ordering and per-instance promote/demote ordering
            self.rsc_order(r, "demote", r, "demoted", O.RUNNABLE_LEFT)
            self.rsc_order(r, "promote", r, "promoted", O.RUNNABLE_LEFT)
            self.rsc_order(r, "demoted", r, "promote", O.OPTIONAL)
            self.rsc_order(r, "stopped", r, "promote", O.OPTIONAL)
            self.rsc_order(r, "running", r, "promote", O.OPTIONAL)
            self.rsc_order(r, "demoted", r, "stop", O.OPTIONAL)
            for c in r.children:
                self.rsc_order(c, "demote", c, "promote", O.OPTIONAL)
                self.rsc_order(r, "promote", c, "promote", O.RUNNABLE_LEFT)
                self.rsc_order(c, "promote", r, "promoted", O.OPTIONAL)
                self.rsc_order(r, "demote", c, "demote", O.OPTIONAL)
                self.rsc_order(c, "demote", r, "demoted", O.OPTIONAL)

    def configured(self) -> None:
        self.configuring = True
        try:
            self._configured()
        finally:
            self.configuring = False

    def _configured(self) -> None:
        for c in self.config.constraints:
            if not isinstance(c, Order):
                continue
            if c.sets:
                self._order_sets(c)
                continue
            first = self.u.constraint_rsc(c.first)
            then = self.u.constraint_rsc(c.then)
            if first is None or then is None:
                continue
            fa = c.first_action or "start"
            ta = c.then_action or fa
            kind = c.effective_kind
            symmetric = c.effective_symmetrical
            if kind is OrderKind.MANDATORY and c.score is not None and c.order_kind is None and c.score < 0:
                kind = OrderKind.OPTIONAL
            minimum = _minimum_first_instances(first, c.require_all)
            if minimum > 0:
                self._clone_min(c.id, first, fa, then, ta, kind, symmetric, minimum)
            else:
                self._one(first, fa, then, ta, kind, symmetric)

    def _clone_min(self, cid: str, first: WRsc, fa: str, then: WRsc, ta: str, kind: OrderKind,
                   symmetric: bool, minimum: int) -> None:
        """clone_min_ordering: 'then' may start once `minimum` instances of the clone can."""
        met = self.g.new(f"clone-one-or-more:{cid}", None, None, optional=True, pseudo=True)
        met.requires_any = True
        met.required_runnable_before = minimum
        flags = self._flags(kind, fa, "symmetric" if symmetric else "asymmetric")
        for child in first.children:
            self.rsc_order(child, fa, met, "", O.ONE_OR_MORE | O.IMPLIES_THEN_PRINTED)
        self.rsc_order(met, "", then, ta, flags | O.RUNNABLE_LEFT)
        if symmetric:
            ia, ib = INVERT.get(ta), INVERT.get(fa)
            if ia and ib:
                self.rsc_order(then, ia, first, ib, self._flags(kind, ib, "inverse"))

    def _one(self, first: WRsc, fa: str, then: WRsc, ta: str, kind: OrderKind, symmetric: bool) -> None:
        # The deprecated restart-type=restart meta of 'then' upgrades optional orderings.
        restart = kind is OrderKind.OPTIONAL and then.meta.get("restart-type", "").lower() == "restart"
        flags = self._flags(kind, fa, "symmetric" if symmetric else "asymmetric")
        if restart:
            flags |= O.IMPLIES_THEN
        self.rsc_order(first, fa, then, ta, flags)
        if symmetric:
            ia, ib = INVERT.get(ta), INVERT.get(fa)
            if ia and ib:
                inv = self._flags(kind, ib, "inverse")
                if restart:
                    inv |= O.IMPLIES_FIRST
                self.rsc_order(then, ia, first, ib, inv)

    @staticmethod
    def _flags(kind: OrderKind, first_action: str, symmetry: str) -> O:
        flags = O.OPTIONAL
        if kind is OrderKind.SERIALIZE:
            return flags | O.SERIALIZE
        if kind is OrderKind.OPTIONAL:
            return flags
        if symmetry == "asymmetric":
            return flags | O.ASYMMETRICAL
        if symmetry == "symmetric":
            flags |= O.IMPLIES_THEN
            if first_action in ("start", "promote"):
                flags |= O.RUNNABLE_LEFT
            return flags
        return flags | O.IMPLIES_FIRST

    @staticmethod
    def _symmetry(kind: OrderKind, symmetrical: bool | None) -> str:
        """get_ordering_symmetry: explicit setting, else symmetric unless Serialize."""
        if symmetrical is not None:
            return "symmetric" if symmetrical and kind is not OrderKind.SERIALIZE else "asymmetric"
        return "asymmetric" if kind is OrderKind.SERIALIZE else "symmetric"

    def _order_sets(self, c: Order) -> None:
        """pcmk__unpack_ordering for resource sets: within each set, then between sets."""
        kind = c.effective_kind
        symmetry = self._symmetry(kind, c.symmetrical)
        last: tuple[list[WRsc], object] | None = None
        for s in c.sets:
            members = [m for m in (self.u.constraint_rsc(x) for x in s.resources) if m is not None]
            self._within_set(members, s, kind, c.symmetrical)
            if last is not None:
                self._between_sets(last[0], last[1], members, s, kind, symmetry)
                if symmetry == "symmetric":
                    self._between_sets(members, s, last[0], last[1], kind, "inverse")
            last = (members, s)

    def _within_set(self, members: list[WRsc], s, parent_kind: OrderKind,  # type: ignore[no-untyped-def]
                    parent_symmetrical: bool | None) -> None:
        action = s.action or "start"
        kind = s.kind or parent_kind
        symmetry = self._symmetry(kind, parent_symmetrical)
        if len(members) <= 1 or kind is OrderKind.SERIALIZE:
            return
        sequential = s.sequential is None or s.sequential
        if not sequential:
            return
        flags = self._flags(kind, action, symmetry)
        for a, b in zip(members, members[1:]):
            self.rsc_order(a, action, b, action, flags)
        if symmetry == "asymmetric":
            return
        inv = INVERT.get(action, action)
        inv_flags = self._flags(kind, inv, "inverse")
        for a, b in zip(members, members[1:]):
            self.rsc_order(b, inv, a, inv, inv_flags)

    def _between_sets(self, set1: list[WRsc], s1, set2: list[WRsc], s2,  # type: ignore[no-untyped-def]
                      kind: OrderKind, symmetry: str) -> None:
        """order_rsc_sets: only an explicitly sequential set is represented by one end; a first
        set with require-all=false is represented by a `one-or-more` pseudo action."""
        a1, a2 = s1.action or "start", s2.action or "start"
        if symmetry == "inverse":
            a1, a2 = INVERT.get(a1, a1), INVERT.get(a2, a2)
        flags = self._flags(kind, a2, symmetry)
        if s1.require_all is False and a1 not in ("stop", "demote"):
            # require-all=false: set2 waits for any one member of set1, through a pseudo action
            met = self.g.new(f"one-or-more:{s1.id}", None, None, optional=True, pseudo=True)
            met.requires_any = True
            for f in set1:
                self.rsc_order(f, a1, met, "", O.ONE_OR_MORE | O.IMPLIES_THEN_PRINTED)
            for t in set2:
                self.rsc_order(met, "", t, a2, flags | O.RUNNABLE_LEFT)
            return
        r1 = r2 = None
        if s1.sequential is True and set1:
            r1 = set1[0] if symmetry == "inverse" else set1[-1]
        if s2.sequential is True and set2:
            r2 = set2[-1] if symmetry == "inverse" else set2[0]
        firsts = [r1] if r1 is not None else set1
        thens = [r2] if r2 is not None else set2
        for f in firsts:
            for t in thens:
                self.rsc_order(f, a1, t, a2, flags)

    def apply(self):  # type: ignore[no-untyped-def]
        """Resolve the collected orderings to actions and propagate their effects; returns the
        Propagator, whose flag summaries the clone notifications use."""
        from hastack.scheduler.propagation import Propagator

        p = Propagator(self.config, self.b, self.a, self.pending)
        p.apply()
        return p


def _minimum_first_instances(first: WRsc, require_all: bool | None) -> int:
    """get_minimum_first_instances: how many instances of a clone 'first' must be able to act
    before 'then' can: its clone-min, else 1 for the deprecated require-all=false, else all (0)."""
    if first.variant != "clone":
        return 0
    if first.meta.get("clone-min") is not None:
        return _score_int(first.meta.get("clone-min"))
    return 1 if require_all is False else 0


def _score_int(text: str | None) -> int:
    try:
        return int(text) if text is not None else 0
    except ValueError:
        return 0
