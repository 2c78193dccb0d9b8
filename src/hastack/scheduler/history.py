"""Operation history: what each node's recorded operations say about a resource.

Owns Pacemaker's unpack_lrm_resource/unpack_rsc_op logic: mapping history
entries to resources (anonymous clone instance numbering, orphans), remapping
results against the expected rc, current roles, failure handling per on-fail
(the policy itself: onfail.py), failure-timeout expiry (fail counts: failcounts.py),
shutdown locks (locks.py), and the fences and bans history implies.

Imports only the model and the scheduler's working records.
"""

from __future__ import annotations

from hastack.model import scores
from hastack.model.results import ExecStatus, OcfRc, ResultKind, classify
from hastack.model.state import ResourceHistory, OpRecord
from hastack.model.values import Role
from hastack.scheduler import remote
from hastack.scheduler.failcounts import base_name, failcount
from hastack.scheduler.locks import read_lock
from hastack.scheduler.migration_history import MigrationReader
from hastack.scheduler.onfail import ON_FAIL_RANK, on_fail_for
from hastack.scheduler.op_order import in_call_order
from hastack.scheduler.rules import Subject
from hastack.scheduler.meta import apply_meta, target_role
from hastack.scheduler.nodes import can_fence, fence_node, runs_nothing, stop_unrunnable
from hastack.scheduler.options import Options
from hastack.scheduler.tree import TreeBuilder
from hastack.scheduler.unpack import Ban, Unpacked
from hastack.scheduler.working import R, WNode, WRsc

INF = scores.INFINITY

# roles as module constants: a global lookup is cheaper than an attribute of the enum class
_UNKNOWN, _STOPPED, _STARTED, _UNPROMOTED, _PROMOTED = R.UNKNOWN, R.STOPPED, R.STARTED, R.UNPROMOTED, R.PROMOTED


# results by name, as plain ints: the history loop compares them for every recorded operation
_DONE, _NOT_INSTALLED, _ERROR_HARD = int(ExecStatus.DONE), int(ExecStatus.NOT_INSTALLED), int(ExecStatus.ERROR_HARD)
_NOT_RUNNING, _ERR_INSTALLED = int(OcfRc.NOT_RUNNING), int(OcfRc.ERR_INSTALLED)
_DEGRADED, _DEGRADED_PROMOTED = int(OcfRc.DEGRADED), int(OcfRc.DEGRADED_PROMOTED)
# a probe's results that say where the resource is (or is not): their failure never expires
_PROBE_FACTS = frozenset(int(rc) for rc in (OcfRc.OK, OcfRc.NOT_RUNNING, OcfRc.RUNNING_PROMOTED,
                                            OcfRc.DEGRADED, OcfRc.DEGRADED_PROMOTED))



def _op_key(op: OpRecord) -> str:
    return op.operation_key or f"{op.operation}_{op.interval_ms}"


def _is_probe(op: OpRecord) -> bool:
    return op.operation == "monitor" and op.interval_ms == 0


def _set_active(r: WRsc) -> None:
    top = r
    while top.parent is not None:
        top = top.parent
    r.role = _UNPROMOTED if top.promotable else _STARTED


def _fail_rsc(r: WRsc) -> WRsc:
    """The resource that history bans apply to: an anonymous clone's clone."""
    top = r.top()
    if top.variant == "clone" and not top.unique:
        return top
    return r


