"""Random valid clusters for differential testing against Pacemaker's own scheduler.

`scenarios()` is a Hypothesis strategy of `Scenario` values — 2 to 8 nodes
(online, cleanly offline, unclean; some in standby), up to 30 primitives as
standalone resources, groups, clones and promotable clones, location /
colocation / order constraints, location rules on #uname, promote/demote orders, stickiness,
migration-threshold, failure-timeout, target-role, on-fail, and an
operation history with running instances, recurring monitors, probes and
failures (failed monitors, starts and stops, fail counts). `with_utilization()`
adds a placement strategy, node capacities and resource utilization to them;
cibgen_features.py draws tickets, live migration, rules on node attributes and
resource sets on top of them (the fields below that default to empty).
`to_cib_xml(scenario, digests)` writes it as a full CIB by hand (so the
generator does not depend on the code under test), with an execution-date
so the result does not depend on the clock.

`run_oracle(path)` runs Pacemaker's crm_simulate on it (tests/oracle.py) and
returns the sorted Transition Summary lines; `learn_digests()` asks crm_simulate once for the
op-digest values of the operation definitions used here, so recorded
operations match their definitions (otherwise Pacemaker restarts everything
"due to resource definition change").
"""

from __future__ import annotations

import functools
import os
import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from xml.sax.saxutils import quoteattr

from hypothesis import strategies as st

import oracle


EXECUTION_DATE = 1_700_000_000
RC_CHANGE = EXECUTION_DATE - 1000
FEATURE_SET = "3.16.1"
UUID = "6f1f2f5e-0000-4000-8000-00000000beef"
INF = 1_000_000

# agent -> recurring monitors as (interval_ms, role or None)
MONITORS = {
    "Dummy": ((10_000, None),),
    "Stateful": ((10_000, "Promoted"), (11_000, "Unpromoted")),
}


# --- the scenario -------------------------------------------------------------------------

@dataclass
class NodeSpec:
    nid: str
    name: str
    status: str  # online offline unclean
    standby: bool = False
    transient_standby: bool = False  # standby as a status attribute instead of a node attribute
    capacity: dict[str, int] = field(default_factory=dict)  # utilization (with_utilization only)
    attrs: dict[str, str] = field(default_factory=dict)  # node attributes in <nodes>
    status_attrs: dict[str, str] = field(default_factory=dict)  # transient node attributes in <status>


@dataclass
class Prim:
    id: str
    agent: str = "Dummy"  # Dummy | Stateful
    on_fail: str | None = None  # on-fail of the recurring monitor(s)
    meta: dict[str, str] = field(default_factory=dict)
    utilization: dict[str, int] = field(default_factory=dict)  # (with_utilization only)


@dataclass
class Unit:
    """A top-level resource: a primitive, a group, a clone (of a primitive or group)."""

    id: str
    kind: str  # primitive group clone
    prims: list[Prim]
    group_id: str | None = None  # clone of a group: the group's id
    promotable: bool = False
    meta: dict[str, str] = field(default_factory=dict)
    group_meta: dict[str, str] = field(default_factory=dict)


@dataclass
class Failure:
    prim: str
    node: str
    kind: str  # monitor start stop
    expired: bool = False


@dataclass
class TicketState:
    """A ticket the status section knows; a ticket it does not list is not granted."""

    id: str
    granted: bool
    standby: bool = False


@dataclass
class TicketDep:
    """An rsc_ticket: `rsc` (a unit) may run (or, with role Promoted, be promoted) only with `ticket`."""

    rsc: str
    ticket: str
    loss_policy: str | None = None  # stop demote fence freeze; None leaves Pacemaker's default
    role: str | None = None
    with_set: list[str] = field(default_factory=list)  # non-empty: a resource set of rsc and these


@dataclass
class Migration:
    """A live migration of a primitive in the history: migrate_to ran on `source`; what
    happened next is `stage` -- partial (migrate_from not yet run), dangling (migrate_from done,
    the source not stopped yet), failed_to, failed_from."""

    prim: str
    source: str
    target: str
    stage: str


@dataclass
class Expr:
    attribute: str
    operation: str  # eq ne gt lt gte lte defined not_defined
    value: str | None = None
    type: str | None = None  # string integer number, or None for Pacemaker's guess


@dataclass
class AttrRule:
    """A location rule on node attributes: the score, or the value of score_attribute."""

    unit: str
    exprs: list[Expr]
    score: int = 0
    score_attribute: str | None = None
    role: str | None = None
    boolean_op: str | None = None


@dataclass
class RscSet:
    ids: list[str]
    sequential: bool | None = None
    require_all: bool | None = None  # order sets only
    role: str | None = None  # colocation sets: role; order sets: action


