"""Import -> export -> import is the identity, for every regression case and hand-built models."""

from __future__ import annotations

from pathlib import Path

import pytest

from hastack.cib import load_cib_file, parse_cib, to_xml
from hastack.errors import ConfigError, HastackError
from hastack.model import (
    AgentRef, AttrSet, Clone, Configuration, Expression, FencingLevel, Group, Location, Op, Primitive, Role, Rule,
)
from hastack.model.state import ClusterState, NodeState
from testdata import PACEMAKER_CASES

CASES = PACEMAKER_CASES / "xml"
CASE_FILES = sorted(CASES.glob("*.xml"))


@pytest.mark.parametrize("path", CASE_FILES, ids=lambda p: p.stem)
def test_case_round_trips(path: Path) -> None:
    cib = load_cib_file(path)
    text = to_xml(cib.config, cib.state)
    again = parse_cib(text, "export.xml")
    assert again.config == cib.config
    assert again.state == cib.state
    assert to_xml(again.config, again.state) == text  # the export is a fixed point


@pytest.mark.parametrize("path", CASE_FILES[::20], ids=lambda p: p.stem)
def test_config_only_export_has_empty_status(path: Path) -> None:
    cib = load_cib_file(path)
    text = to_xml(cib.config)
    assert "<status/>" in text
    again = parse_cib(text)
    assert again.config == cib.config and again.state.nodes == {}


def test_legacy_roles_are_written_for_old_schemas() -> None:
    cib = load_cib_file(CASES / "promoted-1.xml")
    assert 'role="Promoted"' in to_xml(cib.config, cib.state)  # pacemaker-3.7 knows the new names
    old = ClusterState(header=(("validate-with", "pacemaker-3.0"),))
    text = to_xml(cib.config, old)
    assert 'role="Master"' in text and 'role="Promoted"' not in text
    assert parse_cib(text).config == cib.config


def test_promotable_clone_and_legacy_master_survive() -> None:
    child = Primitive("s", AgentRef("ocf", "Stateful", "pacemaker"))
    child2 = Primitive("t", AgentRef("ocf", "Stateful", "pacemaker"))
    cfg = Configuration(resources={
        "p": Clone("p", "s", promotable=True, meta=(AttrSet("p-meta", (("promotable", "true"),)),)), "s": child,
        "m": Clone("m", "t", promotable=True, legacy_master=True), "t": child2})
    text = to_xml(cfg)
    assert '<clone id="p">' in text and '<master id="m">' in text
    assert parse_cib(text).config == cfg


def test_legacy_master_becomes_a_promotable_clone_where_the_schema_has_no_master() -> None:
    cfg = Configuration(resources={"m": Clone("m", "t", promotable=True, legacy_master=True),
                                   "t": Primitive("t", AgentRef("ocf", "Stateful", "pacemaker"))})
    text = to_xml(cfg, ClusterState(header=(("validate-with", "pacemaker-4.0"),)))
    assert "<master" not in text and '<clone id="m">' in text and 'name="promotable" value="true"' in text


def test_promotable_follows_pacemakers_detect_promotable() -> None:
    base = to_xml(Configuration(resources={"s": Primitive("s", AgentRef("ocf", "Stateful", "pacemaker"))}))

    def clone_with(sets: str, defaults: str = "") -> Clone:
        text = base.replace('<primitive id="s"', f'<clone id="p">{sets}<primitive id="s"')
        text = text.replace("</resources>", f"</clone></resources>{defaults}")
        cfg = parse_cib(text).config
        assert parse_cib(to_xml(cfg)).config == cfg  # and the export keeps it
        clone = cfg.resources["p"]
        assert isinstance(clone, Clone)
        return clone

    nv = '<nvpair id="p-x-p" name="promotable" value="yes"/>'
    assert clone_with(f'<meta_attributes id="p-x">{nv}</meta_attributes>').promotable
    # Pacemaker 2.1.5 reads meta attributes from meta_attributes and rsc_defaults, not instance_attributes.
    assert not clone_with(f'<instance_attributes id="p-x">{nv}</instance_attributes>').promotable
    assert clone_with("", f'<rsc_defaults><meta_attributes id="p-x">{nv}</meta_attributes></rsc_defaults>').promotable


