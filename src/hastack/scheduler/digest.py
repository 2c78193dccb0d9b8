"""Operation digests: detecting that a resource's definition changed since it was started.

Pacemaker records, with every operation result, an MD5 digest of the
parameters the operation ran with (`op-digest`, and `op-restart-digest` over
the parameters that force a restart). The digest is the MD5 of
" <parameters NAME="VALUE" .../>\\n": every instance attribute of the
resource plus the operation's own instance attributes, attribute names
sorted bytewise, values XML-escaped, CRM_meta_* left out except
CRM_meta_timeout (in ms) for recurring operations. Matching that string
exactly lets hastack read digests that Pacemaker recorded and vice versa.

Owns: computing digests and comparing them with the history (Pacemaker's
pcmk__handle_rsc_config_changes / rsc_action_digest_cmp). Imports only the model.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass

from hastack.model import durations
from hastack.model.config import AttrSet, Configuration, Op, merged
from hastack.model.results import ExecStatus, OcfRc
from hastack.model.state import OpRecord
from hastack.model.values import is_true
from hastack.scheduler.bundle import container_host
from hastack.scheduler.onfail import op_definition
from hastack.scheduler.types import DEFAULT_TIMEOUT_MS
from hastack.scheduler.meta import meta_of
from hastack.scheduler.unpack import Unpacked
from hastack.scheduler.working import WNode, WRsc

_ESCAPES = {"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;"}


def _escape(value: str) -> str:
    return "".join(_ESCAPES.get(ch, ch) for ch in value)


def digest_of(params: Mapping[str, str]) -> str:
    """MD5 of Pacemaker's canonical one-line XML of an operation's parameters."""
    attrs = "".join(f' {k}="{_escape(v)}"' for k, v in sorted(params.items(), key=lambda kv: kv[0].encode()))
    text = f" <parameters{attrs}/>\n"
    return hashlib.md5(text.encode()).hexdigest()


def _timeout_ms(op: Op | None, op_defaults: tuple[AttrSet, ...]) -> int:
    if op is not None and op.timeout_ms is not None:
        return op.timeout_ms
    value = merged(op_defaults).get("timeout")
    if value:
        try:
            return durations.parse_ms(value)
        except Exception:
            return DEFAULT_TIMEOUT_MS
    return DEFAULT_TIMEOUT_MS


def operation_params(r: WRsc, task: str, interval_ms: int, op_defaults: tuple[AttrSet, ...]) -> dict[str, str]:
    """The parameters an operation runs with, as the digest sees them."""
    params: dict[str, str] = {}
    if r.definition is not None:
        params.update(meta_of(r.definition.params))
    parent = r.parent
    while parent is not None:  # get_rsc_attributes: a group's or clone's parameters are inherited
        for k, v in meta_of(parent.params).items():
            params.setdefault(k, v)
        parent = parent.parent
    op = op_definition(r, task, interval_ms)
    if op is not None:
        for k, v in meta_of(op.params).items():
            params.setdefault(k, v)
    if interval_ms:
        params["CRM_meta_timeout"] = str(_timeout_ms(op, op_defaults))
    for k in ("id", "crm_feature_set", "op-digest", "on_node", "on_node_uuid", "pcmk_external_ip"):
        params.pop(k, None)
    if r.bundle is not None and r.is_remote_node and params.get("addr", "").lower() == "#uname":
        host = container_host(r)
        if host is not None:
            params["addr"] = host.uname
    return params


def _own_params(r: WRsc, task: str, interval_ms: int) -> bool:
    """Whether the operation's definition has instance attributes of its own (action->extra)."""
    op = op_definition(r, task, interval_ms)
    return op is not None and bool(meta_of(op.params))


def task_for_digest(task: str, interval_ms: int) -> str:
    if interval_ms == 0 and task in ("monitor", "migrate_from", "promote", "reload", "reload-agent"):
        return "start"  # these one-shot results are recorded with the start's digest
    return task


@dataclass(frozen=True)
class Change:
    rsc: WRsc
    node: WNode
    task: str
    interval_ms: int
    restart: bool  # True: the definition change needs a restart (else a monitor reschedule)
    # a recurring operation to cancel instead (orphaned, or in maintenance mode): its call id
    cancel_call_id: int | None = None


