"""ocf:hastack:galera with real MariaDB 10.11 + galera-4 servers in three network namespaces.

The test plays the cluster manager (galerakit.GaleraLab): it runs the agent's actions per node, in
parallel where a clone's instances would run in parallel, against a real etcd that holds the node
attributes. The tests build on each other in file order, as one cluster's life: formation; one
node killed and rejoined; one node cut off until its monitor fails, then rejoined; every node
killed at once; a staggered outage; a node whose position cannot be recovered. Rows with known
ids are written before each fault and must all be there after it. About a minute and a half.
"""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
from galerakit import GaleraLab, verdict_of

from hastack.agents.builtin import galera_plan as plan
from hastack.lab.net import wait_until

MEASURED: dict[str, float] = {}  # printed at the end (-s): what README quotes


@pytest.fixture(scope="module")
def lab() -> Iterator[GaleraLab]:
    g = GaleraLab().up()
    try:
        yield g
    finally:
        g.down()
        print("\ngalera timings:", ", ".join(f"{k} {v:.1f} s" for k, v in MEASURED.items()))


def started(results: dict[int, tuple[int, str]]) -> dict[int, str]:
    """{node: bootstrap|join} after asserting that every start succeeded."""
    for i, (rc, err) in results.items():
        assert rc == 0, f"n{i} start rc {rc}: {err}"
    print("".join(f"n{i}: {err}" for i, (_, err) in results.items()))
    return {i: verdict_of(err) for i, (_, err) in results.items()}


def recovered_position(err: str) -> plan.Position:
    word = err.split("position ", 1)[1].split()[0]
    pos = plan.parse_position(word)
    assert pos is not None, err
    return pos


def test_formation_one_bootstraps_two_join_and_one_writer(lab: GaleraLab) -> None:
    t = time.monotonic()
    verdicts = started(lab.run_all("start"))
    MEASURED["formation of 3"] = time.monotonic() - t
    assert sorted(verdicts.values()) == ["bootstrap", "join", "join"], verdicts
    assert {lab.status(i, "wsrep_cluster_size") for i in (1, 2, 3)} == {"3"}
    assert {lab.status(i, "wsrep_local_state_comment") for i in (1, 2, 3)} == {"Synced"}
    assert lab.run(1, "promote")[0] == 0
    assert [lab.run(i, "monitor")[0] for i in (1, 2, 3)] == [8, 0, 0]
    report = plan.parse_report(lab.attribute(2, "galera-p_galera", "n3"))
    assert report is not None and report.phase == plan.PRIMARY
    assert lab.attribute(2, "master-p_galera", "n3") == "100"  # any synced node may become the writer
    assert lab.attribute(2, "master-p_galera", "n1") == "200"  # the writer keeps the role against a tie
    lab.write_rows(1, range(1, 101))
    assert lab.row_ids(3) == set(range(1, 101))


def test_killed_node_rejoins_by_ist(lab: GaleraLab) -> None:
    lab.kill(3)
    assert lab.run(3, "monitor")[0] == 7
    lab.write_rows(1, range(101, 201))  # committed while n3 is down
    assert lab.run(3, "stop")[0] == 0
    t = time.monotonic()
    verdicts = started(lab.run_all("start", (3,)))
    MEASURED["rejoin after SIGKILL"] = time.monotonic() - t
    assert verdicts == {3: "join"}
    assert "IST received" in lab.log(3), "the rejoin should be an IST, not a full SST"
    assert lab.row_ids(3) == set(range(1, 201))
    assert lab.run(3, "monitor")[0] == 0