@dataclass
class SetConstraint:
    kind: str  # colocation order
    sets: list[RscSet]
    score: int = INF  # colocation only
    order_kind: str | None = None  # order only
    symmetrical: bool | None = None  # order only


@dataclass
class Scenario:
    nodes: list[NodeSpec]
    units: list[Unit]
    locations: list[tuple[str, str, int, str | None, str | None]]  # unit, node, score, role, rule op (eq/ne) or None
    colocations: list[tuple[str, str, int, str | None, str | None]]  # rsc, with, score, rsc-role, with-role
    orders: list[tuple[str, str, str, bool | None, str | None, str | None]]  # first, then, kind, sym, actions
    running: dict[str, list[str]]  # prim id -> nodes where it runs
    promoted: dict[str, list[str]]  # prim id (in a promotable clone) -> nodes where promoted
    probed: dict[str, list[str]]  # prim id -> nodes with a "not running" probe result
    failures: list[Failure]
    master_scores: dict[tuple[str, str], int]  # (prim, node) -> crm_master score
    stickiness: int
    stonith: bool
    symmetric: bool
    no_quorum_policy: str
    have_quorum: bool
    placement_strategy: str = "default"  # other values only from with_utilization
    # only from cibgen_features; empty, they write nothing, so a scenarios() CIB stays byte for byte
    tickets: list[TicketState] = field(default_factory=list)
    ticket_deps: list[TicketDep] = field(default_factory=list)
    migrations: list[Migration] = field(default_factory=list)
    attr_rules: list[AttrRule] = field(default_factory=list)
    set_constraints: list[SetConstraint] = field(default_factory=list)

    def describe(self) -> str:
        kinds = [u.kind + ("(promotable)" if u.promotable else "") for u in self.units]
        return (f"{len(self.nodes)} nodes ({', '.join(n.status + ('/standby' if n.standby else '') for n in self.nodes)}), "
                f"units {kinds}, {len(self.locations)} loc, {len(self.colocations)} colo, "
                f"{len(self.orders)} order, {len(self.failures)} failures"
                + (f", placement-strategy={self.placement_strategy}" if self.placement_strategy != "default" else "")
                + "".join(f", {len(v)} {k}" for k, v in (("ticket deps", self.ticket_deps),
                                                          ("migrations", self.migrations),
                                                          ("attribute rules", self.attr_rules),
                                                          ("set constraints", self.set_constraints)) if v))


# --- strategies ------------------------------------------------------------------------------

SCORES_LOC = [-INF, -100, 0, 10, 50, 100, 200, INF]
SCORES_COLO = [-INF, -200, 50, 100, INF, INF]


def _score(value: int) -> str:
    return "INFINITY" if value >= INF else "-INFINITY" if value <= -INF else str(value)


