"""Features of Pacemaker's extended regression suite, drawn on top of cibgen.scenarios().

Each strategy draws an ordinary random cluster and adds one feature, so a disagreement
points at the feature or at how it meets the rest:

- `with_tickets()`: rsc_ticket dependencies of one resource or of a resource set (loss-policy
  stop, demote, fence, freeze or Pacemaker's default; role Promoted on promotable clones), and
  tickets granted, revoked, in standby or never seen in the status section.
- `with_migration()`: allow-migrate=true on most primitives (and now and then on a group or
  clone), a location pushing some of them off their node so a move becomes a migration, and
  histories with a migration partial, dangling (migrate_from done, source not stopped yet),
  or failed in migrate_to or migrate_from.
- `with_node_attributes()`: node attributes (site, ram; sometimes transient in the status
  section) and location rules on them: defined/not_defined, eq/ne on strings, gt/lt/gte/lte
  typed number or integer or left for Pacemaker to guess, boolean-op and/or, score-attribute.
- `with_resource_sets()`: colocation and order constraints over resource sets (sequential,
  require-all, roles and actions on promotable sets). Order sets follow the units' order,
  as the plain orders do, so no ordering loop is drawn.

`FEATURES` names them for the differential tests and for exploring. Like cibgen, this writes
no XML through the code under test; cibgen.to_cib_xml writes what these draw.
"""

from __future__ import annotations

from collections.abc import Callable

from hypothesis import strategies as st

from cibgen import (INF, SCORES_LOC, AttrRule, Expr, Migration, RscSet, Scenario, SetConstraint, TicketDep,
                    TicketState, Unit, _rare, scenarios)

TICKETS = ("ticketA", "ticketB")
MIGRATION_STAGES = ("partial", "dangling", "failed_to", "failed_from")
RAM_VALUES = ("1", "2", "4", "8", "16", "4.5")


def _online(s: Scenario) -> list[str]:
    return [n.name for n in s.nodes if n.status == "online"]


@st.composite
def with_tickets(draw: st.DrawFn, max_nodes: int = 6, max_prims: int = 15) -> Scenario:
    s = draw(scenarios(max_nodes=max_nodes, max_prims=max_prims))
    names = TICKETS[:draw(st.integers(1, len(TICKETS)))]
    for t in names:
        state = draw(st.sampled_from(["granted", "granted", "revoked", "absent"]))
        if state != "absent":
            s.tickets.append(TicketState(t, granted=state == "granted", standby=_rare(draw, 4)))
    for uid in draw(st.lists(st.sampled_from([u.id for u in s.units]), min_size=1, max_size=3, unique=True)):
        unit = next(u for u in s.units if u.id == uid)
        roles: list[str | None] = [None, "Promoted", "Promoted"] if unit.promotable else [None, None, "Started"]
        loss = draw(st.sampled_from([None, "stop", "demote", "fence", "freeze"]))
        dep = TicketDep(uid, draw(st.sampled_from(names)), loss, draw(st.sampled_from(roles)))
        if _rare(draw, 3):  # a set of resources needing the ticket; a role then applies to all of them
            others = [u.id for u in s.units if u.id != uid and (u.promotable or dep.role != "Promoted")]
            dep.with_set = draw(st.lists(st.sampled_from(others), max_size=2, unique=True)) if others else []
        s.ticket_deps.append(dep)
    return s


@st.composite
def with_migration(draw: st.DrawFn, max_nodes: int = 6, max_prims: int = 15) -> Scenario:
    s = draw(scenarios(max_nodes=max_nodes, max_prims=max_prims))
    online = _online(s)
    migratable: list[Unit] = []
    for u in s.units:
        if u.kind == "primitive" and draw(st.integers(0, 3)) < 3:
            migratable.append(u)
            u.meta["allow-migrate"] = "true"
        elif u.kind != "primitive" and _rare(draw, 5):
            u.meta["allow-migrate"] = "true"  # on a group or clone: what its members inherit
    if not any("allow-migrate" in u.meta for u in s.units):
        s.units[0].meta["allow-migrate"] = "true"
        migratable += [s.units[0]] if s.units[0].kind == "primitive" else []
    for u in migratable:
        where = s.running.get(u.id, [])
        elsewhere = [n for n in online if n not in where]
        if where and elsewhere and draw(st.booleans()):
            # a preference for another node, so the resource moves (and migrates) there
            s.locations.append((u.id, draw(st.sampled_from(elsewhere)), draw(st.sampled_from([100, INF])), None, None))
    for u in migratable:
        source = next(iter(s.running.get(u.id, [])), None)
        targets = [n for n in online if n != source]
        if source in online and targets and _rare(draw, 2):
            s.migrations.append(Migration(u.id, source, draw(st.sampled_from(targets)),
                                          draw(st.sampled_from(MIGRATION_STAGES))))
            s.failures = [f for f in s.failures if f.prim != u.id]  # the migration is its failure, if any
    return s


