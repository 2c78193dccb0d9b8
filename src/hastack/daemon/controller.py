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

import concurrent.futures
import json
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, replace

from hastack.cib import to_xml
from hastack.daemon.changefeed import ChangeFeed
from hastack.daemon.membership import Lease
from hastack.daemon.orders import Order, outcome
from hastack.daemon.timing import thread_nice
from hastack.errors import HastackError, ScheduleError
from hastack.graphrun import GraphRun
from hastack.model.config import Configuration
from hastack.model.durations import parse_ms
from hastack.model.results import ExecStatus, OcfRc
from hastack.model.values import is_true
from hastack.scheduler import Action, Transition, schedule
from hastack.store.etcd import EtcdStore, GuardLost
from hastack.store.port import Snapshot, StoreError
from hastack.store.progress import Progress

LOGGED_ACTIONS = 50  # named in the log line of a wave of orders (a small cluster's whole wave)
log = logging.getLogger("hastack.controller")

CLUSTER_DELAY_DEFAULT_MS = 60_000  # Pacemaker's cluster-delay
DC_NICE = -10  # the DC's controller thread (daemon.timing.thread_nice): below the real-time lease and heartbeats
# How long a wait of a node that is not DC sleeps at most (the DC waits on its change feed).
WATCH_SLICE_S = 0.5
# How long a node that follows a DC waits on the DC key before looking again: the key's deletion ends
# the wait at once (a watch on a member that went silent moves to another: store.etcdwatch), so this
# only bounds how stale a missed change could be.
FOLLOW_WAIT_S = 5.0
# Pacemaker's election prefers the controller that has run longest; here the k-th longest-joined
# member campaigns k * this later, so a host that just rebooted does not take the DC role from the
# survivors (and a DC loss costs the longest member no wait). A preference only: the etcd
# compare-and-swap alone decides, so a frozen senior delays the others by this, no more.
CAMPAIGN_STAGGER_S = 0.25
# A DC whose last decision had nothing to do decides again when the store changes (its change feed) or
# a time-based recheck falls due (rules, failure-timeout: the decision's recheck_at), and otherwise only
# this often, as a safety net (Pacemaker's cluster-recheck-interval, 15 minutes by default). Re-planned
# every 5 s, an idle DC of 16 hosts x 1,000 resources spent a sixth of a CPU deciding nothing.
IDLE_REPLAN_S = 60.0
IDLE_WAIT_S = 5.0  # ... waited for in slices this long (the loop checks it is still DC between them)


@dataclass
class Outstanding:
    order: Order
    deadline: float


