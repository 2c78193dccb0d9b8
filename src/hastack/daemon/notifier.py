"""The notifier: tells this node's tier resources (Galera, RabbitMQ, HAProxy) that a peer is proven gone,
or back -- the thin shell around daemon.departure.decide.

One thread. Each round reads the departure records (written by the fencer
that proved the death) and the members (store.departure_records), decides, and
runs the notices through the executor, each in a worker of its own (a
rabbitmqctl that hangs must not hold Galera's eviction back) and each with a
deadline. It wakes on a new record at once, else every ROUND_S (a node's
return is seen as a membership change, which needs no hurry: HAProxy's
checks still gate a returning server). Level-triggered: every round decides
on the whole state, so a record missed while etcd elected is acted on next
round. Only while this node holds its membership: a node that lost it may be
the isolated one, and has stopped its resources anyway.

Imports agents, store, daemon.departure, daemon.membership.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace

from hastack.agents.action import ActionRequest, ActionResult
from hastack.agents.executor import Executor
from hastack.daemon.departure import META_NODE, Departure, LocalResource, Notice, Told, decide, parse_departure
from hastack.daemon.membership import Lease
from hastack.store.etcd import EtcdStore
from hastack.store.port import StoreError

log = logging.getLogger("hastack.notifier")

ROUND_S = 2.0  # a departure record wakes the round at once (its watch): this only bounds a missed change
NOTICE_TIMEOUT_MS = 20_000  # an eviction is one SQL statement or one rabbitmqctl call: 20 s is generous


def notice_request(started: ActionRequest, notice: Notice) -> ActionRequest:
    """The request that runs `notice` on the resource `started` started: same agent, parameters and meta,
    the departed node's name as meta attribute META_NODE."""
    return replace(started, action=notice.action, interval_ms=0, target_rc=None, timeout_ms=NOTICE_TIMEOUT_MS,
                   meta=(*[(k, v) for k, v in started.meta if k != META_NODE], (META_NODE, notice.node)))


def read_departures(records: Mapping[str, str]) -> dict[str, Departure]:
    return {node: dep for node, text in records.items() if (dep := parse_departure(node, text)) is not None}


class Notifier:
    def __init__(self, store: EtcdStore, node: str, membership: Lease, executor: Executor,
                 active: Callable[[], Mapping[str, ActionRequest]]) -> None:
        self.store = store
        self.node = node
        self.membership = membership
        self.executor = executor
        self._active = active  # the LRM's running resources: rsc id -> the request that started it
        self._told: Mapping[str, Told] = {}
        self.last_sentence = ""
        self._stop = threading.Event()
        self._pool = ThreadPoolExecutor(max_workers=4, thread_name_prefix="notice")
        self._thread = threading.Thread(target=self._loop, name="notifier", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=2)
        self._pool.shutdown(wait=False, cancel_futures=True)

    def _round(self) -> int:
        """One decision and its notices; the revision the records were read at."""
        records, members, rev = self.store.departure_records()
        if not self.membership.holds():
            return rev
        active = dict(self._active())
        local = tuple(LocalResource(rsc, str(req.agent)) for rsc, req in sorted(active.items()))
        plan = decide(self.node, read_departures(records), members, self._told, local)
        self._told = plan.told
        if plan.sentence:
            self.last_sentence = plan.sentence
            log.warning("%s: %s", self.node, plan.sentence)
        for notice in plan.notices:
            self._pool.submit(self._run, notice_request(active[notice.rsc], notice))
        return rev

    def _run(self, req: ActionRequest) -> ActionResult:
        result = self.executor.execute(req)
        log.warning("%s: %s", self.node, result.summary())
        return result

    def _loop(self) -> None:
        rev = 0
        while not self._stop.is_set():
            try:
                rev = self._round()
                self.store.client.wait_for_change(self.store.departures_prefix(), rev, ROUND_S)
            except StoreError as err:
                log.warning("%s: notifier: %s", self.node, err)
                self._stop.wait(0.1)
