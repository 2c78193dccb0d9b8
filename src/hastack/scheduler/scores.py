"""Node scores before assignment: location constraints, stickiness, history bans, fail limits.

Owns: the initial allowed-node table of every resource and the
Contribution record of each input (for `hastack explain`). Pacemaker's
pcmk__apply_locations, apply_stickiness and check_failure_threshold.

Imports only the model and the scheduler's own modules.
"""

from __future__ import annotations

import re
from collections import defaultdict

from hastack.model import scores
from hastack.model.config import Configuration, Location
from hastack.model.values import Role
from hastack.scheduler.bundle import allows_nested, apply_bundle_nodes
from hastack.scheduler.guest import filler_target
from hastack.scheduler.health import constrains, node_health
from hastack.scheduler.locks import apply_shutdown_locks
from hastack.scheduler.rules import Sources, eval_rule, rule_score, unpack_nvpairs, uses_sources
from hastack.scheduler.types import Contribution
from hastack.scheduler.failcounts import failcount
from hastack.scheduler.unpack import Unpacked
from hastack.scheduler.working import WNode, WRsc

INF = scores.INFINITY


class Recorder:
    """Collects score inputs per resource id as they are applied (Contributions on demand)."""

    def __init__(self) -> None:
        self._raw: dict[str, list[tuple[str, int, str, str]]] = defaultdict(list)

    def add(self, rsc: str, node: str, delta: int, source: str, text: str) -> None:
        self._raw[rsc].append((node, delta, source, text))

    def contributions(self) -> dict[str, tuple[Contribution, ...]]:
        return {rid: tuple(Contribution(*item) for item in items) for rid, items in self._raw.items()}


def node_score(r: WRsc, node: WNode, score: int, rec: Recorder | None, source: str, text: str,
               recurse: bool = True) -> None:
    """resource_node_score: add `score` on `node` to r and (by default) all its descendants."""
    if recurse:
        for c in r.children:
            node_score(c, node, score, rec, source, text, True)
    if r.allowed is None:
        r.allowed = {}
    r.allowed[node.uname] = scores.add(r.allowed.get(node.uname, 0), score) if node.uname in r.allowed else score
    if rec is not None and (r.variant == "primitive" or r.parent is None):
        rec.add(r.id, node.uname, score, source, text)


def _location_targets(loc: Location, u: Unpacked) -> list[WRsc]:
    if loc.rsc is not None:
        r = u.constraint_rsc(loc.rsc)
        return [r] if r is not None else []
    if loc.rsc_pattern is not None:  # "!pattern": the resources it does not match
        invert = loc.rsc_pattern.startswith("!")
        pat = re.compile(loc.rsc_pattern[1:] if invert else loc.rsc_pattern)
        # Pacemaker's top-level resources: a bundle's parts are inside the bundle
        return [r for r in u.resources if r.bundle is None and (pat.search(r.id) is None) == invert]
    out = []
    for s in loc.sets:
        for rid in s.resources:
            r = u.constraint_rsc(rid)
            if r is not None:
                out.append(r)
    return out


DISCOVER = {"never": 1, "exclusive": 2}  # resource-discovery; anything else probes as always does


def _apply_location_to(r: WRsc, node_scores: list[tuple[WNode, int]], rec: Recorder, src: str,
                       texts: dict[str, str], discover: int = 0) -> None:
    """Group: the first member takes the scores, later members get 0 (node allowed only).
    `discover`: the constraint's resource-discovery (DISCOVER), recorded per node."""
    if r.variant == "group":
        _add_only(r, node_scores, rec, src, texts, discover)
        first = True
        for m in r.children:
            if first:
                _apply_location_to(m, node_scores, rec, src, texts, discover)
                first = False
            else:
                _apply_location_to(m, [(n, 0) for n, _ in node_scores], rec, src, texts, discover)
        return
    if r.variant == "clone":
        _add_only(r, node_scores, rec, src, texts, discover)
        for c in r.children:
            _apply_location_to(c, node_scores, rec, src, texts, discover)
        for rep in r.replicas:  # pcmk__bundle_rsc_location: a bundle's addresses too
            if rep.ip is not None:
                _apply_location_to(rep.ip, node_scores, rec, src, texts, discover)
        return
    _add_only(r, node_scores, rec, src, texts, discover)


def _add_only(r: WRsc, node_scores: list[tuple[WNode, int]], rec: Recorder, src: str, texts: dict[str, str],
              discover: int = 0) -> None:
    if r.allowed is None:
        r.allowed = {}
    for n, s in node_scores:
        if discover > r.discover.get(n.uname, 0):
            r.discover[n.uname] = discover
            r.exclusive_discover |= discover == DISCOVER["exclusive"]
        if n.uname in r.allowed:
            r.allowed[n.uname] = scores.add(r.allowed[n.uname], s)
        else:
            r.allowed[n.uname] = s
        if r.variant == "primitive" or r.parent is None:
            rec.add(r.id, n.uname, s, src, texts.get(n.uname, src))


