"""daemon.departure.decide: which local actions a proven departure leads to -- tables, no mocks."""

from __future__ import annotations

import pytest

from hastack.daemon.departure import (BACK, FENCED, GONE, LEASE_EXPIRED, Departure, LocalResource, Notice, Told,
                                      decide, parse_departure)

GALERA = LocalResource("p_galera:0", "ocf:hastack:galera")
RABBIT = LocalResource("p_rabbit:0", "ocf:hastack:rabbitmq")
HAPROXY = LocalResource("p_haproxy:0", "ocf:hastack:haproxy")
VIP = LocalResource("vip", "ocf:hastack:IPaddr")
TIER = (GALERA, HAPROXY, RABBIT, VIP)

N3_FENCED = {"n3": Departure("n3", 0x33, FENCED)}


def test_a_fenced_node_is_gone_for_every_tier_resource_that_knows_how_and_only_those() -> None:
    plan = decide("n1", N3_FENCED, {"n1": 0x11, "n2": 0x22}, {}, TIER)
    assert plan.notices == (Notice("p_galera:0", GONE, "n3"), Notice("p_haproxy:0", GONE, "n3"),
                            Notice("p_rabbit:0", GONE, "n3"))
    assert plan.told == {"n3": Told(0x33, GONE, frozenset({"p_galera:0", "p_haproxy:0", "p_rabbit:0"}))}
    assert plan.sentence == "n3 gone (fenced): node-gone p_galera:0, node-gone p_haproxy:0, node-gone p_rabbit:0"


def test_a_lease_that_ran_out_is_proof_too() -> None:
    plan = decide("n1", {"n2": Departure("n2", 0x22, LEASE_EXPIRED)}, {"n1": 0x11}, {}, (GALERA,))
    assert plan.notices == (Notice("p_galera:0", GONE, "n2"),)
    assert "n2 gone (lease-expired)" in plan.sentence


@pytest.mark.parametrize("members, told, why", [
    ({"n1": 0x11, "n3": 0x33}, {}, "still a member on the very lease the record calls dead: nothing is proven"),
    ({"n1": 0x11}, {"n3": Told(0x33, GONE, frozenset({"p_galera:0", "p_haproxy:0", "p_rabbit:0"}))},
     "already told"),
    ({"n1": 0x11}, {"n3": Told(0x33, BACK)}, "told it came back: the old record never makes it gone again"),
    ({"n1": 0x11, "n3": 0x34}, {}, "a new incarnation this node never heard was gone: nothing to undo"),
])
def test_nothing_runs(members: dict[str, int], told: dict[str, Told], why: str) -> None:
    plan = decide("n1", N3_FENCED, members, told, TIER)
    assert plan.notices == (), why
    assert plan.told == told


def test_a_record_about_this_very_node_is_stale() -> None:
    plan = decide("n3", N3_FENCED, {"n3": 0x99}, {}, TIER)
    assert plan.notices == () and plan.told == {}


def test_back_once_a_new_incarnation_joins_then_gone_again_on_its_own_death() -> None:
    told = decide("n1", N3_FENCED, {"n1": 0x11}, {}, TIER).told
    back = decide("n1", N3_FENCED, {"n1": 0x11, "n3": 0x44}, told, TIER)
    assert back.notices == (Notice("p_haproxy:0", BACK, "n3"),)  # galera and rabbitmq rejoin by their start
    assert back.told == {"n3": Told(0x33, BACK, frozenset({"p_haproxy:0"}))}
    assert decide("n1", N3_FENCED, {"n1": 0x11, "n3": 0x44}, back.told, TIER).notices == ()
    again = decide("n1", {"n3": Departure("n3", 0x44, FENCED)}, {"n1": 0x11}, back.told, TIER)
    assert [n.action for n in again.notices] == [GONE, GONE, GONE]


def test_a_node_with_no_tier_resource_still_remembers_it_told_nobody() -> None:
    plan = decide("n1", N3_FENCED, {"n1": 0x11}, {}, (VIP,))
    assert plan.notices == () and plan.told == {"n3": Told(0x33, GONE)}
    assert plan.sentence == "n3 gone (fenced): no local resource to tell"


def test_a_resource_started_while_the_node_is_gone_is_told_too_and_back_later() -> None:
    told = decide("n1", N3_FENCED, {"n1": 0x11}, {}, (VIP, GALERA)).told
    late = decide("n1", N3_FENCED, {"n1": 0x11}, told, (VIP, GALERA, HAPROXY))  # the load balancer starts now
    assert late.notices == (Notice("p_haproxy:0", GONE, "n3"),)  # only the one not told yet
    assert late.told == {"n3": Told(0x33, GONE, frozenset({"p_galera:0", "p_haproxy:0"}))}
    assert decide("n1", N3_FENCED, {"n1": 0x11}, late.told, (VIP, GALERA, HAPROXY)).notices == ()
    back = decide("n1", N3_FENCED, {"n1": 0x11, "n3": 0x44}, late.told, (VIP, GALERA, HAPROXY))
    assert back.notices == (Notice("p_haproxy:0", BACK, "n3"),)


def test_back_goes_only_to_what_was_told_gone() -> None:
    told = decide("n1", N3_FENCED, {"n1": 0x11}, {}, (GALERA,)).told  # no load balancer here then
    back = decide("n1", N3_FENCED, {"n1": 0x11, "n3": 0x44}, told, (GALERA, HAPROXY))  # one started since
    assert back.notices == () and back.told == {"n3": Told(0x33, BACK)}


def test_two_departures_at_once() -> None:
    deps = {"n2": Departure("n2", 0x22, FENCED), "n3": Departure("n3", 0x33, LEASE_EXPIRED)}
    plan = decide("n1", deps, {"n1": 0x11}, {}, (RABBIT,))
    assert plan.notices == (Notice("p_rabbit:0", GONE, "n2"), Notice("p_rabbit:0", GONE, "n3"))


@pytest.mark.parametrize("text, expected", [
    ('{"lease": 51, "proof": "fenced"}', Departure("n3", 51, FENCED)),
    ('{"lease": 51, "proof": "lease-expired"}', Departure("n3", 51, LEASE_EXPIRED)),
    ('{"lease": 51, "proof": "suspected"}', None),  # no proof, no departure
    ('{"lease": 0, "proof": "fenced"}', None),
    ('{"proof": "fenced"}', None),
    ("not json", None),
    ('["lease", 51]', None),
])
def test_parse_departure(text: str, expected: Departure | None) -> None:
    assert parse_departure("n3", text) == expected


def test_a_record_round_trips() -> None:
    dep = Departure("n2", 0x694d8a2b1c, LEASE_EXPIRED)
    assert parse_departure("n2", dep.to_json()) == dep
