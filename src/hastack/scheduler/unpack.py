"""Unpack: configuration and status into the working records (Pacemaker's unpack.c).

Owns: cluster options, node facts (online, standby, unclean and why), the
bundles' records (built by bundle.py from bundle_parts.py's definitions),
the resource tree with clone instances and resolved meta attributes, and the
reading of every node's operation history into each resource's current role,
failure flags and history-derived bans. Fail counts are read here too.

Imports only the model and the scheduler's working records.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace

from hastack.errors import ValueSyntaxError
from hastack.model import durations, scores
from hastack.model.config import (
    AttrSet, Bundle, Clone, Configuration, Group, Primitive, Resource, Template, merged,
)
from hastack.model.attrsets import first_values
from hastack.model.state import ClusterState, NodeState, OpRecord, TicketState
from hastack.model.values import Role, is_true
from hastack.scheduler import bundle, guest, remote
from hastack.scheduler.bundle_parts import BundleParts, bundle_parts
from hastack.scheduler.health import HealthPolicy, health_policy
from hastack.scheduler.rules import Subject, eval_rule
from hastack.scheduler.utilization import value_of as utilization_value
from hastack.scheduler.working import R, WNode, WRsc

INF = scores.INFINITY


@dataclass
class Options:
    stonith_enabled: bool = True
    stonith_action: str = "reboot"
    symmetric: bool = True
    no_quorum_policy: str = "stop"
    have_quorum: bool = True
    stop_orphans: bool = True
    stop_orphan_actions: bool = True
    maintenance: bool = False
    stop_all: bool = False
    startup_fencing: bool = True
    have_stonith_resource: bool = False
    placement_strategy: str = "default"  # lower case: default, utilization, minimal or balanced
    start_failure_is_fatal: bool = True
    probes: bool = True
    stonith_timeout_ms: int = 60_000
    priority_fencing_delay_ms: int = 0
    health: HealthPolicy = field(default_factory=HealthPolicy)
    enable_unfencing: bool = False  # some resource provides or requires unfencing
    shutdown_lock: bool = False  # resources stopped by a clean shutdown stay with their node
    shutdown_lock_limit_s: int = 0  # ... for this long (0: until the node is back)


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


# --- options and nodes ------------------------------------------------------------

def unpack_options(config: Configuration, state: ClusterState) -> Options:
    props = merged(config.properties)

    def flag(name: str, default: bool) -> bool:
        return is_true(props.get(name), default)

    o = Options()
    o.stonith_enabled = flag("stonith-enabled", True)
    action = props.get("stonith-action", "reboot")
    o.stonith_action = "off" if action == "poweroff" else action
    o.symmetric = flag("symmetric-cluster", True)
    o.have_quorum = state.have_quorum
    policy = props.get("no-quorum-policy", "stop").lower()
    if policy == "suicide" and not o.stonith_enabled:
        policy = "stop"
    elif policy == "suicide" and not (o.have_quorum or _quorum_panic(state)):
        policy = "stop"  # a cluster that never had quorum does not panic (unless the CIB asks to)
    o.no_quorum_policy = policy if policy in ("stop", "freeze", "ignore", "demote", "suicide") else "stop"
    o.stop_orphans = flag("stop-orphan-resources", True)
    o.stop_orphan_actions = flag("stop-orphan-actions", True)
    o.maintenance = flag("maintenance-mode", False)
    o.stop_all = flag("stop-all-resources", False)
    o.startup_fencing = flag("startup-fencing", True) if o.stonith_enabled else False
    strategy = props.get("placement-strategy", "default").lower()
    # An unknown strategy is Pacemaker's default (which ignores utilization), not an error.
    o.placement_strategy = strategy if strategy in ("utilization", "minimal", "balanced") else "default"
    o.start_failure_is_fatal = flag("start-failure-is-fatal", True)
    # SBD's watchdog self-fencing counts as a fencing device (fencing is possible without one)
    o.have_stonith_resource = flag("have-watchdog", False)
    o.probes = flag("enable-startup-probes", True)
    o.stonith_timeout_ms = _duration_ms(props.get("stonith-timeout"), 60_000)
    o.priority_fencing_delay_ms = _duration_ms(props.get("priority-fencing-delay"), 0)
    o.health = health_policy(props)
    o.enable_unfencing = _unfencing_enabled(config)
    o.shutdown_lock = flag("shutdown-lock", False)
    o.shutdown_lock_limit_s = _duration_ms(props.get("shutdown-lock-limit"), 0) // 1000
    return o


def _unfencing_enabled(config: Configuration) -> bool:
    """pe_flag_enable_unfencing: some resource's meta-attributes (or the resource defaults) say
    provides=unfencing or requires=unfencing. Read from the configuration as written, as
    Pacemaker's XPath query does (rules not evaluated)."""
    sets = [s for rsc in config.resources.values() for s in rsc.meta] + list(config.rsc_defaults)
    return any(name in ("provides", "requires") and value == "unfencing"
               for s in sets for name, value in s.pairs)


