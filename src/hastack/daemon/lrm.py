"""The node's local resource manager: runs the DC's orders for this node, its recurring monitors,
and the stop-everything of a self-fence.

An order is run only while the node holds its membership and only if it
comes from the current DC term (an order of an older term is dropped
unrun). Its result is recorded by the node itself, in one transaction that
also removes the order and that holds only while the node's membership key
is still on its lease. A recurring monitor keeps running at its interval
after its first result; a result that differs from the last one recorded is
recorded (a failure makes the DC re-plan). A stop or demote cancels the
resource's recurring monitors on this node.

Imports agents, store, daemon.orders, daemon.membership.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace

from hastack.agents.action import ActionRequest, ActionResult
from hastack.agents.executor import Executor
from hastack.daemon.health import next_role
from hastack.daemon.membership import Lease
from hastack.daemon.orders import Order, cancelled, op_resource, recorded, refusal, request_for
from hastack.model.results import ExecStatus, OcfRc
from hastack.model.state import ClusterState, ResourceHistory
from hastack.store.etcd import EtcdStore, GuardLost
from hastack.store.port import StoreError

log = logging.getLogger("hastack.lrm")

RECORD_TRIES = 10  # a result's read and write, asked again while the store does not answer
ORDER_TRIES = 5  # an order the store failed (its view could not be read) is taken up again this often
# The order queue is read when its watch says it changed, and at least this often: the watch (one stream,
# store.etcdwatch) vouches for every change and moves off a member that falls silent, so the read is a
# safety net. Read every 0.5 s, it was a third of an idle host's store reads.
ORDER_READ_S = 2.0
ORDER_SLICE_S = 0.5  # ... waited in slices, so an order taken up again (_run_order) waits no longer than this
# actions whose being in flight the history shows (what a new DC must not mistake for "not running")
PENDING_RECORDED = frozenset({"start", "stop", "promote", "demote", "migrate_to", "migrate_from"})


@dataclass
class Recurring:
    order: Order
    request: ActionRequest
    due: float
    last_rc: int


class LocalResourceManager:
    def __init__(self, store: EtcdStore, node: str, membership: Lease, executor: Executor,
                 wall_clock: Callable[[], float] = time.time) -> None:
        self.store = store
        self.node = node
        self.membership = membership
        self.executor = executor
        self._clock = wall_clock
        self._lock = threading.Lock()
        self._seen: set[str] = set()  # orders taken up (running, or finished and not yet out of the queue)
        self._retries: dict[str, int] = {}  # order -> times taken up again after the store failed it
        self._rsc_locks: dict[str, threading.Lock] = {}
        self._recurring: dict[tuple[str, int], Recurring] = {}
        self.active: dict[str, ActionRequest] = {}  # resource id -> the request that started it
        # history name -> the role this node last saw it in (daemon.health.next_role): what the REST
        # health endpoints answer from, kept here so that answering never waits for etcd
        self._roles: dict[str, str] = {}
        self._roles_lock = threading.Lock()
        self._pool = ThreadPoolExecutor(max_workers=8, thread_name_prefix="action")
        self._stop = threading.Event()
        self._read_again = threading.Event()  # an order to take up again: read the queue at the next slice
        self._threads = [threading.Thread(target=self._order_loop, name="orders", daemon=True),
                         threading.Thread(target=self._monitor_loop, name="monitors", daemon=True)]

    def start(self) -> None:
        for t in self._threads:
            t.start()

    def stop(self) -> None:
        self._stop.set()
        for t in self._threads:
            t.join(timeout=2)
        self._pool.shutdown(wait=False, cancel_futures=True)

    def roles(self) -> dict[str, str]:
        """A copy of the local roles (daemon.health.NodeFacts.roles)."""
        with self._roles_lock:
            return dict(self._roles)

    def _note(self, order: Order, rc: int | None) -> None:
        a = order.action
        name = op_resource(a)
        with self._roles_lock:
            role = next_role(self._roles.get(name), a.task, rc, a.target_rc)
            if role is None:
                self._roles.pop(name, None)
            else:
                self._roles[name] = role

    def _guarded(self) -> EtcdStore:
        return self.store.with_guard(self.store.member_guard(self.node, self.membership.lease))

    # --- orders --------------------------------------------------------------------------
    def _order_loop(self) -> None:
        rev = 0
        while not self._stop.is_set():
            try:
                if not self.membership.holds():
                    self._stop.wait(0.05)
                    continue
                orders, dc, rev = self.store.orders_and_dc(self.node)
                with self._lock:
                    self._seen &= set(orders)  # a finished order left the queue; its key never comes back
                    self._retries = {k: n for k, n in self._retries.items() if k in orders}
                    # taken here, under the lock _run_order gives an order back under (taking it up again)
                    new = sorted((k, t) for k, t in orders.items() if k not in self._seen)
                    self._seen.update(k for k, _ in new)
                for key, text in new:
                    order = Order.from_json(text)
                    why = refusal(order, self.membership.lease, dc[1] if dc else None)
                    if why is not None:
                        log.warning("%s: dropping order %s %s", self.node, key, why)
                        self._finish(key, order, None, drop=True)
                        continue
                    self._pool.submit(self._run_order, key, order)
                self._wait_for_orders(rev)
            except StoreError as err:
                log.warning("%s: order loop: %s", self.node, err)
                self._stop.wait(0.1)

    def _wait_for_orders(self, rev: int) -> None:
        """Until the queue changes after `rev`, an order is to be taken up again, or ORDER_READ_S pass."""
        deadline = time.monotonic() + ORDER_READ_S
        prefix = self.store.key("actions", self.node) + "/"
        while not self._stop.is_set() and not self._read_again.is_set():
            left = deadline - time.monotonic()
            if left <= 0 or self.store.client.wait_for_change(prefix, rev, min(left, ORDER_SLICE_S)) > rev:
                break
        self._read_again.clear()

    def _run_order(self, key: str, order: Order) -> None:
        try:
            self._execute(key, order)
        except StoreError as err:
            # Taken up again from the queue by the order loop's next pass (within ORDER_SLICE_S): left
            # as seen, the order was neither run nor finished, and the DC waited its timeout plus
            # cluster-delay (80 s in the 8-host lab, after a read timed out at load 30) to plan again.
            # An action run twice is harmless: agents' actions are idempotent (OCF), as Pacemaker's
            # re-issued ones must be.
            tries = self._retries.get(key, 0) + 1
            if tries > ORDER_TRIES:
                log.error("%s: order %s given up after %d tries: %s", self.node, key, ORDER_TRIES, err)
                return
            log.warning("%s: order %s: %s; taking it up again", self.node, key, err)
            with self._lock:
                self._retries[key] = tries
                self._seen.discard(key)
            self._read_again.set()
        except Exception:
            log.exception("%s: order %s failed", self.node, key)

    def _execute(self, key: str, order: Order) -> None:
        a = order.action
        if a.task == "cancel":  # the executor's own business: stop the monitor, forget its entry
            with self._lock:
                self._recurring.pop((op_resource(a), a.interval_ms), None)
            self._finish(key, order, cancelled(self._view(order), order))
            return
        req = request_for(order)
        if req is None:
            log.warning("%s: %s %s: resource not configured", self.node, a.task, a.rsc)
            self._finish(key, order, None, drop=True)
            return
        if a.task in ("stop", "demote", "promote"):
            # a role change ends the old role's monitor at once (a monitor of the Unpromoted role that runs
            # on after a promote reports 8 and is taken for a failure: a new Galera writer was stopped so)
            self._cancel_monitors(op_resource(a))
        # one action at a time per resource (a re-issued start waits), by the name the agent runs under: an
        # anonymous clone's instance may be renumbered between transitions (p_rabbit:1, then p_rabbit:0)
        with self._rsc_lock(op_resource(a)):
            if not self.membership.holds():
                return
            if a.task in PENDING_RECORDED:
                self._record_pending(order)
            if a.task in ("start", "promote", "demote", "migrate_from"):
                self.active[op_resource(a)] = req  # from now on a self-fence must stop it too
            self._note(order, None)
            result = self.executor.execute(req)
            self._after(key, order, req, result)

    def _view(self, order: Order) -> ClusterState:
        """This node's state as far as recording `order`'s result needs it (not the whole cluster)."""
        return self.store.node_view(self.node, order.action.history_id or order.action.rsc or "")

    def _rsc_lock(self, rsc: str) -> threading.Lock:
        with self._lock:
            return self._rsc_locks.setdefault(rsc, threading.Lock())

    def _record_pending(self, order: Order) -> None:
        """Before the agent runs, the history says the action is in flight (Pacemaker's record-pending):
        should a new DC take over meanwhile, it sees a pending start on this node and re-issues it here
        instead of probing, finding nothing, and starting the resource on another node as well."""
        try:
            history, _ = recorded(self._view(order), order, OcfRc.UNKNOWN, ExecStatus.PENDING, int(self._clock()))
            if history is not None:
                self._guarded().record_result(self.node, history)
        except (GuardLost, StoreError) as err:  # (the action runs all the same: this record only helps a new DC)
            log.warning("%s: pending %s not recorded: %s", self.node, order.action.key, err)

    def _after(self, key: str, order: Order, req: ActionRequest, result: ActionResult) -> None:
        a = order.action
        log.info("%s: %s", self.node, result.summary())
        rsc = op_resource(a)  # the agent's name: clone instances may be renumbered between transitions
        self._note(order, result.rc)
        ok = result.rc == order.target_rc
        if a.task in ("start", "promote", "demote", "migrate_from") and ok:
            self.active[rsc] = req  # a migration's resource runs on its target from migrate_from on
        elif a.task == "stop" and ok:
            self.active.pop(rsc, None)
        elif a.task == "monitor" and a.interval_ms == 0 and result.rc in (0, 8):
            self.active[rsc] = replace(req, action="start", target_rc=None, interval_ms=0)
        if a.task == "monitor" and a.interval_ms > 0:
            with self._lock:
                self._recurring[(rsc, a.interval_ms)] = Recurring(
                    order, req, time.monotonic() + a.interval_ms / 1000.0, result.rc)
        self._record(key, order, result)

    def _record(self, key: str | None, order: Order, result: ActionResult) -> None:
        """Record `result` (and finish the order `key`). A store that did not answer is asked again while
        the node holds its membership: at 16 hosts on 2 CPUs a read timed out now and then, the result
        was never recorded, the order never finished, and the DC waited out its timeout plus
        cluster-delay before planning the whole cluster again. The result is worked out from one read,
        then written as one transaction, the same on every try: a write whose answer was lost but which
        landed is written again with the same values, never with a fail count read afresh and counted
        a second time."""
        for attempt in range(RECORD_TRIES):
            try:
                history, attrs = recorded(self._view(order), order, result.rc, result.status, int(self._clock()),
                                          result.duration_ms, result.exit_reason)
                break
            except StoreError as err:
                if attempt == RECORD_TRIES - 1 or not self.membership.holds():
                    log.warning("%s: result of %s %s not recorded: %s", self.node, order.action.task,
                                order.action.rsc, err)
                    return
                time.sleep(0.1 * (attempt + 1))
        self._finish(key, order, history, attributes=attrs)

    def _finish(self, key: str | None, order: Order, history: ResourceHistory | None, drop: bool = False,
                attributes: Mapping[str, str | None] | None = None) -> None:
        """Record the result and the attributes it changed, and remove the order, in one guarded write; a
        store that did not answer is asked again while the node holds its membership (else the DC would
        wait for the order's timeout before planning again)."""
        what = key or f"{order.action.task} {order.action.rsc}"
        for attempt in range(5):
            try:
                self._guarded().done_action(self.node, key, None if drop else history, attributes)
                return
            except GuardLost:
                # the DC waits for this order until its timeout plus cluster-delay: say why it will
                log.warning("%s: result of %s not recorded: this node's membership changed", self.node, what)
                return
            except StoreError as err:
                if attempt == 4 or not self.membership.holds():
                    log.warning("%s: result of %s not recorded: %s", self.node, what, err)
                    return
                time.sleep(0.1)

    # --- recurring monitors ----------------------------------------------------------------
    def _cancel_monitors(self, rsc: str) -> None:
        with self._lock:
            for k in [k for k in self._recurring if k[0] == rsc]:
                del self._recurring[k]

    def _monitor_loop(self) -> None:
        while not self._stop.is_set():
            now = time.monotonic()
            with self._lock:
                due = [r for r in self._recurring.values() if r.due <= now]
                for r in due:
                    r.due = now + r.order.action.interval_ms / 1000.0
            for r in due:
                if not self.membership.holds():
                    break
                # The due monitors run one after another (a RabbitMQ monitor takes seconds): one cancelled
                # meanwhile -- by a stop, a demote or a promote -- is skipped; had it run, an Unpromoted
                # monitor would report 8 after the promote and be recorded as a failure (it was: Galera's
                # new writer was demoted and stopped).
                if not self._is_current(r):
                    continue
                result = self.executor.execute(r.request)
                if not self._is_current(r):  # cancelled while it ran: its result must not revive the role
                    continue
                self._note(r.order, result.rc)
                if result.rc != r.last_rc:
                    log.warning("%s: %s", self.node, result.summary())
                    r.last_rc = result.rc
                    self._record(None, r.order, result)
            # until the next one is due (at most 0.5 s: a monitor added meanwhile is due an interval
            # later): a 50 ms tick woke 20 times a second on every host for nothing
            with self._lock:
                nxt = min((r.due for r in self._recurring.values()), default=now + 0.5)
            self._stop.wait(min(0.5, max(0.01, nxt - time.monotonic())))

    def _is_current(self, r: Recurring) -> bool:
        with self._lock:
            return self._recurring.get((op_resource(r.order.action), r.order.action.interval_ms)) is r

    # --- self-fence ----------------------------------------------------------------------
    def stop_everything(self, budget: float) -> None:
        """Stop every resource this node runs, all at once, within `budget` seconds if they can."""
        with self._lock:
            self._recurring.clear()
        self._seen.clear()
        with self._roles_lock:
            self._roles.clear()  # from this instant nothing counts as running here
        reqs = list(self.active.items())
        self.active.clear()
        deadline = time.monotonic() + budget
        stops = [(rid, replace(req, action="stop", interval_ms=0, target_rc=None,
                               timeout_ms=max(100, int(budget * 1000)))) for rid, req in reqs]
        if not stops:
            return
        # a pool of its own: the order pool may be busy with starts that hang (the stops must not queue
        # behind them), and is shut down already when hastackd exits with --stop-on-exit (stop() first)
        pool = ThreadPoolExecutor(max_workers=min(32, len(stops)), thread_name_prefix="self-fence")
        futures = [pool.submit(self.executor.execute, s) for _, s in stops]
        for (rid, _), f in zip(stops, futures):
            try:
                res = f.result(timeout=max(0.0, deadline - time.monotonic()))
                log.error("%s: self-fence stop %s: rc %d", self.node, rid, res.rc)
            except Exception:
                log.error("%s: self-fence stop of %s did not finish in %.2f s", self.node, rid, budget)
        pool.shutdown(wait=False)
