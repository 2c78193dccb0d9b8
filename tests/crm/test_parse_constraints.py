"""location, colocation, order, rsc_ticket and resource sets."""

from __future__ import annotations

import pytest

from hastack.crm import parse, render
from hastack.errors import ConfigError
from hastack.model import Colocation, Configuration, Location, Order, OrderKind, ResourceSet, Role, Ticket
from hastack.model.scores import INFINITY

RES = "primitive a Dummy\nprimitive b Dummy\nprimitive c Dummy\nprimitive d Dummy\n"


def con(text: str):  # type: ignore[no-untyped-def]
    [c] = parse(RES + text).config.constraints
    return c


def err(text: str) -> str:
    with pytest.raises(ConfigError) as e:
        parse(RES + text, "t.crm")
    return e.value.render()


@pytest.mark.parametrize("spelling, value", [
    ("inf", INFINITY), ("+inf", INFINITY), ("INFINITY", INFINITY), ("-inf", -INFINITY), ("-INFINITY", -INFINITY),
    ("mandatory", INFINITY), ("advisory", 0), ("100", 100), ("-5", -5), ("2000000", INFINITY),
])
def test_score_spellings(spelling: str, value: int) -> None:
    assert con(f"colocation c1 {spelling}: a b\n").score == value


def test_location_node_score_role_discovery() -> None:
    loc = con("location l1 a role=Master resource-discovery=never 100: node1\n")
    assert loc == Location("l1", rsc="a", score=100, node="node1", role=Role.PROMOTED, resource_discovery="never")


def test_location_rules() -> None:
    loc = con("location l1 a rule $role=Promoted -inf: not_defined pingd or pingd number:lte 0 "
              "rule pingd: defined pingd rule 10: date spec hours=9-17 weekdays=1-5\n")
    r0, r1, r2 = loc.rules
    assert r0.role is Role.PROMOTED and r0.score == -INFINITY and r0.boolean_op == "or"
    assert [(e.operation, e.attribute, e.type, e.value) for e in r0.expressions] == [
        ("not_defined", "pingd", None, None), ("lte", "pingd", "number", "0")]
    # crmsh's ids (tests/data/crmsh/forms.xml): expressions named after their rule
    assert (r0.id, r0.expressions[0].id, r0.expressions[1].id) == ("l1-rule", "l1-rule-expression",
                                                                    "l1-rule-expression-0")
    assert r1.score_attribute == "pingd" and (r1.id, r1.expressions[0].id) == ("l1-rule-0", "l1-rule-0-expression")
    assert r2.expressions[0].date_spec == (("hours", "9-17"), ("weekdays", "1-5"))


def test_rule_role_without_dollar_as_crmsh_reads_it() -> None:
    loc = con("location l1 a rule $id=r9 role=unpromoted 5: #uname eq n1\n")
    [r] = loc.rules
    assert (r.id, r.role, r.score) == ("r9", Role.UNPROMOTED, 5)
    assert "rule $id=r9 $role=Unpromoted 5: #uname eq n1" in render(Configuration(constraints=(loc,)))


def test_location_pattern_and_sets() -> None:
    assert con("location l1 /p_.*/ 10: n1\n").rsc_pattern == "p_.*"
    assert con("location l1 { a b } 10: n1\n").sets == (ResourceSet("l1-0", ("a", "b")),)


def test_colocation_two_resources_keeps_direction_and_roles() -> None:
    c = con("colocation c1 inf: a b:Master\n")
    assert c == Colocation("c1", INFINITY, rsc="a", with_rsc="b", with_rsc_role=Role.PROMOTED)


def test_collocation_alias_and_node_attribute() -> None:
    assert con("collocation c1 -inf: a b node-attribute=rack\n").node_attribute == "rack"


def test_colocation_sets_split_on_role_and_brackets() -> None:
    c = con("colocation c1 inf: a b:Promoted c:Promoted ( d ) \n")
    assert c.sets == (ResourceSet("c1-0", ("a",)), ResourceSet("c1-1", ("b", "c"), role=Role.PROMOTED),
                      ResourceSet("c1-2", ("d",), sequential=False))
    c2 = con("colocation c1 inf: [ a b ] (c d sequential=true)\n")
    assert c2.sets == (ResourceSet("c1-0", ("a", "b"), sequential=False, require_all=False),
                       ResourceSet("c1-1", ("c", "d"), sequential=True))


def test_order_kinds_scores_actions() -> None:
    o = con("order o1 Mandatory: a:promote b:start symmetrical=false\n")
    assert o == Order("o1", "a", "b", "promote", "start", OrderKind.MANDATORY, symmetrical=False)
    assert con("order o1 0: a b\n").order_kind is OrderKind.OPTIONAL
    assert con("order o1 inf: a b\n").order_kind is OrderKind.MANDATORY  # crmsh's score_to_kind
    assert con("order o1 serialize: a b\n").order_kind is OrderKind.SERIALIZE
    assert con("order o1 a b\n").order_kind is None


def test_order_sets() -> None:
    o = con("order o1 Optional: a b:stop c:stop [ d ]\n")
    assert [(s.resources, s.action, s.sequential, s.require_all) for s in o.sets] == [
        (("a",), None, None, None), (("b", "c"), "stop", None, None), (("d",), None, False, False)]


def test_ticket() -> None:
    t = con("rsc_ticket t1 ticketA: a:Master loss-policy=demote\n")
    assert t == Ticket("t1", "ticketA", "a", Role.PROMOTED, "demote")
    assert len(con("rsc_ticket t1 ticketA: a b\n").sets) == 1


@pytest.mark.parametrize("text, message, hint", [
    ("order o1 sometimes: a b\n", "invalid kind 'sometimes'", "Mandatory:"),
    ("order o1 inf: a:explode b\n", "invalid action 'explode' for 'a'", "start, stop, promote, demote"),
    ("order o1 inf: a:strat b\n", "invalid action 'strat' for 'a'", "did you mean 'start'?"),
    ("colocation c1 inf: a:Bogus b\n", "invalid role 'Bogus' for 'a'", ""),
    ("location l1 a 100 node1\n", "expected SCORE: for location, found '100'", "add a colon: `100:`"),
    ("colocation c1 inf: a\n", "colocation needs at least 2 resource(s)", ""),
    ("colocation c1 inf: a ( b\n", "'(' is never closed", ""),
    ("colocation c1 inf: a ( ) b\n", "empty resource set", ""),
    ("location l1 a rule #uname equals n1\n", "unknown operator 'equals'", ""),
    ("location l1 a rule inf: #uname eq n1 and x eq 1 or y eq 2\n", "cannot mix `and` and `or`", ""),
    ("location l1 a rule inf: rack defined\n", "`defined` goes before the attribute name", "defined rack"),
    ("location l1 a 100: node1 node2\n", "unexpected 'node2'", "one node per location"),
    ("rsc_ticket t1 ticketA a\n", "expected TICKET:", ""),
    ("order o1 inf: a b symetrical=false\n", "unexpected 'symetrical=false'", "did you mean 'symmetrical'?"),
])
def test_constraint_errors(text: str, message: str, hint: str) -> None:
    rendered = err(text)
    assert message in rendered and hint in rendered, rendered
