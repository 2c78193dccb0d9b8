"""node, property and defaults, fencing_topology, tag."""

from __future__ import annotations

import pytest

from hastack.crm import parse
from hastack.errors import ConfigError
from hastack.model import AttrSet, FencingLevel, Node, Tag


def test_nodes() -> None:
    nodes = parse("node n1\nnode 101: n2 standby=on\nnode $id=103 n3:remote attributes a=1 utilization cpu=2\n"
                  ).config.nodes
    assert nodes[0] == Node("n1", "n1")
    assert nodes[1] == Node("101", "n2", attributes=(AttrSet("nodes-101", (("standby", "on"),)),))
    assert nodes[2].type == "remote" and nodes[2].utilization[0].id == "nodes-103-utilization"


def test_properties_and_defaults_with_set_ids() -> None:
    cfg = parse("property a=1 b=2\nproperty other: c=3\nrsc_defaults resource-stickiness=100\n"
                "op_defaults $id=my-ops timeout=60s\n").config
    assert [s.id for s in cfg.properties] == ["cib-bootstrap-options", "other"]
    assert cfg.property("c") == "3"
    assert cfg.rsc_defaults == (AttrSet("rsc-options", (("resource-stickiness", "100"),)),)
    assert cfg.op_defaults[0].id == "my-ops"


def test_second_property_command_is_a_duplicate_with_a_way_out() -> None:
    with pytest.raises(ConfigError) as err:
        parse("property a=1\nproperty b=2\n")
    text = err.value.render()
    assert "duplicate id 'cib-bootstrap-options'" in text and "property my-set:" in text


def test_fencing_topology_with_targets() -> None:
    levels = parse("fencing_topology n1: ipmi1 pdu1,pdu2 n2: ipmi2 attr:rack=1 r1 pattern:n[0-9] r2\n"
                   ).config.fencing_topology
    assert levels[:3] == (FencingLevel("fencing", 1, ("ipmi1",), "n1"), FencingLevel("fencing-0", 2, ("pdu1", "pdu2"), "n1"),
                          FencingLevel("fencing-1", 1, ("ipmi2",), "n2"))
    assert (levels[3].target_attribute, levels[3].target_value) == ("rack", "1")
    assert levels[4].target_pattern == "n[0-9]"


def test_fencing_topology_without_targets_applies_to_every_node() -> None:
    levels = parse("node n1\nnode n2\nfencing_topology d1 d2\n").config.fencing_topology
    assert [(lv.id, lv.target, lv.index, lv.devices) for lv in levels] == [
        ("fencing", "n1", 1, ("d1",)), ("fencing-0", "n1", 2, ("d2",)),
        ("fencing-1", "n2", 1, ("d1",)), ("fencing-2", "n2", 2, ("d2",))]


def test_fencing_topology_without_targets_and_without_nodes() -> None:
    with pytest.raises(ConfigError, match="needs the nodes defined"):
        parse("fencing_topology d1\n")


def test_tags() -> None:
    assert parse("tag t1: a b\ntag t2 c\n").config.tags == (Tag("t1", ("a", "b")), Tag("t2", ("c",)))


def test_duplicate_ids_across_kinds() -> None:
    with pytest.raises(ConfigError) as err:
        parse("node n1\nprimitive n1 Dummy\n", "t.crm")
    assert "duplicate id 'n1': already used by the node at t.crm:1:6" in err.value.render()


def test_locations_are_never_compared() -> None:
    assert parse("node n1\n", "a").config == parse("\n\nnode   n1\n", "b").config


UTILIZATION_CRM = """node host1 utilization cpu=2 memory=2048
node 102: host2 attributes rack=a utilization cpu=4 memory=4096
primitive vm1 ocf:pacemaker:Dummy utilization cpu=1 memory=512
primitive vm2 ocf:pacemaker:Dummy \\
\tmeta priority=10 \\
\tutilization cpu=2 memory=1024
property cib-bootstrap-options: \\
\tstonith-enabled=false \\
\tplacement-strategy=balanced
"""


def test_utilization_and_placement_strategy_round_trip() -> None:
    from hastack.cib import parse_cib, to_xml
    from hastack.crm import canonical, render
    config = parse(UTILIZATION_CRM).config
    assert config.nodes[1].utilization == (AttrSet("nodes-102-utilization", (("cpu", "4"), ("memory", "4096"))),)
    assert config.resources["vm2"].utilization[0].pairs == (("cpu", "2"), ("memory", "1024"))  # type: ignore[union-attr]
    assert config.property("placement-strategy") == "balanced"
    assert parse(render(config)).config == config
    assert canonical(parse_cib(to_xml(config)).config) == canonical(config)
    xml = to_xml(config)
    assert '<utilization id="vm1-utilization">' in xml and '<utilization id="nodes-102-utilization">' in xml
