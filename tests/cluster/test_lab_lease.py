"""Lease-only recovery in the lab: no fence device, a 2 s lease (hastackd's default), real etcd members.

The holder of the VIP + web group loses power; nothing can confirm it is off,
so the survivors wait until its lease has run out -- by which time the victim,
had it lived, would have stopped everything itself (its self-fence deadline
comes a margin earlier). The DC revokes the lease as soon as LeaseTimeToLive
proves it ran out (daemon.expiry), or etcd's own expiry round does. Then the
group starts on a survivor. A checker polls every host every 50 ms and must
never see the VIP or the web server on two hosts. Then the etcd leader's host
loses power: no survivor may lose its lease meanwhile (a 2 s lease must outlast
etcd's election: daemon.timing), and the service is still served.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from labkit import loaded_lab

from hastack.cli.lab import default_config
from hastack.lab.cluster import Lab
from hastack.lab.net import Net, wait_until
from hastack.lab.trial import Checker, etcd_leader, holder, members, run_trial

NET = Net(prefix=f"hl{os.getpid() % 10000}", subnet="10.213.89")  # unique: runs may overlap
VIP = NET.vip()


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Lab]:
    with loaded_lab(tmp_path_factory.mktemp("lab"), NET, default_config(fencing=False), ttl=2) as lab:
        yield lab


@pytest.fixture(scope="module")
def checker(lab: Lab) -> Iterator[Checker]:
    c = Checker(lab, VIP).start()
    yield c
    c.stop()
    assert c.violations == [], c.violations


def logs(lab: Lab) -> str:
    return "\n".join(p.read_text() for p in sorted(lab.directory.glob("h*/hastackd.log")))


def test_power_loss_without_a_fence_device_recovers_once_the_lease_ran_out(lab: Lab, checker: Checker,
                                                                          tmp_path: Path) -> None:
    assert wait_until(lambda: lab.http_get(VIP) is not None, 60, 0.2)
    trial = run_trial(lab, VIP, tmp_path)
    assert trial.failover_s is not None, "no survivor answered through the VIP"
    assert trial.served_by != f"h{trial.victim}"
    # recovered through the lease: nothing was fenced, and the lease was revoked by the DC's proof of its
    # expiry or by etcd itself (whichever came first; both only after the victim's self-fence deadline)
    assert "fencing it" not in logs(lab)
    assert not (lab.directory / "pdu.log").exists() or not (lab.directory / "pdu.log").read_text().strip()
    if "revoking it now rather than at etcd's next expiry round" in logs(lab):
        # the DC proved the expiry: it announced the departure, and every survivor's notifier decided on it
        # (the lab runs no tier resource: nothing to tell, but the sentence says the record arrived)
        said = f"h{trial.victim} gone (lease-expired): no local resource to tell"
        assert wait_until(lambda: logs(lab).count(said) >= 2, 5, 0.1), "the survivors' notifiers never heard"
        print(f"\nboth survivors' notifiers: {said}")


def seen(lab: Lab) -> tuple[list[int], int | None]:
    """(members, VIP holder) now -- what the waits below compare, kept for their failure message."""
    SEEN[:] = [(sorted(members(lab)), holder(lab, VIP))]
    return SEEN[0]


SEEN: list[tuple[list[int], int | None]] = []


def test_the_etcd_leaders_death_costs_no_survivor_its_lease(lab: Lab, checker: Checker) -> None:
    assert wait_until(lambda: (s := seen(lab))[0] == [1, 2, 3] and s[1] is not None, 90, 0.5), SEEN
    leader = etcd_leader(lab)
    assert leader is not None
    before = logs(lab).count("self-fencing")
    lab.power_off(leader)
    try:
        assert wait_until(lambda: (h := holder(lab, VIP)) is not None and h != leader
                          and lab.http_get(VIP) is not None, 30, 0.1)
        survivors = [i for i in (1, 2, 3) if i != leader]
        assert wait_until(lambda: seen(lab)[0] == survivors, 30, 0.2), SEEN
        assert logs(lab).count("self-fencing") == before, "a survivor lost its lease while etcd elected"
    finally:
        lab.power_on(leader)
