"""rabbitmq_plan's decisions as tables: peers' reports -> form / start / join / rejoin / reset-join / wait,
cluster_status -> problems, and the monitor's grace. No mocks: the plan is pure."""

from __future__ import annotations

import pytest

from hastack.agents.builtin import rabbitmq_plan as plan
from hastack.agents.builtin.rabbitmq_plan import Peer, Report

NODES = ["n1", "n2", "n3"]
RUN123 = Report(plan.RUNNING, ("n1", "n2", "n3"))
RUN12 = Report(plan.RUNNING, ("n1", "n2"))
STOP123 = Report(plan.STOPPED, ("n1", "n2", "n3"))


@pytest.mark.parametrize("me,has_data,peers,verdict,target,words", [
    # a brand-new cluster: the first name forms it, the others wait for it, then join
    ("n1", False, [Peer("n2", None), Peer("n3", None)], plan.FORM, "", "no node was ever a member"),
    ("n2", False, [Peer("n1", None), Peer("n3", None)], plan.WAIT, "", "waiting for n1 to form it"),
    ("n2", False, [Peer("n1", Report(plan.RUNNING, ("n1",)), True), Peer("n3", None)], plan.JOIN, "n1", "no data"),
    # the first running peer by name is the one joined
    ("n3", False, [Peer("n2", RUN12, True), Peer("n1", RUN12, True)], plan.JOIN, "n1", "n1 runs the cluster"),
    # a report of `running` from a node whose broker does not answer is stale (killed with its host)
    ("n2", False, [Peer("n1", RUN123, False), Peer("n3", None)], plan.WAIT, "", "waiting for n1 (former member"),
    # a restarted member that its peers still list rejoins with its data
    ("n3", True, [Peer("n1", RUN123, True), Peer("n2", RUN123, True)], plan.REJOIN, "n1", "still lists"),
    # ... one they forgot (forget_cluster_node) is reset first
    ("n3", True, [Peer("n1", RUN12, True), Peer("n2", RUN12, True)], plan.RESET_JOIN, "n1", "no longer lists"),
    # no running peer: a node with data starts from it (RabbitMQ waits for its former peers)
    ("n2", True, [Peer("n1", STOP123), Peer("n3", RUN123, False)], plan.START, "", "from this node's data"),
    ("n3", True, [Peer("n1", None), Peer("n2", None)], plan.START, "", "from this node's data"),
    # a node with no data never forms a second cluster while former members may come back
    ("n1", False, [Peer("n2", STOP123), Peer("n3", None)], plan.WAIT, "", "would be a second one"),
    ("n1", False, [Peer("n2", STOP123), Peer("n3", STOP123)], plan.WAIT, "", "waiting for n2, n3 (former members"),
])
def test_decide(me: str, has_data: bool, peers: list[Peer], verdict: str, target: str, words: str) -> None:
    d = plan.decide(me, has_data, peers, NODES)
    assert (d.verdict, d.target) == (verdict, target), d
    assert words in d.reason, d.reason


@pytest.mark.parametrize("text,report", [
    ("running n1,n2,n3", RUN123),
    ("stopped n1,n2,n3", STOP123),
    ("running -", Report(plan.RUNNING, ())),
    ("", None), (None, None), ("primary 0000:1 safe=0", None), ("joined n1", None), ("running", None),
])
def test_report_round_trip(text: str | None, report: Report | None) -> None:
    assert plan.parse_report(text) == report
    if report is not None:
        assert plan.parse_report(plan.encode_report(report)) == report


@pytest.mark.parametrize("text,nodes,long", [
    ("n1:10.0.0.1;n2:10.0.0.2", {"n1": "10.0.0.1", "n2": "10.0.0.2"}, True),
    ("n1:rabbit1;n2:rabbit2", {"n1": "rabbit1", "n2": "rabbit2"}, False),
    ("n1:rabbit1.example.com;n2:rabbit2", {"n1": "rabbit1.example.com", "n2": "rabbit2"}, None),
    ("n1=10.0.0.1", None, None),
    ("", None, None),
    ("n1:a;n1:b", None, None),
])
def test_nodes_and_name_kind(text: str, nodes: dict[str, str] | None, long: bool | None) -> None:
    assert plan.parse_nodes(text) == nodes
    if nodes:
        assert plan.use_longnames(list(nodes.values())) is long


