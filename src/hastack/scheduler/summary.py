"""The Transition Summary lines, worded exactly as crm_simulate prints them (normalized).

Owns Pacemaker's rsc_action_default/rsc_action_item logic: Start, Stop,
Move, Migrate, Reload, Recover, Restart, Promote, Demote, Re-promote, with roles, nodes and
"due to ..." / "blocked" reasons, and the Fence lines.

Imports only the scheduler's own modules.
"""

from __future__ import annotations

from hastack.scheduler.graph import Act, Graph
from hastack.scheduler.working import R, WNode, WRsc


def _item(change: str, r: WRsc, origin: WNode | None, dest: WNode | None, action: Act | None,
          source: Act | None) -> str:
    if source is None:
        source = action
    need_role = r.role > R.STARTED or r.next_role > R.UNPROMOTED
    same_host = origin is not None and dest is not None and origin is dest
    same_role = r.role == r.next_role
    role, next_role = r.role.text, r.next_role.text
    if need_role and origin is None:
        details = f"{role} -> {next_role} {dest.uname if dest else ''}"
    elif origin is None:
        details = dest.uname if dest else ""
    elif need_role and dest is None:
        details = f"{role} {origin.uname}"
    elif dest is None:
        details = origin.uname
    elif need_role and same_role and same_host:
        details = f"{role} {origin.uname}"
    elif same_role and same_host:
        details = origin.uname
    elif need_role and same_role:
        details = f"{origin.uname} -> {dest.uname} {role}"
    elif same_role:
        details = f"{origin.uname} -> {dest.uname}"
    elif same_host:
        details = f"{role} -> {next_role} {origin.uname}"
    else:
        details = f"{role} {origin.uname} -> {next_role} {dest.uname}"
    reason = ""
    runnable = action.runnable if action is not None else True
    src_reason = source.reason if source is not None else None
    if src_reason and not runnable:
        reason = f" due to {src_reason} (blocked)"
    elif src_reason:
        reason = f" due to {src_reason}"
    elif not runnable:
        reason = " blocked"
    return f"{change} {r.id} ({details}){reason}"


def _find(g: Graph, r: WRsc, task: str, node: WNode | None) -> Act | None:
    found = g.find(r, task, node)
    return found[0] if found else None


def rsc_lines(g: Graph, r: WRsc) -> list[str]:
    if r.variant != "primitive":
        out: list[str] = []
        for c in r.children:
            out.extend(rsc_lines(g, c))
        return out
    current = r.running_on[0] if r.running_on else None
    if r.partial_migration_source in r.running_on:
        current = r.partial_migration_source  # a continuing migration moves from its source
    nxt = r.allocated_to
    if not r.managed or (current is None and nxt is None):
        return []
    moving = current is not None and nxt is not None and current is not nxt
    start = _find(g, r, "start", nxt)
    start_node = current if (start is not None and start.runnable) else None
    stop = _find(g, r, "stop", start_node)
    if stop is None and r.__dict__.get("_stop_unexpected"):
        stop = _find(g, r, "stop", None)
    promote = _find(g, r, "promote", nxt)
    demote = _find(g, r, "demote", nxt)
    out = []
    if r.role == r.next_role:
        if nxt is None:
            return []
        migrate_from = _find(g, r, "migrate_from", nxt)
        if migrate_from is not None and current is not None and migrate_from.runnable:
            out.append(_item("Migrate", r, current, nxt, start, None))
        elif r.reload:
            out.append(_item("Reload", r, current, nxt, start, None))
        elif start is None or start.optional:
            if demote is not None and promote is not None and not demote.optional and not promote.optional:
                out.append(_item("Re-promote", r, current, nxt, promote, demote))
        elif not start.runnable:
            out.append(_item("Stop", r, current, None, stop, stop if (stop and stop.reason) else start))
        elif moving and current is not None:
            out.append(_item("Recover" if r.failed else "Move", r, current, nxt, stop, None))
        elif r.failed:
            out.append(_item("Recover", r, current, None, stop, None))
        else:
            out.append(_item("Restart", r, current, nxt, start, None))
        return out
    if stop is not None and (r.next_role == R.STOPPED or (start is not None and not start.runnable)):
        for node in r.running_on:
            stop_op = _find(g, r, "stop", node)
            stop_op = stop_op if (stop_op is not None and stop_op.node is node) else None
            out.append(_item("Stop", r, node, None, stop_op,
                             stop_op if (stop_op is not None and stop_op.reason) else start))
    elif stop is not None and r.failed and r.stop_flag:
        out.append(_item("Recover", r, current, nxt, stop, start))
    elif moving:
        out.append(_item("Move", r, current, nxt, stop, None))
    elif r.reload:
        out.append(_item("Reload", r, current, nxt, start, None))
    elif stop is not None and not stop.optional:
        out.append(_item("Restart", r, current, nxt, start, None))
    elif r.role == R.PROMOTED:
        out.append(_item("Demote", r, current, nxt, demote, None))
    elif r.next_role == R.PROMOTED:
        out.append(_item("Promote", r, current, nxt, promote, None))
    elif r.role == R.STOPPED and r.next_role > R.STOPPED:
        out.append(_item("Start", r, current, nxt, start, None))
    return out


def summary_lines(g: Graph, resources: list[WRsc], stonith_action: str) -> list[str]:
    out = []
    for a in g.actions:
        if a.rsc is None and a.task == "stonith" and not a.optional and a.node is not None:
            action = (a.meta or {}).get("stonith_action", stonith_action)
            host = f" (resource: {a.fence_rsc})" if a.fence_rsc else ""
            out.append(f"Fence ({action}) {a.node.uname}{host} '{a.reason}'")
    for r in resources:
        out.extend(rsc_lines(g, r))
    return out