@st.composite
def scenarios(draw: st.DrawFn, max_nodes: int = 8, max_prims: int = 30) -> Scenario:
    n_nodes = draw(st.integers(2, max_nodes))
    nodes = []
    for i in range(1, n_nodes + 1):
        status = draw(st.sampled_from(["online"] * 6 + ["offline", "unclean"]))
        standby = _rare(draw, 9)
        nodes.append(NodeSpec(str(i), f"node{i}", status, standby=standby,
                              transient_standby=standby and draw(st.booleans())))
    if not any(n.status == "online" for n in nodes):
        nodes[0].status = "online"
    names = [n.name for n in nodes]

    units: list[Unit] = []
    n_prims = 0
    budget = draw(st.integers(1, max_prims))
    k = 0
    while n_prims < budget:
        k += 1
        kind = draw(st.sampled_from(["primitive"] * 4 + ["group"] * 2 + ["clone", "promotable", "clone-group"]))
        meta = _unit_meta(draw)
        if kind == "primitive":
            units.append(Unit(f"r{k}", "primitive", [Prim(f"r{k}", meta=meta, on_fail=_on_fail(draw))]))
            n_prims += 1
        elif kind == "group":
            size = draw(st.integers(2, 3))
            prims = [Prim(f"g{k}m{j}", meta=_member_meta(draw), on_fail=_on_fail(draw)) for j in range(1, size + 1)]
            units.append(Unit(f"g{k}", "group", prims, meta=meta))
            n_prims += size
        elif kind == "clone":
            meta.update(_clone_meta(draw, n_nodes))
            units.append(Unit(f"c{k}", "clone", [Prim(f"c{k}p")], meta=meta))
            n_prims += 1
        elif kind == "promotable":
            meta.update(_clone_meta(draw, n_nodes))
            meta["promoted-max"] = str(draw(st.sampled_from([1, 1, 2])))
            if _rare(draw, 7):
                meta["target-role"] = "Unpromoted"
            units.append(Unit(f"m{k}", "clone", [Prim(f"m{k}p", agent="Stateful", on_fail=_on_fail(draw))],
                              promotable=True, meta=meta))
            n_prims += 1
        else:
            meta.update(_clone_meta(draw, n_nodes))
            prims = [Prim(f"cg{k}m{j}") for j in (1, 2)]
            units.append(Unit(f"cg{k}", "clone", prims, group_id=f"cg{k}g", meta=meta))
            n_prims += 2

    ids = [u.id for u in units]
    locations = []
    for uid in draw(st.lists(st.sampled_from(ids), max_size=len(ids))):
        unit = next(u for u in units if u.id == uid)
        role = "Promoted" if unit.promotable and draw(st.booleans()) else None
        rule = draw(st.sampled_from([None, None, "eq", "ne"]))
        locations.append((uid, draw(st.sampled_from(names)), draw(st.sampled_from(SCORES_LOC)), role, rule))
    colocations = []
    orders = []
    if len(units) > 1:
        for i in draw(st.lists(st.integers(1, len(units) - 1), max_size=len(units), unique=True)):
            j = draw(st.integers(0, i - 1))
            roles = [None, None, "Promoted", "Promoted", "Unpromoted"]
            with_role = draw(st.sampled_from(roles)) if units[j].promotable else None
            rsc_role = draw(st.sampled_from(roles)) if units[i].promotable else None
            colocations.append((ids[i], ids[j], draw(st.sampled_from(SCORES_COLO)), rsc_role, with_role))
        for i in draw(st.lists(st.integers(1, len(units) - 1), max_size=len(units), unique=True)):
            j = draw(st.integers(0, i - 1))
            kind = draw(st.sampled_from(["Mandatory", "Mandatory", "Optional", "Serialize"]))
            sym = draw(st.sampled_from([None, None, False]))
            first_action = draw(st.sampled_from([None, None, "promote", "demote"])) if units[j].promotable else None
            then_action = draw(st.sampled_from([None, None, "promote", "start"])) if units[i].promotable else None
            if then_action is None and first_action is not None:
                then_action = "start"
            orders.append((ids[j], ids[i], kind, sym, first_action, then_action))

    alive = [n.name for n in nodes if n.status != "offline"]
    online = [n.name for n in nodes if n.status == "online"]
    running: dict[str, list[str]] = {}
    promoted: dict[str, list[str]] = {}
    probed: dict[str, list[str]] = {}
    master_scores: dict[tuple[str, str], int] = {}
    for u in units:
        if u.kind == "clone":
            where = draw(st.lists(st.sampled_from(alive), unique=True, max_size=len(alive))) if alive else []
            for p in u.prims:
                running[p.id] = list(where)
            if u.promotable:
                p = u.prims[0]
                if where and draw(st.booleans()):
                    promoted[p.id] = [draw(st.sampled_from(where))]
                for n in online:
                    if draw(st.booleans()):
                        master_scores[(p.id, n)] = draw(st.sampled_from([5, 10, 100, 1000]))
        else:
            node = draw(st.sampled_from([None] + alive)) if alive else None
            partial = node is not None and u.kind == "group" and _rare(draw, 4)
            for idx, p in enumerate(u.prims):
                if node is not None and not (partial and idx == len(u.prims) - 1):
                    running[p.id] = [node]
    full_probes = draw(st.booleans())
    for u in units:
        for p in u.prims:
            others = [n for n in online if n not in running.get(p.id, [])]
            if full_probes:
                probed[p.id] = others
            else:
                probed[p.id] = draw(st.lists(st.sampled_from(others), unique=True)) if others else []

    failures: list[Failure] = []
    for _ in range(draw(st.integers(0, 3))):
        candidates = [(p, n) for p, ns in running.items() for n in ns if n in online]
        if not candidates:
            break
        prim, node = draw(st.sampled_from(candidates))
        if any(f.prim == prim and f.node == node for f in failures):
            continue
        failures.append(Failure(prim, node, draw(st.sampled_from(["monitor", "monitor", "start", "stop"])),
                                expired=_rare(draw, 4)))

    stonith = _rare(draw, 2)
    return Scenario(
        nodes=nodes, units=units, locations=locations, colocations=colocations, orders=orders,
        running=running, promoted=promoted, probed=probed, failures=failures, master_scores=master_scores,
        stickiness=draw(st.sampled_from([0, 0, 50, 100, INF])), stonith=stonith,
        symmetric=not _rare(draw, 5), no_quorum_policy=draw(st.sampled_from(["stop", "ignore", "freeze"])),
        have_quorum=not _rare(draw, 7),
    )


