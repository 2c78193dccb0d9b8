"""Rules in CIB XML <-> model: <rule> with nested rules, <expression>, <date_expression>, and the
<rsc_expression>/<op_expression> of rsc_defaults and op_defaults rules.

Owns reading a rule (resolving id-ref, checking operations, scores and roles) and
writing one back with ids given by the model or made up crmsh-style
(`<rule>-expression`, `<rule>-expression-1`, ...).

Imports the model and the cib reader/id helpers only.
"""

from __future__ import annotations

from lxml import etree

from hastack.cib import tolerance
from hastack.cib.ids import WriteContext
from hastack.cib.source import Reader, elements
from hastack.model import durations, scores
from hastack.model.config import DateExpression, Expression, OpExpression, RscExpression, Rule, RuleItem

EXPRESSION_OPS = ("lt", "gt", "lte", "gte", "eq", "ne", "defined", "not_defined")
DATE_OPS = ("lt", "gt", "in_range", "date_spec")
VALUE_TYPES = ("string", "integer", "number", "version")
VALUE_SOURCES = ("literal", "param", "meta")
_MAX_DEPTH = 32


# --- reading ----------------------------------------------------------------------------------

def read_location_rule(r: Reader, el: etree._Element) -> Rule | None:
    """A location constraint's rule: it is evaluated for a node, so it cannot test a resource's
    agent or an operation (rsc_expression, op_expression)."""
    for child in el.iter("rsc_expression", "op_expression"):
        r.error(child, f"<{child.tag}> is only meaningful in rsc_defaults and op_defaults rules",
                hint="a location rule tests node attributes and dates")
    return read_rule(r, el)


def read_rule(r: Reader, el: etree._Element, depth: int = 0) -> Rule | None:
    """A <rule> element (or a reference to one); None after reporting an error."""
    if depth > _MAX_DEPTH:
        r.error(el, "rules are nested too deeply (or refer to each other in a loop)")
        return None
    ref = el.get("id-ref")
    if ref is not None and el.get("id") is None:
        target = r.ids.get(ref)
        if target is None or target.tag != "rule":
            r.error(el, f"<rule id-ref={ref!r}> refers to no rule", "id-ref",
                    hint="id-ref must name the id of a <rule> defined elsewhere in the configuration")
            return None
        return read_rule(r, target, depth + 1)
    rid = r.required(el, "id")
    r.known_attributes(el, ("id", "score", "score-attribute", "boolean-op", "role"))
    score = r.score(el, "score", tolerance.SCORE)
    boolean_op = r.choice(el, "boolean-op", ("and", "or"), tolerance.BOOLEAN_OP) or "and"
    role = r.role(el, "role")
    items: list[RuleItem] = []
    for child in elements(el):
        item = _read_item(r, child, depth)
        if item is not None:
            items.append(item)
    if rid is None:
        return None
    return Rule(rid, tuple(items), score=score, score_attribute=el.get("score-attribute"),
                boolean_op=boolean_op, role=role, location=r.where(el))


def _read_item(r: Reader, el: etree._Element, depth: int) -> RuleItem | None:
    if el.tag == "rule":
        return read_rule(r, el, depth + 1)
    if el.tag == "expression":
        return _read_expression(r, el)
    if el.tag == "date_expression":
        return _read_date_expression(r, el)
    if el.tag == "rsc_expression":
        eid = r.required(el, "id")
        r.known_attributes(el, ("id", "class", "provider", "type"))
        return RscExpression(eid, el.get("class"), el.get("provider"), el.get("type"),
                             location=r.where(el)) if eid is not None else None
    if el.tag == "op_expression":
        eid, name = r.required(el, "id"), r.required(el, "name")
        r.known_attributes(el, ("id", "name", "interval"))
        interval = el.get("interval")
        if interval is not None and not durations.is_duration(interval):
            r.error(el, f"op_expression interval {interval!r} is not a duration", "interval",
                    hint="write an interval such as 10s or PT10S")
            return None
        return OpExpression(eid, name, interval, location=r.where(el)) \
            if eid is not None and name is not None else None
    r.error(el, f"unexpected <{el.tag}> inside a rule",
            hint="a rule contains <expression>, <date_expression> or nested <rule> elements")
    return None


