"""Rule evaluation against one node's attributes (and the evaluation time).

Owns Pacemaker's expression semantics: attribute comparisons typed as
string (case-insensitive), integer, number or version; defined/not_defined;
and/or combination; nested rules. Date expressions are evaluated against
`now` for the simple lt/gt/in_range forms. In rsc_defaults and op_defaults, rules may also
test the resource's agent and the operation (a `Subject`).

Imports only the model.
"""

from __future__ import annotations

import calendar
import datetime
import re
from collections.abc import Mapping
from dataclasses import dataclass

from hastack.errors import ValueSyntaxError
from hastack.model import durations, scores
from hastack.model.config import AttrSet, DateExpression, Expression, OpExpression, RscExpression, Rule, RuleItem
from hastack.model.values import AgentRef

_NUM = re.compile(r"^\s*[-+]?\d+(\.\d*)?\s*$")


def _version_key(text: str) -> tuple[int, ...]:
    out = []
    for part in text.split("."):
        m = re.match(r"\d+", part)
        out.append(int(m.group()) if m else 0)
    return tuple(out)


def _compare(op: str, left: str, right: str, vtype: str | None) -> bool:
    if vtype is None:
        if op in ("lt", "gt", "lte", "gte"):
            vtype = "number" if "." in right else "integer"
        else:
            vtype = "string"
    vtype = vtype.lower()
    cmp: int
    if vtype in ("integer", "number"):
        try:
            a = float(left) if vtype == "number" else int(float(left))
            b = float(right) if vtype == "number" else int(float(right))
        except ValueError:
            a_s, b_s = left.lower(), right.lower()
            cmp = (a_s > b_s) - (a_s < b_s)
        else:
            cmp = (a > b) - (a < b)
    elif vtype == "version":
        ka, kb = _version_key(left), _version_key(right)
        cmp = (ka > kb) - (ka < kb)
    else:
        a_s, b_s = left.lower(), right.lower()
        cmp = (a_s > b_s) - (a_s < b_s)
    return {"lt": cmp < 0, "gt": cmp > 0, "lte": cmp <= 0, "gte": cmp >= 0,
            "eq": cmp == 0, "ne": cmp != 0}.get(op, False)


# where a location rule's expression takes the value it compares with (value-source): the
# constrained resource's parameters ("param") or meta-attributes ("meta"), by name
Sources = Mapping[str, Mapping[str, str]]


def _eval_expression(expr: Expression, attrs: Mapping[str, str], sources: Sources | None = None) -> bool:
    op = expr.operation.lower()
    value = attrs.get(expr.attribute)
    if op == "defined":
        return value is not None
    if op == "not_defined":
        return value is None
    wanted = expr.value
    source = sources.get((expr.value_source or "").lower()) if sources is not None else None
    if source is not None and wanted is not None:
        wanted = source.get(wanted)
    if value is None or wanted is None:
        # Pacemaker: a missing attribute only satisfies "ne".
        return op == "ne" and value is None and wanted is not None
    return _compare(op, value, wanted, expr.type)


# a calendar date (2005-03-01), an ordinal date (2005-060) or a week date (2005-W09-2)
_DATE = re.compile(r"^(\d{4})-(?:(\d{2})-(\d{2})|(\d{3})|W(\d{2})-(\d))(?:[T ](\d{2}):(\d{2})(?::(\d{2}))?)?"
                   r"\s*(?:(Z)|([+-])(\d{2}):?(\d{2})?)?")


def parse_date(text: str) -> int | None:
    """An ISO 8601 date (and time) as seconds since the epoch; None if it is not one. The
    date may be a calendar, ordinal or week date, as crm_time_parse reads them. A time
    zone offset after the time (`Z`, `-05:00`, `+0100`, `+01`, a blank before it allowed, as
    crm_time_parse reads them) is taken into account; without one the time is UTC."""
    m = _DATE.match(text.strip())
    if not m:
        return None
    year, month, mday, yday, week, wday = m.groups()[:6]
    y, mo, d = int(year), int(month or 1), int(mday or 1)
    if yday is not None:  # day n of the year: timegm counts on from January 1st
        d = int(yday)
    elif week is not None:
        try:
            iso = datetime.date.fromisocalendar(y, int(week), int(wday))
        except ValueError:
            return None
        y, mo, d = iso.year, iso.month, iso.day
    h, mi, s = (int(x) if x else 0 for x in m.groups()[6:9])
    _, sign, off_h, off_m = m.groups()[9:]
    offset = (int(off_h) * 3600 + int(off_m or 0) * 60) * (-1 if sign == "-" else 1) if sign else 0
    return calendar.timegm((y, mo, d, h, mi, s, 0, 0, 0)) - offset


