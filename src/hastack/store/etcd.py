"""The store port on etcd, and the cluster's coordination keys (membership, DC election, actions).

Key layout (every key under one prefix, `/hastack` by default):

    {p}/config                      the configuration as CIB XML, zlib-compressed (store.etcd.pack: a
                                    10,000-resource configuration is ~4 MB of XML, etcd takes 1.5 MiB a
                                    request by default); its mod_revision is the config revision
    {p}/members/{node}              node id; lives on the node's lease (membership)
    {p}/status/{node}/{history id}  one resource's operation history on that node (JSON, store.records)
    {p}/attrs/{node}/{name}         a transient node attribute
    {p}/dc                          the elected DC: JSON {"node", "lease"}; lives on the DC's lease;
                                    its create_revision is the DC's term
    {p}/actions/{node}/{action key} an action the DC asks the node to run (JSON), written in the DC's term
    {p}-log/transitions/{n}         recorded transitions (outside the snapshot prefix: never read to decide)
    {p}-log/outcomes/{n}            what transition n ran: the actions sent, their results, why it ended
    {p}-log/progress                the DC's latest decision: revision planned on, idle or pending actions
    {p}-log/departed/{node}         the node's latest proven death: {"lease", "proof"} (daemon.departure)

Guards: every write of a node's executor is a transaction that holds only if
the node's membership key still lives on the node's lease (a node that lost
its membership can no longer record anything); every write of the DC holds
only if `{p}/dc` still has the DC's term as create_revision (a deposed DC
cannot write).

Imports the model, cib, store.port, store.records, store.etcdclient.
"""

from __future__ import annotations

import base64
import json
import threading
import zlib
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from hastack.cib import parse_cib, to_xml
from hastack.model.config import Configuration
from hastack.model.state import ClusterState, ResourceHistory
from hastack.store.etcdclient import KV, EtcdClient, compare, delete_op, put_op
from hastack.store.port import Snapshot, StaleCommit, StoreError
from hastack.store.records import assemble_state, history_from_json, history_to_json


@dataclass(frozen=True)
class Guard:
    """The condition under which a write may happen: a member's lease, or a DC's term."""

    key: str
    target: str  # LEASE or CREATE
    value: int

    def compares(self) -> list[dict[str, Any]]:
        return [compare(self.key, self.target, self.value)]


class GuardLost(StoreError):
    """The write was refused because its writer no longer holds its membership or DC term."""


PACKED = b"zlib:"
TXN_OPS = 100  # operations per transaction, under etcd's default --max-txn-ops (128)


def pack(text: str) -> bytes:
    """A large text value as etcd keeps it: compressed (CIB XML shrinks ten- to twentyfold)."""
    return PACKED + zlib.compress(text.encode(), 6)


def unpack(value: bytes) -> bytes:
    """The text of a packed value; a plain one (written before packing existed) as it is."""
    return zlib.decompress(value[len(PACKED):]) if value.startswith(PACKED) else value


@dataclass(frozen=True)
class MemberRecord:
    address: str  # where its heartbeats come from ("" when it has no cluster address)
    lease: int
    promise: Any  # its self-fence timers as published (daemon.expiry.Promise.parse reads them), or None
    joined: int = 0  # its membership key's create revision: the lower, the longer it has been a member


def _member_record(kv: KV) -> MemberRecord:
    text = kv.value.decode()
    doc = json.loads(text) if text.startswith("{") else {}
    return MemberRecord(doc.get("address") or "", kv.lease, doc.get("promise"), kv.create_revision)


def _dc_of(kvs: list[KV]) -> tuple[str, int] | None:
    """The DC and its term (the key's create revision) from a read of the DC key, None if there is none."""
    return (json.loads(kvs[0].value)["node"], kvs[0].create_revision) if kvs else None


def by_seniority(records: Mapping[str, MemberRecord]) -> list[str]:
    """The members, the longest-joined first (by their membership keys' create revisions): whom the DC
    election prefers, and so who fences a silent DC."""
    return sorted(records, key=lambda n: (records[n].joined, n))


def member_id(value: bytes) -> str:
    """A membership key holds the node id, or JSON {"id", "address"} (the heartbeat address)."""
    text = value.decode()
    if text.startswith("{"):
        return str(json.loads(text).get("id", ""))
    return text


