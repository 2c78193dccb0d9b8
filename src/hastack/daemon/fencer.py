"""The fast path: a member that stops answering heartbeats is fenced, then evicted, so recovery need
not wait for its lease to run out.

DESIGN safety rule 2: the DC recovers a lost node's resources only after the
node is known down -- a fence device confirmed it, or the self-fence deadline
passed (the lease ran out). For the lease path this module only saves time:
a silent member with no fence device has its lease revoked the moment
LeaseTimeToLive proves it ran out (daemon.expiry), not up to 500 ms later in
etcd's own expiry round. The rest of this module is the other path: when the heartbeat detector (daemon.heartbeat) suspects a
member, the acting node runs the configured fence device's `off` for it; only
when the device answers success is the node's lease revoked (its membership
and, if it was DC, its DC key go with it), and the DC re-plans on a cluster in
which that node is cleanly down.

Who watches whom: heartbeats form a star around the DC, so their cost grows
with the number of nodes, not its square (32 nodes all-to-all at 50 ms would
be 20,000 datagrams a second): the DC sends to and watches every member, every
other node watches the DC only and sends to it at the full rate, to the rest
every heartbeat.SLOW_S (with no DC, everyone watches everyone). A node it
starts watching gets JOIN_GRACE_S first, and one that still sends slowly is
judged against its own promise (against_promise); one never heard is never suspected.

Who acts: the DC; if the DC itself is suspected, the longest-joined member
that is not (the one the DC election prefers). And only from the majority's side: a linearizable read must show
the suspect still a member (an isolated node, to which the DC looks silent,
cannot read). Nothing happens unless the configuration has
`stonith-enabled=true` and a stonith resource whose `pcmk_host_list` (or no
list) covers the suspect.

`decide` is pure (suspects and who acts); `Fencer` is its thin thread.

Every eviction is then announced (store.announce_departure, with its proof), so that every
survivor's notifier tells its local Galera, RabbitMQ and HAProxy at once (daemon.departure).

Imports agents, model, store, daemon.heartbeat, daemon.membership, daemon.departure.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from hastack.agents.action import ActionRequest
from hastack.agents.executor import Executor
from hastack.daemon.departure import FENCED, LEASE_EXPIRED, Departure
from hastack.daemon.expiry import ExpiryWatch, Promise
from hastack.daemon.heartbeat import Detector, heartbeat_interval
from hastack.daemon.membership import Lease
from hastack.model.config import Configuration, Primitive
from hastack.model.values import is_true
from hastack.store.etcd import EtcdStore, by_seniority
from hastack.store.port import StoreError

log = logging.getLogger("hastack.fencer")

JOIN_GRACE_S = 2.0
VOTERS_FRESH_S = 3.0  # the voters' answers of a refresh (every 0.5-2 s) serve a fence this long
QUORUM_RECHECK_S = 0.3  # a fence refused for etcd's quorum (keeps_quorum) is asked again this much later
EXPIRY_POLL_S = 0.05  # LeaseTimeToLive reads of a suspect's lease (daemon.expiry: gaps must stay under 0.9 s)


@dataclass(frozen=True)
class Decision:
    suspects: tuple[str, ...]
    actor: str | None  # the node that fences them


def decide(me: str, members: Mapping[str, float | None], dc: str | None, suspect_after: float,
           seniority: Sequence[str] = ()) -> Decision:
    """`members`: node -> seconds since last heard (None: not heard yet; never suspected for that).
    `seniority`: the members, longest-joined first. A silent DC is fenced by the longest-joined member
    that is not suspected -- the one the DC election prefers (daemon.controller): having evicted the DC,
    it campaigns at once instead of waiting for a senior to notice."""
    suspects = tuple(sorted(n for n, silent in members.items()
                            if n != me and silent is not None and silent > suspect_after))
    if dc is not None and dc in members and dc not in suspects:
        actor: str | None = dc
    else:
        rank = {n: k for k, n in enumerate(seniority)}
        alive = sorted((n for n in members if n not in suspects), key=lambda n: (rank.get(n, len(rank)), n))
        actor = alive[0] if alive else None
    return Decision(suspects, actor)


def silence(now: float, incarnation_seen: float, watching_since: float | None,
            last_heard: float | None) -> float | None:
    """How long a member has been silent, for suspicion; None: not to be suspected (yet).

    An incarnation (membership lease) never heard at all is never suspected: its lease covers it. At 16
    hosts on a loaded machine a rebooted host took more than the 2 s grace once given to start its
    heartbeat process, was fenced again, and again. One heard, but not since this node began watching
    it (a new DC), gets JOIN_GRACE_S to learn whom to send to."""
    if last_heard is None or last_heard < incarnation_seen:
        return None
    if watching_since is not None and last_heard < watching_since:
        return None if now - watching_since < JOIN_GRACE_S else now - watching_since
    return now - last_heard


def watched_by(me: str, members: set[str], dc: str | None) -> set[str]:
    """The nodes whose silence `me` watches: everyone for the DC (or while there is none), else the DC."""
    if dc is None or dc == me or dc not in members:
        return members - {me}
    return {dc}


def sent_slowly(me: str, members: set[str], dc: str | None) -> frozenset[str]:
    """The members `me` sends heartbeats to every heartbeat.SLOW_S only: those that do not watch it."""
    return frozenset(n for n in members if n != me and me not in watched_by(n, members, dc))


def against_promise(silent: float | None, promise: float | None, interval: float) -> float | None:
    """A silence as the suspicion threshold reads it: a node that promised to send only every `promise`
    seconds (it did not know this node watches it -- this one just became DC) is suspected after six of
    its intervals, as one sending every `interval` is after six of those."""
    if silent is None or promise is None or promise <= interval:
        return silent
    return silent * interval / promise


def keeps_quorum(target: str, voters: Mapping[str, bool]) -> bool:
    """Whether etcd keeps a quorum once `target` is off: of all voting members (name -> answering now),
    those answering, the target's own member aside (an embedded member is named after its node), must
    be a majority. If not, fencing the target gains nothing and costs everything: were it dead, this
    side has no quorum anyway and stops on its own lease; being alive but slow (the 3-host lab at load
    7, after one host was fenced, heard the second silent for 0.1 s), fencing it would leave the last
    node without a majority, and it would self-fence -- the whole cluster down for one late heartbeat."""
    answering = sum(1 for name, up in voters.items() if up and name != target)
    return answering > len(voters) // 2


def fence_device(config: Configuration, target: str) -> Primitive | None:
    if not is_true(config.property("stonith-enabled", "true")):
        return None
    for r in config.resources.values():
        if isinstance(r, Primitive) and r.agent is not None and r.agent.cls == "stonith":
            params = {k: v for s in r.params for k, v in s.pairs}
            hosts = params.get("pcmk_host_list", "").replace(",", " ").split()
            if not hosts or target in hosts:
                return r
    return None


class Fencer:
    def __init__(self, store: EtcdStore, node: str, membership: Lease, heartbeat: Detector,
                 executor: Executor, suspect_after: float = 0.3,
                 on_evicted: Callable[[], None] = lambda: None,
                 on_down: Callable[[str, int], None] = lambda _node, _lease: None) -> None:
        self.store = store
        self.node = node
        self.membership = membership
        self.heartbeat = heartbeat
        self.executor = executor
        self.suspect_after = suspect_after
        # a silence is noticed within a fifteenth of the window: every 20 ms at the default 0.3 s; a big
        # cluster's 1.6 s window needs no 50 turns a second on every host (the 16-host lab had no CPU left)
        self._turn = min(0.1, max(0.02, suspect_after / 15))
        self._on_evicted = on_evicted  # the local controller plans again at once (its watch may be on a dead member)
        self._on_down = on_down  # ... and without the node, as soon as it is proven down (before the revocation)
        self.peers: dict[str, str] = {}  # whom this node's heartbeats go to: every other member
        self.slow_peers: frozenset[str] = frozenset()  # ... every heartbeat.SLOW_S only: they do not watch it
        self._interval = heartbeat_interval(suspect_after)  # the rate a watched node's heartbeats come at
        self._watched: set[str] = set()
        self._watch_since: dict[str, float] = {}  # node -> when this node began to watch it
        self._leases: dict[str, int] = {}
        self._seniority: list[str] = []  # the members, longest-joined first
        self._promises: dict[int, Promise] = {}  # lease -> its holder's self-fence promise (daemon.expiry)
        self._dc: str | None = None
        self._config: Configuration | None = None
        self._fenced: set[int] = set()  # leases already fenced
        self._to_evict: dict[int, str] = {}  # fenced, membership not yet revoked (etcd was busy electing)
        self._since: dict[str, tuple[int, float]] = {}  # node -> (lease, when this node first saw it)
        self._to_log: list[tuple[str, int]] = []  # evicted, the record of it not yet written
        # proven down and evicted, not yet announced to the survivors' tier (daemon.departure)
        self._to_announce: list[Departure] = []
        self._expiry: dict[int, ExpiryWatch] = {}  # lease of a suspect with no fence device -> its expiry watch
        self._expiry_polled: dict[int, float] = {}
        self._expired: set[int] = set()  # leases revoked because they ran out, not fenced
        self._etcd_members: list[dict[str, Any]] | None = None  # etcd's member list as of the last refresh
        self._voters_seen: tuple[float, dict[str, bool]] = (float("-inf"), {})  # when read, voter -> answered
        self._fenced_at: dict[str, float] = {}  # node -> when this node's fence device confirmed it off
        self._quorum_refused: dict[int, float] = {}  # lease -> until when fencing it stays refused (keeps_quorum)
        self._stop = threading.Event()
        self._ready = threading.Event()  # the first refresh is done
        self._refresh_now = threading.Event()
        self._threads = [threading.Thread(target=self._loop, name="fencer", daemon=True),
                         threading.Thread(target=self._refresh_loop, name="fencer-refresh", daemon=True)]

    def start(self) -> None:
        for t in self._threads:
            t.start()

    def stop(self) -> None:
        self._stop.set()
        self._refresh_now.set()
        for t in self._threads:
            t.join(timeout=2)

    def _refresh(self) -> None:
        found, dc, config_rev = self.store.membership_view()  # one round trip, not three
        self._leases = {n: r.lease for n, r in found.items()}
        self._seniority = by_seniority(found)
        self._promises = {r.lease: p for r in found.values() if (p := Promise.parse(r.promise)) is not None}
        now = time.monotonic()
        for n, lease in self._leases.items():
            if self._since.get(n, (0, 0.0))[0] != lease:
                self._since[n] = (lease, now)  # a new incarnation: what was heard before is not about it
        self._dc = dc[0] if dc else None
        watched = watched_by(self.node, set(self._leases), self._dc)
        for n in watched - self._watched:
            self._watch_since[n] = now
        self._watched = watched
        # heartbeats go to every member, though each node watches the DC only: a node that becomes DC is
        # then heard by everyone at once. Sent to the DC alone, a new DC was silent to its peers until its
        # own refresh told its heartbeat process -- 14 s in the 16-host lab at load 70, and it was fenced.
        self.peers = {n: r.address for n, r in found.items() if n != self.node and r.address}
        # those who do not watch this node (watched_by) hear from it slowly, and know it from its promise
        self.slow_peers = sent_slowly(self.node, set(self._leases), self._dc) & set(self.peers)
        self._config = self.store.configuration_at(config_rev)[0]
        if self._may_act() and any(fence_device(self._config, n) is not None for n in self._leases if n != self.node):
            # etcd's member list and which voters answer, for the quorum check before a fence
            # (keeps_quorum): read here, so that a failover's path reads neither. Only where this node
            # may fence: on every host, they were two reads of three a refresh for nothing (a node that
            # becomes one that fences reads them at once, _quorum_survives).
            self._etcd_members = self.store.client.members()
            self._voters_seen = (time.monotonic(), self.store.client.voters_answering(members=self._etcd_members))

    def _may_act(self) -> bool:
        """Whether this node fences when a member goes silent: the DC, the member that fences a silent DC
        (the longest-joined other than the DC), or anyone while there is no DC."""
        if self._dc is None or self._dc == self.node:
            return True
        others = [n for n in self._seniority if n != self._dc]
        return bool(others) and others[0] == self.node

    def _refresh_loop(self) -> None:
        """Membership, DC and configuration, every 0.5 s (a big cluster's longer suspicion window: as long,
        up to 2 s -- three reads a round on every host) or when asked -- in a thread of its own: a read
        that waits on a member that just died (the victim's own) must not delay noticing the silence."""
        while not self._stop.is_set():
            try:
                self._refresh()
                self._ready.set()
            except StoreError as err:
                log.warning("%s: fencer: %s", self.node, err)
            self._refresh_now.wait(min(2.0, max(0.5, self.suspect_after)))
            self._refresh_now.clear()

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                now = time.monotonic()
                if not self._ready.is_set():
                    self._stop.wait(0.02)
                    continue
                for lease, target in list(self._to_evict.items()):
                    self.store.evict(target, lease)  # raises while etcd has no leader: retried next round
                    del self._to_evict[lease]
                    log.warning("%s: %s's membership is revoked", self.node, target)
                    self._on_evicted()
                    self._refresh_now.set()
                    proof = LEASE_EXPIRED if lease in self._expired else FENCED
                    self._to_announce.append(Departure(target, lease, proof))
                    if lease not in self._expired:  # (a lease that ran out was not fenced)
                        self._to_log.append((target, lease))
                for dep in list(self._to_announce):  # after the eviction: the DC's recovery goes first
                    self.store.announce_departure(dep.node, dep.to_json())
                    self._to_announce.remove(dep)
                for target, lease in list(self._to_log):
                    self.store.log_fenced(target, lease)
                    self._to_log.remove((target, lease))
                if self.membership.holds() and self._config is not None:
                    if self._watched:
                        self.heartbeat.drain()  # what arrived (or what the heartbeat process heard)
                    silent = {n: self._silence(n, now) if n in self._watched else None for n in self._leases}
                    d = decide(self.node, silent, self._dc, self.suspect_after, self._seniority)
                    if d.actor == self.node:
                        for target in d.suspects:
                            lease = self._leases.get(target, 0)
                            if not lease or lease in self._fenced:
                                continue
                            if fence_device(self._config, target) is not None:
                                self.fence(target, lease)
                                self._refresh_now.set()
                            else:
                                self._watch_expiry(target, lease, now)
                    for lease in set(self._expiry) - {self._leases.get(n, 0) for n in d.suspects}:
                        del self._expiry[lease]  # heard again, or gone: a new watch starts afresh
                        self._expiry_polled.pop(lease, None)
            except StoreError as err:
                log.warning("%s: fencer: %s", self.node, err)
            self._stop.wait(self._turn)

    def _watch_expiry(self, target: str, lease: int, now: float) -> None:
        """The lease-only path: a suspect with no fence device is recovered once LeaseTimeToLive proves it
        stopped -- by the self-fence promise it published (~0.45 s before etcd's expiry), else by its lease
        having run out (up to 500 ms before etcd's expiry loop revokes it); daemon.expiry says why either
        is safe. Read every EXPIRY_POLL_S while it stays a suspect."""
        watch = self._expiry.setdefault(lease, ExpiryWatch())
        if now - self._expiry_polled.get(lease, 0.0) < EXPIRY_POLL_S:
            return
        self._expiry_polled[lease] = now
        sent = time.monotonic()
        try:
            got = self.store.client.lease_time_to_live(lease, timeout=0.3)
        except StoreError:  # no majority in reach (the lease thread says so): the chain waits, or restarts
            return
        watch.observe(sent, time.monotonic(), got.ttl, got.granted, got.term)
        promise = self._promises.get(lease)
        if not watch.due(time.monotonic(), promise):
            return
        try:
            term_now = self.store.client.leader_term(timeout=0.3)
        except StoreError:
            return
        if not watch.confirms(term_now):
            return  # the chain was read from another leader's lease table: it starts over with the next read
        how = "its lease ran out in etcd" if watch.stopped_at(None) is not None else "its self-fence deadline passed"
        log.warning("%s: %s has stopped everything (%s): revoking its lease now rather than at etcd's expiry",
                    self.node, target, how)
        self._fenced.add(lease)
        self._expired.add(lease)
        self._to_evict[lease] = target
        self._on_down(target, lease)
        del self._expiry[lease]

    def _in_majority(self, target: str, lease: int) -> bool:
        """Only a node on the majority's side fences: a linearizable read (it needs the etcd leader and a
        quorum) must show the target still a member on the same lease. An isolated node -- to which
        every peer looks silent -- cannot read, so it never fences the healthy majority."""
        try:
            now = self.store.member_addresses(hedge=True)  # the fastest member with a leader answers
        except StoreError as err:
            log.warning("%s: not fencing %s: the store's majority does not answer (%s)", self.node, target, err)
            return False
        return now.get(target, ("", 0))[1] == lease

    def _quorum_survives(self, target: str, lease: int) -> bool:
        """keeps_quorum, on the voters' answers of the last refresh (asked now when they are older than
        VOTERS_FRESH_S: this node has not been one that fences until now). Where the voters cannot be listed, fencing goes ahead as
        before this check: the majority just answered (_in_majority), so this is rare, and it only saves
        availability, never safety (fencing proves a node down; not fencing recovers nothing)."""
        try:
            seen_at, seen = self._voters_seen
            if time.monotonic() - seen_at < VOTERS_FRESH_S:
                # as of the last refresh, less the hosts this node fenced since (their voters are off)
                voters = {n: up and n != target and self._fenced_at.get(n, 0.0) < seen_at for n, up in seen.items()}
            else:
                voters = self.store.client.voters_answering(skip=target, members=self._etcd_members)
        except StoreError as err:
            log.warning("%s: cannot list etcd's voters before fencing %s (%s): fencing anyway", self.node, target, err)
            return True
        if keeps_quorum(target, voters):
            return True
        up = sorted(n for n, ok in voters.items() if ok and n != target)
        first = lease not in self._quorum_refused
        self._quorum_refused[lease] = time.monotonic() + QUORUM_RECHECK_S
        (log.error if first else log.debug)("%s: not fencing %s: etcd would keep %d of %d voters (%s answering), no quorum; with it off "
                  "this side would stop too", self.node, target, len(up), len(voters), ", ".join(up) or "none")
        return False

    def _silence(self, node: str, now: float) -> float | None:
        """Seconds this incarnation of `node` has been silent; None while it may still be starting."""
        _, since = self._since.get(node, (0, now))
        heard = self.heartbeat.silent_for(node, now)
        quiet = silence(now, since, self._watch_since.get(node), None if heard is None else now - heard)
        return against_promise(quiet, self.heartbeat.promised(node), self._interval)

    def fence(self, target: str, lease: int) -> bool:
        assert self._config is not None
        device = fence_device(self._config, target)
        if device is None or device.agent is None:
            return False
        # heartbeats that arrived while the receiving thread waited its turn: the target may not be silent
        self.heartbeat.drain()
        t0 = time.monotonic()
        silent = self._silence(target, t0)
        if silent is not None and silent < self.suspect_after:
            log.info("%s: %s was heard after all (its heartbeats were queued): not fencing it", self.node, target)
            return False
        if t0 < self._quorum_refused.get(lease, 0.0):
            return False  # refused lately: asked again after QUORUM_RECHECK_S, not every turn
        # (the quorum check reads the voters' answers of the last refresh: no round trip of its own)
        if not self._in_majority(target, lease) or not self._quorum_survives(target, lease):
            return False
        t1 = time.monotonic()
        params = tuple((k, v) for s in device.params for k, v in s.pairs) + (("target", target),)
        # Pacemaker's stonith-action: reboot (the default) or off (poweroff is its old spelling)
        action = "off" if self._config.property("stonith-action", "reboot") in ("off", "poweroff") else "reboot"
        # the timeline an operator needs to see where a failover's time went
        log.warning("%s: %s silent for %.2f s: fencing it (%s) with %s (majority and quorum confirmed in %d ms)",
                    self.node, target, silent or 0.0, action, device.id, (t1 - t0) * 1000)
        result = self.executor.execute(ActionRequest(device.agent, action, device.id, params, timeout_ms=20_000,
                                                     node=self.node))
        if result.rc != 0:
            log.error("%s: fencing %s failed: %s", self.node, target, result.exit_reason or result.rc)
            return False
        self._fenced.add(lease)
        self._fenced_at[target] = time.monotonic()
        self._to_evict[lease] = target
        self._on_down(target, lease)
        log.warning("%s: %s fenced (device confirmed off in %d ms)", self.node, target,
                    (time.monotonic() - t1) * 1000)
        return True
