"""Configuration -> canonical crm configure text (what `configure show` prints).

Order as crmsh shows it: nodes, templates and primitives, groups, clones,
bundles, locations, colocations, orders, tickets, tags, fencing_topology,
properties, rsc_defaults, op_defaults, ACL roles and targets, alerts. An id is
written out (`$id=`) only where it differs from the one the parser would derive
(crm/ids.py), so parsing the output gives back an equal Configuration. The
words themselves (values, pairs, attribute lists, rules) are spell.py's; ACLs,
alerts and bundles render themselves (acls.py, alerts.py, bundles.py).

Raises HastackError for what crm syntax cannot spell (a rule nested in a rule).

Imports nothing of hastack but errors, the model and the crm modules named here.
"""

from __future__ import annotations

from hastack.crm import ids
from hastack.crm.acls import render_role, render_target
from hastack.crm.alerts import render_alert
from hastack.crm.bundles import render_bundle
from hastack.crm.spell import (
    CONT, Spelling, attr_list, pair, pair_words, quote, role_text, rule_text, score_text, sets,
)
from hastack.model import durations
from hastack.model.config import (
    AttrSet, Bundle, Clone, Colocation, Configuration, FencingLevel, Group, Location, Node, Op, Order, Primitive,
    ResourceSet, Tag, Template, Ticket,
)

_CONT = CONT


# --- resources ------------------------------------------------------------------------

def _interval_text(op: Op) -> str:
    if op.interval_text is not None and _same_ms(op.interval_text, op.interval_ms):
        return op.interval_text
    return durations.format_ms(op.interval_ms)


def _same_ms(text: str, ms: int) -> bool:
    return durations.is_duration(text) and durations.parse_ms(text) == ms


def _op(op: Op, rsc: str, taken: set[str], sp: Spelling) -> str:
    interval = _interval_text(op)
    words = ["op", quote(op.name), pair("interval", interval)]
    default_id = ids.op(rsc, op.name, interval, taken)
    taken.add(op.id)
    if op.timeout_ms is not None:
        t = op.timeout_text if op.timeout_text is not None and _same_ms(op.timeout_text, op.timeout_ms) \
            else durations.format_ms(op.timeout_ms)
        words.append(pair("timeout", t))
    if op.role is not None:
        words.append(f"role={role_text(op.role)}")
    if op.on_fail is not None:
        words.append(pair("on-fail", op.on_fail))
    if not op.enabled:
        words.append("enabled=false")
    if op.id != default_id:
        words.append(f"id={op.id}")
    words.extend(pair(k, v) for k, v in op.attributes)
    params = list(op.params)
    first_default = ids.attr_set(op.id, "instance_attributes", 0)
    if params and _is_plain(params[0], first_default):
        words.extend(pair_words(params[0]))
        rest = list(enumerate(params))[1:]
    else:
        rest = list(enumerate(params))
    words.extend(f"op_params {attr_list(s, ids.attr_set(op.id, 'instance_attributes', i), sp)}" for i, s in rest)
    words.extend(f"op_meta {attr_list(s, ids.attr_set(op.id, 'meta_attributes', i), sp)}"
                 for i, s in enumerate(op.meta))
    return " ".join(words)


def _is_plain(s: AttrSet, default_id: str) -> bool:
    """The first op instance set can be written inline after the op's own attributes."""
    return (s.id == default_id and s.score is None and s.rule is None and s.id_ref is None and bool(s.pairs)
            and not any(k.lower() in _OP_WORDS for k, _ in s.pairs))


_OP_WORDS = ("interval", "timeout", "role", "on-fail", "enabled", "id", "requires", "record-pending",
             "start-delay", "interval-origin", "description")


def _primitive(p: Primitive | Template, sp: Spelling) -> str:
    keyword = "rsc_template" if isinstance(p, Template) else "primitive"
    agent = f"@{p.template}" if isinstance(p, Primitive) and p.agent is None else str(p.agent)
    head = f"{keyword} {p.id} {agent}"
    if p.description is not None:
        head += f" {pair('description', p.description)}"
    lines = [head]
    lines += sets("params", p.id, "instance_attributes", p.params, sp)
    lines += sets("meta", p.id, "meta_attributes", p.meta, sp)
    lines += sets("utilization", p.id, "utilization", p.utilization, sp)
    if p.ops_ref is not None:
        return _CONT.join(lines + [f"operations $id-ref={p.ops_ref}"])
    if p.ops_id is not None:
        lines.append(f"operations $id={p.ops_id}")
    taken: set[str] = set()
    lines += [_op(op, p.id, taken, sp) for op in p.ops]
    return _CONT.join(lines)


def _container(keyword: str, rid: str, children: tuple[str, ...], description: str | None,
               params: tuple[AttrSet, ...], meta: tuple[AttrSet, ...], sp: Spelling) -> str:
    head = f"{keyword} {rid} {' '.join(children)}"
    if description is not None:
        head += f" {pair('description', description)}"
    lines = [head] + sets("meta", rid, "meta_attributes", meta, sp) + \
        sets("params", rid, "instance_attributes", params, sp)
    return _CONT.join(lines)


def _group(g: Group, sp: Spelling) -> str:
    return _container("group", g.id, g.members, g.description, g.params, g.meta, sp)


def _clone(c: Clone, sp: Spelling) -> str:
    return _container("ms" if c.legacy_master else "clone", c.id, (c.child,), c.description, c.params, c.meta, sp)


# --- constraints ---------------------------------------------------------------------------

def _set_refs(sets: tuple[ResourceSet, ...], qual: str) -> str:
    out = []
    for s in sets:
        q = (s.action or "") if qual == "action" else role_text(s.role)
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