def test_cut_off_node_fails_its_monitor_after_the_grace_then_rejoins(lab: GaleraLab) -> None:
    lab.net.link(2, False)
    t = time.monotonic()
    assert wait_until(lambda: lab.status(2, "wsrep_cluster_status") != "Primary", 20, 0.2)
    assert lab.run(2, "monitor", sync_grace="3")[0] == 0  # first sighting: within the grace
    assert wait_until(lambda: lab.run(2, "monitor", sync_grace="3")[0] == 1, 20, 0.5)
    MEASURED["cut-off node's monitor fails"] = time.monotonic() - t
    rc, err = lab.run(2, "monitor", sync_grace="3")
    assert rc == 1 and "non-Primary" in err
    lab.net.link(2, True)
    assert lab.run(2, "stop")[0] == 0  # the cluster's recovery: stop, then start
    assert started(lab.run_all("start", (2,))) == {2: "join"}
    lab.write_rows(1, range(201, 211))
    assert lab.row_ids(2) == set(range(1, 211))


def test_every_node_killed_at_once_recovers_from_the_most_advanced(lab: GaleraLab) -> None:
    history = lab.status(1, "wsrep_cluster_state_uuid")
    lab.write_rows(1, range(211, 311))
    lab.kill(1, 2, 3)  # no stop: a power loss leaves each node's "primary" report behind
    assert [lab.run(i, "monitor")[0] for i in (1, 2, 3)] == [7, 7, 7]
    t = time.monotonic()
    results = lab.run_all("start")
    MEASURED["recovery, all killed at once"] = time.monotonic() - t
    verdicts = started(results)
    positions = {i: recovered_position(err) for i, (_, err) in results.items()}
    assert all(p.known and p.uuid == history for p in positions.values()), positions
    boot = [i for i, v in verdicts.items() if v == "bootstrap"]
    assert len(boot) == 1 and positions[boot[0]].seqno == max(p.seqno for p in positions.values()), (verdicts,
                                                                                                  positions)
    assert {lab.status(i, "wsrep_cluster_state_uuid") for i in (1, 2, 3)} == {history}  # no new history
    assert all(lab.row_ids(i) == set(range(1, 311)) for i in (1, 2, 3))


def test_staggered_outage_bootstraps_from_the_survivors_and_loses_nothing(lab: GaleraLab) -> None:
    lab.kill(3)
    lab.write_rows(1, range(311, 411))  # n3 never sees these before the others die
    lab.kill(1, 2)
    t = time.monotonic()
    results = lab.run_all("start")
    MEASURED["recovery, staggered"] = time.monotonic() - t
    verdicts = started(results)
    positions = {i: recovered_position(err) for i, (_, err) in results.items()}
    assert positions[3].seqno < min(positions[1].seqno, positions[2].seqno), positions
    assert verdicts[3] == "join" and sorted(verdicts.values()) == ["bootstrap", "join", "join"], verdicts
    assert "IST received" in lab.log(3)
    assert all(lab.row_ids(i) == set(range(1, 411)) for i in (1, 2, 3))


def test_node_with_unknown_seqno_never_bootstraps(lab: GaleraLab) -> None:
    # All killed together after a quiet moment: equal seqnos, so the tie would go to n1, the first
    # name. n1's InnoDB is made unreadable: --wsrep-recover finds no position there.
    lab.write_rows(1, range(411, 421))
    lab.kill(1, 2, 3)
    ibdata = lab.node_dir(1) / "data" / "ibdata1"
    mode = ibdata.stat().st_mode
    ibdata.chmod(0)
    try:
        results = lab.run_all("start")
    finally:
        ibdata.chmod(mode)
    assert recovered_position(results[1][1]).seqno == -1
    assert results[1][0] != 0 and verdict_of(results[1][1]) != "bootstrap", results[1]
    assert {verdict_of(results[2][1]), verdict_of(results[3][1])} == {"bootstrap", "join"}
    assert results[2][0] == results[3][0] == 0, results
    assert lab.run(1, "stop")[0] == 0
    assert started(lab.run_all("start", (1,))) == {1: "join"}
    assert all(lab.row_ids(i) == set(range(1, 421)) for i in (1, 2, 3))
