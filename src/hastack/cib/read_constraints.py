"""The <constraints> section of a CIB -> model constraints.

Owns rsc_location (score+node or rules, role, resource-discovery, rsc-pattern,
resource sets), rsc_colocation (roles, node-attribute, influence, sets), rsc_order
(kind, legacy score, actions, symmetrical, sets), rsc_ticket, and resource sets
(an id-ref set is replaced by the set it names, as Pacemaker expands it).

Imports the model and the cib reader helpers only.
"""

from __future__ import annotations

from lxml import etree

from hastack.cib import tolerance
from hastack.cib.rules import read_location_rule
from hastack.cib.source import Reader, elements
from hastack.model.config import Colocation, Constraint, Location, Order, OrderKind, ResourceSet, Rule, Ticket

ACTIONS = ("start", "promote", "demote", "stop")
KINDS = tuple(k.value for k in OrderKind)
DISCOVERY = ("always", "never", "exclusive")
LOSS_POLICIES = ("stop", "demote", "fence", "freeze")


def read_constraints(r: Reader, section: etree._Element) -> tuple[Constraint, ...]:
    out: list[Constraint] = []
    readers = {"rsc_location": _read_location, "rsc_colocation": _read_colocation,
               "rsc_order": _read_order, "rsc_ticket": _read_ticket}
    for el in elements(section):
        reader = readers.get(str(el.tag))
        if reader is None:
            r.error(el, f"unexpected <{el.tag}> where a constraint is expected",
                    hint="constraints are <rsc_location>, <rsc_colocation>, <rsc_order> or <rsc_ticket>")
            continue
        c = reader(r, el)
        if c is not None:
            out.append(c)
    return tuple(out)


def _read_sets(r: Reader, el: etree._Element, allowed: tuple[str, ...] = ("resource_set",)) -> tuple[ResourceSet, ...]:
    out = []
    for child in elements(el):
        if child.tag == "resource_set":
            s = _read_resource_set(r, child)
            if s is not None:
                out.append(s)
        elif child.tag == "lifetime":
            r.warn(child, "<lifetime> is deprecated and ignored by hastack",
                   hint="use a rule with a date_expression instead")
        elif child.tag not in allowed:
            r.error(child, f"unexpected <{child.tag}> inside <{el.tag}> {el.get('id')!r}",
                    hint="allowed here: " + ", ".join(f"<{a}>" for a in allowed))
    return tuple(out)


def _read_resource_set(r: Reader, el: etree._Element, depth: int = 0) -> ResourceSet | None:
    ref = el.get("id-ref")
    if ref is not None and el.get("id") is None:
        target = r.ids.get(ref)
        if target is None or target.tag != "resource_set" or depth > 0:
            r.error(el, f"<resource_set id-ref={ref!r}> refers to no resource set", "id-ref",
                    hint="id-ref must name the id of a <resource_set> defined in another constraint")
            return None
        return _read_resource_set(r, target, depth + 1)
    sid = r.required(el, "id")
    r.known_attributes(el, ("id", "sequential", "require-all", "ordering", "action", "role", "score", "kind"),
                       refuse=True)
    sequential = r.boolean(el, "sequential")
    require_all = r.boolean(el, "require-all")
    action = r.choice(el, "action", ACTIONS)
    role = r.role(el, "role")
    score = r.score(el, "score")
    kind_text = r.choice(el, "kind", KINDS)
    ordering = el.get("ordering")
    refs: list[str] = []
    for child in elements(el):
        if child.tag == "resource_ref":
            ref_id = r.required(child, "id")
            if ref_id is not None:
                refs.append(ref_id)
        else:
            r.error(child, f"unexpected <{child.tag}> inside <resource_set> {sid!r}",
                    hint="a resource set lists <resource_ref id=\"...\"/> elements")
    if not refs:
        r.error(el, f"resource set {sid!r} lists no resources", hint='add <resource_ref id="..."/> elements')
    if sid is None:
        return None
    return ResourceSet(sid, tuple(refs), sequential=sequential, require_all=require_all, role=role,
                       action=action, score=score, kind=OrderKind(kind_text) if kind_text else None,
                       ordering=ordering, location=r.where(el))


