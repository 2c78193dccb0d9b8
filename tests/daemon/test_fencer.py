"""Who watches whom, who is suspected and who fences (daemon.fencer's pure rules)."""

from __future__ import annotations

from hastack.daemon.fencer import decide, watched_by

MEMBERS = {"h1", "h2", "h3", "h4"}


def test_heartbeats_form_a_star_around_the_dc() -> None:
    assert watched_by("h2", MEMBERS, "h2") == {"h1", "h3", "h4"}  # the DC watches everyone
    assert watched_by("h3", MEMBERS, "h2") == {"h2"}  # the others watch the DC only
    assert watched_by("h3", MEMBERS, None) == {"h1", "h2", "h4"}  # no DC: everyone watches everyone
    assert watched_by("h3", MEMBERS, "h9") == {"h1", "h2", "h4"}  # a DC that is no member counts as none


def test_the_dc_fences_a_silent_member() -> None:
    d = decide("h2", {"h1": 0.05, "h2": None, "h3": 0.9, "h4": 0.1}, "h2", 0.3)
    assert d.suspects == ("h3",) and d.actor == "h2"


def test_a_silent_dc_is_fenced_by_the_first_member_that_is_not_suspected() -> None:
    # h3 watches only the DC (h1): the others' silence is unknown to it (None), never a suspicion
    d = decide("h3", {"h1": 0.8, "h2": None, "h3": None, "h4": None}, "h1", 0.3)
    assert d.suspects == ("h1",) and d.actor == "h2"


def test_nobody_is_suspected_before_being_heard_or_within_the_threshold() -> None:
    d = decide("h1", {"h1": None, "h2": None, "h3": 0.29}, "h1", 0.3)
    assert d.suspects == () and d.actor == "h1"