class HistoryReader:
    def __init__(self, u: Unpacked, opts: Options) -> None:
        self.u = u
        self.opts = opts
        # transition key -> the rc it expects (-1: none); most records share a few keys
        self._expected: dict[str, int] = {}
        self._failed_seen: set[tuple[str, str]] = set()  # (operation_key or "", node) already listed
        self.container_fillers: list[tuple[WRsc, str]] = []  # orphans and their recorded container

    def ban(self, r: WRsc, node: str | None, source: str, text: str) -> None:
        self.u.bans.append(Ban(r, node, -INF, source, text))

    def find(self, hist_id: str, node: WNode) -> WRsc | None:
        r = self.u.by_id.get(hist_id)
        if r is not None:
            if r.variant != "primitive":
                return None
            if r.parent is None or r.parent.replicas:
                return r  # a top-level primitive or a bundle's container: its own name
        parent = None
        if r is None:
            zero = base_name(hist_id) + ":0"
            r0 = self.u.by_id.get(zero)
            cp0 = r0.clone_parent() if r0 is not None else None
            if r0 is not None and cp0 is not None and not cp0.unique:
                r = r0
            else:
                return None
        parent = r.clone_parent()
        if parent is not None and parent.bundle is not None:
            # pe__find_bundle_replica: a bundle's primitive is the instance of the guest node it runs on
            r = next((rep.child for rep in parent.bundle.replicas if rep.node is node), None)
        elif parent is not None and not parent.unique:
            r = self.find_anonymous(parent, base_name(hist_id), node)
        if r is not None and r.id != hist_id and r.clone_name != hist_id:
            r.clone_name = hist_id
        return r

    def find_anonymous(self, clone: WRsc, base: str, node: WNode) -> WRsc:
        found: WRsc | None = None
        inactive: WRsc | None = None
        skip_inactive = False
        for inst in clone.children:
            prims = inst.primitives()
            locs = {n.uname for p in prims for n in p.running_on}
            match = next((p for p in prims if base_name(p.id) == base), None)
            if locs:
                if node.uname in locs and match is not None:
                    if match.running_on:
                        skip_inactive = True
                    else:
                        found = match
                        break
            elif not skip_inactive and inactive is None and not any(p.block for p in prims):
                if match is not None and not (match.pending_node is not None and match.pending_node is not node):
                    inactive = match
        if found is None and not skip_inactive and inactive is not None:
            found = inactive
        universal = clone.clone_max == len(self.u.nodes)
        if found is not None and found.needs != "fencing" and (not node.online or node.unclean) \
                and not universal:
            found = None
        if found is None:
            tb = self.builder
            inst = tb.add_instance(clone, len(clone.children))
            assert inst is not None
            inst.orphan = True
            for p in inst.primitives():
                p.orphan = True
            found = next(p for p in inst.primitives() if base_name(p.id) == base)
        return found

    builder: TreeBuilder
    migration: MigrationReader

    def orphan(self, h: ResourceHistory) -> WRsc:
        r = WRsc(id=h.id, variant="primitive", meta={}, agent=h.agent, orphan=True,
                 order=10**9 + len(self.u.resources))
        r.meta = dict(self.builder.defaults(Subject.of(h.agent)))
        apply_meta(r, self.opts)
        r.next_role = R.UNKNOWN
        if r.agent is not None and r.agent.cls == "stonith":
            r.is_fence_device = True
        if not self.opts.stop_orphans:
            r.managed = False
        else:
            self.u.bans.append(Ban(r, None, -INF, "orphan", f"{h.id} is no longer configured"))
        self.u.by_id[r.id] = r
        self.u.resources.append(r)
        if remote.is_connection_agent(h.agent):
            remote.orphan_connection(r, self.u.nodes, self.u.node_by_uname, self.opts.startup_fencing)
        if h.container is not None:
            self.container_fillers.append((r, h.container))  # linked once the node's history is read
        return r

    def node_history(self, node: WNode, histories: tuple[ResourceHistory, ...]) -> None:
        self._node_history(node, histories)
        # handle_orphaned_container_fillers: an orphan recorded with its container lives in it
        for r, cid in self.container_fillers:
            container = self.u.by_id.get(cid)
            if r.container is None and container is not None:
                r.container = container
                container.fillers.append(r)
        self.container_fillers.clear()

    def _node_history(self, node: WNode, histories: tuple[ResourceHistory, ...]) -> None:
        by_id = self.u.by_id
        uname = node.uname
        find = self.find
        resource_history = self.resource_history
        for h in histories:
            ops = h.ops
            if not ops:
                continue
            r = by_id.get(h.id)
            if r is None or r.variant != "primitive" or (r.parent is not None and r.clone_parent() is not None):
                r = find(h.id, node)
                if r is None:
                    if h.id in by_id:
                        continue
                    r = self.orphan(h)
            # else: find() would return r itself, under its own name
            read_lock(self.u, r, node, h.shutdown_lock)
            if len(ops) == 1:
                op = ops[0]
                if op.rc_code == _NOT_RUNNING and op.op_status == _DONE and op.interval_ms == 0 \
                        and op.operation == "monitor" and r.failure_timeout <= 0 \
                        and not op.id.endswith("_last_failure_0"):
                    self._not_running(r, uname, ops)
                    continue
            resource_history(r, node, h)

    def _not_running(self, r: WRsc, uname: str, ops: tuple[OpRecord, ...]) -> None:
        """resource_history() for the commonest history: one probe that found r not running
        (no failure timeout, not a last-failure record). unpack_op() makes r Stopped with no
        next role whatever the expected rc; process_state() with on-fail ignore only records
        where r is known and drops a stale instance name."""
        self.u.history[(r.id, uname)] = ops
        saved = r.role
        r.role = _STOPPED
        r.next_role = _UNKNOWN
        it: WRsc | None = r
        while it is not None:
            it.known_on.add(uname)
            if it.unique:
                break
            it = it.parent
        if r.clone_name is not None and ":" in r.clone_name:
            r.clone_name = None
        if r.meta.get("target-role") is not None:
            req = target_role(r)
            if req is not None:
                r.next_role = req
        if saved > _STOPPED:
            r.role = saved

    def resource_history(self, r: WRsc, node: WNode, h: ResourceHistory) -> None:
        ops = in_call_order(h.ops)
        self.u.history[(r.id, node.uname)] = ops
        saved = r.role
        r.role = _UNKNOWN
        st = {"on_fail": "ignore", "last_failure": None}
        unpack_op = self.unpack_op
        for op in ops:
            unpack_op(r, node, op, st)
        self.process_state(r, node, st["on_fail"])  # type: ignore[arg-type]
        if r.meta.get("target-role") is not None:
            req = target_role(r)
            if req is not None and (r.next_role == _UNKNOWN or req < r.next_role):
                r.next_role = req
        if saved > r.role:
            r.role = saved

    def _expected_rc(self, op: OpRecord) -> int:
        """op.expected_rc, or -1 without one; parsed once per distinct transition key."""
        key = op.transition_key
        if not key:
            return -1
        target = self._expected.get(key)
        if target is None:
            rc = op.expected_rc
            target = self._expected[key] = rc if rc is not None else -1
        return target

    # unpack_rsc_op ------------------------------------------------------------
    def unpack_op(self, r: WRsc, node: WNode, op: OpRecord, st: dict) -> None:  # type: ignore[type-arg]
        task = op.operation
        if task == "notify" or task == "meta-data":
            return
        old_rc = op.rc_code
        target = self._expected_rc(op)
        interval = op.interval_ms
        if op.op_status == _NOT_INSTALLED:
            expired = False
        elif r.failure_timeout > 0 or op.id.endswith("_last_failure_0"):
            expired = self.expiry(r, node, old_rc, op)
        else:
            expired = False  # expiry() without a failure timeout: no expiry, no side effect
        # What the result means is decided in one place (hastack.model.results); what follows
        # is what the scheduler does about it.
        if task == "monitor" and (old_rc == _DEGRADED or old_rc == _DEGRADED_PROMOTED) \
                and (not node.shutdown or node.online):
            self.record_failed(r, node, op)  # degraded counts as success, but is listed among failures
        reading = classify(task, interval, old_rc, op.op_status, target, managed=r.managed)
        rc, status, maskable = reading.rc, reading.status, reading.masked
        if task == "stop" and status == _ERROR_HARD and op.op_status == _DONE and not can_fence(self.opts, node):
            r.managed, r.block = False, True  # check_recoverable: no fencing can recover this stop
        if reading.role is Role.STOPPED:
            r.role = _STOPPED
            r.next_role = _UNKNOWN  # "not running"; target-role is re-applied afterwards
        elif reading.role is Role.PROMOTED:
            r.role = _PROMOTED
        if expired:
            if maskable and old_rc != target:
                if r.role <= _STOPPED:
                    r.role = _UNKNOWN
                return
            if rc != target:
                if interval == 0:
                    return
                if node.online and not node.unclean:
                    return
        if maskable:
            self.update_state(r, node, op, task, target, st, True)
            self.record_failed(r, node, op)
            self.ban(_fail_rsc(r), node.uname, "masked-probe-failure",
                     f"probe of {r.id} on {node.uname} failed")
            return
        kind = reading.kind
        if kind is ResultKind.SUCCESS or kind is ResultKind.NOT_RUNNING:
            self.update_state(r, node, op, task, rc, st, False)
            return
        if kind is ResultKind.CANCELLED:
            return
        if kind is ResultKind.PENDING:
            if task == "start":
                r.start_pending = True
                _set_active(r)
            elif task == "promote":
                r.role = _PROMOTED
            if r.pending_task is None and (interval != 0 or task != "monitor"):
                r.pending_task = task
                r.pending_node = node
            return
        if status == _NOT_INSTALLED:
            if on_fail_for(r, task, interval, self.opts) == "ignore":
                st["on_fail"] = "migrate"
            self.ban(_fail_rsc(r), node.uname, "hard-error", f"{r.id} is not installed on {node.uname}")
            self.op_failure(r, node, rc, op, st)
            return
        strategy = on_fail_for(r, task, interval, self.opts)
        if strategy == "ignore" or (strategy == "restart-container" and task == "stop"):
            # a failed stop inside a container counts as done: the container's restart stops it
            self.update_state(r, node, op, task, target, st, False)
            r.failure_ignored = True
            self.record_failed(r, node, op)
            if strategy == "restart-container" and ON_FAIL_RANK.get(st["on_fail"], 0) <= ON_FAIL_RANK["recover"]:
                st["on_fail"] = strategy
            return
        self.op_failure(r, node, rc, op, st)
        if kind is ResultKind.HARD:
            self.ban(_fail_rsc(r), node.uname, "hard-error",
                     f"{task} of {r.id} on {node.uname} failed with a hard error (rc={rc})")
        elif kind is ResultKind.FATAL:
            self.ban(_fail_rsc(r), None, "fatal-error", f"{task} of {r.id} failed fatally (rc={rc})")

    def expiry(self, r: WRsc, node: WNode, rc: int, op: OpRecord) -> bool:
        expired = False
        is_last_failure = op.id.endswith("_last_failure_0")
        if r.failure_timeout > 0 and op.last_rc_change is not None:
            if self.u.now >= op.last_rc_change + r.failure_timeout and not remote.keeps_monitor_failure(
                    r, op.operation, op.interval_ms, self.u.node_by_uname.get, self.opts.stonith_enabled):
                expired = True
            unexpired, last = failcount(self.u, r, node, True)
            recheck = last + r.failure_timeout + 1
            if unexpired and self.u.now < recheck:
                if self.u.recheck_at is None or recheck < self.u.recheck_at:
                    self.u.recheck_at = recheck
            if expired:
                total, _ = failcount(self.u, r, node, False)
                if total and unexpired:
                    expired = False
        if not expired and is_last_failure and op.operation in ("start", "monitor") \
                and self._params_changed(r, op):
            # pe__clear_failcount: the fail count is about to be cleared, so it bans nothing.
            self.u.failcount_cleared.add((r.id, node.uname))
        if expired and op.interval_ms == 0 and op.operation == "monitor" and rc in _PROBE_FACTS:
            expired = False
        return expired

    def _params_changed(self, r: WRsc, op: OpRecord) -> bool:
        """should_clear_for_param_change: the failed operation ran with other parameters."""
        from hastack.scheduler.digest import digest_of, operation_params

        if op.op_digest is None:
            return False
        params = operation_params(r, op.operation, op.interval_ms, self.u.op_defaults)
        return digest_of(params) != op.op_digest

    def update_state(self, r: WRsc, node: WNode, op: OpRecord, task: str, rc: int,
                     st: dict, maskable: bool) -> None:  # type: ignore[type-arg]
        """maskable: op is a probe that failed with a masked result (rc 5 or 2, or not installed)."""
        clear = False
        if rc == _ERR_INSTALLED or maskable:
            r.role = _STOPPED
        elif rc == _NOT_RUNNING:
            clear = True
        elif task == "monitor":
            lf = st["last_failure"]
            if lf is not None and _op_key(lf) == _op_key(op):
                clear = True
            if r.role < _STARTED:
                _set_active(r)
        elif task == "start":
            r.role = _STARTED
            clear = True
        elif task == "stop":
            r.role = _STOPPED
            clear = True
        elif task == "promote":
            r.role = _PROMOTED
            clear = True
        elif task == "demote":
            if st["on_fail"] == "demote":
                clear = True
            r.role = _UNPROMOTED
        elif task == "migrate_from":
            r.role = _STARTED
            clear = True
        elif task == "migrate_to":
            self.migration.migrate_to_done(r, node, op)
        elif r.role < _STARTED:
            _set_active(r)
        if clear and (st["on_fail"] in ("block", "ignore", "demote", "recover", "restart-container")
                      or (st["on_fail"] == "reset_remote" and not r.reconnect_ms)):
            st["on_fail"] = "ignore"
            r.next_role = _UNKNOWN

    def record_failed(self, r: WRsc, node: WNode, op: OpRecord) -> None:
        """record_failed_op: list a failed operation once per (operation key, node), for display;
        failures on nodes that are not online are not listed. As in Pacemaker, a record without
        an operation_key (old CIBs) counts as a duplicate of an earlier keyless one on its node."""
        if not node.online:
            return
        key = ((op.operation_key or "").lower(), node.uname.lower())
        if key not in self._failed_seen:
            self._failed_seen.add(key)
            self.u.failed_ops.append((r, node, op))

    def op_failure(self, r: WRsc, node: WNode, rc: int, op: OpRecord, st: dict) -> None:  # type: ignore[type-arg]
        self.record_failed(r, node, op)
        st["last_failure"] = op
        task = op.operation
        probe = _is_probe(op)
        action_on_fail = on_fail_for(r, task, op.interval_ms, self.opts)
        if ON_FAIL_RANK.get(action_on_fail, 2) > ON_FAIL_RANK.get(st["on_fail"], 0):
            st["on_fail"] = action_on_fail
        if task == "stop":
            self.ban(r, node.uname, "stop-failure", f"stop of {r.id} failed on {node.uname}")
        elif task == "migrate_to":
            self.migration.migrate_to_failed(r, node, op)
        elif task == "migrate_from":
            self.migration.migrate_from_failed(r, node, op)
        elif task == "promote":
            r.role = R.PROMOTED
        elif task == "demote":
            if action_on_fail == "block":
                r.role = R.PROMOTED
                r.next_role = R.STOPPED
            elif rc == _NOT_RUNNING:
                r.role = R.STOPPED
            else:
                r.role = R.UNPROMOTED
        if probe and rc == _ERR_INSTALLED:
            r.role = R.STOPPED
        elif r.role < R.STARTED:
            _set_active(r)
        # the role after the failure: Stopped for on-fail=stop; else a failed promote leaves the
        # instance Unpromoted (Pacemaker's default fail_role for promote), anything else Started --
        # on-fail=demote too: its demotion is the failed instance's (process_state), not a role
        # forced here, so an instance whose guest node is recovered is promoted again there
        stop = action_on_fail == "stop" or (action_on_fail == "reset_remote" and r.reconnect_ms > 0)
        fail_role = R.STOPPED if stop else (
            R.UNPROMOTED if task == "promote" else R.STARTED)
        if fail_role != R.STARTED and r.next_role < fail_role:
            r.next_role = fail_role
        if fail_role == R.STOPPED:
            self.ban(_fail_rsc(r), None, "on-fail-stop",
                     f"{task} of {r.id} failed and on-fail=stop")

    def process_state(self, r: WRsc, node: WNode, on_fail: str) -> None:
        role = r.role  # nothing below changes it
        if role != _UNKNOWN:
            uname = node.uname
            it: WRsc | None = r
            while it is not None:
                it.known_on.add(uname)
                if it.unique:
                    break
                it = it.parent
        if role > _STOPPED and not node.online and not node.maintenance and r.managed:
            if node.remote:
                remote.active_on_lost_node(r, node, self.opts.stonith_enabled, self._fence)
            elif self.opts.stonith_enabled:
                fence_node(self.u, node, f"{r.id} is thought to be active there")
        save = on_fail
        if node.unclean:
            on_fail = "ignore"
        if on_fail == "ignore":
            pass
        elif on_fail == "demote":
            r.failed = True
        elif on_fail == "fence":
            fence_node(self.u, node, f"{r.id} failed there")
        elif on_fail == "standby":
            node.standby = True
            node.standby_onfail = True
        elif on_fail == "block":
            r.managed = False
            r.block = True
        elif on_fail == "migrate":
            self.ban(r, node.uname, "migration", f"{r.id} failed on {node.uname} (on-fail=migrate)")
        elif on_fail == "stop":
            r.next_role = _STOPPED
        elif on_fail == "recover":
            if role > _STOPPED:
                r.failed = True
                r.stop_flag = True
                self._stop(r, node)
        elif on_fail == "restart-container":
            r.failed = True
            r.stop_flag = True
            if r.container is not None:
                self._stop(r.container, node)
            elif role > _STOPPED:
                self._stop(r, node)
        elif on_fail == "reset_remote":
            remote.connection_failed(r, self.u.node_by_uname.get, self.opts.stonith_enabled, self._fence)
            if role > _STOPPED:
                self._stop(r, node)
        if r.failed and r.is_remote_node:
            # a failed connection fences an unclean remote node even if it reconnects elsewhere
            lost = self.u.node_by_uname.get(r.id)
            if lost is not None and lost.unclean:
                lost.unseen = False
        if role > _STOPPED:
            add_running(self.u, r, node, save != "ignore")
            if on_fail == "ignore":
                pass
            elif on_fail == "demote" or on_fail == "block":
                r.failed = True
            else:
                r.failed = True
                r.stop_flag = True
        elif r.clone_name is not None and ":" in r.clone_name:
            r.clone_name = None
        if r.role == _STOPPED and r.partial_migration_source is node and r.partial_migration_target is not None \
                and r.running_on:
            # a stop on the source after its migrate_to leaves the resource on the target
            r.role = _STARTED

    def _stop(self, r: WRsc, node: WNode) -> None:
        """stop_action while unpacking: the stop is scheduled with the other actions, but
        whether it needs the node fenced is decided now, before add_running may turn the
        resource unmanaged (a node in maintenance)."""
        self.u.recovery_stops.append((r, node))
        if runs_nothing(node):
            stop_unrunnable(self.u, r, node)

    def _fence(self, node: WNode, reason: str) -> None:
        fence_node(self.u, node, reason)