_ACTIVE = (OcfRc.OK, OcfRc.RUNNING_PROMOTED)  # a monitor that found the resource active


def _active_ops(ops: list[OpRecord]) -> list[OpRecord]:
    """The operations since the last start (calculate_active_ops), or [] if stopped since."""
    start = stop = -1
    implied_monitor = implied_clone = -1
    for i, op in enumerate(ops):
        if op.operation == "stop" and op.op_status == ExecStatus.DONE:
            stop = i
        elif op.operation in ("start", "migrate_from"):
            start = i
        elif implied_monitor <= stop and op.operation == "monitor" and op.rc_code in _ACTIVE:
            implied_monitor = i
        elif op.operation in ("promote", "demote"):
            implied_clone = i
    if start == -1:
        start = implied_clone if implied_clone != -1 else implied_monitor
    if start < stop:
        return []
    return ops[max(start, 0):]


def _version_lt(version: str | None, other: str) -> bool:
    def key(v: str) -> tuple[int, ...]:
        return tuple(int(x) if x.isdigit() else 0 for x in v.split("."))
    return version is not None and key(version) < key(other)


def _only_secrets_changed(r: WRsc, op: OpRecord, params: dict[str, str]) -> bool:
    """crm_simulate's sanitized mode: a change confined to secret parameters is no change."""
    if op.op_secure_digest is None:
        return False
    old = _version_lt(op.crm_feature_set or "3.16.0", "3.16.0")
    if old:
        secure = meta_of(r.definition.params) if r.definition is not None else {}
    else:
        secure = dict(params)
    hidden = set((op.op_secure_params or " passwd password user ").split())
    secure = {k: v for k, v in secure.items() if k not in hidden}
    if old and r.agent is not None and r.agent.cls == "stonith":
        secure = {k: v for k, v in secure.items() if not k.startswith("pcmk_") and k != "provides"}
    secure.pop("CRM_meta_timeout", None) if old else None
    return digest_of(secure) == op.op_secure_digest


def config_changes(config: Configuration, u: Unpacked, sanitized: bool = True) -> Iterator[Change]:
    for (rid, uname), ops in u.history.items():
        r = u.by_id.get(rid)
        node = u.node_by_uname.get(uname)
        if r is None or node is None or r.orphan or node not in r.running_on:
            continue
        # pcmk__handle_rsc_config_changes: a node that cannot run actions is not checked,
        # unless in maintenance mode (whose recurring monitors are cancelled)
        if not node.maintenance and not (node.online and not node.shutdown and not node.unclean
                                         and not node.standby):
            continue
        maintenance = node.maintenance or u.options.maintenance or is_true(r.meta.get("maintenance"), False)
        for op in _active_ops(ops):
            if op.interval_ms > 0 and maintenance:
                yield Change(r, node, op.operation, op.interval_ms, False, cancel_call_id=op.call_id)
                continue
            if not (op.interval_ms > 0 or op.operation in ("monitor", "start", "promote", "migrate_from")):
                continue
            if op.interval_ms > 0:
                defined = op_definition(r, op.operation, op.interval_ms)
                if defined is None or not defined.enabled:
                    # orphaned recurring operation: cancelled (stop-orphan-actions), not a restart
                    if u.options.stop_orphan_actions:
                        yield Change(r, node, op.operation, op.interval_ms, False, cancel_call_id=op.call_id)
                    continue
            task = task_for_digest(op.operation, op.interval_ms)
            params = operation_params(r, task, op.interval_ms, config.op_defaults)
            change: Change | None = None
            if op.op_restart_digest is not None:
                keep = set((op.op_force_restart or "").split())
                restart_params = {k: v for k, v in params.items() if k in keep} \
                    if op.op_force_restart is not None else params
                if digest_of(restart_params) != op.op_restart_digest:
                    change = Change(r, node, task, op.interval_ms, True)
            if change is None and (op.op_digest is None or digest_of(params) != op.op_digest):
                # a one-shot operation with parameters of its own restarts (reloading would not
                # apply them to it), whatever the agent can reload
                reload_capable = op.op_restart_digest is not None and not _own_params(r, task, op.interval_ms)
                change = Change(r, node, task, op.interval_ms, op.interval_ms == 0 and not reload_capable)
            if change is None or (sanitized and _only_secrets_changed(r, op, params)):
                continue
            yield change
