"""On-fail: what a failed operation asks for, as Pacemaker's unpack_operation reads it.

Owns the lookup of an operation's definition, the on-fail value of an operation (configured, else the default for its task: fence or
block for a stop, restart-container for what lives in a container, reset_remote -- fence the
node -- for a remote connection's lost monitor) and the ranking by which the worst failure of a
resource's history wins.

Imports only the model and the scheduler's working records.
"""

from __future__ import annotations

from typing import Protocol

from hastack.model.config import Op
from hastack.model.values import Role
from hastack.scheduler.working import WRsc


class FencingOption(Protocol):
    stonith_enabled: bool


ON_FAIL_RANK = {"ignore": 0, "demote": 1, "recover": 2, "restart": 2, "migrate": 3,
                "block": 4, "stop": 5, "standby": 6, "fence": 7, "restart-container": 8, "reset_remote": 9}


def op_definition(r: WRsc, task: str, interval_ms: int) -> Op | None:
    """find_rsc_op_entry (disabled ops included): the op with the action's name and interval
    (a notification's is a `notify` op; a cancellation's, the op it cancels)."""
    if r.definition is None:
        return None
    for op in r.definition.ops:
        if op.name == task and op.interval_ms == interval_ms:
            return op
    return None


def on_fail_for(r: WRsc, task: str, interval_ms: int, opts: FencingOption) -> str:
    op = op_definition(r, task, interval_ms)
    value = op.on_fail.lower() if op is not None and op.on_fail else None
    if value == "restart":
        value = "recover"
    if value == "restart-container" and r.container is None:
        value = None
    if value is None and r.container is not None:
        return "restart-container"  # a resource inside a container fails with it
    if (value is None or not r.managed) and r.is_remote_node and r.container is None \
            and not (task == "monitor" and interval_ms == 0) and task != "start":
        # a lost connection to a remote node is recovered by fencing that node
        return "reset_remote" if r.managed else "stop"
    if value is None:
        if task == "stop":
            value = "fence" if opts.stonith_enabled else "block"
        elif task == "demote":
            value = "recover"
        else:
            value = "recover"
    if value == "fence" and not opts.stonith_enabled:
        value = "stop"
    if value == "demote" and task != "demote" and not (task == "monitor" and op is not None
                                                         and op.role == Role.PROMOTED):
        value = "recover" if task != "promote" else "demote"
    return value
