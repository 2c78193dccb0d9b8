"""Hypothesis strategies for random valid configurations that crm syntax can express.

Besides every resource and constraint kind: bundles, ACLs and alerts
(crm_strategies_extra), pairs with ids of their own, names without a value,
and references -- `$id-ref` sets, `@ID` pairs, `rule $id-ref`, `operations
$id-ref` -- each holding what it refers to, as the parser resolves it.

Nested ids (sets, ops, rules, expressions, resource sets, levels) are either
the ones crm/ids.py derives or explicit ones where crm has a `$id=`; every
top-level id is unique. The configuration is returned in canonical order
(hastack.crm.canonical), the order crm text has.
"""

from __future__ import annotations

from typing import Any

from crm_strategies_extra import acls, alerts, bundles
from hypothesis import strategies as st

from hastack.crm import canonical, ids
from hastack.model import durations
from hastack.model.config import (
    AttrSet, Clone, Colocation, Configuration, DateExpression, Expression, FencingLevel, Group, Location, Node,
    Op, Order, OrderKind, PairId, PairRef, Primitive, ResourceSet, Rule, Tag, Template, Ticket, merged,
)
from hastack.model.scores import INFINITY
from hastack.model.values import AgentRef, Role, is_true

NAME = st.builds(lambda a, b: a + b, st.sampled_from("abcdefghijklmnopqrstuvwxyz"),
                 st.text("abcdefghijklmnopqrstuvwxyz0123456789_", max_size=5))
TEXT = st.text(st.characters(blacklist_categories=("Cc", "Cs")), max_size=10)
SCORE = st.one_of(st.integers(-INFINITY, INFINITY), st.sampled_from([INFINITY, -INFINITY, 0]))
ROLE = st.sampled_from(list(Role))
MAYBE_ROLE = st.none() | ROLE
ONE_IN_FOUR = st.integers(0, 3).map(lambda n: n == 0)
SMALL_SCORE = st.none() | st.integers(-100, 100)
PAIRS = st.lists(st.tuples(st.sampled_from("abcdefgh").map(lambda n: f"k_{n}"), TEXT), min_size=1, max_size=3)
AGENTS = [AgentRef("ocf", "Dummy", "heartbeat"), AgentRef("ocf", "Stateful", "pacemaker"),
          AgentRef("lsb", "apache"), AgentRef("stonith", "fence_ipmilan"), AgentRef("systemd", "my-svc")]
OP_NAMES = ["start", "stop", "monitor", "promote", "demote", "x_custom"]
INTERVALS = [0, 500, 1000, 10_000, 29_000, 60_000, 3_600_000]


class Ids:
    """Hands out unique top-level ids, and remembers what later objects may refer to."""

    def __init__(self, draw: Any) -> None:
        self.draw = draw
        self.used: set[str] = set()
        self.nvpairs: list[tuple[str, str, str]] = []  # (nvpair id, name, value) of `$ID:name=value` pairs
        self.sets: list[AttrSet] = []  # sets a later one may name with $id-ref
        self.location_rules: list[Rule] = []  # rules of the locations generated so far
        self.operations: list[tuple[str, tuple[Op, ...]]] = []  # `operations $id=` names and their ops

    def new(self, prefix: str) -> str:
        base = self.draw(NAME)
        candidate = f"{prefix}_{base}"
        n = 0
        while candidate in self.used:
            n += 1
            candidate = f"{prefix}_{base}{n}"
        self.used.add(candidate)
        return candidate


