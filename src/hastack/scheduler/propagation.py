"""Propagation: how orderings change action flags (Pacemaker's pcmk__apply_orderings and
pcmk__update_action_for_orderings).

Owns: resolving the orderings collected by ordering.py to actions, then the
flag rules — a required 'first' makes 'then' required (implies_then), a
required 'then' makes 'first' required (implies_first), an unrunnable 'first'
makes 'then' unrunnable (runnable_left), restarts, asymmetric orderings,
one-or-more (clone-min) — through group and clone ordering points and
interleaved pairs, recording Pacemaker's reasons ("required rsc1 start",
"unrunnable grp running"); and blocking of mandatorily colocated dependents
when a primary cannot start.

Imports only the model and the scheduler's own modules.
"""

from __future__ import annotations

from hastack.model.config import Configuration
from hastack.model.scores import INFINITY as INF
from hastack.scheduler.actions import ActionBuilder
from hastack.scheduler.bundle import collective, members, summarized_members
from hastack.scheduler.clones import find_compatible_child
from hastack.scheduler.graph import Act, Graph, O
from hastack.scheduler.notify import confirmed_post
from hastack.scheduler.working import R, WRsc

REMAP = {"stop": "stopped", "start": "running", "promote": "promoted", "demote": "demoted",
         "stopped": "stopped", "running": "running", "promoted": "promoted", "demoted": "demoted"}
CHILD_TASK = {"stopped": "stop", "running": "start", "promoted": "promote", "demoted": "demote"}

Pending = tuple["WRsc | Act", str, "WRsc | Act", str, O]