def add_running(u: Unpacked, r: WRsc, node: WNode, failed: bool) -> None:
    """native_add_running: r is active on node. Resources on a node in maintenance are
    unmanaged; an unmanaged resource is pinned (+INFINITY) where it runs."""
    if node not in r.running_on:
        r.running_on.append(node)
    if node.maintenance:
        r.managed = False
    if not r.managed:
        u.bans.append(Ban(r, node.uname, INF, "unmanaged", f"{r.id} is unmanaged and stays on {node.uname}"))
        parent = r.parent
        while parent is not None and node.online:
            parent.running_on.append(node)
            parent = parent.parent
        return
    if len(r.running_on) > 1 and r.recovery == "block":
        # a group configured with multiple-active=block is blocked as a whole
        group = r.parent if r.parent is not None and r.parent.variant == "group" \
            and r.parent.recovery == "block" else None
        for blocked in group.children if group is not None else [r]:
            blocked.managed, blocked.block = False, True
    elif len(r.running_on) > 1 and r.recovery == "stop_only":
        u.bans.append(Ban(r, None, -INF, "multiple-active",
                          f"{r.id} is active on several nodes and multiple-active=stop_only"))
    parent = r.parent
    while parent is not None:
        if node not in parent.running_on:
            parent.running_on.append(node)
        parent = parent.parent
