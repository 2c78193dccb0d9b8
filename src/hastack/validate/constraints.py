"""Checks of constraints: colocation with self, promotable-only roles and
actions on resources that are not promotable, cycles of mandatory orders.

Imports nothing of hastack but errors, the model and validate.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from hastack.errors import SourceLocation
from hastack.model.config import Colocation, Configuration, Location, Order, OrderKind, Ticket
from hastack.model.values import Role
from hastack.validate.report import Reporter
from hastack.validate.resources import promotable_ids

_PROMOTABLE_ROLES = (Role.PROMOTED, Role.UNPROMOTED)


def _roles(c: Colocation | Location | Ticket | Order) -> Iterator[tuple[str, str]]:
    """(resource, role-or-action) pairs that only a promotable resource has."""
    if isinstance(c, Colocation):
        pairs = [(c.rsc, c.rsc_role), (c.with_rsc, c.with_rsc_role)]
    elif isinstance(c, Ticket):
        pairs = [(c.rsc, c.rsc_role)]
    elif isinstance(c, Location):
        roles = [c.role] + [r.role for r in c.rules]
        pairs = [(c.rsc, role) for role in roles]
    else:
        for rsc, action in ((c.first, c.first_action), (c.then, c.then_action or c.first_action)):
            if rsc and action in ("promote", "demote"):
                yield rsc, action
        for s in c.sets:
            if s.action in ("promote", "demote"):
                yield from ((r, s.action) for r in s.resources)
        return
    for rsc, role in pairs:
        if rsc and role in _PROMOTABLE_ROLES:
            yield rsc, role.value
    for s in c.sets:
        if s.role in _PROMOTABLE_ROLES:
            yield from ((r, s.role.value) for r in s.resources)


def check_constraints(config: Configuration, rep: Reporter) -> None:
    promotable = promotable_ids(config)
    clone_of = {r.children[0]: r.id for r in config.resources.values() if getattr(r, "promotable", False)}
    for c in config.constraints:
        if isinstance(c, Colocation) and c.rsc is not None and c.rsc == c.with_rsc:
            rep.error(f"colocation {c.id} places {c.rsc} with itself", c.location,
                      "a colocation relates two different resources", word=c.rsc)
        for rsc, what in _roles(c):
            if rsc in promotable or rsc not in config.resources:
                continue
            hint = (f"{rsc} is inside the promotable clone {clone_of[rsc]}: refer to {clone_of[rsc]}"
                    if rsc in clone_of else
                    f"only a promotable clone has Promoted/Unpromoted instances and promote/demote actions: "
                    f"clone it with meta promotable=true, or drop :{what}")
            if isinstance(c, Order) and rsc == c.then and c.then_action is None and not c.sets:
                hint = (f"the then-action defaults to the first-action ({what}): write {rsc}:start "
                        f"if {rsc} should start after it")
            rep.error(f"{c.id} uses {what} of {rsc}, which is not promotable", c.location, hint, word=rsc)
        if isinstance(c, Location) and c.rsc_pattern is not None:
            _pattern(config, c, rep)
        if isinstance(c, Order) and c.effective_kind is OrderKind.SERIALIZE and c.symmetrical:
            rep.warn(f"order {c.id}: symmetrical=true has no meaning for kind Serialize", c.location,
                     "Serialize only keeps the actions from running at the same time; drop symmetrical=true",
                     word="symmetrical")
    _cycles(config, rep)


def _pattern(config: Configuration, c: Location, rep: Reporter) -> None:
    assert c.rsc_pattern is not None
    try:
        pattern = re.compile(c.rsc_pattern)
    except re.error as err:
        rep.error(f"location {c.id}: the resource pattern /{c.rsc_pattern}/ is not a regular expression ({err})",
                  c.location, "write a regular expression, e.g. /^p_web.*/")
        return
    if not any(pattern.search(r) for r in config.resources):
        rep.warn(f"location {c.id}: the resource pattern /{c.rsc_pattern}/ matches no resource", c.location,
                 "the constraint does nothing until a resource id matches; check the pattern")


Node = tuple[str, str]


def _edges(config: Configuration) -> dict[Node, list[tuple[Node, Order]]]:
    graph: dict[Node, list[tuple[Node, Order]]] = {}

    def add(a: str, aa: str, b: str, ba: str, o: Order) -> None:
        graph.setdefault((a, aa), []).append(((b, ba), o))

    for o in config.constraints:
        if not isinstance(o, Order) or o.effective_kind is not OrderKind.MANDATORY:
            continue
        if o.first and o.then:
            fa = o.first_action or "start"
            add(o.first, fa, o.then, o.then_action or fa, o)
            continue
        previous: list[tuple[str, str]] = []
        for s in o.sets:
            members = [(r, s.action or "start") for r in s.resources]
            for a in previous:
                for b in members:
                    add(a[0], a[1], b[0], b[1], o)
            if s.sequential is not False:
                for a, b in zip(members, members[1:]):
                    add(a[0], a[1], b[0], b[1], o)
            previous = members
    return graph


def _cycles(config: Configuration, rep: Reporter) -> None:
    graph = _edges(config)
    state: dict[Node, int] = {}
    reported: set[frozenset[str]] = set()
    path: list[tuple[Node, Order | None]] = []

    def visit(node: Node, via: Order | None) -> None:
        state[node] = 1
        path.append((node, via))
        for nxt, order in graph.get(node, []):
            if state.get(nxt) == 1:
                start = next(i for i, (n, _) in enumerate(path) if n == nxt)
                cycle = path[start:] + [(nxt, order)]
                orders = [o for _, o in cycle[1:] if o is not None]
                key = frozenset(o.id for o in orders)
                if key not in reported:
                    reported.add(key)
                    steps = " -> ".join(f"{n[0]}:{n[1]}" for n, _ in cycle)
                    names = ", ".join(dict.fromkeys(o.id for o in orders))
                    loc: SourceLocation | None = orders[0].location if orders else None
                    rep.error(f"mandatory orders form a cycle: {steps} (constraints {names})", loc,
                              "nothing in a cycle can ever start: remove one of these orders or make it "
                              "kind Optional", word=orders[0].id if orders else None)
            elif nxt not in state:
                visit(nxt, order)
        path.pop()
        state[node] = 2

    for node in sorted(graph):
        if node not in state:
            visit(node, None)
