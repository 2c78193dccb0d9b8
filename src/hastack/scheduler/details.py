"""Action details: what an executor needs to run one scheduled action.

Owns, for every action that is scheduled (not optional), the values Pacemaker's
transition graph carries with it: the operation key (`rsc_task_interval`, with
the name the node's history knows a clone instance by), the rc that means
success (CRM_meta_op_target_rc), the op digest to record the result with, the
name of the history entry the result goes to, the agent, the instance
attributes evaluated for the node (pe_rsc_params: the operation's own
instance attributes first, then the resource's, its group's and its clone's),
and the CRM_meta_* values (Pacemaker's unpack_operation: op_defaults, the op
definition and its meta attributes, interval/timeout/start-delay normalized to
ms; then the graph's additions: on_node, clone and promotable meta, the
expected rc, and a cancel's or notification's own values).

Computed once per scheduled action at the end of schedule(); optional actions
keep the defaults, so the cost follows the size of the transition, not of the
cluster. Imports only the model and the scheduler's own modules.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from types import MappingProxyType
from typing import Any

from hastack.model import durations
from hastack.model.config import Clone, Configuration, Group, Op
from hastack.model.state import ClusterState
from hastack.scheduler.digest import DEFAULT_TIMEOUT_MS, task_for_digest, digest_of, operation_params
from hastack.scheduler.graph import Act
from hastack.scheduler.failcounts import base_name
from hastack.scheduler.onfail import op_definition
from hastack.scheduler.rules import Subject, parse_date, unpack_nvpairs
from hastack.scheduler.unpack import Unpacked
from hastack.scheduler.working import WNode, WRsc

_EMPTY: Mapping[str, str] = MappingProxyType({})
# Op attributes Pacemaker does not pass as meta: the id; the others are typed fields of Op.
_TYPED = ("name", "interval", "timeout", "role", "on-fail", "enabled")
# Actions whose result is not recorded in the history (so they need no digest).
_UNRECORDED = ("notify", "cancel")




def history_id(r: WRsc, node_entries: Callable[[], frozenset[str]]) -> str:
    """The name of the lrm_resource entry an action's result belongs to, on a node whose history
    holds `node_entries`: an anonymous clone instance is known by its base name, or by the
    numbered name the node's history already uses (the graph's primitive id and long-id, looked
    up in that order as the controller does); an orphan by the name its history has.
    `node_entries()` gives the names in the node's history (only asked for anonymous instances)."""
    if r.orphan and r.clone_name:
        return r.clone_name
    clone = r.clone_parent()
    if clone is None or clone.unique:
        return r.id
    base = base_name(r.id)
    entries = node_entries()
    if base in entries:
        return base
    long_id = r.clone_name if r.clone_name and r.clone_name != base else r.id
    return long_id if long_id in entries else base


def _instance_number(r: WRsc) -> str | None:
    """The clone instance number of a primitive (its own, or its cloned group's)."""
    it: WRsc | None = r
    while it is not None and it.parent is not None:
        if it.parent.variant == "clone":
            tail = it.id.rpartition(":")[2]
            return tail if tail.isdigit() else None
        it = it.parent
    return None