def _quorum_panic(state: ClusterState) -> bool:
    """The CIB header's no-quorum-panic (an integer, nonzero: panic)."""
    try:
        return int(dict(state.header).get("no-quorum-panic", "0")) != 0
    except ValueError:
        return False


def _duration_ms(text: str | None, default: int) -> int:
    """A duration property in ms; unset or unreadable: its default (as Pacemaker falls back)."""
    if text is None:
        return default
    try:
        return durations.parse_ms(text)
    except ValueSyntaxError:
        return default


def can_fence(o: Options, node: WNode) -> bool:
    """pe_can_fence for a cluster node: fencing is enabled and possible, and the cluster has
    quorum (or ignores its loss) -- else only a node that is up can be fenced."""
    if not o.stonith_enabled or not o.have_stonith_resource:
        return False
    return o.have_quorum or o.no_quorum_policy == "ignore" or node.online


def fence_node(u: Unpacked, node: WNode, reason: str) -> None:
    """pe_fence_node for a cluster or remote node: mark unclean; the first reason wins. A remote
    node's connection must then be re-established by fencing, unless it is unmanaged; a guest
    node is "fenced" by recovering its container instead."""
    if guest.is_guest(node):
        guest.fence_guest(node)
        return
    if node.remote and (node.remote_rsc is None or node.remote_rsc.managed):
        node.requires_reset = True
    if not node.unclean or node.uname not in u.fence_reasons:
        u.fence_reasons.setdefault(node.uname, reason)
    node.unclean = True


def runs_nothing(node: WNode) -> bool:
    """An offline node can run no action -- except a guest node whose container is only
    starting (not one to be reset): it can run what waits for that start."""
    return not node.online and not (guest.is_guest(node) and not node.requires_reset)


def stop_unrunnable(u: Unpacked, rsc: WRsc, node: WNode) -> None:
    """update_resource_action_runnable for a stop that `node` cannot run: a managed resource
    there can only be stopped by fencing the node. Judged when the stop is created -- while
    history is read, a recovery's stop may come before its resource turns unmanaged (a
    remote node in maintenance), and Pacemaker fences for it all the same."""
    if rsc.managed and not node.unclean:
        fence_node(u, node, "stop is unrunnable")


def unpack_nodes(config: Configuration, state: ClusterState, opts: Options, u: Unpacked, now: int,
                 bundle_connections: Sequence[str] = ()) -> None:
    for i, n in enumerate(config.nodes):
        w = WNode(id=n.id, uname=n.uname, index=i)
        attrs: dict[str, str] = {}
        for aset in sorted(n.attributes, key=lambda s: -(s.score or 0)):
            if aset.rule is not None and not eval_rule(aset.rule, {}, now):
                continue
            for k, v in aset.pairs:
                attrs.setdefault(k, v)
        attrs["#uname"] = n.uname
        attrs["#id"] = n.id
        attrs["#kind"] = "cluster" if n.type in ("member", "normal", "") else n.type
        attrs["#is_dc"] = "true" if state.dc_uuid == n.id else "false"
        w.attrs = attrs
        w.utilization = utilization_of(n.utilization, now)
        # Nodes are unclean until their status is seen (startup-fencing); a remote node only
        # once it has a connection (remote.link_connections).
        w.unclean = opts.startup_fencing and n.type not in ("ping", "remote")
        if w.unclean:
            u.fence_reasons.setdefault(n.uname, "node is unclean")
        u.nodes.append(w)
        u.node_by_uname[n.uname] = w
    remote.add_remote_nodes(config, u.nodes, u.node_by_uname, bundle_connections)
    by_id = {w.id: w for w in u.nodes}
    for ns in state.nodes.values():
        w = by_id.get(ns.id) or u.node_by_uname.get(ns.uname)
        if w is None:
            continue
        if w.remote:  # its status waits for its connection's (read with its history)
            w.was_fenced = remote.was_fenced(ns)
            continue
        for k, v in ns.attributes.items():
            w.attrs[k] = v
        w.unseen = False
        w.unclean = False
        u.fence_reasons.pop(w.uname, None)
        if is_true(w.attrs.get("standby")):
            w.standby = True
        if is_true(w.attrs.get("maintenance")):
            w.maintenance = True
        _online_status(u, w, ns, opts)
        if not opts.have_quorum and w.online and opts.no_quorum_policy == "suicide":
            fence_node(u, w, "cluster does not have quorum")  # everything else follows from this


