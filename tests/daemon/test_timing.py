"""Every node timer derives from the lease TTL and etcd's election timeout, and unsafe sets are refused at
start-up with the reason (pure; plus hastackd's own refusal, which starts nothing)."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from hastack.daemon.heartbeat import heartbeat_interval
from hastack.daemon.main import main
from hastack.daemon.timing import Timing, TimingError, for_ttl


@pytest.mark.parametrize(("ttl", "election", "safe"), [
    (2, 0.1, True),    # hastack's own etcd members: the default
    (2, 0.25, True),   # their default before 2026-12-03
    (2, 0.5, False),   # measured: the leader's death made every node self-fence (election took 1.2 s)
    (3, 0.5, True),
    (4, 1.0, False),   # etcd's default election timeout needs a longer lease
    (5, 1.0, True),
    (1, 0.25, False),  # a 1 s lease cannot outlast a 250 ms election
    (1, 0.1, True),    # ... but a 100 ms one
    (7, 1.0, True),    # long leases (a big cluster's, as corosync's token grows): refused before the fix
    (10, 0.25, True),
    (20, 1.0, True),
    (60, 1.0, True),
])
def test_a_lease_must_outlast_an_etcd_election(ttl: int, election: float, safe: bool) -> None:
    if safe:
        t = for_ttl(ttl, election)
        assert t.self_fence_after < ttl and t.stop_budget + t.drift < t.margin
    else:
        with pytest.raises(TimingError, match=f"election timeout {election * 1000:.0f} ms"):
            for_ttl(ttl, election)


def test_each_rule_names_what_breaks_it() -> None:
    slow_calls = Timing(ttl=2, renew_every=0.7, call_timeout=0.8, margin=0.6)
    assert any("call timeout" in p for p in slow_calls.problems())
    slow_stop = Timing(ttl=2, margin=0.6, stop_budget=0.6)
    assert any("stop budget" in p for p in slow_stop.problems())
    assert Timing().problems() == []


def test_heartbeats_are_sent_six_times_per_suspicion_window() -> None:
    assert heartbeat_interval(0.3) == pytest.approx(0.05)
    assert heartbeat_interval(0.15) == pytest.approx(0.025)
    assert heartbeat_interval(1.6) == pytest.approx(0.2667, abs=1e-4)


@pytest.mark.parametrize(("args", "said"), [
    (["--etcd", "http://127.0.0.1:9"], "election timeout 1000 ms"),  # an existing etcd at its defaults
    (["--etcd", "http://127.0.0.1:9", "--ttl", "5", "--suspect-after", "0.05"], "--suspect-after 0.05 s"),
])
def test_hastackd_refuses_unsafe_timers_before_starting_anything(args: list[str], said: str) -> None:
    r = CliRunner().invoke(main, ["--node", "n1", *args])
    assert r.exit_code == 2 and said in r.output and "hint:" in r.output, r.output
    assert "Traceback" not in r.output


def test_embedded_etcd_members_run_the_election_timeout_hastackd_was_given() -> None:
    from pathlib import Path

    from hastack.etcdserver import ELECTION_MS, Member, member_command, watch_silence_s

    me = Member("h1", "https://10.0.0.1:2379", "https://10.0.0.1:2380")

    def flag(cmd: list[str], name: str) -> str:
        return cmd[cmd.index(name) + 1]

    default = member_command(me, [me], Path("/tmp/x"))
    assert flag(default, "--election-timeout") == str(ELECTION_MS) == "100"
    assert flag(default, "--heartbeat-interval") == "20"  # etcd refuses fewer than five heartbeats per election
    assert "--pre-vote" in default
    big = member_command(me, [me], Path("/tmp/x"), election_ms=500)
    assert (flag(big, "--election-timeout"), flag(big, "--heartbeat-interval")) == ("500", "100")
    # a big cluster's quiet watches hear from their member every election timeout, not ten times a second,
    # and the clients wait two and a half of those before taking the member for dead
    assert flag(default, "--experimental-watch-progress-notify-interval") == "100ms"
    assert flag(big, "--experimental-watch-progress-notify-interval") == "500ms"
    assert watch_silence_s(100) == 0.25 and watch_silence_s(500) == 1.25
    assert for_ttl(2).election == ELECTION_MS / 1000  # hastackd's timers assume what its members run
