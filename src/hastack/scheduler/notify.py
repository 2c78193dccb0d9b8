"""Clone notifications: what a `notify=true` clone's instances are told around its actions.

Owns Pacemaker's pe_notif.c: for each of a notifying clone's start, stop,
promote and demote, the clone's pseudo-actions that frame the notifications
(pre `notify` -> `notified` confirmed-pre -> the action -> its completion ->
post `notify` -> `notified` confirmed-post), made while the clone's actions are
created; then, once the orderings have settled the flags (Pacemaker does it
while writing the graph), the notify_* variables (which instances start, stop,
promote, demote, are active, promoted, unpromoted, inactive, and on which
nodes) and one `notify` action per instance and node, which carries them.

Imports only the scheduler's own modules.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

from hastack.scheduler.graph import Act, Graph, O
from hastack.scheduler.working import R, WNode, WRsc

ROLE_LISTS = {R.STOPPED: ("inactive",), R.STARTED: ("active",), R.UNPROMOTED: ("unpromoted", "active"),
              R.PROMOTED: ("promoted", "active")}
ACTIVITY = ("start", "stop", "promote", "demote")
# Summarizing a notification pseudo-action as its resource's other actions are.
Flags = Callable[[Act, WNode | None], tuple[bool, bool]]


@dataclass(eq=False)
class Notification:
    """Pacemaker's notify_data_t for one clone action."""

    clone: WRsc
    action: str  # start stop promote demote
    pre: Act | None = None
    pre_done: Act | None = None
    post: Act | None = None
    post_done: Act | None = None
    entries: dict[str, list[tuple[WRsc, WNode | None]]] = field(default_factory=dict)
    keys: dict[str, str] = field(default_factory=dict)


def _pseudo(g: Graph, clone: WRsc, about: Act, task: str, kind: str, action: str) -> Act:
    """new_notify_pseudo_action: required exactly when the action it frames is."""
    a = g.new(task, clone, None, about.optional, 0, pseudo=True)
    a.notify_of = about.task
    a.meta = {"notify_key_type": kind, "notify_key_operation": about.task,
              "notify_type": "pre" if kind.endswith("pre") else "post", "notify_operation": action}
    return a


def pseudo_ops(g: Graph, clone: WRsc, action: str, first: Act | None, complete: Act | None) -> Notification | None:
    """pe__clone_notif_pseudo_ops: the pseudo-actions around `first` (pre) and after `complete`
    (post) of a clone action, ordered pre -> confirmed-pre -> first, complete -> post ->
    confirmed-post."""
    if not clone.notify:
        return None
    n = Notification(clone, action)
    if first is not None:
        n.pre = _pseudo(g, clone, first, "notify", "pre", action)
        n.pre_done = _pseudo(g, clone, first, "notified", "confirmed-pre", action)
        n.pre.runnable = n.pre_done.runnable = True
        g.order(n.pre, n.pre_done, O.OPTIONAL)
        g.order(n.pre_done, first, O.OPTIONAL)
    if complete is not None:
        n.post = _pseudo(g, clone, complete, "notify", "post", action)
        n.post_done = _pseudo(g, clone, complete, "notified", "confirmed-post", action)
        n.post.runnable = n.post_done.runnable = complete.runnable
        g.order(complete, n.post, O.IMPLIES_THEN)
        g.order(n.post, n.post_done, O.IMPLIES_THEN)
    if n.pre_done is not None and n.post is not None:
        g.order(n.pre_done, n.post, O.OPTIONAL)
    return n


def confirmed_post(g: Graph, clone: WRsc, task: str) -> Act | None:
    """The clone's confirmed-post notification of `task` (running, stopped, promoted, demoted):
    what an ordering after a notifying clone's action waits for (action_uuid_for_ordering)."""
    for a in g.of(clone):
        if a.task == "notified" and a.meta is not None and a.meta.get("notify_key_type") == "confirmed-post" \
                and a.notify_of == task:
            return a
    return None


def after_fencing(g: Graph, new: Callable[[WRsc, str, WNode, bool], Act], stop: Act, r: WRsc,
                  stonith: Act) -> None:
    """pe__order_notifs_after_fencing: a stop implied by fencing has no pre notification; the
    other instances are told after the fencing (post notify pseudo-actions of the instance)."""
    assert stop.node is not None
    n = Notification(r, "stop")
    n.post = _pseudo(g, r, stonith, "notify", "post", "stop")
    n.post_done = _pseudo(g, r, stonith, "notified", "confirmed-post", "stop")
    n.post.runnable = n.post_done.runnable = stonith.runnable
    g.order(stonith, n.post, O.IMPLIES_THEN)
    g.order(n.post, n.post_done, O.IMPLIES_THEN)
    n.keys = {"notify_stop_resource": r.id, "notify_stop_uname": stop.node.uname}
    top = r.top()
    for p in top.primitives():
        _instance_actions(g, new, p, n)


# --- the notifications themselves (at graph time) ---------------------------------------------

_DIGITS = re.compile(r"(\d+)")


def _name_key(name: str) -> tuple[tuple[int, int | str], ...]:
    """pcmk__numeric_strcasecmp as a sort key: case-insensitive, digit runs by value."""
    return tuple((1, int(part)) if part.isdigit() else (0, part.lower())
                 for part in _DIGITS.split(name) if part)


def _words(words: list[str]) -> str:
    return " ".join(words) if words else " "


