"""ocf:hastack:haproxy with the real HAProxy in network namespaces: three controllers (each with hastackd's real
REST listener, a "galera" and a "keystone": lb_backend.py), HAProxy on h1 holding the VIP, clients in the
client namespace. The Galera writer follows /promoted/ms_galera; a reload keeps established connections; a
configuration HAProxy refuses is never installed."""

from __future__ import annotations

import socket
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import NamedTuple

import pytest
from lbnet import Lab, connect, lab

from hastack.agents.builtin.haproxy import stats

SUBNET = "10.213.151"
BACKEND = str(Path(__file__).with_name("lb_backend.py"))


class Rig(NamedTuple):
    lab: Lab
    params: dict[str, str]
    writer: Path
    vip: str


@pytest.fixture(scope="module")
def rig(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Rig]:
    tmp = tmp_path_factory.mktemp("haproxy")
    writer = tmp / "writer"
    writer.write_text("h2\n")
    with lab(SUBNET, 3) as lb:
        vip = lb.net.vip()
        for i in (1, 2, 3):
            lb.spawn(lb.net.host_ns(i), sys.executable, BACKEND, f"h{i}", lb.ip(i), str(writer))
        lb.spawn(lb.net.host_ns(1), "ip", "addr", "add", f"{vip}/24", "dev", "eth0").wait(5)
        params = {"vip": vip, "nodes": ",".join(f"h{i}={lb.ip(i)}" for i in (1, 2, 3)),
                  "galera_resource": "ms_galera", "services": "keystone:5000:/v3",
                  "config": f"{tmp}/lb.cfg", "pidfile": f"{tmp}/lb.pid", "stats_socket": f"{tmp}/lb.sock",
                  "logfile": f"{tmp}/lb.log"}
        rc, err = lb.agent(1, "haproxy", "start", params, "lb:0")
        assert rc == 0, err
        try:
            yield Rig(lb, params, writer, vip)
        finally:
            lb.agent(1, "haproxy", "stop", params, "lb:0")


def greeting(r: Rig, timeout_s: float = 2.0) -> str:
    """Which node a new client session through the VIP lands on ("" when none took it)."""
    try:
        with connect(r.lab.net.client, r.vip, 3306, timeout_s) as s:
            return s.makefile().readline().strip()
    except OSError:
        return ""


def wait_greeting(r: Rig, want: str, timeout_s: float) -> float:
    t0 = time.monotonic()
    while time.monotonic() - t0 < timeout_s:
        if greeting(r, 0.5) == want:
            return time.monotonic() - t0
        time.sleep(0.05)
    raise AssertionError(f"the VIP never led to {want}")


def keystone(r: Rig) -> str:
    with connect(r.lab.net.client, r.vip, 5000) as s:
        s.sendall(b"GET /v3 HTTP/1.0\r\n\r\n")
        data = b""
        while chunk := s.recv(4096):
            data += chunk
    return data.decode()


def echo(s: socket.socket, text: str) -> str:
    s.sendall(text.encode() + b"\n")
    return s.makefile().readline().strip()


def master_pid(r: Rig) -> int:
    return int(Path(r.params["pidfile"]).read_text().split()[0])


def test_galera_goes_to_the_promoted_node_only_and_follows_it(rig: Rig) -> None:
    wait_greeting(rig, "h2", 10)  # h2 is promoted: the servers h1 (and backup h3) answer 503
    # a freshly started HAProxy counts every server UP until its first check (README: the start window)
    time.sleep(1.0)
    assert {greeting(rig) for _ in range(5)} == {"h2"}
    assert keystone(rig).startswith("HTTP/1.0 200")
    session = connect(rig.lab.net.client, rig.vip, 3306)
    assert session.makefile().readline().strip() == "h2"
    rig.writer.write_text("h3\n")  # the writer moves (hastackd on h3 now answers /promoted 200)
    took = wait_greeting(rig, "h3", 10)
    print(f"\nnew sessions reach the new writer {took:.2f} s after it was promoted")
    assert took < 4.0
    session.settimeout(3)
    try:  # on-marked-down shutdown-sessions: the old writer's clients are cut, not left hanging
        assert session.recv(100) == b""
    except ConnectionResetError:
        pass
    session.close()


def test_a_reload_keeps_established_connections(rig: Rig) -> None:
    writer = rig.writer.read_text().strip()
    wait_greeting(rig, writer, 10)
    session = connect(rig.lab.net.client, rig.vip, 3306)
    assert session.makefile().readline().strip() == writer
    master = master_pid(rig)
    rc, err = rig.lab.agent(1, "haproxy", "monitor", rig.params, "lb:0")
    assert rc == 0, err
    before = Path(rig.params["config"]).read_text()
    changed = {**rig.params, "inter": "400", "services": "keystone:5000:/v3,glance_registry:9191"}
    t0 = time.monotonic()
    rc, err = rig.lab.agent(1, "haproxy", "reload-agent", changed, "lb:0")
    took = time.monotonic() - t0
    assert rc == 0, err
    print(f"\nreload-agent took {took:.2f} s")
    assert Path(rig.params["config"]).read_text() != before
    assert "listen glance_registry" in Path(rig.params["config"]).read_text()
    assert master_pid(rig) == master  # same master, new workers
    assert echo(session, "still here") == "still here"  # the established session survived
    assert greeting(rig) == writer  # and new ones are served by the new workers
    session.close()
    rc, err = rig.lab.agent(1, "haproxy", "reload-agent", rig.params, "lb:0")  # back
    assert rc == 0, err