def utilization_of(sets: tuple[AttrSet, ...], now: int) -> dict[str, int]:
    """A node's capacity or a resource's needs: the sets whose rules hold now (no node
    attributes: Pacemaker evaluates them without a node), highest score first, first value wins."""
    out: dict[str, int] = {}
    for aset in sorted(reversed(sets), key=lambda s: -(s.score or 0)):  # as _meta_of's
        if aset.rule is not None and not eval_rule(aset.rule, {}, now):
            continue
        for k, v in aset.pairs:
            if k not in out:
                out[k] = utilization_value(v)
    return out


_LEADING_INT = re.compile(r"\s*([+-]?\d+)")
_BOOL_WORDS = {"true": True, "on": True, "yes": True, "y": True, "1": True,
               "false": False, "off": False, "no": False, "n": False, "0": False}


def _leading_int(text: str) -> int | None:
    """strtoll's reading: leading blanks, a sign, digits; anything after them is ignored."""
    m = _LEADING_INT.match(text)
    return int(m.group(1)) if m else None


def member_since(in_ccm: str | None, now: int) -> int:
    """node_state's in_ccm as Pacemaker reads it: -1 when absent or unreadable, 0 when not a member,
    else when the node became a member. Pacemaker >= 2.1.7 writes that time (an epoch); older
    controllers wrote a boolean, and a "true" counts as a member since now (at least 1, so a
    member is never mistaken for a non-member at time 0)."""
    if in_ccm is None:
        return -1
    word = _BOOL_WORDS.get(in_ccm.strip().lower())
    if word is not None:
        return max(now, 1) if word else 0
    since = _leading_int(in_ccm)
    return since if since is not None and since >= 0 else -1


def online_since(crmd: str | None) -> int:
    """node_state's crmd as Pacemaker reads it: 0 when offline (absent, "offline", unreadable or
    negative), 1 for the legacy "online", else the epoch at which the controller joined."""
    if crmd is None or crmd.strip().lower() == "offline":
        return 0
    if crmd.strip().lower() == "online":
        return 1
    since = _leading_int(crmd)
    return since if since is not None and since > 0 else 0


def _online_status(u: Unpacked, w: WNode, ns, opts: Options) -> None:  # type: ignore[no-untyped-def]
    shutdown_attr = w.attrs.get("shutdown")
    w.shutdown = bool(shutdown_attr) and shutdown_attr != "0"
    w.expected_up = (ns.expected or "").lower() == "member"
    member = member_since(ns.in_ccm, u.now)
    in_cluster = None if member < 0 else ns.in_ccm  # never seen by the membership layer
    in_true = member > 0
    peer_online = online_since(ns.crmd) > 0
    join = (ns.join or "").lower()
    online = False
    if not opts.stonith_enabled:
        if not in_true:
            pass
        elif peer_online:
            online = join == "member"
        elif not w.expected_up:
            pass
        else:
            fence_node(u, w, "peer is unexpectedly down")
    else:
        term = w.attrs.get("terminate")
        do_terminate = is_true(term) or bool(term and term[0] != "0" and term[0].isdigit())
        exp_state = (ns.expected or "down").lower()
        online = in_true
        if w.shutdown:
            online = peer_online
        elif in_cluster is None:
            fence_node(u, w, "peer has not been seen by the cluster")
        elif join == "banned":
            fence_node(u, w, "peer failed Pacemaker membership criteria")
        elif not do_terminate and exp_state == "down":
            if in_true or peer_online:
                w.standby = True
                w.pending = True
        elif do_terminate and join == "down" and not in_true and not peer_online:
            online = False
        elif not in_true:
            fence_node(u, w, "peer is no longer part of the cluster")
        elif not peer_online:
            fence_node(u, w, "peer process is no longer available")
        elif do_terminate:
            fence_node(u, w, "termination was requested")
        elif join == "member":
            pass
        elif join in ("pending", "down"):
            w.standby = True
            w.pending = True
        else:
            fence_node(u, w, "peer was in an unknown state")
    w.online = online


# --- resources ----------------------------------------------------------------------

