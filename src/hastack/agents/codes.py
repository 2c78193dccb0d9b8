"""What an agent's exit code means, and what the cluster does about it.

Pure data and functions, shared by the executor (to report a result), the
scheduler (to react to it) and the daemon (to record it). Pacemaker's
semantics: OCF exit codes 0-9 plus 190/191 (degraded), executor statuses
(done, timeout, error, not installed...), and the soft/hard/fatal failure
classes with the reaction each one causes.

Imports nothing of hastack beyond errors.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum, IntEnum


class OcfRc(IntEnum):
    """OCF exit codes. 8/9 keep their legacy shell names as aliases below."""

    SUCCESS = 0
    ERR_GENERIC = 1
    ERR_ARGS = 2
    ERR_UNIMPLEMENTED = 3
    ERR_PERM = 4
    ERR_INSTALLED = 5
    ERR_CONFIGURED = 6
    NOT_RUNNING = 7
    RUNNING_PROMOTED = 8
    FAILED_PROMOTED = 9
    DEGRADED = 190
    DEGRADED_PROMOTED = 191


# Legacy spellings still used by resource-agents' ocf-returncodes.
RUNNING_MASTER = OcfRc.RUNNING_PROMOTED
FAILED_MASTER = OcfRc.FAILED_PROMOTED

_RC_TEXT: dict[int, tuple[str, str]] = {
    0: ("OCF_SUCCESS", "ok"),
    1: ("OCF_ERR_GENERIC", "error"),
    2: ("OCF_ERR_ARGS", "invalid parameter"),
    3: ("OCF_ERR_UNIMPLEMENTED", "unimplemented feature"),
    4: ("OCF_ERR_PERM", "insufficient privileges"),
    5: ("OCF_ERR_INSTALLED", "not installed"),
    6: ("OCF_ERR_CONFIGURED", "not configured"),
    7: ("OCF_NOT_RUNNING", "not running"),
    8: ("OCF_RUNNING_PROMOTED", "promoted"),
    9: ("OCF_FAILED_PROMOTED", "promoted (failed)"),
    190: ("OCF_DEGRADED", "degraded"),
    191: ("OCF_DEGRADED_PROMOTED", "promoted (degraded)"),
}


def rc_name(rc: int) -> str:
    """OCF_SUCCESS, OCF_NOT_RUNNING, ... or `rc <n>` for codes outside the standard."""
    return _RC_TEXT.get(rc, (f"rc {rc}", ""))[0]


def rc_meaning(rc: int) -> str:
    """Pacemaker's short text for an exit code (what crm_mon shows): 'not running'."""
    return _RC_TEXT.get(rc, ("", "unknown error"))[1]


class ExecStatus(IntEnum):
    """How the executor finished an action, numbered as Pacemaker's op_status."""

    PENDING = -1
    DONE = 0
    CANCELLED = 1
    TIMEOUT = 2
    NOT_SUPPORTED = 3
    ERROR = 4
    ERROR_HARD = 5
    ERROR_FATAL = 6
    NOT_INSTALLED = 7

    @property
    def label(self) -> str:
        return self.name.lower().replace("_", " ")


class FailureKind(str, Enum):
    """Pacemaker's failure classes."""

    NONE = "none"  # not a failure
    SOFT = "soft"  # recover in place; fail count + 1; moves only at migration-threshold
    HARD = "hard"  # ban from this node (-INFINITY), recover elsewhere
    FATAL = "fatal"  # config invalid everywhere: stop on all nodes, never retry


_HARD_RCS = frozenset({2, 3, 4, 5})


def failure_kind(rc: int) -> FailureKind:
    """Class of a failed rc, ignoring what was expected (see `interpret`)."""
    if rc == OcfRc.ERR_CONFIGURED:
        return FailureKind.FATAL
    if rc in _HARD_RCS:
        return FailureKind.HARD
    return FailureKind.SOFT


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


_RUNNING_RCS = {0: False, 8: True, 190: False, 191: True, 9: True}


def expected_rc(action: str, interval_ms: int, target_rc: int | None) -> int:
    """The rc the cluster expects when none is given: 0, or 7 for a probe."""
    if target_rc is not None:
        return target_rc
    if action == "monitor" and interval_ms == 0:
        return OcfRc.NOT_RUNNING
    return OcfRc.SUCCESS


def interpret(action: str, rc: int, status: ExecStatus = ExecStatus.DONE, *,
              interval_ms: int = 0, target_rc: int | None = None) -> Outcome:
    """Pacemaker's reading of one result (unpack_rsc_op / determine_op_status).

    A probe (monitor with interval 0) expects "not running" but accepts any
    state report: 7 and 5 mean not running here, 0/8/190/191 mean it runs
    here (the scheduler decides if that is one copy too many). Degraded
    codes count as success. A failed or timed-out stop is the worst case.
    """
    is_probe = action == "monitor" and interval_ms == 0
    if status is ExecStatus.NOT_INSTALLED:
        rc = OcfRc.ERR_INSTALLED
    elif status is ExecStatus.NOT_SUPPORTED:
        rc = OcfRc.ERR_UNIMPLEMENTED
    elif status in (ExecStatus.TIMEOUT, ExecStatus.ERROR):
        if action == "stop":
            return Outcome(False, FailureKind.HARD, Reaction.FENCE_OR_BLOCK)
        return Outcome(False, FailureKind.SOFT, Reaction.RECOVER_HERE)
    elif status is ExecStatus.ERROR_HARD:
        return Outcome(False, FailureKind.HARD, Reaction.MOVE_AWAY)
    elif status is ExecStatus.ERROR_FATAL:
        return Outcome(False, FailureKind.FATAL, Reaction.STOP_EVERYWHERE)

    degraded = rc in (OcfRc.DEGRADED, OcfRc.DEGRADED_PROMOTED)
    running = None
    promoted = None
    if action == "monitor":
        if rc in _RUNNING_RCS:
            running, promoted = True, _RUNNING_RCS[rc]
        elif rc in (OcfRc.NOT_RUNNING, OcfRc.ERR_INSTALLED):
            running = False

    if is_probe:
        if rc in (OcfRc.NOT_RUNNING, OcfRc.ERR_INSTALLED):
            return Outcome(True, FailureKind.NONE, Reaction.NOT_HERE, running=False)
        if rc in (0, 8, 190, 191):
            return Outcome(True, FailureKind.NONE, Reaction.NOTHING, degraded, promoted, True)

    wanted = expected_rc(action, interval_ms, target_rc)
    if rc == wanted or (degraded and _same_role(rc, wanted)):
        return Outcome(True, FailureKind.NONE, Reaction.NOTHING, degraded, promoted, running)
    if action == "stop":
        if rc == OcfRc.SUCCESS:
            return Outcome(True, FailureKind.NONE, Reaction.NOTHING)
        return Outcome(False, FailureKind.HARD, Reaction.FENCE_OR_BLOCK)
    kind = failure_kind(rc)
    reaction = {FailureKind.SOFT: Reaction.RECOVER_HERE, FailureKind.HARD: Reaction.MOVE_AWAY,
                FailureKind.FATAL: Reaction.STOP_EVERYWHERE}[kind]
    return Outcome(False, kind, reaction, degraded, promoted, running)


def _same_role(rc: int, wanted: int) -> bool:
    promoted_rcs = (OcfRc.RUNNING_PROMOTED, OcfRc.DEGRADED_PROMOTED)
    return (rc in promoted_rcs) == (wanted in promoted_rcs) and wanted in (0, 8)


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