def test_a_configuration_haproxy_refuses_is_never_installed(rig: Rig) -> None:
    writer = rig.writer.read_text().strip()
    session = connect(rig.lab.net.client, rig.vip, 3306)
    assert session.makefile().readline().strip() == writer
    before = Path(rig.params["config"]).read_text()
    bad = {**rig.params, "nodes": rig.params["nodes"] + ",h4=no-such-host.invalid"}
    rc, err = rig.lab.agent(1, "haproxy", "reload-agent", bad, "lb:0")
    assert rc == 6
    assert "haproxy -c refused the generated configuration" in err and "could not resolve" in err
    assert Path(rig.params["config"]).read_text() == before
    assert echo(session, "unharmed") == "unharmed"
    assert greeting(rig) == writer
    session.close()
    rc, err = rig.lab.agent(1, "haproxy", "monitor", rig.params, "lb:0")
    assert rc == 0, err


def admin_states(r: Rig, server: str) -> dict[str, int]:
    """backend -> srv_admin_state of `server` (`show servers state`: bit 0x01 is forced maintenance)."""
    out = stats(r.params["stats_socket"], "show servers state", 2.0) or ""
    return {f[1]: int(f[6]) for line in out.splitlines() if len(f := line.split()) > 6 and f[3] == server}


def test_node_gone_takes_the_nodes_servers_out_at_once_and_node_back_returns_them(rig: Rig) -> None:
    writer = rig.writer.read_text().strip()
    wait_greeting(rig, writer, 10)
    session = connect(rig.lab.net.client, rig.vip, 3306)
    assert session.makefile().readline().strip() == writer
    t0 = time.monotonic()
    rc, err = rig.lab.agent(1, "haproxy", "node-gone", {**rig.params, "CRM_meta_departed_uname": writer}, "lb:0")
    took = time.monotonic() - t0
    assert rc == 0, err
    print(f"\nnode-gone {writer} took {took:.2f} s (a forked agent)")
    assert {b: s & 1 for b, s in admin_states(rig, writer).items()} == {"galera": 1, "keystone": 1}
    session.settimeout(3)
    try:  # its established sessions are cut: the clients reconnect to a live server
        assert session.recv(100) == b""
    except ConnectionResetError:
        pass
    session.close()
    assert greeting(rig) == ""  # the writer's backups answer 503 (not promoted): nobody takes writes
    rc, err = rig.lab.agent(1, "haproxy", "node-back", {**rig.params, "CRM_meta_departed_uname": writer}, "lb:0")
    assert rc == 0, err
    assert {b: s & 1 for b, s in admin_states(rig, writer).items()} == {"galera": 0, "keystone": 0}
    wait_greeting(rig, writer, 10)  # back through its health checks
    rc, err = rig.lab.agent(1, "haproxy", "node-gone", {**rig.params, "CRM_meta_departed_uname": "h9"}, "lb:0")
    assert rc == 6 and "h9" in err


def test_missing_and_invalid_parameters_are_rc_6_with_the_fix(rig: Rig) -> None:
    rc, err = rig.lab.agent(2, "haproxy", "start", {"vip": rig.vip}, "lb:1")
    assert rc == 6 and "missing required parameter(s): nodes" in err
    rc, err = rig.lab.agent(2, "haproxy", "start", {"vip": rig.vip, "nodes": "h1"}, "lb:1")
    assert rc == 6 and "'h1' is not NAME=ADDRESS" in err


def test_monitor_sees_haproxy_die_and_stop_is_idempotent(rig: Rig, tmp_path: Path) -> None:
    params = {**rig.params, "config": f"{tmp_path}/b.cfg", "pidfile": f"{tmp_path}/b.pid",
              "stats_socket": f"{tmp_path}/b.sock", "logfile": f"{tmp_path}/b.log", "galera_port": "13306",
              "services": "keystone:15000:/v3"}
    lb = rig.lab
    assert lb.agent(2, "haproxy", "monitor", params, "lb:1")[0] == 7
    assert lb.agent(2, "haproxy", "start", params, "lb:1")[0] == 0
    assert lb.agent(2, "haproxy", "monitor", params, "lb:1")[0] == 0
    assert lb.agent(2, "haproxy", "stop", params, "lb:1")[0] == 0
    assert lb.agent(2, "haproxy", "monitor", params, "lb:1")[0] == 7
    assert lb.agent(2, "haproxy", "stop", params, "lb:1")[0] == 0
