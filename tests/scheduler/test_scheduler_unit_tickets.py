"""Ticket constraints (rsc_ticket) and tag/template references in constraints, on small clusters."""

from __future__ import annotations

import sys
from dataclasses import replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from test_scheduler_unit_models import Colocation, Location, config, node_state, prim, started, state
from hastack.cib import parse_cib, to_xml
from hastack.model.config import Primitive, ResourceSet, Tag, Template, Ticket
from hastack.model.state import ClusterState, TicketState
from hastack.model.values import AgentRef, Role
from hastack.scheduler import schedule
from hastack.scheduler.refs import expand_references, reference_table
from hastack.scheduler.tickets import loss_policy
from hastack.scheduler.working import R


def _tickets(st: ClusterState, **granted: str) -> ClusterState:
    return replace(st, tickets=tuple(TicketState(t, (("granted", g),)) for t, g in granted.items()))


def _run(constraint: Ticket, running: bool, granted: str | None, fencer: bool = False,
         **options: str) -> tuple[str, ...]:
    extra = [Primitive("fencer", AgentRef("stonith", "null"))] if fencer else []
    cfg = config(["n1", "n2"], [prim("r"), *extra], [constraint], **options)
    st = state(node_state("n1", started("r")) if running else node_state("n1"), node_state("n2"))
    if granted is not None:
        st = _tickets(st, tA=granted)
    return tuple(sorted(schedule(cfg, st, 0).summary))


def test_loss_policy_defaults_and_fencing_fallback() -> None:
    assert loss_policy(None, R.UNKNOWN, True) == "stop"
    assert loss_policy(None, R.PROMOTED, True) == "demote"
    assert loss_policy("Freeze", R.UNKNOWN, True) == "freeze"
    assert loss_policy("fence", R.UNKNOWN, False) == "stop"  # fence needs fencing enabled
    assert loss_policy("bogus", R.PROMOTED, True) == "demote"


def test_a_resource_starts_only_with_its_ticket_granted() -> None:
    t = Ticket("t", "tA", rsc="r")
    assert _run(t, False, "true") == ("Start r (n1)",)
    assert _run(t, False, "false") == ()
    assert _run(t, False, None) == ()  # a ticket no ticket_state mentions is not granted


def test_losing_the_ticket_stops_or_freezes() -> None:
    stop = ("Stop r (n1) due to node availability",)
    assert _run(Ticket("t", "tA", rsc="r", loss_policy="stop"), True, "false") == stop
    assert _run(Ticket("t", "tA", rsc="r", loss_policy="freeze"), True, "false") == ()


def test_losing_the_ticket_with_loss_policy_fence_fences_the_node() -> None:
    t = Ticket("t", "tA", rsc="r", loss_policy="fence")
    out = _run(t, True, "false", fencer=True, **{"stonith-enabled": "true"})
    assert any(line.startswith("Fence (reboot) n1") and "deadman ticket was lost" in line for line in out), out
    # without fencing, fence falls back to stop
    assert _run(t, True, "false", **{"stonith-enabled": "false"}) == ("Stop r (n1) due to node availability",)


def test_a_ticket_in_standby_stops_its_resource() -> None:
    cfg = config(["n1"], [prim("r")], [Ticket("t", "tA", rsc="r")])
    st = replace(state(node_state("n1", started("r"))),
                 tickets=(TicketState("tA", (("granted", "true"), ("standby", "true"))),))
    assert schedule(cfg, st, 0).summary == ("Stop r (n1) due to node availability",)


def test_ticket_sets_cover_every_member() -> None:
    sets = (ResourceSet("s", ("a", "b")),)
    cfg = config(["n1"], [prim("a"), prim("b"), prim("c")], [Ticket("t", "tA", sets=sets)])
    assert schedule(cfg, _tickets(state(node_state("n1")), tA="false"), 0).summary == ("Start c (n1)",)


def test_ticket_states_survive_a_cib_round_trip() -> None:
    cfg = config(["n1"], [prim("r")], [Ticket("t", "tA", rsc="r")])
    st = replace(state(node_state("n1")), tickets=(TicketState("tA", (("granted", "true"), ("last-granted", "5"))),))
    back = parse_cib(to_xml(cfg, st)).state
    assert back.tickets == st.tickets
    assert back.tickets[0].granted and not back.tickets[0].standby


def _templated() -> list[object]:
    dummy = AgentRef("ocf", "Dummy", "pacemaker")
    return [Template("tpl", agent=dummy), Primitive("a", None, template="tpl"), Primitive("b", None, template="tpl"),
            prim("c")]


def test_references_are_read_as_sets() -> None:
    cfg = replace(config(["n1", "n2"], _templated(), [
        Location("l", rsc="tg", node="n2", score=10),
        Colocation("co", 1_000_000, rsc="tpl", with_rsc="c", with_rsc_role=Role.STARTED),
    ]), tags=(Tag("tg", ("a", "c")),))
    assert reference_table(cfg) == {"tpl": ("a", "b"), "tg": ("a", "c")}
    loc, co = expand_references(cfg).constraints
    assert loc.sets == (ResourceSet("tg", ("a", "c"), sequential=False),) and loc.rsc is None
    assert co.sets == (ResourceSet("tpl", ("a", "b"), sequential=False),
                       ResourceSet("c", ("c",), role=Role.STARTED))
    plain = config(["n1"], [prim("x")], [Location("l", rsc="x", node="n1", score=1)])
    assert expand_references(plain) is plain


def test_a_template_colocation_places_every_templated_primitive() -> None:
    cfg = config(["n1", "n2"], _templated(), [
        Location("l", rsc="c", node="n2", score=10),
        Colocation("co", 1_000_000, rsc="tpl", with_rsc="c", with_rsc_role=Role.STARTED),
    ])
    t = schedule(cfg, state(node_state("n1"), node_state("n2")), 0)
    assert t.placement["a"].node == t.placement["b"].node == t.placement["c"].node == "n2"
