"""Playing a transition forward: every action "succeeds" and is written into the state.

`execute(config, state, transition, now)` does what `crm_simulate -S` does
with the scheduler's graph: it walks the scheduled actions in dependency
order and records each result the way the controller would, so that the
next `schedule()` sees the cluster as it would be after the transition:

- start / stop / promote / demote / recurring monitor: an lrm_rsc_op in the
  node's history of that resource (`RSC_last_0`, or `RSC_monitor_N` for a
  recurring monitor), call-id one above the resource's highest, last-rc-change
  = `now`, and the op-digest computed by the scheduler's own digest code, so
  that the recorded definition matches the configuration;
- every action returns what the scheduler expects (`Action.target_rc`): a
  probe "not running" (rc 7) unless the resource is known active there (then 0,
  or 8 promoted), a Promoted monitor 8, a role=Stopped monitor 7, else 0;
- a cancel deletes the cancelled recurring operation's record, as the
  controller does; a notification leaves no record;
- fencing takes the node out cleanly (in_ccm=false, crmd=offline, join and
  expected down) and clears its operation history and transient attributes,
  as the controller does once a fence is confirmed;
- pseudo actions are ordering points: they complete with no record.

Injected failures: an action whose (resource, task, node) is given returns
the given rc instead. As in Pacemaker, a result other than the expected one
is recorded as `RSC_last_failure_0` (and as `RSC_last_0` for a one-shot
operation), bumps `fail-count-RSC#TASK_INTERVAL` and sets `last-failure-...`
(not for rc 0, nor for a probe's rc 7), and aborts the transition: no further
action is started, as crm_simulate stops firing synapses once one failed.
Which of several actions that were ready together ran before the failure
follows hastack's action order, which is not always Pacemaker's graph order
(tests/simulate_exec lists the regression cases where that shows).

Order: actions run in passes over the `after` edges; a recurring monitor also
waits for its resource's start/promote/demote on the same node, an ordering
Pacemaker always makes but the Transition does not list.

Where the history goes: a clone instance's result goes to the history entry
the node already has for it (the name the scheduler found it under, else the
instance id, else the clone's base name), and a new entry of an anonymous
clone uses the base name, as Pacemaker's graph names anonymous instances.

Not modelled (invisible in the Transition Summary): deletion of orphan
histories -- the scheduler does not emit those actions.

Pure: no clock, no I/O. Imports the model, the scheduler (to read the state as
it does and to compute digests) and `simulate.inject` (membership changes).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace

from hastack.model.config import Configuration
from hastack.model.state import ClusterState, NodeState, OpRecord, ResourceHistory
from hastack.scheduler import Transition, schedule
from hastack.scheduler.digest import _task_for_digest, digest_of, operation_params
from hastack.scheduler.history import base_name
from hastack.scheduler.types import Action
from hastack.scheduler.unpack import Unpacked, unpack
from hastack.scheduler.working import WRsc
from hastack.simulate.inject import SIM_FEATURE_SET, SIM_UUID, node_down, record_ids, store_result

OCF_OK, OCF_NOT_RUNNING = 0, 7
ORIGIN = ("crm-debug-origin", "hastack-execute")
FAILED_REASON = "Simulated failure"

# (resource, task, node) -> rc. The resource is an instance id ("db:1") or the
# configured id ("db"); the task is a plain task ("start", "monitor": any
# interval) or TASK_INTERVAL with the interval in ms ("monitor_10000", "monitor_0").
Failures = Mapping[tuple[str, str, str], int]


@dataclass(frozen=True)
class Result:
    """One executed action and the rc it returned (`expected` is what the scheduler wanted)."""

    action: Action
    rc: int
    expected: int

    @property
    def failed(self) -> bool:
        return self.rc != self.expected

    def describe(self) -> str:
        a = self.action
        if a.task == "stonith":
            return f"fence {a.node}"
        what = "probe" if a.task == "monitor" and a.interval_ms == 0 else (
            f"monitor {a.interval_ms // 1000 if a.interval_ms % 1000 == 0 else a.interval_ms}"
            f"{'s' if a.interval_ms % 1000 == 0 else 'ms'}" if a.task == "monitor" else a.task)
        tail = f" -> rc {self.rc} (FAILED, expected {self.expected})" if self.failed else ""
        return f"{what} {a.rsc} on {a.node}{tail}"


@dataclass(frozen=True)
class Executed:
    """The state after a transition, and what happened on the way."""

    state: ClusterState
    results: tuple[Result, ...] = ()  # in execution order, pseudo actions left out
    skipped: tuple[Action, ...] = ()  # scheduled but never started (the transition was aborted)

    @property
    def failed(self) -> tuple[Result, ...]:
        return tuple(r for r in self.results if r.failed)


def scheduled(transition: Transition) -> list[Action]:
    """The actions a graph runner executes: required and runnable (pseudo ones included)."""
    return [a for a in transition.actions if not a.optional and a.runnable]


def has_work(transition: Transition) -> bool:
    """Whether the transition would make any executor do anything."""
    return any(not a.pseudo for a in scheduled(transition))


# --- where a result is written ------------------------------------------------------------

def _entry_names(r: WRsc | None, rsc_id: str) -> tuple[list[str], str, str]:
    """(history entry names to look for, name of a new entry, op-id prefix)."""
    if r is None:
        return [rsc_id], rsc_id, rsc_id
    clone = r.clone_parent()
    if clone is None or clone.unique:
        name = r.clone_name if r.orphan and r.clone_name else r.id
        return [name], name, name
    base = base_name(r.id)
    long_id = r.clone_name if r.clone_name and r.clone_name != base else r.id
    return [long_id, base], base, base


def _failure_rc(failures: Failures, a: Action) -> int | None:
    assert a.rsc is not None and a.node is not None
    for rsc in dict.fromkeys((a.rsc, base_name(a.rsc))):
        for task in (f"{a.task}_{a.interval_ms}", a.task):
            rc = failures.get((rsc, task, a.node))
            if rc is not None:
                return rc
    return None


def _node_entry(config: Configuration, state: ClusterState, uname: str) -> NodeState:
    ns = state.node_by_uname(uname)
    if ns is not None:
        return ns
    node = config.node_named(uname)
    return NodeState(id=node.id if node is not None else uname, uname=uname)


def _digest(config: Configuration, r: WRsc | None, a: Action) -> str:
    if r is None:
        return digest_of({})
    task = _task_for_digest(a.task, a.interval_ms)
    return digest_of(operation_params(r, task, a.interval_ms, config.op_defaults))


def _put(ops: list[OpRecord], rec: OpRecord) -> None:
    """Write `rec` over the record with its id (what it does not set stays, as in the CIB), or append it."""
    for i, old in enumerate(ops):
        if old.id == rec.id:
            keep = {"op_restart_digest": old.op_restart_digest, "op_force_restart": old.op_force_restart,
                    "op_secure_digest": old.op_secure_digest, "op_secure_params": old.op_secure_params}
            ops[i] = replace(rec, **keep)  # type: ignore[arg-type]
            return
    ops.append(rec)


def _record(config: Configuration, state: ClusterState, u: Unpacked, a: Action, rc: int, expected: int,
            now: int) -> ClusterState:
    assert a.rsc is not None and a.node is not None
    r = u.by_id.get(a.rsc)
    ns = _node_entry(config, state, a.node)
    lookup, new_name, prefix = _entry_names(r, a.rsc)
    hist = next((h for name in lookup for h in ns.resources if h.id == name), None)
    if hist is None:
        hist = ResourceHistory(id=new_name, agent=r.agent if r is not None else None)
    call_id = max((op.call_id for op in hist.ops), default=0) + 1
    failed = rc != expected
    ids = record_ids(prefix, a.task, a.interval_ms, failed)
    tkey = f"{call_id}:-1:{expected}:{SIM_UUID}"
    digest = _digest(config, r, a)
    ops = list(hist.ops)
    for op_id in ids:
        _put(ops, OpRecord(
            id=op_id, operation=a.task, call_id=call_id, rc_code=rc, op_status=0, interval_ms=a.interval_ms,
            operation_key=f"{prefix}_{a.task}_{a.interval_ms}", transition_key=tkey,
            transition_magic=f"0:{rc};{tkey}", last_rc_change=now, last_run=now if a.interval_ms == 0 else None,
            exec_time=0, queue_time=0, op_digest=digest, on_node=a.node,
            exit_reason=FAILED_REASON if failed else "", crm_feature_set=SIM_FEATURE_SET, extra=(ORIGIN,)))
    counted = failed and rc != OCF_OK and not (rc == OCF_NOT_RUNNING and a.interval_ms == 0)
    return store_result(state, ns, replace(hist, ops=tuple(ops)),
                        f"{prefix}#{a.task}_{a.interval_ms}" if counted else None, now)


def _cancel(config: Configuration, state: ClusterState, u: Unpacked, a: Action) -> ClusterState:
    """A cancelled recurring operation: the controller deletes its record from the history."""
    assert a.rsc is not None and a.node is not None
    ns = _node_entry(config, state, a.node)
    lookup, _, _ = _entry_names(u.by_id.get(a.rsc), a.rsc)
    hist = next((h for name in lookup for h in ns.resources if h.id == name), None)
    if hist is None:
        return state
    operation = a.meta.get("operation", "monitor")
    ops = tuple(op for op in hist.ops if not (op.operation == operation and op.interval_ms == a.interval_ms))
    return store_result(state, ns, replace(hist, ops=ops), None, 0) if ops != hist.ops else state


def _fence(config: Configuration, state: ClusterState, uname: str) -> ClusterState:
    """A confirmed fence: the node is down and clean; its history and transient attributes are gone.
    That is exactly the record of a clean shutdown, so inject's node_down writes it."""
    return node_down(config, state, uname)


