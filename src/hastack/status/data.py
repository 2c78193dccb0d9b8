"""The status view as plain data: dicts, lists, strings, numbers and booleans, ready for JSON.

`to_dict(view)` keeps every fact of the view and adds nothing; the layout choices of the
text renderers (which clone instances get a line of their own) are left to each client.
Imports only hastack.status.view.
"""

from __future__ import annotations

from typing import Any

from hastack.status.view import FailedAction, HistoryEntry, NodeStatus, ReplicaStatus, ResourceStatus, StatusView


def _node(n: NodeStatus) -> dict[str, Any]:
    return {"name": n.uname, "id": n.id, "state": n.state, "online": n.online, "unclean": n.unclean,
            "pending": n.pending, "standby": n.standby, "standby_onfail": n.standby_onfail,
            "maintenance": n.maintenance, "shutdown": n.shutdown, "is_dc": n.is_dc, "reason": n.reason,
            "expected_up": n.expected_up, "active_resources": n.active_resources, "attributes": dict(n.attributes),
            "kind": n.kind, "container": n.container, "health": n.health}


def _resource(r: ResourceStatus) -> dict[str, Any]:
    out: dict[str, Any] = {
        "id": r.id, "name": r.name, "kind": r.kind, "agent": r.agent, "role": r.role.value,
        "nodes": list(r.nodes), "pending": r.pending, "pending_node": r.pending_node, "failed": r.failed,
        "blocked": r.blocked, "managed": r.managed, "orphan": r.orphan, "failure_ignored": r.failure_ignored,
        "disabled": r.disabled, "target_role": r.target_role, "unique": r.unique, "promotable": r.promotable,
        "active": r.active, "partially_active": r.partially_active, "locked_to": r.locked_to,
        "failed_probes": [{"node": n, "rc": rc} for n, rc in r.failed_probes],
    }
    if r.description is not None:
        out["description"] = r.description
    if r.kind == "clone":
        out["clone_max"] = r.clone_max
        out["stopped_on"] = list(r.stopped_on)
    if r.children:
        out["children"] = [_resource(c) for c in r.children]
    if r.kind == "bundle":
        out["image"] = r.image
        out["runtime"] = r.runtime
        out["replicas"] = [_replica(rep) for rep in r.replicas]
    return out


def _replica(rep: ReplicaStatus) -> dict[str, Any]:
    def part(p: ResourceStatus | None) -> dict[str, Any] | None:
        return _resource(p) if p is not None else None

    return {"offset": rep.offset, "address": rep.address, "ip": part(rep.ip), "child": part(rep.child),
            "container": _resource(rep.container), "remote": part(rep.remote)}


def _history(h: HistoryEntry) -> dict[str, Any]:
    return {"node": h.node, "id": h.id, "resource": h.rsc, "migration_threshold": h.migration_threshold,
            "fail_count": h.fail_count, "last_failure": h.last_failure or None,
            "operations": [{"call_id": op.call_id, "task": op.operation, "interval_ms": op.interval_ms,
                            "rc": op.rc_code, "status": op.op_status, "last_rc_change": op.last_rc_change,
                            "exec_time_ms": op.exec_time, "queue_time_ms": op.queue_time} for op in h.ops]}


def _failed(f: FailedAction) -> dict[str, Any]:
    return {"resource": f.rsc, "node": f.node, "key": f.key, "task": f.task, "interval_ms": f.interval_ms,
            "rc": f.rc, "status": f.status, "call_id": f.call_id, "exit_reason": f.exit_reason,
            "last_rc_change": f.last_rc_change, "exec_time_ms": f.exec_time, "queue_time_ms": f.queue_time}


def to_dict(view: StatusView) -> dict[str, Any]:
    """{"have_quorum", "dc", "stonith_enabled", "maintenance_mode", "options": {...}, "nodes": [...],
    "resources": [...] (nested: groups and clones list their children, bundles their replicas:
    address, ip, child, container, remote), "failed_actions": [...],
    "history": [...] (when the view has it)}."""
    out: dict[str, Any] = {
        "have_quorum": view.have_quorum, "dc": view.dc, "stonith_enabled": view.stonith_enabled,
        "maintenance_mode": view.maintenance_mode,
        "options": {"symmetric_cluster": view.symmetric, "no_quorum_policy": view.no_quorum_policy,
                    "stop_all_resources": view.stop_all, "stonith_timeout_ms": view.stonith_timeout_ms,
                    "priority_fencing_delay_ms": view.priority_fencing_delay_ms},
        "nodes": [_node(n) for n in view.nodes],
        "resources": [_resource(r) for r in view.resources],
        "failed_actions": [_failed(f) for f in view.failed_actions],
    }
    if view.history:
        out["history"] = [_history(h) for h in view.history]
    return out