@pytest.mark.parametrize("cookie,ok", [("ABCDEFGHIJKLMNOPQRST", True), ("has space", False), ("x" * 256, False),
                                       ("tab\there", False), ("é-accent", False)])
def test_cookie_check_never_quotes_the_cookie(cookie: str, ok: bool) -> None:
    problem = plan.check_cookie(cookie)
    assert (problem is None) == ok
    assert problem is None or cookie not in problem


STATUS = {"running_nodes": ["rabbit@a", "rabbit@b"], "disk_nodes": ["rabbit@b", "rabbit@a", "rabbit@c"],
          "partitions": {}, "alarms": []}


@pytest.mark.parametrize("data,me,answering,words", [
    (STATUS, "rabbit@a", [], ""),
    (STATUS, "rabbit@c", [], "not among its cluster's running nodes"),
    ({**STATUS, "partitions": {"rabbit@b": ["rabbit@c"]}}, "rabbit@a", [], "partitioned (reported by rabbit@b)"),
    (STATUS, "rabbit@a", ["rabbit@c"], "rabbit@c runs but is not in this node's cluster"),
])
def test_problems_of_a_view(data: dict[str, object], me: str, answering: list[str], words: str) -> None:
    view = plan.parse_view(data)
    assert view is not None
    problem = plan.problems(view, me, answering)
    assert (problem == "") if not words else (words in problem), problem


def test_failures_and_members() -> None:
    out = "Error: this command requires the 'rabbit' app to be running on the target node."
    assert plan.classify_failure(out) == plan.APP_STOPPED
    assert "paused by pause_minority" in plan.problems(plan.APP_STOPPED, "rabbit@a", [])
    assert plan.classify_failure("Error: unable to perform an operation on node") == plan.UNREACHABLE
    assert plan.parse_view({"running": []}) is None and plan.parse_view("x") is None
    view = plan.parse_view(STATUS)
    assert view is not None and plan.members(view, {"rabbit@a": "n1", "rabbit@b": "n2"}) == ("n1", "n2", "rabbit@c")


@pytest.mark.parametrize("alive,problem,since,now,rc,kept", [
    (False, "", None, 100.0, 7, None),
    (True, "", 90.0, 100.0, 0, None),             # healthy again: the clock is cleared
    (True, "paused", None, 100.0, 0, 100.0),      # first sighting: within the grace
    (True, "paused", 90.0, 100.0, 0, 90.0),
    (True, "paused", 60.0, 100.0, 1, 60.0),       # 40 s > 30 s grace
    (True, "paused", 200.0, 100.0, 0, 100.0),     # a clock from before a reboot is not trusted
])
def test_monitor_verdict(alive: bool, problem: str, since: float | None, now: float, rc: int,
                         kept: float | None) -> None:
    v = plan.monitor_verdict(alive, problem, since, now, 30)
    assert (v.rc, v.unhealthy_since) == (rc, kept)
    assert (bool(v.reason) and problem in v.reason) == (rc == 1)


@pytest.mark.parametrize("version,mirrors", [("3.10.8", True), ("3.13.7", True), ("4.0.5", False), ("", False)])
def test_mirroring_exists_before_4(version: str, mirrors: bool) -> None:
    assert plan.mirroring_supported(version) is mirrors


@pytest.mark.parametrize("name, ok", [
    ("rabbit@10.0.0.13", True), ("rabbit@node3.example.com", True), ("rabbit@fd00::13", True),
    ("rab'bit@10.0.0.13", False), ("rabbit@10.0.0.13').\nhalt(", False), ("rabbit\\@x", False), ("", False),
])
def test_only_plain_node_names_go_into_the_disconnect_expression(name: str, ok: bool) -> None:
    assert plan.quotable_atom(name) is ok
