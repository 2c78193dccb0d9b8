"""Before fencing, a node asks which etcd voters answer (EtcdClient.voters_answering) and fences only if a
quorum survives without the target (daemon.fencer.keeps_quorum): a real 3-member etcd on loopback."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from hastack.daemon.fencer import keeps_quorum
from hastack.etcdserver import Member, start_member, stop, wait_ready
from hastack.store.etcdclient import EtcdClient
from tests.etcd_fixture import free_port


@pytest.fixture
def three(tmp_path: Path) -> Iterator[tuple[list[Member], list]]:  # type: ignore[type-arg]
    members = [Member(f"h{i}", f"http://127.0.0.1:{free_port()}", f"http://127.0.0.1:{free_port()}")
               for i in (1, 2, 3)]
    procs = [start_member(m, members, tmp_path / m.name, tuned=False, log=tmp_path / f"{m.name}.log")
             for m in members]
    try:
        client = EtcdClient([m.client_url for m in members])
        try:
            wait_ready(client)
        finally:
            client.close()
        yield members, procs
    finally:
        for p in procs:
            stop(p)


def test_with_one_host_down_its_peer_is_not_fenced_but_the_dead_one_is(three) -> None:  # type: ignore[no-untyped-def]
    members, procs = three
    client = EtcdClient([m.client_url for m in members])
    try:
        all_up = client.voters_answering()
        assert all_up == {"h1": True, "h2": True, "h3": True}
        assert keeps_quorum("h2", all_up)  # the first loss: two voters stay

        procs[2].kill()  # h3 lost power
        procs[2].wait()
        deadline = time.monotonic() + 10
        seen = client.voters_answering(skip="h2")
        while seen.get("h3") and time.monotonic() < deadline:
            time.sleep(0.1)
            seen = client.voters_answering(skip="h2")
        assert seen == {"h1": True, "h2": False, "h3": False}  # h2 not asked: it counts as off
        assert not keeps_quorum("h2", seen)  # fencing h2 too would leave h1 alone, without a quorum
        listed = client.members()  # (the fencer passes the list it read at its last refresh)
        assert keeps_quorum("h3", client.voters_answering(skip="h3", members=listed))  # the dead one: h1 + h2 stay
    finally:
        client.close()


def test_keeps_quorum_counts_only_answering_voters_other_than_the_target() -> None:
    five = {"a": True, "b": True, "c": True, "d": False, "e": False}
    assert not keeps_quorum("a", five)  # b, c: 2 of 5
    assert keeps_quorum("d", five)  # a, b, c: 3 of 5
    assert keeps_quorum("x", five)  # a non-voter: 3 of 5 answer either way
    assert not keeps_quorum("x", {**five, "c": False})
    assert not keeps_quorum("a", {})  # no voter listed: nothing to keep
