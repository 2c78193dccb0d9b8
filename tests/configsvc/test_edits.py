"""Operator edits (configsvc.edits) and ConfigService.edit: the change, its refusal, and what the scheduler
then decides."""

from __future__ import annotations

import pytest

from hastack.configsvc import ConfigService, PortStore, edits
from hastack.crm import parse
from hastack.errors import HastackError
from hastack.model.config import Location
from hastack.scheduler import schedule
from hastack.store.memory import MemoryStore

CRM = """node n1
node n2
primitive d1 ocf:heartbeat:Dummy op monitor interval=10s
property stonith-enabled=false
"""


def config():  # type: ignore[no-untyped-def]
    return parse(CRM, "edits.crm").config


def started_on(c, node: str) -> bool:  # type: ignore[no-untyped-def]
    from hastack.store.records import assemble_state
    state = assemble_state(c, {"n1": "n1", "n2": "n2"}, {}, {}, None)
    t = schedule(c, state, 1_700_000_000)
    return any(a.task == "start" and a.rsc == "d1" and a.node == node and not a.optional for a in t.actions)


def test_move_prefers_the_node_and_clear_removes_it() -> None:
    moved = edits.move(config(), "d1", "n2")
    loc = [c for c in moved.constraints if isinstance(c, Location)]
    assert [(c.id, c.rsc, c.node, c.score) for c in loc] == [("cli-prefer-d1", "d1", "n2", 1_000_000)]
    assert started_on(moved, "n2") and not started_on(config(), "n2")
    assert edits.clear(moved, "d1").constraints == ()


def test_ban_keeps_the_resource_off_the_node() -> None:
    banned = edits.ban(config(), "d1", "n1")
    assert started_on(banned, "n2")
    assert edits.clear(banned, "d1").constraints == ()


def test_stop_and_start_set_and_remove_target_role() -> None:
    stopped = edits.set_target_role(config(), "d1", "Stopped")
    assert not started_on(stopped, "n1") and not started_on(stopped, "n2")
    again = edits.set_target_role(stopped, "d1", None)
    assert started_on(again, "n1")


def test_standby_moves_resources_off_the_node() -> None:
    assert started_on(edits.standby(config(), "n1", True), "n2")
    assert started_on(edits.standby(edits.standby(config(), "n1", True), "n1", False), "n1")


def test_unknown_names_are_refused_with_did_you_mean() -> None:
    with pytest.raises(HastackError, match="no resource 'd2'") as err:
        edits.move(config(), "d2", "n1")
    assert "did you mean 'd1'" in err.value.hint
    with pytest.raises(HastackError, match="no node 'n3'"):
        edits.standby(config(), "n3", True)


def test_the_service_commits_an_edit_and_retries_after_a_lost_race() -> None:
    store = MemoryStore()
    store.commit(config(), 0)
    svc = ConfigService(PortStore(store))
    calls = []

    def racing(c):  # type: ignore[no-untyped-def]
        calls.append(1)
        if len(calls) == 1:  # someone else commits between our read and our commit
            store.commit(edits.standby(c, "n2", True), store.snapshot().config_revision)
        return edits.move(c, "d1", "n2")

    outcome = svc.edit(racing, "move d1")
    assert outcome.committed and len(calls) == 2
    stored = store.snapshot().configuration
    assert any(c.id == "cli-prefer-d1" for c in stored.constraints)
    assert any(("standby", "on") in s.pairs for n in stored.nodes for s in n.attributes)  # the other change stays