@st.composite
def expressions(draw: Any, owner: str, index: int) -> Expression | DateExpression:
    eid = ids.expression(owner, index)
    kind = draw(st.sampled_from(["binary", "unary", "date"]))
    attr = draw(st.one_of(st.sampled_from(["#uname", "#cluster-name", "#id", "#kind"]), NAME.map(lambda n: f"a_{n}")))
    if kind == "unary":
        return Expression(eid, attr, draw(st.sampled_from(["defined", "not_defined"])))
    if kind == "binary":
        op = draw(st.sampled_from(["lt", "gt", "lte", "gte", "eq", "ne"]))
        value_type = draw(st.sampled_from([None, "string", "integer", "number", "version"]))
        if draw(ONE_IN_FOUR):  # crmsh's SOURCE{NAME}: the value of a resource parameter or meta attribute
            return Expression(eid, attr, op, draw(NAME), value_type, draw(st.sampled_from(["literal", "param", "meta"])))
        return Expression(eid, attr, op, draw(TEXT), value_type)
    op = draw(st.sampled_from(["lt", "gt", "in_range", "date_spec"]))
    date = st.builds(lambda y, m, d: f"20{y:02d}-{m:02d}-{d:02d}", st.integers(0, 99), st.integers(1, 12),
                     st.integers(1, 28))
    if op == "lt":
        return DateExpression(eid, op, end=draw(date))
    if op == "gt":
        return DateExpression(eid, op, start=draw(date))
    if op == "in_range":
        start = draw(date)
        if draw(st.booleans()):
            return DateExpression(eid, op, start, draw(date))
        return DateExpression(eid, op, start, duration=(("months", str(draw(st.integers(1, 12)))),))
    spec = draw(st.lists(st.sampled_from(["hours", "weekdays", "monthdays", "years", "moon"]), min_size=1,
                         max_size=3, unique=True))
    ranges = st.one_of(st.integers(0, 59).map(str), st.builds(lambda a, b: f"{a}-{b}", st.integers(0, 9),
                                                              st.integers(10, 59)))
    return DateExpression(eid, op, date_spec=tuple((k, draw(ranges)) for k in spec))


@st.composite
def rules(draw: Any, default_id: str, id_pool: Ids) -> Rule:
    rule_id = default_id if draw(st.booleans()) else id_pool.new("rule")
    n = draw(st.integers(1, 3))
    items = tuple(draw(expressions(rule_id, i)) for i in range(n))
    scoring = draw(st.sampled_from(["score", "attr", "none"]))  # none: crm's default, INFINITY
    return Rule(rule_id, items, draw(SCORE) if scoring == "score" else INFINITY if scoring == "none" else None,
                draw(NAME.map(lambda x: f"s_{x}")) if scoring == "attr" else None,
                draw(st.sampled_from(["and", "or"])) if n > 1 else "and", draw(st.none() | ROLE))


@st.composite
def attr_sets(draw: Any, default_id: str, id_pool: Ids, scored: bool = True, fixed_id: bool = False,
              refer: bool = True) -> AttrSet:
    set_id = default_id if fixed_id or draw(st.booleans()) else id_pool.new("set")
    pairs = tuple(draw(PAIRS))
    score = draw(SMALL_SCORE) if scored else None
    rule = draw(rules(ids.rule(set_id, 0), id_pool)) if draw(ONE_IN_FOUR) else None
    # `$ID:name=value` / `$name=value`: pairs others may refer to (@ID); names without a value
    named = []
    for k in dict(pairs):
        if draw(ONE_IN_FOUR):
            pid = id_pool.new("nv") if draw(st.booleans()) or k in id_pool.used else k
            id_pool.used.add(pid)
            named.append(PairId(k, pid))
    unset = tuple(draw(st.lists(st.sampled_from(["u_a", "u_b", "u_c"]), max_size=2, unique=True))) \
        if draw(ONE_IN_FOUR) else ()
    refs: list[PairRef] = []
    if refer and id_pool.nvpairs and draw(ONE_IN_FOUR):  # @ID or @ID:NAME, resolved to the value it names
        pid, name, value = draw(st.sampled_from(id_pool.nvpairs))
        renamed = draw(st.booleans())
        name = f"r_{name}" if renamed else name
        if name not in dict(pairs):
            pairs += ((name, value),)
            refs.append(PairRef(name, pid, renamed))
    if refer and id_pool.sets and not fixed_id and draw(ONE_IN_FOUR):  # $id-ref=ID: holds the set it names
        target = draw(st.sampled_from(id_pool.sets))
        return AttrSet(target.id, target.pairs, target.score, target.rule, id_ref=target.id)
    values: dict[str, str] = {}
    for k, v in pairs:
        values.setdefault(k, v)  # the first pair of a name is the one with the id
    id_pool.nvpairs += [(p.id, p.name, values[p.name]) for p in named]
    made = AttrSet(set_id, pairs, score, rule, pair_ids=tuple(named), pair_refs=tuple(refs), unset=unset)
    id_pool.sets.append(made)
    return made


