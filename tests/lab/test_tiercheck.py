"""The tier's verdicts (lab.tiercheck) and fault schedule (lab.jepsen.plan): pure, no lab."""

from __future__ import annotations

from hastack.lab.jepsen import KINDS, plan
from hastack.lab.tier import COOKIE_MARK, Secrets, config_text
from hastack.lab.tiercheck import Attempts, Event, attempts, judge, outages, parse_events


def ev(t: float, kind: str, i: int, ok: bool) -> Event:
    return Event(t, kind, i, ok, "" if ok else "Lost connection")


def test_an_acknowledged_write_must_be_there_exactly_once() -> None:
    tried = Attempts(frozenset({1, 2, 3}), frozenset({4, 5}))
    good = judge("mysql", tried, {1: 1, 2: 1, 3: 1, 4: 1})
    assert good.ok and good.indeterminate_present == 1 and good.present == 4
    lost = judge("mysql", tried, {1: 1, 3: 1})
    assert not lost.ok and lost.lost == (2,) and "LOST 1 [2]" in lost.sentence()
    twice = judge("mysql", tried, {1: 1, 2: 1, 3: 1, 5: 2})
    assert not twice.ok and twice.duplicated == (5,)
    ghost = judge("amqp", tried, {1: 1, 2: 1, 3: 1, 9: 1})
    assert not ghost.ok and ghost.unexpected == (9,)


def test_attempts_split_acknowledged_from_indeterminate() -> None:
    events = [ev(1, "amqp", 1, True), ev(2, "amqp", 2, False), ev(3, "mysql-write", 3, True)]
    assert attempts(events, "amqp") == Attempts(frozenset({1}), frozenset({2}))


def test_outages_run_from_the_first_error_to_the_next_success() -> None:
    events = [ev(1, "http", 1, True), ev(2, "http", 2, False), ev(2.5, "http", 3, False), ev(4, "http", 4, True),
              ev(5, "http", 5, False), ev(3, "amqp", 1, False)]
    got = outages(events, "http")
    assert [(o.first_error, o.back, o.failed) for o in got] == [(2, 4, 2), (5, None, 1)]
    assert got[0].seconds == 2 and got[1].seconds is None


def test_parse_events_skips_a_line_cut_short() -> None:
    lines = ['{"t": 1.5, "kind": "amqp", "id": 7, "ok": true, "err": ""}', '{"t": 2, "kind": "am']
    assert parse_events(lines) == [Event(1.5, "amqp", 7, True, "")]


def test_the_schedule_has_every_kind_first_and_power_takes_the_writer() -> None:
    faults = plan(12, 7)
    assert sorted(f.kind for f in faults[:3]) == sorted(KINDS)
    assert all(f.target == "writer" for f in faults if f.kind == "power")
    assert all(f.target in {"1", "2", "3"} for f in faults if f.kind != "power")
    assert plan(12, 7) == faults and plan(13, 7) != faults


def test_the_tier_configuration_gets_the_labs_subnet_and_cookie_and_secrets_never_print() -> None:
    s = Secrets.fresh()
    text = config_text("10.213.199", s.cookie)
    assert COOKIE_MARK not in text and s.cookie in text and "10.213.160." not in text
    assert "gcomm://10.213.199.11,10.213.199.12,10.213.199.13" in text
    assert s.cookie not in repr(s) and s.db_password not in f"{s}"
