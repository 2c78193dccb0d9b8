"""What to run when (pure): recurring monitors by interval and role, and which queued actions may start.

No clock and no I/O: `now` is an argument (monotonic seconds), the answer
says what is due and when to ask again. The runner (runner.py) does the
waiting and the running.

Pacemaker's rules: a recurring monitor runs only while its resource is
active on this node, and a role-specific one (role=Promoted/Unpromoted) only
in that role — when the role changes, the other role's monitor is
cancelled and this one starts. The first run follows the start right away,
then every interval. At most `limit` actions run at once on a node
(node-action-limit) and at most one per resource, in submission order.

Imports nothing of hastack beyond the model and agents.action.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from hastack.agents.action import ActionRequest
from hastack.model.values import Role


@dataclass(frozen=True)
class RecurringOp:
    """A configured recurring monitor of one local resource instance."""

    resource_id: str
    interval_ms: int
    role: Role | None = None  # None: any active role
    timeout_ms: int = 20_000
    action: str = "monitor"

    @property
    def key(self) -> tuple[str, str, int]:
        return (self.resource_id, self.action, self.interval_ms)


@dataclass(frozen=True)
class MonitorPlan:
    due: tuple[RecurringOp, ...]  # run these now, in this order
    next_at: float | None  # when the next one becomes due; None when nothing is scheduled
    idle: tuple[RecurringOp, ...] = ()  # configured but not applicable (resource inactive or other role)


def role_matches(op_role: Role | None, current: Role) -> bool:
    if current is Role.STOPPED:
        return False
    if op_role is None:
        return True
    if op_role is Role.STARTED:
        return current in (Role.STARTED, Role.UNPROMOTED)
    return op_role is current


def plan_monitors(ops: Iterable[RecurringOp], roles: Mapping[str, Role], last_run: Mapping[tuple[str, str, int], float],
                  running: Iterable[str], now: float) -> MonitorPlan:
    """Which recurring monitors are due at `now`.

    roles: current role of each resource active here (absent = not active).
    last_run: when each op last *started* (absent = never since it applied).
    running: resources with an action in flight (their monitors wait).
    """
    busy = set(running)
    due: list[RecurringOp] = []
    idle: list[RecurringOp] = []
    next_at: float | None = None
    for op in sorted(ops, key=lambda o: (o.resource_id, o.interval_ms)):
        role = roles.get(op.resource_id, Role.STOPPED)
        if op.interval_ms <= 0 or not role_matches(op.role, role):
            idle.append(op)
            continue
        last = last_run.get(op.key)
        at = now if last is None else last + op.interval_ms / 1000.0
        if at <= now and op.resource_id not in busy:
            due.append(op)
            at = now + op.interval_ms / 1000.0
        elif at <= now:
            at = now  # blocked by an action in flight: ask again when it ends
        next_at = at if next_at is None else min(next_at, at)
    if due:
        nexts = [now + o.interval_ms / 1000.0 for o in due]
        next_at = min([*nexts, *([next_at] if next_at is not None else [])])
    return MonitorPlan(tuple(due), next_at, tuple(idle))


def pick_runnable(queue: Sequence[ActionRequest], running: Iterable[str], limit: int) -> list[int]:
    """Indexes of queued requests that may start now: FIFO, one per resource, at most `limit` in flight."""
    busy = set(running)
    free = max(0, limit - len(busy)) if limit > 0 else len(queue)
    picked: list[int] = []
    for i, req in enumerate(queue):
        if len(picked) >= free:
            break
        rid = req.resource_id or str(req.agent)
        if rid in busy:
            continue
        busy.add(rid)
        picked.append(i)
    return picked
