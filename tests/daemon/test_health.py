"""The REST health decision (daemon.health), with no I/O: node facts in, status and body out."""

from __future__ import annotations

import pytest

from hastack.crm import parse
from hastack.daemon.health import (FAILED, PROMOTED, STARTED, STARTING, STOPPING, NodeFacts, answer, next_role,
                                   topology)

CONFIG = """
node n1
node n2
primitive galera ocf:heartbeat:Stateful
clone ms_galera galera meta promotable=true promoted-max=1
primitive ip ocf:hastack:IPaddr params ip=10.0.0.9
primitive fs ocf:heartbeat:Dummy
group g ip fs
primitive lb ocf:heartbeat:Dummy
clone lb-clone lb meta globally-unique=true clone-max=2
primitive alone ocf:heartbeat:Dummy
"""
TOPO = topology(parse(CONFIG, "t.crm").config, revision=42)


def facts(roles: dict[str, str], member: bool = True, fenced: int = 0) -> NodeFacts:
    return NodeFacts("n1", member, roles, TOPO, fenced)


def status(f: NodeFacts, path: str) -> int:
    return answer(f, path).status


def test_topology_walks_clones_and_groups_down_to_primitives() -> None:
    assert TOPO.primitives_of["ms_galera"] == {"galera"}
    assert TOPO.primitives_of["g"] == {"ip", "fs"}
    assert TOPO.primitives_of["alone"] == {"alone"}
    assert TOPO.promotable == {"galera"}


@pytest.mark.parametrize(("roles", "path", "code"), [
    # the Galera writer: promoted here, so not "unpromoted"; active either way
    ({"galera": PROMOTED}, "/promoted/ms_galera", 200),
    ({"galera": PROMOTED}, "/promoted/galera", 200),
    ({"galera": PROMOTED}, "/unpromoted/ms_galera", 503),
    ({"galera": PROMOTED}, "/active/ms_galera", 200),
    # a reader
    ({"galera": STARTED}, "/promoted/ms_galera", 503),
    ({"galera": STARTED}, "/unpromoted/ms_galera", 200),
    ({"galera": STARTED}, "/active/galera", 200),
    # starting, stopping or failed is not active; nothing here is not either
    ({"galera": STARTING}, "/active/galera", 503),
    ({"galera": STOPPING}, "/active/galera", 503),
    ({"galera": FAILED}, "/unpromoted/galera", 503),
    ({}, "/active/ms_galera", 503),
    # a group: any member; a unique clone: any instance, by its own history name
    ({"fs": STARTED}, "/active/g", 200),
    ({"lb:1": STARTED}, "/active/lb-clone", 200),
    ({"lb:1": STARTED}, "/active/lb", 200),
    ({"lb:1": STARTED}, "/active/lb:1", 200),
    ({"lb:1": STARTED}, "/active/lb:0", 503),
    # a resource that is not promotable has no unpromoted instances; an unknown one is not here
    ({"alone": STARTED}, "/unpromoted/alone", 503),
    ({"alone": STARTED}, "/active/nothing", 503),
    # query strings (HAProxy may send them) do not change the answer
    ({"galera": PROMOTED}, "/promoted/galera?x=1", 200),
])
def test_resource_endpoints(roles: dict[str, str], path: str, code: int) -> None:
    assert status(facts(roles), path) == code


def test_a_node_without_its_lease_answers_503_to_everything() -> None:
    fenced = facts({"galera": PROMOTED, "fs": STARTED}, member=False, fenced=1)
    for path in ("/health", "/", "/active/g", "/promoted/galera", "/unpromoted/galera"):
        assert status(fenced, path) == 503, path
    assert "self-fenced" in answer(fenced, "/health").body["answer"]
    assert status(facts({}), "/health") == 200


def test_unknown_endpoints_are_404_with_the_list_of_the_right_ones() -> None:
    for path in ("/primary", "/active", "/active/a/b", "/promoted/"):
        reply = answer(facts({}), path)
        assert reply.status == 404, path
        assert "/promoted/R" in reply.body["answer"]


def test_the_body_is_the_nodes_view_with_the_reason_and_no_parameters() -> None:
    reply = answer(facts({"galera": STARTED, "fs": FAILED}), "/promoted/ms_galera")
    assert reply.body == {"node": "n1", "member": True, "self_fenced": 0, "config_revision": 42,
                          "resources": {"fs": "failed", "galera": "started"},
                          "answer": "ms_galera is not promoted on n1 (galera started)"}
    assert "10.0.0.9" not in str(reply.body)  # roles only: parameters (and secrets among them) never


def test_a_local_resource_is_answered_for_before_the_configuration_was_read() -> None:
    f = NodeFacts("n1", True, {"galera": PROMOTED})
    assert status(f, "/promoted/galera") == 200
    assert status(f, "/promoted/ms_galera") == 503


@pytest.mark.parametrize(("before", "task", "rc", "target", "after"), [
    (None, "start", None, 0, STARTING),
    (STARTING, "start", 0, 0, STARTED),
    (STARTING, "start", 1, 0, FAILED),
    (STARTED, "promote", None, 0, STARTED),   # not promoted until the agent says so
    (STARTED, "promote", 0, 0, PROMOTED),
    (PROMOTED, "demote", None, 0, STARTED),   # no longer the writer from the moment demote begins
    (STARTED, "stop", None, 0, STOPPING),
    (STOPPING, "stop", 0, 0, None),
    (STOPPING, "stop", 1, 0, FAILED),
    (None, "monitor", 7, 7, None),            # a probe finding nothing
    (None, "monitor", 8, 7, PROMOTED),        # a probe finding a promoted instance
    (STARTED, "monitor", 0, 0, STARTED),
    (PROMOTED, "monitor", 9, 8, FAILED),
    (PROMOTED, "monitor", 1, 8, FAILED),
    (PROMOTED, "monitor", None, 8, PROMOTED),
    (STARTED, "notify", 0, 0, STARTED),
])
def test_next_role(before: str | None, task: str, rc: int | None, target: int, after: str | None) -> None:
    assert next_role(before, task, rc, target) == after
