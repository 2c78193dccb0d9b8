"""A two-node cluster's witness is a real third voter: with it, either node alone keeps quorum; without
both the witness and one node, nobody does. Real etcd members on loopback addresses, started as hastackd
and `hastack witness` start them (daemon.etcdmember)."""

from __future__ import annotations

from pathlib import Path

import pytest

from hastack.daemon.etcdmember import LocalMember, plan
from hastack.etcdserver import wait_ready
from hastack.store.etcdclient import EtcdClient
from hastack.store.port import StoreError

NODES = [("n1", "127.0.0.31"), ("n2", "127.0.0.32")]
WITNESS = [("w", "127.0.0.33")]


def test_the_witness_keeps_quorum_for_the_node_that_reaches_it(tmp_path: Path) -> None:
    members = {name: LocalMember(plan(name, NODES, WITNESS, tls=False), tmp_path / name / "etcd", None)
               for name in ("n1", "n2", "w")}
    for m in members.values():
        m.start()
    try:
        p = plan("n1", NODES, WITNESS, tls=False)
        client = EtcdClient(p.endpoints_for("n1"), timeout=2.0)
        wait_ready(client, 30)
        assert len(client.members()) == 3

        members["n2"].stop()  # one node lost: n1 + witness are a majority
        client.put("/w/still", "1", timeout=5.0)
        assert client.get("/w/still") is not None

        members["w"].stop()  # n1 alone: no quorum, no write
        with pytest.raises(StoreError):
            client.put("/w/alone", "1", timeout=2.0)
    finally:
        for m in members.values():
            m.stop()