def _collect(g: Graph, n: Notification, r: WRsc, activity: bool) -> None:
    """collect_resource_data: every instance's current role and, with `activity`, its
    scheduled starts, stops, promotions and demotions."""
    if r.children:
        for c in r.children:
            _collect(g, n, c, activity)
        return
    node = r.running_on[0] if r.running_on else None
    for name in ROLE_LISTS.get(r.role, ()):
        n.entries.setdefault(name, []).append((r, node))
    if not activity:
        return
    for a in g.of(r):
        if a.optional or a.node is None or a.task not in ACTIVITY:
            continue
        if not a.runnable and not (a.task == "stop" and a.node.unclean):
            continue
        n.entries.setdefault(a.task, []).append((r, a.node))


def _entry_lists(entries: list[tuple[WRsc, WNode | None]], with_nodes: bool) -> tuple[str, str]:
    """notify_entries_to_strings: instances by name (then node id), each once, and their nodes."""
    rscs: list[str] = []
    nodes: list[str] = []
    last = None
    # by instance name, then node id, an entry without a node last (compare_notify_entries)
    for r, node in sorted(entries, key=lambda e: (e[0].id, e[1] is None, e[1].id if e[1] else "")):
        if with_nodes and node is None:
            continue
        if r.id == last:
            continue
        last = r.id
        rscs.append(r.id)
        if with_nodes and node is not None:
            nodes.append(node.uname)
    return _words(rscs), _words(nodes)


def _keys(n: Notification, all_nodes: list[WNode]) -> bool:
    """add_notif_keys: the notify_* variables; whether the notifications are required."""
    required = False
    keys = n.keys
    for task in ("stop", "start", "demote", "promote"):
        entries = n.entries.get(task, [])
        keys[f"notify_{task}_resource"], keys[f"notify_{task}_uname"] = _entry_lists(entries, True)
        if entries and n.action == task:
            required = True
    for name, legacy in (("active", None), ("unpromoted", "slave"), ("promoted", "master")):
        rscs, unames = _entry_lists(n.entries.get(name, []), True)
        keys[f"notify_{name}_resource"], keys[f"notify_{name}_uname"] = rscs, unames
        if legacy is not None:
            keys[f"notify_{legacy}_resource"], keys[f"notify_{legacy}_uname"] = rscs, unames
    keys["notify_inactive_resource"] = _entry_lists(n.entries.get("inactive", []), False)[0]
    allowed = sorted((n.clone.allowed or {}).keys(), key=_name_key)
    keys["notify_available_uname"] = _words(allowed)
    keys["notify_all_uname"] = _words(sorted((w.uname for w in all_nodes), key=_name_key))
    return required


def _notify_action(g: Graph, new: Callable[[WRsc, str, WNode, bool], Act], r: WRsc, node: WNode,
                   op: Act | None, done: Act | None, n: Notification) -> Act | None:
    """new_notify_action: one instance's notification on one node, between `op` and `done`."""
    if op is None or done is None or not node.online or not op.runnable:
        return None
    assert op.meta is not None
    key = f"{r.id}_{op.meta['notify_type']}_notify_{op.meta['notify_operation']}_0"
    a = new(r, key, node, op.optional)
    a.add_meta(op.meta)
    a.add_meta(n.keys)
    g.order(op, a, O.OPTIONAL)
    g.order(a, done, O.OPTIONAL)
    return a


def _post_notify(g: Graph, new: Callable[[WRsc, str, WNode, bool], Act], r: WRsc, node: WNode,
                 n: Notification) -> None:
    """new_post_notify_action: and the instance's recurring monitors wait for the post notifications."""
    _notify_action(g, new, r, node, n.post, n.post_done, n)
    if n.post_done is None:
        return
    for mon in g.of(r):
        if mon.interval_ms and mon.task != "cancel":
            g.order(n.post_done, mon, O.OPTIONAL)


def _instance_actions(g: Graph, new: Callable[[WRsc, str, WNode, bool], Act], r: WRsc, n: Notification) -> None:
    """create_notify_actions for one instance (primitive)."""
    for a in g.of(r):
        if not a.optional and a.node is not None and a.task in ACTIVITY:
            a.add_meta(n.keys)
    task = n.action
    if task != "stop" and not n.entries.get(task):
        return  # nothing of this kind happens (a stop may still be implied by fencing)
    if r.role != R.STOPPED and task in ("stop", "demote"):
        stop = g.first(r, "stop")
        for current in r.running_on:
            if stop is not None and stop.pseudo and current.unclean:
                continue  # the node is fenced: nobody there to notify
            _notify_action(g, new, r, current, n.pre, n.pre_done, n)
            if task == "demote" or stop is None or stop.optional:
                _post_notify(g, new, r, current, n)
    if r.next_role != R.STOPPED and task in ("start", "promote"):
        start = g.first(r, "start")
        if r.allocated_to is None:
            return
        if task != "start" or start is None or start.optional:
            _notify_action(g, new, r, r.allocated_to, n.pre, n.pre_done, n)
        _post_notify(g, new, r, r.allocated_to, n)


def create(g: Graph, new: Callable[[WRsc, str, WNode, bool], Act], flags: Flags, n: Notification,
           all_nodes: list[WNode]) -> None:
    """pe__create_notifications: the variables and the instances' notify actions of one clone action.
    `new(rsc, key, node, optional)` makes (or finds) an instance's notify action."""
    for a in (n.pre, n.pre_done, n.post, n.post_done):
        if a is not None:
            flags(a, None)  # clone_expand summarizes the clone's actions first
    _collect(g, n, n.clone, True)
    if _keys(n, all_nodes):
        for a in (n.pre, n.pre_done, n.post, n.post_done):
            if a is not None:
                a.optional = False

    def walk(r: WRsc) -> None:
        if r.children:
            for c in r.children:
                walk(c)
        else:
            _instance_actions(g, new, r, n)
    walk(n.clone)