class DetailsBuilder:
    """Computes Action details; caches what many actions of one resource share."""

    def __init__(self, config: Configuration, state: ClusterState, u: Unpacked) -> None:
        self.config = config
        self.state = state
        self.u = u
        self._entries: dict[str, frozenset[str]] = {}
        self._params: dict[tuple[int, str, str | None], Mapping[str, str]] = {}
        self._defaults: dict[Subject, dict[str, str]] = {}

    # --- pieces -------------------------------------------------------------------------
    def node_entries(self, uname: str) -> frozenset[str]:
        got = self._entries.get(uname)
        if got is None:
            node = self.u.node_by_uname.get(uname)
            ns = self.state.nodes.get(node.id) if node is not None else None
            if ns is None or ns.uname != uname:
                ns = self.state.node_by_uname(uname)
            got = frozenset(h.id for h in ns.resources) if ns is not None else frozenset()
            self._entries[uname] = got
        return got

    def op_defaults(self, subject: Subject) -> dict[str, str]:
        """op_defaults for one operation of one resource: their rules may test both."""
        got = self._defaults.get(subject)
        if got is None:
            got = self._defaults[subject] = {}
            unpack_nvpairs(self.config.op_defaults, {}, self.u.now, got, subject=subject)
        return got

    def params(self, r: WRsc, node: WNode, op: Op | None) -> Mapping[str, str]:
        """pe_rsc_params for the node, the operation's own instance attributes first."""
        key = (id(r), node.uname, op.id if op is not None else None)
        got = self._params.get(key)
        if got is not None:
            return got
        out: dict[str, str] = {}
        if op is not None and op.params:
            unpack_nvpairs(op.params, node.attrs, self.u.now, out)
        it: WRsc | None = r
        while it is not None:
            if it.definition is not None:
                sets = it.definition.params
            else:
                d = self.config.resources.get(base_name(it.id)) if it.variant == "group" else \
                    self.config.resources.get(it.id)
                sets = d.params if isinstance(d, (Group, Clone)) else ()
            if sets:
                unpack_nvpairs(sets, node.attrs, self.u.now, out)
            it = it.parent
        got = MappingProxyType(out) if out else _EMPTY
        self._params[key] = got
        return got

    def op_meta(self, r: WRsc, a: Act, op: Op | None, params: Mapping[str, str]) -> dict[str, str]:
        """unpack_operation: the action's meta from op_defaults, the op definition and its meta
        attributes, with interval, timeout and start-delay in ms."""
        subject = Subject.of(r.agent, a.task, a.interval_ms)
        meta = dict(self.op_defaults(subject))
        probe = a.task == "monitor" and a.interval_ms == 0
        if probe and r.definition is not None:
            # a probe's default timeout is the shortest enabled recurring monitor's
            shortest = min((o for o in r.definition.ops if o.name == "monitor" and o.enabled and o.interval_ms),
                           key=lambda o: o.interval_ms, default=None)
            if shortest is not None and shortest.timeout_text is not None:
                meta["timeout"] = shortest.timeout_text
        if op is not None:
            unpack_nvpairs(op.meta, {}, self.u.now, meta, overwrite=True, subject=subject)
            meta["name"] = op.name
            if op.interval_text is not None:
                meta["interval"] = op.interval_text
            if op.timeout_text is not None:
                meta["timeout"] = op.timeout_text
            if op.role is not None:
                meta["role"] = op.role.value
            if op.on_fail is not None:
                meta["on-fail"] = op.on_fail
            if not op.enabled:
                meta["enabled"] = "false"
            for k, v in op.attributes:
                if k != "id" and k not in _TYPED:
                    meta[k] = v
        meta.pop("id", None)
        if a.interval_ms > 0:
            meta["interval"] = str(a.interval_ms)
        else:
            meta.pop("interval", None)
        if r.agent is not None and r.agent.cls == "stonith" and (a.task == "start" or probe):
            fence_timeout = params.get("pcmk_monitor_timeout")
            if fence_timeout:
                meta["timeout"] = fence_timeout
        meta["timeout"] = str(durations.parse_ms_or(meta.get("timeout"), DEFAULT_TIMEOUT_MS))
        delay = meta.get("start-delay")
        if delay is not None:
            meta["start-delay"] = str(max(durations.parse_ms_or(delay, 0), 0))
        elif a.interval_ms and meta.get("interval-origin"):
            origin = parse_date(meta["interval-origin"])
            if origin is not None:
                meta["start-delay"] = str(_delay_to_origin(self.u.now, origin, a.interval_ms // 1000) * 1000)
        return meta

    # --- one action -------------------------------------------------------------------------
    def of(self, a: Act) -> dict[str, Any]:
        """The Action fields for a scheduled working action."""
        r, node = a.rsc, a.node
        if r is None:
            if a.task == "stonith" and node is not None:
                action = (a.meta or {}).get("stonith_action", self.u.options.stonith_action)
                return {"meta": MappingProxyType({"stonith_action": action,
                                                  "on_node": node.uname, "on_node_uuid": node.id})}
            return {}
        if a.pseudo or node is None:
            return {"key": _pseudo_key(a)}
        op = op_definition(r, a.task, a.interval_ms) if a.task != "cancel" else \
            op_definition(r, (a.meta or {}).get("operation", "monitor"), a.interval_ms)
        params = self.params(r, node, op) if r.definition is not None else _EMPTY
        meta = self.op_meta(r, a, op, params)
        if a.target_rc:
            meta["op_target_rc"] = str(a.target_rc)
        for k, v in (a.meta or {}).items():
            meta.setdefault(k, v)
        meta["on_node"] = node.uname
        meta["on_node_uuid"] = node.id
        _clone_meta(r, meta)
        meta = {k.replace("-", "_"): v for k, v in meta.items()}
        digest = None
        if a.task not in _UNRECORDED:
            task = task_for_digest(a.task, a.interval_ms)
            digest = digest_of(operation_params(r, task, a.interval_ms, self.config.op_defaults))
        return {
            "key": _op_key(r, a),
            "target_rc": a.target_rc,
            "digest": digest,
            "history_id": history_id(r, lambda: self.node_entries(node.uname)),
            "agent": r.agent,
            "params": params,
            "meta": MappingProxyType(meta),
            "timeout_ms": int(meta["timeout"]),
        }


def _delay_to_origin(now: int, origin: int, interval_s: int) -> int:
    """unpack_interval_origin: seconds until the next multiple of the interval after the origin
    (C's remainder, which keeps the dividend's sign)."""
    if interval_s <= 0:
        return 0
    since = math.fmod(now - origin, interval_s)
    return int((0 if since <= 0 else interval_s) - since)


def _clone_meta(r: WRsc, meta: dict[str, str]) -> None:
    """add_graph_meta of the resource and its parents: the instance number, then the clone's
    uniqueness, notification, instance and promotion limits."""
    number = _instance_number(r)
    if number is not None:
        meta["clone"] = number
    clone = r.clone_parent()
    if clone is None:
        return
    meta["globally_unique"] = "true" if clone.unique else "false"
    meta["notify"] = "true" if clone.notify else "false"
    meta["clone_max"] = str(clone.clone_max)
    meta["clone_node_max"] = str(clone.clone_node_max)
    if clone.promotable:
        for name in ("promoted_max", "master_max"):
            meta[name] = str(clone.promoted_max)
        for name in ("promoted_node_max", "master_node_max"):
            meta[name] = str(clone.promoted_node_max)


def _op_key(r: WRsc, a: Act) -> str:
    """The graph's operation_key: the name the history knows the instance by (clone_name) if any."""
    name = r.clone_name or r.id
    meta = a.meta or {}
    if a.task == "notify":
        return f"{name}_{meta.get('notify_type', '')}_notify_{meta.get('notify_operation', '')}_0"
    if a.task == "cancel":
        return f"{name}_{meta.get('operation', 'monitor')}_{a.interval_ms}"
    return f"{name}_{a.task}_{a.interval_ms}"


def _pseudo_key(a: Act) -> str:
    assert a.rsc is not None
    meta = a.meta or {}
    if a.task in ("notify", "notified"):
        return f"{a.rsc.id}_{meta.get('notify_key_type', '')}_notify_{meta.get('notify_key_operation', '')}_0"
    return f"{a.rsc.id}_{a.task}_{a.interval_ms}"