@st.composite
def set_lists(draw: Any, owner: str, kind: str, id_pool: Ids, max_size: int = 2) -> tuple[AttrSet, ...]:
    n = draw(st.sampled_from([0, 0, 1, max_size]))
    return tuple(draw(attr_sets(ids.attr_set(owner, kind, i), id_pool)) for i in range(n))


@st.composite
def ops(draw: Any, rsc: str, taken: set[str], id_pool: Ids) -> Op:
    name = draw(st.sampled_from(OP_NAMES))
    interval = draw(st.sampled_from(INTERVALS))
    default = ids.op(rsc, name, durations.format_ms(interval), taken)
    op_id = default if draw(st.booleans()) else id_pool.new("op")
    taken.add(op_id)
    params = tuple(draw(attr_sets(ids.attr_set(op_id, "instance_attributes", i), id_pool))
                   for i in range(draw(st.sampled_from([0, 0, 1, 2]))))
    meta = tuple(draw(attr_sets(ids.attr_set(op_id, "meta_attributes", i), id_pool))
                 for i in range(draw(st.sampled_from([0, 0, 0, 1]))))
    attributes = tuple(draw(st.lists(st.tuples(st.sampled_from(["requires", "record-pending", "start-delay",
                                                                  "interval-origin", "description"]), TEXT),
                                     max_size=2)))
    return Op(op_id, name, interval, draw(st.none() | st.sampled_from(INTERVALS[1:])), draw(st.none() | ROLE),
              draw(st.none() | st.sampled_from(["ignore", "block", "stop", "restart", "fence", "demote"])),
              draw(st.booleans()), attributes, params, meta)


@st.composite
def primitives(draw: Any, rid: str, id_pool: Ids, templates: list[str], template: bool = False) -> Primitive | Template:
    agent: AgentRef | None = draw(st.sampled_from(AGENTS))
    use = None
    if not template and templates and draw(st.booleans()):
        agent, use = None, draw(st.sampled_from(templates))
    taken: set[str] = set()
    body: dict[str, Any] = dict(
        description=draw(st.none() | TEXT), params=draw(set_lists(rid, "instance_attributes", id_pool)),
        meta=draw(set_lists(rid, "meta_attributes", id_pool)), utilization=draw(set_lists(rid, "utilization", id_pool, 1)))
    if id_pool.operations and draw(ONE_IN_FOUR):  # operations $id-ref=ID: the ops named ID
        body["ops_ref"], body["ops"] = draw(st.sampled_from(id_pool.operations))
        return Template(rid, agent, **body) if template and agent is not None else Primitive(rid, agent, use, **body)
    body["ops"] = tuple(draw(ops(rid, taken, id_pool)) for _ in range(draw(st.integers(0, 3))))
    if draw(ONE_IN_FOUR):  # operations $id=ID
        body["ops_id"] = id_pool.new("ops")
        id_pool.operations.append((body["ops_id"], body["ops"]))
    if template:
        assert agent is not None
        return Template(rid, agent, **body)
    return Primitive(rid, agent, use, **body)


@st.composite
def resource_sets(draw: Any, con_id: str, names: list[str], qual: str, min_refs: int) -> tuple[ResourceSet, ...]:
    by_role = qual in ("role", "ticket")
    while True:
        raw = draw(st.lists(st.tuples(st.sampled_from(["plain", "paren", "paren_seq", "paren_ra", "bracket"]),
                                      st.lists(st.sampled_from(names), min_size=1, max_size=3),
                                      st.none() | (ROLE if by_role else
                                                   st.sampled_from(["start", "stop", "promote", "demote"]))),
                            min_size=1, max_size=3))
        out = []
        previous_plain_qual: object = "none"
        for i, (shape, refs, q) in enumerate(raw):
            if shape == "plain" and previous_plain_qual == q:
                q = None if q is not None else (Role.STARTED if by_role else "start")
            previous_plain_qual = q if shape == "plain" else "none"
            seq, ra = {"plain": (None, None), "paren": (False, None), "paren_seq": (True, None),
                       "paren_ra": (False, True), "bracket": (False, False)}[shape]
            out.append(ResourceSet(ids.resource_set(con_id, i), tuple(refs), seq, ra,
                                   q if by_role else None, None if by_role else q))
        total = sum(len(s.resources) for s in out)
        plain_only = all(s.sequential is None and s.require_all is None for s in out)
        if total >= min_refs and not (plain_only and total <= (1 if qual == "ticket" else 2)):
            return tuple(out)


