"""ocf:hastack:galera's decisions as tables (agents/builtin/galera_plan.py): no servers, no mocks.

Each row of START is one cluster as node n1 sees it at start: n1's own report, then its peers'
(`None`: nothing published; `+` after the phase: its Galera port answers). The expected verdict and
a word of the reason are checked, and every row is also run from every other node's point of view
to check the invariant that matters most: at most one node ever decides to bootstrap.
"""

from __future__ import annotations

import pytest

from hastack.agents.builtin import galera_plan as plan
from hastack.agents.builtin.galera_plan import BOOTSTRAP, JOIN, WAIT

U = "6d2f1a9e-3c1b-11ef-9a2e-0242ac120002"
V = "0b9c7d41-aaaa-11ef-8000-0242ac120003"
Z = plan.ZERO_UUID


def rep(text: str | None) -> tuple[plan.Report | None, bool]:
    """'recovered U:5 safe' / 'primary+ U:9' / None -> (report, port answers)."""
    if text is None:
        return None, False
    words = text.split()
    phase, reachable = words[0].rstrip("+"), words[0].endswith("+")
    position = plan.parse_position(words[1].replace("U", U).replace("V", V).replace("Z", Z))
    assert position is not None, text
    return plan.Report(phase, position, "safe" in words[2:]), reachable


def view(me: str, cluster: dict[str, str | None]) -> plan.Decision:
    mine, _ = rep(cluster[me])
    assert mine is not None
    peers = [plan.Peer(n, *rep(t)) for n, t in cluster.items() if n != me]
    return plan.decide(me, mine, peers)


START = [
    # (case, {node: report}, n1's verdict, a word of the reason)
    ("a running peer: join it",
     {"n1": "recovered U:5", "n2": "primary+ U:9", "n3": "primary+ U:9"}, JOIN, "n2, n3 are in the primary"),
    ("a stale primary report (port silent) is no cluster",
     {"n1": "recovered U:5", "n2": "primary U:9", "n3": "recovered U:4"}, WAIT, "does not answer"),
    ("a peer bootstraps: wait for it, never a second bootstrap",
     {"n1": "recovered U:9", "n2": "bootstrapping U:7", "n3": "recovered U:4"}, WAIT, "n2 to bootstrap"),
    ("full outage: the most advanced node bootstraps",
     {"n1": "recovered U:12", "n2": "recovered U:11", "n3": "recovered U:10"}, BOOTSTRAP, "most advanced"),
    ("full outage: a less advanced node waits for the best",
     {"n1": "recovered U:10", "n2": "recovered U:12", "n3": "recovered U:11"}, WAIT, "n2, the most advanced"),
    ("staggered outage: the first killed is behind, waits",
     {"n1": "recovered U:3", "n2": "recovered U:8", "n3": "recovered U:8"}, WAIT, "n2"),
    ("ties go to the first name",
     {"n1": "recovered U:8", "n2": "recovered U:8", "n3": "recovered U:8"}, BOOTSTRAP, "most advanced"),
    ("a silent peer may hold newer commits: wait",
     {"n1": "recovered U:12", "n2": "recovered U:11", "n3": None}, WAIT, "n3 to report"),
    ("unknown seqno never bootstraps, even when it sorts first",
     {"n1": "recovered U:-1", "n2": "recovered U:8", "n3": "recovered U:8"}, WAIT, "n2"),
    ("unknown seqno everywhere: wait for the operator",
     {"n1": "recovered U:-1", "n2": "recovered U:-1", "n3": "recovered U:-1"}, WAIT, "no node knows"),
    ("unknown history plus empty nodes: no new cluster over lost data",
     {"n1": "recovered Z:-1", "n2": "recovered U:-1", "n3": "recovered Z:-1"}, WAIT, "no node knows"),
    ("a new cluster: all empty, the first name bootstraps",
     {"n1": "recovered Z:-1", "n2": "recovered Z:-1", "n3": "recovered Z:-1"}, BOOTSTRAP, "new cluster"),
    ("a new cluster: wait until every node reported",
     {"n1": "recovered Z:-1", "n2": "recovered Z:-1", "n3": None}, WAIT, "n3"),
    ("empty nodes do not outrank a node with history",
     {"n1": "recovered Z:-1", "n2": "recovered U:4", "n3": "recovered Z:-1"}, WAIT, "n2, the most advanced"),
    ("safe_to_bootstrap (clean stop, last out) bootstraps without waiting for the silent",
     {"n1": "recovered U:20 safe", "n2": None, "n3": None}, BOOTSTRAP, "safe_to_bootstrap is 1"),
    ("another node's safe_to_bootstrap wins over a higher seqno here",
     {"n1": "recovered U:30", "n2": "recovered U:20 safe", "n3": "recovered U:19"}, WAIT, "n2 (safe_to_bootstrap"),
    ("safe_to_bootstrap with an unknown seqno is not safe",
     {"n1": "recovered U:-1 safe", "n2": "recovered U:7", "n3": "recovered U:6"}, WAIT, "n2"),
    ("different histories: the operator chooses",
     {"n1": "recovered U:30", "n2": "recovered V:40", "n3": "recovered U:29"}, WAIT, "different histories"),
    ("a joining peer with no primary still counts by its position",
     {"n1": "recovered U:9", "n2": "joining U:7", "n3": "recovered U:8"}, BOOTSTRAP, "most advanced"),
]


