"""Bad CIB input gives a ConfigError that says what, where (file:line:column) and how to fix it."""

from __future__ import annotations

import pytest

from hastack.cib import parse_cib
from hastack.errors import ConfigError, Diagnostic

HEAD = '<cib validate-with="pacemaker-3.9" epoch="1" num_updates="0" admin_epoch="0">\n<configuration>\n'
TAIL = "</configuration>\n<status/>\n</cib>\n"


def doc(resources: str = "", constraints: str = "") -> str:
    return (HEAD + "<crm_config/>\n<nodes/>\n<resources>\n" + resources + "</resources>\n<constraints>\n"
            + constraints + "</constraints>\n" + TAIL)


def errors(text: str) -> list[Diagnostic]:
    with pytest.raises(ConfigError) as info:
        parse_cib(text, "in.xml")
    assert info.value.render().endswith("nothing was changed.")
    return info.value.errors


def where(d: Diagnostic) -> tuple[int, int]:
    assert d.location is not None and d.location.file == "in.xml"
    return d.location.line, d.location.column


@pytest.mark.parametrize("text, line, column, words", [
    # libxml2 reports the 1-based column where it noticed the problem.
    ("<cib>\n  <configuration>\n</cib>", 3, 7, "Opening and ending tag mismatch"),
    ('<cib>\n<configuration x=1/>', 2, 18, "AttValue"),
    ("", 1, 1, "Document is empty"),
    ("<cib", 1, 5, "Couldn't find end of Start Tag"),
    ('<?xml version="1.0"?>\n<cib>\n<configuration>&bogus;</configuration></cib>', 3, 23, "bogus"),
])
def test_malformed_xml(text: str, line: int, column: int, words: str) -> None:
    (d,) = errors(text)
    assert d.message.startswith("XML is not well-formed")
    assert words in d.message
    assert where(d) == (line, column)
    assert d.render().startswith(f"in.xml:{line}:{column}: error: XML is not well-formed")


def test_non_text_input_is_an_error_not_a_crash() -> None:
    (d,) = errors(b"\xff\xfe\x00<\x00c\x00")
    assert "not well-formed" in d.message or "cannot read" in d.message


def test_unencodable_text_is_an_error_not_a_crash() -> None:
    (d,) = errors("<cib>\ud800</cib>")
    assert "cannot be read as XML" in d.message


def test_wrong_root_element() -> None:
    (d,) = errors("<resources/>")
    assert "expected a <cib> or <configuration> document" in d.message and where(d) == (1, 1)


def test_unknown_element_where_a_resource_is_expected() -> None:
    text = doc('  <primitive id="a" class="lsb" type="a"/>\n  <primtive id="b" class="lsb" type="b"/>\n')
    (d,) = errors(text)
    assert "unexpected <primtive> where a resource is expected" in d.message
    assert where(d) == (7, 3)
    assert "<primitive>" in d.hint
    assert d.render().splitlines()[1:3] == ['      <primtive id="b" class="lsb" type="b"/>',
                                            "      ^^^^^^^^^"]  # the start tag is underlined


def test_clone_with_two_children_and_resource_inside_primitive() -> None:
    text = doc('<clone id="c">\n<primitive id="a" class="lsb" type="a"/>\n<primitive id="b" class="lsb" type="b"/>\n'
               '</clone>\n<primitive id="p" class="lsb" type="p"><group id="g"/></primitive>\n')
    messages = [d.message for d in errors(text)]
    assert any("must contain exactly one primitive or group (found 2)" in m for m in messages)
    assert any("unexpected <group> inside <primitive> 'p'" in m for m in messages)


@pytest.mark.parametrize("snippet, attr, words", [
    ('<rsc_location id="l" rsc="a" node="n1" score="very"/>', "score", "invalid score 'very'"),
    ('<rsc_colocation id="c" rsc="a" with-rsc="b" score="INFINITY" rsc-role="Leader"/>', "rsc-role",
     "invalid role 'Leader'"),
    ('<rsc_order id="o" first="a" then="b" kind="Sometimes"/>', "kind", "invalid value 'Sometimes'"),
    ('<rsc_order id="o" first="a" then="b" symmetrical="perhaps"/>', "symmetrical", "invalid boolean"),
    ('<rsc_ticket id="t" rsc="a" ticket="T" loss-policy="explode"/>', "loss-policy", "invalid value 'explode'"),
])
def test_bad_constraint_values_point_at_the_attribute(snippet: str, attr: str, words: str) -> None:
    text = doc('<primitive id="a" class="lsb" type="a"/>\n', snippet + "\n")
    (d,) = errors(text)
    assert words in d.message
    line = text.splitlines().index(snippet) + 1
    assert where(d) == (line, snippet.index(f" {attr}=") + 2)
    assert d.hint


