"""The asyncio runner: node limit, one action per resource, recurring monitors with a real agent."""

from __future__ import annotations

import asyncio
import threading
import time
from pathlib import Path

from agent_testlib import req

from hastack.agents.action import ActionRequest, ActionResult
from hastack.agents.codes import ExecStatus
from hastack.agents.executor import Executor
from hastack.agents.planner import RecurringOp
from hastack.agents.runner import ActionRunner, LocalResource, MonitorLoop
from hastack.model.values import AgentRef, Role


def test_limit_and_per_resource_serialisation() -> None:
    lock = threading.Lock()
    active: dict[str, int] = {}
    overlaps: list[str] = []
    order: list[tuple[str, str]] = []

    def slow(r: ActionRequest) -> ActionResult:
        with lock:
            active[r.resource_id] = active.get(r.resource_id, 0) + 1
            if active[r.resource_id] > 1:
                overlaps.append(r.resource_id)
            order.append((r.resource_id, r.action))
        time.sleep(0.05)
        with lock:
            active[r.resource_id] -= 1
        return ActionResult(r, 0, ExecStatus.DONE)

    runner = ActionRunner(slow, limit=3)
    agent = AgentRef("ocf", "Dummy", "heartbeat")
    reqs = [ActionRequest(agent, action, rid) for rid in ("a", "b", "c", "d", "e") for action in ("start", "monitor")]

    async def main() -> list[ActionResult]:
        return await asyncio.gather(*(runner.submit(r) for r in reqs))

    began = time.monotonic()
    results = asyncio.run(main())
    assert all(r.ok for r in results) and len(results) == 10
    assert runner.peak == 3 and not overlaps
    for rid in "abcde":  # per resource, submission order is kept
        assert [a for r, a in order if r == rid] == ["start", "monitor"]
    assert time.monotonic() - began >= 0.05 * 10 / 3


def test_monitor_loop_runs_real_dummy_monitors(executor: Executor, tmp_path: Path) -> None:
    state = str(tmp_path / "d.state")
    assert executor.execute(req("ocf:heartbeat:Dummy", "start", "d1", state=state)).rc == 0
    results: list[ActionResult] = []

    async def main() -> None:
        runner = ActionRunner(executor.execute, limit=4)
        loop = MonitorLoop(runner, results.append)
        loop.add("d1", LocalResource(AgentRef("ocf", "Dummy", "heartbeat"), (("state", state),)),
                 [RecurringOp("d1", 150, timeout_ms=5000), RecurringOp("d1", 100, Role.PROMOTED)])
        loop.set_role("d1", Role.STARTED)
        task = asyncio.create_task(loop.run())
        await asyncio.sleep(0.8)
        loop.set_role("d1", Role.STOPPED)  # stopped: its monitors end
        await asyncio.sleep(0.1)
        seen = len(results)
        await asyncio.sleep(0.4)
        assert len(results) == seen
        loop.stop()
        await task

    asyncio.run(main())
    assert len(results) >= 3
    assert all(r.rc == 0 and r.request.interval_ms == 150 for r in results)  # never the Promoted-role one
    assert all(r.request.target_rc == 0 for r in results)
