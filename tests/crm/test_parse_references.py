"""References, names without a value, rule forms and resource-set options in crm text."""

from __future__ import annotations

import pytest

from hastack.crm import parse, render
from hastack.crm.merge import merge_update
from hastack.errors import ConfigError
from hastack.model import AttrSet, Expression, Location, PairId, PairRef, Primitive, ResourceSet, Role
from hastack.model.scores import INFINITY


def config(text: str):  # type: ignore[no-untyped-def]
    return parse(text, "t.crm").config


def error(text: str) -> str:
    with pytest.raises(ConfigError) as err:
        parse(text, "t.crm")
    return err.value.render()


def same_after_render(text: str) -> None:
    cfg = config(text)
    assert parse(render(cfg)).config == cfg, render(cfg)


# --- attribute list references ---------------------------------------------------------------------

def test_id_ref_holds_the_set_it_names() -> None:
    cfg = config("primitive a Dummy params $id=on-state state=1\nprimitive b Dummy params $id-ref=on-state\n")
    b = cfg.resources["b"]
    assert b.params == (AttrSet("on-state", (("state", "1"),), id_ref="on-state"),)  # as the CIB import holds it
    assert "params $id-ref=on-state" in render(cfg)


def test_id_ref_to_an_object_is_its_first_set_of_that_kind_as_crmsh_reads_it() -> None:
    cfg = config("primitive b Dummy meta $id-ref=a params $id-ref=a\n"
                 "primitive a Dummy params x=1 params y=2 meta target-role=Stopped\n")
    b = cfg.resources["b"]
    assert [s.id_ref for s in b.params + b.meta] == ["a-instance_attributes", "a-meta_attributes"]
    assert b.meta[0].pairs == (("target-role", "Stopped"),)


def test_nvpair_references_and_named_pairs() -> None:
    cfg = config("primitive vip IPaddr2 params $vip:ip=10.0.0.1 $shared=x\n"
                 "primitive web apache params @vip:server_ip @shared port=80\n")
    vip, web = cfg.resources["vip"], cfg.resources["web"]
    assert vip.params[0].pair_ids == (PairId("ip", "vip"), PairId("shared", "shared"))
    assert web.params[0].pairs == (("server_ip", "10.0.0.1"), ("shared", "x"), ("port", "80"))
    assert web.params[0].pair_refs == (PairRef("server_ip", "vip", True), PairRef("shared", "shared"))
    assert "params @vip:server_ip @shared port=80" in render(cfg)
    same_after_render("primitive a Dummy params $v:ip=1\nprimitive b Dummy op monitor interval=10s @v:host\n")


def test_a_reference_can_name_the_nvpair_id_the_cib_gives() -> None:
    cfg = config("primitive a Dummy params ip=1\nprimitive b Dummy params @a-instance_attributes-ip:host\n")
    assert cfg.resources["b"].params[0].pairs == (("host", "1"),)


def test_rule_and_operations_references() -> None:
    cfg = config("location l1 a rule $id=near 50: #uname eq n1\nlocation l2 b rule $id-ref=near\n"
                 "primitive a Dummy operations $id=ops op monitor interval=10s\n"
                 "primitive b Dummy operations $id-ref=ops\nprimitive c Dummy operations $id-ref=a\n")
    l1, l2 = cfg.constraints
    assert isinstance(l2, Location) and l2.rules == l1.rules  # an equal copy, as the CIB import expands it
    a, b, c = (cfg.resources[k] for k in "abc")
    assert isinstance(b, Primitive) and b.ops == a.ops and b.ops_ref == "ops" and c.ops_ref == "ops"
    text = render(cfg)
    assert "rule $id-ref=near" in text and "operations $id-ref=ops" in text and "operations $id=ops" in text
    assert parse(text).config == cfg


@pytest.mark.parametrize("text, message", [
    ("primitive p Dummy params @nothing\n", "@nothing refers to no attribute"),
    ("primitive p Dummy params $id-ref=nothing\n", "$id-ref=nothing refers to no attribute set"),
    ("location l p rule $id-ref=nothing\nprimitive p Dummy\n", "rule $id-ref=nothing refers to no rule"),
    ("primitive p Dummy operations $id-ref=nothing\n", "operations $id-ref=nothing refers to no operations"),
    ("primitive p Dummy operations $id-ref=x op start\n", "has no `op` of its own"),
    ("primitive p Dummy params $id=x a=1 $id=y\n", "`$id=` is not a pair; here it comes too late"),
    ("primitive p Dummy params @x=1\n", "a reference takes its value from the nvpair it names"),
])
def test_reference_errors(text: str, message: str) -> None:
    err = error(text)
    assert message in err and "t.crm:1:" in err


def test_load_update_reads_references_again() -> None:
    old = config("primitive a Dummy params $id=s $v:x=1\nprimitive b Dummy params $id-ref=s\n"
                 "primitive c Dummy params @v\n")
    new = merge_update(old, config("primitive a Dummy params $id=s $v:x=2\n"))
    assert new.resources["b"].params[0].pairs == (("x", "2"),) and new.resources["c"].params[0].pairs == (("x", "2"),)
    with pytest.raises(ConfigError, match="refers to no attribute"):
        merge_update(old, config("primitive a Dummy params y=1\n"))