@st.composite
def with_utilization(draw: st.DrawFn, max_nodes: int = 8, max_prims: int = 20) -> Scenario:
    """scenarios() under a placement strategy other than default, with node capacities and
    resource needs in up to three attributes, small enough that capacity often decides (and
    that balanced's one-vote-per-attribute comparison meets cycles). A separate strategy, so
    the scenarios() examples, and the CIBs and names of their found/ cases, stay the same."""
    s = draw(scenarios(max_nodes=max_nodes, max_prims=max_prims))
    s.placement_strategy = draw(st.sampled_from(["utilization", "minimal", "balanced", "balanced"]))
    attrs = ("cpu", "mem", "io")

    def amounts(most: int, share: int) -> dict[str, int]:
        return {a: draw(st.integers(0, most)) for a in attrs if draw(st.integers(0, 9)) < share}
    for n in s.nodes:
        n.capacity = amounts(8, 8)
    for u in s.units:
        for prim in u.prims:
            prim.utilization = amounts(3, 5)
    return s


def _rare(draw: st.DrawFn, n: int) -> bool:
    """True once in n+1 draws; False is the simple case Hypothesis shrinks towards."""
    return draw(st.integers(0, n)) == n


def _unit_meta(draw: st.DrawFn) -> dict[str, str]:
    meta: dict[str, str] = {}
    if _rare(draw, 7):
        meta["target-role"] = "Stopped"
    if _rare(draw, 4):
        meta["resource-stickiness"] = str(draw(st.sampled_from([0, 10, 200, INF])))
    if _rare(draw, 4):
        meta["migration-threshold"] = str(draw(st.sampled_from([1, 2, 3])))
    if _rare(draw, 5):
        meta["failure-timeout"] = "60s"
    return meta


def _on_fail(draw: st.DrawFn) -> str | None:
    if not _rare(draw, 5):
        return None
    return draw(st.sampled_from(["restart", "stop", "block", "ignore", "standby"]))


def _member_meta(draw: st.DrawFn) -> dict[str, str]:
    return {"target-role": "Stopped"} if _rare(draw, 11) else {}


def _clone_meta(draw: st.DrawFn, n_nodes: int) -> dict[str, str]:
    meta: dict[str, str] = {}
    if draw(st.booleans()):
        meta["clone-max"] = str(draw(st.integers(1, n_nodes)))
    if _rare(draw, 3):
        meta["interleave"] = "true"
    return meta


# --- XML --------------------------------------------------------------------------------------

def _nv(owner: str, pairs: dict[str, str], tag: str = "meta_attributes") -> str:
    if not pairs:
        return ""
    body = "".join(f'<nvpair id={quoteattr(f"{owner}-{tag[:4]}-{k}")} name={quoteattr(k)} value={quoteattr(v)}/>'
                   for k, v in pairs.items())
    return f'<{tag} id={quoteattr(f"{owner}-{tag}")}>{body}</{tag}>'


def _primitive(p: Prim) -> str:
    ops = [f'<op id="{p.id}-start" name="start" interval="0" timeout="20s"/>',
           f'<op id="{p.id}-stop" name="stop" interval="0" timeout="20s"/>']
    for interval, role in MONITORS[p.agent]:
        role_attr = f' role="{role}"' if role else ""
        role_attr += f' on-fail="{p.on_fail}"' if p.on_fail else ""
        ops.append(f'<op id="{p.id}-monitor-{interval}" name="monitor" interval="{interval // 1000}s"'
                   f' timeout="20s"{role_attr}/>')
    if p.agent == "Stateful":
        ops += [f'<op id="{p.id}-promote" name="promote" interval="0" timeout="20s"/>',
                f'<op id="{p.id}-demote" name="demote" interval="0" timeout="20s"/>']
    return (f'<primitive id="{p.id}" class="ocf" provider="pacemaker" type="{p.agent}">'
            + _nv(p.id, p.meta) + _utilization(p.id, p.utilization)
            + "<operations>" + "".join(ops) + "</operations></primitive>")


def _utilization(owner: str, amounts: dict[str, int]) -> str:
    return _nv(owner, {k: str(v) for k, v in amounts.items()}, "utilization")


def _unit(u: Unit) -> str:
    if u.kind == "primitive":
        prim = u.prims[0]
        prim.meta.update(u.meta)
        return _primitive(prim)
    if u.kind == "group":
        return f'<group id="{u.id}">' + _nv(u.id, u.meta) + "".join(_primitive(p) for p in u.prims) + "</group>"
    meta = dict(u.meta)
    if u.promotable:
        meta["promotable"] = "true"
    inner = (f'<group id="{u.group_id}">' + "".join(_primitive(p) for p in u.prims) + "</group>"
             if u.group_id else _primitive(u.prims[0]))
    return f'<clone id="{u.id}">' + _nv(u.id, meta) + inner + "</clone>"


class _Calls:
    def __init__(self) -> None:
        self.n = 0

    def next(self) -> int:
        self.n += 1
        return self.n