@st.composite
def constraints(draw: Any, con_id: str, names: list[str], unames: list[str], id_pool: Ids) -> object:
    kind = draw(st.sampled_from(["location", "colocation", "order", "ticket"]))
    rsc = st.sampled_from(names)
    two = draw(st.booleans())
    if kind == "location":
        target = draw(st.sampled_from(["rsc", "pattern", "sets"]))
        common: dict[str, Any] = dict(role=draw(st.none() | ROLE) if target != "sets" else None,
                                      resource_discovery=draw(st.none() | st.sampled_from(["always", "never",
                                                                                           "exclusive"])))
        if target == "rsc":
            common["rsc"] = draw(rsc)
        elif target == "pattern":
            common["rsc_pattern"] = draw(TEXT.filter(bool))
        else:
            common["sets"] = draw(resource_sets(con_id, names, "role", 1))
        if draw(st.booleans()):
            return Location(con_id, score=draw(SCORE), node=draw(st.sampled_from(unames)), **common)
        loc_rules: list[Rule] = []
        for i in range(draw(st.integers(1, 2))):
            loc_rules.append(draw(rules(ids.rule(con_id, i), id_pool)))
        earlier = [r for r in id_pool.location_rules if r.id not in {x.id for x in loc_rules}]
        id_pool.location_rules += loc_rules
        if earlier and draw(ONE_IN_FOUR):  # rule $id-ref=ID
            loc_rules.insert(draw(st.integers(0, len(loc_rules))), draw(st.sampled_from(earlier)))
        return Location(con_id, rules=tuple(loc_rules), **common)
    if kind == "colocation":
        attr = draw(st.none() | NAME)
        if two:
            return Colocation(con_id, draw(SCORE), draw(rsc), draw(rsc), draw(st.none() | ROLE), draw(st.none() | ROLE),
                              node_attribute=attr)
        return Colocation(con_id, draw(SCORE), sets=draw(resource_sets(con_id, names, "role", 2)), node_attribute=attr)
    if kind == "order":
        okind = draw(st.none() | st.sampled_from(list(OrderKind)))
        sym = draw(st.none() | st.booleans())
        action = st.none() | st.sampled_from(["start", "stop", "promote", "demote"])
        if two:
            return Order(con_id, draw(rsc), draw(rsc), draw(action), draw(action), okind, symmetrical=sym)
        return Order(con_id, order_kind=okind, symmetrical=sym, sets=draw(resource_sets(con_id, names, "action", 2)))
    policy = draw(st.none() | st.sampled_from(["stop", "demote", "fence", "freeze"]))
    ticket = draw(NAME.map(lambda n: f"t_{n}"))
    if two:
        return Ticket(con_id, ticket, draw(rsc), draw(st.none() | ROLE), policy)
    return Ticket(con_id, ticket, loss_policy=policy, sets=draw(resource_sets(con_id, names, "ticket", 1)))


@st.composite
def nodes(draw: Any, id_pool: Ids) -> Node:
    uname = id_pool.new("n")
    node_id = uname if draw(st.booleans()) else id_pool.new("1")
    attrs = tuple(draw(attr_sets(ids.node_set(node_id, "attributes", i), id_pool)) for i in range(draw(st.integers(0, 2))))
    util = tuple(draw(attr_sets(ids.node_set(node_id, "utilization", i), id_pool)) for i in range(draw(st.integers(0, 1))))
    return Node(node_id, uname, draw(st.sampled_from(["member", "remote", "ping"])), draw(st.none() | TEXT),
                attrs, util)


@st.composite
def fencing(draw: Any, unames: list[str]) -> tuple[FencingLevel, ...]:
    targets = draw(st.lists(st.sampled_from(["node", "attr", "pattern"]), max_size=3))
    levels: list[FencingLevel] = []
    used_nodes: set[str] = set()
    for n, shape in enumerate(targets):
        if shape == "node":
            free = [u for u in unames if u not in used_nodes]
            if not free:
                continue
            node = draw(st.sampled_from(free))
            used_nodes.add(node)
            key: dict[str, str] = {"target": node}
        elif shape == "attr":
            key = {"target_attribute": f"rack{n}", "target_value": draw(NAME)}
        else:
            key = {"target_pattern": f"p{n}-" + draw(NAME)}
        for index in range(1, draw(st.integers(1, 2)) + 1):
            devices = tuple(draw(st.lists(NAME.map(lambda d: f"st_{d}"), min_size=1, max_size=2)))
            levels.append(FencingLevel(ids.fencing_level(len(levels)), index, devices, **key))  # type: ignore[arg-type]
    return tuple(levels)