class Propagator:
    def __init__(self, config: Configuration, b: ActionBuilder, assigner,  # type: ignore[no-untyped-def]
                 pending: list[Pending]) -> None:
        self.config = config
        self.b = b
        self.g: Graph = b.g
        self.u = b.u
        self.a = assigner
        self.pending = pending
        self.depth = 0

    # --- applying orderings to actions ---------------------------------------------------------
    def apply(self) -> None:
        for first_rsc, ftask, then_rsc, ttask, flags in self.pending:
            if isinstance(first_rsc, Act) or isinstance(then_rsc, Act):
                self._apply_with_actions(first_rsc, ftask, then_rsc, ttask, flags)
                continue
            firsts = self.g.find(first_rsc, ftask, None)
            if not firsts and first_rsc is then_rsc:
                continue
            if not firsts:
                state = _state(first_rsc)
                if state == R.STOPPED and ftask == "stop":
                    continue
                if state == R.UNPROMOTED and ftask == "demote":
                    continue
                if first_rsc.variant == "primitive":
                    fa = self.b.custom(first_rsc, ftask, None, True)
                else:
                    fa = self.b.pseudo(first_rsc, ftask, True, False)
                firsts = [fa]
            thens = self.g.find(then_rsc, ttask, None)
            if not thens:
                continue
            for f in firsts:
                # a dangling migration's stop (of the resource itself) does not require its start
                f_flags = flags & ~O.IMPLIES_THEN if f.dangle and f.rsc is then_rsc else flags
                for t in thens:
                    self.g.order(f, t, f_flags)
        for a in list(reversed(self.g.actions)):
            self.block_dependents(a)
        for a in list(reversed(self.g.actions)):
            self.update(a)
        self.settle_monitors()

    def settle_monitors(self) -> None:
        """A recurring monitor cannot run before an unrunnable start/promote/demote it is ordered
        after. Propagation can miss this when the start changed while being updated as a group or
        clone member (its own successors are then not revisited); Pacemaker's graph never holds
        such a monitor, so settle it here: one pass over the monitors' incoming orderings."""
        for mon in self.b.monitors:
            if mon.runnable and any(e[1] & O.RUNNABLE_LEFT and not e[0].runnable for e in mon.before):
                mon.runnable = False

    def _apply_with_actions(self, first: WRsc | Act, ftask: str, then: WRsc | Act, ttask: str,
                            flags: O) -> None:
        firsts = [first] if isinstance(first, Act) else self.g.find(first, ftask, None)
        thens = [then] if isinstance(then, Act) else self.g.find(then, ttask, None)
        if not firsts and isinstance(then, Act) and then.rsc is first:
            return  # a resource's own missing action orders nothing (rsc_order_first)
        if not firsts and isinstance(first, WRsc) and first.variant == "primitive":
            firsts = [self.b.custom(first, ftask, None, True)]
        for f in firsts:
            for t in thens:
                self.g.order(f, t, flags)

    # --- flag propagation (pcmk__update_action_for_orderings) -------------------------------------
    def action_flags(self, a: Act, node) -> tuple[bool, bool]:  # type: ignore[no-untyped-def]
        """(optional, runnable) as the resource's method reports them."""
        r = a.rsc
        if r is None or r.variant == "primitive":
            return a.optional, a.runnable
        if r.variant == "group":
            optional, runnable = True, True
            for m in r.children:
                task = CHILD_TASK.get(a.task, a.task)
                ma = self.g.first(m, task, node)
                if ma is not None:
                    mo, mr = self.action_flags(ma, node)
                    if optional and not mo:
                        optional = False
                        a.optional = False
                    if task != a.task and runnable and not mr:
                        runnable = False
                        a.runnable = False
                elif task not in ("stop", "demote"):
                    runnable = False
            return optional, runnable
        # clone: primitive instances answer for "running" with their start (get_complex_task),
        # cloned groups with their own "running" pseudo-action; a notification pseudo-action
        # as the action it notifies about (clone_child_action)
        optional, any_runnable = True, False
        summarized = a.notify_of or a.task
        for c in summarized_members(r, summarized):
            task = summarized if c.children else CHILD_TASK.get(summarized, summarized)
            ca = self.g.first(c, task, None if c.children else node)
            if ca is None:
                continue
            co, cr = self.action_flags(ca, node)
            if optional and not co:
                optional = False
                a.optional = False
            if cr:
                any_runnable = True
        runnable = True
        if not any_runnable:
            runnable = False
            if node is None:
                a.runnable = False
        return optional, runnable

    def flags_for_ordering(self, a: Act, node) -> tuple[bool, bool]:  # type: ignore[no-untyped-def]
        if a.rsc is None:
            return a.optional, a.runnable
        opt, run = self.action_flags(a, None)
        if node is None or a.rsc.variant != "clone":
            return opt, run
        opt2, run2 = self.action_flags(a, node)
        if run and not run2:
            run2 = True
        return opt2, run2

    def for_ordering(self, a: Act) -> Act:
        """action_for_ordering: a collective's action stands for its completion (start: running);
        a notifying clone's, for the confirmation of the post notifications of that completion."""
        r = a.rsc
        if r is None or r.variant == "primitive" or a.interval_ms or a.notify_of is not None:
            return a
        task = REMAP.get(a.task)
        if task is None:
            return a
        if r.notify and r.parent is None and r.variant == "clone":
            found = confirmed_post(self.g, r, task)
        else:
            found = self.g.first(r, task, None)
        return found if found is not None else a

    def clear(self, target: Act, attr: str, because: Act) -> bool:
        """clear_action_flag_because: attr is optional, runnable or migrate_runnable; a flag
        cleared because of another resource's action gets that action as its reason."""
        if not getattr(target, attr):
            return False
        setattr(target, attr, False)
        if target.rsc is not because.rsc:
            change = "required" if attr == "optional" else "unrunnable"
            rid = f" {because.rsc.id}" if because.rsc is not None else ""
            target.set_reason(f"{change}{rid} {because.task}", attr == "migrate_runnable")
        return True

    def update(self, then: Act) -> None:
        self.depth += 1
        if self.depth > 3000:
            self.depth -= 1
            return
        try:
            self._update(then)
        finally:
            self.depth -= 1

    def _update(self, then: Act) -> None:
        changed_then = False
        last = (then.optional, then.runnable)
        if then.requires_any:
            then.runnable_before = 0
            then.runnable = False
        for entry in list(then.before):
            first, flags = entry[0], entry[1]
            if flags == O.NONE:
                continue
            then_node = then.node
            first_node = first.node
            if first.rsc is not None and first.rsc.variant == "group" and first.task == "start":
                from hastack.scheduler.clones import instance_location
                first_node = instance_location(first.rsc, False)
            if then.rsc is not None and then.rsc.variant == "group" and then.task == "start":
                from hastack.scheduler.clones import instance_location
                then_node = instance_location(then.rsc, False)
            if flags & O.SAME_NODE and first_node is not None and then_node is not None \
                    and first_node is not then_node:
                entry[1] = O.NONE
                continue
            if first.rsc is not None and flags & O.THEN_CANCELS_FIRST and not then.optional:
                first.optional = True  # e.g. a required stop: no reload before it
                if first.task == "reload-agent":
                    first.rsc.reload = False
            orig = first
            if first.rsc is not None and then.rsc is not None and first.rsc is not then.rsc \
                    and not _is_parent(then.rsc, first.rsc):
                first = self.for_ordering(first)
            changed_first = False
            if first is orig:
                fo, fr = self.flags_for_ordering(first, then_node)
                to, tr = self.flags_for_ordering(then, first_node)
                cf, ct = self.update_flags(first, then, fo, fr, to, tr, flags, then_node)
                changed_first |= cf
                changed_then |= ct
            else:
                if self.g.order(first, then, flags):
                    changed_then = True
                entry[1] = O.NONE
            if changed_first:
                for e in list(first.after):
                    self.update(e[0])
                self.update(first)
        # Only changes made through an ordering count here; a collective action's flags
        # that changed while being summarized from its members do not (as in Pacemaker).
        if then.requires_any:
            changed_then = last != (then.optional, then.runnable)
        if changed_then:
            if last[1] and not then.runnable:
                self.block_dependents(then)
            self.update_after(then)

    def update_after(self, then: Act) -> None:
        self.update(then)
        for e in list(then.after):
            self.update(e[0])

    def update_flags(self, first: Act, then: Act, fo: bool, fr: bool, to: bool, tr: bool, flags: O,
                     node) -> tuple[bool, bool]:  # type: ignore[no-untyped-def]
        cf = ct = False

        def rsc_update(filter_opt: bool, filter_run: bool, typ: O, f_opt: bool, f_run: bool,
                       variant: str | None = None) -> None:
            nonlocal cf, ct
            a, b = self.rsc_update(first, then, node, f_opt, f_run, filter_opt, filter_run, typ, variant)
            cf |= a
            ct |= b

        if flags & O.IMPLIES_THEN:
            if then.rsc is not None:
                rsc_update(True, False, O.IMPLIES_THEN, fo, True)
            elif not fo and then.optional:
                then.optional = False
                ct = True
        if flags & O.RESTART and then.rsc is not None:
            rsc_update(True, True, O.RESTART, fo, fr)
        if flags & O.IMPLIES_FIRST:
            if first.rsc is not None:
                # the one ordering Pacemaker updates through the 'first' resource's method
                rsc_update(True, False, O.IMPLIES_FIRST, fo, fr, first.rsc.variant)
            elif not fo and first.runnable:
                first.runnable = False
                cf = True
        if flags & O.PROMOTED_IMPLIES_FIRST and then.rsc is not None:
            rsc_update(True, False, O.PROMOTED_IMPLIES_FIRST, fo, True)
        if flags & O.ONE_OR_MORE and then.rsc is None and fr:
            then.runnable_before += 1
            if then.runnable_before >= then.required_runnable_before and not then.runnable:
                then.runnable = True
                ct = True
        if flags & O.RUNNABLE_LEFT:
            if then.rsc is not None:
                rsc_update(False, True, O.RUNNABLE_LEFT, fo, fr)
            elif not fr and then.runnable:
                then.runnable = False
                ct = True
        if flags & O.IMPLIES_FIRST_MIGRATABLE and then.rsc is not None:
            rsc_update(True, False, O.IMPLIES_FIRST_MIGRATABLE, fo, fr)
        if flags & O.PSEUDO_LEFT and then.rsc is not None:
            rsc_update(True, False, O.PSEUDO_LEFT, fo, fr)
        if flags & O.ASYMMETRICAL and then.rsc is not None:
            rsc_update(False, True, O.ASYMMETRICAL, fo, fr)
        if first.runnable and flags & O.IMPLIES_THEN_PRINTED and not fo:
            then.print_always = True
        if flags & O.IMPLIES_FIRST_PRINTED and not to:
            first.print_always = True
        if flags & (O.IMPLIES_THEN | O.IMPLIES_FIRST | O.RESTART) and first.rsc is not None \
                and not first.rsc.managed and first.rsc.block and not first.runnable and first.task == "stop":
            if then.runnable:
                then.runnable = False
                ct = True
        return cf, ct

    def rsc_update(self, first: Act, then: Act, node, f_opt: bool, f_run: bool, filter_opt: bool,
                   filter_run: bool, typ: O,  # type: ignore[no-untyped-def]
                   variant: str | None = None) -> tuple[bool, bool]:
        """update_ordered_actions of the resource variant given (by default then's); whatever the
        variant, the actions visited below are then's members or instances."""
        r = then.rsc
        assert r is not None
        variant = variant or r.variant
        if variant == "primitive":
            return self.primitive_update(first, then, node, f_opt, f_run, filter_opt, filter_run, typ)
        if variant == "group":
            cf, ct = self.primitive_update(first, then, node, f_opt, f_run, filter_opt, filter_run, typ)
            for m in r.children:
                ma = self.g.first(m, then.task, node)
                if ma is not None:
                    a, b = self.rsc_update(first, ma, node, f_opt, f_run, filter_opt, filter_run, typ)
                    cf |= a
                    ct |= b
            return cf, ct
        # clone
        if self.can_interleave(first, then):
            return self.interleave_update(first, then, node, filter_opt, filter_run, typ)
        cf, ct = self.primitive_update(first, then, node, f_opt, f_run, filter_opt, filter_run, typ)
        for c in r.children:
            ca = self.g.first(c, then.task, node)
            if ca is None:
                continue
            co, cr = self.action_flags(ca, node)
            if cr:
                a, b = self.rsc_update(first, ca, node, f_opt, f_run, filter_opt, filter_run, typ)
                cf |= a
                if b:
                    ct = True
                    for e in list(ca.after):
                        self.update(e[0])
        return cf, ct

    def can_interleave(self, first: Act, then: Act) -> bool:
        if first.rsc is None or then.rsc is None or first.rsc is then.rsc:
            return False
        if first.rsc.variant != "clone" or then.rsc.variant != "clone":
            return False
        r = first.rsc if then.task in ("stop", "demote") else then.rsc
        return r.interleave

    def interleave_update(self, first: Act, then: Act, node, filter_opt: bool, filter_run: bool,
                          typ: O) -> tuple[bool, bool]:  # type: ignore[no-untyped-def]
        cf = ct = False
        ftask = first.notify_of or first.task  # a notification stands for what it notifies about
        current = ftask in ("stopped", "demoted")
        assert then.rsc is not None and first.rsc is not None
        for tc in then.rsc.children:
            fc = find_compatible_child(self.a, tc, first.rsc, R.UNKNOWN, current)
            if fc is None:
                if not current and typ & (O.RUNNABLE_LEFT | O.IMPLIES_THEN):
                    # "Inhibiting ... from being active": pcmk__assign_resource(child, NULL, force),
                    # a change of 'then' when the instance had a node (what follows it must know)
                    for p in tc.primitives():
                        ct = ct or p.allocated_to is not None
                        p.allocated_to = None
                        p.next_role = R.STOPPED
                        for act in self.g.of(p):
                            if act.task == "stop":
                                act.optional = False
                            elif act.task == "start" or (act.interval_ms and act.task == "monitor"):
                                act.runnable = False
                continue
            task = ftask if fc.children else CHILD_TASK.get(ftask, ftask)
            fa = self.g.first(fc, task, node)
            ta = self.g.first(tc, then.task, node)
            if fa is None or ta is None:
                continue
            if self.g.order(fa, ta, typ):
                cf = ct = True
            fo, fr = self.action_flags(fa, node)
            a, b = self.rsc_update(fa, ta, node, fo, fr, filter_opt, filter_run, typ)
            cf |= a
            ct |= b
        return cf, ct

    def primitive_update(self, first: Act, then: Act, node, f_opt: bool, f_run: bool, filter_opt: bool,
                         filter_run: bool, typ: O) -> tuple[bool, bool]:  # type: ignore[no-untyped-def]
        then_before = _flags(then)
        first_before = _flags(first)
        then_opt0 = then.optional
        # a collective's flags for ordering never include migrate_runnable
        f_mig = first.migrate_runnable and (first.rsc is None or first.rsc.variant == "primitive")
        if typ & O.ASYMMETRICAL:
            self.asymmetric(first, then)
        if typ & O.IMPLIES_FIRST and not then_opt0:
            if filter_opt and not f_opt and first.optional:
                self.clear(first, "optional", then)
            if f_mig and not then.migrate_runnable:
                self.clear(first, "migrate_runnable", then)
        if typ & O.PROMOTED_IMPLIES_FIRST and then.rsc is not None and then.rsc.role == R.PROMOTED \
                and filter_opt and not then.optional:
            self.clear(first, "optional", then)
            if first.migrate_runnable and not then.migrate_runnable:
                self.clear(first, "migrate_runnable", then)
        if typ & O.IMPLIES_FIRST_MIGRATABLE and filter_opt:
            if not (then.migrate_runnable and then.runnable):
                self.clear(first, "runnable", then)
            if not then.optional:
                self.clear(first, "optional", then)
        if typ & O.PSEUDO_LEFT and filter_opt and not first.runnable:
            self.clear(then, "migrate_runnable", first)
            then.pseudo = False
        if typ & O.RUNNABLE_LEFT and filter_run and then.runnable and not f_run:
            self.clear(then, "runnable", first)
            self.clear(then, "migrate_runnable", first)
        if typ & O.IMPLIES_THEN and filter_opt and then.optional and not f_opt and not first.migrate_runnable:
            self.clear(then, "optional", first)
        if typ & O.RESTART:
            self.restart(first, then, filter_opt, filter_run)
        ct = then_before != _flags(then)
        cf = first_before != _flags(first)
        if ct and then.rsc is not None and then.rsc.parent is not None:
            self.update(then)
        return cf, ct

    def asymmetric(self, first: Act, then: Act) -> None:
        r = then.rsc
        if r is None:
            return
        role = _state(r)
        if role == R.STOPPED and then.task == "stop":
            return
        if role >= R.STARTED and then.optional and then.node is not None and len(r.running_on) == 1 \
                and then.node is r.running_on[0] and then.task == "start":
            return
        if not first.runnable:
            self.clear(then, "optional", first)
            self.clear(then, "runnable", first)

    def restart(self, first: Act, then: Act, filter_opt: bool, filter_run: bool) -> None:
        if first.rsc is None or then.rsc is None or first.rsc.variant != "primitive" \
                or then.rsc.variant != "primitive":
            return
        reason = None
        if filter_opt and not then.optional:
            reason = "restart"
        if filter_run and not then.runnable and then.rsc.managed and first.rsc is then.rsc:
            reason = "stop"
        if reason is None:
            return
        if first.runnable:
            self.clear(first, "optional", then)
        if not then.optional:
            self.clear(first, "optional", then)
        if not then.migrate_runnable:
            self.clear(first, "migrate_runnable", then)
        if not first.optional and not first.runnable:
            self.clear(then, "runnable", first)

    # --- colocation blocking -----------------------------------------------------------------
    def block_dependents(self, a: Act) -> None:
        if a.runnable or a.rsc is None or a.task not in ("start", "promote"):
            return
        is_start = a.task == "start"
        top = collective(a.rsc)
        if not top.with_this:
            return
        for c in (members(top) if top.replicas else top.children):
            ca = self.g.first(c, a.task, None)
            if ca is None or ca.runnable:
                return
        for col in list(top.with_this):
            if col.score < INF:
                continue
            if not is_start and col.primary_role != R.PROMOTED:
                continue
            self.mark_blocked(col.dependent, "promote" if col.dependent_role == R.PROMOTED else "start", a.rsc)

    def mark_blocked(self, r: WRsc, task: str, reason: WRsc) -> None:
        for act in list(self.g.of(r)):
            if act.runnable and act.task == task:
                act.runnable = False
                act.set_reason(f"colocation with {reason.id}", False)
                self.block_dependents(act)
                self.update(act)
        for c in (members(r) if r.replicas else r.children):
            self.mark_blocked(c, task, reason)


def _flags(a: Act) -> tuple[bool, bool, bool, bool]:
    """The flags whose change makes Pacemaker revisit an action's orderings."""
    return a.optional, a.runnable, a.migrate_runnable, a.pseudo


def _state(r: WRsc) -> R:
    if r.variant == "primitive":
        return r.role
    best = R.STOPPED
    for c in r.children:
        s = _state(c)
        if s > best:
            best = s
    return best


def _is_parent(child: WRsc, rsc: WRsc) -> bool:
    """is_parent: rsc contains child (a bundle contains its addresses, connections and clone)."""
    p = child.parent or child.bundle
    while p is not None:
        if p is rsc:
            return True
        p = p.parent or p.bundle
    return False
