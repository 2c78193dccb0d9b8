"""What an agent's exit code means to the executor, and what the cluster does about it.

The vocabulary (OcfRc, ExecStatus, rc names) and the reading of a result
(`classify`) live once in hastack.model.results; this module re-exports them
for the agents and turns a reading into what the executor reports: ok or
not, the failure class, and the cluster's default reaction to it.

Imports nothing of hastack beyond the model.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from hastack.model.results import (
    ExecStatus, OcfRc, Reading, ResultKind, classify, default_target_rc, rc_meaning, rc_name,
)

__all__ = [
    "ExecStatus", "FailureKind", "OcfRc", "Outcome", "Reaction", "default_on_fail", "expected_rc",
    "interpret", "rc_meaning", "rc_name", "start_failure_fail_count",
]

# Legacy spellings still used by resource-agents' ocf-returncodes.
RUNNING_MASTER = OcfRc.RUNNING_PROMOTED
FAILED_MASTER = OcfRc.FAILED_PROMOTED


class FailureKind(str, Enum):
    """Pacemaker's failure classes."""

    NONE = "none"  # not a failure
    SOFT = "soft"  # recover in place; fail count + 1; moves only at migration-threshold
    HARD = "hard"  # ban from this node (-INFINITY), recover elsewhere
    FATAL = "fatal"  # config invalid everywhere: stop on all nodes, never retry


_KIND = {ResultKind.SOFT: FailureKind.SOFT, ResultKind.HARD: FailureKind.HARD, ResultKind.FATAL: FailureKind.FATAL}


def failure_kind(rc: int) -> FailureKind:
    """Class of rc as the failure of a one-shot action expected to succeed (see `interpret`)."""
    return _KIND.get(classify("start", 0, rc, ExecStatus.DONE, OcfRc.OK).kind, FailureKind.NONE)


class Reaction(str, Enum):
    """What the cluster does after an action result (before on-fail overrides)."""

    NOTHING = "nothing"  # success, or an expected rc
    RECOVER_HERE = "recover in place"  # stop + start on the same node
    MOVE_AWAY = "ban from this node and recover elsewhere"
    STOP_EVERYWHERE = "stop on all nodes and do not retry"
    NOT_HERE = "not running here (no action)"  # probe 7 or 5
    FENCE_OR_BLOCK = "fence the node (or block the resource without fencing)"  # failed stop


@dataclass(frozen=True)
class Outcome:
    """The interpretation of one result: did it succeed, and what follows."""

    ok: bool
    kind: FailureKind
    reaction: Reaction
    degraded: bool = False
    promoted: bool | None = None  # the role a monitor reported, when it says so
    running: bool | None = None  # whether a monitor/probe says the resource is active

    def sentence(self) -> str:
        if self.ok:
            extra = " (degraded)" if self.degraded else ""
            return f"ok{extra}" if self.reaction is Reaction.NOTHING else self.reaction.value
        return f"{self.kind.value} failure: {self.reaction.value}"


# What a monitor's (effective) rc says about the resource: active, and promoted or not.
_ACTIVE_RCS: dict[int, bool] = {OcfRc.OK: False, OcfRc.RUNNING_PROMOTED: True, OcfRc.FAILED_PROMOTED: True}


def expected_rc(action: str, interval_ms: int, target_rc: int | None) -> int:
    """The rc the cluster expects: `target_rc` if given, else 7 for a probe, 0 otherwise."""
    return default_target_rc(action, interval_ms) if target_rc is None else target_rc


def interpret(action: str, rc: int, status: ExecStatus = ExecStatus.DONE, *,
              interval_ms: int = 0, target_rc: int | None = None) -> Outcome:
    """The executor's report of one result: hastack.model.results.classify decides what it
    means; this adds the cluster's default reaction (on-fail overrides it) and what a monitor
    said about the resource. A failed stop fences the node by default (or blocks the resource
    without fencing), whatever its failure class."""
    reading = classify(action, interval_ms, rc, status, expected_rc(action, interval_ms, target_rc))
    running, promoted = _monitor_says(action, reading)
    if reading.ok:
        probe_absent = reading.kind is ResultKind.NOT_RUNNING and interval_ms == 0 and action == "monitor"
        reaction = Reaction.NOT_HERE if probe_absent else Reaction.NOTHING
        return Outcome(True, FailureKind.NONE, reaction, reading.degraded, promoted, running)
    kind = _KIND.get(reading.kind, FailureKind.SOFT)
    if action == "stop":
        reaction = Reaction.FENCE_OR_BLOCK
    else:
        reaction = {FailureKind.SOFT: Reaction.RECOVER_HERE, FailureKind.HARD: Reaction.MOVE_AWAY,
                    FailureKind.FATAL: Reaction.STOP_EVERYWHERE}[kind]
    return Outcome(False, kind, reaction, reading.degraded, promoted, running)


def _monitor_says(action: str, reading: Reading) -> tuple[bool | None, bool | None]:
    """(running, promoted) as a monitor's result reports them; (None, None) for other actions
    and for results that say nothing about the resource (errors, timeouts)."""
    if action != "monitor" or reading.status not in (ExecStatus.DONE, ExecStatus.ERROR):
        return None, None
    if reading.rc == OcfRc.NOT_RUNNING:
        return False, None
    if reading.rc in _ACTIVE_RCS:
        return True, _ACTIVE_RCS[reading.rc]
    return None, None


# on-fail: what to do when an operation fails, by op name when not configured.
ON_FAIL_VALUES = ("ignore", "block", "stop", "restart", "demote", "standby", "fence")


def default_on_fail(action: str, fencing_enabled: bool = True) -> str:
    """Pacemaker's default on-fail: stop failures fence (or block), everything else restarts."""
    if action == "stop":
        return "fence" if fencing_enabled else "block"
    return "restart"


def start_failure_fail_count(start_failure_is_fatal: bool = True) -> str:
    """Fail count set after a failed start: INFINITY by default (the resource leaves the node)."""
    return "INFINITY" if start_failure_is_fatal else "+1"