def _op(rid: str, op_id: str, task: str, interval: int, rc: int, target: int, call: int, node: str,
        digests: dict[tuple[str, str, int], str], agent: str, rc_change: int = RC_CHANGE, extra: str = "") -> str:
    key = f"{call}:1:{target}:{UUID}"
    digest = digests.get((agent, task, interval)) or next(
        (v for (_, t, i), v in digests.items() if t == task and i == interval), None)
    dig = f' op-digest="{digest}"' if digest else ""
    return (f'<lrm_rsc_op id="{op_id}" operation_key="{rid}_{task}_{interval}" operation="{task}"'
            f' crm-debug-origin="cibgen" crm_feature_set="{FEATURE_SET}" transition-key="{key}"'
            f' transition-magic="0:{rc};{key}" exit-reason="" on_node="{node}" call-id="{call}"'
            f' rc-code="{rc}" op-status="0" interval="{interval}" last-rc-change="{rc_change}"'
            f' exec-time="10" queue-time="0"{extra}{dig}/>')


def _history(s: Scenario, node: str, digests: dict[tuple[str, str, int], str]) -> tuple[str, dict[str, str]]:
    calls = _Calls()
    parts: list[str] = []
    attrs: dict[str, str] = {}
    for u in s.units:
        for p in u.prims:
            ops: list[str] = []
            runs = node in s.running.get(p.id, [])
            fail = next((f for f in s.failures if f.prim == p.id and f.node == node), None)
            rc_change = RC_CHANGE - 3600 if fail is not None and fail.expired else RC_CHANGE
            migration = _migration_ops(s, p, node, calls, digests, attrs)
            if migration is not None:
                ops = migration
            elif runs:
                is_promoted = node in s.promoted.get(p.id, [])
                if fail is not None and fail.kind in ("start", "stop"):
                    # a failed start; or a failed stop after a successful start (call ids in that order)
                    task = fail.kind
                    if task == "stop":
                        calls.next()
                    c = calls.next()
                    ops.append(_op(p.id, f"{p.id}_last_0", task, 0, 1, 0, c, node, digests, p.agent, rc_change))
                    ops.append(_op(p.id, f"{p.id}_last_failure_0", task, 0, 1, 0, c, node, digests, p.agent,
                                   rc_change))
                    attrs[f"fail-count-{p.id}#{task}_0"] = "INFINITY"
                    attrs[f"last-failure-{p.id}#{task}_0"] = str(rc_change)
                else:
                    c = calls.next()
                    last = "start"
                    if is_promoted:
                        ops.append(_op(p.id, f"{p.id}_last_0", "promote", 0, 0, 0, calls.next(), node, digests,
                                       p.agent))
                        last = "promote"
                    else:
                        ops.append(_op(p.id, f"{p.id}_last_0", "start", 0, 0, 0, c, node, digests, p.agent))
                    for interval, role in MONITORS[p.agent]:
                        if role == "Promoted" and last != "promote" or role == "Unpromoted" and last == "promote":
                            continue
                        rc = 8 if role == "Promoted" else 0
                        ops.append(_op(p.id, f"{p.id}_monitor_{interval}", "monitor", interval, rc, rc,
                                       calls.next(), node, digests, p.agent))
                    if fail is not None:
                        interval = MONITORS[p.agent][0 if last == "promote" else -1][0]
                        ops.append(_op(p.id, f"{p.id}_last_failure_0", "monitor", interval, 7,
                                       8 if last == "promote" and p.agent == "Stateful" else 0,
                                       calls.next(), node, {}, p.agent, rc_change))
                        attrs[f"fail-count-{p.id}#monitor_{interval}"] = "1"
                        attrs[f"last-failure-{p.id}#monitor_{interval}"] = str(rc_change)
            elif node in s.probed.get(p.id, []):
                # a migration's target was probed before the migration began (not at the same second)
                probed_at = RC_CHANGE - 60 if any(m.prim == p.id and m.target == node for m in s.migrations) \
                    else RC_CHANGE
                ops.append(_op(p.id, f"{p.id}_last_0", "monitor", 0, 7, 7, calls.next(), node, digests, p.agent,
                               probed_at))
            if ops:
                parts.append(f'<lrm_resource id="{p.id}" class="ocf" provider="pacemaker" type="{p.agent}">'
                             + "".join(ops) + "</lrm_resource>")
            if (p.id, node) in s.master_scores:
                attrs[f"master-{p.id}"] = str(s.master_scores[(p.id, node)])
    return "".join(parts), attrs