def _read_expression(r: Reader, el: etree._Element) -> Expression | None:
    eid = r.required(el, "id")
    r.known_attributes(el, ("id", "attribute", "operation", "value", "type", "value-source"))
    attribute = r.required(el, "attribute")
    operation = r.required(el, "operation")
    if operation is not None:
        operation = r.choice(el, "operation", EXPRESSION_OPS)
    value_type = r.choice(el, "type", VALUE_TYPES)
    value_source = r.choice(el, "value-source", VALUE_SOURCES)
    if eid is None or attribute is None or operation is None:
        return None
    return Expression(eid, attribute, operation, value=el.get("value"), type=value_type,
                      value_source=value_source, location=r.where(el))


def _read_date_expression(r: Reader, el: etree._Element) -> DateExpression | None:
    eid = r.required(el, "id")
    r.known_attributes(el, ("id", "operation", "start", "end"))
    operation = r.choice(el, "operation", DATE_OPS) if el.get("operation") is not None else "in_range"
    duration: tuple[tuple[str, str], ...] = ()
    date_spec: tuple[tuple[str, str], ...] = ()
    for child in elements(el):
        pairs = tuple((str(k), str(v)) for k, v in child.attrib.items() if k != "id")
        if child.tag == "duration":
            duration = pairs
        elif child.tag == "date_spec":
            date_spec = pairs
        else:
            r.error(child, f"unexpected <{child.tag}> inside a date_expression",
                    hint="a date_expression contains <duration> or <date_spec>")
    if eid is None or operation is None:
        return None
    return DateExpression(eid, operation, start=el.get("start"), end=el.get("end"), duration=duration,
                          date_spec=date_spec, location=r.where(el))


# --- writing ---------------------------------------------------------------------------------------

def write_rule(parent: etree._Element, rule: Rule, ctx: WriteContext, base: str) -> None:
    """Append <rule> for `rule` under parent; `base` names it when the model has no id."""
    if ctx.already_written(rule, rule.id):
        etree.SubElement(parent, "rule", {"id-ref": rule.id})
        return
    rid = ctx.take_for(rule, rule.id, f"{base}-rule")
    el = etree.SubElement(parent, "rule", id=rid)
    if rule.score is not None:
        el.set("score", scores.format(rule.score))
    if rule.score_attribute is not None:
        el.set("score-attribute", rule.score_attribute)
    if rule.boolean_op != "and":
        el.set("boolean-op", rule.boolean_op)
    if rule.role is not None:
        el.set("role", ctx.role(rule.role))
    for item in rule.expressions:
        if isinstance(item, Rule):
            write_rule(el, item, ctx, rid)
        elif isinstance(item, Expression):
            _write_expression(el, item, ctx, rid)
        elif isinstance(item, DateExpression):
            _write_date_expression(el, item, ctx, rid)
        else:
            _write_defaults_expression(el, item, ctx, rid)


def _write_expression(parent: etree._Element, e: Expression, ctx: WriteContext, base: str) -> None:
    el = etree.SubElement(parent, "expression", id=ctx.ids.take(e.id, f"{base}-expression"))
    el.set("attribute", e.attribute)
    el.set("operation", e.operation)
    if e.value is not None:
        el.set("value", e.value)
    if e.type is not None:
        el.set("type", e.type)
    if e.value_source is not None:
        el.set("value-source", e.value_source)


def _write_date_expression(parent: etree._Element, e: DateExpression, ctx: WriteContext, base: str) -> None:
    eid = ctx.ids.take(e.id, f"{base}-expression")
    el = etree.SubElement(parent, "date_expression", id=eid, operation=e.operation)
    if e.start is not None:
        el.set("start", e.start)
    if e.end is not None:
        el.set("end", e.end)
    for tag, pairs in (("date_spec", e.date_spec), ("duration", e.duration)):
        if pairs or (tag == "date_spec" and e.operation == "date_spec"):
            child = etree.SubElement(el, tag, id=ctx.ids.fresh(f"{eid}-{tag}"))
            for k, v in pairs:
                child.set(k, v)


def _write_defaults_expression(parent: etree._Element, e: RscExpression | OpExpression, ctx: WriteContext,
                               base: str) -> None:
    """<rsc_expression> or <op_expression>, attributes as the model has them."""
    eid = ctx.ids.take(e.id, f"{base}-expression")
    if isinstance(e, RscExpression):
        el = etree.SubElement(parent, "rsc_expression", id=eid)
        for attr, value in (("class", e.cls), ("provider", e.provider), ("type", e.type)):
            if value is not None:
                el.set(attr, value)
        return
    el = etree.SubElement(parent, "op_expression", id=eid, name=e.name)
    if e.interval is not None:
        el.set("interval", e.interval)
