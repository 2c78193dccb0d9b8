"""schedule() flips no process-wide switch; callers that need one use hastack.bulkwork.

The garbage collector and the recursion limit belong to the whole process (the
daemon will run several threads). The scheduler leaves both as it found them;
a chain of ordered resources deeper than the caller's recursion limit is a
ScheduleError that says how to fix it, and `bulk_work()` is that fix.
"""

from __future__ import annotations

import gc
import sys
from collections.abc import Iterator

import pytest

from hastack.bulkwork import RECURSION_LIMIT, bulk_work, paused_gc
from hastack.crm import parse
from hastack.errors import HastackError, ScheduleError
from hastack.model.state import ClusterState, NodeState
from hastack.scheduler import schedule


def chain(n: int) -> tuple[object, ClusterState]:
    """n ordered primitives r0 -> r1 -> ... whose first cannot run anywhere: every start is blocked."""
    lines = ["node n1", "node n2", "property stonith-enabled=false", "location ban r0 -inf: n1",
             "location ban2 r0 -inf: n2"]
    lines += [f"primitive r{i} ocf:pacemaker:Dummy" for i in range(n)]
    lines += [f"order o{i} Mandatory: r{i} r{i + 1}" for i in range(n - 1)]
    config = parse("\n".join(lines), "chain.crm").config
    nodes = {u: NodeState(id=u, uname=u, in_ccm="true", crmd="online", join="member", expected="member")
             for u in ("n1", "n2")}
    return config, ClusterState(nodes=nodes)


@pytest.fixture
def default_limit() -> Iterator[None]:
    old = sys.getrecursionlimit()
    sys.setrecursionlimit(1000)
    try:
        yield
    finally:
        sys.setrecursionlimit(old)


def test_schedule_leaves_the_collector_and_the_recursion_limit_alone(default_limit: None) -> None:
    config, state = chain(50)
    assert gc.isenabled()
    collections: list[str] = []
    # Automatic collections happen only while the collector is on: some must happen inside schedule().
    gc.callbacks.append(lambda phase, info: collections.append(phase))
    try:
        t = schedule(config, state, 0)
    finally:
        gc.callbacks.pop()
    assert gc.isenabled() and sys.getrecursionlimit() == 1000
    assert collections, "no garbage collection ran during schedule(): it paused the collector"
    assert not any(a.runnable for a in t.actions if a.task == "start")


def test_a_chain_too_deep_for_the_callers_limit_is_a_clear_error(default_limit: None) -> None:
    config, state = chain(600)
    with pytest.raises(ScheduleError, match="recursion limit") as err:
        schedule(config, state, 0)
    assert isinstance(err.value, HastackError) and "bulk_work()" in err.value.hint
    assert sys.getrecursionlimit() == 1000


def test_bulk_work_lets_the_same_chain_schedule_and_restores_both_switches(default_limit: None) -> None:
    config, state = chain(600)
    with bulk_work():
        assert not gc.isenabled() and sys.getrecursionlimit() == RECURSION_LIMIT
        t = schedule(config, state, 0)
    assert gc.isenabled() and sys.getrecursionlimit() == 1000
    starts = [a for a in t.actions if a.task == "start"]
    assert len(starts) == 600 and not any(a.runnable for a in starts)


def test_paused_gc_keeps_a_collector_the_caller_had_turned_off() -> None:
    gc.disable()
    try:
        with paused_gc():
            assert not gc.isenabled()
        assert not gc.isenabled()
    finally:
        gc.enable()