def _migration_ops(s: Scenario, p: Prim, node: str, calls: _Calls, digests: dict[tuple[str, str, int], str],
                   attrs: dict[str, str]) -> list[str] | None:
    """The records of `p` on `node` when it is the source or target of a migration in the history;
    None when the ordinary history applies (no migration, or a target that never got migrate_from).
    The source started it and monitored it before migrate_to; the target's migrate_from comes a
    second later (records on different nodes are compared by last-rc-change)."""
    m = next((m for m in s.migrations if m.prim == p.id and node in (m.source, m.target)), None)
    if m is None or node == m.target and m.stage not in ("dangling", "failed_from"):
        return None
    extra = f' migrate_source="{m.source}" migrate_target="{m.target}"'
    interval = MONITORS[p.agent][0][0]
    task, failed = ("migrate_to", m.stage == "failed_to") if node == m.source else \
        ("migrate_from", m.stage == "failed_from")
    rc_change = RC_CHANGE if node == m.source else RC_CHANGE + 1
    ops: list[str] = []
    if node == m.source:
        calls.next()  # the start, superseded as the last non-recurring record by migrate_to
        ops.append(_op(p.id, f"{p.id}_monitor_{interval}", "monitor", interval, 0, 0, calls.next(), node, digests,
                       p.agent))
    c = calls.next()
    ops.insert(0, _op(p.id, f"{p.id}_last_0", task, 0, 1 if failed else 0, 0, c, node, digests, p.agent,
                      rc_change, extra))
    if failed:
        ops.append(_op(p.id, f"{p.id}_last_failure_0", task, 0, 1, 0, c, node, digests, p.agent, rc_change, extra))
        attrs[f"fail-count-{p.id}#{task}_0"] = "1"
        attrs[f"last-failure-{p.id}#{task}_0"] = str(rc_change)
    elif node == m.target:
        ops.append(_op(p.id, f"{p.id}_monitor_{interval}", "monitor", interval, 0, 0, calls.next(), node, digests,
                       p.agent, rc_change))
    return ops


def _tickets(s: Scenario) -> list[str]:
    if not s.tickets:
        return []
    states = "".join(f'<ticket_state id="{t.id}" granted="{str(t.granted).lower()}"'
                     + (f' last-granted="{RC_CHANGE}"' if t.granted else "")
                     + (' standby="true"' if t.standby else "") + "/>" for t in s.tickets)
    return [f"<tickets>{states}</tickets>"]


def _feature_constraints(s: Scenario) -> list[str]:
    """rsc_ticket, location rules on node attributes and set constraints (cibgen_features)."""
    out = []
    for i, t in enumerate(s.ticket_deps):
        loss = f' loss-policy="{t.loss_policy}"' if t.loss_policy else ""
        if t.with_set:  # the role goes on the set
            role = f' role="{t.role}"' if t.role else ""
            refs = "".join(f'<resource_ref id="{rid}"/>' for rid in [t.rsc, *t.with_set])
            out.append(f'<rsc_ticket id="tkt{i}" ticket="{t.ticket}"{loss}>'
                       f'<resource_set id="tkt{i}-set"{role}>{refs}</resource_set></rsc_ticket>')
        else:
            role = f' rsc-role="{t.role}"' if t.role else ""
            out.append(f'<rsc_ticket id="tkt{i}" rsc="{t.rsc}" ticket="{t.ticket}"{role}{loss}/>')
    for i, r in enumerate(s.attr_rules):
        out.append(_attr_rule(f"aloc{i}", r))
    for i, c in enumerate(s.set_constraints):
        out.append(_set_constraint(f"set{i}", c))
    return out


def _attr_rule(cid: str, r: AttrRule) -> str:
    head = (f' score-attribute="{r.score_attribute}"' if r.score_attribute else f' score="{_score(r.score)}"')
    head += (f' role="{r.role}"' if r.role else "") + (f' boolean-op="{r.boolean_op}"' if r.boolean_op else "")
    exprs = "".join(f'<expression id="{cid}-e{j}" attribute="{e.attribute}" operation="{e.operation}"'
                    + (f' value="{e.value}"' if e.value is not None else "")
                    + (f' type="{e.type}"' if e.type else "") + "/>" for j, e in enumerate(r.exprs))
    return f'<rsc_location id="{cid}" rsc="{r.unit}"><rule id="{cid}-rule"{head}>{exprs}</rule></rsc_location>'


def _set_constraint(cid: str, c: SetConstraint) -> str:
    sets = []
    for j, rs in enumerate(c.sets):
        attrs = "" if rs.sequential is None else f' sequential="{str(rs.sequential).lower()}"'
        attrs += "" if rs.require_all is None else f' require-all="{str(rs.require_all).lower()}"'
        if rs.role:
            attrs += f' role="{rs.role}"' if c.kind == "colocation" else f' action="{rs.role}"'
        refs = "".join(f'<resource_ref id="{rid}"/>' for rid in rs.ids)
        sets.append(f'<resource_set id="{cid}-s{j}"{attrs}>{refs}</resource_set>')
    if c.kind == "colocation":
        return f'<rsc_colocation id="{cid}" score="{_score(c.score)}">{"".join(sets)}</rsc_colocation>'
    head = (f' kind="{c.order_kind}"' if c.order_kind else "")
    head += "" if c.symmetrical is None else f' symmetrical="{str(c.symmetrical).lower()}"'
    return f'<rsc_order id="{cid}"{head}>{"".join(sets)}</rsc_order>'


