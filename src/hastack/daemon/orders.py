"""An order: one action of a transition, sent by the DC to the node that must run it.

The DC writes an order per action (store.etcd `actions/{node}/{key}`) in its
term. Everything the node needs travels on the scheduler's `Action`: the
agent, its parameters and CRM_meta values, the timeout, the rc that means
success, the history entry to write and the digest to write it with. The
node turns the result into that history entry with hastack.record, the same
code the simulator uses, so the next `schedule()` reads it exactly as
Pacemaker's status section would have it.

Pure. Imports the model, the scheduler's public names, record, agents.action.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, fields
from types import MappingProxyType
from typing import Any

from hastack.agents.action import ActionRequest
from hastack.model.results import OcfRc
from hastack.model.state import ClusterState, ResourceHistory
from hastack.model.values import AgentRef, Role
from hastack.record import FailCounting, OperationResult, record_cancel, record_result
from hastack.scheduler import Action

_FIELDS = tuple(f.name for f in fields(Action))


def action_to_dict(a: Action) -> dict[str, Any]:
    d: dict[str, Any] = {}
    for name in _FIELDS:
        v = getattr(a, name)
        if name == "agent":
            v = str(v) if v is not None else None
        elif name in ("params", "meta"):
            v = dict(v)
        elif name == "after":
            v = list(v)
        d[name] = v
    return d


def action_from_dict(d: dict[str, Any]) -> Action:
    kw = {k: v for k, v in d.items() if k in _FIELDS}
    kw["after"] = tuple(kw.get("after", ()))
    if kw.get("agent"):
        kw["agent"] = AgentRef.parse(kw["agent"])
    for name in ("params", "meta"):
        if name in kw:
            kw[name] = MappingProxyType(dict(kw[name]))
    return Action(**kw)


@dataclass(frozen=True)
class Order:
    term: int
    transition: int  # the DC's transition number in this term
    action: Action
    lease: int = 0  # the target node's membership lease: an order is for that incarnation of the node only
    # the cluster's start-failure-is-fatal, for the node that counts the failure: a failed start sets the
    # fail count to INFINITY when true (Pacemaker's default), adds 1 when false
    start_failure_is_fatal: bool = True

    @property
    def key(self) -> str:
        return f"{self.term}-{self.transition}-{self.action.id}"

    @property
    def target_rc(self) -> int:
        return self.action.target_rc

    def to_json(self) -> str:
        d: dict[str, Any] = {"term": self.term, "transition": self.transition, "lease": self.lease,
                             "action": action_to_dict(self.action)}
        if not self.start_failure_is_fatal:
            d["start_failure_is_fatal"] = False
        return json.dumps(d, sort_keys=True)

    @classmethod
    def from_json(cls, text: str | bytes) -> Order:
        d = json.loads(text)
        return cls(d["term"], d["transition"], action_from_dict(d["action"]), int(d.get("lease", 0)),
                   bool(d.get("start_failure_is_fatal", True)))


def op_resource(a: Action) -> str:
    """The name the agent runs under and results are recorded under: the history entry's name -- an
    anonymous clone instance's base name (as Pacemaker names it to agents and in the status section),
    a unique instance's own name, or the name an existing entry already has."""
    return a.history_id or a.rsc or ""


def request_for(order: Order) -> ActionRequest | None:
    """The agent request of a resource action (None for an action no agent runs)."""
    a = order.action
    if a.agent is None or a.rsc is None:
        return None
    # the CRM_meta values are the scheduler's; the executor adds what it derives from them itself
    meta = tuple((k, v) for k, v in a.meta.items() if k not in ("timeout", "interval", "name"))
    role = Role.PROMOTED if a.target_rc == OcfRc.RUNNING_PROMOTED else None
    return ActionRequest(a.agent, a.task, op_resource(a), tuple(a.params.items()), meta=meta,
                         interval_ms=a.interval_ms, timeout_ms=a.timeout_ms, role=role, target_rc=a.target_rc,
                         node=a.node)


def cancelled(state: ClusterState, order: Order) -> ResourceHistory | None:
    """The history entry without the recurring operation a `cancel` action names (its key)."""
    a = order.action
    assert a.node is not None
    name = a.history_id or a.rsc or ""
    after = record_cancel(state, a.node, name, a.key).node_by_uname(a.node)
    return after.history(name) if after is not None else None


def recorded(state: ClusterState, order: Order, rc: int, status: int, now: int, exec_ms: int = 0,
             reason: str = "") -> tuple[ResourceHistory | None, dict[str, str]]:
    """The history entry to store for this result and the node attributes it changes (fail counts)."""
    a = order.action
    assert a.node is not None
    res = OperationResult(rsc=op_resource(a), task=a.task, interval_ms=a.interval_ms, node=a.node, rc=rc,
                          status=status, target_rc=a.target_rc, history_id=a.history_id, agent=a.agent,
                          digest=a.digest, exit_reason=reason, exec_time_ms=exec_ms,
                          transition_key=transition_key(order),
                          origin="hastackd", migrate_source=a.meta.get("migrate_source"),
                          migrate_target=a.meta.get("migrate_target"))
    before = state.node_by_uname(a.node)
    after = record_result(state, res, now, counting=FailCounting.CONTROLLER,
                          start_failure_is_fatal=order.start_failure_is_fatal).node_by_uname(a.node)
    if after is None:
        return None, {}
    name = a.history_id or res.rsc
    hist = after.history(name)
    old = dict(before.attributes) if before else {}
    attrs = {k: v for k, v in after.attributes.items() if old.get(k) != v}
    return hist, attrs


UNRECORDED = ("notify", "cancel")  # their results leave no operation of their own in the history


def transition_key(order: Order) -> str:
    """The transition key the result of `order` is recorded with (Pacemaker's action:transition:rc:uuid)."""
    a = order.action
    return f"{a.id}:{order.transition}:{a.target_rc}:{order.term:032x}"


def outcome(state: ClusterState, order: Order) -> tuple[int, int] | None:
    """The (rc, op-status) a node recorded for `order` once it answered it, found by its transition key;
    an action that records nothing (notify, cancel) answered is done as expected; None: no result
    found (the order was dropped, or the node lost before recording)."""
    a = order.action
    if a.task in UNRECORDED:
        return a.target_rc, 0
    node = state.node_by_uname(a.node or "")
    hist = node.history(a.history_id or a.rsc or "") if node is not None else None
    tkey = transition_key(order)
    for op in hist.ops if hist is not None else ():
        if op.transition_key == tkey and op.op_status != -1:
            return op.rc_code, op.op_status
    return None


def refusal(order: Order, lease: int, dc_term: int | None) -> str | None:
    """Why a node must not run `order` (None: it may): the order is for an earlier incarnation of the node
    (another membership lease), or from a DC whose term is not the current one (a deposed DC's order
    still in the queue, or one written just before a new DC voided the queue)."""
    if order.lease and order.lease != lease:
        return f"for lease {order.lease:x}, not ours ({lease:x})"
    if dc_term is None or order.term != dc_term:
        return f"of term {order.term}, not the current DC's ({dc_term})"
    return None