@pytest.mark.parametrize("op, words", [
    ('<op id="o" name="monitor" interval="10 fortnights"/>', "invalid duration '10 fortnights'"),
    ('<op id="o" name="monitor" interval="10s" timeout="soon"/>', "invalid duration 'soon'"),
    ('<op id="o" name="monitor" interval="10s" role="Boss"/>', "invalid role 'Boss'"),
    ('<op id="o" name="monitor" interval="10s" enabled="maybe"/>', "invalid boolean 'maybe'"),
    ('<op id="o" interval="10s"/>', "missing the required attribute 'name'"),
])
def test_bad_operations(op: str, words: str) -> None:
    text = doc(f'<primitive id="a" class="lsb" type="a">\n<operations>\n{op}\n</operations>\n</primitive>\n')
    (d,) = errors(text)
    assert words in d.message
    assert where(d)[0] == 8


@pytest.mark.parametrize("resource, words", [
    ('<primitive class="lsb" type="a"/>', "<primitive> is missing the required attribute 'id'"),
    ('<primitive id="a" class="ocf" type="Dummy"/>', "an ocf resource needs a provider"),
    ('<primitive id="a" type="Dummy"/>', "has a type but no class"),
    ('<primitive id="a"/>', "names neither an agent nor a template"),
    ('<group id="g"/>', "group 'g' has no members"),
])
def test_incomplete_resources(resource: str, words: str) -> None:
    (d,) = errors(doc(resource + "\n"))
    assert words in d.message and where(d)[0] == 6


def test_duplicate_ids_and_dangling_references() -> None:
    text = doc('<primitive id="a" class="lsb" type="a">\n'
               '<meta_attributes id-ref="nowhere"/>\n'
               '<instance_attributes id="a"><nvpair id-ref="nothing"/></instance_attributes>\n'
               '</primitive>\n',
               '<rsc_location id="l" rsc="a"><rule id-ref="gone"/></rsc_location>\n')
    messages = [d.message for d in errors(text)]
    assert any("id 'a' is used twice (first at line 6)" in m for m in messages)
    assert any("refers to no attribute set" in m for m in messages)
    assert any("refers to no nvpair" in m for m in messages)
    assert any("refers to no rule" in m for m in messages)


def test_bad_rules() -> None:
    text = doc('<primitive id="a" class="lsb" type="a"/>\n',
               '<rsc_location id="l" rsc="a">\n<rule id="r" score="1">\n'
               '<expression id="e" attribute="#uname" operation="like" value="x"/>\n'
               '<rsc_expression id="x" class="ocf"/>\n<date_expression id="d" operation="soon"/>\n'
               '</rule>\n</rsc_location>\n')
    messages = [d.message for d in errors(text)]
    assert any("operation: invalid value 'like'" in m for m in messages)
    assert any("<rsc_expression> is only meaningful in rsc_defaults and op_defaults rules" in m for m in messages)
    assert any("operation: invalid value 'soon'" in m for m in messages)


def test_bad_status() -> None:
    text = (HEAD + "<crm_config/><nodes/><resources/><constraints/>\n</configuration>\n<status>\n"
            '<node_state id="1" uname="n1"><lrm id="1"><lrm_resources><lrm_resource id="a" class="lsb" type="a">\n'
            '<lrm_rsc_op id="a_start_0" operation="start" call-id="x" rc-code="0" op-status="0" interval="0"/>\n'
            '<lrm_rsc_op id="a_stop_0" operation="stop" rc-code="0" op-status="0" interval="0"/>\n'
            "</lrm_resource></lrm_resources></lrm></node_state>\n</status>\n</cib>\n")
    ds = errors(text)
    assert any("call-id: invalid integer 'x'" in d.message and where(d) == (7, 46) for d in ds)
    assert any("missing the required attribute 'call-id'" in d.message and where(d)[0] == 8 for d in ds)


def test_bad_header_values() -> None:
    ds = errors(doc().replace("<cib ", '<cib execution-date="yesterday" have-quorum="sort of" '))
    assert {d.message.split(":")[0] for d in ds} == {"<cib> attribute execution-date", "<cib> attribute have-quorum"}


