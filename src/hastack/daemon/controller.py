"""The controller: DC election and the DC loop (snapshot -> schedule -> graph -> orders -> results).

Every node campaigns for the DC key on its own membership lease; the winner's
term is the key's create revision. The DC loop is level-triggered: each
cycle takes one snapshot, schedules on it, and sends the actions that are
ready (nothing they wait for is still to run) as orders, in one transaction
guarded by its term. It then waits until every order it sent was answered
(the node removed it), a node it sent orders to lost its membership, or an
order outlived its timeout, and plans again from a fresh snapshot -- so a
completed wave, a failure, a node loss or a configuration change all lead to
the same thing: a new decision on the whole state. Orders still in flight
when the DC re-plans are waited for, never sent twice.

Each cycle is logged in one sentence and kept (the last pe-input-series-max transitions:
input CIB, summary, orders) for `hastack simulate` to replay.

Imports the model, cib, scheduler, graphrun, store, daemon.orders.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, replace

from hastack.cib import to_xml
from hastack.daemon.membership import Membership
from hastack.daemon.orders import Order
from hastack.errors import ScheduleError
from hastack.graphrun import GraphRun
from hastack.model.config import Configuration
from hastack.scheduler import Action, Transition, schedule
from hastack.store.etcd import EtcdStore, GuardLost
from hastack.store.port import Snapshot, StoreError

log = logging.getLogger("hastack.controller")

ORDER_SLACK_S = 5.0


@dataclass
class Outstanding:
    order: Order
    deadline: float


class Controller:
    def __init__(self, store: EtcdStore, node: str, membership: Membership,
                 clock: Callable[[], float] = time.time) -> None:
        self.store = store
        self.node = node
        self.membership = membership
        self.clock = clock
        self.term = 0
        self.transitions = 0
        self.last_sentence = ""
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="controller", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=3)

    # --- election -------------------------------------------------------------------------
    def _elect(self) -> bool:
        lease = self.membership.lease
        if not lease or not self.membership.holds():
            return False
        term = self.store.campaign(self.node, lease)
        if term is None:
            return False
        self.term = term
        self.transitions = 0
        self.store.clear_orders(term)  # orders of earlier terms are void
        log.info("%s is DC (term %d)", self.node, term)
        return True

    def _is_dc(self) -> bool:
        dc = self.store.current_dc()
        return dc is not None and dc[0] == self.node and dc[1] == self.term and self.membership.holds()

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                if not self.term or not self._is_dc():
                    self.term = 0
                    if not self._elect():
                        self.store.watch(self.store.snapshot().revision, 0.5)
                        continue
                self._cycle()
            except GuardLost:
                log.warning("%s: lost the DC role (term %d)", self.node, self.term)
                self.term = 0
            except ScheduleError as err:  # an input the scheduler refuses (e.g. bundles): wait for a new one
                self.last_sentence = f"term {self.term}: no decision: {err.message}"
                log.error("%s: %s (%s)", self.node, self.last_sentence, err.hint)
                self.store.watch(self.store.snapshot().revision, 5.0)
            except StoreError as err:
                log.warning("%s: controller: %s", self.node, err)
                self._stop.wait(0.1)

    # --- one cycle ------------------------------------------------------------------------
    def _cycle(self) -> None:
        snap = self.store.snapshot()
        now = int(self.clock())
        transition = schedule(snap.configuration, snap.state, now)
        ready = [a for a in GraphRun(transition).ready() if a.node in snap.members]
        if not ready:
            self.last_sentence = f"term {self.term}: idle, {len(snap.members)} members"
            wait = 5.0 if transition.recheck_at is None else max(0.5, min(5.0, transition.recheck_at - now))
            self.store.watch(snap.revision, wait)
            return
        self.transitions += 1
        leases = {n: lease for n, (_, lease) in self.store.member_addresses().items()}
        orders = [Order(self.term, self.transitions, a, leases.get(a.node or "", 0)) for a in ready]
        self._log_transition(snap, transition, orders, now)
        by_node: dict[str, dict[str, str]] = {}
        for o in orders:
            assert o.action.node is not None
            by_node.setdefault(o.action.node, {})[o.key] = o.to_json()
        for node, batch in by_node.items():
            self.store.post_actions(self.term, node, batch)
        self.last_sentence = (f"term {self.term} transition {self.transitions}: "
                              f"{len(orders)} action(s) sent: " + ", ".join(_describe(o.action) for o in orders))
        log.info("%s", self.last_sentence)
        self._await(snap, {o.key: Outstanding(o, time.monotonic() + ORDER_SLACK_S + 20.0) for o in orders})

    def _await(self, snap: Snapshot, outstanding: dict[str, Outstanding]) -> None:
        rev = snap.revision
        members = dict(snap.members)
        while outstanding and not self._stop.is_set():
            rev = self.store.watch(rev, 0.5)
            now_snap = self.store.snapshot()
            rev = now_snap.revision
            pending = {k for node in {o.order.action.node for o in outstanding.values()}
                       for k in self.store.actions_for(node or "")[0]}
            for k in list(outstanding):
                o = outstanding[k]
                node = o.order.action.node or ""
                if k not in pending or node not in now_snap.members or time.monotonic() > o.deadline:
                    del outstanding[k]
            if set(now_snap.members) != set(members) or now_snap.config_revision != snap.config_revision:
                lost = set(members) - set(now_snap.members)
                if lost:
                    log.info("%s: node(s) %s left: re-planning", self.node, ", ".join(sorted(lost)))
                members = dict(now_snap.members)
                if not any(o.order.action.node in members for o in outstanding.values()):
                    return
            if not self._is_dc():
                raise GuardLost("no longer DC")

    def _log_transition(self, snap: Snapshot, transition: Transition, orders: list[Order], now: int) -> None:
        # the input exactly as decided on, with the decision's "now" (crm_simulate honours execution-date)
        cib = to_xml(snap.configuration, replace(snap.state, execution_date=now))
        record = json.dumps({"term": self.term, "transition": self.transitions, "time": self.clock(),
                             "summary": list(transition.summary),
                             "orders": [_describe(o.action) for o in orders], "cib": cib})
        try:
            seq = self.term * 1_000_000 + self.transitions
            self.store.log_transition(self.term, seq, record, series_max(snap.configuration))
        except StoreError as err:
            log.warning("transition not recorded: %s", err)


PE_INPUT_KEEP_MAX = 200  # each record holds a whole (compressed) CIB: etcd is no archive of thousands


def series_max(config: Configuration) -> int:
    """How many transitions to keep: Pacemaker's pe-input-series-max (default 4000; -1 unlimited; 0
    none), at most PE_INPUT_KEEP_MAX in etcd."""
    try:
        n = int(config.property("pe-input-series-max", "4000") or "4000")
    except ValueError:
        n = 4000
    return PE_INPUT_KEEP_MAX if n < 0 else min(n, PE_INPUT_KEEP_MAX)


def _describe(a: Action) -> str:
    what = "probe" if a.task == "monitor" and a.interval_ms == 0 else (
        f"monitor/{a.interval_ms // 1000}s" if a.task == "monitor" else a.task)
    return f"{what} {a.rsc or ''} on {a.node}".replace("  ", " ")
