"""The vocabulary of operation results, and the one place that decides what a result means.

Owns the OCF exit codes (`OcfRc`, with Pacemaker's extensions 189-199), the
executor's statuses (`ExecStatus`, numbered as Pacemaker's op-status) and
`classify()`: Pacemaker's reading of one result, as its scheduler reads the
status section (remap_operation and the status switch of unpack_rsc_op in
lib/pengine/unpack.c). That reading is:

- a monitor's degraded codes count as their plain ones (190 -> 0, 191 -> 8);
- a probe that says "not installed" (5), "invalid parameter" (2), or whose
  agent is missing (status not-installed) is read as "not running" there
  (`masked`): the resource is then banned from that node, nothing else;
- a result equal to the expected one is a success; "not running" from a
  probe, as expected, or of an unmanaged resource says where it is not;
- anything else is a failure: fatal (6, never retried anywhere), hard
  (2, 4, 5, a one-shot 3, not installed: never retried on this node) or
  soft (recovered as on-fail says: 1, 7 unexpected, 9, timeouts, ...).

The scheduler's history reading, the agents' executor and the graph runner
all ask `classify`; nothing else compares exit codes to decide.

Imports nothing of hastack but the model's values.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum, IntEnum
from functools import lru_cache

from hastack.model.values import Role


class OcfRc(IntEnum):
    """OCF exit codes (what an agent returns), with Pacemaker's own extensions."""

    OK = 0
    ERR_GENERIC = 1
    ERR_ARGS = 2
    UNIMPLEMENTED = 3
    ERR_PERM = 4
    ERR_INSTALLED = 5
    ERR_CONFIGURED = 6
    NOT_RUNNING = 7
    RUNNING_PROMOTED = 8
    FAILED_PROMOTED = 9
    CONNECTION_DIED = 189  # deprecated by Pacemaker: the status NOT_CONNECTED says it now
    DEGRADED = 190  # running, but likely to fail soon
    DEGRADED_PROMOTED = 191
    EXEC_ERROR = 192  # the 192-199 block: former Pacemaker extensions, unused today
    UNKNOWN = 193  # the rc the controller records for a pending action
    SIGNAL = 194
    NOT_SUPPORTED = 195
    PENDING = 196
    CANCELLED = 197
    TIMEOUT = 198
    OTHER_ERROR = 199

    # Older spellings, still used by resource-agents' ocf-returncodes and hastack's executor.
    SUCCESS = 0
    ERR_UNIMPLEMENTED = 3
    RUNNING_MASTER = 8
    FAILED_MASTER = 9


class ExecStatus(IntEnum):
    """How the executor finished an action (Pacemaker's op-status), independent of the rc."""

    PENDING = -1
    DONE = 0
    CANCELLED = 1
    TIMEOUT = 2
    NOT_SUPPORTED = 3
    ERROR = 4
    ERROR_HARD = 5
    ERROR_FATAL = 6
    NOT_INSTALLED = 7
    NOT_CONNECTED = 8
    INVALID = 9  # the action could not be attempted (e.g. the node is shutting down)
    NO_FENCE_DEVICE = 10
    NO_SECRETS = 11

    @property
    def label(self) -> str:
        return self.name.lower().replace("_", " ")


_RC_TEXT: dict[int, tuple[str, str]] = {
    OcfRc.OK: ("OCF_SUCCESS", "ok"),
    OcfRc.ERR_GENERIC: ("OCF_ERR_GENERIC", "error"),
    OcfRc.ERR_ARGS: ("OCF_ERR_ARGS", "invalid parameter"),
    OcfRc.UNIMPLEMENTED: ("OCF_ERR_UNIMPLEMENTED", "unimplemented feature"),
    OcfRc.ERR_PERM: ("OCF_ERR_PERM", "insufficient privileges"),
    OcfRc.ERR_INSTALLED: ("OCF_ERR_INSTALLED", "not installed"),
    OcfRc.ERR_CONFIGURED: ("OCF_ERR_CONFIGURED", "not configured"),
    OcfRc.NOT_RUNNING: ("OCF_NOT_RUNNING", "not running"),
    OcfRc.RUNNING_PROMOTED: ("OCF_RUNNING_PROMOTED", "promoted"),
    OcfRc.FAILED_PROMOTED: ("OCF_FAILED_PROMOTED", "promoted (failed)"),
    OcfRc.CONNECTION_DIED: ("OCF_CONNECTION_DIED", "internal communication failure"),
    OcfRc.DEGRADED: ("OCF_DEGRADED", "degraded"),
    OcfRc.DEGRADED_PROMOTED: ("OCF_DEGRADED_PROMOTED", "promoted (degraded)"),
    OcfRc.UNKNOWN: ("OCF_UNKNOWN", "pending"),
}


def rc_name(rc: int) -> str:
    """OCF_SUCCESS, OCF_NOT_RUNNING, ... or `rc <n>` for codes outside the standard."""
    return _RC_TEXT.get(rc, (f"rc {rc}", ""))[0]


def rc_meaning(rc: int) -> str:
    """Pacemaker's short text for an exit code (what crm_mon shows): 'not running'."""
    return _RC_TEXT.get(rc, ("", "unknown error"))[1]


def is_probe(task: str, interval_ms: int) -> bool:
    """A probe is a one-shot monitor: it asks whether the resource runs there, expecting nothing."""
    return task == "monitor" and interval_ms == 0


def default_target_rc(task: str, interval_ms: int) -> int:
    """The expected rc when nobody said: "not running" for a probe, else success."""
    return OcfRc.NOT_RUNNING if is_probe(task, interval_ms) else OcfRc.OK