def _meta_of(sets: tuple[AttrSet, ...], now: int | None = None, subject: Subject | None = None) -> dict[str, str]:
    """The pairs of attribute sets, first value winning. Sets with a rule count when `now`
    is given and the rule holds then, evaluated without node attributes (Pacemaker reads
    meta attributes with no node) for `subject` (the resource); without `now` they are left out."""
    if now is not None:
        sets = tuple(s if s.rule is None else replace(s, rule=None) for s in sets
                     if s.rule is None or eval_rule(s.rule, {}, now, subject))
    if not sets:
        return {}
    if len(sets) == 1 and sets[0].rule is None:
        return first_values(sets)
    # Pacemaker lists the sets in reverse (g_list_prepend) before its stable sort by score:
    # of equally scored sets the last one wins, as a primitive's own set beats its template's.
    return dict(merged(tuple(reversed(sets))))


def _inherit(own: dict[str, str], parent: WRsc | None, defaults: Mapping[str, str]) -> dict[str, str]:
    meta = dict(own)
    if parent is not None:
        for k, v in parent.meta.items():
            meta.setdefault(k, v)
    for k, v in defaults.items():
        meta.setdefault(k, v)
    return meta


def meta_score(text: str | None, default: int = 0) -> int:
    """A meta attribute's number as Pacemaker reads it (char2score): a score, else the integer
    it starts with ("1.0" is 1, as strtol reads it), else the default."""
    if text is None:
        return default
    try:
        return scores.parse(text)
    except Exception:
        lead = _leading_int(text)
        return scores.clamp(lead) if lead is not None else default


def _apply_meta(r: WRsc, opts: Options) -> None:
    m = r.meta
    r.priority = meta_score(m.get("priority"))
    r.stickiness = meta_score(m.get("resource-stickiness"), 0)
    r.migration_threshold = meta_score(m.get("migration-threshold"), INF)
    if r.migration_threshold < 0:
        r.migration_threshold = 0
    ft = m.get("failure-timeout")
    if ft:
        try:
            r.failure_timeout = durations.parse_ms(ft) // 1000
        except Exception:
            r.failure_timeout = 0
    managed = m.get("is-managed")
    # Pacemaker reads any value but "default" with crm_is_true: a word it does not know (maybe) is false.
    r.managed = (managed is None or managed.lower() == "default" or is_true(managed)) and not opts.maintenance
    if is_true(m.get("maintenance"), False):
        r.managed = False
    r.allow_migrate = is_true(m.get("allow-migrate"), False)
    recovery = (m.get("multiple-active") or "stop_start").lower()
    r.recovery = recovery
    req = target_role(r)
    if req is not None:
        r.next_role = req
    requires = m.get("requires")
    if requires == "unfencing" and (r.is_fence_device or not opts.stonith_enabled):
        requires = "quorum"  # fence devices cannot require unfencing, nor anything without fencing
    if requires in ("nothing", "quorum", "fencing", "unfencing"):
        r.needs = "fencing" if requires == "unfencing" else requires
        r.needs_unfencing = requires == "unfencing"
    elif r.is_fence_device:
        r.needs = "quorum"
    elif opts.enable_unfencing:
        r.needs, r.needs_unfencing = "fencing", True
    elif opts.stonith_enabled:
        r.needs = "fencing"
    else:  # unpack_requires' default: a cluster that ignores quorum requires nothing to start
        r.needs = "nothing" if opts.no_quorum_policy == "ignore" else "quorum"
    if r.needs == "fencing" and not opts.stonith_enabled:
        r.needs = "quorum"


def target_role(r: WRsc) -> R | None:
    """get_target_role: Started/default mean no explicit role; Promoted only for promotable clones."""
    value = r.meta.get("target-role")
    if value is None or value.lower() in ("started", "default"):
        return None
    try:
        role = R.of(Role.parse(value))
    except Exception:
        return None
    if role > R.STARTED:
        top = r.top()
        promotable = top.promotable or (top.variant == "clone" and is_true(top.meta.get("promotable")))
        if not promotable or role > R.UNPROMOTED:
            return None
    return role


def _resolve_template(p: Primitive, config: Configuration) -> Primitive:
    if p.template is None:
        return p
    t = config.resources.get(p.template)
    if not isinstance(t, Template):
        return p
    return Primitive(id=p.id, agent=p.agent or t.agent, template=p.template,
                     params=t.params + p.params, meta=t.meta + p.meta,
                     utilization=t.utilization + p.utilization,
                     ops=p.ops + tuple(o for o in t.ops if all(
                         (o.name, o.interval_ms) != (x.name, x.interval_ms) for x in p.ops)))


