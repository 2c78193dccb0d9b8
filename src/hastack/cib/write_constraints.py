"""Model constraints -> the CIB <constraints> section.

Owns rsc_location, rsc_colocation, rsc_order and rsc_ticket elements and their
resource sets (ids `<con>-<n>` when the model has none, as crmsh names them; a
set equal to one already written under the same id becomes an id-ref again, which
is how the importer's expansion of id-ref is undone). Scores are written as
Pacemaker spells them (INFINITY, -INFINITY), roles as the schema spells them.

Imports the model and the cib writer helpers only.
"""

from __future__ import annotations

from lxml import etree

from hastack.cib.ids import WriteContext
from hastack.cib.rules import write_rule
from hastack.model import scores
from hastack.model.config import Colocation, Constraint, Location, Order, ResourceSet, Ticket
from hastack.model.values import Role


def write_constraints(parent: etree._Element, constraints: tuple[Constraint, ...], ctx: WriteContext) -> None:
    section = etree.SubElement(parent, "constraints")
    for c in constraints:
        if isinstance(c, Location):
            _write_location(section, c, ctx)
        elif isinstance(c, Colocation):
            _write_colocation(section, c, ctx)
        elif isinstance(c, Order):
            _write_order(section, c, ctx)
        else:
            _write_ticket(section, c, ctx)


def _set_opt(el: etree._Element, name: str, value: str | None) -> None:
    if value is not None:
        el.set(name, value)


def _bool(value: bool | None) -> str | None:
    return None if value is None else ("true" if value else "false")


def _role(ctx: WriteContext, role: Role | None) -> str | None:
    return None if role is None else ctx.role(role)


def _write_sets(el: etree._Element, sets: tuple[ResourceSet, ...], ctx: WriteContext, cid: str) -> None:
    for n, s in enumerate(sets):
        if ctx.already_written(s, s.id):
            etree.SubElement(el, "resource_set", {"id-ref": s.id})
            continue
        sel = etree.SubElement(el, "resource_set", id=ctx.take_for(s, s.id, f"{cid}-{n}"))
        _set_opt(sel, "sequential", _bool(s.sequential))
        _set_opt(sel, "require-all", _bool(s.require_all))
        _set_opt(sel, "action", s.action)
        _set_opt(sel, "role", _role(ctx, s.role))
        _set_opt(sel, "ordering", s.ordering)
        if s.kind is not None:
            sel.set("kind", s.kind.value)
        elif s.score is not None:
            sel.set("score", scores.format(s.score))
        for rid in s.resources:
            etree.SubElement(sel, "resource_ref", id=rid)


def _write_location(parent: etree._Element, c: Location, ctx: WriteContext) -> None:
    cid = ctx.ids.take(c.id, "location")
    el = etree.SubElement(parent, "rsc_location", id=cid)
    _set_opt(el, "rsc", c.rsc)
    _set_opt(el, "rsc-pattern", c.rsc_pattern)
    _set_opt(el, "role", _role(ctx, c.role))
    if c.score is not None:
        el.set("score", scores.format(c.score))
    _set_opt(el, "node", c.node)
    _set_opt(el, "resource-discovery", c.resource_discovery)
    _write_sets(el, c.sets, ctx, cid)
    for rule in c.rules:
        write_rule(el, rule, ctx, cid)


def _write_colocation(parent: etree._Element, c: Colocation, ctx: WriteContext) -> None:
    cid = ctx.ids.take(c.id, "colocation")
    el = etree.SubElement(parent, "rsc_colocation", id=cid, score=scores.format(c.score))
    _set_opt(el, "rsc", c.rsc)
    _set_opt(el, "rsc-role", _role(ctx, c.rsc_role))
    _set_opt(el, "with-rsc", c.with_rsc)
    _set_opt(el, "with-rsc-role", _role(ctx, c.with_rsc_role))
    _set_opt(el, "node-attribute", c.node_attribute)
    _set_opt(el, "influence", _bool(c.influence))
    _write_sets(el, c.sets, ctx, cid)


def _write_order(parent: etree._Element, c: Order, ctx: WriteContext) -> None:
    cid = ctx.ids.take(c.id, "order")
    el = etree.SubElement(parent, "rsc_order", id=cid)
    _set_opt(el, "first", c.first)
    _set_opt(el, "first-action", c.first_action)
    _set_opt(el, "then", c.then)
    _set_opt(el, "then-action", c.then_action)
    # The schema allows kind or score, not both; kind says more.
    if c.order_kind is not None:
        el.set("kind", c.order_kind.value)
    elif c.score is not None:
        el.set("score", scores.format(c.score))
    _set_opt(el, "symmetrical", _bool(c.symmetrical))
    _set_opt(el, "require-all", _bool(c.require_all))
    _write_sets(el, c.sets, ctx, cid)


def _write_ticket(parent: etree._Element, c: Ticket, ctx: WriteContext) -> None:
    cid = ctx.ids.take(c.id, "ticket")
    el = etree.SubElement(parent, "rsc_ticket", id=cid, ticket=c.ticket)
    _set_opt(el, "rsc", c.rsc)
    _set_opt(el, "rsc-role", _role(ctx, c.rsc_role))
    _set_opt(el, "loss-policy", c.loss_policy)
    _write_sets(el, c.sets, ctx, cid)
