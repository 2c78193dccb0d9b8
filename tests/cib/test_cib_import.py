"""Import of Pacemaker's scheduler regression CIBs and of small hand-written documents."""

from __future__ import annotations

from pathlib import Path

import pytest

from hastack.cib import load_cib_file, parse_cib
from hastack.errors import ConfigError, HastackError
from hastack.model import Clone, Colocation, Group, Location, Order, OrderKind, Primitive, Role, Ticket
from testdata import PACEMAKER_CASES

CASES = PACEMAKER_CASES / "xml"
CASE_FILES = sorted(CASES.glob("*.xml"))


def test_all_cases_are_present() -> None:
    assert len(CASE_FILES) == 180


@pytest.mark.parametrize("path", CASE_FILES, ids=lambda p: p.stem)
def test_case_imports(path: Path) -> None:
    cib = load_cib_file(path)
    assert cib.config.nodes, "every case has nodes"
    assert cib.state.nodes or "<node_state" not in path.read_text()


def test_simple1_reads_header_properties_and_status() -> None:
    cib = load_cib_file(CASES / "simple1.xml")
    assert cib.state.have_quorum is False
    assert cib.state.dc_uuid == "0"
    assert ("validate-with", "pacemaker-3.0") in cib.state.header
    assert cib.config.property("no-quorum-policy") == "ignore"
    assert cib.config.property("stonith-enabled") == "false"
    rsc = cib.config.resources["rsc1"]
    assert isinstance(rsc, Primitive) and str(rsc.agent) == "ocf:heartbeat:apache"
    node = cib.state.nodes["node1"]
    assert (node.crmd, node.join, node.in_ccm) == ("offline", "down", "true")
    assert node.extra == ()


def test_execution_date_is_read_as_epoch_seconds() -> None:
    path = next(p for p in CASE_FILES if 'execution-date="' in p.read_text())
    cib = load_cib_file(path)
    assert isinstance(cib.state.execution_date, int) and cib.state.execution_date > 1_400_000_000
    assert all(k != "execution-date" for k, _ in cib.state.header)


def test_op_history_typed_and_extra() -> None:
    cib = load_cib_file(CASES / "nvpair-id-ref.xml")
    hist = cib.state.nodes["node1"].history("rsc_stonith")
    assert hist is not None and hist.agent is not None and hist.agent.cls == "stonith"
    start = hist.ops[1]
    assert (start.operation, start.call_id, start.rc_code, start.op_status, start.interval_ms) == ("start", 2, 0, 0, 0)
    assert start.expected_rc == 0
    assert start.op_digest == "f2317cad3d54cec5d7d7aa7d0bf35cf8"
    assert start.extra == (("crm-debug-origin", "crm_simulate"),)


def test_nvpair_id_ref_takes_referenced_value_and_own_name() -> None:
    cib = load_cib_file(CASES / "nvpair-id-ref.xml")
    rsc2 = cib.config.resources["rsc2"]
    assert isinstance(rsc2, Primitive)
    assert rsc2.params[0].pairs == (("fake", "common-value"), ("fake_fake", "common-value"))


def test_transient_attributes_become_node_attributes() -> None:
    path = next(p for p in CASE_FILES if "<transient_attributes" in p.read_text() and "fail-count" in p.read_text())
    cib = load_cib_file(path)
    assert any(k.startswith("fail-count") for n in cib.state.nodes.values() for k in n.attributes)