def _expression(draw: st.DrawFn) -> Expr:
    kind = draw(st.sampled_from(["defined", "not_defined", "number", "number", "string", "uname"]))
    attribute = draw(st.sampled_from(["site", "ram"]))
    if kind in ("defined", "not_defined"):
        return Expr(attribute, kind)
    if kind == "number":
        return Expr("ram", draw(st.sampled_from(["gt", "lt", "gte", "lte", "eq"])), draw(st.sampled_from(RAM_VALUES)),
                    draw(st.sampled_from(["number", "integer", None])))
    if kind == "string":
        return Expr("site", draw(st.sampled_from(["eq", "ne"])), draw(st.sampled_from(["a", "b"])),
                    draw(st.sampled_from(["string", None])))
    return Expr("#uname", draw(st.sampled_from(["eq", "ne"])), f"node{draw(st.integers(1, 3))}")


@st.composite
def with_node_attributes(draw: st.DrawFn, max_nodes: int = 6, max_prims: int = 15) -> Scenario:
    s = draw(scenarios(max_nodes=max_nodes, max_prims=max_prims))
    for n in s.nodes:
        if draw(st.booleans()):
            n.attrs["site"] = draw(st.sampled_from(["a", "b"]))
        if draw(st.integers(0, 3)) > 0:
            n.attrs["ram"] = draw(st.sampled_from(RAM_VALUES))
        if n.status != "offline" and _rare(draw, 4):
            n.status_attrs["ram"] = draw(st.sampled_from(RAM_VALUES))  # a transient value overrides the node's
    for uid in draw(st.lists(st.sampled_from([u.id for u in s.units]), min_size=1, max_size=4)):
        unit = next(u for u in s.units if u.id == uid)
        exprs = [_expression(draw) for _ in range(draw(st.integers(1, 2)))]
        rule = AttrRule(uid, exprs, score=draw(st.sampled_from(SCORES_LOC)),
                        role="Promoted" if unit.promotable and draw(st.booleans()) else None,
                        boolean_op=draw(st.sampled_from(["and", "or"])) if len(exprs) > 1 else None)
        if _rare(draw, 4):
            rule.score_attribute = "ram"
        s.attr_rules.append(rule)
    return s


def _split(draw: st.DrawFn, members: list[str]) -> list[list[str]]:
    """members cut into one to three non-empty runs, in order."""
    cuts = sorted(draw(st.sets(st.integers(1, len(members) - 1), max_size=2))) if len(members) > 1 else []
    bounds = [0, *cuts, len(members)]
    return [members[a:b] for a, b in zip(bounds, bounds[1:])]


@st.composite
def with_resource_sets(draw: st.DrawFn, max_nodes: int = 6, max_prims: int = 15) -> Scenario:
    s = draw(scenarios(max_nodes=max_nodes, max_prims=max_prims))
    ids = [u.id for u in s.units]
    promotable = {u.id for u in s.units if u.promotable}
    if len(ids) < 2:
        return s
    for _ in range(draw(st.integers(1, 2))):
        kind = draw(st.sampled_from(["colocation", "order"]))
        chosen = set(draw(st.lists(st.sampled_from(ids), min_size=2, max_size=min(5, len(ids)), unique=True)))
        members = [i for i in ids if i in chosen]  # in the units' order: order sets never loop
        sets = []
        for run in _split(draw, members):
            all_promotable = all(i in promotable for i in run)
            role_choices = ["Promoted", "Promoted", "Unpromoted"] if kind == "colocation" else ["promote", "demote"]
            sets.append(RscSet(run, sequential=draw(st.sampled_from([None, None, False, True])),
                               require_all=draw(st.sampled_from([None, None, False])) if kind == "order" else None,
                               role=draw(st.sampled_from([None, *role_choices])) if all_promotable else None))
        if kind == "colocation":
            s.set_constraints.append(SetConstraint("colocation", sets,
                                                   score=draw(st.sampled_from([INF, INF, -INF, 100]))))
        else:
            s.set_constraints.append(SetConstraint("order", sets,
                                                   order_kind=draw(st.sampled_from([None, "Mandatory", "Optional",
                                                                                    "Serialize"])),
                                                   symmetrical=draw(st.sampled_from([None, None, False]))))
    return s


# name -> strategy, for the differential tests and `test_scheduler_differential.py --explore N NAME`
FEATURES: dict[str, Callable[[], st.SearchStrategy[Scenario]]] = {
    "tickets": with_tickets,
    "migration": with_migration,
    "node-attributes": with_node_attributes,
    "resource-sets": with_resource_sets,
}