def effective_rc(rc: int) -> int:
    """A degraded code read as its plain one (Pacemaker's pcmk__effective_rc)."""
    if rc == OcfRc.DEGRADED:
        return OcfRc.OK
    if rc == OcfRc.DEGRADED_PROMOTED:
        return OcfRc.RUNNING_PROMOTED
    return rc


class ResultKind(str, Enum):
    """What one result says, in the words the rest of hastack acts on."""

    SUCCESS = "success"  # the expected result (a probe that finds the resource active is one too)
    NOT_RUNNING = "not running"  # the resource is not running there, and that is no failure
    PENDING = "pending"  # still running: says nothing yet
    CANCELLED = "cancelled"  # a recurring operation was stopped on purpose
    SOFT = "soft failure"  # recover as on-fail says (restart in place by default)
    HARD = "hard failure"  # never again on this node
    FATAL = "fatal failure"  # never again anywhere: the configuration is wrong


_FAILURES = frozenset({ResultKind.SOFT, ResultKind.HARD, ResultKind.FATAL})


@dataclass(frozen=True, slots=True)
class Reading:
    """`classify`'s answer. `rc` and `status` are the result as Pacemaker reads it (degraded
    monitor codes folded, a masked probe's rc 7); `role` is what the result shows of the
    resource where it ran (Stopped, Promoted) when it says, else None."""

    kind: ResultKind
    rc: int
    status: int
    masked: bool = False  # a probe's not-installed / invalid-parameter read as "not running"
    degraded: bool = False  # a monitor said 190/191: counted as success, shown as a warning
    role: Role | None = None

    @property
    def failed(self) -> bool:
        return self.kind in _FAILURES

    @property
    def ok(self) -> bool:
        return self.kind is ResultKind.SUCCESS or self.kind is ResultKind.NOT_RUNNING


def classify(task: str, interval_ms: int, rc: int, status: int = ExecStatus.DONE,
             target_rc: int | None = None, *, managed: bool = True) -> Reading:
    """What the result `rc`/`status` of `task` (every `interval_ms`) means, given the rc the
    cluster expected (`target_rc`; None or negative: unknown, as in a history entry without a
    transition key -- then only a probe's "not running" is no failure). `managed=False`: the
    resource is unmanaged, so "not running" is a fact, not a failure."""
    target = -1 if target_rc is None or target_rc < 0 else int(target_rc)
    return _classify(task == "monitor", interval_ms == 0, int(rc), int(status), target, managed)


@lru_cache(maxsize=4096)  # few distinct inputs, read for every history entry of a big cluster
def _classify(monitor: bool, one_shot: bool, rc: int, status: int, target: int, managed: bool) -> Reading:
    probe = monitor and one_shot
    degraded = False
    if monitor and rc != effective_rc(rc):
        rc, degraded = effective_rc(rc), True
    masked = probe and (rc == OcfRc.ERR_INSTALLED or rc == OcfRc.ERR_ARGS or status == ExecStatus.NOT_INSTALLED)
    if masked:
        rc, status = OcfRc.NOT_RUNNING, ExecStatus.DONE
    role: Role | None = None
    if status == ExecStatus.DONE or status == ExecStatus.ERROR:
        # The executor's "done"/"error" is judged here against what was expected.
        status = ExecStatus.DONE if target >= 0 and rc == target else ExecStatus.ERROR
        if rc == OcfRc.OK:
            if probe and target == OcfRc.NOT_RUNNING:
                status = ExecStatus.DONE  # a probe found it active: a fact, not a failure
        elif rc == OcfRc.NOT_RUNNING:
            if probe or target == rc or not managed:
                status, role = ExecStatus.DONE, Role.STOPPED
        elif rc == OcfRc.RUNNING_PROMOTED:
            if probe:
                status = ExecStatus.DONE
            role = Role.PROMOTED
        elif rc == OcfRc.FAILED_PROMOTED or rc == OcfRc.DEGRADED_PROMOTED:
            status, role = ExecStatus.ERROR, Role.PROMOTED
        elif rc == OcfRc.ERR_CONFIGURED:
            status = ExecStatus.ERROR_FATAL
        elif rc == OcfRc.UNIMPLEMENTED:
            status = ExecStatus.ERROR_HARD if one_shot else ExecStatus.NOT_SUPPORTED
        elif rc == OcfRc.ERR_INSTALLED or rc == OcfRc.ERR_ARGS or rc == OcfRc.ERR_PERM:
            status = ExecStatus.ERROR_HARD
        elif status == ExecStatus.DONE:
            status = ExecStatus.ERROR  # an rc outside the standard is never success
    elif status == ExecStatus.NO_FENCE_DEVICE or status == ExecStatus.NO_SECRETS:
        status = ExecStatus.ERROR_HARD
    return Reading(_kind(rc, status), rc, status, masked, degraded, role)


def _kind(rc: int, status: int) -> ResultKind:
    if status == ExecStatus.DONE:
        return ResultKind.NOT_RUNNING if rc == OcfRc.NOT_RUNNING else ResultKind.SUCCESS
    if status == ExecStatus.PENDING:
        return ResultKind.PENDING
    if status == ExecStatus.CANCELLED:
        return ResultKind.CANCELLED
    if status == ExecStatus.ERROR_FATAL:
        return ResultKind.FATAL
    if status == ExecStatus.ERROR_HARD or status == ExecStatus.NOT_INSTALLED:
        return ResultKind.HARD
    return ResultKind.SOFT