def test_promotable_flag_is_added_when_the_model_lacks_it() -> None:
    cfg = Configuration(resources={"p": Clone("p", "s", promotable=True),
                                   "s": Primitive("s", AgentRef("ocf", "Stateful", "pacemaker"))})
    text = to_xml(cfg)
    assert '<nvpair id="p-meta_attributes-promotable" name="promotable" value="true"/>' in text
    clone = parse_cib(text).config.resources["p"]
    assert isinstance(clone, Clone) and clone.promotable and not clone.legacy_master


def test_missing_and_colliding_ids_are_made_up_like_crmsh() -> None:
    ops = (Op("", "monitor", 10_000, interval_text="10s"), Op("", "start", 0), Op("dup", "stop", 0))
    cfg = Configuration(resources={
        "dup": Primitive("dup", AgentRef("ocf", "Dummy", "heartbeat"), ops=ops,
                         params=(AttrSet("", (("a", "1"),)),), meta=(AttrSet("", (("target-role", "Stopped"),)),)),
    })
    text = to_xml(cfg)
    for expected in ('<op id="dup-monitor-10s" name="monitor" interval="10s"/>',
                     '<op id="dup-start-0" name="start" interval="0"/>',
                     '<op id="dup-stop-0" name="stop" interval="0"/>',  # the resource keeps its id
                     '<instance_attributes id="dup-instance_attributes">',
                     '<nvpair id="dup-meta_attributes-target-role" name="target-role" value="Stopped"/>'):
        assert expected in text
    parse_cib(text)  # and the result is a valid import


def test_collision_suffixes_count_from_zero_like_crmsh() -> None:
    levels = tuple(FencingLevel("", i, ("f",), target="n1") for i in (1, 2, 3))
    rule = Rule("", (Expression("", "#uname", "eq", "n1"), Expression("", "#uname", "eq", "n2")), score=5)
    cfg = Configuration(resources={"r": Primitive("r", AgentRef("lsb", "x"))}, fencing_topology=levels,
                        constraints=(Location("l", rsc="r", rules=(rule,)),))
    text = to_xml(cfg)
    for expected in ('id="fencing" ', 'id="fencing-0" ', 'id="fencing-1" ', 'id="l-rule"',
                     'id="l-rule-expression" ', 'id="l-rule-expression-0" '):
        assert expected in text


def test_state_round_trips_with_attributes_and_unknown_fields() -> None:
    cib = load_cib_file(CASES / "nvpair-id-ref.xml")
    node = cib.state.nodes["node1"]
    changed = NodeState(node.id, node.uname, in_ccm="1700000000", crmd="1700000000", join="member",
                        expected="member", resources=node.resources,
                        attributes={"fail-count-rsc1#monitor_10000": "3", "master-rsc1": "5"},
                        extra=(("crm-debug-origin", "x"), ("is_maintenance", "false")))
    state = ClusterState(nodes={"node1": changed}, have_quorum=False, dc_uuid="node1", execution_date=1_600_000_000,
                         header=cib.state.header)
    again = parse_cib(to_xml(cib.config, state))
    assert again.state == state
    assert again.state.nodes["node1"].attributes == changed.attributes


def test_unwritable_models_are_refused_with_a_clear_error() -> None:
    cfg = Configuration(resources={"g": Group("g", ("missing",)), "c": Clone("c", "g2"),
                                   "g2": Group("g2", ("x",)), "x": Primitive("x", AgentRef("lsb", "x")),
                                   "y": Clone("y", "c")})
    with pytest.raises(ConfigError) as info:
        to_xml(cfg)
    text = info.value.render()
    assert "'missing', which is not defined" in text
    assert "clones hold a primitive or a group" in text


def test_non_xml_text_in_the_model_is_a_hastack_error() -> None:
    cfg = Configuration(resources={"r": Primitive("r", AgentRef("lsb", "x"), params=(AttrSet("", (("a", "\x01"),)),))})
    with pytest.raises(HastackError, match="cannot write the CIB"):
        to_xml(cfg)


def test_role_spelling_in_model_is_normalised_once() -> None:
    text = to_xml(Configuration(resources={"r": Primitive("r", AgentRef("lsb", "x"),
                                                          ops=(Op("", "monitor", 5000, role=Role.UNPROMOTED),))}))
    assert 'role="Unpromoted"' in text
