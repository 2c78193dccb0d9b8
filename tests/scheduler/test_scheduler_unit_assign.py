"""Scores and assignment: locations, stickiness, fail limits, colocation, groups, clones, promotion."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from test_scheduler_unit_models import Clone, Colocation, Group, Location, config, node_state, op, prim, started, state, DUMMY
from hastack.model.state import ResourceHistory
from hastack.model.values import Role
from hastack.scheduler import schedule


def test_location_preference_wins_and_is_explained() -> None:
    cfg = config(["n1", "n2"], [prim("r")], [Location("loc1", rsc="r", node="n2", score=100)])
    t = schedule(cfg, state(node_state("n1"), node_state("n2")), 0)
    assert t.placement["r"].node == "n2"
    assert t.scores["r"] == {"n1": 0, "n2": 100}
    assert any(c.source == "location:loc1" and c.delta == 100 and c.node == "n2" for c in t.contributions["r"])


def test_equal_scores_break_ties_by_node_name_then_load() -> None:
    cfg = config(["n2", "n1"], [prim("a"), prim("b")])
    t = schedule(cfg, state(node_state("n1"), node_state("n2")), 0)
    assert t.placement["a"].node == "n1"  # lowest name first
    assert t.placement["b"].node == "n2"  # then the node with fewer resources


def test_stickiness_keeps_a_running_resource() -> None:
    cfg = config(["n1", "n2"], [prim("r", resource_stickiness="100")], [Location("l", rsc="r", node="n1", score=50)])
    t = schedule(cfg, state(node_state("n1"), node_state("n2", started("r"))), 0)
    assert t.placement["r"].node == "n2"
    assert t.summary == ()


def test_migration_threshold_bans_the_failed_node() -> None:
    cfg = config(["n1", "n2"], [prim("r", migration_threshold="1")])
    st = state(node_state("n1", started("r"), attrs={"fail-count-r": "1"}), node_state("n2"))
    t = schedule(cfg, st, 0)
    assert t.placement["r"].node == "n2"
    assert t.scores["r"]["n1"] == -1_000_000


def test_mandatory_colocation_follows_the_primary() -> None:
    cfg = config(["n1", "n2"], [prim("a"), prim("b")],
                 [Location("l", rsc="a", node="n2", score=10), Colocation("c", 1_000_000, rsc="b", with_rsc="a")])
    t = schedule(cfg, state(node_state("n1"), node_state("n2")), 0)
    assert t.placement["b"].node == t.placement["a"].node == "n2"


def test_group_members_share_a_node() -> None:
    cfg = config(["n1", "n2"], [prim("a"), prim("b"), Group("g", ("a", "b"))],
                 [Location("l", rsc="g", node="n2", score=10)])
    t = schedule(cfg, state(node_state("n1"), node_state("n2")), 0)
    assert t.placement["a"].node == t.placement["b"].node == "n2"
    assert sorted(t.summary) == ["Start a (n2)", "Start b (n2)"]


def test_clone_spreads_one_instance_per_node() -> None:
    cfg = config(["n1", "n2", "n3"], [prim("c"), Clone("cl", "c")])
    t = schedule(cfg, state(node_state("n1"), node_state("n2"), node_state("n3")), 0)
    nodes = sorted(p.node for k, p in t.placement.items() if k.startswith("c:"))  # type: ignore[type-var]
    assert nodes == ["n1", "n2", "n3"]


def test_promotable_clone_promotes_highest_promotion_score() -> None:
    cfg = config(["n1", "n2"], [prim("s"), Clone("ms", "s", promotable=True)])
    unpromoted = lambda rid: ResourceHistory(rid, DUMMY, (op("start"),))  # noqa: E731
    st = state(node_state("n1", unpromoted("s"), attrs={"master-s": "5"}),
               node_state("n2", unpromoted("s"), attrs={"master-s": "10"}))
    t = schedule(cfg, st, 0)
    promoted = [p.node for p in t.placement.values() if p.role is Role.PROMOTED]
    assert promoted == ["n2"]
    assert any(line.startswith("Promote s:") and "Unpromoted -> Promoted n2" in line for line in t.summary)


def test_fail_count_form_follows_the_cib_feature_set() -> None:
    from dataclasses import replace
    cfg = config(["n1", "n2"], [prim("r", migration_threshold="1")])
    legacy = state(node_state("n1", started("r"), attrs={"fail-count-r": "1"}), node_state("n2"))
    assert schedule(cfg, legacy, 0).placement["r"].node == "n2"
    # Feature set 3.0.13 and later count only fail-count-<rsc>#<op>_<interval>.
    new = replace(legacy, header=(("crm_feature_set", "3.16.1"),))
    assert schedule(cfg, new, 0).placement["r"].node == "n1"
    per_op = replace(state(node_state("n1", started("r"), attrs={"fail-count-r#monitor_10000": "1"}),
                           node_state("n2")), header=(("crm_feature_set", "3.16.1"),))
    assert schedule(cfg, per_op, 0).placement["r"].node == "n2"


def test_resources_on_a_maintenance_node_are_left_alone() -> None:
    cfg = config(["n1", "n2"], [prim("r")])
    st = state(node_state("n1", started("r"), attrs={"maintenance": "true"}), node_state("n2"))
    t = schedule(cfg, st, 0)
    assert t.summary == ()
    assert t.placement["r"].node == "n1"