def apply_locations(config: Configuration, u: Unpacked, rec: Recorder) -> None:
    for c in config.constraints:
        if not isinstance(c, Location):
            continue
        if c.role is not None and c.role is not Role.STARTED:
            continue  # Promoted/Unpromoted locations apply to promotion only
        targets = _location_targets(c, u)
        if not targets:
            continue
        discover = DISCOVER.get((c.resource_discovery or "always").lower(), 0)
        if discover == DISCOVER["exclusive"]:
            for r in targets:
                r.exclusive_discover = True  # even if no node matches
        node_scores: list[tuple[WNode, int]] = []
        texts: dict[str, str] = {}
        if c.node is not None:
            n = u.node_by_uname.get(c.node)
            if n is not None and c.score is not None:
                node_scores.append((n, c.score))
                verb = "prefers" if c.score >= 0 else "avoids"
                texts[n.uname] = f"location constraint {c.id} {verb} {n.uname} ({scores.format(c.score)})"
        elif any(uses_sources(rule) for rule in c.rules):  # evaluated for each resource
            for r in targets:
                node_scores, texts = _rule_scores(c, u, r)
                if node_scores:
                    _apply_location_to(r, node_scores, rec, f"location:{c.id}", texts, discover)
            continue
        else:
            node_scores, texts = _rule_scores(c, u)
        if not node_scores:
            continue
        for r in targets:
            _apply_location_to(r, node_scores, rec, f"location:{c.id}", texts, discover)


def _rule_scores(c: Location, u: Unpacked, r: WRsc | None = None) -> tuple[list[tuple[WNode, int]], dict[str, str]]:
    """The nodes a location constraint's rules match, with the score each gives (for resource
    r, when the rules compare with r's parameters or meta-attributes)."""
    node_scores: list[tuple[WNode, int]] = []
    texts: dict[str, str] = {}
    for rule in c.rules:
        if rule.role is not None and rule.role is not Role.STARTED:
            continue
        for n in u.nodes:
            sources = _value_sources(r, n, u.now) if r is not None else None
            if not eval_rule(rule, n.attrs, u.now, None, sources):
                continue
            score = rule_score(rule, n.attrs)
            node_scores.append((n, score))
            texts[n.uname] = f"location rule {rule.id} of {c.id} matches {n.uname} ({scores.format(score)})"
    return node_scores, texts


def _value_sources(r: WRsc, node: WNode, now: int) -> Sources:
    """A resource's parameters on a node (its parents' inherited) and its meta-attributes, which
    a location rule's value-source=param/meta names. The parameters are those of the node whose
    score the rule decides, as crm_simulate 2.1.5 shows (its sets' rules hold there or not)."""
    params: dict[str, str] = {}
    it: WRsc | None = r
    while it is not None:
        unpack_nvpairs(it.definition.params if it.definition is not None else it.params, node.attrs, now, params)
        it = it.parent
    return {"param": params, "meta": r.meta}


def apply_node_health(u: Unpacked, rec: Recorder) -> None:
    """pcmk__apply_node_health: each node's overall health is a location score of every
    top-level resource (before any configured location, as Pacemaker creates them first)."""
    policy = u.options.health
    for n in u.nodes:
        health = node_health(policy, n.attrs)
        if health == 0:
            continue
        text = {n.uname: f"node {n.uname}'s health ({policy.strategy}): {scores.format(health)}"}
        for r in u.resources:
            if r.bundle is None and constrains(health, r.meta):
                _apply_location_to(r, [(n, health)], rec, f"health:{policy.strategy}", text)


def apply_symmetric_default(u: Unpacked, rec: Recorder) -> None:
    if not u.options.symmetric:
        for r in u.resources:
            _ensure_tables(r)
        return
    for r in u.resources:
        for n in u.nodes:
            node_score(r, n, 0, None, "symmetric", "")


def _ensure_tables(r: WRsc) -> None:
    if r.allowed is None:
        r.allowed = {}
    for c in r.children:
        _ensure_tables(c)


def apply_bans(u: Unpacked, rec: Recorder) -> None:
    for b in u.bans:
        if b.node is None:
            for n in u.nodes:
                node_score(b.rsc, n, b.score, rec, b.source, b.text)
        else:
            n = u.node_by_uname.get(b.node)
            if n is not None:
                node_score(b.rsc, n, b.score, rec, b.source, b.text)


def apply_stickiness(r: WRsc, u: Unpacked, rec: Recorder) -> None:
    if r.children:
        for c in r.children:
            apply_stickiness(c, u, rec)
        return
    if not r.managed or r.stickiness < 1 or len(r.running_on) != 1:
        return
    node = r.running_on[0]
    if not u.options.symmetric and (r.allowed is None or node.uname not in r.allowed):
        return
    node_score(r, node, r.stickiness, rec, "stickiness",
               f"{r.id} is active on {node.uname}: resource-stickiness (+{scores.format(r.stickiness)})")


