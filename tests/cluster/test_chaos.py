"""Chaos in the lab: 50 random faults, a checker on every host every ~50 ms, never two copies.

The lab runs the demo's configuration (the Guide's API group, and its MySQL group on the promoted side
of a Stateful clone), so the checker watches two VIPs and two servers. Faults (lab.chaos): power
loss, freeze/thaw, partitions isolating the DC, the etcd leader or any host, either server killed
behind the agent's back, hastackd killed alone, an etcd member killed. After the last fault both
services must answer and the cluster must have converged within the budget. The seed is printed so
a failure can be replayed with `hastack lab chaos --seed N` (on `hastack lab up --guide`). About 4
minutes; `./run test -m chaos` runs it alone, `hastack lab chaos --faults 1000` is the soak.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from labkit import keep_logs, loaded_lab

from hastack.cli.lab import guide_config
from hastack.lab.chaos import FAULTS, Chaos, Service
from hastack.lab.cluster import Lab
from hastack.lab.net import Net, wait_until

NET = Net(prefix=f"hc{os.getpid() % 10000}", subnet="10.213.92")  # unique: runs may overlap
VIP = NET.vip()
SERVICES = [Service(VIP, 8080, "http.server 8080"), Service(f"{NET.subnet}.101", 3306, "http.server 3306")]
FAULT_COUNT = 50
BUDGET_S = 20.0


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Lab]:
    with loaded_lab(tmp_path_factory.mktemp("chaos-lab"), NET, guide_config()) as lab:
        yield lab


@pytest.mark.chaos
def test_fifty_random_faults_never_two_copies_and_the_service_recovers(lab: Lab) -> None:
    assert wait_until(lambda: lab.http_get(VIP) is not None, 30, 0.2)
    seed = int(time.time())
    print(f"chaos seed {seed}")
    report = Chaos(lab, SERVICES, seed, say=print).run(FAULT_COUNT, BUDGET_S)
    assert sum(report.faults.values()) == FAULT_COUNT
    assert len(report.faults) >= len(FAULTS) // 2, report.faults  # a varied run, not one fault fifty times
    assert report.samples > 1000  # the checker really watched
    if report.violations or report.recovered_s is None:
        kept = keep_logs(lab.directory, Path("/var/tmp/hastack-chaos-failures") / str(seed))
        assert report.violations == [], f"seed {seed} (logs: {kept}): " + "; ".join(report.violations[:5])
        assert report.recovered_s is not None, \
            f"seed {seed} (logs: {kept}): not converged {BUDGET_S} s after the last fault:\n" + \
            lab.hastack("status", check=False)
