"""Node health: #health* attributes as location scores under each node-health-strategy."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from test_scheduler_unit_models import node_state, state
from hastack.crm import parse
from hastack.model import scores
from hastack.scheduler import schedule
from hastack.scheduler.health import constrains, health_colour, health_policy, node_health

INF = scores.INFINITY


def test_strategies_give_colours_their_scores() -> None:
    assert node_health(health_policy({}), {"#health-disk": "red"}) == 0
    assert node_health(health_policy({"node-health-strategy": "migrate-on-red"}), {"#health-disk": "yellow"}) == 0
    assert node_health(health_policy({"node-health-strategy": "migrate-on-red"}), {"#health-disk": "red"}) == -INF
    assert node_health(health_policy({"node-health-strategy": "only-green"}), {"#health-a": "yellow"}) == -INF
    assert node_health(health_policy({"node-health-strategy": "bogus"}), {"#health-a": "red"}) == 0


def test_the_colour_shown_is_the_worst_attributes() -> None:
    """crm_mon's colour: a colour's name counts first, then the score against red's and yellow's."""
    red = health_policy({"node-health-strategy": "migrate-on-red"})
    assert health_colour(health_policy({}), {"#health-disk": "red"}) == "green"  # strategy none
    assert health_colour(red, {"#health-a": "yellow", "#health-b": "RED"}) == "red"
    assert health_colour(red, {"#health-a": "yellow", "#health-b": "green", "other": "red"}) == "yellow"
    assert health_colour(red, {"#health-a": "-INFINITY"}) == "red"
    # yellow scores as green does under migrate-on-red: a score says yellow only when they differ
    assert health_colour(red, {"#health-a": "-10"}) == "green"
    progressive = health_policy({"node-health-strategy": "progressive", "node-health-red": "-100",
                                 "node-health-yellow": "-10"})
    assert health_colour(progressive, {"#health-a": "-10"}) == "yellow"
    assert health_colour(progressive, {"#health-a": "-100"}) == "red"


def test_progressive_adds_base_and_every_health_attribute() -> None:
    policy = health_policy({"node-health-strategy": "progressive", "node-health-base": "100",
                            "node-health-yellow": "-30", "node-health-green": "5"})
    attrs = {"#health-a": "yellow", "#health-b": "green", "#healthy": "-10", "other": "-1000"}
    assert node_health(policy, attrs) == 100 - 30 + 5 - 10


def test_allow_unhealthy_nodes_exempts_from_negative_health_only() -> None:
    assert constrains(-INF, {})
    assert not constrains(-INF, {"allow-unhealthy-nodes": "true"})
    assert constrains(10, {"allow-unhealthy-nodes": "true"})


def test_red_node_is_left_unless_the_resource_allows_unhealthy_nodes() -> None:
    cfg = parse("property stonith-enabled=false node-health-strategy=migrate-on-red\n"
                "node n1\nnode n2\nprimitive a ocf:pacemaker:Dummy\n"
                "primitive b ocf:pacemaker:Dummy meta allow-unhealthy-nodes=true\n"
                "location la a 10: n1\nlocation lb b 10: n1\n").config
    st = state(node_state("n1", attrs={"#health-cpu": "red"}), node_state("n2"))
    placement = schedule(cfg, st, 0).placement
    assert placement["a"].node == "n2"
    assert placement["b"].node == "n1"
