"""Fail counts: the fail-count-* and last-failure-* node attributes read per resource.

Owns Pacemaker's pe_get_failcount as the scheduler uses it: which attribute names count for
a resource (legacy `fail-count-R` or per-operation `fail-count-R#op_interval`, a clone
instance's or its base name), their sum and latest failure, and whether the failures have
expired under failure-timeout (never for a failure that blocked the resource). Also a clone
instance's base name.

Imports only the model and the scheduler's working records and unpack helpers.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from hastack.model import scores
from hastack.scheduler.meta import meta_score
from hastack.scheduler.working import WNode, WRsc

if TYPE_CHECKING:
    from hastack.scheduler.unpack import Unpacked


_BASE_NAME = re.compile(r"^(.*):\d+$")


def base_name(rid: str) -> str:
    if ":" not in rid:
        return rid
    m = _BASE_NAME.match(rid)
    return m.group(1) if m else rid


_OP_SUFFIX = re.compile(r"^(.*)#.+_[0-9]+$")
_INSTANCE = re.compile(r"^(.*):[0-9]+$")

# fail-count/last-failure names per node: (per-operation form?, instance-stripped?) -> name -> value
FailIndex = dict[tuple[bool, bool], tuple[dict[str, int], dict[str, int]]]


def _fail_index(node: WNode) -> FailIndex:
    """Per node (cached): fail counts summed and last failures maxed per resource name, for
    the legacy `fail-count-R` and per-operation `fail-count-R#op_interval` forms, with and
    without a clone instance suffix."""
    cached = node.__dict__.get("_fail_index")
    if cached is not None:
        return cached
    index: FailIndex = {(op, strip): ({}, {}) for op in (False, True) for strip in (False, True)}
    for k, v in node.attrs.items():
        if k.startswith("fail-count-"):
            name, slot = k[len("fail-count-"):], 0
        elif k.startswith("last-failure-"):
            name, slot = k[len("last-failure-"):], 1
        else:
            continue
        m = _OP_SUFFIX.match(name)
        per_op = m is not None
        base = m.group(1) if m else name
        mi = _INSTANCE.match(base)
        for strip, key in ((False, base), (True, mi.group(1) if mi else base)):
            table = index[(per_op, strip)][slot]
            if slot == 0:
                table[key] = scores.add(table.get(key, 0), meta_score(v))
            else:
                try:
                    table[key] = max(table.get(key, 0), int(v))
                except ValueError:
                    pass
    node.__dict__["_fail_index"] = index
    return index


def _block_failure(u: Unpacked, r: WRsc, node: WNode) -> bool:
    """block_failure: an operation configured with on-fail=block failed on node."""
    if r.definition is None:
        return False
    blocking = {(o.name, o.interval_ms) for o in r.definition.ops if (o.on_fail or "").lower() == "block"}
    if not blocking:
        return False
    for op in u.history.get((r.id, node.uname), ()):
        if (op.operation, op.interval_ms) not in blocking:
            continue
        if op.id.endswith("_last_failure_0") or op.rc_code != op.expected_rc:
            return True
    return False


def failcount(u: Unpacked, r: WRsc, node: WNode, effective: bool) -> tuple[int, int]:
    """pe_get_failcount: (fail count, last failure time) of r on node. CIBs from before
    feature set 3.0.13 count `fail-count-R`, newer ones `fail-count-R#op_interval`."""
    cp = r.clone_parent()
    unique = cp is None or cp.unique
    name = r.clone_name or r.id
    if not unique:
        name = base_name(name)
    counts, lasts = _fail_index(node)[(not u.legacy_failcounts, not unique)]
    count, last = counts.get(name, 0), lasts.get(name, 0)
    if count > 0 and r.failure_timeout and _block_failure(u, r, node):
        r.failure_timeout = 0  # a failure that blocked the resource never expires
    if effective and count > 0 and last > 0 and r.failure_timeout and u.now > last + r.failure_timeout:
        count = 0
    return count, last
