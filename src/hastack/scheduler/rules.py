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
import re
from collections.abc import Mapping
from dataclasses import dataclass

from hastack.errors import ValueSyntaxError
from hastack.model import durations, scores
from hastack.model.config import DateExpression, Expression, OpExpression, RscExpression, Rule, RuleItem
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


def _eval_expression(expr: Expression, attrs: Mapping[str, str]) -> bool:
    op = expr.operation.lower()
    value = attrs.get(expr.attribute)
    if op == "defined":
        return value is not None
    if op == "not_defined":
        return value is None
    if value is None or expr.value is None:
        # Pacemaker: a missing attribute only satisfies "ne".
        return op == "ne" and value is None and expr.value is not None
    return _compare(op, value, expr.value, expr.type)


_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2}))?)?"
                   r"\s*(?:(Z)|([+-])(\d{2}):?(\d{2})?)?")


def parse_date(text: str) -> int | None:
    """An ISO 8601 date (and time) as seconds since the epoch; None if it is not one. A time
    zone offset after the time (`Z`, `-05:00`, `+0100`, `+01`, a blank before it allowed, as
    crm_time_parse reads them) is taken into account; without one the time is UTC."""
    m = _DATE.match(text.strip())
    if not m:
        return None
    y, mo, d, h, mi, s = (int(x) if x else 0 for x in m.groups()[:6])
    _, sign, off_h, off_m = m.groups()[6:]
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


def eval_item(item: RuleItem, attrs: Mapping[str, str], now: int, subject: Subject | None = None) -> bool:
    if isinstance(item, Rule):
        return eval_rule(item, attrs, now, subject)
    if isinstance(item, DateExpression):
        return _eval_date(item, now)
    if isinstance(item, RscExpression):
        return _eval_rsc(item, subject)
    if isinstance(item, OpExpression):
        return _eval_op(item, subject)
    return _eval_expression(item, attrs)


def eval_rule(rule: Rule, attrs: Mapping[str, str], now: int, subject: Subject | None = None) -> bool:
    """Whether a rule holds on a node with these attributes at `now` (for `subject`, in
    rsc_defaults and op_defaults rules)."""
    if not rule.expressions:
        return True
    results = (eval_item(e, attrs, now, subject) for e in rule.expressions)
    if rule.boolean_op.lower() == "or":
        return any(results)
    return all(results)


def rule_score(rule: Rule, attrs: Mapping[str, str]) -> int:
    """The score a matching location rule gives a node: its score-attribute's value there
    (0 when the node lacks it or it is not a score), else its fixed score (0 when absent)."""
    if rule.score_attribute:
        value = attrs.get(rule.score_attribute)
        try:
            return scores.parse(value) if value is not None else 0
        except ValueSyntaxError:
            return 0
    return rule.score or 0
