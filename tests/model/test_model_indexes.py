"""The configuration's derived indexes are computed once and cannot be changed."""

from __future__ import annotations

from dataclasses import replace

import pytest

from hastack.model.config import Clone, Configuration, Group, Node, Primitive
from hastack.model.values import AgentRef

DUMMY = AgentRef("ocf", "Dummy", "heartbeat")


def _config() -> Configuration:
    return Configuration(
        nodes=(Node("1", "n1"), Node("2", "n2")),
        resources={"a": Primitive("a", DUMMY), "b": Primitive("b", DUMMY), "g": Group("g", ("a", "b")),
                   "c": Primitive("c", DUMMY), "cl": Clone("cl", "c"), "d": Primitive("d", DUMMY)})


def test_parent_map_and_top_level_are_built_once_and_read_only() -> None:
    config = _config()
    parents = config.parent_of
    assert dict(parents) == {"a": "g", "b": "g", "c": "cl"}
    assert config.parent_of is parents, "one map per configuration, not one per call"
    with pytest.raises(TypeError):
        parents["d"] = "g"  # type: ignore[index]
    assert [r.id for r in config.top_level] == ["g", "cl", "d"]
    assert config.top_level is config.top_level


def test_a_changed_configuration_gets_its_own_indexes() -> None:
    config = _config()
    assert config.parent_of["a"] == "g"
    changed = replace(config, resources={**config.resources, "g": Group("g", ("b",))})
    assert "a" not in changed.parent_of and config.parent_of["a"] == "g"
    assert changed == replace(changed), "the cached indexes are no part of equality"


def test_node_named_finds_nodes_by_name() -> None:
    config = _config()
    assert config.node_named("n2") == Node("2", "n2")
    assert config.node_named("n3") is None
