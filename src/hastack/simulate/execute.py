"""Playing a transition forward: every action "succeeds" (or fails as injected) and is written into the state.

`execute(config, state, transition, now)` does what `crm_simulate -S` does
with the scheduler's graph, so that the next `schedule()` sees the cluster as
it would be after the transition. The two halves are not this module's:

- which action runs when is hastack.graphrun's: the graph runs synchronously
  as crm_simulate runs it (`GraphRun.sweep`: passes in Pacemaker's firing
  order, pseudo actions completing at their turn), and a result other than
  the expected one aborts it -- nothing further starts;
- how a result is written is hastack.record's: the lrm_rsc_op entries
  (`RSC_last_0`, `RSC_last_failure_0`, `RSC_monitor_N`), call ids, keys,
  digests, and the fail count of a failure that counts (crm_simulate's rule:
  not rc 0, nor a probe's rc 7); a confirmed fence takes the node out cleanly
  and clears its history and transient attributes; a cancel erases the
  recurring operation's entry, and a notify is not recorded, as the
  controller does (crm_simulate instead writes both as history entries and
  keeps the cancelled monitor's; decisions agree on the 180 cases).

What each action returns: its `target_rc` (a probe 7 where the scheduler does
not know the resource active, a Promoted monitor 8, ...) unless a failure is
injected for its (resource, task, node): then the given rc. Where the result
goes -- the history entry, the digest, the agent -- is the Action's too.

Pure: no clock, no I/O. Imports the model, hastack.scheduler's public names,
hastack.graphrun and hastack.record.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from hastack.graphrun import GraphRun
from hastack.model.config import Configuration
from hastack.model.results import OcfRc
from hastack.model.state import ClusterState
from hastack.record import OperationResult, clear_node, record_cancel, record_result
from hastack.scheduler import Action, Transition, schedule

ORIGIN = "hastack-execute"
FAILED_REASON = "Simulated failure"

# (resource, task, node) -> rc. The resource is an instance id ("db:1") or the
# configured id ("db"); the task is a plain task ("start", "monitor": any
# interval) or TASK_INTERVAL with the interval in ms ("monitor_10000", "monitor_0").
Failures = Mapping[tuple[str, str, str], int]

_INSTANCE = re.compile(r"^(.*):\d+$")


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


def _base(rsc: str) -> str:
    m = _INSTANCE.match(rsc)
    return m.group(1) if m else rsc


def _failure_rc(failures: Failures, a: Action) -> int | None:
    assert a.rsc is not None and a.node is not None
    for rsc in dict.fromkeys((a.rsc, _base(a.rsc))):
        for task in (f"{a.task}_{a.interval_ms}", a.task):
            rc = failures.get((rsc, task, a.node))
            if rc is not None:
                return rc
    return None


def _node_id(config: Configuration, state: ClusterState, uname: str) -> str:
    ns = state.node_by_uname(uname)
    if ns is not None:
        return ns.id
    node = config.node_named(uname)
    return node.id if node is not None else uname


def _op_resource(a: Action) -> str:
    """The resource as Pacemaker's graph names it to the executor, which names the lrm_rsc_op
    entries (RSC_last_0): an anonymous clone instance by its clone's base name (`db`, whatever
    instance or entry name), anything else by its history entry."""
    assert a.rsc is not None
    if a.meta.get("globally_unique") == "false":
        return _base(a.rsc)
    return a.history_id or a.rsc


def _run_one(config: Configuration, state: ClusterState, a: Action, rc: int, now: int) -> ClusterState:
    """`state` after resource action `a` returned `rc`."""
    assert a.node is not None and a.rsc is not None
    history_id = a.history_id or a.rsc
    if a.task == "cancel":  # its key names the cancelled operation's entry
        return record_cancel(state, a.node, history_id, a.key)
    result = OperationResult(
        rsc=_op_resource(a), task=a.task, interval_ms=a.interval_ms, node=a.node, rc=rc, target_rc=a.target_rc,
        history_id=history_id, agent=a.agent, digest=a.digest, exit_reason=FAILED_REASON, origin=ORIGIN,
        migrate_source=a.meta.get("migrate_source"), migrate_target=a.meta.get("migrate_target"))
    return record_result(state, result, now, node_id=_node_id(config, state, a.node))


def execute(config: Configuration, state: ClusterState, transition: Transition, now: int,
            failures: Failures | None = None) -> Executed:
    """Apply the transition's scheduled actions to `state`, as `crm_simulate -S` does."""
    failures = failures or {}
    run = GraphRun(transition)
    results: list[Result] = []
    for a in run.sweep():
        run.start(a.id)
        if a.rsc is None:
            # Fencing (confirmed at once) or another cluster action: nothing injected fails them.
            if a.task == "stonith" and a.node is not None:
                state = clear_node(state, a.node, _node_id(config, state, a.node))
            verdict = run.finish(a.id, OcfRc.OK)
        else:
            injected = _failure_rc(failures, a)
            rc = a.target_rc if injected is None else injected
            state = _run_one(config, state, a, rc, now)
            verdict = run.finish(a.id, rc)
        results.append(Result(a, verdict.rc, verdict.target_rc))
    return Executed(state, tuple(results), tuple(run.skipped()))


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
