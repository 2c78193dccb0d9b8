"""Semantic checks of a configuration (hastack.validate)."""

from __future__ import annotations

from collections.abc import Mapping

import pytest

from hastack.crm import parse
from hastack.errors import Diagnostic, Severity
from hastack.model import Configuration, Primitive
from hastack.model.values import AgentRef
from hastack.validate import check_crm_text, validate

BASE = "primitive a Dummy\nprimitive b Dummy\nprimitive c Dummy\nproperty stonith-enabled=false\n"


def findings(text: str, severity: Severity = Severity.ERROR) -> list[str]:
    result = check_crm_text(BASE + text, "v.crm")
    assert result.config is not None, [d.render() for d in result.diagnostics]
    return [d.render() for d in result.diagnostics if d.severity is severity]


def one(text: str, severity: Severity = Severity.ERROR) -> str:
    found = findings(text, severity)
    assert len(found) == 1, found
    return found[0]


def test_clean_configuration_has_no_findings() -> None:
    assert findings("group g a b\norder o Mandatory: g c\n") == []
    assert findings("", Severity.WARNING) == []


def test_undefined_group_member_with_did_you_mean_and_caret() -> None:
    text = one("group g a bb\n")
    assert "v.crm:5:11: error: group g refers to 'bb', which is not defined" in text
    assert "group g a bb\n              ^^" in text and "did you mean 'b'?" not in text  # 'bb' vs 'b': too far
    assert "did you mean 'p_long_name'?" in one("primitive p_long_name Dummy\ngroup g p_long_nam\n")


def test_undefined_references_everywhere() -> None:
    assert "clone cl refers to 'zz'" in one("clone cl zz\n")
    assert "p refers to 'tmpl'" in one("primitive p @tmpl\n")
    assert "col refers to 'zz'" in one("colocation col inf: a zz\n")
    assert "o refers to 'zz'" in one("order o inf: zz a b\n")
    assert "tag t refers to 'zz'" in one("tag t: a zz\n")
    assert "fencing_topology refers to 'st1'" in one("node n1\nfencing_topology n1: st1\n")
    assert findings("tag t: a b\nlocation l t 10: n1\n") == []  # constraints may name tags


def test_containment_rules() -> None:
    assert "b is listed twice in group g" in one("group g a b b\n")
    assert "b is already in group g1; it cannot also be in group g2" in one("group g1 a b\ngroup g2 b c\n")
    assert "groups contain primitives only" in one("group g1 a\ngroup g2 g1\n")
    assert "a clone contains a primitive or a group" in one("clone c1 a\nclone c2 c1\n")
    assert "a is already in group g" in one("group g a\nclone c1 a\n")


def test_duplicate_nested_ids() -> None:
    text = one("primitive d Dummy params $id=shared x=1\nprimitive e Dummy params $id=shared y=2\n")
    assert "duplicate id 'shared'" in text and "(at v.crm:5:" in text


def test_agent_class_and_provider_from_a_model() -> None:
    config = Configuration(resources={"x": Primitive("x", AgentRef("bogus", "t")),
                                      "y": Primitive("y", AgentRef("ocf", "t"))})
    messages = [d.message for d in validate(config) if d.severity is Severity.ERROR]
    assert "x: unknown resource agent class 'bogus'" in messages
    assert "y: an ocf agent needs a provider" in messages


def test_two_monitors_with_the_same_interval() -> None:
    text = one("primitive d Stateful op monitor interval=10s role=Master op monitor interval=10s role=Slave\n"
               "ms m d\n")
    assert "d has two monitor operations with the same interval (10s)" in text and "29s" in text


def test_monitor_without_interval_is_a_warning_that_explains() -> None:
    text = one("primitive d Dummy op monitor timeout=20s\n", Severity.WARNING)
    assert "not a recurring check" in text and "probe" in text and "interval=30s" in text


def test_cycle_in_mandatory_orders() -> None:
    text = one("order o1 Mandatory: a b\norder o2 Mandatory: b c\norder o3 inf: c a\n")
    assert "mandatory orders form a cycle" in text and "o1, o2, o3" in text
    assert findings("order o1 Mandatory: a b\norder o2 Optional: b a\n") == []
    assert "cycle" in one("order o1 Mandatory: a b c a\n")


def test_colocation_with_self() -> None:
    assert "places a with itself" in one("colocation c1 inf: a a\n")