def to_cib_xml(s: Scenario, digests: dict[tuple[str, str, int], str]) -> str:
    props = {
        "stonith-enabled": "true" if s.stonith else "false",
        "no-quorum-policy": s.no_quorum_policy,
        "symmetric-cluster": "true" if s.symmetric else "false",
        "cluster-infrastructure": "corosync",
    }
    if s.placement_strategy != "default":
        props["placement-strategy"] = s.placement_strategy
    out = [f'<cib crm_feature_set="{FEATURE_SET}" validate-with="pacemaker-3.7" epoch="1" num_updates="0"'
           f' admin_epoch="0" have-quorum="{1 if s.have_quorum else 0}" dc-uuid="{_dc(s)}"'
           f' execution-date="{EXECUTION_DATE}">',
           "<configuration><crm_config>",
           '<cluster_property_set id="cib-bootstrap-options">'
           + "".join(f'<nvpair id="opt-{k}" name="{k}" value="{v}"/>' for k, v in props.items())
           + "</cluster_property_set></crm_config><nodes>"]
    for n in s.nodes:
        node_attrs = {"standby": "on"} if n.standby and not n.transient_standby else {}
        attrs = _nv(f"nodes-{n.nid}", node_attrs | n.attrs, "instance_attributes")
        attrs += _utilization(f"nodes-{n.nid}", n.capacity)
        out.append(f'<node id="{n.nid}" uname="{n.name}">{attrs}</node>')
    out.append("</nodes><resources>")
    if s.stonith:
        out.append('<primitive id="fence" class="stonith" type="fence_dummy">'
                   '<operations><op id="fence-monitor" name="monitor" interval="60s"/></operations></primitive>')
    out += [_unit(u) for u in s.units]
    out.append("</resources><constraints>")
    for i, (uid, node, score, role, rule) in enumerate(s.locations):
        role_attr = f' role="{role}"' if role else ""
        if rule is not None:
            out.append(f'<rsc_location id="loc{i}" rsc="{uid}"><rule id="loc{i}-rule" score="{_score(score)}"'
                       f'{role_attr}><expression id="loc{i}-expr" attribute="#uname" operation="{rule}"'
                       f' value="{node}"/></rule></rsc_location>')
            continue
        out.append(f'<rsc_location id="loc{i}" rsc="{uid}" node="{node}" score="{_score(score)}"{role_attr}/>')
    for i, (rsc, with_rsc, score, rrole, wrole) in enumerate(s.colocations):
        roles = (f' rsc-role="{rrole}"' if rrole else "") + (f' with-rsc-role="{wrole}"' if wrole else "")
        out.append(f'<rsc_colocation id="col{i}" rsc="{rsc}" with-rsc="{with_rsc}" score="{_score(score)}"{roles}/>')
    for i, (first, then, kind, sym, first_action, then_action) in enumerate(s.orders):
        sym_attr = "" if sym is None else f' symmetrical="{str(sym).lower()}"'
        sym_attr += f' first-action="{first_action}"' if first_action else ""
        sym_attr += f' then-action="{then_action}"' if then_action else ""
        out.append(f'<rsc_order id="ord{i}" first="{first}" then="{then}" kind="{kind}"{sym_attr}/>')
    out += _feature_constraints(s)
    out.append("</constraints>")
    out.append('<rsc_defaults><meta_attributes id="rsc-options">'
               f'<nvpair id="rsc-options-stickiness" name="resource-stickiness" value="{_score(s.stickiness)}"/>'
               "</meta_attributes></rsc_defaults></configuration><status>")
    out += _tickets(s)
    for n in s.nodes:
        if n.status == "offline":
            out.append(f'<node_state id="{n.nid}" uname="{n.name}" in_ccm="false" crmd="offline" join="down"'
                       ' expected="down" crm-debug-origin="cibgen"/>')
            continue
        in_ccm = "true" if n.status == "online" else "false"
        hist, attrs = _history(s, n.name, digests)
        attrs.update(n.status_attrs)
        if n.standby and n.transient_standby:
            attrs["standby"] = "on"
        transient = ""
        if attrs:
            transient = (f'<transient_attributes id="{n.nid}">'
                         + _nv(f"status-{n.nid}", attrs, "instance_attributes") + "</transient_attributes>")
        out.append(f'<node_state id="{n.nid}" uname="{n.name}" in_ccm="{in_ccm}" crmd="online" join="member"'
                   f' expected="member" crm-debug-origin="cibgen"><lrm id="{n.nid}"><lrm_resources>{hist}'
                   f"</lrm_resources></lrm>{transient}</node_state>")
    out.append("</status></cib>")
    return "\n".join(out) + "\n"