@pytest.mark.parametrize("case,cluster,verdict,word", START, ids=[c[0] for c in START])
def test_start_decision(case: str, cluster: dict[str, str | None], verdict: str, word: str) -> None:
    decision = view("n1", cluster)
    assert (decision.verdict, word in decision.reason) == (verdict, True), decision


@pytest.mark.parametrize("case,cluster,verdict,word", START, ids=[c[0] for c in START])
def test_at_most_one_node_bootstraps(case: str, cluster: dict[str, str | None], verdict: str, word: str) -> None:
    deciders = [n for n, t in cluster.items() if t is not None]
    bootstrappers = [n for n in deciders if view(n, cluster).verdict == BOOTSTRAP]
    assert len(bootstrappers) <= 1, bootstrappers
    for n in bootstrappers:  # and never a node whose position is unknown while history exists
        mine, _ = rep(cluster[n])
        assert mine is not None and (mine.position.known or all(
            r is None or r.position.fresh for r, _ in map(rep, cluster.values()))), (n, cluster)


GRASTATE_CRASHED = """# GALERA saved state
version: 2.1
uuid:    6d2f1a9e-3c1b-11ef-9a2e-0242ac120002
seqno:   -1
safe_to_bootstrap: 0
"""


@pytest.mark.parametrize("text,position,safe", [
    (GRASTATE_CRASHED, plan.Position(U, -1), False),
    (GRASTATE_CRASHED.replace("seqno:   -1", "seqno:   42").replace("bootstrap: 0", "bootstrap: 1"), plan.Position(U, 42), True),
    ("version: 2.1\nuuid: 6d2f1a9e-3c1b-11ef-9a2e-0242ac120002\n", plan.Position(U, -1), False),  # cut short
    ("uuid: not-a-uuid\nseqno: 7\nsafe_to_bootstrap: 1\n", plan.Position(Z, 7), True),
    ("", plan.Position(Z, -1), False),
])
def test_grastate(text: str, position: plan.Position, safe: bool) -> None:
    assert plan.parse_grastate(text) == plan.GraState(position, safe)


def test_setting_safe_to_bootstrap_changes_only_that_line() -> None:
    out = plan.grastate_safe_to_bootstrap(GRASTATE_CRASHED)
    assert out == GRASTATE_CRASHED.replace("safe_to_bootstrap: 0", "safe_to_bootstrap: 1")
    assert plan.grastate_safe_to_bootstrap("uuid: x\n").endswith("safe_to_bootstrap: 1\n")  # old files lack it


RECOVER_LOG = f"""2025-01-01  0:00:01 0 [Note] InnoDB: Starting crash recovery
2025-01-01  0:00:01 0 [Note] WSREP: Recovered position: {Z}:-1
2025-01-01  0:00:02 0 [Note] WSREP: Recovered position: {U}:1234
2025-01-01  0:00:02 0 [Note] /usr/sbin/mariadbd: Shutdown complete
"""


@pytest.mark.parametrize("log,position", [
    (RECOVER_LOG, plan.Position(U, 1234)),
    (f"[Note] WSREP: Recovered position: {U}:-1\n", plan.Position(U, -1)),
    ("[ERROR] InnoDB: Operating system error number 13 in a file operation.\n[ERROR] Aborting\n", None),
    ("WSREP: Recovered position: garbage\n", None),
])
def test_recovered_position(log: str, position: plan.Position | None) -> None:
    assert plan.parse_recovered(log) == position