def _eval_date(expr: DateExpression, now: int) -> bool:
    op = expr.operation.lower()
    start = parse_date(expr.start) if expr.start else None
    end = parse_date(expr.end) if expr.end else None
    if op == "gt":
        return start is not None and now > start
    if op == "lt":
        return end is not None and now < end
    if op == "in_range":
        if start is not None and now < start:
            return False
        if end is not None and now > end:
            return False
        return True
    return False


@dataclass(frozen=True)
class Subject:
    """What an rsc_defaults or op_defaults rule is evaluated for: the resource's agent (a group
    or clone has no class, provider or type) and, for op_defaults, the operation."""

    cls: str | None = None
    provider: str | None = None
    type: str | None = None
    op: str | None = None  # the operation's name (op_defaults only)
    interval_ms: int = 0

    @classmethod
    def of(cls, agent: AgentRef | None, op: str | None = None, interval_ms: int = 0) -> Subject:
        if agent is None:
            return cls(op=op, interval_ms=interval_ms)
        return cls(agent.cls, agent.provider, agent.type, op, interval_ms)


def _eval_rsc(expr: RscExpression, subject: Subject | None) -> bool:
    """pe__eval_rsc_expr: without a resource nothing matches."""
    if subject is None:
        return False
    if expr.cls is not None and expr.cls != subject.cls:
        return False
    if expr.provider != subject.provider:
        return False
    return expr.type is None or expr.type == subject.type


def _eval_op(expr: OpExpression, subject: Subject | None) -> bool:
    """pe__eval_op_expr: without an operation nothing matches."""
    if subject is None or subject.op is None:
        return False
    if expr.interval is not None:
        try:
            if durations.parse_ms(expr.interval) != subject.interval_ms:
                return False
        except ValueSyntaxError:
            return False
    return expr.name == subject.op


def eval_item(item: RuleItem, attrs: Mapping[str, str], now: int, subject: Subject | None = None,
              sources: Sources | None = None) -> bool:
    if isinstance(item, Rule):
        return eval_rule(item, attrs, now, subject, sources)
    if isinstance(item, DateExpression):
        return _eval_date(item, now)
    if isinstance(item, RscExpression):
        return _eval_rsc(item, subject)
    if isinstance(item, OpExpression):
        return _eval_op(item, subject)
    return _eval_expression(item, attrs, sources)


def eval_rule(rule: Rule, attrs: Mapping[str, str], now: int, subject: Subject | None = None,
              sources: Sources | None = None) -> bool:
    """Whether a rule holds on a node with these attributes at `now` (for `subject`, in
    rsc_defaults and op_defaults rules; with the constrained resource's value `sources`, in
    location rules)."""
    if not rule.expressions:
        return True
    results = (eval_item(e, attrs, now, subject, sources) for e in rule.expressions)
    if rule.boolean_op.lower() == "or":
        return any(results)
    return all(results)


def uses_sources(rule: Rule) -> bool:
    """Whether some expression of the rule compares with a value of the resource (value-source)."""
    return any(uses_sources(e) if isinstance(e, Rule) else
               isinstance(e, Expression) and (e.value_source or "literal").lower() != "literal"
               for e in rule.expressions)


def rule_score(rule: Rule, attrs: Mapping[str, str]) -> int:
    """The score a matching location rule gives a node: its score-attribute's value there
    (-INFINITY when the node lacks it, as Pacemaker 2.1.5 does; 0 when it is not a score),
    else its fixed score (0 when absent)."""
    if rule.score_attribute:
        value = attrs.get(rule.score_attribute)
        try:
            return scores.parse(value) if value is not None else -scores.INFINITY
        except ValueSyntaxError:
            return 0
    return rule.score or 0


def unpack_nvpairs(sets: tuple[AttrSet, ...], attrs: Mapping[str, str], now: int, into: dict[str, str],
             overwrite: bool = False, subject: Subject | None = None) -> None:
    """pe__unpack_dataset_nvpairs: sets by score (highest first), each only if its rule holds
    (for `subject`, the resource and operation, in op_defaults and an op's meta attributes);
    without `overwrite` the first value of a name wins, with it the last. Pacemaker lists the
    sets in reverse before its stable sort: of equally scored sets, the last one comes first."""
    ordered = sorted(reversed(sets), key=lambda s: -(s.score or 0)) if len(sets) > 1 else sets
    for s in ordered:
        if s.rule is not None and not eval_rule(s.rule, attrs, now, subject):
            continue
        for k, v in s.pairs:
            if v.lower() == "#default":  # unsets an earlier value (populate_hash)
                into.pop(k, None)
            elif overwrite or k not in into:
                into[k] = v