# --- names without a value ---------------------------------------------------------------------

def test_a_name_without_a_value_is_kept_and_warned_about() -> None:
    result = parse("primitive p Dummy params foo ip= bar op monitor interval=10s depth\nproperty maintenance\n",
                   "t.crm")
    p = result.config.resources["p"]
    assert p.params[0].pairs == (("ip", ""),) and p.params[0].unset == ("foo", "bar")
    assert p.ops[0].params[0].unset == ("depth",) and result.config.properties[0].unset == ("maintenance",)
    assert [w.message for w in result.warnings] == [f"{n!r} has no value; Pacemaker ignores an attribute without one"
                                                    for n in ("foo", "bar", "depth", "maintenance")]
    same_after_render("primitive p Dummy params foo ip= bar op monitor interval=10s depth\n")


def test_a_misspelt_keyword_in_a_list_says_what_it_may_be() -> None:
    result = parse("primitive p Dummy params ip=1 opp monitor interval=10s\n", "t.crm")
    assert "did you mean 'op'?" in result.warnings[0].render()


# --- rules -------------------------------------------------------------------------------------

@pytest.mark.parametrize("spelling, score, attribute", [
    ("", INFINITY, None), ("inf:", INFINITY, None), ("+inf:", INFINITY, None), ("-inf:", -INFINITY, None),
    ("INFINITY:", INFINITY, None), ("100:", 100, None), ("pingd:", None, "pingd"), ("[pingd]:", None, "pingd"),
])
def test_rule_scores(spelling: str, score: int | None, attribute: str | None) -> None:
    [loc] = config(f"location l a rule {spelling} defined pingd\n").constraints
    assert (loc.rules[0].score, loc.rules[0].score_attribute) == (score, attribute)


def test_a_rule_without_a_score_from_xml_says_what_pacemaker_reads() -> None:
    from hastack.model import Rule
    loc = Location("l", rsc="a", rules=(Rule("l-rule", (Expression("e", "#uname", "eq", "n1"),)),))
    assert "rule 0: #uname eq n1" in render(parse("primitive a Dummy\n").config.__class__(constraints=(loc,)))


def test_typed_comparisons_value_sources_and_builtin_attributes() -> None:
    [loc] = config("location l a rule -50: #cluster-name eq c1 and v version:gt 1.0 and n number:lte 0 and "
                   "s string:ne x and #uname eq param{host} and z integer:gte meta{size}\n").constraints
    e = loc.rules[0].expressions
    assert [(x.attribute, x.operation, x.type, x.value, x.value_source) for x in e] == [  # type: ignore[union-attr]
        ("#cluster-name", "eq", None, "c1", None), ("v", "gt", "version", "1.0", None),
        ("n", "lte", "number", "0", None), ("s", "ne", "string", "x", None),
        ("#uname", "eq", None, "host", "param"), ("z", "gte", "integer", "size", "meta")]
    same_after_render("location l a rule #uname eq param{host} or a eq \"x{y}\"\n")
    assert "unknown value source 'bogus'" in error("location l a rule #uname eq bogus{x}\n")


def test_date_expressions_and_boolean_chains() -> None:
    same_after_render("location l a rule 5: date gt 2024-01-01 and date lt 2025-01-01 and "
                      "date in start=2024-01-01 end=2024-02-01 and date in start=2024-01-01 months=2 and "
                      "date spec hours=9-17 weekdays=1-5\nlocation m a rule not_defined p or p number:lte 0\n")


# --- resource sets -----------------------------------------------------------------------------

def test_set_options_inside_brackets() -> None:
    cfg = config("colocation c inf: a ( b c sequential=true ) [ d e ]\n"
                 "order o Mandatory: a ( b c require-all=false ) [ d e sequential=true ] symmetrical=false\n"
                 "order p 0: ( a b action=promote ) c\ncolocation d -inf: ( a b role=Promoted ) c\n")
    c, d, o, p = cfg.constraints
    assert [(s.sequential, s.require_all) for s in c.sets] == [(None, None), (True, None), (False, False)]
    assert [(s.sequential, s.require_all) for s in o.sets] == [(None, None), (False, False), (True, False)]
    assert p.sets[0].action == "promote" and d.sets[0].role is Role.PROMOTED
    assert parse(render(cfg)).config == cfg


def test_location_with_resource_sets() -> None:
    cfg = config("location l1 { a b:Started } 10: n1\nlocation l2 { a ( b c ) } rule 10: #uname eq n1\n")
    l1, l2 = cfg.constraints
    assert l1.sets == (ResourceSet("l1-0", ("a",)), ResourceSet("l1-1", ("b",), role=Role.STARTED))
    assert l2.sets[1] == ResourceSet("l2-1", ("b", "c"), sequential=False)
    assert "gives the role per set" in error("location l { a } role=Promoted 10: n1\n")


def test_the_older_place_of_a_location_role() -> None:
    [loc] = config("location l a 100: n1 role=Master\n").constraints
    assert loc == Location("l", rsc="a", score=100, node="n1", role=Role.PROMOTED)
