"""One host lost, then a second one late: the last node must not fence the peer whose etcd voter its
quorum needs (daemon.fencer.keeps_quorum).

In bench/failover.py at 0.1 s of heartbeat silence, after the power switch had fenced the victim, the
remaining survivor was silent for a moment under load; the DC fenced it, was left with one of three
etcd voters, and self-fenced: the whole cluster down for one late heartbeat. Here the survivor's hastackd
is stalled (every process but its etcd member stopped) well past the suspicion window after a first host
was fenced and stays off (stonith-action=off); the DC must refuse, and both stay members."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from labkit import loaded_lab

from hastack.cli.lab import default_config
from hastack.lab.cluster import Lab
from hastack.lab.net import Net, wait_until
from hastack.lab.trial import Checker, cluster_status, dc_host

NET = Net(prefix=f"hq{os.getpid() % 10000}", subnet="10.213.93")
VIP = NET.vip()


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Lab]:
    root = tmp_path_factory.mktemp("lab")
    config = tmp_path_factory.mktemp("config") / "off.crm"  # (the lab's directory is emptied when it starts)
    config.write_text(default_config().read_text().replace(
        "property stonith-enabled=true", "property stonith-enabled=true stonith-action=off"))
    with loaded_lab(root, NET, config) as lab:
        yield lab


def members(lab: Lab) -> list[str]:
    return list((cluster_status(lab) or {}).get("members", []))


def test_the_last_node_does_not_fence_the_peer_its_quorum_needs(lab: Lab) -> None:
    assert wait_until(lambda: lab.http_get(VIP) is not None, 30, 0.2)
    checker = Checker(lab, VIP).start()
    try:
        dc = dc_host(lab)
        assert dc is not None
        lost, late = [i for i in (1, 2, 3) if i != dc]  # the DC stays: it is the one that would fence
        lab.power_off(lost)
        assert wait_until(lambda: members(lab) == sorted(f"h{i}" for i in (dc, late)), 20, 0.2)

        lab.freeze(late, True, spare_etcd=True)  # its hastackd stalls; its etcd voter answers
        time.sleep(1.2)  # 4x the lab's suspicion window (0.3 s), within its lease (TTL 3 s)
        lab.freeze(late, False)

        log = (lab.directory / f"h{dc}" / "hastackd.log").read_text()
        assert f"not fencing h{late}: etcd would keep 1 of 3 voters" in log
        assert lab.pids(late), f"h{late} was powered off"
        assert wait_until(lambda: members(lab) == sorted(f"h{i}" for i in (dc, late)), 15, 0.2)
        assert wait_until(lambda: lab.http_get(VIP) is not None, 20, 0.2)  # the service is up again
        assert "self-fenc" not in (lab.directory / f"h{dc}" / "hastackd.log").read_text()
    finally:
        checker.stop()
        lab.power_on(lost)
    assert checker.violations == [], checker.violations