def _dc(s: Scenario) -> str:
    return next((n.nid for n in s.nodes if n.status == "online"), s.nodes[0].nid)


# --- Pacemaker --------------------------------------------------------------------------------

def crm_simulate_path() -> str | None:
    return shutil.which(os.environ.get("CRM_SIMULATE", "crm_simulate"))


def run_oracle(path: str | os.PathLike[str], timeout: float = 60) -> list[str]:
    """Pacemaker's Transition Summary for a CIB file, sorted and normalised (see tests/oracle.py)."""
    return oracle.transition_summary(path, sort=True, timeout=timeout)


@functools.lru_cache(maxsize=1)
def learn_digests() -> dict[tuple[str, str, int], str]:
    """(agent, task, interval_ms) -> op-digest, as Pacemaker 2.1.5 computes it for the ops used here."""
    # node1: d started, ms promoted, ms2 started; node2: only probes of d and ms2, ms unpromoted;
    # mg, recorded as started on node1 and pushed to node2, migrates there (its migrate_to and
    # migrate_from records are the only ones read from it: the others are d's).
    prims = _primitive(Prim("d", "Dummy")) + _primitive(Prim("mg", "Dummy", meta={"allow-migrate": "true"}))
    clones = "".join(
        f'<clone id="{cid}"><meta_attributes id="{cid}-meta"><nvpair id="{cid}-p" name="promotable" value="true"/>'
        f'{extra}</meta_attributes>' + _primitive(Prim(pid, "Stateful")) + "</clone>"
        for cid, pid, extra in (("ms", "s", ""), ("ms2", "s2", f'<nvpair id="ms2-m" name="clone-max" value="1"/>')))
    cons = ('<rsc_location id="l1" rsc="ms" role="Promoted" node="node1" score="100"/>'
            '<rsc_location id="l2" rsc="d" node="node2" score="-INFINITY"/>'
            '<rsc_location id="l3" rsc="ms2" node="node2" score="-INFINITY"/>'
            '<rsc_location id="l4" rsc="mg" node="node2" score="INFINITY"/>')
    mg_started = ('<lrm id="1"><lrm_resources><lrm_resource id="mg" class="ocf" provider="pacemaker" type="Dummy">'
                  + _op("mg", "mg_last_0", "start", 0, 0, 0, 1, "node1", {}, "Dummy")
                  + "</lrm_resource></lrm_resources></lrm>")
    states = "".join(f'<node_state id="{i}" uname="node{i}" in_ccm="true" crmd="online" join="member"'
                     f' expected="member">{mg_started if i == 1 else ""}</node_state>' for i in (1, 2))
    cib = (f'<cib crm_feature_set="{FEATURE_SET}" validate-with="pacemaker-3.7" epoch="1" num_updates="0"'
           ' admin_epoch="0" have-quorum="1"><configuration><crm_config><cluster_property_set id="o">'
           '<nvpair id="o1" name="stonith-enabled" value="false"/></cluster_property_set></crm_config>'
           '<nodes><node id="1" uname="node1"/><node id="2" uname="node2"/></nodes><resources>'
           + prims + clones + "</resources><constraints>" + cons + "</constraints></configuration>"
           "<status>" + states + "</status></cib>")
    digests: dict[tuple[str, str, int], str] = {}
    with tempfile.TemporaryDirectory(prefix="cibgen-") as d:
        src, dst = os.path.join(d, "in.xml"), os.path.join(d, "out.xml")
        Path(src).write_text(cib)
        env = dict(os.environ, LC_ALL="C", CIB_shadow_dir=d)
        sim = crm_simulate_path() or "crm_simulate"
        subprocess.run([sim, "-x", src, "-S", "-Q", "-O", dst], capture_output=True, env=env, timeout=60,
                       check=True)
        text = Path(dst).read_text()
    for m in re.finditer(r'<lrm_resource id="([^"]+)"[^>]*type="([^"]+)"[^>]*>(.*?)</lrm_resource>', text, re.S):
        agent = m.group(2)
        for op in re.finditer(r"<lrm_rsc_op [^>]*>", m.group(3)):
            tag = op.group(0)
            task = re.search(r' operation="([^"]+)"', tag)
            if (m.group(1) == "mg") != bool(task and task.group(1).startswith("migrate_")):
                continue
            interval = re.search(r' interval="(\d+)"', tag)
            dig = re.search(r' op-digest="([0-9a-f]+)"', tag)
            if task and interval and dig:
                digests[(agent, task.group(1), int(interval.group(1)))] = dig.group(1)
    return digests
