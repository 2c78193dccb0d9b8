"""Recording operation results into the cluster state, the way Pacemaker's status section holds them.

Owns the shape of the operation history and of the facts a result leaves:

- which lrm_rsc_op entries one result writes (Pacemaker's
  pcmk__create_history_xml): a failure is `RSC_last_failure_0`, and for a
  one-shot operation `RSC_last_0` too; a success is `RSC_TASK_INTERVAL` for a
  recurring operation, else `RSC_last_0`; migrations keep their own key;
  a reload is recorded as the start (or, failed, the monitor) it stands for;
- each entry's call id, operation key, transition key and magic,
  last-rc-change, exec and queue time, digest, exit reason (failures only),
  written over the entry with the same id: what the result does not set
  (restart and secure digests, ...) stays, as in the CIB;
- the `fail-count-RSC#TASK_INTERVAL` and `last-failure-RSC#TASK_INTERVAL`
  node attributes of a failure, by crm_simulate's rule or the controller's
  (`FailCounting`);
- a cancelled recurring operation leaving the history, and a node that is
  down and clean (a confirmed fence, a clean shutdown) losing its history and
  transient attributes.

What the results of notify, cancel, delete and meta-data actions are: not
recorded (`recordable`), as the controller does.

Used by hastack.simulate (crm_simulate's injections and its execution of a
transition) and by the daemon's executor, on its own node's state. Pure: the
time is an argument, nothing is read or written outside the values given.

Imports only the model.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from enum import Enum
from types import MappingProxyType

from hastack.model.results import ExecStatus, OcfRc
from hastack.model.state import FEATURE_SET, ClusterState, NodeState, OpRecord, ResourceHistory
from hastack.model.values import AgentRef

# FEATURE_SET (hastack.model.state): the CRM feature set hastack writes into the history.
# The transition UUID Pacemaker writes for a result from outside any transition (crm_simulate,
# crm_resource --fail): its transition key is then "CALL_ID:-1:TARGET_RC:<this>".
OUTSIDE_UUID = "xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx"
ORIGIN = "crm-debug-origin"

_NOT_RECORDED = frozenset({"cancel", "delete", "notify", "meta-data"})
_MIGRATIONS = frozenset({"migrate_to", "migrate_from"})
_RELOADS = frozenset({"reload", "reload-agent"})


class FailCounting(Enum):
    """Who counts failures, and so by which rule.

    SIMULATOR (crm_simulate's pcmk__inject_failcount): every failure counts +1
    but an rc 0 and a one-shot operation's rc 7 (a probe finding it stopped).
    CONTROLLER (the DC's update_failcount): a failed recurring operation,
    promote or demote counts +1; a failed start sets INFINITY (+1 without
    start-failure-is-fatal), a failed stop INFINITY; other one-shot operations,
    probes among them, count nothing (their history entry says enough).
    """

    SIMULATOR = "simulator"
    CONTROLLER = "controller"


@dataclass(frozen=True)
class OperationResult:
    """One finished operation of one resource on one node, as the executor reports it.

    `rsc` is the resource as the operation key names it (RSC in RSC_TASK_INTERVAL: the instance,
    or an anonymous clone's base name); `history_id` the lrm_resource entry it is written into
    (default: `rsc`; an anonymous clone instance may already have one under its instance name).
    `call_id` None takes one above the entry's highest, as crm_simulate does; `transition_key`
    None writes the key of a result from outside any transition.
    """

    rsc: str
    task: str
    interval_ms: int
    node: str
    rc: int
    status: int = ExecStatus.DONE
    target_rc: int = OcfRc.OK
    history_id: str | None = None
    agent: AgentRef | None = None
    digest: str | None = None
    exit_reason: str = ""
    exec_time_ms: int = 0
    queue_time_ms: int = 0
    call_id: int | None = None
    transition_key: str | None = None
    origin: str | None = None
    feature_set: str = FEATURE_SET
    migrate_source: str | None = None
    migrate_target: str | None = None

    @property
    def key(self) -> str:
        """Pacemaker's operation key: RSC_TASK_INTERVAL."""
        return f"{self.rsc}_{self.task}_{self.interval_ms}"

    @property
    def failed(self) -> bool:
        """Whether the history records it as a failure (Pacemaker's did_rsc_op_fail)."""
        return recorded_as_failure(self.status, self.rc, self.target_rc)


def recordable(task: str) -> bool:
    """Whether a result of `task` is written into the history (not notify/cancel/delete/meta-data)."""
    return task not in _NOT_RECORDED


def recorded_as_failure(status: int, rc: int, target_rc: int) -> bool:
    """A result the history keeps as RSC_last_failure_0: an executor error of any kind, or an
    rc other than the expected one (a pending or cancelled operation has no result yet)."""
    if status == ExecStatus.PENDING or status == ExecStatus.CANCELLED:
        return False
    if status in (ExecStatus.DONE, ExecStatus.ERROR_HARD, ExecStatus.ERROR_FATAL, ExecStatus.NOT_INSTALLED):
        return rc != target_rc
    return True


def record_ids(rsc: str, task: str, interval_ms: int, failed: bool) -> list[str]:
    """The ids of the lrm_rsc_op entries one result writes, in writing order."""
    if task in _MIGRATIONS:
        return [f"{rsc}_{task}_{interval_ms}"]
    if failed:
        return [f"{rsc}_last_failure_0"] + ([f"{rsc}_last_0"] if interval_ms == 0 else [])
    if interval_ms > 0:
        return [f"{rsc}_{task}_{interval_ms}"]
    return [f"{rsc}_last_0"]


def _recorded_task(res: OperationResult) -> str:
    """A reload is recorded as what it stands for: a start when it worked, else a monitor."""
    if res.task in _RELOADS:
        return "start" if res.status == ExecStatus.DONE else "monitor"
    return res.task


# --- nodes ----------------------------------------------------------------------------------

def with_node(state: ClusterState, ns: NodeState) -> ClusterState:
    """`state` with node entry `ns` put in (over the entry with its id)."""
    nodes = dict(state.nodes)
    nodes[ns.id] = ns
    return replace(state, nodes=MappingProxyType(nodes))


def node_entry(state: ClusterState, uname: str, node_id: str | None = None) -> NodeState:
    """The node's status entry, or a fresh empty one (Pacemaker's pcmk__inject_node)."""
    ns = state.node_by_uname(uname)
    return ns if ns is not None else NodeState(id=node_id or uname, uname=uname)


def clear_node(state: ClusterState, uname: str, node_id: str | None = None) -> ClusterState:
    """`uname` is down and known clean -- a confirmed fence, or a clean shutdown: out of
    membership (in_ccm false, crmd offline, join and expected down), with its operation history
    and transient attributes gone, as the controller records a fenced node."""
    ns = node_entry(state, uname, node_id)
    down = replace(ns, in_ccm="false", crmd="offline", join="down", expected="down",
                   resources=(), attributes=MappingProxyType({}))
    return with_node(state, down)


# --- operation results ----------------------------------------------------------------------

def record_result(state: ClusterState, res: OperationResult, now: int, *, node_id: str | None = None,
                  counting: FailCounting = FailCounting.SIMULATOR,
                  start_failure_is_fatal: bool = True) -> ClusterState:
    """`state` with the result `res` written into node `res.node`'s history (a node without a
    status entry gets one, with `node_id`), and a failure counted by the rule of `counting`.
    A result that is not recorded (`recordable`) leaves the state as it is."""
    if not recordable(res.task):
        return state
    ns = node_entry(state, res.node, node_id)
    name = res.history_id or res.rsc
    hist = ns.history(name) or ResourceHistory(id=name, agent=res.agent)
    call_id = res.call_id if res.call_id is not None else max((op.call_id for op in hist.ops), default=0) + 1
    failed = res.failed
    ops = list(hist.ops)
    for op_id in record_ids(res.rsc, _recorded_task(res), res.interval_ms, failed):
        _put(ops, _op_record(res, op_id, call_id, failed, now))
    attrs = dict(ns.attributes)
    if failed:
        _count_failure(attrs, res, now, counting, start_failure_is_fatal)
    hist = replace(hist, ops=tuple(ops))
    if ns.history(name) is not None:
        resources = tuple(hist if h.id == name else h for h in ns.resources)
    else:
        resources = ns.resources + (hist,)
    return with_node(state, replace(ns, resources=resources, attributes=MappingProxyType(attrs)))


def _op_record(res: OperationResult, op_id: str, call_id: int, failed: bool, now: int) -> OpRecord:
    task = _recorded_task(res)
    tkey = res.transition_key or f"{call_id}:-1:{res.target_rc}:{OUTSIDE_UUID}"
    extra: list[tuple[str, str]] = []
    if res.origin is not None:
        extra.append((ORIGIN, res.origin))
    if task in _MIGRATIONS:
        extra += [(k, v) for k, v in (("migrate_source", res.migrate_source),
                                      ("migrate_target", res.migrate_target)) if v is not None]
    return OpRecord(
        id=op_id, operation=task, call_id=call_id, rc_code=int(res.rc), op_status=int(res.status),
        interval_ms=res.interval_ms, operation_key=f"{res.rsc}_{task}_{res.interval_ms}",
        transition_key=tkey, transition_magic=f"{int(res.status)}:{int(res.rc)};{tkey}",
        last_rc_change=now, exec_time=res.exec_time_ms, queue_time=res.queue_time_ms,
        op_digest=res.digest, on_node=res.node, exit_reason=res.exit_reason if failed else "",
        crm_feature_set=res.feature_set, extra=tuple(extra))


def _put(ops: list[OpRecord], rec: OpRecord) -> None:
    """Write `rec` over the entry with its id, or append it. As an update of the CIB does, what
    `rec` does not set stays: the digests it lacks, last-run, extra attributes it does not name."""
    for i, old in enumerate(ops):
        if old.id != rec.id:
            continue
        named = {k for k, _ in rec.extra}
        ops[i] = replace(rec, op_digest=rec.op_digest if rec.op_digest is not None else old.op_digest,
                         op_restart_digest=old.op_restart_digest, op_force_restart=old.op_force_restart,
                         op_secure_digest=old.op_secure_digest, op_secure_params=old.op_secure_params,
                         last_run=old.last_run,
                         extra=tuple(kv for kv in old.extra if kv[0] not in named) + rec.extra)
        return
    ops.append(rec)


def _count_failure(attrs: dict[str, str], res: OperationResult, now: int, counting: FailCounting,
                   start_failure_is_fatal: bool) -> None:
    name = f"{res.rsc}#{res.task}_{res.interval_ms}"
    if counting is FailCounting.SIMULATOR:
        if res.rc == OcfRc.OK or (res.rc == OcfRc.NOT_RUNNING and res.interval_ms == 0):
            return
        value = _plus_one(attrs.get(f"fail-count-{name}"))
    else:
        if res.task == "stop" or (res.task == "start" and start_failure_is_fatal):
            value = "INFINITY"
        elif res.interval_ms > 0 or res.task in ("start", "promote", "demote"):
            value = _plus_one(attrs.get(f"fail-count-{name}"))
        else:
            return
    attrs[f"fail-count-{name}"] = value
    attrs[f"last-failure-{name}"] = str(now)


def _plus_one(value: str | None) -> str:
    """Pacemaker's `value++` on a fail count: INFINITY stays, anything unreadable counts as 0."""
    if value is not None and value.strip().upper() in ("INFINITY", "+INFINITY"):
        return "INFINITY"
    try:
        return str(int(value or "0") + 1)
    except ValueError:
        return "1"


def record_cancel(state: ClusterState, node: str, history_id: str, key: str) -> ClusterState:
    """A recurring operation was cancelled on `node`: its entry -- the one named by its operation
    key RSC_TASK_INTERVAL -- leaves the history, as the controller erases it. A RSC_last_failure_0
    it left stays (so does Pacemaker's, which then schedules the cancel again)."""
    ns = state.node_by_uname(node)
    hist = ns.history(history_id) if ns is not None else None
    if ns is None or hist is None or not any(op.id == key for op in hist.ops):
        return state
    hist = replace(hist, ops=tuple(op for op in hist.ops if op.id != key))
    resources = tuple(hist if h.id == history_id else h for h in ns.resources)
    return with_node(state, replace(ns, resources=resources))