def apply_fail_limits(r: WRsc, node: WNode, u: Unpacked, rec: Recorder) -> None:
    if r.children:
        for c in r.children:
            apply_fail_limits(c, node, u, rec)
        return
    if r.migration_threshold <= 0 or not r.managed or r.failure_ignored:
        return
    if (r.id, node.uname) in u.failcount_cleared:
        return
    count = _failcount_with_fillers(u, r, node)
    if count <= 0 or count < r.migration_threshold:
        return
    top = r.top()
    target = top if (top.variant == "clone" and not top.unique) else r
    node_score(target, node, -INF, rec, "fail-limit",
               f"{r.id} failed {count} times on {node.uname} (migration-threshold={r.migration_threshold})")


def apply_exclusive_discovery(r: WRsc, top: WRsc, node: WNode, rec: Recorder) -> None:
    """A resource with exclusive discovery runs only on the nodes an exclusive location
    constraint names (where it is probed)."""
    if not (r.exclusive_discover or top.exclusive_discover):
        return
    for c in r.children:
        apply_exclusive_discovery(c, top, node, rec)
    if r.allowed is not None and node.uname in r.allowed and r.discover.get(node.uname) != DISCOVER["exclusive"]:
        r.allowed[node.uname] = -INF
        if r.variant == "primitive" or r.parent is None:
            rec.add(r.id, node.uname, -INF, "discovery",
                    f"{r.id} has exclusive resource discovery, not on {node.uname}")


def _failcount_with_fillers(u: Unpacked, r: WRsc, node: WNode) -> int:
    """pe_get_failcount with pe_fc_fillers: a container has failed as often as it and what
    lives in it have."""
    count, _ = failcount(u, r, node, True)
    return count + sum(_failcount_with_fillers(u, f, node) for f in r.fillers)


def apply_container_placement(u: Unpacked, rec: Recorder) -> None:
    """A guest node's container runs on no remote node (no nesting); a resource whose
    container is a connection (or hosts a guest) runs on that connection's node only."""
    remote_nodes = [n for n in u.nodes if n.remote_rsc is not None]
    for r in u.resources:
        for p in r.primitives():
            if p.is_remote_node and p.container is not None and not allows_nested(p):
                for c in p.container.primitives():
                    for n in remote_nodes:
                        _ban(c, n.uname, rec, f"{c.id} hosts guest node {p.id} and cannot run on remote node {n.uname}")
            target = filler_target(p, u.nodes)
            if target is not None:
                for name in list(p.allowed or {}):
                    if u.node_by_uname[name].remote_rsc is not target:
                        _ban(p, name, rec, f"{p.id} lives in {target.id} and runs on that node only")


def _ban(p: WRsc, node: str, rec: Recorder, text: str) -> None:
    p.allowed = dict(p.allowed or {})
    p.allowed[node] = -INF
    rec.add(p.id, node, -INF, "container", text)


def setup_scores(config: Configuration, u: Unpacked) -> Recorder:
    rec = Recorder()
    apply_symmetric_default(u, rec)
    apply_bundle_nodes(u.bundles, u.resources)
    apply_node_health(u, rec)
    apply_shutdown_locks(u, lambda r, n, score, source, text: node_score(r, n, score, rec, source, text))
    apply_locations(config, u, rec)
    apply_bans(u, rec)
    for r in u.resources:
        apply_stickiness(r, u, rec)
    for n in u.nodes:
        if not any(k.startswith("fail-count-") for k in n.attrs):  # nothing to check here
            continue
        for r in u.resources:
            apply_fail_limits(r, n, u, rec)
    for n in u.nodes:
        for r in u.resources:
            apply_exclusive_discovery(r, r, n, rec)
    for n in u.nodes:
        for r in u.resources:
            for p in r.primitives():
                if n.remote_rsc is not None and (p.is_remote_node or p.is_fence_device):
                    _ban(p, n.uname, rec, f"{p.id} cannot run on remote node {n.uname} (connections and "
                                          f"fence devices run on cluster nodes)")
    apply_container_placement(u, rec)
    for n in u.nodes:
        if n.remote_rsc is not None:
            continue  # a remote node's availability is known once its connection is assigned
        if not n.available():
            why = ("offline" if not n.online else "unclean" if n.unclean else "in standby" if n.standby
                   else "in maintenance" if n.maintenance else "shutting down" if n.shutdown else "pending")
            for r in u.resources:
                for p in r.primitives():
                    rec.add(p.id, n.uname, -INF, "node", f"node {n.uname} is {why} and cannot run resources")
    return rec
