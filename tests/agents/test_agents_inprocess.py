"""Built-in agents' cheap actions run inside the executor's process, with the results a forked agent gives.

Every case runs three ways on the same host: in-process (the default), forked
from the fork server, and exec'd (`ip netns exec NS python -m ...`); the
results must be equal (rc, status, exit reason, output, Pacemaker's reading).
The virtual IP cases run in a network namespace of this test's own
(`hm<pid>`, a veth pair inside it, addresses from 10.213.96.0/24 only),
so a monitor reading the wrong namespace would answer wrongly.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest
from agent_testlib import NODE, req, sh

from hastack.agents.action import ActionRequest, ActionResult
from hastack.agents.codes import ExecStatus
from hastack.agents.executor import Executor, local_host

NS = f"hm{os.getpid()}"
NET = "10.213.96"
VIP = f"{NET}.100"


def make_namespace() -> None:
    sh("ip", "netns", "add", NS)
    sh("ip", "-n", NS, "link", "add", f"{NS}a", "type", "veth", "peer", "name", f"{NS}b")
    sh("ip", "-n", NS, "addr", "add", f"{NET}.1/24", "dev", f"{NS}a")
    for dev in (f"{NS}a", f"{NS}b", "lo"):
        sh("ip", "-n", NS, "link", "set", dev, "up")


@pytest.fixture
def netns() -> Iterator[str]:
    sh("ip", "netns", "del", NS, check=False)
    try:
        make_namespace()
        yield NS
    finally:
        sh("ip", "netns", "del", NS, check=False)


@pytest.fixture
def three(netns: str, state_dir: Path) -> Iterator[dict[str, Executor]]:
    """The same host three ways: in-process monitors, fork server, plain exec."""
    host = local_host(node=NODE, state_dir=str(state_dir), netns=netns)
    exs = {"in-process": Executor(host), "fork server": Executor(host, in_process=False),
           "exec": Executor(host, use_forkserver=False, in_process=False)}
    yield exs
    for ex in exs.values():
        ex.close()


def seen(result: ActionResult) -> tuple[object, ...]:
    return (result.rc, result.status, result.exit_reason, result.stdout, result.stderr, result.outcome.sentence())


def same_everywhere(exs: dict[str, Executor], request: ActionRequest) -> ActionResult:
    results = {name: ex.execute(request) for name, ex in exs.items()}
    assert {name: seen(r) for name, r in results.items() if seen(r) != seen(results["exec"])} == {}, \
        f"{request.key}: differs from exec ({seen(results['exec'])})"
    return results["in-process"]


def both_monitors(exs: dict[str, Executor], agent: str, **params: str) -> tuple[ActionResult, ActionResult]:
    """(probe, recurring monitor), each the same in-process, forked and exec'd."""
    return (same_everywhere(exs, req(agent, "monitor", "r1", 0, **params)),
            same_everywhere(exs, req(agent, "monitor", "r1", 10_000, **params)))


def rcs(pair: tuple[ActionResult, ActionResult]) -> tuple[int, int]:
    return pair[0].rc, pair[1].rc


def test_vip_monitor_same_in_process(three: dict[str, Executor]) -> None:
    ip = lambda *a: sh("ip", "-n", NS, *a)  # noqa: E731
    assert rcs(both_monitors(three, "ocf:hastack:IPaddr", ip=VIP)) == (7, 7)  # absent
    ip("addr", "add", f"{VIP}/24", "dev", f"{NS}a")
    assert rcs(both_monitors(three, "ocf:hastack:IPaddr", ip=VIP)) == (0, 0)  # present
    ip("addr", "del", f"{VIP}/24", "dev", f"{NS}a")
    assert rcs(both_monitors(three, "ocf:hastack:IPaddr", ip=VIP)) == (7, 7)  # gone again
    assert rcs(both_monitors(three, "ocf:hastack:IPaddr", ip=f"{NET}.1")) == (0, 0)  # the namespace's own
    assert rcs(both_monitors(three, "ocf:hastack:IPaddr", ip="fd00:213:96::100")) == (7, 7)  # IPv6, absent
    probe, recurring = both_monitors(three, "ocf:hastack:IPaddr", ip=f"{NET}.999")
    assert (probe.rc, recurring.rc) == (7, 6) and "invalid IP address" in recurring.exit_reason
    probe, recurring = both_monitors(three, "ocf:hastack:IPaddr")  # ip= missing
    assert (probe.rc, recurring.rc) == (7, 6) and "missing required parameter(s): ip" in recurring.exit_reason


