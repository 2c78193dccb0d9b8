"""Actions: what each resource must do to get from its current role to its next one.

Owns Pacemaker's per-variant create_actions: the role transition matrix for
primitives (stop/start/demote/promote, restarts for recovery and moves,
multiply-active recovery), group and clone pseudo-actions, recurring
monitors, and agent reloads of a changed definition. (Live migration:
migration.py; fencing and unfencing, a guest's by its container: fencing.py;
probes: probes.py.)

Imports only the model and the scheduler's own modules.
"""

from __future__ import annotations

from hastack.model.results import ExecStatus, OcfRc
from hastack.model.values import is_true
from hastack.scheduler import migration, notify
from hastack.scheduler.fencing import Fencer
from hastack.scheduler.graph import Act, Graph, O
from hastack.scheduler.notify import Notification
from hastack.scheduler.nodes import runs_nothing, stop_unrunnable
from hastack.scheduler.unpack import Unpacked
from hastack.scheduler.working import R, WNode, WRsc


OCF_NOT_RUNNING, OCF_RUNNING_PROMOTED = 7, 8

# Immediate next role from (current, target): Pacemaker's rsc_state_matrix.
NEXT = {
    R.UNKNOWN: {R.UNKNOWN: R.UNKNOWN, R.STOPPED: R.STOPPED, R.STARTED: R.STOPPED, R.UNPROMOTED: R.STOPPED,
                R.PROMOTED: R.STOPPED},
    R.STOPPED: {R.UNKNOWN: R.STOPPED, R.STOPPED: R.STOPPED, R.STARTED: R.STARTED, R.UNPROMOTED: R.UNPROMOTED,
                R.PROMOTED: R.UNPROMOTED},
    R.STARTED: {R.UNKNOWN: R.STOPPED, R.STOPPED: R.STOPPED, R.STARTED: R.STARTED, R.UNPROMOTED: R.UNPROMOTED,
                R.PROMOTED: R.PROMOTED},
    R.UNPROMOTED: {R.UNKNOWN: R.STOPPED, R.STOPPED: R.STOPPED, R.STARTED: R.STOPPED,
                   R.UNPROMOTED: R.UNPROMOTED, R.PROMOTED: R.PROMOTED},
    R.PROMOTED: {R.UNKNOWN: R.STOPPED, R.STOPPED: R.UNPROMOTED, R.STARTED: R.UNPROMOTED,
                 R.UNPROMOTED: R.UNPROMOTED, R.PROMOTED: R.PROMOTED},
}

def _recurring_ops(r: WRsc) -> list:  # type: ignore[type-arg]
    """The enabled recurring monitors of a resource's definition, without any whose name and
    interval another op repeats (Pacemaker's is_op_dup drops every one of them)."""
    assert r.definition is not None
    ops = [op for op in r.definition.ops if op.interval_ms > 0]
    seen: dict[tuple[str, int], int] = {}
    for op in ops:
        seen[(op.name, op.interval_ms)] = seen.get((op.name, op.interval_ms), 0) + 1
    return [op for op in ops if op.name == "monitor" and op.enabled and seen[(op.name, op.interval_ms)] == 1]


# Which action takes a resource from one role to the next ("" = none needed).
STEP = {
    (R.UNKNOWN, R.STOPPED): "stop",
    (R.STOPPED, R.STARTED): "start", (R.STOPPED, R.UNPROMOTED): "start",
    (R.STARTED, R.STOPPED): "stop", (R.STARTED, R.PROMOTED): "promote",
    (R.UNPROMOTED, R.STOPPED): "stop", (R.UNPROMOTED, R.STARTED): "stop", (R.UNPROMOTED, R.PROMOTED): "promote",
    (R.PROMOTED, R.STOPPED): "demote", (R.PROMOTED, R.STARTED): "demote", (R.PROMOTED, R.UNPROMOTED): "demote",
}


