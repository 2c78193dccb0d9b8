"""No acknowledged write lost in the active/active tier under real faults (Jepsen's set check).

One tier lab for the module (lab.tier: real hastackd, etcd, MariaDB + galera-4 with
innodb_flush_log_at_trx_commit=1 and sync_binlog=1, RabbitMQ 3.10 with a quorum queue, HAProxy
routing MySQL to the promoted Galera node only, memcached, an API service) on 3 controllers. Clients
in the client namespace write one autocommit INSERT at a time through the VIP and publish with
publisher confirms, while the controllers suffer three faults, one at a time, each healed and
recovered from: a power loss of the Galera writer, a freeze (SIGSTOP of every process) and a
partition (switch port down, processes running) -- the order from a fixed seed. At the end every
acknowledged row and every confirmed message must be present exactly once, nothing may appear that
no client wrote, and the three Galera replicas must hold the same rows.

Bounded for CI: 3 faults of 6-12 s, ~4 minutes with the tier's formation. The soak is
`hastack lab jepsen --faults N`.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from hastack.lab.cluster import Lab
from hastack.lab.jepsen import KINDS, Report, Run, plan, summary
from hastack.lab.net import Net
from hastack.lab.tier import start_tier, wait_ready

NET = Net(prefix="hstj", subnet="10.213.161")  # one prefix: a dead run's namespaces are cleared at start
WORK = Path("/var/tmp/hastack-tier-jepsen")  # not pytest's tmp: mysqld (user mysql) must traverse it
SEED = 12
# The module's one lab forms in 2-4 minutes on the shared CPUs and the faults take as long: the first
# test pays for both (pytest's default of 300 s is per test, fixtures included).
pytestmark = pytest.mark.timeout(900)


@pytest.fixture(scope="module")
def lab() -> Iterator[Lab]:
    shutil.rmtree(WORK, ignore_errors=True)
    lab = start_tier(WORK, NET)
    try:
        wait_ready(lab, 420)
        yield lab
    finally:
        lab.down()


@pytest.fixture(scope="module")
def report(lab: Lab, tmp_path_factory: pytest.TempPathFactory) -> Report:
    faults = plan(SEED, 3)
    assert sorted(f.kind for f in faults) == sorted(KINDS)
    r = Run(lab, SEED, tmp_path_factory.mktemp("jepsen"), say=print).go(faults)
    print("\n".join(summary(r)))
    return r


def test_every_fault_was_survived_and_the_tier_came_back(report: Report) -> None:
    assert [a.fault.kind for a in report.applied] == [f.kind for f in plan(SEED, 3)]
    assert all(a.recovered_s is not None for a in report.applied), [(a.fault, a.recovered_s) for a in report.applied]


def test_every_acknowledged_write_and_confirmed_message_is_there_exactly_once(report: Report) -> None:
    assert [v.kind for v in report.verdicts] == ["mysql", "amqp"]
    for v in report.verdicts:
        assert v.ok, v.sentence()
        assert v.acknowledged >= 50, v.sentence()  # the clients really wrote throughout


def test_the_galera_replicas_hold_the_same_rows(report: Report) -> None:
    rows = report.node_rows
    assert sorted(rows) == [1, 2, 3] and len(set(rows.values())) == 1, rows
    mysql = report.verdicts[0]
    assert rows[1] == mysql.present  # one row per id: no duplicate hidden in a replica


def test_the_clients_saw_errors_only_during_faults_and_answers_after(report: Report) -> None:
    last_heal = max(a.at + a.fault.hold_s + (a.recovered_s or 0) for a in report.applied)
    for kind in ("mysql-write", "amqp", "http"):
        after = [e for e in report.events if e.kind == kind and e.t > last_heal]
        assert after and all(e.ok for e in after), (kind, [e for e in after if not e.ok][:3])