def _location(c: Location, sp: Spelling) -> str:
    if c.sets:
        spec = "{ " + _set_refs(c.sets, "role") + " }"
    elif c.rsc_pattern is not None:
        spec = quote(f"/{c.rsc_pattern}/")
    else:
        spec = str(c.rsc)
    words = [f"location {c.id} {spec}"]
    if c.role is not None:
        words.append(f"role={role_text(c.role)}")
    if c.resource_discovery is not None:
        words.append(f"resource-discovery={c.resource_discovery}")
    head = " ".join(words)
    if c.rules:
        return _CONT.join([head] + [rule_text(r, ids.rule(c.id, i), sp) for i, r in enumerate(c.rules)])
    return f"{head} {score_text(c.score or 0)}: {c.node}"


def _colocation(c: Colocation) -> str:
    if c.sets:
        body = _set_refs(c.sets, "role")
    else:
        body = f"{_ref(c.rsc, role_text(c.rsc_role))} {_ref(c.with_rsc, role_text(c.with_rsc_role))}"
    text = f"colocation {c.id} {score_text(c.score)}: {body}"
    if c.node_attribute is not None:
        text += f" {pair('node-attribute', c.node_attribute)}"
    return text


def _order(c: Order) -> str:
    words = [f"order {c.id}"]
    if c.order_kind is not None:
        words.append(f"{c.order_kind.value}:")
    elif c.score is not None:
        words.append(f"{score_text(c.score)}:")
    if c.sets:
        words.append(_set_refs(c.sets, "action"))
    else:
        words.append(f"{_ref(c.first, c.first_action)} {_ref(c.then, c.then_action)}")
    if c.symmetrical is not None:
        words.append(f"symmetrical={str(c.symmetrical).lower()}")
    return " ".join(words)


def _ticket(c: Ticket) -> str:
    body = _set_refs(c.sets, "role") if c.sets else _ref(c.rsc, role_text(c.rsc_role))
    text = f"rsc_ticket {c.id} {c.ticket}: {body}"
    if c.loss_policy is not None:
        text += f" loss-policy={c.loss_policy}"
    return text


# --- cluster -----------------------------------------------------------------------------------

def _node(n: Node, sp: Spelling) -> str:
    head = "node "
    if n.id != n.uname:
        head += f"{n.id}: "
    head += n.uname if n.type == "member" else f"{n.uname}:{n.type}"
    if n.description is not None:
        head += f" {pair('description', n.description)}"
    lines = [head]
    lines += [f"attributes {attr_list(s, ids.node_set(n.id, 'attributes', i), sp)}"
              for i, s in enumerate(n.attributes)]
    lines += [f"utilization {attr_list(s, ids.node_set(n.id, 'utilization', i), sp)}"
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


def _set_command(keyword: str, default_id: str, s: AttrSet, sp: Spelling) -> str:
    prefix = f"{s.id}: " if s.id != default_id or not (s.pairs or s.unset) else ""
    return f"{keyword} {prefix}{attr_list(s, s.id, sp)}"


def render(config: Configuration) -> str:
    """Canonical crm configure text for a configuration."""
    sp = Spelling()
    out: list[str] = [_node(n, sp) for n in config.nodes]
    res = list(config.resources.values())
    out += [_primitive(r, sp) for r in res if isinstance(r, Template)]
    out += [_primitive(r, sp) for r in res if isinstance(r, Primitive)]
    out += [_group(r, sp) for r in res if isinstance(r, Group)]
    out += [_clone(r, sp) for r in res if isinstance(r, Clone)]
    out += [render_bundle(r, sp) for r in res if isinstance(r, Bundle)]
    cons = config.constraints
    out += [_location(c, sp) for c in cons if isinstance(c, Location)]
    out += [_colocation(c) for c in cons if isinstance(c, Colocation)]
    out += [_order(c) for c in cons if isinstance(c, Order)]
    out += [_ticket(c) for c in cons if isinstance(c, Ticket)]
    out += [_tag(t) for t in config.tags]
    if config.fencing_topology:
        out.append(_fencing(config.fencing_topology))
    out += [_set_command("property", ids.PROPERTY_SET, s, sp) for s in config.properties]
    out += [_set_command("rsc_defaults", ids.RSC_DEFAULTS_SET, s, sp) for s in config.rsc_defaults]
    out += [_set_command("op_defaults", ids.OP_DEFAULTS_SET, s, sp) for s in config.op_defaults]
    out += [render_role(r) for r in config.acl_roles]
    out += [render_target(t) for t in config.acl_targets]
    out += [render_alert(a, sp) for a in config.alerts]
    return "".join(line + "\n" for line in out)


def canonical(config: Configuration) -> Configuration:
    """The configuration in the order render() writes it (what parse(render(c)) gives back).

    Templates first; then primitives, groups, clones and bundles each in the
    order of a walk of the top-level resources (primitives, then groups, clones,
    bundles), containers before their children. The order depends only on the
    top-level order and the nesting, which CIB XML keeps too, so a
    configuration read back from XML shows the same text.
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
    kinds = (Primitive, Group, Clone, Bundle)
    for kind in kinds:
        for top in tops:
            if isinstance(top, kind):
                walk(top.id)
    rest = [rid for rid in res if rid not in walked]
    order = [res[rid] for rid in list(walked) + rest]
    ordered = [r for kind in (Template,) + kinds for r in order if isinstance(r, kind)]
    cons = [c for kind in (Location, Colocation, Order, Ticket) for c in config.constraints if isinstance(c, kind)]
    return Configuration(config.nodes, {r.id: r for r in ordered}, tuple(cons), config.properties,
                         config.rsc_defaults, config.op_defaults, config.fencing_topology, config.tags,
                         config.acl_roles, config.acl_targets, config.alerts)
