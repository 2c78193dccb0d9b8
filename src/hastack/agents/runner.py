"""The thin asyncio shell around the planner and the executor.

`ActionRunner.submit(req)` queues an action and returns its result when
done; the runner starts queued actions as planner.pick_runnable allows
(node limit, one per resource, FIFO) and runs each executor call in a
worker thread (the executor blocks on the agent's process).
`MonitorLoop` keeps the recurring monitors of local resources going:
it asks planner.plan_monitors what is due, submits those, hands each result
to a callback, and sleeps until the plan's next time (or until woken by a
role change). All decisions are the planner's.

Imports nothing of hastack beyond the model and agents.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from hastack.agents.action import ActionRequest, ActionResult
from hastack.agents.planner import RecurringOp, pick_runnable, plan_monitors
from hastack.model.values import AgentRef, Role

DEFAULT_NODE_ACTION_LIMIT = 8  # Pacemaker: node-action-limit 0 = 2 x cores; we take a fixed default


@dataclass
class ActionRunner:
    execute: Callable[[ActionRequest], ActionResult]
    limit: int = DEFAULT_NODE_ACTION_LIMIT
    _queue: list[tuple[ActionRequest, asyncio.Future[ActionResult]]] = field(default_factory=list)
    _running: set[str] = field(default_factory=set)
    _tasks: set[asyncio.Task[None]] = field(default_factory=set)  # strong refs: the loop keeps only weak ones
    peak: int = 0  # most actions seen in flight at once (for tests and metrics)

    async def submit(self, req: ActionRequest) -> ActionResult:
        fut: asyncio.Future[ActionResult] = asyncio.get_running_loop().create_future()
        self._queue.append((req, fut))
        self._pump()
        return await fut

    def busy(self) -> frozenset[str]:
        return frozenset(self._running)

    def _pump(self) -> None:
        picked = pick_runnable([r for r, _ in self._queue], self._running, self.limit)
        starting = [self._queue[i] for i in picked]
        for i in sorted(picked, reverse=True):
            del self._queue[i]
        for req, fut in starting:
            rid = req.resource_id or str(req.agent)
            self._running.add(rid)
            self.peak = max(self.peak, len(self._running))
            task = asyncio.get_running_loop().create_task(self._run(rid, req, fut))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

    async def _run(self, rid: str, req: ActionRequest, fut: asyncio.Future[ActionResult]) -> None:
        try:
            result = await asyncio.to_thread(self.execute, req)
            if not fut.done():
                fut.set_result(result)
        except BaseException as err:  # a bug in the executor: hand it to the waiter
            if not fut.done():
                fut.set_exception(err)
        finally:
            self._running.discard(rid)
            self._pump()


@dataclass
class LocalResource:
    """What the monitor loop needs to build a monitor request for one resource."""

    agent: AgentRef
    params: tuple[tuple[str, str], ...] = ()
    meta: tuple[tuple[str, str], ...] = ()


@dataclass
class MonitorLoop:
    runner: ActionRunner
    on_result: Callable[[ActionResult], None]
    clock: Callable[[], float] = time.monotonic
    ops: list[RecurringOp] = field(default_factory=list)
    resources: dict[str, LocalResource] = field(default_factory=dict)
    roles: dict[str, Role] = field(default_factory=dict)
    last_run: dict[tuple[str, str, int], float] = field(default_factory=dict)
    _wake: asyncio.Event = field(default_factory=asyncio.Event)
    _stopped: bool = False

    def set_role(self, rid: str, role: Role) -> None:
        """Record a resource's new local role (after start/stop/promote/demote); its monitors follow."""
        if self.roles.get(rid) != role:
            for key in [k for k in self.last_run if k[0] == rid]:
                del self.last_run[key]
        self.roles[rid] = role
        self._wake.set()

    def add(self, rid: str, resource: LocalResource, ops: Iterable[RecurringOp]) -> None:
        self.resources[rid] = resource
        self.ops.extend(ops)
        self._wake.set()

    def stop(self) -> None:
        self._stopped = True
        self._wake.set()

    async def run(self) -> None:
        pending: set[asyncio.Task[None]] = set()
        while not self._stopped:
            now = self.clock()
            in_flight = self.runner.busy()
            plan = plan_monitors(self.ops, self.roles, self.last_run, in_flight, now)
            for op in plan.due:
                self.last_run[op.key] = now
                task = asyncio.create_task(self._one(op))
                pending.add(task)
                task.add_done_callback(pending.discard)
            self._wake.clear()
            delay = 1.0 if plan.next_at is None else max(0.01, plan.next_at - self.clock())
            try:
                await asyncio.wait_for(self._wake.wait(), timeout=min(delay, 1.0))
            except asyncio.TimeoutError:
                pass
        for task in pending:
            task.cancel()

    async def _one(self, op: RecurringOp) -> None:
        rsc = self.resources[op.resource_id]
        role = self.roles.get(op.resource_id)
        req = ActionRequest(rsc.agent, op.action, op.resource_id, rsc.params, rsc.meta, interval_ms=op.interval_ms,
                            timeout_ms=op.timeout_ms, role=op.role,
                            target_rc=8 if role is Role.PROMOTED else 0)
        result = await self.runner.submit(req)
        self.on_result(result)