class ActionBuilder:
    def __init__(self, u: Unpacked, g: Graph) -> None:
        self.u = u
        self.g = g
        self.opts = u.options
        self.fencer = Fencer(u, g, self.notify_action)
        self.probe_orders: list[tuple[Act, WRsc, O]] = []  # probe before the (top) resource's start
        # orderings the recurring monitors, their cancellations and migrations need, in creation
        # order: (first resource or action, its task, then resource or action, its task, flags)
        self.monitor_orders: list[tuple[WRsc | Act, str, WRsc | Act, str, O]] = []
        self.monitors: list[Act] = []  # the recurring monitors, in creation order
        self.reschedule: set[tuple[int, str, int]] = set()  # (id(rsc), node, interval) changed monitors
        # per notifying clone (by id): its notifications by action (start, stop, promote, demote)
        self.notifications: dict[int, dict[str, Notification]] = {}
        self.notify_acts: dict[tuple[int, str, str], Act] = {}  # (id(instance), key, node) -> notify

    # --- custom_action -----------------------------------------------------------
    def custom(self, rsc: WRsc, task: str, node: WNode | None, optional: bool, interval_ms: int = 0) -> Act:
        found = self.g.find(rsc, task, node, interval_ms)
        if found:
            a = found[0]
            if a.node is None and node is not None:
                a.node = node  # an action created before assignment gets its node now
        else:
            a = self.g.new(task, rsc, node, optional, interval_ms)
            a.needs = rsc.needs if task in ("start", "promote") else "nothing"
            a.runnable = True
        # update_action_optional
        if node is not None and not a.pseudo and not rsc.managed and interval_ms == 0:
            a.optional = True
        elif not optional:
            a.optional = False
        self._update_runnable(a)
        return a

    def _update_runnable(self, a: Act) -> None:
        if a.pseudo:
            return
        rsc = a.rsc
        assert rsc is not None
        if a.node is None:
            a.runnable = False
        elif runs_nothing(a.node):
            a.runnable = False
            if a.task == "stop":
                # what cannot be stopped there must be fenced (a remote node whose connection
                # failed while fencing is disabled: unclean, and nothing more can be done)
                stop_unrunnable(self.u, rsc, a.node)
        elif a.node.pending:
            a.runnable = False
        elif a.needs == "nothing":
            a.set_reason(None, True)
            a.runnable = True
        else:
            policy = self.opts.no_quorum_policy
            if self.opts.have_quorum:
                policy = "ignore"
            elif policy == "demote":
                if rsc.role in (R.PROMOTED, R.UNPROMOTED):
                    if rsc.next_role > R.UNPROMOTED:
                        rsc.next_role = R.UNPROMOTED
                    policy = "ignore"
                else:
                    policy = "stop"
            if policy == "stop" or policy == "suicide":
                a.runnable = False
                a.set_reason("no quorum", True)
            elif policy == "freeze":
                if not rsc.running_on or rsc.next_role > rsc.role:
                    a.runnable = False
                    a.set_reason("quorum freeze", True)
            else:
                a.runnable = True

    def pseudo(self, rsc: WRsc, task: str, optional: bool, runnable: bool) -> Act:
        found = self.g.find(rsc, task, None, 0)
        if found:
            return found[0]
        a = self.g.new(task, rsc, None, optional, 0, pseudo=True)
        a.runnable = runnable
        return a

    # --- primitive ---------------------------------------------------------------------
    def stop_resource(self, r: WRsc, node: WNode | None, optional: bool) -> None:
        for cur in list(r.running_on):
            if getattr(r, "_stop_unexpected", False) and getattr(r, "_restarting", False) \
                    and r.next_role > R.STOPPED and r.allocated_to is cur:
                continue
            required = not optional
            if r.partial_migration_target is not None:
                if cur is r.partial_migration_target and cur is r.allocated_to:
                    continue  # the partial migration there will continue
                required = True  # the migration target changed
            stop = self.custom(r, "stop", cur, not required)
            if r.allocated_to is None:
                stop.set_reason("node availability", True)
            elif getattr(r, "_stop_unexpected", False) and getattr(r, "_restarting", False):
                stop.set_reason("being multiply active", True)  # a stop where it should not run
            if not r.managed:
                stop.runnable = False

    def start_resource(self, r: WRsc, node: WNode | None, optional: bool) -> None:
        start = self.custom(r, "start", node, True)
        self.fencer.before(r, node, start, O.IMPLIES_THEN)
        if start.runnable and not optional:
            start.optional = False

    def promote_resource(self, r: WRsc, node: WNode | None, optional: bool) -> None:
        runnable = all(s.runnable for s in self.g.find(r, "start", node, exact=True) if s.node is node)
        if runnable:
            self.custom(r, "promote", node, optional)
        else:
            for p in self.g.find(r, "promote", node):
                if p.node is node:
                    p.runnable = False

    def demote_resource(self, r: WRsc, node: WNode | None, optional: bool) -> None:
        for cur in list(r.running_on):
            self.custom(r, "demote", cur, optional)

    def step(self, r: WRsc, task: str, node: WNode | None, optional: bool) -> None:
        {"stop": self.stop_resource, "start": self.start_resource, "promote": self.promote_resource,
         "demote": self.demote_resource}[task](r, node, optional)

    def create_primitive(self, r: WRsc) -> None:
        if r.next_role == R.UNKNOWN:
            r.next_role = R.STARTED if r.allocated_to is not None else R.STOPPED
        top = r.top()
        if top.promotable and r.next_role == R.STARTED:
            r.next_role = R.UNPROMOTED
        if top.promotable and r.role == R.STARTED:
            r.role = R.UNPROMOTED
        current = r.allocated_to if r.allocated_to in r.running_on else (r.running_on[0] if r.running_on else None)
        if r.partial_migration_source in r.running_on:
            current = r.partial_migration_source  # pe__find_active_on: a migration's source first
        migration.abort_dangling(r, self.custom)
        need_stop = need_promote = is_moving = False
        if current is not None and r.allocated_to is not None and current is not r.allocated_to \
                and r.next_role >= R.STARTED:
            is_moving = True
            need_stop = True
        n_all = len(r.running_on)
        n_clean = sum(1 for n in r.running_on if not n.unclean)
        migrating = migration.plan(r, current, is_moving, n_all)
        need_stop = need_stop or migrating.need_stop
        multiply = not migrating.multiply_checked and (n_all > 1 if r.needs == "fencing" else n_clean > 1)
        if multiply:
            if r.recovery in ("stop_start", "stop_unexpected"):
                need_stop = True
                if r.recovery == "stop_unexpected":
                    r.__dict__["_stop_unexpected"] = True
        if r.start_pending and r.allocated_to is not None:
            s = self.custom(r, "start", r.allocated_to, True)
            s.print_always = True
        if is_moving:
            pass  # the remaining recovery checks are for resources staying where they are
        elif r.failed:
            if r.stop_flag:
                need_stop = True
            elif r.next_role == R.PROMOTED:
                need_promote = True
        elif r.block:
            need_stop = True
        elif r.role > R.STARTED and current is not None and r.allocated_to is not None:
            start = self.custom(r, "start", r.allocated_to, True)
            if not start.optional:
                need_stop = True
        # restart actions
        r.__dict__["_restarting"] = True
        role = r.role
        while role != R.STOPPED:
            nxt = NEXT[role][R.STOPPED]
            task = STEP.get((role, nxt))
            if not task:
                break
            self.step(r, task, current, not need_stop)
            role = nxt
        while r.role <= r.next_role and role != r.role and not r.block:
            required = need_stop
            nxt = NEXT[role][r.role]
            if nxt == R.PROMOTED and need_promote:
                required = True
            task = STEP.get((role, nxt))
            if not task:
                break
            self.step(r, task, r.allocated_to, not required)
            role = nxt
        r.__dict__["_restarting"] = False
        # role transition
        role = r.role
        while role != r.next_role:
            nxt = NEXT[role][r.next_role]
            task = STEP.get((role, nxt))
            if not task:
                break
            self.step(r, task, r.allocated_to, False)
            role = nxt
        if r.allocated_to is None:
            for a in self.g.of(r):
                if a.task == "stop":
                    a.optional = False
                elif a.task == "start":
                    a.runnable = False
        self.recurring(r)
        if migrating.allow and current is not None:
            migration.create_actions(r, current, self.custom, self.monitor_orders)

    def recurring(self, r: WRsc) -> None:
        """pcmk__create_recurring_actions: monitors for the role a resource will have where it
        will be active, and role=Stopped monitors everywhere else."""
        if r.block or r.definition is None or self._in_maintenance(r):
            return
        node = r.allocated_to
        start = None
        if node is not None and not node.maintenance and (r.next_role != R.STOPPED or not r.managed):
            start = self.custom(r, "start", node, True)
        for op in _recurring_ops(r):
            role = R.of(op.role) if op.role is not None else R.UNKNOWN
            if role != R.STOPPED:
                if start is not None and node is not None:
                    self._monitor_active(r, start, node, role, op.name, op.interval_ms)
            else:
                self._monitor_inactive(r, node, op.name, op.interval_ms)

    def _in_maintenance(self, r: WRsc) -> bool:
        """pe_rsc_maintenance: the cluster or the resource is in maintenance mode."""
        return self.opts.maintenance or is_true(r.meta.get("maintenance"), False)

    def cancel(self, r: WRsc, name: str, interval_ms: int, node: WNode) -> Act:
        """pcmk__new_cancel_action: stop a recurring operation on a node."""
        a = self.custom(r, "cancel", node, False, interval_ms)
        a.add_meta({"operation": name, "interval": str(interval_ms)})
        return a

    def _monitor_active(self, r: WRsc, start: Act, node: WNode, role: R, name: str, interval_ms: int) -> None:
        """recurring_op_for_active: a monitor only for exactly the role the resource will have
        (a role-less one for any role but Promoted), ordered after what establishes that role;
        one configured for another role is cancelled where it runs."""
        # optional when the start is and the monitor already runs unchanged there
        optional = start.optional and interval_ms in self._active_monitors(r, node) \
            and (id(r), node.uname, interval_ms) not in self.reschedule
        if role != R.UNKNOWN and role != r.next_role or role == R.UNKNOWN and r.next_role == R.PROMOTED:
            if optional:  # it runs: cancel it before the role changes
                cancel = self.cancel(r, name, interval_ms, node)
                after = None
                if r.role in (R.UNPROMOTED, R.STARTED):
                    after = "promote" if r.next_role == R.PROMOTED else "stop" if r.next_role == R.STOPPED else None
                elif r.role == R.PROMOTED:
                    after = "demote"
                if after is not None:
                    self.monitor_orders.append((cancel, "", r, after, O.RUNNABLE_LEFT))
            return
        a = self.custom(r, "monitor", node, optional, interval_ms)
        if not start.runnable or not node.online or node.unclean:
            a.runnable = False
        if r.next_role == R.PROMOTED:
            a.target_rc = OCF_RUNNING_PROMOTED
        self.monitors.append(a)
        if r.managed:
            self.monitor_orders.append((r, "start", a, "", O.IMPLIES_THEN | O.RUNNABLE_LEFT))
            self.monitor_orders.append((r, "reload-agent", a, "", O.IMPLIES_THEN | O.RUNNABLE_LEFT))
            if r.next_role == R.PROMOTED:
                self.monitor_orders.append((r, "promote", a, "", O.OPTIONAL | O.RUNNABLE_LEFT))
            elif r.role == R.PROMOTED:
                self.monitor_orders.append((r, "demote", a, "", O.OPTIONAL | O.RUNNABLE_LEFT))

    def _monitor_inactive(self, r: WRsc, node: WNode | None, name: str, interval_ms: int) -> None:
        """recurring_op_for_inactive: a role=Stopped monitor (expecting rc 7) on every node where
        the resource is not to run, after its probe and stop there; cancelled where it will run.
        Pacemaker does not support them for anonymous clone instances."""
        clone = r.clone_parent()
        if clone is not None and not clone.unique:
            return
        for where in self.u.nodes:
            if where is node:
                self._cancel_if_running(r, where, name, interval_ms)
                continue
            mon = self.custom(r, "monitor", where, interval_ms in self._active_monitors(r, where), interval_ms)
            mon.target_rc = OCF_NOT_RUNNING
            if r.managed:
                for probe in self.g.find(r, "monitor", where, 0):  # order_after_probes
                    self.g.order(probe, mon, O.RUNNABLE_LEFT)
            for stop in self.g.find(r, "stop", where, 0, exact=True):  # order_after_stops
                if not stop.optional and not mon.optional and not r.managed:
                    mon.optional = True
                if not stop.runnable:
                    mon.runnable = False
                if r.managed:
                    self.monitor_orders.append((stop, "", mon, "", O.IMPLIES_THEN | O.RUNNABLE_LEFT))
            if not where.online or where.unclean:
                mon.runnable = False

    def _cancel_if_running(self, r: WRsc, node: WNode, name: str, interval_ms: int) -> None:
        if interval_ms not in self._active_monitors(r, node):
            return
        cancel = self.cancel(r, name, interval_ms, node)
        if r.next_role in (R.STARTED, R.UNPROMOTED):
            # before the start: on a node where it is stopped, or on a migration target
            self.monitor_orders.append((cancel, "", r, "start", O.RUNNABLE_LEFT))

    def _active_monitors(self, r: WRsc, node: WNode) -> set[int]:
        """Intervals of the recurring monitors the history shows active on a node (Pacemaker's
        calculate_active_ops and process_recurring): those since the last start, unless stopped."""
        if not node.online:
            return set()
        ops = sorted(self.u.history.get((r.id, node.uname), ()), key=lambda o: o.call_id)
        start_i = stop_i = implied_monitor = implied_clone = -1
        for i, o in enumerate(ops):
            if o.operation == "stop" and o.op_status == ExecStatus.DONE:
                stop_i = i
            elif o.operation in ("start", "migrate_from"):
                start_i = i
            elif implied_monitor <= stop_i and o.operation == "monitor":
                if o.rc_code == OcfRc.OK or o.rc_code == OcfRc.RUNNING_PROMOTED:
                    implied_monitor = i
            elif o.operation in ("promote", "demote"):
                implied_clone = i
        if start_i == -1:
            start_i = implied_clone if implied_clone != -1 else implied_monitor
        out = set()
        for i, o in enumerate(ops):
            if start_i < stop_i and i <= stop_i or i < start_i:
                continue
            if o.interval_ms and o.op_status != ExecStatus.PENDING and o.operation == "monitor":
                out.add(o.interval_ms)
        return out

    # --- groups and clones ---------------------------------------------------------------
    def create_group(self, r: WRsc) -> None:
        for m in r.children:
            self.create(m)
        for task in ("start", "running", "stop", "stopped"):
            self.pseudo(r, task, True, True)
        if r.top().promotable:
            for task in ("demote", "demoted", "promote", "promoted"):
                self.pseudo(r, task, True, True)

    def create_clone(self, r: WRsc) -> None:
        starting = stopping = active = False
        any_promoting = any_demoting = False
        dependents_may_migrate = True  # no instance both stops and starts
        for c in r.children:
            self.create(c)
            child_starting = child_stopping = False
            for p in c.primitives():
                if p.running_on:
                    active = True
                for a in self.g.of(p):
                    if a.optional or not (a.pseudo or a.runnable):
                        continue
                    if a.task == "stop":
                        child_stopping = True
                    elif a.task == "start" and a.runnable:
                        child_starting = True
            if child_starting and child_stopping:
                dependents_may_migrate = False
            starting |= child_starting
            stopping |= child_stopping
            if r.promotable:
                for p in c.primitives():
                    for a in self.g.of(p):
                        if a.optional:
                            continue
                        if a.task == "promote":
                            any_promoting = True
                        elif a.task == "demote":
                            any_demoting = True
        start = self.pseudo(r, "start", not starting, True)
        running = self.pseudo(r, "running", not starting, False)
        if active or starting:
            running.runnable = True
        notes = self.notifications.setdefault(id(r), {})
        self._notify_ops(notes, r, "start", start, running)
        stop = self.pseudo(r, "stop", not stopping, True)
        stopped = self.pseudo(r, "stopped", not stopping, True)
        stop.migrate_runnable = dependents_may_migrate
        self._notify_ops(notes, r, "stop", stop, stopped)
        if "start" in notes and "stop" in notes:
            self.g.order(notes["stop"].post_done, notes["start"].pre, O.OPTIONAL)
        if r.replicas and any(c.bundle is r and c.promotable for c in self.u.resources):
            # a bundle of a promotable primitive: points its clone's promote/demote are ordered around
            for task in ("promote", "promoted", "demote", "demoted"):
                self.pseudo(r, task, True, True)
        if r.promotable:
            promote = self.pseudo(r, "promote", not any_promoting, True)
            promoted = self.pseudo(r, "promoted", not any_promoting, True)
            self._notify_ops(notes, r, "promote", promote, promoted)
            demote = self.pseudo(r, "demote", not any_demoting, True)
            demoted = self.pseudo(r, "demoted", not any_demoting, True)
            self._notify_ops(notes, r, "demote", demote, demoted)
            if "promote" in notes and "demote" in notes:  # pe__create_promotable_pseudo_ops
                for before, after in (("stop", "promote"), ("start", "promote"), ("demote", "promote"),
                                      ("demote", "start"), ("demote", "stop")):
                    self.g.order(notes[before].post_done, notes[after].pre, O.OPTIONAL)
        if not notes:
            del self.notifications[id(r)]

    def _notify_ops(self, notes: dict[str, Notification], r: WRsc, task: str, first: Act, complete: Act) -> None:
        if task not in notes:
            n = notify.pseudo_ops(self.g, r, task, first, complete)
            if n is not None:
                notes[task] = n

    def notify_action(self, r: WRsc, key: str, node: WNode, optional: bool) -> Act:
        """custom_action for an instance's notification: one per key and node."""
        a = self.notify_acts.get((id(r), key, node.uname))
        if a is None:
            a = self.g.new("notify", r, node, optional)
            self.notify_acts[(id(r), key, node.uname)] = a
        if not r.managed:
            a.optional = True
        elif not optional:
            a.optional = False
        self._update_runnable(a)
        return a

    def notifications_for_graph(self, flags: notify.Flags) -> None:
        """The clones' notify variables and actions, once the flags are settled, in
        resource order (clone_expand: start, stop, promote, demote)."""
        for r in self.u.resources:
            for n in self.notifications.get(id(r), {}).values():
                notify.create(self.g, self.notify_action, flags, n, self.u.nodes)

    def create(self, r: WRsc) -> None:
        {"primitive": self.create_primitive, "group": self.create_group, "clone": self.create_clone}[r.variant](r)

    def fencing(self) -> None:
        self.fencer.fence_unclean()

    def early(self, changes: list, unpack_stops: list) -> None:  # type: ignore[type-arg]
        """Actions Pacemaker creates before assignment: recovery stops found while unpacking
        history, and required starts for resources whose definition changed."""
        for r, node in unpack_stops:
            self.custom(r, "stop", node, False)
        for ch in changes:
            if ch.cancel_call_id is None:
                self.fencer.definition_changed(ch.rsc, ch.node, "restart" if ch.restart else
                                               "reschedule" if ch.interval_ms else "reload")
            if ch.cancel_call_id is not None:  # pcmk__schedule_cancel: after any stop
                cancel = self.cancel(ch.rsc, ch.task, ch.interval_ms, ch.node)
                cancel.add_meta({"call_id": str(ch.cancel_call_id)})
                self.monitor_orders.append((ch.rsc, "stop", cancel, "", O.OPTIONAL))
            elif ch.restart:
                a = self.custom(ch.rsc, ch.task, None, False, ch.interval_ms)
                a.set_reason("resource definition change", True)
            elif ch.interval_ms:
                # a recurring op whose definition changed is rescheduled (pe_action_reschedule)
                self.reschedule.add((id(ch.rsc), ch.node.uname, ch.interval_ms))
            else:
                self._reload(ch.rsc, ch.node)

    def _reload(self, r: WRsc, node: WNode) -> None:
        """schedule_reload: an agent that can reload takes a changed definition without a
        restart -- unless a required stop or demote comes anyway, which cancels the reload."""
        if not r.managed or r.failed:
            return
        if r.start_pending:  # its definition changed while a start was pending: restart instead
            self.custom(r, "stop", node, False)
            return
        r.reload = True
        reload = self.custom(r, "reload-agent", node, False)
        reload.set_reason("resource definition change", False)
        for then in ("stop", "demote"):
            self.monitor_orders.append((reload, "", r, then, O.OPTIONAL | O.THEN_CANCELS_FIRST))

    def build(self) -> None:
        for r in self.u.resources:
            self.create(r)

