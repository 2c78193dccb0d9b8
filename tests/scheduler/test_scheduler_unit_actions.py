"""Actions, ordering and the Transition Summary wording."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from test_scheduler_unit_models import Order, config, node_state, op, prim, started, state, DUMMY
from hastack.model.state import ResourceHistory
from hastack.scheduler import schedule


def test_start_and_probe_for_a_new_resource() -> None:
    t = schedule(config(["n1"], [prim("r")]), state(node_state("n1")), 0)
    assert t.summary == ("Start r (n1)",)
    tasks = {(a.task, a.rsc, a.node, a.interval_ms) for a in t.actions if not a.optional}
    assert ("monitor", "r", "n1", 0) in tasks and ("start", "r", "n1", 0) in tasks


def test_failed_resource_is_recovered_in_place() -> None:
    h = ResourceHistory("r", DUMMY, (op("start", call=1), op("monitor", rc=7, call=2, interval=10000)))
    t = schedule(config(["n1"], [prim("r")]), state(node_state("n1", h)), 0)
    assert t.summary == ("Recover r (n1)",)


def test_standby_moves_the_resource() -> None:
    st = state(node_state("n1", started("r"), attrs={"standby": "on"}), node_state("n2"))
    t = schedule(config(["n1", "n2"], [prim("r")]), st, 0)
    assert t.summary == ("Move r (n1 -> n2)",)


def test_target_role_stopped_stops_with_reason() -> None:
    t = schedule(config(["n1"], [prim("r", target_role="Stopped")]), state(node_state("n1", started("r"))), 0)
    assert t.summary == ("Stop r (n1) due to node availability",)


def test_no_quorum_blocks_starts() -> None:
    cfg = config(["n1"], [prim("r")], no_quorum_policy="stop")
    t = schedule(cfg, state(node_state("n1"), quorum=False), 0)
    assert t.summary == ("Start r (n1) due to no quorum (blocked)",)


def test_restart_of_dependent_names_its_cause() -> None:
    h = ResourceHistory("a", DUMMY, (op("start", call=1), op("monitor", rc=7, call=2, interval=10000)))
    cfg = config(["n1"], [prim("a"), prim("b")], [Order("o", first="a", then="b")])
    t = schedule(cfg, state(node_state("n1", h, started("b"))), 0)
    assert sorted(t.summary) == ["Recover a (n1)", "Restart b (n1) due to required a start"]


def test_unclean_node_is_fenced_before_recovery() -> None:
    fence = prim("st")
    fence = type(fence)("st", type(fence.agent)("stonith", "fence_dummy"))  # type: ignore[arg-type,misc]
    cfg = config(["n1", "n2"], [fence, prim("r")], stonith_enabled="true")
    st = state(node_state("n1", started("st")), node_state("n2", started("r"), online=False))
    t = schedule(cfg, st, 0)
    assert "Fence (reboot) n2 'peer is no longer part of the cluster'" in t.summary
    assert "Move r (n2 -> n1)" in t.summary


def test_failure_timeout_sets_recheck_time() -> None:
    h = ResourceHistory("r", DUMMY, (op("start", call=1), op("monitor", rc=7, call=2, interval=10000,
                                                           last_change=1000)))
    cfg = config(["n1", "n2"], [prim("r", failure_timeout="60s", migration_threshold="1")])
    st = state(node_state("n1", h, attrs={"fail-count-r": "1", "last-failure-r": "1000"}), node_state("n2"))
    t = schedule(cfg, st, 1010)
    assert t.recheck_at == 1061
    assert t.placement["r"].node == "n2"
    later = schedule(cfg, st, 2000)
    assert later.recheck_at is None
    assert later.placement["r"].node == "n1"


def test_digest_matches_pacemaker_recorded_values() -> None:
    from hastack.scheduler.digest import digest_of
    assert digest_of({}) == "f2317cad3d54cec5d7d7aa7d0bf35cf8"
    assert digest_of({"ip": "10.136.132.228"}) == "3318a8a5986a3f9535736f92159c8037"
    assert digest_of({"ip": "10.136.132.228", "CRM_meta_timeout": "10000"}) == "93e01a8306279f10eb7583786235ab86"


def test_definition_change_restarts_the_resource() -> None:
    from hastack.model.config import AttrSet, Primitive
    from hastack.model.state import OpRecord
    from hastack.scheduler.digest import digest_of
    old = digest_of({"ip": "10.0.0.1"})
    start = OpRecord(id="r_start_0", operation="start", call_id=1, rc_code=0, op_status=0,
                     transition_key="1:1:0:x", op_digest=old)
    r = Primitive("r", DUMMY, params=(AttrSet("p", (("ip", "10.0.0.2"),)),))
    t = schedule(config(["n1"], [r]), state(node_state("n1", ResourceHistory("r", DUMMY, (start,)))), 0)
    assert t.summary == ("Restart r (n1) due to resource definition change",)