def _read_location(r: Reader, el: etree._Element) -> Location | None:
    cid = r.required(el, "id")
    r.known_attributes(el, ("id", "rsc", "rsc-pattern", "role", "score", "node", "resource-discovery"),
                       refuse=True)
    rsc, pattern = el.get("rsc"), el.get("rsc-pattern")
    sets = _read_sets(r, el, ("resource_set", "rule"))
    rules: list[Rule] = []
    for child in elements(el):
        if child.tag == "rule":
            rule = read_location_rule(r, child)
            if rule is not None:
                rules.append(rule)
    if rsc is None and pattern is None and not any(c.tag == "resource_set" for c in elements(el)):
        r.error(el, f"location {cid!r} names no resource", hint='add rsc="...", rsc-pattern="..." or a resource_set')
    node = el.get("node")
    score = r.score(el, "score", tolerance.SCORE)
    if node is not None and el.get("score") is None:
        r.error(el, f"location {cid!r} gives a node but no score", "node", hint='add score="INFINITY" (or a number)')
    if node is None and not any(c.tag == "rule" for c in elements(el)):
        r.error(el, f"location {cid!r} has neither node nor rule",
                hint='add node="..." with score="...", or a <rule>')
    role = r.role(el, "role")
    discovery = r.choice(el, "resource-discovery", DISCOVERY)
    if cid is None:
        return None
    return Location(cid, rsc=rsc, rsc_pattern=pattern, score=score, node=node, rules=tuple(rules), role=role,
                    resource_discovery=discovery, sets=sets, location=r.where(el))


def _read_colocation(r: Reader, el: etree._Element) -> Colocation | None:
    cid = r.required(el, "id")
    r.known_attributes(el, ("id", "score", "rsc", "with-rsc", "rsc-role", "with-rsc-role", "node-attribute",
                            "influence"), refuse=True)
    score = r.score(el, "score", tolerance.SCORE)
    sets = _read_sets(r, el)
    rsc, with_rsc = el.get("rsc"), el.get("with-rsc")
    if not sets and not any(c.tag == "resource_set" for c in elements(el)):
        if rsc is None:
            r.required(el, "rsc")
        if with_rsc is None:
            r.required(el, "with-rsc")
    rsc_role = r.role(el, "rsc-role")
    with_role = r.role(el, "with-rsc-role")
    influence = r.boolean(el, "influence", tolerance.INFLUENCE)
    if cid is None:
        return None
    return Colocation(cid, score if score is not None else 0, rsc=rsc, with_rsc=with_rsc, rsc_role=rsc_role,
                      with_rsc_role=with_role, sets=sets, node_attribute=el.get("node-attribute"),
                      influence=influence, location=r.where(el))


def _read_order(r: Reader, el: etree._Element) -> Order | None:
    cid = r.required(el, "id")
    r.known_attributes(el, ("id", "first", "then", "first-action", "then-action", "kind", "score", "symmetrical",
                            "require-all"), refuse=True)
    sets = _read_sets(r, el)
    first, then = el.get("first"), el.get("then")
    if not sets and not any(c.tag == "resource_set" for c in elements(el)):
        if first is None:
            r.required(el, "first")
        if then is None:
            r.required(el, "then")
    first_action = r.choice(el, "first-action", ACTIONS)
    then_action = r.choice(el, "then-action", ACTIONS)
    kind_text = r.choice(el, "kind", KINDS, tolerance.ORDER_KIND)
    score = r.score(el, "score", tolerance.SCORE)
    symmetrical = r.boolean(el, "symmetrical")
    require_all = r.boolean(el, "require-all")
    if require_all is not None:
        r.warn(el, "rsc_order attribute 'require-all' is deprecated (Pacemaker reads require-all=false as "
               "clone-min=1 of the first resource)", "require-all",
               hint="set the clone-min meta attribute of the clone instead")
    if cid is None:
        return None
    return Order(cid, first=first, then=then, first_action=first_action, then_action=then_action,
                 order_kind=OrderKind(kind_text) if kind_text else None, score=score, symmetrical=symmetrical,
                 sets=sets, location=r.where(el), require_all=require_all)


def _read_ticket(r: Reader, el: etree._Element) -> Ticket | None:
    cid = r.required(el, "id")
    r.known_attributes(el, ("id", "ticket", "rsc", "rsc-role", "loss-policy"), refuse=True)
    ticket = r.required(el, "ticket")
    sets = _read_sets(r, el)
    rsc = el.get("rsc")
    if rsc is None and not sets and not any(c.tag == "resource_set" for c in elements(el)):
        r.required(el, "rsc")
    rsc_role = r.role(el, "rsc-role")
    loss_policy = r.choice(el, "loss-policy", LOSS_POLICIES)
    if cid is None or ticket is None:
        return None
    return Ticket(cid, ticket, rsc=rsc, rsc_role=rsc_role, loss_policy=loss_policy, sets=sets,
                  location=r.where(el))