class TreeBuilder:
    def __init__(self, config: Configuration, opts: Options, u: Unpacked) -> None:
        self.config = config
        self.opts = opts
        self.u = u
        self._defaults: dict[Subject, dict[str, str]] = {}
        self.counter = 0
        # definitions by id: the configuration's, and those a bundle's parts add (bundle_tree.py)
        self.defs: dict[str, Resource] = dict(config.resources)

    def defaults(self, subject: Subject) -> dict[str, str]:
        """rsc_defaults for a resource: their rules may test its agent."""
        got = self._defaults.get(subject)
        if got is None:
            got = self._defaults[subject] = _meta_of(self.config.rsc_defaults, self.u.now, subject)
        return got

    def build(self, rid: str, parent: WRsc | None, suffix: str = "", inherit: WRsc | None = None) -> WRsc | None:
        """The working record of resource `rid` (and its members or instances) under `parent`;
        meta attributes are inherited from `inherit` (by default the parent)."""
        d = self.defs.get(rid)
        if d is None or isinstance(d, (Template, Bundle)):
            return None
        if inherit is None:
            inherit = parent
        self.counter += 1
        if isinstance(d, Primitive):
            p = _resolve_template(d, self.config)
            r = WRsc(id=rid + suffix, variant="primitive", meta={}, parent=parent, definition=p,
                     agent=p.agent, order=self.counter)
            subject = Subject.of(p.agent)
            r.meta = _inherit(_meta_of(p.meta, self.u.now, subject), inherit, self.defaults(subject))
            r.is_fence_device = p.agent is not None and p.agent.cls == "stonith"
            r.utilization = utilization_of(p.utilization, self.u.now)
            if r.is_fence_device:
                self.opts.have_stonith_resource = True
        elif isinstance(d, Group):
            r = WRsc(id=rid + suffix, variant="group", meta={}, parent=parent, order=self.counter, params=d.params)
            r.meta = _inherit(_meta_of(d.meta, self.u.now, Subject()), inherit, self.defaults(Subject()))
        else:
            assert isinstance(d, Clone)
            r = WRsc(id=rid, variant="clone", meta={}, parent=parent, order=self.counter, params=d.params)
            r.meta = _inherit(_meta_of(d.meta, self.u.now, Subject()), inherit, self.defaults(Subject()))
            r.meta.setdefault("resource-stickiness", "1")
        _apply_meta(r, self.opts)
        if isinstance(d, Primitive) and remote.is_connection_agent(r.agent):
            assert r.definition is not None
            remote.apply_connection_meta(r, _meta_of(r.definition.params, self.u.now))
        self.u.by_id[r.id] = r
        if suffix and parent is not None:
            self.u.aliases.setdefault(rid, parent.top())
        if isinstance(d, Group):
            for m in d.members:
                c = self.build(m, r, suffix)
                if c is not None:
                    r.children.append(c)
        elif isinstance(d, Clone):
            m = r.meta
            r.promotable = d.promotable or is_true(m.get("promotable"))
            r.unique = is_true(m.get("globally-unique"))
            r.clone_max = meta_score(m.get("clone-max"), len(self.u.nodes))
            r.clone_node_max = meta_score(m.get("clone-node-max"), 1)
            r.promoted_max = meta_score(m.get("promoted-max") or m.get("master-max"), 1)
            r.promoted_node_max = meta_score(m.get("promoted-node-max") or m.get("master-node-max"), 1)
            r.interleave = is_true(m.get("interleave"))
            r.ordered = is_true(m.get("ordered"))
            r.notify = is_true(m.get("notify"))
            # With clone-max=0 one instance still exists, so history can find the clone.
            for i in range(max(r.clone_max, 1)):
                self.add_instance(r, i)
        return r

    def build_bundle(self, parts: BundleParts) -> list[WRsc]:
        """A bundle's record (a clone of its containers) and the records beside it."""
        b = parts.bundle
        self.counter += 1
        r = WRsc(id=b.id, variant="clone", meta={}, order=self.counter, params=b.params)
        r.meta = _inherit(_meta_of(b.meta, self.u.now, Subject()), None, self.defaults(Subject()))
        _apply_meta(r, self.opts)
        self.u.by_id[r.id] = r
        beside = bundle.build(self, parts, r)
        self.u.bundles.append(r)
        return [r, *beside]

    def add_instance(self, clone: WRsc, i: int) -> WRsc | None:
        d = self.defs.get(clone.id)
        assert isinstance(d, Clone)
        c = self.build(d.child, clone, f":{i}")
        if c is not None:
            clone.children.append(c)
        return c


# --- history --------------------------------------------------------------------------
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


# Re-exported for the phases that read fail counts and instance names.
from hastack.scheduler.failcounts import base_name, failcount  # noqa: E402,F401