# --- walking the graph ------------------------------------------------------------------------

def _prerequisites(actions: list[Action]) -> dict[int, set[int]]:
    """Each action's scheduled prerequisites: its `after` edges, plus (implicitly) a recurring
    monitor waits for its resource's start/promote/demote on that node, as Pacemaker orders
    them -- the scheduler's Transition does not list those edges."""
    ids = {a.id for a in actions}
    role_changes: dict[tuple[str | None, str | None], set[int]] = {}
    for a in actions:
        if a.task in ("start", "promote", "demote"):
            role_changes.setdefault((a.rsc, a.node), set()).add(a.id)
    out: dict[int, set[int]] = {}
    for a in actions:
        pre = {p for p in a.after if p in ids}
        if a.task == "monitor" and a.interval_ms > 0:
            pre |= role_changes.get((a.rsc, a.node), set())
        out[a.id] = pre
    return out


def _graph_rank(u: Unpacked) -> dict[str, int]:
    """Resources in the order Pacemaker lists their actions in the graph: top-level resources in
    configuration order, a group's or clone's own actions before its members'."""
    rank: dict[str, int] = {}

    def walk(r: WRsc) -> None:
        rank.setdefault(r.id, len(rank))
        for c in r.children:
            walk(c)

    for r in u.resources:
        walk(r)
    return rank