class Controller:
    def __init__(self, store: EtcdStore, node: str, membership: Lease,
                 clock: Callable[[], float] = time.time) -> None:
        self.store = store
        self.node = node
        self.membership = membership
        self.clock = clock
        self.term = 0
        self.transitions = 0
        self.last_sentence = ""
        self._published: Progress | None = None  # the last progress record written
        self._woken = True  # the last wait ended on a change (not a timeout): publish the next idle
        self._idle: tuple[int, float] | None = None  # (revision, until when) a decision found nothing to do
        self._stop = threading.Event()
        self._feed: ChangeFeed | None = None  # while DC: what wakes the DC loop (daemon.changefeed)
        self._down: dict[str, int] = {}  # node -> lease proven down, its revocation maybe still on its way
        self._decided = ""  # how long the transition being sent took to read and decide (for the log)
        self._is_favoured = False  # this thread's nice is DC_NICE (while DC)
        self._publisher = concurrent.futures.ThreadPoolExecutor(max_workers=1, thread_name_prefix="progress")
        self._publishing: concurrent.futures.Future[None] | None = None
        self._thread = threading.Thread(target=self._loop, name="controller", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._set_feed(None)
        self._thread.join(timeout=3)
        self._publisher.shutdown(wait=False, cancel_futures=True)

    def poke(self) -> None:
        """Plan again now: something this process knows changed the cluster (the fencer evicted a node),
        whether or not the watch has told the DC yet."""
        feed = self._feed
        if feed is not None:
            feed.poke()

    def _set_feed(self, feed: ChangeFeed | None) -> None:
        old, self._feed = self._feed, feed
        if old is not None:
            old.stop()

    def node_down(self, node: str, lease: int) -> None:
        """`node`'s incarnation on `lease` is proven down (its fence confirmed, or its stop proven): plan
        without it now, not one lease revocation later -- on a fenced failover, that round trip through
        etcd's leader was a fifth of the time. Leases are never reused, so the entry can stay."""
        self._down = {**dict(list(self._down.items())[-100:]), node: lease}
        log.info("%s is down (lease %x): planning without it", node, lease)
        self.poke()

    def _snapshot(self) -> Snapshot:
        return self.store.snapshot(self._down)

    def _watch(self, after: int, timeout: float) -> int:
        """The revision of a change after `after` within `timeout` (`after` when none); a poke ends the
        wait at once as a change."""
        feed = self._feed
        if feed is None:  # (not DC: nothing to plan)
            self._stop.wait(min(timeout, WATCH_SLICE_S))
            return after
        return feed.wait(after, timeout)

    # --- election -------------------------------------------------------------------------
    def _elect(self) -> bool:
        lease = self.membership.lease
        if not lease or not self.membership.holds():
            return False
        seniority = self.store.seniority()
        rank = seniority.index(self.node) if self.node in seniority else len(seniority)
        if rank and self.store.current_dc() is None:
            # a senior member may take it meanwhile: wait for the DC key, not a fixed sleep
            self.store.watch_dc(self.store.revision(), rank * CAMPAIGN_STAGGER_S)
        term = self.store.campaign(self.node, lease)
        if term is None:
            return False
        self.term = term
        self.transitions = 0
        self._published = None
        self._idle = None
        self._set_feed(ChangeFeed(self.store).start())
        self.store.clear_orders(term)  # orders of earlier terms are void
        log.info("%s is DC (term %d)", self.node, term)
        return True

    def _is_dc(self) -> bool:
        dc = self.store.current_dc()
        return dc is not None and dc[0] == self.node and dc[1] == self.term and self.membership.holds()

    def _is_dc_in(self, snap: Snapshot) -> bool:
        """_is_dc as of a snapshot just read (no read of its own)."""
        return snap.dc == self.node and snap.dc_term == self.term and self.membership.holds()

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                if not self.term or not self._is_dc():
                    self.term = 0
                    self._set_feed(None)
                    self._favoured(False)
                    dc, rev = self.store.dc_at()
                    if dc is not None and dc[0] != self.node:
                        # another node is DC: nothing to do until its key changes (it resigns, or its lease
                        # is revoked or runs out). Campaigning every 0.5 s meanwhile was a write through
                        # Raft per node twice a second: at 32 idle hosts, 60 a second for nothing.
                        self.store.watch_dc(rev, FOLLOW_WAIT_S)
                        continue
                    if not self._elect():
                        # only the DC key's going matters here: watching the whole store woke every
                        # non-DC node (and its campaign write) on every result any node recorded
                        self.store.watch_dc(self.store.revision(), 0.5)
                        continue
                self._cycle()
            except GuardLost:
                log.warning("%s: lost the DC role (term %d)", self.node, self.term)
                self.term = 0
                self._set_feed(None)
            except ScheduleError as err:  # an input the scheduler refuses: wait for a new one
                self.last_sentence = f"term {self.term}: no decision: {err.message}"
                log.error("%s: %s (%s)", self.node, self.last_sentence, err.hint)
                self._watch(self.store.revision(), 5.0)
            except StoreError as err:
                log.warning("%s: controller: %s", self.node, err)
                self._stop.wait(0.1)

    def _favoured(self, dc: bool) -> None:
        if dc != self._is_favoured:
            self._is_favoured = dc
            thread_nice(DC_NICE if dc else 0)

    # --- one cycle ------------------------------------------------------------------------
    def _cycle(self) -> None:
        self._favoured(True)
        if self._idle is not None and not self._woken and self.clock() < self._idle[1]:
            # nothing changed since a decision found nothing to do, and no recheck is due: the same
            # input would give the same decision
            rev, until = self._idle
            self._woken = self._watch(rev, max(0.05, min(IDLE_WAIT_S, until - self.clock()))) > rev
            return
        self._idle = None
        began = time.monotonic()
        snap = self._snapshot()
        read = time.monotonic()
        now = int(self.clock())
        transition = schedule(snap.configuration, snap.state, now)
        run = GraphRun(transition)
        ready = [a for a in run.ready() if a.node in snap.members]
        if not ready:
            self.last_sentence = f"term {self.term}: idle, {len(snap.members)} members"
            if self._woken or self._published is None or not self._published.idle:
                # a timed-out wait changed nothing: no write (a progress write every recheck is noise)
                self._publish(Progress(self.node, self.term, self.transitions, snap.revision, True))
            until = now + IDLE_REPLAN_S if transition.recheck_at is None else min(now + IDLE_REPLAN_S,
                                                                                   transition.recheck_at)
            self._idle = (snap.revision, until)
            self._woken = self._watch(snap.revision, max(0.5, min(IDLE_WAIT_S, until - now))) > snap.revision
            return
        self._woken = True
        self.transitions += 1
        # the decision's own time, for the log: an operator asking where a failover went sees this part
        self._decided = f" (read {1000 * (read - began):.0f} ms, decided {1000 * (time.monotonic() - read):.0f} ms)"
        limit = batch_limit(snap.configuration)
        self._run(snap, run, ready[:limit], lambda: self._log_transition(snap, transition, now), limit)

    def _send(self, run: GraphRun, actions: list[Action], outstanding: dict[str, Outstanding],
              snap: Snapshot) -> None:
        """Start `actions` in the graph and write them as orders, one guarded transaction per node; each
        names the lease its node held in `snap` (a node that rejoined since drops it unrun)."""
        fatal = is_true(snap.configuration.property("start-failure-is-fatal", "true"))
        orders = [Order(self.term, self.transitions, a, snap.leases.get(a.node or "", 0), fatal) for a in actions]
        by_node: dict[str, dict[str, str]] = {}
        for o in orders:
            assert o.action.node is not None
            run.start(o.action.id)
            by_node.setdefault(o.action.node, {})[o.key] = o.to_json()
        for node, batch in by_node.items():
            self.store.post_actions(self.term, node, batch)
        # an order is waited for as long as its agent may run (the operation's timeout) plus the slack:
        # a flat 20 s gave up on a Galera start (~65 s) and the next transition sent it again meanwhile
        now = time.monotonic()
        slack = cluster_delay_s(snap.configuration)
        outstanding.update({o.key: Outstanding(o, now + slack + max(20.0, o.action.timeout_ms / 1000))
                            for o in orders})
        # the first few by name: a big cluster's waves of 200 made log lines of 10 kB
        named = ", ".join(_describe(o.action) for o in orders[:LOGGED_ACTIONS])
        more = f" and {len(orders) - LOGGED_ACTIONS} more" if len(orders) > LOGGED_ACTIONS else ""
        self.last_sentence = (f"term {self.term} transition {self.transitions}: "
                              f"{len(orders)} action(s) sent: {named}{more}")
        log.info("%s%s", self.last_sentence, self._decided)
        self._decided = ""

    def _publish(self, progress: Progress) -> None:
        self._publish_behind()  # after the pending ones queued before it, never overtaken by them
        self._write_progress(progress, quiet_guard=False)

    def _write_progress(self, progress: Progress, quiet_guard: bool) -> None:
        """`quiet_guard`: a lost DC role is only logged (the publisher thread: the DC loop finds out by
        itself), else raised."""
        try:
            self.store.publish_progress(progress.term, progress.to_json())
            self._published = progress
        except GuardLost:
            if not quiet_guard:
                raise
            log.warning("progress not published: no longer DC")
        except StoreError as err:  # operators waiting see it late; the cluster is not affected
            log.warning("progress not published: %s", err)

    def _publish_pending(self, revision: int, outstanding: dict[str, Outstanding]) -> None:
        """Publish what a transition still waits for -- from a thread of its own: written in line, it was
        one more round trip between a result and the orders that result frees."""
        pending = tuple(sorted(_describe(o.order.action) for o in outstanding.values()))
        progress = Progress(self.node, self.term, self.transitions, revision, False, pending)
        self._publishing = self._publisher.submit(self._write_progress, progress, True)

    def _publish_behind(self) -> None:
        if self._publishing is not None:
            concurrent.futures.wait([self._publishing])
            self._publishing = None

    def _run(self, snap: Snapshot, run: GraphRun, ready: list[Action], record: Callable[[], None],
             limit: int) -> None:
        """Execute one transition's graph as Pacemaker's controller does: each expected result frees
        the actions that wait for it, which are sent at once; an unexpected result, a lost member, a
        configuration change or a node attribute change (a promotion score, a fail count) aborts it --
        nothing new is sent, the orders in flight are waited for (never sent twice) -- and the next
        cycle plans again on the whole state. Running the graph to its end, rather than planning after
        every wave, is what lets actions that leave no trace in the state (notifications) run once."""
        outstanding: dict[str, Outstanding] = {}
        started = time.monotonic()
        results: list[str] = []
        self._send(run, ready, outstanding, snap)
        record()  # after the first orders are out: serializing a large input CIB must not delay them
        self._publish_pending(snap.revision, outstanding)
        rev = snap.revision
        members = set(snap.members)
        attrs = _attributes(snap)
        aborted = ""
        while outstanding and not self._stop.is_set():
            rev = self._watch(rev, 0.5)
            now_snap = self._snapshot()
            rev = now_snap.revision
            nodes = {o.order.action.node or "" for o in outstanding.values()}
            # the orders still there, as of the same revision as the results
            pending = {k for node in nodes for k in now_snap.orders.get(node, ())}
            before = len(outstanding)
            for k in list(outstanding):
                o = outstanding[k]
                if o.order.action.node not in now_snap.members or time.monotonic() > o.deadline:
                    del outstanding[k]
                    aborted = aborted or f"{_describe(o.order.action)} got no answer"
                    results.append(f"{_describe(o.order.action)}: no answer")
                elif k not in pending:
                    del outstanding[k]
                    result = outcome(now_snap.state, o.order)
                    if result is None:
                        run.finish(o.order.action.id, OcfRc.UNKNOWN, ExecStatus.ERROR)
                    else:
                        run.finish(o.order.action.id, *result)
                    results.append(f"{_describe(o.order.action)}: "
                                   + (f"rc {result[0]}" if result and not result[1] else
                                      f"status {result[1]}" if result else "no result recorded"))
                    if run.aborted:
                        aborted = aborted or f"{_describe(o.order.action)} did not give its expected result"
            if set(now_snap.members) != members:
                aborted = aborted or "membership changed"
            elif now_snap.config_revision != snap.config_revision:
                aborted = aborted or "the configuration changed"
            elif _attributes(now_snap) != attrs:
                aborted = aborted or "node attributes changed"
            if not self._is_dc_in(now_snap):
                raise GuardLost("no longer DC")
            if not aborted and len(outstanding) < limit:
                more = [a for a in run.ready() if a.node in now_snap.members][:limit - len(outstanding)]
                if more:
                    self._send(run, more, outstanding, now_snap)
            if outstanding and len(outstanding) != before:
                self._publish_pending(snap.revision, outstanding)
        if aborted:
            log.info("%s: transition %d aborted (%s): planning again", self.node, self.transitions, aborted)
        done = {"results": results, "aborted": aborted or None, "seconds": round(time.monotonic() - started, 3)}
        try:
            self.store.log_outcome(self.term, self._seq(), json.dumps(done))
        except GuardLost:
            raise
        except StoreError as err:
            log.warning("outcome of transition %d not recorded: %s", self.transitions, err)

    def _seq(self) -> int:
        """The transition's key in the log: ordered by term, then number."""
        return self.term * 1_000_000 + self.transitions

    def _log_transition(self, snap: Snapshot, transition: Transition, now: int) -> None:
        # the input exactly as decided on, with the decision's "now" (crm_simulate honours execution-date)
        cib = to_xml(snap.configuration, replace(snap.state, execution_date=now))
        record = json.dumps({"term": self.term, "transition": self.transitions, "time": self.clock(),
                             "revision": snap.revision, "config_revision": snap.config_revision,
                             "summary": list(transition.summary),
                             "orders": [_describe(a) for a in GraphRun(transition).executable()],
                             "cib": cib})
        try:
            self.store.log_transition(self.term, self._seq(), record, series_max(snap.configuration))
        except StoreError as err:
            log.warning("transition not recorded: %s", err)


BATCH_LIMIT_AUTO = 200


def cluster_delay_s(config: Configuration) -> float:
    """How long past an action's own timeout its result may take to come back before the transition is
    given up: Pacemaker's cluster-delay (60 s by default; its controller waits the operation's timeout
    plus this). A flat 5 s here gave up on orders of hosts that were merely slow -- at 16 hosts on 2
    CPUs every wave of 200 lost one and the DC planned again from the start, 90 s a decision."""
    try:
        return parse_ms(config.property("cluster-delay", "60s") or "60s") / 1000
    except HastackError:
        return CLUSTER_DELAY_DEFAULT_MS / 1000


def batch_limit(config: Configuration) -> int:
    """How many actions may be in flight at once, cluster-wide: Pacemaker's batch-limit (0, the default,
    means automatic: here BATCH_LIMIT_AUTO). At 16 nodes x 1,000 resources the first transition is 16,000
    probes; sent at once, their results swamped etcd and the lease renewals behind them."""
    try:
        n = int(config.property("batch-limit", "0") or "0")
    except ValueError:
        n = 0
    return n if n > 0 else BATCH_LIMIT_AUTO


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


def _attributes(snap: Snapshot) -> dict[str, tuple[tuple[str, str], ...]]:
    """Every node's transient attributes: a change aborts the running transition (as in Pacemaker)."""
    return {n.uname: tuple(sorted(n.attributes.items())) for n in snap.state.nodes.values()}
