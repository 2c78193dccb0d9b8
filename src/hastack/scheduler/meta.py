"""Resource attributes as Pacemaker reads them: attribute sets, meta attributes and utilization.

Owns: the pairs of a resource's attribute sets (rules evaluated with no node, the highest
score first, a parent's and rsc_defaults' meta attributes inherited), Pacemaker's lenient
numbers (char2score, strtoll), what the meta attributes set on a working record (priority,
stickiness, migration-threshold, failure-timeout, is-managed, target-role, requires ...),
and the utilization sets of a node or a resource.

Imports only the model, the scheduler's rules, options and working records.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import replace

from hastack.model import durations, scores
from hastack.model.attrsets import first_values
from hastack.model.config import AttrSet, merged
from hastack.model.values import Role, is_true
from hastack.scheduler.options import Options
from hastack.scheduler.rules import Subject, eval_rule
from hastack.scheduler.utilization import value_of as utilization_value
from hastack.scheduler.working import R, WRsc

INF = scores.INFINITY

_LEADING_INT = re.compile(r"\s*([+-]?\d+)")


def leading_int(text: str) -> int | None:
    """strtoll's reading: leading blanks, a sign, digits; anything after them is ignored."""
    m = _LEADING_INT.match(text)
    return int(m.group(1)) if m else None


def utilization_of(sets: tuple[AttrSet, ...], now: int) -> dict[str, int]:
    """A node's capacity or a resource's needs: the sets whose rules hold now (no node
    attributes: Pacemaker evaluates them without a node), highest score first, first value wins."""
    out: dict[str, int] = {}
    for aset in sorted(reversed(sets), key=lambda s: -(s.score or 0)):  # as meta_of's
        if aset.rule is not None and not eval_rule(aset.rule, {}, now):
            continue
        for k, v in aset.pairs:
            if k not in out:
                out[k] = utilization_value(v)
    return out


def meta_of(sets: tuple[AttrSet, ...], now: int | None = None, subject: Subject | None = None) -> dict[str, str]:
    """The pairs of attribute sets, first value winning. Sets with a rule count when `now`
    is given and the rule holds then, evaluated without node attributes (Pacemaker reads
    meta attributes with no node) for `subject` (the resource); without `now` they are left out."""
    if now is not None:
        sets = tuple(s if s.rule is None else replace(s, rule=None) for s in sets
                     if s.rule is None or eval_rule(s.rule, {}, now, subject))
    if not sets:
        return {}
    if len(sets) == 1 and sets[0].rule is None:
        return first_values(sets)
    # Pacemaker lists the sets in reverse (g_list_prepend) before its stable sort by score:
    # of equally scored sets the last one wins, as a primitive's own set beats its template's.
    return dict(merged(tuple(reversed(sets))))


def inherit_meta(own: dict[str, str], parent: WRsc | None, defaults: Mapping[str, str]) -> dict[str, str]:
    meta = dict(own)
    if parent is not None:
        for k, v in parent.meta.items():
            meta.setdefault(k, v)
    for k, v in defaults.items():
        meta.setdefault(k, v)
    return meta


def meta_score(text: str | None, default: int = 0) -> int:
    """A meta attribute's number as Pacemaker reads it (char2score): a score, else the integer
    it starts with ("1.0" is 1, as strtol reads it), else the default."""
    if text is None:
        return default
    try:
        return scores.parse(text)
    except Exception:
        lead = leading_int(text)
        return scores.clamp(lead) if lead is not None else default


def apply_meta(r: WRsc, opts: Options) -> None:
    m = r.meta
    r.priority = meta_score(m.get("priority"))
    r.stickiness = meta_score(m.get("resource-stickiness"), 0)
    r.migration_threshold = meta_score(m.get("migration-threshold"), INF)
    if r.migration_threshold < 0:
        r.migration_threshold = 0
    ft = m.get("failure-timeout")
    if ft:
        try:
            r.failure_timeout = durations.parse_ms(ft) // 1000
        except Exception:
            r.failure_timeout = 0
    managed = m.get("is-managed")
    # Pacemaker reads any value but "default" with crm_is_true: a word it does not know (maybe) is false.
    r.managed = (managed is None or managed.lower() == "default" or is_true(managed)) and not opts.maintenance
    if is_true(m.get("maintenance"), False):
        r.managed = False
    r.allow_migrate = is_true(m.get("allow-migrate"), False)
    recovery = (m.get("multiple-active") or "stop_start").lower()
    r.recovery = recovery
    req = target_role(r)
    if req is not None:
        r.next_role = req
    requires = m.get("requires")
    if requires == "unfencing" and (r.is_fence_device or not opts.stonith_enabled):
        requires = "quorum"  # fence devices cannot require unfencing, nor anything without fencing
    if requires in ("nothing", "quorum", "fencing", "unfencing"):
        r.needs = "fencing" if requires == "unfencing" else requires
        r.needs_unfencing = requires == "unfencing"
    elif r.is_fence_device:
        r.needs = "quorum"
    elif opts.enable_unfencing:
        r.needs, r.needs_unfencing = "fencing", True
    elif opts.stonith_enabled:
        r.needs = "fencing"
    else:  # unpack_requires' default: a cluster that ignores quorum requires nothing to start
        r.needs = "nothing" if opts.no_quorum_policy == "ignore" else "quorum"
    if r.needs == "fencing" and not opts.stonith_enabled:
        r.needs = "quorum"


def target_role(r: WRsc) -> R | None:
    """get_target_role: Started/default mean no explicit role; Promoted only for promotable clones."""
    value = r.meta.get("target-role")
    if value is None or value.lower() in ("started", "default"):
        return None
    try:
        role = R.of(Role.parse(value))
    except Exception:
        return None
    if role > R.STARTED:
        top = r.top()
        promotable = top.promotable or (top.variant == "clone" and is_true(top.meta.get("promotable")))
        if not promotable or role > R.UNPROMOTED:
            return None
    return role