G_CLEAN = plan.GraState(plan.Position(U, 40), False)
G_CRASHED = plan.GraState(plan.Position(U, -1), False)


@pytest.mark.parametrize("case,grastate,has_db,recovered,needs,start_from", [
    ("clean stop: grastate's seqno, no recovery", G_CLEAN, True, None, False, plan.Position(U, 40)),
    ("crash: recovery's position", G_CRASHED, True, plan.Position(U, 41), True, plan.Position(U, 41)),
    ("crash, recovery failed: unknown, history kept", G_CRASHED, True, None, True, plan.Position(U, -1)),
    ("crash, InnoDB has no checkpoint: unknown, not fresh", G_CRASHED, True, plan.Position(Z, -1), True,
     plan.Position(U, -1)),
    ("never ran Galera: fresh", None, True, plan.Position(Z, -1), True, plan.Position(Z, -1)),
    ("no database yet: fresh, nothing to recover", None, False, None, False, plan.UNKNOWN),
], ids=lambda v: v if isinstance(v, str) else "")
def test_position_to_start_from(case: str, grastate: plan.GraState | None, has_db: bool,
                                recovered: plan.Position | None, needs: bool, start_from: plan.Position) -> None:
    assert plan.needs_recovery(grastate, has_db) == needs
    assert plan.position_to_start_from(grastate, recovered) == start_from


def test_report_round_trip_and_junk() -> None:
    r = plan.Report(plan.RECOVERED, plan.Position(U, 9), True)
    assert plan.encode_report(r) == f"recovered {U}:9 safe=1"
    assert plan.parse_report(plan.encode_report(r)) == r
    for junk in (None, "", "5", f"sleeping {U}:9 safe=0", f"primary {U} safe=0", f"primary {U}:9 safe=2"):
        assert plan.parse_report(junk) is None, junk


def status(state: int = 4, cluster: str = "Primary", ready: str = "ON") -> plan.Status:
    comment = {1: "Joining", 2: "Donor/Desynced", 3: "Joined", 4: "Synced", 0: "Initialized"}[state]
    text = (f"wsrep_cluster_size\t3\nwsrep_cluster_state_uuid\t{U}\nwsrep_cluster_status\t{cluster}\n"
            f"wsrep_last_committed\t77\nwsrep_local_state\t{state}\nwsrep_local_state_comment\t{comment}\n"
            f"wsrep_ready\t{ready}\n")
    parsed = plan.parse_status(text)
    assert parsed is not None
    return parsed


def test_status_parse() -> None:
    s = status()
    assert (s.local_state, s.cluster_status, s.ready, s.cluster_size, s.position) == (4, "Primary", True, 3,
                                                                                      plan.Position(U, 77))
    assert plan.parse_status("Variable_name\tValue\n") is None  # a server without wsrep


MONITOR = [
    # (case, alive, status, promoted, unhealthy since, now, rc, kept since)
    ("not running", False, None, False, None, 100.0, 7, None),
    ("not running, was promoted", False, None, True, 50.0, 100.0, 7, None),
    ("synced member", True, status(), False, None, 100.0, 0, None),
    ("synced writer", True, status(), True, None, 100.0, 8, None),
    ("donor is still a member", True, status(2), False, None, 100.0, 0, None),
    ("back in sync clears the clock", True, status(), False, 10.0, 100.0, 0, None),
    ("joining: within the grace", True, status(1), False, None, 100.0, 0, 100.0),
    ("non-primary: within the grace keeps the first sighting", True, status(4, "non-Primary"), False, 90.0, 100.0,
     0, 90.0),
    ("writer within the grace stays promoted", True, status(3), True, 80.0, 100.0, 8, 80.0),
    ("non-primary beyond the grace: failed", True, status(4, "non-Primary"), False, 60.0, 100.0, 1, 60.0),
    ("socket silent beyond the grace: failed", True, None, False, 60.0, 100.0, 1, 60.0),
    ("not ready beyond the grace: failed", True, status(4, "Primary", "OFF"), True, 60.0, 100.0, 1, 60.0),
    ("a clock from before a reboot restarts", True, status(1), False, 500.0, 100.0, 0, 100.0),
]


