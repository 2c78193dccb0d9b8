"""Unpack phase: node facts and current roles from operation history."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from test_scheduler_unit_models import config, node_state, op, prim, state, DUMMY
from hastack.model.state import ResourceHistory
from hastack.scheduler.rules import eval_rule, parse_date
from hastack.scheduler.unpack import unpack
from hastack.scheduler.working import R
from hastack.model.config import AttrSet, DateExpression, Expression, Primitive, Rule
from hastack.model.scores import INFINITY as INF


def test_online_offline_and_standby_nodes() -> None:
    cfg = config(["n1", "n2", "n3"], [prim("r")])
    st = state(node_state("n1"), node_state("n2", attrs={"standby": "on"}), node_state("n3", online=False))
    u = unpack(cfg, st, 0)
    n1, n2, n3 = (u.node_by_uname[n] for n in ("n1", "n2", "n3"))
    assert n1.available() and n1.online
    assert n2.online and n2.standby and not n2.available()
    assert not n3.online and not n3.unclean


def test_lost_node_is_unclean_when_fencing_is_enabled() -> None:
    cfg = config(["n1", "n2"], [prim("r")], stonith_enabled="true")
    st = state(node_state("n1"), node_state("n2", online=False, expected="member"))
    u = unpack(cfg, st, 0)
    assert u.node_by_uname["n2"].unclean
    assert u.fence_reasons["n2"] == "peer is no longer part of the cluster"


def test_history_gives_role_and_failure() -> None:
    failed = ResourceHistory("r", DUMMY, (op("start", call=1), op("monitor", rc=7, call=2, interval=10000)))
    u = unpack(config(["n1"], [prim("r")]), state(node_state("n1", failed)), 0)
    r = u.by_id["r"]
    assert r.role == R.STARTED and r.failed and r.stop_flag
    assert [n.uname for n in r.running_on] == ["n1"]


def test_probe_not_running_is_known_but_inactive() -> None:
    h = ResourceHistory("r", DUMMY, (op("monitor", rc=7, expected=7),))
    u = unpack(config(["n1"], [prim("r")]), state(node_state("n1", h)), 0)
    r = u.by_id["r"]
    assert r.role == R.STOPPED and not r.running_on and r.known_on == {"n1"}


def test_rules_compare_typed_values() -> None:
    rule = Rule("r", (Expression("e1", "#uname", "eq", "NODE1"), Expression("e2", "load", "lt", "10")))
    assert eval_rule(rule, {"#uname": "node1", "load": "9"}, 0)
    assert not eval_rule(rule, {"#uname": "node1", "load": "11"}, 0)


@pytest.mark.parametrize(("text", "epoch"), [
    ("2019-09-23 17:30:00", 1569259800),          # no zone: UTC
    ("2019-09-23T17:30:00Z", 1569259800),
    ("2019-09-23 12:30:00 -05:00", 1569259800),   # crm_time_parse allows the blank before the zone
    ("2019-09-23 18:30:00+0100", 1569259800),
    ("2019-09-23 18:30:00 +01", 1569259800),
    ("2019-09-23", 1569196800),
    ("noon", None),
])
def test_dates_with_time_zone_offsets(text: str, epoch: int | None) -> None:
    assert parse_date(text) == epoch


def test_meta_attribute_sets_with_rules_apply_when_the_rule_holds() -> None:
    # A date rule in a higher-scored set overrides target-role=Stopped while it holds.
    window = Rule("r1", (DateExpression("d1", "gt", start="2019-09-23 05:00:00 -05:00"),), score=INF)
    rsc = Primitive("rsc", DUMMY, meta=(AttrSet("plain", (("target-role", "Stopped"),), score=10),
                                        AttrSet("ruled", (("target-role", "Started"),), score=100, rule=window)))
    cfg = config(["n1"], [rsc])
    assert unpack(cfg, state(node_state("n1")), 1569258000).by_id["rsc"].next_role == R.UNKNOWN   # noon: holds
    assert unpack(cfg, state(node_state("n1")), 1569200000).by_id["rsc"].next_role == R.STOPPED   # before 05:00
