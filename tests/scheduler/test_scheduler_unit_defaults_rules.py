"""rsc_defaults and op_defaults rules that test the resource's agent and the operation."""

from __future__ import annotations

import sys
from dataclasses import replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from test_scheduler_unit_models import config, node_state, prim, state
from hastack.model.config import AttrSet, OpExpression, RscExpression, Rule
from hastack.model.values import AgentRef
from hastack.scheduler.rules import Subject, eval_rule
from hastack.scheduler.unpack import unpack

IP = AgentRef("ocf", "IPaddr2", "heartbeat")


def _rule(*items: object) -> Rule:
    return Rule("r", tuple(items), score=1_000_000)  # type: ignore[arg-type]


def test_rsc_expression_matches_class_provider_and_type() -> None:
    rule = _rule(RscExpression("e", cls="ocf", provider="heartbeat", type="IPaddr2"))
    assert eval_rule(rule, {}, 0, Subject.of(IP))
    assert not eval_rule(rule, {}, 0, Subject.of(AgentRef("ocf", "Dummy", "pacemaker")))
    assert not eval_rule(rule, {}, 0, Subject())  # a group or clone has no agent
    assert not eval_rule(rule, {}, 0)  # no resource at all (a location rule)


def test_rsc_expression_without_provider_matches_only_agents_without_one() -> None:
    rule = _rule(RscExpression("e", cls="stonith"))
    assert eval_rule(rule, {}, 0, Subject.of(AgentRef("stonith", "fence_xvm")))
    assert not eval_rule(rule, {}, 0, Subject.of(AgentRef("stonith", "fence_xvm", "x")))


def test_op_expression_matches_name_and_written_interval() -> None:
    monitor = _rule(OpExpression("e", "monitor"))
    every_10s = _rule(OpExpression("e", "monitor", "10s"))
    assert eval_rule(monitor, {}, 0, Subject.of(IP, "monitor", 0))
    assert eval_rule(every_10s, {}, 0, Subject.of(IP, "monitor", 10_000))
    assert not eval_rule(every_10s, {}, 0, Subject.of(IP, "monitor", 20_000))
    assert not eval_rule(monitor, {}, 0, Subject.of(IP))  # rsc_defaults: no operation


def test_rsc_defaults_rule_applies_per_agent() -> None:
    unmanaged = AttrSet("d", (("is-managed", "false"),),
                        rule=_rule(RscExpression("e", cls="ocf", provider="pacemaker", type="Dummy")))
    cfg = replace(config(["n1"], [prim("dummy"), replace(prim("ip"), agent=IP)]), rsc_defaults=(unmanaged,))
    u = unpack(cfg, state(node_state("n1")), 0)
    assert not u.by_id["dummy"].managed and u.by_id["ip"].managed