@pytest.mark.parametrize("case,alive,st,promoted,since,now,rc,kept", MONITOR, ids=[m[0] for m in MONITOR])
def test_monitor_verdict(case: str, alive: bool, st: plan.Status | None, promoted: bool, since: float | None,
                         now: float, rc: int, kept: float | None) -> None:
    v = plan.monitor_verdict(alive, st, promoted, since, now, grace_s=30)
    assert (v.rc, v.unhealthy_since) == (rc, kept)
    assert bool(v.reason) == (rc == 1)


def test_only_synced_members_may_be_the_writer() -> None:
    assert plan.promotion_score(status()) == 100
    assert plan.promotion_score(status(), writer=True) == 200  # the writer keeps the role when a node rejoins
    assert [plan.promotion_score(s) for s in (status(2), status(1), status(4, "non-Primary"), None)] == [None] * 4


@pytest.mark.parametrize("address,host_map,expected", [
    ("gcomm://10.0.0.1,10.0.0.2", "", {"10.0.0.1": "10.0.0.1", "10.0.0.2": "10.0.0.2"}),
    ("gcomm://10.0.0.1,10.0.0.2", "a:10.0.0.1;b:10.0.0.2", {"a": "10.0.0.1", "b": "10.0.0.2"}),
    ("gcomm://10.0.0.1,10.0.0.2", "a:10.0.0.1", "names no node for 10.0.0.2"),
    ("gcomm://10.0.0.1", "a:10.0.0.1;b:10.0.0.9", "maps b to an address missing"),
])
def test_cluster_nodes(address: str, host_map: str, expected: dict[str, str] | str) -> None:
    addresses, parsed = plan.parse_gcomm(address), plan.parse_host_map(host_map)
    assert addresses is not None and parsed is not None
    out = plan.cluster_nodes(addresses, parsed)
    assert out == expected if isinstance(expected, dict) else expected in out


def test_bad_configuration_text() -> None:
    assert [plan.parse_gcomm(t) for t in ("10.0.0.1,10.0.0.2", "gcomm://", "gcomm://a,,b")] == [None] * 3
    assert [plan.parse_host_map(t) for t in ("a", "a:1;a:2", ":1")] == [None] * 3


# what `SELECT node_uuid, node_name, node_incoming_address FROM mysql.wsrep_cluster_members;
# SHOW GLOBAL STATUS LIKE 'wsrep_gcomm_uuid'` printed on n1 of the namespace lab (MariaDB 10.11, galera 26.4)
MEMBERS = ("6653d56b-ee6f-11f1-85bd-1f4934ece612\tn1\t10.231.61.11:0\n"
           "6a1f4a4e-ee6f-11f1-872c-022016f0d0be\tn2\t10.231.61.12:0\n"
           "723c833e-ee6f-11f1-8ea4-3b04e1ee83e0\tdb3\t10.231.61.13:3306\n"
           "wsrep_gcomm_uuid\t6653d56b-ee6f-11f1-85bd-1f4934ece612\n")
OWN = "6653d56b-ee6f-11f1-85bd-1f4934ece612"


def test_members_are_read_from_the_table_and_the_status_line_is_not_one() -> None:
    members = plan.parse_members(MEMBERS)
    assert [m.name for m in members] == ["n1", "n2", "db3"]
    assert members[2] == plan.Member("723c833e-ee6f-11f1-8ea4-3b04e1ee83e0", "db3", "10.231.61.13:3306")


@pytest.mark.parametrize("node, address, expected", [
    ("n3", "10.231.61.13", "723c833e-ee6f-11f1-8ea4-3b04e1ee83e0"),  # by address: its wsrep_node_name differs
    ("n2", "10.0.0.99", "6a1f4a4e-ee6f-11f1-872c-022016f0d0be"),  # by wsrep_node_name when no address matches
    ("n1", "10.231.61.11", None),  # never this server itself
    ("n4", "10.231.61.14", None),  # not (or no longer) a member: nothing to evict
])
def test_member_to_evict(node: str, address: str, expected: str | None) -> None:
    m = plan.member_to_evict(plan.parse_members(MEMBERS), node, address, OWN)
    assert (m.uuid if m else None) == expected


def test_member_to_evict_by_ipv6_address() -> None:
    members = [plan.Member("723c833e-ee6f-11f1-8ea4-3b04e1ee83e0", "x", "[fd00::13]:3306")]
    assert plan.member_to_evict(members, "n3", "fd00::13", OWN) == members[0]
