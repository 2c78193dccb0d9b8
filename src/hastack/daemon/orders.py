"""An order: one action of a transition, sent by the DC to the node that must run it.

The DC writes an order per action (store.etcd `actions/{node}/{key}`) in its
term. The node turns it into an agent request and, once the agent answered,
into the history entry it records -- with the same record code the simulator
uses, so the next `schedule()` reads the result exactly as Pacemaker's
status section would have it.

Interim seam: the expected rc, the history entry name, the digest and the
agent's parameters are still computed here from the scheduler's working view
(`simulate.execute`'s helpers); they move onto `scheduler.Action` itself
(issue 9, item 1), after which this module only copies fields.

Pure. Imports the model, scheduler, simulate, agents.action.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from typing import Any

from hastack.agents.action import ActionRequest, CloneInfo
from hastack.model.config import Configuration
from hastack.model.state import ClusterState, ResourceHistory
from hastack.model.values import Role
from hastack.scheduler import Action, Transition
from hastack.scheduler.unpack import unpack
from hastack.simulate.execute import _record, _target_rc  # interim: see the module docstring


@dataclass(frozen=True)
class Order:
    term: int
    transition: int  # the DC's transition number in this term
    action: Action
    target_rc: int

    @property
    def key(self) -> str:
        a = self.action
        return f"{self.term}-{self.transition}-{a.id}"

    def to_json(self) -> str:
        return json.dumps({"term": self.term, "transition": self.transition, "target_rc": self.target_rc,
                           "action": asdict(self.action)}, sort_keys=True)

    @classmethod
    def from_json(cls, text: str | bytes) -> Order:
        d = json.loads(text)
        a: dict[str, Any] = d["action"]
        a["after"] = tuple(a.get("after", ()))
        known = set(Action.__dataclass_fields__)
        action = Action(**{k: v for k, v in a.items() if k in known})
        return cls(d["term"], d["transition"], action, d["target_rc"])


def orders_for(config: Configuration, state: ClusterState, transition: Transition, actions: list[Action],
               term: int, number: int, now: int) -> list[Order]:
    """The orders for actions the graph made ready (each with the rc that means success)."""
    u = unpack(config, state, now)
    return [Order(term, number, a, _target_rc(u.by_id.get(a.rsc or ""), a, transition)) for a in actions]


def request_for(config: Configuration, state: ClusterState, order: Order, now: int) -> ActionRequest | None:
    """The agent request of a resource action (None when the resource is gone from the configuration)."""
    a = order.action
    u = unpack(config, state, now)
    r = u.by_id.get(a.rsc or "")
    if r is None or r.definition is None or r.agent is None:
        return None
    p = r.definition
    params = tuple((k, v) for s in p.params if s.rule is None for k, v in s.pairs)
    timeout = 20_000
    for op in p.ops:
        if op.name == a.task and op.interval_ms == a.interval_ms and op.timeout_ms:
            timeout = op.timeout_ms
    clone = None
    parent = r.clone_parent()
    if parent is not None:
        base, _, num = r.id.rpartition(":")
        clone = CloneInfo(instance=int(num) if num.isdigit() else 0, clone_max=parent.clone_max,
                          clone_node_max=parent.clone_node_max,
                          promoted_max=parent.promoted_max if parent.promotable else None,
                          promoted_node_max=parent.promoted_node_max if parent.promotable else None,
                          globally_unique=parent.unique, notify=parent.notify)
    rid = a.rsc or ""
    if parent is not None and not parent.unique:
        rid = rid.rpartition(":")[0] or rid  # an anonymous instance runs under its base name
    role = Role.PROMOTED if order.target_rc == 8 else None
    return ActionRequest(r.agent, a.task, rid, params, meta=tuple(r.meta.items()), interval_ms=a.interval_ms,
                         timeout_ms=timeout, role=role, target_rc=order.target_rc, node=a.node, clone=clone)


def recorded(config: Configuration, state: ClusterState, order: Order, rc: int, now: int
             ) -> tuple[ResourceHistory | None, dict[str, str]]:
    """The history entry to store for this result and the node attributes it sets (fail counts)."""
    a = order.action
    assert a.node is not None
    u = unpack(config, state, now)
    after = _record(config, state, u, a, rc, order.target_rc, now)
    before_ns = state.node_by_uname(a.node)
    ns = after.node_by_uname(a.node)
    if ns is None:
        return None, {}
    old = {h.id: h for h in (before_ns.resources if before_ns else ())}
    changed = [h for h in ns.resources if old.get(h.id) != h]
    before_attrs = dict(before_ns.attributes) if before_ns else {}
    attrs = {k: v for k, v in ns.attributes.items() if before_attrs.get(k) != v}
    return (changed[0] if changed else None), attrs