def test_promotable_roles_and_actions_on_non_promotable_resources() -> None:
    assert "c1 uses Promoted of b, which is not promotable" in one("colocation c1 inf: a b:Master\n")
    assert "o1 uses promote of a" in one("order o1 Mandatory: a:promote b:start\n")
    text = one("primitive d Stateful\nms m d\nprimitive x Dummy\nclone k x\nlocation l k role=Promoted 10: n1\n")
    assert "l uses Promoted of k" in text
    assert findings("primitive d Stateful\nms m d\ncolocation c1 inf: a m:Master\norder o1 Mandatory: m:promote a:start\n") == []
    assert "write a:start" in one("primitive d Stateful\nms m d\norder o1 Mandatory: m:promote a\n")
    # a constraint on the primitive inside a promotable clone applies to the clone
    assert findings("primitive d Stateful\nclone m d meta promotable=true\ncolocation c1 inf: a d:Promoted\n") == []
    warning = one("primitive d Stateful op monitor interval=10s role=Master\n", Severity.WARNING)
    assert "not in a promotable clone" in warning


def test_two_node_cluster_ignoring_quorum() -> None:
    text = one("node n1\nnode n2\nproperty q: no-quorum-policy=ignore\n", Severity.WARNING)
    assert "2-node cluster" in text and "etcd majority" in text and "witness" in text and "third voter" in text


def test_no_fencing_warning_in_pacemakers_words() -> None:
    result = check_crm_text("primitive a Dummy\n", "f.crm")
    [w] = result.warnings
    assert w.message == "Resource start-up disabled since no STONITH resources have been defined"
    assert "stonith-enabled=false" in w.hint
    assert check_crm_text("primitive a Dummy\nprimitive st stonith:fence_ipmilan\n").warnings == []


def test_ms_is_deprecated_with_the_modern_equivalent() -> None:
    text = one("primitive d Stateful\nms m d meta notify=true\n", Severity.WARNING)
    assert '"ms" is deprecated' in text and "clone m d meta notify=true promotable=true" in text


def test_secrets_never_appear_in_messages() -> None:
    result = check_crm_text("primitive k ocf:openstack:keystone params os_password=hunter2secret \\\n"
                            "  op monitor interval=10s op monitor interval=10s\ngroup g k hunter2secret\n", "s.crm")
    text = "\n".join(d.render() for d in result.diagnostics)
    assert "hunter2secret" not in text and "******" in text


def test_validate_without_sources_still_locates() -> None:
    config = parse("primitive a Dummy\ngroup g a zz\n", "m.crm").config
    [d] = [d for d in validate(config) if d.severity is Severity.ERROR]
    assert str(d.location) == "m.crm:2:7" and d.source_line == ""


@pytest.mark.parametrize("text", ["group g a b\n", "clone cl a\n", "colocation col inf: a b\n"])
def test_valid_inputs_have_no_errors(text: str) -> None:
    assert findings(text) == []


class FakeAgents:
    def ocf_providers(self) -> list[str] | None:
        return ["heartbeat", "openstack"]

    def types(self, cls: str, provider: str | None) -> list[str] | None:
        return {("ocf", "openstack"): ["neutron-agent-dhcp", "neutron-agent-l3"],
                ("ocf", "heartbeat"): ["IPaddr2", "Dummy"]}.get((cls, provider))

    def check_params(self, agent: AgentRef, params: Mapping[str, str]) -> list[Diagnostic] | None:
        if agent.type != "neutron-agent-l3":
            return None
        return [Diagnostic(f"{agent}: unknown parameter {name!r}", hint="did you mean 'agent_config'?")
                for name in params if name not in ("config", "agent_config")]


def test_agents_not_installed_with_did_you_mean() -> None:
    text = ("primitive d ocf:openstack:neutron-dhcp-agent\nprimitive i ocf:heartbeat:IPaddr2\n"
            "primitive x ocf:linbit:drbd\nprimitive y ocf:linbit:drbd\nprimitive l lsb:foo\n"
            "property stonith-enabled=false\n")
    warnings = [d for d in check_crm_text(text, "a.crm", FakeAgents()).warnings]
    assert [(d.location.line, d.message) for d in warnings] == [
        (1, "d: resource agent ocf:openstack:neutron-dhcp-agent is not installed on this machine"),
        (3, "x: OCF provider 'linbit' is not installed on this machine (ocf:linbit:drbd cannot run here)")]
    assert warnings[0].hint == "did you mean 'neutron-agent-dhcp'?"
    assert check_crm_text(text, "a.crm").warnings == []  # no catalog, no agent checks