DOC = """<cib validate-with="pacemaker-3.9" epoch="3" num_updates="0" admin_epoch="0" have-quorum="yes">
  <configuration>
    <crm_config><cluster_property_set id="cib-bootstrap-options">
      <nvpair id="p1" name="stonith-enabled" value="false"/></cluster_property_set></crm_config>
    <nodes><node id="1" uname="n1"><instance_attributes id="n1-ia"><nvpair id="n1-ia-rack" name="rack" value="a"/>
      </instance_attributes><utilization id="n1-u"><nvpair id="n1-u-cpu" name="cpu" value="4"/></utilization></node></nodes>
    <resources>
      <template id="tpl" class="ocf" provider="heartbeat" type="Dummy"/>
      <primitive id="fromtpl" template="tpl"/>
      <master id="ms1">
        <meta_attributes id="ms1-meta"><nvpair id="ms1-meta-n" name="notify" value="true"/></meta_attributes>
        <primitive id="drbd" class="ocf" provider="linbit" type="drbd">
          <operations>
            <op id="drbd-monitor-29s" name="monitor" interval="29s" role="Master" timeout="20" start-delay="5s">
              <instance_attributes id="drbd-monitor-29s-ia"><nvpair id="x1" name="OCF_CHECK_LEVEL" value="10"/>
              </instance_attributes></op>
            <op id="drbd-start-0" name="start" interval="0" timeout="PT4M" enabled="no"/>
          </operations>
        </primitive>
      </master>
      <clone id="pc"><meta_attributes id="pc-meta"><nvpair id="pc-meta-p" name="promotable" value="1"/>
        </meta_attributes>
        <group id="g"><primitive id="a" class="lsb" type="a"/><primitive id="b" class="systemd" type="b"/></group>
      </clone>
    </resources>
    <constraints>
      <rsc_location id="l1" rsc="fromtpl" score="+INFINITY" node="n1" resource-discovery="never"/>
      <rsc_location id="l2" rsc-pattern="^d" role="promoted">
        <rule id="l2-r" score="-INFINITY" boolean-op="or">
          <expression id="l2-e" attribute="#uname" operation="ne" value="n1"/>
          <rule id="l2-r2"><date_expression id="l2-d" operation="date_spec"><date_spec id="l2-ds" hours="9-17"/>
          </date_expression></rule>
        </rule>
      </rsc_location>
      <rsc_colocation id="c1" score="INFINITY" rsc="fromtpl" with-rsc="ms1" with-rsc-role="Master"/>
      <rsc_colocation id="c2" score="-100">
        <resource_set id="c2-0" sequential="false" role="Slave"><resource_ref id="a"/><resource_ref id="b"/>
        </resource_set><resource_set id-ref="c2-0"/>
      </rsc_colocation>
      <rsc_order id="o1" first="ms1" first-action="promote" then="pc" then-action="start" kind="Optional"
                 symmetrical="false"/>
      <rsc_order id="o2" first="a" then="b" score="0"/>
      <rsc_ticket id="t1" ticket="T" rsc="pc" rsc-role="Promoted" loss-policy="demote"/>
    </constraints>
    <rsc_defaults><meta_attributes id="rsc-options"><nvpair id="rs" name="resource-stickiness" value="1"/>
      </meta_attributes></rsc_defaults>
    <op_defaults><meta_attributes id="op-options"><nvpair id="ot" name="timeout" value="30s"/>
      </meta_attributes></op_defaults>
    <fencing-topology><fencing-level id="f1" index="1" target="n1" devices="s1,s2"/></fencing-topology>
    <tags><tag id="tg"><obj_ref id="a"/><obj_ref id="b"/></tag></tags>
  </configuration>
  <status/>
</cib>
"""


def test_every_kind_reads() -> None:
    cib = parse_cib(DOC)
    cfg = cib.config
    assert cib.state.have_quorum is True
    assert list(cfg.resources) == ["tpl", "fromtpl", "ms1", "drbd", "pc", "g", "a", "b"]
    ms1 = cfg.resources["ms1"]
    assert isinstance(ms1, Clone) and ms1.promotable and ms1.legacy_master
    pc = cfg.resources["pc"]
    assert isinstance(pc, Clone) and pc.promotable and not pc.legacy_master and pc.child == "g"
    g = cfg.resources["g"]
    assert isinstance(g, Group) and g.members == ("a", "b")
    drbd = cfg.resources["drbd"]
    assert isinstance(drbd, Primitive)
    mon, start = drbd.ops
    assert (mon.interval_ms, mon.timeout_ms, mon.role, mon.interval_text) == (29_000, 20_000, Role.PROMOTED, "29s")
    assert mon.attributes == (("start-delay", "5s"),)
    assert mon.params[0].pairs == (("OCF_CHECK_LEVEL", "10"),)
    assert (start.timeout_ms, start.enabled) == (240_000, False)
    fromtpl = cfg.resources["fromtpl"]
    assert isinstance(fromtpl, Primitive) and fromtpl.agent is None and fromtpl.template == "tpl"
    l1, l2, c1, c2, o1, o2, t1 = cfg.constraints
    assert isinstance(l1, Location) and l1.score == 1_000_000 and l1.resource_discovery == "never"
    assert isinstance(l2, Location) and l2.role is Role.PROMOTED and l2.rsc_pattern == "^d"
    rule = l2.rules[0]
    assert rule.boolean_op == "or" and rule.score == -1_000_000
    assert rule.expressions[1].expressions[0].date_spec == (("hours", "9-17"),)  # type: ignore[union-attr]
    assert isinstance(c1, Colocation) and c1.with_rsc_role is Role.PROMOTED
    assert isinstance(c2, Colocation) and c2.sets[0] == c2.sets[1] and c2.sets[0].role is Role.UNPROMOTED
    assert isinstance(o1, Order) and o1.order_kind is OrderKind.OPTIONAL and o1.symmetrical is False
    assert isinstance(o2, Order) and o2.effective_kind is OrderKind.OPTIONAL
    assert isinstance(t1, Ticket) and t1.loss_policy == "demote"
    assert cfg.rsc_defaults[0].pairs == (("resource-stickiness", "1"),)
    assert cfg.fencing_topology[0].devices == ("s1", "s2")
    assert cfg.tags[0].refs == ("a", "b")
    assert cfg.nodes[0].utilization[0].pairs == (("cpu", "4"),)