def test_every_problem_is_reported_at_once() -> None:
    text = doc('<primitive id="a" class="lsb" type="a">\n<operations>\n'
               '<op id="o1" name="monitor" interval="bad"/>\n<op id="o2" name="monitor" interval="1s" role="x"/>\n'
               '</operations>\n</primitive>\n', '<rsc_location id="l" rsc="a" node="n" score="x"/>\n')
    assert len(errors(text)) == 3


def test_warnings_do_not_refuse_the_input() -> None:
    text = doc('<primitive id="a" class="lsb" type="a"><instance_attributes id="ia">'
               '<nvpair id="n" name="empty"/></instance_attributes></primitive>\n')
    cib = parse_cib(text.replace("<nodes/>", "<nodes/><acls><acl_role id='r'/></acls>"))
    assert [w.message for w in cib.warnings] == [
        "nvpair 'empty' has no value and is ignored (as Pacemaker ignores it)",
    ]
    assert cib.config.resources["a"].params[0].unset == ("empty",)  # kept for export


def test_references_to_nothing_are_warnings() -> None:
    text = doc('<primitive id="a" template="nope"/>\n',
               '<rsc_order id="o" first="a" then="ghost"/>\n'
               '<rsc_colocation id="c" score="1"><resource_set id="s"><resource_ref id="phantom"/>'
               '</resource_set></rsc_colocation>\n')
    cib = parse_cib(text, "in.xml")
    assert [w.message for w in cib.warnings] == [
        "primitive 'a' uses template 'nope', which is not defined",
        "order constraint 'o' refers to 'ghost', which is neither a resource nor a tag; "
        "Pacemaker ignores the constraint",
        "colocation constraint 'c' refers to 'phantom', which is neither a resource nor a tag; "
        "Pacemaker ignores the constraint",
    ]
    assert [where(w) for w in cib.warnings] == [(6, 1), (9, 1), (10, 1)]


def test_unknown_attributes_of_constraints_are_refused_where_they_are() -> None:
    """The schema allows no other attribute on a constraint or resource set: crm_verify refuses it."""
    snippet = '<rsc_location id="l" rsc="a" node="n1" score="5" scroe="7"/>'
    text = doc('<primitive id="a" class="lsb" type="a"/>\n', snippet + "\n")
    (e,) = errors(text)
    assert e.message == "<rsc_location> has no attribute 'scroe'" and e.hint.startswith("did you mean 'score'?")
    assert where(e) == (text.splitlines().index(snippet) + 1, snippet.index("scroe") + 1)
    # a running cluster's CIB that is not validated: Pacemaker ignores it, and so does hastack simulate
    unvalidated = text.replace('validate-with="pacemaker-', 'validate-with="none" was="', 1)
    (w,) = parse_cib(unvalidated, "in.xml", running=True).warnings
    assert w.message == "unknown attribute 'scroe' on <rsc_location> is ignored"
    assert where(w) == where(e)
    order = doc('<primitive id="a" class="lsb" type="a"/>\n<primitive id="b" class="lsb" type="b"/>\n',
                '<rsc_order id="o" first="a" then="b" knd="Optional"/>\n')
    assert [e.message for e in errors(order)] == ["<rsc_order> has no attribute 'knd'"]


def test_unknown_attributes_elsewhere_are_warned_about() -> None:
    snippet = '<primitive id="a" class="lsb" type="a" scroe="7"/>'
    (w,) = parse_cib(doc(snippet + "\n"), "in.xml").warnings
    assert w.message == "unknown attribute 'scroe' on <primitive> is ignored"


def test_an_unreadable_colocation_influence_is_the_default_in_a_running_cluster() -> None:
    """unpack_influence: Pacemaker logs an error and uses the dependent's critical meta-attribute;
    a configuration being loaded is refused."""
    prims = '<primitive id="a" class="lsb" type="a"/>\n<primitive id="b" class="lsb" type="b"/>\n'
    text = doc(prims, '<rsc_colocation id="c" rsc="a" with-rsc="b" score="INFINITY" influence="invalid"/>\n')
    (e,) = errors(text)
    assert e.message.startswith("<rsc_colocation> attribute influence:")
    cib = parse_cib(text, "in.xml", running=True)
    (w,) = cib.warnings
    assert "unpack_influence" in w.message and where(w) == where(e)
    (c,) = [k for k in cib.config.constraints if k.id == "c"]
    assert c.influence is None  # the default: the dependent's critical meta-attribute
