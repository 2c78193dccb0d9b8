"""The order of a resource's recorded operations on one node, as Pacemaker reads them.

Owns pe__is_newer_op's comparison (sort_op_by_callid): by call id, one call's records (an
operation and its last failure) by last change; a pending operation (call id -1) against
a completed one by the transitions that asked for them, read from their transition magic
-- a start still pending from transition 8 is older than the stop transition 9 ran -- and
last when that cannot tell. `in_call_order(ops)` sorts a history so (stably, the records as
given when already in order).

Imports only the model.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cmp_to_key

from hastack.model.state import OpRecord

__all__ = ["in_call_order", "newer_op"]


def in_call_order(ops: Sequence[OpRecord]) -> Sequence[OpRecord]:
    """The records oldest first; `ops` itself when already in that order."""
    if len(ops) < 2:
        return ops
    if all(op.call_id >= 0 for op in ops):  # no pending record: call id, then last change
        keys = [(op.call_id, op.last_rc_change or 0) for op in ops]
        if all(keys[i] <= keys[i + 1] for i in range(len(keys) - 1)):
            return ops
        return tuple(sorted(ops, key=lambda op: (op.call_id, op.last_rc_change or 0)))
    if all(newer_op(ops[i], ops[i + 1]) <= 0 for i in range(len(ops) - 1)):
        return ops
    return tuple(sorted(ops, key=cmp_to_key(newer_op)))


def newer_op(a: OpRecord, b: OpRecord) -> int:
    """pe__is_newer_op: -1 when a is older than b, 1 when newer, 0 when it cannot tell."""
    same_node = a.on_node is None or b.on_node is None or a.on_node.lower() == b.on_node.lower()
    if same_node and a.id == b.id:
        return 0  # a duplicate record
    ca, cb = a.call_id, b.call_id
    if ca == -1 and cb == -1:
        return 0
    if same_node and 0 <= ca < cb:
        return -1
    if same_node and cb >= 0 and ca > cb:
        return 1
    if ca >= 0 and cb >= 0:  # one call, or calls on different nodes: by last change
        la = a.last_rc_change if a.last_rc_change is not None else -1
        lb = b.last_rc_change if b.last_rc_change is not None else -1
        return -1 if 0 <= la < lb else 1 if lb >= 0 and la > lb else 0
    ta, tb = _transition(a), _transition(b)
    if ta is None or tb is None:
        return 0
    (ua, ia), (ub, ib) = ta, tb
    if ua.lower() != ub.lower() or ia == ib:  # not comparable: the pending one is newer
        return -1 if cb == -1 else 1 if ca == -1 else 0
    if 0 <= ia < ib or ib == -1:  # transition -1 (a shutdown's) always comes last
        return -1
    if 0 <= ib < ia or ia == -1:
        return 1
    return 0


def _transition(op: OpRecord) -> tuple[str, int] | None:
    """The (controller uuid, transition number) of a record's transition magic
    (`STATUS:RC;ACTION:TRANSITION:TARGET_RC:UUID`); None when it has none or it is unreadable."""
    if op.transition_magic is None:
        return None
    result, sep, key = op.transition_magic.partition(";")
    head, fields = result.split(":"), key.split(":", 3)
    if not sep or len(head) != 2 or len(fields) != 4 or not fields[3]:
        return None
    if not all(_is_int(x) for x in (*head, *fields[:3])):
        return None
    return fields[3], int(fields[1])


def _is_int(text: str) -> bool:
    return text.strip().removeprefix("-").isdigit()
