"""primitive, rsc_template, group, clone, ms, monitor: what they parse to, and their errors."""

from __future__ import annotations

import pytest

from hastack.crm import parse
from hastack.errors import ConfigError
from hastack.model import AgentRef, AttrSet, Clone, Group, Primitive, Role, Template


def one_error(text: str) -> str:
    with pytest.raises(ConfigError) as err:
        parse(text, "t.crm")
    assert len(err.value.errors) == 1, err.value.render()
    return err.value.render()


def test_primitive_with_params_meta_utilization_and_ops() -> None:
    cfg = parse("""primitive p_ip ocf:heartbeat:IPaddr2 description="the VIP" \\
    params ip=10.0.0.1 cidr_netmask=24 \\
    meta target-role=Started \\
    utilization cpu=1 \\
    op start timeout=20s \\
    op monitor interval=10s timeout=20s role=Slave on-fail=restart start-delay=5s OCF_CHECK_LEVEL=10 \\
    op monitor interval=11s role=Master enabled=false
""").config
    p = cfg.resources["p_ip"]
    assert isinstance(p, Primitive)
    assert p.agent == AgentRef("ocf", "IPaddr2", "heartbeat") and p.description == "the VIP"
    assert p.params == (AttrSet("p_ip-instance_attributes", (("ip", "10.0.0.1"), ("cidr_netmask", "24"))),)
    assert p.meta[0].id == "p_ip-meta_attributes" and p.utilization[0].pairs == (("cpu", "1"),)
    start, mon, mon2 = p.ops
    assert (start.id, start.interval_ms, start.timeout_ms) == ("p_ip-start-0", 0, 20_000)
    assert mon.id == "p_ip-monitor-10s" and mon.role is Role.UNPROMOTED and mon.on_fail == "restart"
    assert mon.attributes == (("start-delay", "5s"),)
    assert mon.params == (AttrSet("p_ip-monitor-10s-instance_attributes", (("OCF_CHECK_LEVEL", "10"),)),)
    assert mon2.role is Role.PROMOTED and mon2.enabled is False


def test_agent_defaults_and_first_set_without_params_keyword() -> None:
    cfg = parse("primitive a Dummy state=1\nprimitive b lsb:apache\nprimitive c stonith:fence_ipmilan\n").config
    assert cfg.resources["a"].agent == AgentRef("ocf", "Dummy", "heartbeat")
    assert cfg.resources["a"].params[0].pairs == (("state", "1"),)
    assert cfg.resources["b"].agent == AgentRef("lsb", "apache")
    assert cfg.resources["c"].agent.cls == "stonith"


def test_template_and_primitive_using_it() -> None:
    cfg = parse("rsc_template t ocf:heartbeat:Dummy op monitor interval=10s\nprimitive p @t params x=1\n").config
    assert isinstance(cfg.resources["t"], Template)
    p = cfg.resources["p"]
    assert isinstance(p, Primitive) and p.agent is None and p.template == "t"


def test_multiple_sets_with_ids_scores_and_rules() -> None:
    cfg = parse("primitive p Dummy params 2: rule #uname eq node1 nic=eth1 params $id=p-fallback 1: nic=eth0\n").config
    first, second = cfg.resources["p"].params
    assert first.id == "p-instance_attributes" and first.score == 2
    assert first.rule.expressions[0].attribute == "#uname" and first.rule.id == "p-instance_attributes-rule"
    assert (second.id, second.score, second.pairs) == ("p-fallback", 1, (("nic", "eth0"),))


def test_group_clone_ms() -> None:
    cfg = parse("""primitive a Dummy
primitive b Dummy
group g a b meta target-role=Stopped
clone c g meta interleave=true
primitive d Stateful
ms m d meta notify=true
primitive e Stateful
clone pe e meta promotable=true
""").config
    assert cfg.resources["g"] == Group("g", ("a", "b"), meta=(AttrSet("g-meta_attributes", (("target-role", "Stopped"),)),))
    c, m, pe = cfg.resources["c"], cfg.resources["m"], cfg.resources["pe"]
    assert isinstance(c, Clone) and c.child == "g" and not c.promotable
    assert m.promotable and m.legacy_master
    assert pe.promotable and not pe.legacy_master


def test_master_is_an_alias_of_ms() -> None:
    assert parse("primitive d Stateful\nmaster m d\n").config.resources["m"].legacy_master


def test_monitor_statement_adds_an_op() -> None:
    cfg = parse("monitor p:Master 10s:20s\nprimitive p Stateful op monitor interval=10s\n").config
    ops = cfg.resources["p"].ops
    assert [(o.id, o.role, o.timeout_ms) for o in ops] == [("p-monitor-10s", None, None),
                                                          ("p-monitor-10s-0", Role.PROMOTED, 20_000)]


def test_monitor_of_unknown_resource() -> None:
    text = one_error("primitive p_db Dummy\nmonitor p_dbb 10s\n")
    assert "monitor: 'p_dbb' is not defined" in text and "did you mean 'p_db'?" in text


@pytest.mark.parametrize("text, message, hint", [
    ("primtive p Dummy\n", "unknown command 'primtive'", "did you mean 'primitive'?"),
    ("primitive p ocff:x:y\n", "unknown resource agent class 'ocff'", "did you mean 'ocf'?"),
    ("primitive p Dummy op monitor interval=10x\n", "invalid duration '10x'", "500ms, 30s"),
    ("primitive p Dummy op monitor role=Boss\n", "invalid role 'Boss' for 'p'", "Started"),
    ("primitive p Dummy op monitor on-fail=restrat\n", "invalid on-fail 'restrat'", "did you mean 'restart'?"),
    ("primitive p Dummy meta\n", "expected name=value pairs for meta of p", ""),
    ("primitive 1p Dummy\n", "'1p' is not a valid resource id", "starts with a letter"),
    ("group g\n", "a group needs at least one member", ""),
    ("clone c a b\n", "contains exactly one resource", "group"),
    ("primitive p Dummy\nprimitive p Dummy\n", "duplicate id 'p': already used by the primitive p at t.crm:1:11", ""),
    ("primitive p Dummy op\n", "expected an operation name", ""),
])
def test_resource_errors(text: str, message: str, hint: str) -> None:
    rendered = one_error(text)
    assert message in rendered and hint in rendered


def test_every_error_is_reported_not_just_the_first() -> None:
    with pytest.raises(ConfigError) as err:
        parse("primitive a Dummy op monitor interval=x\nprimtive b Dummy\ngroup g\n", "t.crm")
    assert [d.location.line for d in err.value.errors] == [1, 2, 3]
    assert err.value.render().endswith("3 errors; nothing was changed.")


def test_pasted_shell_prefix_is_accepted() -> None:
    assert "p" in parse("crm configure primitive p Dummy\n").config.resources


def test_session_commands_are_ignored() -> None:
    assert parse("primitive p Dummy\ncommit\n").config.resources["p"].id == "p"