@st.composite
def configurations(draw: Any) -> Configuration:
    pool = Ids(draw)
    node_list = [draw(nodes(pool)) for _ in range(draw(st.integers(0, 3)))]
    unames = [n.uname for n in node_list] or ["n_default"]
    resources: dict[str, Any] = {}
    templates = [pool.new("t") for _ in range(draw(st.integers(0, 1)))]
    for t in templates:
        resources[t] = draw(primitives(t, pool, [], template=True))
    prims = [pool.new("p") for _ in range(draw(st.integers(1, 6)))]
    for p in prims:
        resources[p] = draw(primitives(p, pool, templates))
    free = list(prims)
    groups = []
    for _ in range(draw(st.integers(0, 2))):
        if not free:
            break
        members = draw(st.lists(st.sampled_from(free), min_size=1, max_size=3, unique=True))
        free = [f for f in free if f not in members]
        gid = pool.new("g")
        groups.append(gid)
        resources[gid] = Group(gid, tuple(members), draw(st.none() | TEXT),
                               draw(set_lists(gid, "instance_attributes", pool, 1)),
                               draw(set_lists(gid, "meta_attributes", pool, 1)))
    for _ in range(draw(st.integers(0, 2))):
        choices = free + groups
        if not choices:
            break
        child = draw(st.sampled_from(choices))
        free = [f for f in free if f != child]
        groups = [g for g in groups if g != child]
        cid = pool.new("c")
        meta = list(draw(set_lists(cid, "meta_attributes", pool, 1)))
        if draw(st.booleans()):
            meta.append(AttrSet(ids.attr_set(cid, "meta_attributes", len(meta)), (("promotable", "true"),)))
        legacy = draw(st.booleans())
        promotable = legacy or is_true(merged(tuple(meta)).get("promotable"))
        resources[cid] = Clone(cid, child, promotable, legacy, draw(st.none() | TEXT),
                               draw(set_lists(cid, "instance_attributes", pool, 1)), tuple(meta))
    def sets_of(owner: str, kind: str) -> st.SearchStrategy[tuple[AttrSet, ...]]:
        return set_lists(owner, kind, pool, 1)

    for _ in range(draw(st.integers(0, 2))):
        inside = draw(st.sampled_from(free)) if free and draw(st.booleans()) else None
        free = [f for f in free if f != inside]
        bid = pool.new("b")
        resources[bid] = draw(bundles(bid, inside, pool.new, sets_of))
    names = [r for r in resources]
    cons = [draw(constraints(pool.new("con"), names, unames, pool)) for _ in range(draw(st.integers(0, 4)))]
    tags = [Tag(pool.new("tag"), tuple(draw(st.lists(st.sampled_from(names), min_size=1, max_size=3))))
            for _ in range(draw(st.integers(0, 1)))]

    def cluster_sets(default: str) -> tuple[AttrSet, ...]:
        out = []
        for i in range(draw(st.integers(0, 2))):
            set_id = default if i == 0 and draw(st.booleans()) else pool.new("opts")
            pool.used.add(set_id)
            out.append(draw(attr_sets(set_id, pool, scored=False, fixed_id=True, refer=False)))
        return tuple(out)

    roles, targets = draw(acls(pool.new, names))
    config = Configuration(tuple(node_list), resources, tuple(cons),  # type: ignore[arg-type]
                           cluster_sets(ids.PROPERTY_SET), cluster_sets(ids.RSC_DEFAULTS_SET),
                           cluster_sets(ids.OP_DEFAULTS_SET), draw(fencing([n.uname for n in node_list])), tuple(tags),
                           roles, targets, tuple(draw(alerts(pool.new, sets_of)) for _ in range(draw(st.integers(0, 2)))))
    return canonical(config)
