"""Small pieces of Pacemaker's semantics: "#default" values, ordering="listed" colocation
sets, parameters inherited from a group or clone, shutdown locks, one call's records in
history order, and multiple-active=block on a group."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from test_scheduler_unit_models import DUMMY, node_state, op, state
from hastack.cib import parse_cib
from hastack.crm import parse
from hastack.model.attrsets import AttrSet, first_values, merged
from hastack.model.state import ResourceHistory
from hastack.scheduler import schedule
from hastack.scheduler.digest import operation_params
from hastack.scheduler.unpack import unpack


def test_default_value_unsets_an_earlier_one_and_lets_a_later_set_decide() -> None:
    high = AttrSet("a", (("x", "#default"), ("y", "1")), score=10)
    low = AttrSet("b", (("x", "2"),), score=1)
    assert dict(merged((low, high))) == {"y": "1", "x": "2"}
    assert first_values([AttrSet("c", (("x", "1"), ("x", "#default")))]) == {}


def test_listed_colocation_set_places_each_member_with_the_next() -> None:
    xml = """<cib validate-with="pacemaker-3.7" epoch="1" num_updates="0" admin_epoch="0" have-quorum="1">
      <configuration><crm_config><cluster_property_set id="o">
        <nvpair id="o1" name="stonith-enabled" value="false"/></cluster_property_set></crm_config>
      <nodes><node id="1" uname="n1"/><node id="2" uname="n2"/></nodes>
      <resources>
        <primitive id="a" class="ocf" provider="pacemaker" type="Dummy"/>
        <primitive id="b" class="ocf" provider="pacemaker" type="Dummy"/>
      </resources>
      <constraints>
        <rsc_location id="la" rsc="a" node="n1" score="100"/>
        <rsc_location id="lb" rsc="b" node="n2" score="1000"/>
        <rsc_colocation id="c" score="INFINITY">
          <resource_set id="s" ordering="listed"><resource_ref id="a"/><resource_ref id="b"/></resource_set>
        </rsc_colocation>
      </constraints></configuration>
      <status>
        <node_state id="1" uname="n1" in_ccm="true" crmd="online" join="member" expected="member"/>
        <node_state id="2" uname="n2" in_ccm="true" crmd="online" join="member" expected="member"/>
      </status></cib>"""
    cib = parse_cib(xml.encode(), "listed.xml")
    placement = schedule(cib.config, cib.state, 0).placement
    # listed: a is placed with b (b does not follow a), so both go where b prefers
    assert (placement["a"].node, placement["b"].node) == ("n2", "n2")


def test_a_member_inherits_its_group_parameters_for_digests() -> None:
    cfg = parse("property stonith-enabled=false\nnode n1\nprimitive r ocf:pacemaker:Dummy params own=1\n"
                "group g r params shared=2 own=3\n").config
    u = unpack(cfg, state(node_state("n1")), 0)
    assert operation_params(u.by_id["r"], "start", 0, ()) == {"own": "1", "shared": "2"}


def test_shutdown_lock_keeps_a_resource_with_its_node_until_the_limit() -> None:
    cfg = parse("property shutdown-lock=true shutdown-lock-limit=5m\nnode n1\nnode n2\n"
                "primitive f stonith:fence_xvm\nprimitive r ocf:pacemaker:Dummy\n").config
    stopped = ResourceHistory("r", DUMMY, (op("stop", call=2),), shutdown_lock=1000)
    st = state(node_state("n1", stopped, online=False, expected="down"), node_state("n2"))
    locked = schedule(cfg, st, 1000 + 299)
    assert locked.placement["r"].node is None
    assert locked.recheck_at == 1000 + 300 + 1
    assert schedule(cfg, st, 1000 + 301).placement["r"].node == "n2"


def test_a_multiply_active_member_blocks_a_group_configured_to_block() -> None:
    cfg = parse("property stonith-enabled=false\nnode n1\nnode n2\n"
                "primitive a ocf:pacemaker:Dummy\nprimitive b ocf:pacemaker:Dummy\n"
                "group g a b meta multiple-active=block\n").config
    both = ResourceHistory("a", DUMMY, (op("start"),))
    st = state(node_state("n1", both, ResourceHistory("b", DUMMY, (op("start"),))), node_state("n2", both))
    assert schedule(cfg, st, 0).summary == ()


def test_ordinal_and_week_dates_name_the_same_day_as_a_calendar_date() -> None:
    from hastack.scheduler.rules import parse_date

    march_1st = parse_date("2005-03-01")
    assert march_1st is not None
    assert parse_date("2005-060") == march_1st
    assert parse_date("2005-W09-2") == march_1st
    assert parse_date("2005-060T01:00:00Z") == march_1st + 3600


def test_resources_are_assigned_in_priority_order() -> None:
    # With no preferences a node's resource count breaks ties, so the assignment order shows:
    # c (priority 10) goes first and takes n1, then a takes n2, then b n1 (as crm_simulate).
    cfg = parse("property stonith-enabled=false\nnode n1\nnode n2\nprimitive a ocf:pacemaker:Dummy\n"
                "primitive b ocf:pacemaker:Dummy\nprimitive c ocf:pacemaker:Dummy meta priority=10\n").config
    placement = schedule(cfg, state(node_state("n1"), node_state("n2")), 0).placement
    assert {rid: placement[rid].node for rid in "abc"} == {"a": "n2", "b": "n1", "c": "n1"}
