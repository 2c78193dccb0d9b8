"""Property: any well-formed model exports to a document that imports back, and the export of that
import is the same document (ids made up once are kept; nothing drifts on a second trip).

Models are random: resources of every kind, attribute sets with rules and scores, operations,
constraints of every kind with sets, ids missing ("") or colliding on purpose.
"""

from __future__ import annotations

import os

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hastack.cib import parse_cib, to_xml
from hastack.errors import HastackError
from hastack.model import (
    AgentRef, AttrSet, Clone, Colocation, Configuration, DateExpression, Expression, Group, Location, Node, Op,
    Order, OrderKind, Primitive, ResourceSet, Role, Rule, Ticket, scores,
)

IDS = st.sampled_from(["", "", "", "x", "y", "r1", "set", "rule", "c1"])
NAMES = st.text(st.characters(min_codepoint=33, max_codepoint=0x2FF, exclude_characters="<>&\"'"), min_size=1,
                max_size=8)
VALUES = st.text(st.characters(min_codepoint=32, max_codepoint=0xD7FF), max_size=10)
SCORES = st.one_of(st.none(), st.sampled_from([scores.INFINITY, -scores.INFINITY, 0, 5, -30]))
ROLES = st.one_of(st.none(), st.sampled_from(list(Role)))


def expressions() -> st.SearchStrategy[Expression | DateExpression]:
    expr = st.builds(Expression, IDS, NAMES, st.sampled_from(["eq", "ne", "lt", "defined"]),
                     value=st.one_of(st.none(), VALUES), type=st.sampled_from([None, "string", "integer"]))
    date = st.builds(DateExpression, IDS, st.sampled_from(["lt", "date_spec"]),
                     start=st.sampled_from([None, "2024-01-01"]),
                     date_spec=st.sampled_from([(), (("hours", "9-17"),)]))
    return st.one_of(expr, date)


RULES = st.recursive(
    st.builds(Rule, IDS, st.tuples(expressions()), score=SCORES, boolean_op=st.sampled_from(["and", "or"]),
              role=ROLES),
    lambda inner: st.builds(Rule, IDS, st.lists(st.one_of(expressions(), inner), max_size=3).map(tuple),
                            score=SCORES),
    max_leaves=4,
)
SETS = st.lists(st.builds(AttrSet, IDS, st.lists(st.tuples(NAMES, VALUES), max_size=3).map(tuple),
                          score=st.sampled_from([None, 1, 10]), rule=st.one_of(st.none(), RULES)),
                max_size=2).map(tuple)
OPS = st.lists(st.builds(Op, IDS, st.sampled_from(["monitor", "start", "stop"]),
                         interval_ms=st.sampled_from([0, 10_000, 90_000, 1500]),
                         timeout_ms=st.sampled_from([None, 20_000]), role=ROLES,
                         enabled=st.booleans(), params=SETS), max_size=3).map(tuple)


@st.composite
def configurations(draw: st.DrawFn) -> Configuration:
    resources: dict[str, object] = {}
    agent = AgentRef("ocf", "Dummy", "pacemaker")
    n = draw(st.integers(1, 6))
    names = [f"r{i}" for i in range(n)]
    for name in names:
        resources[name] = Primitive(name, agent, params=draw(SETS), meta=draw(SETS), ops=draw(OPS))
    if n >= 2 and draw(st.booleans()):
        resources["g"] = Group("g", (names[0], names[1]), meta=draw(SETS))
        resources["cl"] = Clone("cl", "g", promotable=draw(st.booleans()), legacy_master=draw(st.booleans()),
                                meta=draw(SETS))
    refs = st.sampled_from(names + ["cl"] if "cl" in resources else names)
    rsets = st.lists(st.builds(ResourceSet, IDS, st.lists(refs, min_size=1, max_size=3).map(tuple),
                               sequential=st.sampled_from([None, True, False]), role=ROLES,
                               kind=st.sampled_from([None, OrderKind.OPTIONAL])), min_size=1, max_size=2).map(tuple)
    constraints = draw(st.lists(st.one_of(
        st.builds(Location, IDS, rsc=refs, score=st.sampled_from([0, 100]), node=st.just("n1"), role=ROLES),
        st.builds(Location, IDS, rsc=refs, rules=st.lists(RULES, min_size=1, max_size=2).map(tuple)),
        st.builds(Colocation, IDS, st.sampled_from([0, 50, scores.INFINITY]), rsc=refs, with_rsc=refs,
                  rsc_role=ROLES),
        st.builds(Colocation, IDS, st.just(10), sets=rsets),
        st.builds(Order, IDS, first=refs, then=refs, order_kind=st.sampled_from([None, OrderKind.OPTIONAL]),
                  score=st.sampled_from([None, 0]), symmetrical=st.sampled_from([None, False])),
        st.builds(Order, IDS, sets=rsets),
        st.builds(Ticket, IDS, st.just("T"), rsc=refs, loss_policy=st.sampled_from([None, "stop"])),
    ), max_size=5))
    nodes = (Node("1", "n1", attributes=draw(SETS)),)
    return Configuration(nodes=nodes, resources=resources, constraints=tuple(constraints),  # type: ignore[arg-type]
                         properties=draw(SETS), rsc_defaults=draw(SETS), op_defaults=draw(SETS))


@settings(max_examples=int(os.environ.get("HASTACK_FUZZ_EXAMPLES", "100")), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(configurations())
def test_export_is_a_fixed_point(config: Configuration) -> None:
    try:
        first = to_xml(config)
    except HastackError:
        return
    imported = parse_cib(first, "export.xml")
    second = to_xml(imported.config, imported.state)
    assert second == first
    # Referenced ids are never renamed, and top-level order (Pacemaker's tie-break) is kept.
    assert set(imported.config.resources) == set(config.resources)
    assert [r.id for r in imported.config.top_level] == [r.id for r in config.top_level]
    assert parse_cib(second).config == imported.config
