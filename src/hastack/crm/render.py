"""Configuration -> canonical crm configure text (what `configure show` prints).

Order as crmsh shows it: nodes, templates and primitives, groups, clones,
locations, colocations, orders, tickets, tags, fencing_topology, properties,
rsc_defaults, op_defaults. An id is written out (`$id=`) only where it
differs from the one the parser would derive (crm/ids.py), so parsing the
output gives back an equal Configuration.

Raises HastackError for what crm syntax cannot spell (a rule nested in a rule).

Imports nothing of hastack but errors, the model and crm.ids.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from hastack.crm import ids
from hastack.errors import HastackError
from hastack.model import durations, scores
from hastack.model.config import (
    AttrSet, Clone, Colocation, Configuration, DateExpression, Expression, FencingLevel, Group, Location,
    Node, Op, Order, Primitive, ResourceSet, Rule, RuleItem, Tag, Template, Ticket,
)
from hastack.model.values import Role

_PLAIN = re.compile(r"^[A-Za-z0-9_.,:/@%+#-][A-Za-z0-9_.,:/@%+=#-]*$")
_CONT = " \\\n\t"


def quote(value: str) -> str:
    """A shell word for `value`: bare when safe, else double-quoted."""
    if value and _PLAIN.match(value) and value != "#":
        return value
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"').replace("$", "\\$").replace("`", "\\`") + '"'


_NAME = re.compile(r"^[^\s=\"'\\$@][^\s=\"'\\]*$")


def _pair(name: str, value: str) -> str:
    if not _NAME.match(name):
        raise HastackError(f"crm syntax cannot spell the attribute name {name!r}",
                           hint="show this configuration as CIB XML instead (hastack configure show --xml)")
    return f"{name}={quote(value)}"


def _pairs(pairs: Iterable[tuple[str, str]]) -> str:
    return " ".join(_pair(k, v) for k, v in pairs)


def _role(role: Role | None) -> str:
    return role.value if role is not None else ""


def _score_text(score: int) -> str:
    return scores.format_crm(score)


# --- rules and attribute lists -------------------------------------------------------

def _item(item: RuleItem) -> str:
    if isinstance(item, Expression):
        if item.operation in ("defined", "not_defined"):
            return f"{item.operation} {quote(item.attribute)}"
        op = f"{item.type}:{item.operation}" if item.type else item.operation
        return f"{quote(item.attribute)} {op} {quote(item.value or '')}"
    if isinstance(item, DateExpression):
        if item.operation == "lt":
            return f"date lt {quote(item.end or '')}"
        if item.operation == "gt":
            return f"date gt {quote(item.start or '')}"
        if item.operation == "in_range":
            parts = ([_pair("start", item.start)] if item.start is not None else []) + \
                    ([_pair("end", item.end)] if item.end is not None else [])
            return " ".join(["date in"] + parts + [_pair(k, v) for k, v in item.duration])
        return "date spec " + _pairs(item.date_spec)
    raise HastackError(f"crm syntax cannot express the nested rule {item.id!r}",
                       hint="show this configuration as CIB XML instead (hastack configure show --xml)")


def rule_text(rule: Rule, default_id: str) -> str:
    words = ["rule"]
    if rule.id != default_id:
        words.append(f"$id={rule.id}")
    if rule.role is not None:
        words.append(f"$role={_role(rule.role)}")
    if rule.score is not None:
        words.append(f"{_score_text(rule.score)}:")
    elif rule.score_attribute is not None:
        words.append(f"{rule.score_attribute}:")
    words.append(f" {rule.boolean_op} ".join(_item(i) for i in rule.expressions))
    return " ".join(words)


def attr_list(s: AttrSet, default_id: str) -> str:
    if s.id_ref is not None:
        return f"$id-ref={s.id_ref}"
    words = []
    if s.id != default_id or not s.pairs:
        words.append(f"$id={s.id}")
    if s.score is not None:
        words.append(f"{_score_text(s.score)}:")
    if s.rule is not None:
        words.append(rule_text(s.rule, ids.rule(s.id, 0)))
    if s.pairs:
        words.append(_pairs(s.pairs))
    return " ".join(words)


def _sets(keyword: str, owner: str, kind: str, sets: tuple[AttrSet, ...]) -> list[str]:
    return [f"{keyword} {attr_list(s, ids.attr_set(owner, kind, i))}" for i, s in enumerate(sets)]


# --- resources ------------------------------------------------------------------------

def _interval_text(op: Op) -> str:
    if op.interval_text is not None and _same_ms(op.interval_text, op.interval_ms):
        return op.interval_text
    return durations.format_ms(op.interval_ms)


def _same_ms(text: str, ms: int) -> bool:
    return durations.is_duration(text) and durations.parse_ms(text) == ms


def _op(op: Op, rsc: str, taken: set[str]) -> str:
    interval = _interval_text(op)
    words = ["op", quote(op.name), _pair("interval", interval)]
    default_id = ids.op(rsc, op.name, interval, taken)
    taken.add(op.id)
    if op.timeout_ms is not None:
        t = op.timeout_text if op.timeout_text is not None and _same_ms(op.timeout_text, op.timeout_ms) \
            else durations.format_ms(op.timeout_ms)
        words.append(_pair("timeout", t))
    if op.role is not None:
        words.append(f"role={_role(op.role)}")
    if op.on_fail is not None:
        words.append(_pair("on-fail", op.on_fail))
    if not op.enabled:
        words.append("enabled=false")
    if op.id != default_id:
        words.append(f"id={op.id}")
    words.extend(_pair(k, v) for k, v in op.attributes)
    params = list(op.params)
    first_default = ids.attr_set(op.id, "instance_attributes", 0)
    if params and _is_plain(params[0], first_default):
        words.append(_pairs(params[0].pairs))
        rest = list(enumerate(params))[1:]
    else:
        rest = list(enumerate(params))
    words.extend(f"op_params {attr_list(s, ids.attr_set(op.id, 'instance_attributes', i))}" for i, s in rest)
    words.extend(f"op_meta {attr_list(s, ids.attr_set(op.id, 'meta_attributes', i))}" for i, s in enumerate(op.meta))
    return " ".join(words)


def _is_plain(s: AttrSet, default_id: str) -> bool:
    return s.id == default_id and s.score is None and s.rule is None and s.id_ref is None and bool(s.pairs)


def _primitive(p: Primitive | Template) -> str:
    keyword = "rsc_template" if isinstance(p, Template) else "primitive"
    agent = f"@{p.template}" if isinstance(p, Primitive) and p.agent is None else str(p.agent)
    head = f"{keyword} {p.id} {agent}"
    if p.description is not None:
        head += f" {_pair('description', p.description)}"
    lines = [head]
    lines += _sets("params", p.id, "instance_attributes", p.params)
    lines += _sets("meta", p.id, "meta_attributes", p.meta)
    lines += _sets("utilization", p.id, "utilization", p.utilization)
    taken: set[str] = set()
    lines += [_op(op, p.id, taken) for op in p.ops]
    return _CONT.join(lines)


def _container(keyword: str, rid: str, children: tuple[str, ...], description: str | None,
               params: tuple[AttrSet, ...], meta: tuple[AttrSet, ...]) -> str:
    head = f"{keyword} {rid} {' '.join(children)}"
    if description is not None:
        head += f" {_pair('description', description)}"
    lines = [head] + _sets("meta", rid, "meta_attributes", meta) + _sets("params", rid, "instance_attributes", params)
    return _CONT.join(lines)


def _group(g: Group) -> str:
    return _container("group", g.id, g.members, g.description, g.params, g.meta)


def _clone(c: Clone) -> str:
    return _container("ms" if c.legacy_master else "clone", c.id, (c.child,), c.description, c.params, c.meta)


# --- constraints ---------------------------------------------------------------------------

def _set_refs(sets: tuple[ResourceSet, ...], qual: str) -> str:
    out = []
    for s in sets:
        q = (s.action or "") if qual == "action" else _role(s.role)
        refs = " ".join(f"{r}:{q}" if q else r for r in s.resources)
        extra = []
        if s.sequential is None and s.require_all is None:
            out.append(refs)
            continue
        if s.sequential is False and s.require_all is False:
            out.append(f"[ {refs} ]")
            continue
        if s.sequential is not False:
            extra.append(f"sequential={str(s.sequential).lower()}")
        if s.require_all is not None:
            extra.append(f"require-all={str(s.require_all).lower()}")
        out.append("( " + " ".join([refs] + extra) + " )")
    return " ".join(out)


def _ref(rsc: str | None, qual: str | None) -> str:
    return f"{rsc}:{qual}" if qual else str(rsc)


def _location(c: Location) -> str:
    if c.sets:
        spec = "{ " + _set_refs(c.sets, "role") + " }"
    elif c.rsc_pattern is not None:
        spec = quote(f"/{c.rsc_pattern}/")
    else:
        spec = str(c.rsc)
    words = [f"location {c.id} {spec}"]
    if c.role is not None:
        words.append(f"role={_role(c.role)}")
    if c.resource_discovery is not None:
        words.append(f"resource-discovery={c.resource_discovery}")
    head = " ".join(words)
    if c.rules:
        return _CONT.join([head] + [rule_text(r, ids.rule(c.id, i)) for i, r in enumerate(c.rules)])
    return f"{head} {_score_text(c.score or 0)}: {c.node}"


def _colocation(c: Colocation) -> str:
    if c.sets:
        body = _set_refs(c.sets, "role")
    else:
        body = f"{_ref(c.rsc, _role(c.rsc_role))} {_ref(c.with_rsc, _role(c.with_rsc_role))}"
    text = f"colocation {c.id} {_score_text(c.score)}: {body}"
    if c.node_attribute is not None:
        text += f" {_pair('node-attribute', c.node_attribute)}"
    return text


def _order(c: Order) -> str:
    words = [f"order {c.id}"]
    if c.order_kind is not None:
        words.append(f"{c.order_kind.value}:")
    elif c.score is not None:
        words.append(f"{_score_text(c.score)}:")
    if c.sets:
        words.append(_set_refs(c.sets, "action"))
    else:
        words.append(f"{_ref(c.first, c.first_action)} {_ref(c.then, c.then_action)}")
    if c.symmetrical is not None:
        words.append(f"symmetrical={str(c.symmetrical).lower()}")
    return " ".join(words)


def _ticket(c: Ticket) -> str:
    body = _set_refs(c.sets, "role") if c.sets else _ref(c.rsc, _role(c.rsc_role))
    text = f"rsc_ticket {c.id} {c.ticket}: {body}"
    if c.loss_policy is not None:
        text += f" loss-policy={c.loss_policy}"
    return text


# --- cluster -----------------------------------------------------------------------------------

def _node(n: Node) -> str:
    head = "node "
    if n.id != n.uname:
        head += f"{n.id}: "
    head += n.uname if n.type == "member" else f"{n.uname}:{n.type}"
    if n.description is not None:
        head += f" {_pair('description', n.description)}"
    lines = [head]
    lines += [f"attributes {attr_list(s, ids.node_set(n.id, 'attributes', i))}" for i, s in enumerate(n.attributes)]
    lines += [f"utilization {attr_list(s, ids.node_set(n.id, 'utilization', i))}"
              for i, s in enumerate(n.utilization)]
    return _CONT.join(lines)


def _fencing(levels: tuple[FencingLevel, ...]) -> str:
    words = ["fencing_topology"]
    last: tuple[str | None, ...] | None = None
    for lv in levels:
        key = (lv.target, lv.target_pattern, lv.target_attribute, lv.target_value)
        if key != last:
            if lv.target_attribute is not None:
                words.append(f"attr:{lv.target_attribute}={lv.target_value or ''}")
            elif lv.target_pattern is not None:
                words.append(f"pattern:{lv.target_pattern}")
            else:
                words.append(f"{lv.target}:")
            last = key
        words.append(",".join(lv.devices))
    return " ".join(words)


def _tag(t: Tag) -> str:
    return f"tag {t.id}: {' '.join(t.refs)}"


def _set_command(keyword: str, default_id: str, s: AttrSet) -> str:
    prefix = f"{s.id}: " if s.id != default_id or not s.pairs else ""
    body = attr_list(AttrSet(s.id, s.pairs, s.score, s.rule, s.id_ref), s.id)
    return f"{keyword} {prefix}{body}"


def render(config: Configuration) -> str:
    """Canonical crm configure text for a configuration."""
    out: list[str] = [_node(n) for n in config.nodes]
    res = list(config.resources.values())
    out += [_primitive(r) for r in res if isinstance(r, Template)]
    out += [_primitive(r) for r in res if isinstance(r, Primitive)]
    out += [_group(r) for r in res if isinstance(r, Group)]
    out += [_clone(r) for r in res if isinstance(r, Clone)]
    cons = config.constraints
    out += [_location(c) for c in cons if isinstance(c, Location)]
    out += [_colocation(c) for c in cons if isinstance(c, Colocation)]
    out += [_order(c) for c in cons if isinstance(c, Order)]
    out += [_ticket(c) for c in cons if isinstance(c, Ticket)]
    out += [_tag(t) for t in config.tags]
    if config.fencing_topology:
        out.append(_fencing(config.fencing_topology))
    out += [_set_command("property", ids.PROPERTY_SET, s) for s in config.properties]
    out += [_set_command("rsc_defaults", ids.RSC_DEFAULTS_SET, s) for s in config.rsc_defaults]
    out += [_set_command("op_defaults", ids.OP_DEFAULTS_SET, s) for s in config.op_defaults]
    return "".join(line + "\n" for line in out)


def canonical(config: Configuration) -> Configuration:
    """The configuration in the order render() writes it (what parse(render(c)) gives back).

    Templates first; then primitives, groups and clones each in the order of a
    walk of the top-level resources (primitives, then groups, then clones),
    containers before their children. The
    order depends only on the top-level order and the nesting, which CIB XML
    keeps too, so a configuration read back from XML shows the same text.
    """
    res = config.resources
    walked: dict[str, None] = {}

    def walk(rid: str) -> None:
        if rid in walked or rid not in res:
            return
        walked[rid] = None
        for child in res[rid].children:
            walk(child)

    tops = config.top_level
    for kind in (Primitive, Group, Clone):
        for top in tops:
            if isinstance(top, kind):
                walk(top.id)
    rest = [rid for rid in res if rid not in walked]
    order = [res[rid] for rid in list(walked) + rest]
    ordered = [r for kind in (Template, Primitive, Group, Clone) for r in order if isinstance(r, kind)]
    cons = [c for kind in (Location, Colocation, Order, Ticket) for c in config.constraints if isinstance(c, kind)]
    return Configuration(config.nodes, {r.id: r for r in ordered}, tuple(cons), config.properties,
                         config.rsc_defaults, config.op_defaults, config.fencing_topology, config.tags)