def test_bare_configuration_imports_with_default_state() -> None:
    start, end = DOC.index("<configuration>"), DOC.index("</configuration>") + len("</configuration>")
    cib = parse_cib(DOC[start:end])
    assert cib.config == parse_cib(DOC).config
    assert cib.state.nodes == {}


def test_missing_file_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(HastackError, match="does not exist"):
        load_cib_file(tmp_path / "nope.xml")
    with pytest.raises(HastackError, match="directory"):
        load_cib_file(tmp_path)
    with pytest.raises(HastackError, match="cannot open"):
        load_cib_file("bad\0path.xml")


def test_errors_are_collected_with_locations() -> None:
    bad = DOC.replace('score="-100"', 'score="lots"').replace('interval="29s"', 'interval="29 parsecs"')
    bad = bad.replace('<primitive id="a" class="lsb" type="a"/>', '<primitve id="a" class="lsb" type="a"/>')
    with pytest.raises(ConfigError) as info:
        parse_cib(bad, "bad.xml")
    messages = [d.render() for d in info.value.errors]
    assert any("invalid score 'lots'" in m and m.startswith("bad.xml:") for m in messages)
    assert any("invalid duration" in m for m in messages)
    assert any("unexpected <primitve>" in m for m in messages)
    line = bad.splitlines().index(next(x for x in bad.splitlines() if 'score="lots"' in x)) + 1
    loc = next(d.location for d in info.value.errors if "lots" in d.message)
    assert loc is not None and loc.line == line and loc.column == bad.splitlines()[line - 1].index("score=") + 1


def test_old_node_type_normal_reads_as_member() -> None:
    cib = parse_cib(DOC.replace('<node id="1" uname="n1">', '<node id="1" uname="n1" type="normal">'))
    assert cib.config.nodes[0].type == "member"


def test_order_require_all_is_kept_and_called_deprecated() -> None:
    from hastack.cib import to_xml

    doc = """<cib><configuration><crm_config/><nodes/><resources/><constraints>
      <rsc_order id="o" first="c" then="d" require-all="false"/>
    </constraints></configuration><status/></cib>"""
    cib = parse_cib(doc)
    (o,) = cib.config.constraints
    assert isinstance(o, Order) and o.require_all is False
    assert any("require-all" in w.message and "deprecated" in w.message for w in cib.warnings)
    assert 'require-all="false"' in to_xml(cib.config, cib.state)


def test_defaults_rules_on_agents_and_operations_round_trip() -> None:
    from hastack.cib import to_xml
    from hastack.model import AttrSet
    from hastack.model.config import OpExpression, RscExpression
    from testdata import PACEMAKER_CASES_EXTENDED

    cib = load_cib_file(PACEMAKER_CASES_EXTENDED / "xml" / "op-defaults-2.xml")
    (only,) = cib.config.op_defaults
    assert isinstance(only, AttrSet) and only.rule is not None
    rsc, op = only.rule.expressions
    assert rsc == RscExpression("op-monitor-and-rsc-expr", "ocf", "heartbeat", "IPaddr2")
    assert op == OpExpression("op-monitor-and-op-expr", "monitor", "10s")
    again = parse_cib(to_xml(cib.config, cib.state))
    assert again.config == cib.config