def test_vip_monitor_reads_the_hosts_namespace_not_the_callers(netns: str, state_dir: Path) -> None:
    sh("ip", "-n", NS, "addr", "add", f"{VIP}/24", "dev", f"{NS}a")
    inside = Executor(local_host(node=NODE, state_dir=str(state_dir), netns=netns))
    outside = Executor(local_host(node=NODE, state_dir=str(state_dir)))  # this process's own namespace
    try:
        assert inside.execute(req("ocf:hastack:IPaddr", "monitor", "v", 10_000, ip=VIP)).rc == 0
        assert outside.execute(req("ocf:hastack:IPaddr", "monitor", "v", 10_000, ip=VIP)).rc == 7
        # The namespace deleted and created again under the same name is a new one: no VIP there.
        sh("ip", "netns", "del", NS)
        make_namespace()
        assert inside.execute(req("ocf:hastack:IPaddr", "monitor", "v", 10_000, ip=VIP)).rc == 7
        assert inside.processes_started == outside.processes_started == 0
    finally:
        inside.close()
        outside.close()


@pytest.fixture
def sleeper() -> Iterator[int]:
    proc = subprocess.Popen(["/bin/sleep", "300"])
    yield proc.pid
    proc.kill()
    proc.wait()


def test_supervisor_monitor_same_in_process(three: dict[str, Executor], tmp_path: Path, sleeper: int) -> None:
    pidfile = tmp_path / "s.pid"
    monitor = lambda **p: rcs(both_monitors(three, "ocf:hastack:anything", pidfile=str(pidfile), **p))  # noqa: E731
    assert monitor(binfile="/bin/sleep") == (7, 7)  # no pid file
    pidfile.write_text(f"{sleeper}\n")
    assert monitor(binfile="/bin/sleep") == (0, 0)  # running
    assert monitor(binfile="/usr/bin/tail") == (7, 7)  # the pid runs another program
    gone = subprocess.Popen(["/bin/true"])
    gone.wait()
    pidfile.write_text(f"{gone.pid}\n")
    assert monitor(binfile="/bin/true") == (7, 7)  # stale pid file
    zombie = subprocess.Popen(["/bin/sleep", "0"])
    while Path(f"/proc/{zombie.pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z":
        time.sleep(0.01)
    pidfile.write_text(f"{zombie.pid}\n")
    assert monitor(binfile="/bin/sleep") == (7, 7)  # exited, not yet reaped
    zombie.wait()
    pidfile.write_text("not a pid\n")
    assert monitor(binfile="/bin/sleep") == (7, 7)
    probe, recurring = both_monitors(three, "ocf:hastack:anything", pidfile=str(pidfile))  # binfile= missing
    assert (probe.rc, recurring.rc) == (7, 6) and "binfile" in recurring.exit_reason


def test_dummy_monitor_same_in_process(three: dict[str, Executor], tmp_path: Path) -> None:
    state = tmp_path / "d.state"
    assert rcs(both_monitors(three, "ocf:hastack:Dummy", state=str(state))) == (7, 7)
    state.write_text("1\n")
    assert rcs(both_monitors(three, "ocf:hastack:Dummy", state=str(state))) == (0, 0)


def test_relative_pid_file_is_read_from_root_as_forked_agents_do(three: dict[str, Executor], sleeper: int) -> None:
    absolute = Path(f"/tmp/{NS}-relative.pid")
    absolute.write_text(f"{sleeper}\n")
    try:
        assert os.getcwd() != "/"
        pair = both_monitors(three, "ocf:hastack:anything", binfile="/bin/sleep", pidfile=str(absolute)[1:])
        assert rcs(pair) == (0, 0)
    finally:
        absolute.unlink()


def test_in_process_actions_start_no_process(netns: str, state_dir: Path, tmp_path: Path, sleeper: int) -> None:
    ex = Executor(local_host(node=NODE, state_dir=str(state_dir), netns=netns))
    (tmp_path / "s.pid").write_text(f"{sleeper}\n")
    try:
        started = ex.execute(req("ocf:hastack:IPaddr", "start", "v", ip=VIP, arp_count="1"))
        assert started.rc == 0 and ex.processes_started == 0 and ex.forkserver_pid is None
        for interval in (0, 10_000):
            for _ in range(20):
                assert ex.execute(req("ocf:hastack:IPaddr", "monitor", "v", interval, ip=VIP)).rc == 0
                assert ex.execute(req("ocf:hastack:IPaddr", "monitor", "w", interval, ip=f"{NET}.101")).rc == 7
                assert ex.execute(req("ocf:hastack:anything", "monitor", "s", interval, binfile="/bin/sleep",
                                      pidfile=str(tmp_path / "s.pid"))).rc == 0
        assert ex.execute(req("ocf:hastack:IPaddr", "stop", "v", ip=VIP)).rc == 0
        assert ex.processes_started == 0  # a start, 120 monitors and a stop: no process
        assert ex.execute(req("ocf:hastack:anything", "start", "s2", binfile="/bin/sleep", cmdline_options="30",
                              pidfile=str(tmp_path / "s2.pid"))).rc == 0
        assert ex.processes_started == 1  # the supervisor's start daemonizes a service: forked
        assert ex.execute(req("ocf:hastack:anything", "stop", "s2", binfile="/bin/sleep",
                              pidfile=str(tmp_path / "s2.pid"))).rc == 0
    finally:
        ex.close()


# counts gratuitous ARP requests for one address arriving on one interface, for at most 3 s
ARP_COUNTER = """
import socket, sys, time
sock = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(0x0806))
sock.bind((sys.argv[1], 0x0806)); sock.settimeout(0.2)
target, seen, end = socket.inet_aton(sys.argv[2]), 0, time.monotonic() + 3
print("ready", flush=True)
while time.monotonic() < end and seen < int(sys.argv[3]):
    try:
        frame = sock.recv(128)
    except TimeoutError:
        continue
    if frame[28:32] == target and frame[38:42] == target:
        seen += 1
print(seen)
"""


def test_a_vip_starts_and_stops_in_process_as_when_forked_and_announces_itself(three: dict[str, Executor]) -> None:
    counter = subprocess.Popen(["ip", "netns", "exec", NS, sys.executable, "-c", ARP_COUNTER, f"{NS}b", VIP, "3"],
                               stdout=subprocess.PIPE, text=True)
    try:
        assert counter.stdout is not None and counter.stdout.readline().strip() == "ready"
        params = {"ip": VIP, "nic": f"{NS}a", "cidr_netmask": "24"}
        for name in ("in-process", "fork server", "exec"):  # in-process first: the ARPs counted are its own
            ex = three[name]
            started = ex.execute(req("ocf:hastack:IPaddr", "start", "v", arp_count="3", arp_interval="50", **params))
            assert (name, started.rc) == (name, 0), started.exit_reason
            assert ex.execute(req("ocf:hastack:IPaddr", "monitor", "v", 10_000, **params)).rc == 0
            again = same_everywhere(three, req("ocf:hastack:IPaddr", "start", "v", arp_count="1", **params))
            assert again.rc == 0  # started twice: still success, as IPaddr2
            if name == "in-process":
                out, _ = counter.communicate(timeout=10)
                assert int(out) == 3  # the first before start returned, two more from its thread
            assert ex.execute(req("ocf:hastack:IPaddr", "stop", "v", **params)).rc == 0
            assert same_everywhere(three, req("ocf:hastack:IPaddr", "monitor", "v", 10_000, **params)).rc == 7
            assert same_everywhere(three, req("ocf:hastack:IPaddr", "stop", "v", **params)).rc == 0
        assert three["in-process"].processes_started == 0
    finally:
        counter.kill()
        counter.wait()


def test_secrets_masked_in_process(three: dict[str, Executor]) -> None:
    secret = f"{NET}.777"  # an invalid address, so the agent repeats it in its exit reason
    request = req("ocf:hastack:IPaddr", "monitor", "v", 10_000, ip=secret)
    for ex in three.values():
        result = ex.execute(replace(request, secret_names=frozenset({"ip"})))
        assert result.rc == 6 and "invalid IP address" in result.exit_reason
        assert secret not in result.exit_reason + result.stderr + result.stdout + result.detail


def test_a_crashing_monitor_reports_as_the_fork_servers_child_does(netns: str, state_dir: Path,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    from hastack.agents.builtin import vip

    def crash(*_args: object) -> int:
        raise RuntimeError("boom")
    monkeypatch.setattr(vip, "monitor", crash)  # in this process only: forked agents are unaffected
    ex = Executor(local_host(node=NODE, state_dir=str(state_dir), netns=netns))
    try:
        result = ex.execute(req("ocf:hastack:IPaddr", "monitor", "v", 10_000, ip=VIP))
    finally:
        ex.close()
    assert (result.rc, result.status) == (1, ExecStatus.DONE)
    assert result.exit_reason == "built-in agent crashed: RuntimeError('boom')"  # forkserver._child's words
    assert ex.processes_started == 0


@pytest.fixture
def fifo(tmp_path: Path) -> Iterator[Path]:
    """A pid file that is a FIFO: reading it blocks until someone writes, so a monitor hangs."""
    path = tmp_path / "hang.pid"
    os.mkfifo(path)
    yield path
    release(path)


def release(path: Path) -> None:
    """Let every reader blocked on the FIFO go (they read end of file: no pid, 7)."""
    try:
        os.close(os.open(path, os.O_WRONLY | os.O_NONBLOCK))
    except OSError:
        pass  # no reader left


def test_hung_monitor_times_out_like_a_forked_one(three: dict[str, Executor], fifo: Path, tmp_path: Path) -> None:
    request = req("ocf:hastack:anything", "monitor", "h", 10_000, timeout_ms=500, binfile="/bin/sleep",
                  pidfile=str(fifo))
    results = {}
    for name, ex in three.items():
        began = time.monotonic()
        results[name] = ex.execute(request)
        assert 0.5 <= time.monotonic() - began < 3.0, name
    for name, r in results.items():
        assert (r.rc, r.status, r.outcome.sentence()) == (1, ExecStatus.TIMEOUT, results["exec"].outcome.sentence())
        assert "timed out after 500ms" in r.detail, name
    assert "in-process check" in results["in-process"].detail
    ex = three["in-process"]
    threads = ex._workers  # noqa: SLF001 - the test looks at the worker accounting
    assert threads is not None and threads.stuck == 1
    # The stuck worker does not hold up the next monitor, which still runs in-process.
    ok = ex.execute(req("ocf:hastack:anything", "monitor", "h", 10_000, binfile="/bin/sleep",
                        pidfile=str(tmp_path / "none.pid")))
    assert ok.rc == 7 and ok.status is ExecStatus.DONE and ex.processes_started == 0
    release(fifo)
    deadline = time.monotonic() + 5
    while threads.stuck and time.monotonic() < deadline:
        time.sleep(0.01)
    assert threads.stuck == 0


def test_all_workers_stuck_means_the_monitor_is_forked(netns: str, state_dir: Path, fifo: Path,
                                                       tmp_path: Path, sleeper: int) -> None:
    ex = Executor(local_host(node=NODE, state_dir=str(state_dir), netns=netns), worker_threads=1)
    (tmp_path / "s.pid").write_text(f"{sleeper}\n")
    good = req("ocf:hastack:anything", "monitor", "s", 10_000, binfile="/bin/sleep", pidfile=str(tmp_path / "s.pid"))
    try:
        hung = ex.execute(req("ocf:hastack:anything", "monitor", "h", 10_000, timeout_ms=300, binfile="/bin/sleep",
                              pidfile=str(fifo)))
        assert hung.status is ExecStatus.TIMEOUT and ex.processes_started == 0
        forked = ex.execute(good)  # the one worker is stuck: this one runs as a process, and is right
        assert (forked.rc, forked.status) == (0, ExecStatus.DONE) and ex.processes_started == 1
        release(fifo)
        deadline = time.monotonic() + 5
        while ex._workers and ex._workers.stuck and time.monotonic() < deadline:  # noqa: SLF001
            time.sleep(0.01)
        assert ex.execute(good).rc == 0 and ex.processes_started == 1  # in-process again
    finally:
        ex.close()


def test_missing_namespace_gives_the_forked_agents_error(state_dir: Path) -> None:
    host = local_host(node=NODE, state_dir=str(state_dir), netns=f"{NS}-none")
    results = []
    for ex in (Executor(host), Executor(host, in_process=False)):
        results.append(ex.execute(req("ocf:hastack:IPaddr", "monitor", "v", 10_000, ip=VIP)))
        ex.close()
    assert [(r.rc, r.status) for r in results] == [(1, ExecStatus.ERROR)] * 2


@pytest.fixture
def power_switch() -> Iterator[tuple[int, list[str]]]:
    """A stand-in for the lab's power switch on loopback: (its port, the requests it got)."""
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    got: list[str] = []

    class Switch(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802
            got.append(f"POST {self.path}")
            self.send_response(200)
            self.end_headers()
            self.wfile.write(b"off")

        def do_GET(self) -> None:  # noqa: N802
            got.append(f"GET {self.path}")
            self.send_response(200)
            self.end_headers()
            self.wfile.write(b"ok")

        def log_message(self, *_args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Switch)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server.server_address[1], got
    server.shutdown()
    server.server_close()


def test_the_lab_fence_agent_runs_in_process_as_when_forked(state_dir: Path, power_switch: tuple[int, list[str]]) -> None:
    port, got = power_switch
    host = local_host(node=NODE, state_dir=str(state_dir))
    inside, forked = Executor(host), Executor(host, in_process=False)
    try:
        for ex in (inside, forked):
            fenced = ex.execute(req("stonith:fence_hastack_lab", "off", "pdu", ip="127.0.0.1", ipport=str(port),
                                    target="h2"))
            assert fenced.rc == 0, fenced.exit_reason + fenced.stderr
            assert ex.execute(req("stonith:fence_hastack_lab", "start", "pdu", ip="127.0.0.1",
                                  ipport=str(port))).rc == 0  # a device starts by answering its monitor
        assert got == ["POST /off?plug=h2", "GET /health"] * 2
        assert inside.processes_started == 0 and forked.processes_started == 2
        # an unreachable switch: the same failure both ways (nothing listens on the port any more)
        refused = [ex.execute(req("stonith:fence_hastack_lab", "off", "pdu", ip="127.0.0.1", ipport="9",
                                  target="h2")) for ex in (inside, forked)]
        assert [r.rc for r in refused] == [1, 1]
        assert all("fence_hastack_lab: off h2" in r.stderr for r in refused), [r.stderr for r in refused]
    finally:
        inside.close()
        forked.close()
