"""ocf:hastack:memcached with the real memcached in network namespaces (three controllers and a client), and
an OpenStack-style client (pymemcache's HashClient, as oslo.cache's dogpile.cache.pymemcache backend builds it,
with the README's settings): when one memcached dies the client misses, it does not fail."""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from lbnet import Lab, in_netns, lab
from pymemcache.client.hash import HashClient

SUBNET = "10.213.152"


def params(lb: Lab, i: int, tmp: Path) -> dict[str, str]:
    return {"listen": lb.ip(i), "memory": "16", "pidfile": f"{tmp}/mc{i}.pid", "logfile": f"{tmp}/mc{i}.log"}


@pytest.fixture(scope="module")
def rig(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Lab, Path]]:
    tmp = tmp_path_factory.mktemp("memcached")
    with lab(SUBNET, 3) as lb:
        try:
            for i in (1, 2, 3):
                rc, err = lb.agent(i, "memcached", "start", params(lb, i, tmp), "mc:0")
                assert rc == 0, err
            yield lb, tmp
        finally:
            for i in (1, 2, 3):
                lb.agent(i, "memcached", "stop", params(lb, i, tmp), "mc:0")


def client(lb: Lab) -> HashClient:
    # README's [cache] settings, as the pymemcache backend passes them on: memcache_servers (every
    # controller), memcache_socket_timeout=1, dead_timeout=60 (memcache_dead_retry), hashclient_retry_attempts=0
    return HashClient([(lb.ip(i), 11211) for i in (1, 2, 3)], connect_timeout=1, timeout=1, retry_attempts=0,
                      retry_timeout=1, dead_timeout=60, ignore_exc=True)


def test_start_monitor_and_a_busy_port(rig: tuple[Lab, Path]) -> None:
    lb, tmp = rig
    for i in (1, 2, 3):
        assert lb.agent(i, "memcached", "monitor", params(lb, i, tmp), "mc:0")[0] == 0
    # a second instance on a port the first holds: memcached -d would exit 0 here; this start fails, saying why
    busy = {**params(lb, 1, tmp), "pidfile": f"{tmp}/busy.pid", "logfile": f"{tmp}/busy.log"}
    rc, err = lb.agent(1, "memcached", "start", busy, "mc:9")
    assert rc == 1 and "did not come up" in err and "Address already in use" in err
    assert lb.agent(1, "memcached", "monitor", busy, "mc:9")[0] == 7  # not taken for the other's memcached


def test_bad_parameters_are_rc_6(rig: tuple[Lab, Path]) -> None:
    lb, tmp = rig
    rc, err = lb.agent(1, "memcached", "start", {"pidfile": f"{tmp}/x.pid"}, "mc:5")
    assert rc == 6 and "missing required parameter(s): listen" in err
    rc, err = lb.agent(1, "memcached", "start", {**params(lb, 1, tmp), "port": "99999"}, "mc:5")
    assert rc == 6 and "port must be a positive whole number up to 65535" in err


def test_a_dead_memcached_means_misses_not_errors(rig: tuple[Lab, Path]) -> None:
    lb, tmp = rig
    keys = [f"token-{k}" for k in range(60)]

    def before() -> int:
        c = client(lb)
        for k in keys:
            c.set(k, b"v")
        hits = sum(c.get(k) is not None for k in keys)
        c.close()
        return hits
    assert in_netns(lb.net.client, before) == 60
    os.kill(int(Path(f"{tmp}/mc2.pid").read_text()), signal.SIGKILL)
    assert lb.agent(2, "memcached", "monitor", params(lb, 2, tmp), "mc:0")[0] == 7

    def after() -> tuple[int, float, int]:
        c = client(lb)
        t0 = time.monotonic()
        hits = sum(c.get(k) is not None for k in keys)  # h2's keys are lost: misses, no exception
        took = time.monotonic() - t0
        for k in keys:  # the services re-cache what they missed, on the two survivors
            c.set(k, b"v")
        again = sum(c.get(k) is not None for k in keys)
        c.close()
        return hits, took, again
    hits, took, again = in_netns(lb.net.client, after)
    print(f"\nafter a memcached SIGKILL: {hits}/60 hits, 60 gets in {took:.3f} s; after re-set {again}/60")
    assert 20 <= hits < 60 and took < 1.0 and again == 60
    rc, err = lb.agent(2, "memcached", "start", params(lb, 2, tmp), "mc:0")  # the cluster restarts it
    assert rc == 0, err