def _order(actions: list[Action], rank: Mapping[str, int]) -> Iterable[Action]:
    """Fire in passes, as a graph runner does: each pass starts, in graph order, every action whose
    scheduled prerequisites are complete (the results of this pass count at once, as in
    crm_simulate where every action completes synchronously). Stops when nothing more is ready.
    Graph order: by resource (see _graph_rank), a resource's newest action first, then the
    actions of no resource (fencing)."""
    pre = _prerequisites(actions)
    done: set[int] = set()
    last = len(rank)
    pending = sorted(actions, key=lambda a: (rank.get(a.rsc, last) if a.rsc else last + 1, -a.id))
    while pending:
        fired = False
        rest = []
        for a in pending:
            if pre[a.id] <= done:
                done.add(a.id)
                fired = True
                yield a
            else:
                rest.append(a)
        pending = rest
        if not fired:
            return


def execute(config: Configuration, state: ClusterState, transition: Transition, now: int,
            failures: Failures | None = None) -> Executed:
    """Apply the transition's scheduled actions to `state`, as `crm_simulate -S` does."""
    failures = failures or {}
    u = unpack(config, state, now)
    actions = scheduled(transition)
    results: list[Result] = []
    started: set[int] = set()
    for a in _order(actions, _graph_rank(u)):
        started.add(a.id)
        if a.pseudo:
            continue
        if a.task == "stonith":
            assert a.node is not None
            state = _fence(config, state, a.node)
            results.append(Result(a, OCF_OK, OCF_OK))
            continue
        if a.task == "notify":
            results.append(Result(a, OCF_OK, OCF_OK))  # notifications leave no history
            continue
        if a.task == "cancel":
            state = _cancel(config, state, u, a)
            results.append(Result(a, OCF_OK, OCF_OK))
            continue
        expected = a.target_rc
        injected = _failure_rc(failures, a)
        rc = expected if injected is None else injected
        state = _record(config, state, u, a, rc, expected, now)
        results.append(Result(a, rc, expected))
        if rc != expected:
            break  # the transition is aborted: nothing more is started
    skipped = tuple(a for a in actions if a.id not in started and not a.pseudo)
    return Executed(state, tuple(results), skipped)


@dataclass(frozen=True)
class Step:
    transition: Transition
    executed: Executed


def converge(config: Configuration, state: ClusterState, now: int, max_rounds: int = 10,
             failures: Failures | None = None) -> tuple[ClusterState, tuple[Step, ...], Transition]:
    """Schedule and execute until a transition has nothing to execute (or `max_rounds` ran).

    Returns the final state, every executed step, and the last (idle) transition:
    its summary lists what is still wanted but blocked, if anything. `failures`
    apply to the first round only (a failure is an event, not a property of the node).
    """
    steps: list[Step] = []
    for k in range(max_rounds):
        t = schedule(config, state, now)
        if not has_work(t):
            return state, tuple(steps), t
        ex = execute(config, state, t, now, failures if k == 0 else None)
        steps.append(Step(t, ex))
        state = ex.state
    return state, tuple(steps), schedule(config, state, now)
