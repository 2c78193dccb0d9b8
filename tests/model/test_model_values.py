"""Scores, durations, roles, booleans and agent references: the scalars every parser relies on."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hastack.errors import ValueSyntaxError
from hastack.model import AgentRef, Role, durations, parse_bool, scores
from hastack.model.scores import INFINITY, MINUS_INFINITY
from hastack.model.secrets import MASK, is_secret, mask_text


@pytest.mark.parametrize("text,expected", [
    ("0", 0), ("100", 100), ("-50", -50), ("+7", 7),
    ("inf", INFINITY), ("INFINITY", INFINITY), ("+INFINITY", INFINITY), ("+inf", INFINITY),
    ("-inf", MINUS_INFINITY), ("-INFINITY", MINUS_INFINITY), ("Infinity", INFINITY),
    ("mandatory", INFINITY), ("advisory", 0), ("5000000", INFINITY), ("-5000000", MINUS_INFINITY),
])
def test_score_spellings(text: str, expected: int) -> None:
    assert scores.parse(text) == expected


@pytest.mark.parametrize("text", ["", "abc", "1.5", "inf:", "--inf", "10 0"])
def test_bad_scores_say_how_to_write_one(text: str) -> None:
    with pytest.raises(ValueSyntaxError) as err:
        scores.parse(text)
    assert "invalid score" in err.value.message
    assert "INFINITY" in err.value.hint


def test_minus_infinity_wins_over_plus_infinity() -> None:
    assert scores.add(INFINITY, MINUS_INFINITY) == MINUS_INFINITY
    assert scores.add(MINUS_INFINITY, INFINITY) == MINUS_INFINITY
    assert scores.add(INFINITY, -999_999) == INFINITY
    assert scores.total(600_000, 600_000) == INFINITY
    assert scores.total(-600_000, -600_000) == MINUS_INFINITY


finite = st.integers(min_value=-2 * INFINITY, max_value=2 * INFINITY)


@given(finite, finite)
def test_addition_stays_in_range_and_commutes(a: int, b: int) -> None:
    a, b = scores.clamp(a), scores.clamp(b)
    s = scores.add(a, b)
    assert MINUS_INFINITY <= s <= INFINITY
    assert s == scores.add(b, a)


@given(finite)
def test_format_parse_roundtrip(a: int) -> None:
    a = scores.clamp(a)
    assert scores.parse(scores.format(a)) == a
    assert scores.parse(scores.format_crm(a)) == a


@pytest.mark.parametrize("text,ms", [
    ("0", 0), ("30", 30_000), ("30s", 30_000), ("30sec", 30_000), ("500ms", 500), ("1min", 60_000),
    ("5m", 300_000), ("2h", 7_200_000), ("PT30S", 30_000), ("PT5M", 300_000), ("P1DT1H", 90_000_000),
    ("P10S", 10_000), ("P1M", 2_592_000_000),
    ("pt1.5s", 1500), ("1000us", 1),
])
def test_duration_spellings(text: str, ms: int) -> None:
    assert durations.parse_ms(text) == ms


@pytest.mark.parametrize("text", ["", "s", "10 parsecs", "P", "PT", "-5s", "1.5s"])
def test_bad_durations(text: str) -> None:
    with pytest.raises(ValueSyntaxError) as err:
        durations.parse_ms(text)
    assert "PT30S" in err.value.hint


def test_a_tolerated_duration_falls_back_to_its_default() -> None:
    assert durations.parse_ms_or("30s", 20_000) == 30_000
    assert durations.parse_ms_or(None, 20_000) == 20_000
    assert durations.parse_ms_or("soon", 20_000) == 20_000
    assert durations.parse_ms_or("P" + "9" * 400 + "S", 20_000) == 20_000  # too long for a float's range


@given(st.integers(min_value=0, max_value=10**9))
def test_duration_format_roundtrip(ms: int) -> None:
    assert durations.parse_ms(durations.format_ms(ms)) == ms


def test_roles_old_and_new_names() -> None:
    assert Role.parse("Master") is Role.PROMOTED
    assert Role.parse("slave") is Role.UNPROMOTED
    assert Role.parse("Promoted").legacy == "Master"
    with pytest.raises(ValueSyntaxError, match="invalid role 'Bogus'"):
        Role.parse("Bogus")


def test_booleans() -> None:
    assert parse_bool("yes") and parse_bool("TRUE") and parse_bool("1")
    assert not parse_bool("off")
    with pytest.raises(ValueSyntaxError):
        parse_bool("maybe")


def test_agent_references_follow_crmsh_defaults() -> None:
    assert AgentRef.parse("Dummy") == AgentRef("ocf", "Dummy", "heartbeat")
    assert str(AgentRef.parse("ocf:pacemaker:Stateful")) == "ocf:pacemaker:Stateful"
    assert AgentRef.parse("stonith:fence_ipmilan") == AgentRef("stonith", "fence_ipmilan")
    with pytest.raises(ValueSyntaxError):
        AgentRef.parse("a:b:c:d")


def test_secret_names_and_masking() -> None:
    assert is_secret("password") and is_secret("os_password") and is_secret("keystone_admin_token")
    assert is_secret("erlang_cookie")  # ocf:hastack:rabbitmq's: never shown by configure show or status
    assert not is_secret("ip") and not is_secret("config")
    assert mask_text("login with secrete now", ["secrete"]) == f"login with {MASK} now"
