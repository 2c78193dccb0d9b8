"""Unpack: configuration and status into the working records (Pacemaker's cluster_status()).

Owns the phase and the record it produces (Unpacked: options, nodes, the resource tree,
history-derived bans and fence reasons, fail counts, failed operations, tickets) and the
order of its steps: cluster options (options.py), nodes and their online status
(nodes.py, remote.py), the resource tree (tree.py, bundles through bundle.py), then every
node's operation history (history.py) in Pacemaker's passes -- a remote node's only once
its connection is known to be up.

Imports only the model and the scheduler's own unpacking modules.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

from hastack.model.config import AttrSet, Bundle, Configuration
from hastack.model.state import ClusterState, NodeState, OpRecord, TicketState
from hastack.scheduler import bundle, guest, remote
from hastack.scheduler.bundle_parts import BundleParts, bundle_parts
from hastack.scheduler.nodes import unpack_nodes
from hastack.scheduler.options import Options, unpack_options
from hastack.scheduler.tree import TreeBuilder
from hastack.scheduler.working import WNode, WRsc


@dataclass
class Ban:
    """A location score that the status section implies (hard error, stop failure ...)."""

    rsc: WRsc
    node: str | None  # None: every node
    score: int
    source: str
    text: str


@dataclass
class Unpacked:
    options: Options
    nodes: list[WNode]
    node_by_uname: dict[str, WNode]
    resources: list[WRsc]  # top level, definition order, orphans last
    by_id: dict[str, WRsc]
    bans: list[Ban] = field(default_factory=list)
    fence_reasons: dict[str, str] = field(default_factory=dict)
    recheck_at: int | None = None
    failcounts: dict[tuple[str, str], int] = field(default_factory=dict)  # (rsc id, node) -> effective
    bundles: list[WRsc] = field(default_factory=list)  # bundle records (bundle.py), definition order
    bundle_parts: dict[str, BundleParts] = field(default_factory=dict)  # by bundle id: what each is made of
    bundle_nodes: frozenset[str] = frozenset()  # bundles' guest nodes not in the nodes section
    # (prim id, node) -> its operations in call order (the recorded tuple when already in order)
    history: dict[tuple[str, str], Sequence[OpRecord]] = field(default_factory=dict)
    now: int = 0
    aliases: dict[str, WRsc] = field(default_factory=dict)  # configured child id -> its clone
    recovery_stops: list[tuple[WRsc, WNode]] = field(default_factory=list)  # stop_action() during unpack
    failcount_cleared: set[tuple[str, str]] = field(default_factory=set)  # (rsc id, node): clear scheduled
    op_defaults: tuple[AttrSet, ...] = ()
    legacy_failcounts: bool = True  # CIB feature set before 3.0.13: fail-count-R without #op_interval
    # record_failed_op: failed operations worth showing (resource, node, operation), first seen first
    failed_ops: list[tuple[WRsc, WNode, OpRecord]] = field(default_factory=list)
    tickets: dict[str, TicketState] = field(default_factory=dict)  # the status section's, by ticket id
    promotion_needs_ticket: set[str] = field(default_factory=set)  # promotable clones without their ticket

    def constraint_rsc(self, rid: str | None) -> WRsc | None:
        if rid is None:
            return None
        r = self.by_id.get(rid)
        if r is not None and r.clone_parent() is None:
            return r
        return self.aliases.get(rid, r)


def _version_lt(version: str | None, other: str) -> bool:
    """compare_version(version, other) < 0; a missing version is the oldest."""
    if version is None:
        return True

    def key(v: str) -> tuple[int, ...]:
        return tuple(int(x) if x.isdigit() else 0 for x in v.split("."))
    return key(version) < key(other)


def unpack(config: Configuration, state: ClusterState, now: int) -> Unpacked:
    config = guest.with_guest_connections(config)
    opts = unpack_options(config, state)
    u = Unpacked(options=opts, nodes=[], node_by_uname={}, resources=[], by_id={}, now=now,
                 op_defaults=config.op_defaults, tickets={t.id: t for t in state.tickets},
                 legacy_failcounts=_version_lt(dict(state.header).get("crm_feature_set"), "3.0.13"))
    parts = {p.bundle.id: p for p in bundle_parts(config)}
    u.bundle_parts = parts
    unpack_nodes(config, state, opts, u, now,
                 [rp.remote.id for p in parts.values() for rp in p.replicas if rp.remote is not None])
    tb = TreeBuilder(config, opts, u)
    for top in config.top_level:
        if isinstance(top, Bundle):
            if top.id in parts:
                u.resources.extend(tb.build_bundle(parts[top.id]))
            continue
        r = tb.build(top.id, None)
        if r is not None:
            u.resources.append(r)
    from hastack.scheduler.history import HistoryReader, add_running
    from hastack.scheduler.migration_history import MigrationReader

    guest.link_containers(u.by_id, u.resources)
    remote.link_connections(u.nodes, u.resources, opts.startup_fencing)
    for b in u.bundles:
        bundle.link_nodes(b, u.node_by_uname)
    reader = HistoryReader(u, opts)
    reader.builder = tb
    reader.migration = MigrationReader(state, u.node_by_uname, lambda r, node: add_running(u, r, node, False))
    by_id = {w.id: w for w in u.nodes}

    def found() -> Iterator[tuple[WNode, NodeState]]:
        """Each node_state with its node, looked up as it comes: an orphaned connection's
        history adds its node (named by its id) on the way."""
        for ns in state.nodes.values():
            w = by_id.get(ns.id) or u.node_by_uname.get(ns.uname)
            if w is not None:
                yield w, ns

    def read(w: WNode, ns: NodeState) -> None:
        if w.remote:
            remote.online_status(w)
            remote.read_attributes(w, ns, opts.stonith_enabled)
        w.unpacked = True
        reader.node_history(w, ns.resources)

    # unpack_node_history's passes: a remote node's history once its connection is known to be
    # started (its connection's own history is another node's); cluster nodes offline without
    # fencing are left out; with fencing, whatever is left is read last.
    progress = True
    while progress:
        progress = False
        for w, ns in found():
            if w.unpacked or (not remote.history_ready(w) if w.remote
                              else not opts.stonith_enabled and not w.online):
                continue
            read(w, ns)
            progress = True
    if opts.stonith_enabled:
        for w, ns in found():
            if not w.unpacked:
                read(w, ns)
    remote.after_history(u.nodes)
    return u
