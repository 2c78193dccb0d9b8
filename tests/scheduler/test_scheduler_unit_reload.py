"""Agent reloads: a changed definition that only touches reloadable parameters."""

from __future__ import annotations

import sys
from dataclasses import replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from test_scheduler_unit_models import DUMMY, Location, config, node_state, op, prim, state
from hastack.model.config import AttrSet
from hastack.model.state import ResourceHistory
from hastack.scheduler import schedule
from hastack.scheduler.digest import digest_of


def _reloadable_case(*constraints: object):  # type: ignore[no-untyped-def]
    """r runs on n1, recorded with the old value of a parameter its agent can reload
    (`state` is not among the restart parameters)."""
    r = replace(prim("r"), params=(AttrSet("p", (("state", "new"),)),))
    started = replace(op("start"), op_digest=digest_of({"state": "old"}),
                      op_restart_digest=digest_of({}), op_force_restart=" envfile ")
    cfg = config(["n1", "n2"], [r], list(constraints))
    return cfg, state(node_state("n1", ResourceHistory("r", DUMMY, (started,))), node_state("n2"))


def test_changed_reloadable_parameter_reloads() -> None:
    cfg, st = _reloadable_case()
    t = schedule(cfg, st, 0)
    assert t.summary == ("Reload r (n1)",)
    (reload,) = [a for a in t.actions if a.task == "reload-agent" and not a.optional]
    assert (reload.node, reload.key, reload.reason) == ("n1", "r_reload-agent_0", "resource definition change")
    assert not any(a.task in ("stop", "start") and not a.optional for a in t.actions)


def test_a_move_cancels_the_reload() -> None:
    cfg, st = _reloadable_case(Location("ban", "r", node="n1", score=-1_000_000))
    t = schedule(cfg, st, 0)
    assert t.summary == ("Move r (n1 -> n2)",)
    assert all(a.optional for a in t.actions if a.task == "reload-agent")