class EtcdStore:
    def __init__(self, client: EtcdClient, prefix: str = "/hastack", guard: Guard | None = None) -> None:
        self.client = client
        self.prefix = prefix.rstrip("/")
        self.guard = guard
        self._config_cache: tuple[Configuration, int] | None = None
        # snapshot(): the keys as last read, and each history parsed once per modification
        self._mirror: dict[bytes, KV] | None = None
        self._mirror_rev = 0
        self._mirror_lock = threading.Lock()
        self._parsed: dict[bytes, tuple[int, ResourceHistory]] = {}

    # --- keys ------------------------------------------------------------------------------
    def key(self, *parts: str) -> str:
        return "/".join((self.prefix, *parts))

    def member_guard(self, node: str, lease: int) -> Guard:
        return Guard(self.key("members", node), "LEASE", lease)

    def dc_guard(self, term: int) -> Guard:
        return Guard(self.key("dc"), "CREATE", term)

    def with_guard(self, guard: Guard | None) -> EtcdStore:
        return EtcdStore(self.client, self.prefix, guard)

    def _write(self, ops: list[dict[str, Any]], guard: Guard | None = None) -> int:
        g = guard or self.guard
        ok, _, rev = self.client.txn(g.compares() if g else [], ops)
        if not ok:
            raise GuardLost(f"write refused: {g.key if g else '?'} no longer holds", hint="the writer lost its role")
        return rev

    # --- the port --------------------------------------------------------------------------
    def snapshot(self, down: Mapping[str, int] | None = None) -> Snapshot:
        """The whole cluster at one revision. The first read takes every key; later ones only the keys'
        names (to see deletions) and the values changed since the last snapshot, at the same revision
        -- the DC snapshots after every event, and at 32 nodes x 10,000 resources re-reading and
        re-parsing 320,000 histories took 20 s where the changes are a few hundred."""
        with self._mirror_lock:
            if self._mirror is None:
                kvs, rev = self.client.range(self.prefix + "/", prefix=True)
                mirror = {kv.key: kv for kv in kvs}
            else:
                names, rev = self.client.range(self.prefix + "/", prefix=True, keys_only=True)
                changed, _ = self.client.range(self.prefix + "/", prefix=True, revision=rev,
                                               min_mod_revision=self._mirror_rev + 1)
                mirror = {kv.key: self._mirror[kv.key] for kv in names
                          if kv.key in self._mirror and self._mirror[kv.key].mod_revision == kv.mod_revision}
                mirror.update((kv.key, kv) for kv in changed)
                missing = [kv.key for kv in names if kv.key not in mirror]
                if missing:  # changed and changed back between the two reads cannot be: read them anew
                    for key in missing:
                        again, _ = self.client.range(key, revision=rev)
                        mirror.update((kv.key, kv) for kv in again)
            self._mirror, self._mirror_rev = mirror, rev
            return self.snapshot_from(list(mirror.values()), rev, down)

    def snapshot_from(self, kvs: list[KV], rev: int, down: Mapping[str, int] | None = None) -> Snapshot:
        """`down`: node -> lease of members known to be down whose membership is not revoked yet (a fence
        device confirmed it a moment ago): left out, as the revocation will leave them."""
        base = len(self.prefix) + 1
        config = Configuration()
        config_rev = 0
        members: dict[str, str] = {}
        leases: dict[str, int] = {}
        orders: dict[str, set[str]] = {}
        histories: dict[str, dict[str, ResourceHistory]] = {}
        attributes: dict[str, dict[str, str]] = {}
        dc: str | None = None
        dc_term = 0
        for kv in kvs:
            parts = kv.key.decode()[base:].split("/", 2)
            kind = parts[0]
            if kind == "config":
                config, config_rev = self._config_of(kv)
            elif kind == "members" and len(parts) == 2:
                if not down or down.get(parts[1]) != kv.lease:
                    members[parts[1]] = member_id(kv.value)
                    leases[parts[1]] = kv.lease
            elif kind == "status" and len(parts) == 3:
                cached = self._parsed.get(kv.key)
                if cached is None or cached[0] != kv.mod_revision:
                    cached = (kv.mod_revision, history_from_json(kv.value))
                    self._parsed[kv.key] = cached
                histories.setdefault(parts[1], {})[parts[2]] = cached[1]
            elif kind == "attrs" and len(parts) == 3:
                attributes.setdefault(parts[1], {})[parts[2]] = kv.value.decode()
            elif kind == "dc":
                dc = json.loads(kv.value).get("node")
                dc_term = kv.create_revision
            elif kind == "actions" and len(parts) == 3:
                orders.setdefault(parts[1], set()).add(parts[2])
        if len(self._parsed) > 2 * max(1, sum(len(h) for h in histories.values())):
            live = {kv.key for kv in kvs}
            self._parsed = {k: v for k, v in self._parsed.items() if k in live}  # forget deleted ones
        state = assemble_state(config, members, histories, attributes, dc)
        return Snapshot(config, state, rev, config_rev, members, dc, dc_term, leases,
                        {n: frozenset(keys) for n, keys in orders.items()})

    def revision(self) -> int:
        """The store's current revision, read cheaply (one key, no values)."""
        return self.client.range(self.key("dc"), keys_only=True)[1]

    def configuration(self) -> tuple[Configuration, int]:
        """The configuration and its revision alone (not the whole snapshot), parsed once per revision."""
        names, _ = self.client.range(self.key("config"), keys_only=True)  # its revision, not its bytes
        return self.configuration_at(names[0].mod_revision if names else 0)

    def configuration_at(self, revision: int) -> tuple[Configuration, int]:
        """The configuration last modified at `revision` (0: none), read only when it is not the one
        parsed last."""
        if not revision:
            return Configuration(), 0
        if self._config_cache is None or self._config_cache[1] != revision:
            kv = self.client.get(self.key("config"))
            if kv is None:
                return Configuration(), 0
            return self._config_of(kv)
        return self._config_cache

    def _config_of(self, kv: KV) -> tuple[Configuration, int]:
        """The configuration a config key holds, parsed once per modification."""
        if self._config_cache is None or self._config_cache[1] != kv.mod_revision:
            self._config_cache = (parse_cib(unpack(kv.value), "<etcd config>").config, kv.mod_revision)
        return self._config_cache

    def node_view(self, node: str, history_id: str) -> ClusterState:
        """What one node needs to record a result of one resource: a state holding that node, with that
        resource's history and the node's attributes (fail counts) -- two small reads, where a whole
        snapshot would read every node's history for every action."""
        base = self.key("attrs", node) + "/"
        (status, attrs), _ = self.client.read_many([(self.key("status", node, history_id), False), (base, True)])
        histories = {node: {history_id: history_from_json(status[0].value)}} if status else {}
        attributes = {kv.key.decode()[len(base):]: kv.value.decode() for kv in attrs}
        return assemble_state(Configuration(), {node: node}, histories, {node: attributes}, None)

    def commit(self, configuration: Configuration, based_on: int) -> int:
        key = self.key("config")
        ok, _, rev = self.client.txn([compare(key, "MOD", based_on)], [put_op(key, pack(to_xml(configuration)))])
        if not ok:
            raise StaleCommit()
        return rev

    def record_result(self, node: str, history: ResourceHistory) -> int:
        return self._write([put_op(self.key("status", node, history.id), history_to_json(history))])

    def forget_history(self, node: str, history_id: str | None = None) -> int:
        if history_id is None:
            return self._write([delete_op(self.key("status", node) + "/", prefix=True)])
        return self._write([delete_op(self.key("status", node, history_id))])

    def set_node_attribute(self, node: str, name: str, value: str | None) -> int:
        return self._write([self._attribute_op(node, name, value)])

    def _attribute_op(self, node: str, name: str, value: str | None) -> dict[str, Any]:
        """The write of one node attribute (None: its deletion)."""
        key = self.key("attrs", node, name)
        return delete_op(key) if value is None else put_op(key, value)

    def node_attributes(self, node: str) -> Mapping[str, str]:
        base = self.key("attrs", node) + "/"
        kvs, _ = self.client.range(base, prefix=True)
        return {kv.key.decode()[len(base):]: kv.value.decode() for kv in kvs}

    def watch_dc(self, after: int, timeout: float) -> int:
        """Block until the DC key changes (a DC elected or gone) after `after`, or `timeout` passes."""
        return self.client.wait_for_change(self.key("dc"), after, timeout)

    def watch(self, after: int, timeout: float) -> int:
        return self.client.wait_for_change(self.prefix + "/", after, timeout)

    # --- membership and election (daemon side) ---------------------------------------------
    def join(self, node: str, node_id: str, lease: int, address: str | None = None,
             promise: dict[str, float] | None = None) -> int:
        """Put the membership key on `lease` (replacing a previous incarnation's) and start the node
        with no operation history and no transient attributes, as Pacemaker does on join: every
        resource is probed there again. `promise`: the node's self-fence timers (daemon.expiry)."""
        doc: dict[str, object] = {"id": node_id}
        if address:
            doc["address"] = address
        if promise:
            doc["promise"] = promise
        value = json.dumps(doc) if len(doc) > 1 else node_id
        ok, _, rev = self.client.txn([], [put_op(self.key("members", node), value, lease=lease),
                                          delete_op(self.key("status", node) + "/", prefix=True),
                                          delete_op(self.key("attrs", node) + "/", prefix=True),
                                          # orders for an earlier incarnation of this node are void
                                          delete_op(self.key("actions", node) + "/", prefix=True)])
        return rev

    def member_addresses(self, hedge: bool = False) -> dict[str, tuple[str, int]]:
        """node -> (heartbeat address, lease) of every member now (`hedge`: see EtcdClient.range)."""
        return {n: (r.address, r.lease) for n, r in self.member_records(hedge).items()}

    def member_records(self, hedge: bool = False) -> dict[str, MemberRecord]:
        """node -> what its membership key says, for every member now."""
        base = self.key("members") + "/"
        kvs, _ = self.client.range(base, prefix=True, hedge=hedge)
        return {kv.key.decode()[len(base):]: _member_record(kv) for kv in kvs}

    def membership_view(self) -> tuple[dict[str, MemberRecord], tuple[str, int] | None, int]:
        """Every member's record, the DC (as current_dc) and the configuration's revision (for
        configuration_at), at one revision in one round trip: what a node's fencer refreshes on every
        host every 0.5-2 s, which as three reads was half of an idle cluster's reads."""
        base = self.key("members") + "/"
        (kvs, dc, config), _ = self.client.read_many(
            [(base, True), (self.key("dc"), False), (self.key("config"), False)], keys_only=frozenset({2}))
        return ({kv.key.decode()[len(base):]: _member_record(kv) for kv in kvs},
                _dc_of(dc), config[0].mod_revision if config else 0)

    def seniority(self) -> list[str]:
        """Every member now, the longest-joined first (by_seniority)."""
        return by_seniority(self.member_records())

    def evict(self, node: str, lease: int) -> bool:
        """End a fenced node's membership at once: revoke its lease (its member key -- and the DC key,
        if it was DC -- go with it). Only after a fence device confirmed the node is off."""
        self.client.lease_revoke(lease)
        return True

    def log_fenced(self, node: str, lease: int) -> None:
        """Keep the record that `node`'s incarnation on `lease` was fenced (after evict: off the failover path)."""
        self.client.put(f"{self.prefix}-log/fenced/{node}", json.dumps({"lease": lease}))

    def announce_departure(self, node: str, record: str) -> None:
        """Say that `node`'s incarnation is proven down (a departure.Departure's JSON): every survivor's
        notifier tells its local tier (Galera, RabbitMQ, HAProxy). Only after the proof: a fence device
        confirmed it, or its lease ran out past its self-fence deadline."""
        self.client.put(self.departures_prefix() + node, record)

    def departures_prefix(self) -> str:
        return f"{self.prefix}-log/departed/"

    def departure_records(self) -> tuple[dict[str, str], dict[str, int], int]:
        """node -> its departure record as written, member -> its lease, and the revision both were read
        at (one round trip: the notifier reads them every round on every host)."""
        base, members = self.departures_prefix(), self.key("members") + "/"
        (kvs, mkvs), rev = self.client.read_many([(base, True), (members, True)])
        return ({kv.key.decode()[len(base):]: kv.value.decode() for kv in kvs},
                {kv.key.decode()[len(members):]: kv.lease for kv in mkvs}, rev)

    def campaign(self, node: str, lease: int) -> int | None:
        """Become DC if there is none; return the term (create revision of the DC key) or None."""
        key = self.key("dc")
        ok, _, rev = self.client.txn([compare(key, "CREATE", 0)],
                                     [put_op(key, json.dumps({"node": node, "lease": lease}), lease=lease)])
        return rev if ok else None

    def current_dc(self) -> tuple[str, int] | None:
        return self.dc_at()[0]

    def dc_at(self) -> tuple[tuple[str, int] | None, int]:
        """(the DC and its term, or None; the store's revision of that read): a watch from that revision
        misses no change of the DC key after the read."""
        kvs, rev = self.client.range(self.key("dc"))
        return _dc_of(kvs), rev

    def resign(self, term: int) -> None:
        key = self.key("dc")
        self.client.txn([compare(key, "CREATE", term)], [delete_op(key)])

    def post_actions(self, term: int, node: str, actions: Mapping[str, str]) -> int:
        """The DC asks `node` to run actions (key -> JSON), in term `term`: in guarded transactions of at
        most TXN_OPS orders (etcd takes 128 operations a transaction by default; a node's probes after a
        join are one per resource)."""
        ops = [put_op(self.key("actions", node, k), v) for k, v in actions.items()]
        rev = 0
        for k in range(0, len(ops), TXN_OPS):
            rev = self._write(ops[k:k + TXN_OPS], self.dc_guard(term))
        return rev

    def clear_orders(self, term: int) -> int:
        """A new DC voids every order of earlier terms."""
        return self._write([delete_op(self.key("actions") + "/", prefix=True)], self.dc_guard(term))

    def orders_and_dc(self, node: str) -> tuple[dict[str, str], tuple[str, int] | None, int]:
        """The orders waiting for `node` and the DC (as current_dc), at one revision, in one round trip."""
        base = self.key("actions", node) + "/"
        (orders, dc), rev = self.client.read_many([(base, True), (self.key("dc"), False)])
        return ({kv.key.decode()[len(base):]: kv.value.decode() for kv in orders},
                _dc_of(dc), rev)

    def actions_for(self, node: str, revision: int = 0) -> tuple[dict[str, str], int]:
        """The orders waiting for `node` (at `revision`: as of a snapshot taken before)."""
        base = self.key("actions", node) + "/"
        kvs, rev = self.client.range(base, prefix=True, revision=revision)
        return {kv.key.decode()[len(base):]: kv.value.decode() for kv in kvs}, rev

    def done_action(self, node: str, key: str | None, history: ResourceHistory | None,
                    attributes: Mapping[str, str | None] | None = None) -> int:
        """A node finished an action: record its result and the node attributes it changed (a fail count;
        None deletes one), and drop the request (`key`; None for a recurring monitor's result), in one
        transaction -- written apart, a retry after the first part landed counted a failure twice."""
        ops = [delete_op(self.key("actions", node, key))] if key is not None else []
        if history is not None:
            ops.append(put_op(self.key("status", node, history.id), history_to_json(history)))
        ops += [self._attribute_op(node, name, value) for name, value in (attributes or {}).items()]
        return self._write(ops) if ops else 0

    def log_transition(self, term: int, seq: int, record: str, keep: int) -> None:
        """Keep the transition record `seq` (compressed: it holds the whole input CIB) and only the
        newest `keep` records (Pacemaker's pe-input-series-max); the oldest go in the same write."""
        base = f"{self.prefix}-log/transitions/"
        old, _ = self.client.range(base, prefix=True, keys_only=True)
        names = sorted(kv.key.decode() for kv in old)
        surplus = names[: max(0, len(names) + 1 - keep)] if keep > 0 else names
        ops = [put_op(f"{base}{seq:016d}", base64.b64encode(zlib.compress(record.encode(), 6)))] if keep > 0 else []
        if surplus:  # the oldest records, and their outcomes, as two range deletes
            first_kept = f"{seq:016d}" if len(surplus) == len(names) else names[len(surplus)].rsplit("/", 1)[1]
            ops += [delete_op(base, before=base + first_kept),
                    delete_op(f"{self.prefix}-log/outcomes/", before=f"{self.prefix}-log/outcomes/{first_kept}")]
        if ops:
            self._write(ops, self.dc_guard(term))

    def log_outcome(self, term: int, seq: int, record: str) -> None:
        """What transition `seq` ran (JSON: sent actions, results, how it ended), kept as long as its input."""
        self._write([put_op(f"{self.prefix}-log/outcomes/{seq:016d}", record)], self.dc_guard(term))

    def outcomes(self) -> dict[int, str]:
        kvs, _ = self.client.range(f"{self.prefix}-log/outcomes/", prefix=True)
        return {int(kv.key.decode().rsplit("/", 1)[1]): kv.value.decode() for kv in kvs}

    def publish_progress(self, term: int, progress: str) -> None:
        """The DC's latest decision (store.progress), for operators waiting on a change."""
        self._write([put_op(f"{self.prefix}-log/progress", progress)], self.dc_guard(term))

    def progress(self) -> str | None:
        kv = self.client.get(f"{self.prefix}-log/progress")
        return kv.value.decode() if kv is not None else None

    def transitions(self) -> list[tuple[int, str]]:
        kvs, _ = self.client.range(f"{self.prefix}-log/transitions/", prefix=True)
        return [(int(kv.key.decode().rsplit("/", 1)[1]), zlib.decompress(base64.b64decode(kv.value)).decode())
                for kv in kvs]
