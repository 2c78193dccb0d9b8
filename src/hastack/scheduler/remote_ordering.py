"""Actions on a remote node ordered against its connection (pcmk__order_remote_connection_actions).

Owns: for every resource action on a remote node, the ordering that ties it to the node's
connection resource -- a start or promote after the connection starts, a stop before the
connection stops (or after it starts again elsewhere), a probe before a connection that is
stopping -- and the fencing that these decide when the connection cannot be recovered
(resources active, or in an unknown state, on a node nobody can reach). What the connection
will do comes from remote.connection_state().

Pacemaker's lib/pacemaker/pcmk_sched_remote.c, read for semantics.
Imports only the scheduler's own modules.
"""

from __future__ import annotations

from collections.abc import Callable

from hastack.scheduler.graph import Act, Graph, O
from hastack.scheduler.guest import order_container
from hastack.scheduler.remote import ConnectionState
from hastack.scheduler.remote import connection_state as state_of
from hastack.scheduler.working import R, WNode, WRsc

OrderFn = Callable[[WRsc | Act, str, WRsc | Act, str, O], None]
FenceFn = Callable[[WNode, str], None]


def order_remote_actions(g: Graph, order: OrderFn, fence: FenceFn) -> None:
    """Each non-pseudo resource action placed on a remote node that has a connection, newest
    first (Pacemaker prepends each new action to its list): the first to fence a node names why."""
    for a in reversed(list(g.actions)):
        node = a.node
        if a.rsc is None or node is None or not node.remote or a.pseudo or node.remote_rsc is None:
            continue
        conn = node.remote_rsc
        if a.task == "start":
            # the connection comes up before the resource stops anywhere else
            for other in g.of(a.rsc):
                if other.task == "stop" and other.node is not None and other.node is not node:
                    order(conn, "start", other, "", O.OPTIONAL)
        if conn.container is not None:
            order_container(a, node, conn, order, fence)
        else:
            _order_one(a, node, conn, order, fence)


def _start_then(conn: WRsc, a: Act, order: OrderFn, extra: O) -> None:
    order(conn, "start", a, "", O.PRESERVE | O.RUNNABLE_LEFT | extra)


def _then_stop(a: Act, conn: WRsc, order: OrderFn, extra: O) -> None:
    order(a, "", conn, "stop", O.PRESERVE | extra)


def _order_one(a: Act, node: WNode, conn: WRsc, order: OrderFn, fence: FenceFn) -> None:
    """apply_remote_ordering for one action."""
    state = state_of(node)
    task = "stop" if a.task in ("migrate_to", "migrate_from") else a.task
    if task in ("start", "promote"):
        _start_then(conn, a, order, O.IMPLIES_THEN if state is ConnectionState.FAILED else O.NONE)
    elif task == "stop":
        if state is ConnectionState.ALIVE or (state is not ConnectionState.FAILED and conn.next_role == R.STOPPED):
            _then_stop(a, conn, order, O.IMPLIES_FIRST)
        elif state is ConnectionState.FAILED:
            fence(node, "resources are active but connection is unrecoverable")
        else:
            _start_then(conn, a, order, O.NONE)
    elif task == "demote":
        if state in (ConnectionState.RESTING, ConnectionState.UNKNOWN):
            _start_then(conn, a, order, O.NONE)
    elif a.interval_ms > 0:
        _start_then(conn, a, order, O.IMPLIES_THEN)
    else:
        if task == "monitor" and state is ConnectionState.FAILED:
            fence(node, "resources are in unknown state and connection is unrecoverable")
        if conn.current_node() is not None and state is ConnectionState.STOPPED:
            _then_stop(a, conn, order, O.RUNNABLE_LEFT)
        else:
            _start_then(conn, a, order, O.NONE)