def test_unknown_cluster_property_is_a_warning_with_did_you_mean() -> None:
    result = check_crm_text("primitive a Dummy\nproperty stonith-enable=false no-quorum-policy=ignor\n", "p.crm")
    messages = [(d.message, d.hint) for d in result.warnings]
    assert ("unknown cluster property 'stonith-enable': Pacemaker ignores it", "did you mean 'stonith-enabled'?") \
        in messages
    assert any("no STONITH resources" in m for m, _ in messages)  # the typo left fencing enabled
    # an invalid value of a known option: crm_verify finds the configuration not valid
    assert [(d.message, d.hint) for d in result.errors] == [
        ("invalid no-quorum-policy 'ignor': Pacemaker uses the default, no-quorum-policy=stop",
         "did you mean 'ignore'?")]


@pytest.mark.parametrize(("value", "hint"), [
    ("balance", "did you mean 'balanced'?"),
    ("spread", "use one of default, utilization, minimal, balanced"),
])
def test_invalid_placement_strategy_is_refused(value: str, hint: str) -> None:
    result = check_crm_text(f"primitive a Dummy\nproperty stonith-enabled=false placement-strategy={value}\n", "p.crm")
    assert [(d.message, d.hint) for d in result.errors] == [
        (f"invalid placement-strategy {value!r}: Pacemaker uses the default, placement-strategy=default", hint)]
    assert check_crm_text("property stonith-enabled=false placement-strategy=Minimal\n", "p.crm").diagnostics == []


def test_resource_patterns_and_serialize() -> None:
    assert "is not a regular expression" in one("location l /p_(/ 10: n1\n")
    assert "matches no resource" in one("location l /^web/ 10: n1\n", Severity.WARNING)
    assert findings("location l /^[ab]$/ 10: n1\n", Severity.WARNING) == []
    assert "no meaning for kind Serialize" in one("order o Serialize: a b symmetrical=true\n", Severity.WARNING)


def test_parameters_checked_against_agent_meta_data() -> None:
    text = ("primitive m ocf:openstack:neutron-agent-l3 params config=/etc/n.conf \\\n"
            "  plugin_config=/etc/x.ini\nproperty stonith-enabled=false\n")
    [d] = check_crm_text(text, "m.crm", FakeAgents()).errors
    assert d.message == "m: ocf:openstack:neutron-agent-l3: unknown parameter 'plugin_config'"
    assert (d.location.line, d.location.column) == (2, 3) and d.hint == "did you mean 'agent_config'?"


# --- bundles, ACLs, references --------------------------------------------------------------------

def test_bundles_are_checked() -> None:
    assert findings("bundle bb docker image=x\n", Severity.WARNING) == []  # the scheduler places them
    assert "gives Pacemaker no way to reach it" in one("bundle bb docker image=x primitive a\n")
    assert "bundle bb refers to 'nope', which is not defined" in one("bundle bb docker image=x network "
                                                                      "control-port=3121 primitive nope\n")
    assert "a is already in group g; it cannot also be in bundle bb" in one(
        "group g a\nbundle bb docker image=x network control-port=3121 primitive a\n")


def test_acl_roles_and_references_must_exist() -> None:
    assert "acl_target alice refers to 'admn', which is not defined" in one("role admin read cib\n"
                                                                          "acl_target alice admn\n")
    assert "did you mean 'admin'?" in one("role admin read cib\nacl_group ops admn\n")
    assert "role r refers to 'nope'" in one("role r read ref:nope\n")
    assert not findings("role r read ref:a\nacl_target a r\n")  # a user may be named like a resource


def test_a_rule_written_as_a_reference_is_not_a_duplicate() -> None:
    assert not findings("location l1 a rule $id=near 50: #uname eq n1\nlocation l2 b rule $id-ref=near\n")
    assert "duplicate id 'near'" in findings("location l1 a rule $id=near 50: #uname eq n1\n"
                                             "location l2 b rule $id=near 10: #uname eq n2\n")[0]
    assert not findings("primitive d Dummy operations $id=ops op monitor interval=10s\n"
                        "primitive e Dummy operations $id-ref=ops\n")
    assert "duplicate id 'v'" in one("primitive d Dummy params $v:x=1\nprimitive e Dummy params $v:y=2\n")
