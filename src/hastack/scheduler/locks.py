"""Shutdown locks: a resource stopped by a clean node shutdown stays with that node.

Owns Pacemaker's shutdown-lock (and shutdown-lock-limit): the lock a resource's
history records on a node (`shutdown-lock` of its lrm_resource, dropped once
the limit has passed), the lock taken when a node running a resource shuts
down cleanly, and the bans that keep a locked resource off every other node
until the lock expires (when the scheduler must look again).

Imports only the scheduler's working records and unpack results.
"""

from __future__ import annotations

from collections.abc import Callable

from hastack.model import scores
from hastack.scheduler.unpack import Unpacked
from hastack.scheduler.working import WNode, WRsc

BanFn = Callable[[WRsc, WNode, int, str, str], None]  # (resource, node, score, source, text)


def read_lock(u: Unpacked, r: WRsc, node: WNode, lock_time: int | None) -> None:
    """unpack_shutdown_lock: the lock recorded with r's history on node, unless expired."""
    if not u.options.shutdown_lock or not lock_time:
        return
    limit = u.options.shutdown_lock_limit_s
    if limit > 0 and u.now > lock_time + limit:
        return  # expired: its history is cleared (no lock)
    r.lock_node, r.lock_time = node, lock_time


def apply_shutdown_locks(u: Unpacked, ban: BanFn) -> None:
    """pcmk__primitive_shutdown_lock for every resource (group members one by one; clones
    are never locked)."""
    if not u.options.shutdown_lock:
        return
    for r in u.resources:
        for p in ([r] if r.variant == "primitive" else r.children if r.variant == "group" else []):
            _lock(u, p, ban)


def _lock(u: Unpacked, r: WRsc, ban: BanFn) -> None:
    if r.is_fence_device:
        return  # fence devices cannot be locked
    if r.lock_node is not None:
        if r.running_on:  # started elsewhere meanwhile: the lock no longer holds
            r.lock_node, r.lock_time = None, 0
    elif len(r.running_on) == 1 and r.running_on[0].shutdown and not r.running_on[0].unclean:
        r.lock_node, r.lock_time = r.running_on[0], _shutdown_time(u, r.running_on[0])
    lock = r.lock_node
    if lock is None:
        return
    if u.options.shutdown_lock_limit_s > 0:
        expires = r.lock_time + u.options.shutdown_lock_limit_s + 1
        if u.recheck_at is None or expires < u.recheck_at:
            u.recheck_at = expires
    for n in u.nodes:
        if n is not lock:
            ban(r, n, -scores.INFINITY, "shutdown-lock", f"{r.id} is locked to {lock.uname} by its shutdown")


def _shutdown_time(u: Unpacked, node: WNode) -> int:
    """When the node began shutting down (its `shutdown` attribute), else now."""
    try:
        return int(node.attrs.get("shutdown", "0")) or u.now
    except ValueError:
        return u.now
