"""node-gone with real Galera servers: a proven departure ends the write stall at once.

Three MariaDB 10.11 + galera-4 servers in network namespaces (galerakit, formed straight from their
my.cnf), with `evs.suspect_timeout=PT30S`: left to itself, Galera would hold every commit for 30 s
after a member's power loss. The test plays hastackd's notifier on both survivors (AgentLab.tell_gone: the
same decision, request and executor, in each survivor's namespace) once the death is proven, and the blocked write returns.
About a minute, most of it the formation.
"""

from __future__ import annotations

import subprocess
import time
from collections.abc import Iterator

import pytest
from galerakit import MY_CNF, GaleraLab

from hastack.lab.net import wait_until

LONG_TIMERS = "gcache.size=16M;evs.suspect_timeout=PT30S;evs.inactive_timeout=PT60S"


class SlowToSuspect(GaleraLab):
    base, subnet = "hsng", "10.231.61"  # hastack node-gone

    def prepare(self) -> None:
        super().prepare()
        for i in (1, 2, 3):
            cnf = self.node_dir(i) / "my.cnf"
            cnf.write_text(cnf.read_text().replace(MY_CNF.split('wsrep_provider_options="')[1].split('"')[0],
                                                   LONG_TIMERS))


@pytest.fixture(scope="module")
def lab() -> Iterator[SlowToSuspect]:
    g = SlowToSuspect().up()
    try:
        g.form_directly()
        yield g
    finally:
        g.down()


def test_a_proven_departure_ends_the_write_stall_at_once(lab: SlowToSuspect) -> None:
    assert {lab.status(i, "wsrep_cluster_size") for i in (1, 2, 3)} == {"3"}
    lab.write_rows(1, range(1, 11))
    lab.executor(1), lab.executor(2)  # hastackd's run from its start: their fork servers are up
    lab.net.link(3, False)  # the power loss of n3: its link, then its process
    lab.kill(3)
    write = subprocess.Popen(["mariadb", "--no-defaults", f"--socket={lab.node_dir(1) / 'run' / 'mysqld.sock'}",
                              "-e", "INSERT INTO t.r VALUES (11, 'x')"], stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True)
    time.sleep(3.0)
    assert write.poll() is None, "the write should wait for Galera's 30 s suspect timeout"
    t = time.monotonic()
    results = lab.tell_gone(1, 3)
    assert [rc for rc, _ in results] == [0], results
    write.wait(timeout=20)
    took = time.monotonic() - t
    print(f"\nthe blocked write returned {took:.2f} s after node-gone began on n1 (hastackd's executor)")
    assert write.returncode == 0, write.stderr
    assert took < 3.0
    # n2 is told too (hastackd runs it on every survivor): the eviction has reached it already
    assert [rc for rc, _ in lab.tell_gone(2, 3)] == [0]
    assert wait_until(lambda: {lab.status(i, "wsrep_cluster_size") for i in (1, 2)} == {"2"}, 5, 0.2)
    assert {lab.status(i, "wsrep_cluster_status") for i in (1, 2)} == {"Primary"}
    t = time.monotonic()
    lab.write_rows(2, range(12, 22))  # and the other survivor commits with no wait
    assert time.monotonic() - t < 1.0
    assert lab.row_ids(1) == set(range(1, 22))


def test_node_gone_about_a_member_that_is_not_there_changes_nothing(lab: SlowToSuspect) -> None:
    results = lab.tell_gone(1, 3)  # n3 is evicted already: idempotent
    assert [rc for rc, _ in results] == [0], results
    assert lab.status(1, "wsrep_cluster_size") == "2"
