"""BRIDGE(h-actions): what an executor must know of an action that the Action does not carry yet.

The scheduler's Action is gaining `key` (RSC_TASK_INTERVAL), `target_rc`,
`digest`, `history_id` (the lrm_resource entry), `agent`, `params`, `meta`
and `timeout_ms` (issue 9, item 1, on another branch). Until that lands, this
module computes the four facts hastack.simulate.execute needs from the
scheduler's own reading of the state -- the only place in hastack.simulate
that reaches private scheduler names (`unpack`, the working records, the
digest helpers). `ActionFacts.of` uses the Action's fields as soon as they
exist, so after the merge this module shrinks to that line and the unpack
goes.

Imports the model and (temporarily) scheduler internals.
"""

from __future__ import annotations

from dataclasses import dataclass

from hastack.model.config import Configuration
from hastack.model.results import OcfRc
from hastack.model.state import ClusterState
from hastack.model.values import AgentRef, Role
from hastack.scheduler import Action, Transition
from hastack.scheduler.digest import task_for_digest, digest_of, operation_params
from hastack.scheduler.history import base_name
from hastack.scheduler.unpack import Unpacked, unpack
from hastack.scheduler.working import R, WRsc


@dataclass(frozen=True)
class ActionFacts:
    """What recording an action's result needs: the rc expected, the history entry it goes to,
    the resource as its operation key names it (anonymous clone instances by their base name),
    the definition's digest, and the agent (for a new history entry)."""

    target_rc: int
    history_id: str
    key_rsc: str
    digest: str | None
    agent: AgentRef | None


def _recorded_under(state: ClusterState, a: Action, history_id: str) -> str | None:
    """The resource name of the record (RSC_TASK_INTERVAL) of the operation a cancel stops."""
    ns = state.node_by_uname(a.node or "")
    hist = ns.history(history_id) if ns is not None else None
    suffix = f"_{a.meta.get('operation', 'monitor')}_{a.interval_ms}"
    for op in hist.ops if hist is not None else ():
        if op.id.endswith(suffix) and op.interval_ms == a.interval_ms:
            return op.id[: -len(suffix)]
    return None


class Bridge:
    """Facts of the actions of one transition, scheduled on (config, state, now)."""

    def __init__(self, config: Configuration, state: ClusterState, transition: Transition, now: int) -> None:
        self._config = config
        self._state = state
        self._transition = transition
        self._now = now
        self._unpacked: Unpacked | None = None

    def of(self, a: Action, state: ClusterState) -> ActionFacts:
        """The facts of `a`, given the state as execution has left it so far (a clone instance's
        result goes to the entry the node has for it by then)."""
        assert a.rsc is not None and a.node is not None
        key, history_id = getattr(a, "key", None), getattr(a, "history_id", None)
        if key is not None and history_id is not None:  # the merged Action: read, nothing computed
            suffix = f"_{a.task}_{a.interval_ms}"
            key_rsc = key[: -len(suffix)] if key.endswith(suffix) else a.rsc
            if a.task == "cancel":  # the cancelled operation's record, under whatever name it was written
                key_rsc = _recorded_under(state, a, history_id) or key_rsc
            return ActionFacts(getattr(a, "target_rc"), history_id, key_rsc,
                               getattr(a, "digest"), getattr(a, "agent"))
        u = self._unpack()
        r = u.by_id.get(a.rsc)
        lookup, new_name, key_rsc = _entry_names(r, a.rsc)
        ns = state.node_by_uname(a.node)
        found = next((name for name in lookup if ns is not None and ns.history(name) is not None), None)
        return ActionFacts(self.target_rc(a), found or new_name, key_rsc, self._digest(r, a),
                           r.agent if r is not None else None)

    def target_rc(self, a: Action) -> int:
        """The rc `a` must return: a probe finds the resource as the history says (0 or 8 where
        it is known active, else 7); a recurring monitor of an instance to be Promoted returns 8."""
        value = getattr(a, "target_rc", None)
        if value is not None:  # the merged Action
            return int(value)
        if a.task != "monitor" or a.rsc is None:
            return OcfRc.OK
        r = self._unpack().by_id.get(a.rsc)
        if a.interval_ms == 0:
            if r is None or all(n.uname != a.node for n in r.running_on):
                return OcfRc.NOT_RUNNING
            return OcfRc.RUNNING_PROMOTED if r.role == R.PROMOTED else OcfRc.OK
        placed = self._transition.placement.get(a.rsc)
        return OcfRc.RUNNING_PROMOTED if placed is not None and placed.role is Role.PROMOTED else OcfRc.OK

    def _unpack(self) -> Unpacked:
        if self._unpacked is None:
            self._unpacked = unpack(self._config, self._state, self._now)
        return self._unpacked

    def _digest(self, r: WRsc | None, a: Action) -> str:
        if r is None:
            return digest_of({})
        task = task_for_digest(a.task, a.interval_ms)
        return digest_of(operation_params(r, task, a.interval_ms, self._config.op_defaults))


def _entry_names(r: WRsc | None, rsc_id: str) -> tuple[list[str], str, str]:
    """(history entry names to look for, name of a new entry, operation-key resource name).
    A clone instance's result goes to the entry the node already has for it (the name the
    scheduler found it under, else the instance id, else the clone's base name); a new entry of
    an anonymous clone uses the base name, as Pacemaker's graph names anonymous instances."""
    if r is None:
        return [rsc_id], rsc_id, rsc_id
    clone = r.clone_parent()
    if clone is None or clone.unique:
        name = r.clone_name if r.orphan and r.clone_name else r.id
        return [name], name, name
    base = base_name(r.id)
    long_id = r.clone_name if r.clone_name and r.clone_name != base else r.id
    return [long_id, base], base, base
