"""ocf:hastack:rabbitmq with real RabbitMQ 3.10 brokers in three network namespaces.

The test plays the cluster manager (rabbitkit.RabbitLab): it runs the agent's actions per node, in
parallel where a clone's instances would, against a real etcd holding the node attributes. The tests
build on each other in file order, as one cluster's life: formation with a quorum queue used through
publisher confirms; a SIGKILLed node rejoining with its data; a node cut off, paused by
pause_minority and back by itself when the link returns; a node its peers forgot, reset and joined.
Messages with known ids are published before each fault and must all be consumed after it.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator

import pytest
from rabbitkit import RabbitLab, verdict_of

from hastack.lab.net import wait_until

MEASURED: dict[str, float] = {}  # printed at the end (-s): what README quotes
QUEUE = "orders"


@pytest.fixture(scope="module")
def lab() -> Iterator[RabbitLab]:
    r = RabbitLab().up()
    try:
        yield r
    finally:
        r.down()
        print("\nrabbitmq timings:", ", ".join(f"{k} {v:.1f} s" for k, v in MEASURED.items()))


def started(results: dict[int, tuple[int, str]]) -> dict[int, str]:
    """{node: verdict} after asserting that every start succeeded."""
    for i, (rc, err) in results.items():
        assert rc == 0, f"n{i} start rc {rc}: {err}"
    print("".join(f"n{i}: {err}" for i, (_, err) in results.items()))
    return {i: verdict_of(err) for i, (_, err) in results.items()}


def running_nodes(lab: RabbitLab, i: int) -> set[str]:
    out = lab.ctl(i, "cluster_status", "--formatter", "json")
    return set(json.loads(out[out.find("{"):])["running_nodes"])


def quorum_members(lab: RabbitLab, i: int) -> set[str]:
    """The Raft members of QUEUE; fails unless it is a quorum queue. (`rabbitmqctl list_queues` hung for
    60 s in every form tried on this 3.10 lab, while quorum_status answers in ~2 s.)"""
    out = lab.ctl(i, "quorum_status", QUEUE, tool="rabbitmq-queues")
    return {lab.erlang(k) for k in (1, 2, 3) if lab.erlang(k) in out}


def test_formation_quorum_queue_by_default_publish_confirmed_and_consumed(lab: RabbitLab) -> None:
    t = time.monotonic()
    verdicts = started(lab.run_all("start"))
    MEASURED["formation of 3"] = time.monotonic() - t
    assert sorted(verdicts.values()) == ["form", "join", "join"] and verdicts[1] == "form", verdicts
    assert running_nodes(lab, 2) == {lab.erlang(i) for i in (1, 2, 3)}
    assert [lab.run(i, "monitor")[0] for i in (1, 2, 3)] == [0, 0, 0]
    assert lab.attribute(2, "rabbitmq-p_rabbit", "n3") == "running n1,n2,n3"
    assert "/\tquorum" in lab.ctl(1, "list_vhosts", "name", "default_queue_type", "--no-table-headers")
    assert "ha-mode" in lab.ctl(2, "list_policies", "--no-table-headers")  # 3.10 still mirrors classic queues
    assert lab.client("publish", lab.net.host_ip(1), QUEUE, "1", "100") == "100"
    # declared durable with no x-queue-type: the vhost's default made it a quorum queue on all three
    assert quorum_members(lab, 3) == {lab.erlang(i) for i in (1, 2, 3)}
    assert lab.client("consume", lab.net.host_ip(3), QUEUE).split() == [str(k) for k in range(1, 101)]


def test_killed_node_rejoins_with_its_data(lab: RabbitLab) -> None:
    lab.kill(3)
    assert lab.run(3, "monitor")[0] == 7
    assert lab.attribute(1, "rabbitmq-p_rabbit", "n3") == "running n1,n2,n3"  # stale: start probes the port
    t = time.monotonic()
    assert lab.client("publish", lab.net.host_ip(1), QUEUE, "101", "50") == "50"  # 2 of 3: a quorum
    MEASURED["confirmed publish with n3 killed"] = time.monotonic() - t
    assert lab.run(3, "stop")[0] == 0
    assert lab.attribute(1, "rabbitmq-p_rabbit", "n3") == "stopped n1,n2,n3"  # still a member, with its data
    t = time.monotonic()
    assert started(lab.run_all("start", (3,))) == {3: "rejoin"}
    MEASURED["rejoin after SIGKILL"] = time.monotonic() - t
    assert running_nodes(lab, 1) == {lab.erlang(i) for i in (1, 2, 3)}
    assert lab.run(3, "monitor")[0] == 0
    assert lab.client("consume", lab.net.host_ip(3), QUEUE).split() == [str(k) for k in range(101, 151)]


def test_cut_off_node_is_paused_then_comes_back_by_itself(lab: RabbitLab) -> None:
    lab.net.link(3, False)
    t = time.monotonic()
    # pause_minority: n3 alone stops its rabbit application once net_ticktime (10 s) declares its peers gone
    assert wait_until(lambda: lab.run(3, "monitor", partition_grace="2")[0] == 1, 60, 1.0)
    MEASURED["cut-off node paused, monitor fails (grace 2 s)"] = time.monotonic() - t
    rc, err = lab.run(3, "monitor", partition_grace="2")
    assert rc == 1 and "paused by pause_minority" in err, err
    assert lab.client("publish", lab.net.host_ip(2), QUEUE, "151", "20") == "20"  # the majority serves
    lab.net.link(3, True)
    t = time.monotonic()
    assert wait_until(lambda: lab.run(3, "monitor", partition_grace="2")[0] == 0, 60, 1.0)
    MEASURED["back by itself after the link returns"] = time.monotonic() - t
    assert running_nodes(lab, 3) == {lab.erlang(i) for i in (1, 2, 3)}
    assert lab.client("consume", lab.net.host_ip(3), QUEUE).split() == [str(k) for k in range(151, 171)]


def test_forgotten_node_is_reset_and_joins(lab: RabbitLab) -> None:
    assert lab.run(3, "stop")[0] == 0
    lab.ctl(1, "forget_cluster_node", lab.erlang(3))
    assert lab.erlang(3) not in quorum_members(lab, 1)
    t = time.monotonic()
    assert started(lab.run_all("start", (3,))) == {3: "reset-join"}
    MEASURED["reset and join of a forgotten node"] = time.monotonic() - t
    assert running_nodes(lab, 2) == {lab.erlang(i) for i in (1, 2, 3)}
    assert lab.erlang(3) in quorum_members(lab, 1), "the rejoined node should be a quorum member again"
    assert lab.client("publish", lab.net.host_ip(3), QUEUE, "171", "10") == "10"
    assert lab.client("consume", lab.net.host_ip(1), QUEUE).split() == [str(k) for k in range(171, 181)]
