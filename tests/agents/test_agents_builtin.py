"""The built-in process-style agents: ocf:hastack:anything, HealthCheck, OpenStackService.

Run through the executor and directly (as ocf-tester would), with a real
HTTP server on loopback standing in for an API endpoint.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from agent_testlib import pid_alive, req, write_agent

from hastack.agents.classes import BUILTIN_OCF_ROOT
from hastack.agents.codes import FailureKind
from hastack.agents.executor import Executor
from hastack.agents.metadata import parse_metadata


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def http_server(tmp_path: Path):  # type: ignore[no-untyped-def]
    port = free_port()
    (tmp_path / "www").mkdir()
    (tmp_path / "www" / "index.html").write_text("hello ok\n")
    proc = subprocess.Popen([sys.executable, "-m", "http.server", str(port), "--bind", "127.0.0.1",
                             "--directory", str(tmp_path / "www")], stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            break
        except OSError:
            time.sleep(0.05)
    yield port
    proc.kill()
    proc.wait()


def test_builtin_anything_lifecycle(executor: Executor, tmp_path: Path) -> None:
    params = {"binfile": "/bin/sleep", "cmdline_options": "300", "pidfile": str(tmp_path / "p.pid"),
              "logfile": str(tmp_path / "out.log")}
    run = lambda action, interval=0: executor.execute(req("ocf:hastack:anything", action, "sup", interval, **params))  # noqa: E731
    assert run("monitor").rc == 7
    assert run("start").rc == 0
    pid = int((tmp_path / "p.pid").read_text())
    assert pid_alive(pid)
    assert run("monitor", 10_000).rc == 0
    assert run("start").rc == 0  # idempotent: same pid
    assert int((tmp_path / "p.pid").read_text()) == pid
    os.kill(pid, 9)  # the service dies behind the cluster's back
    time.sleep(0.1)
    died = run("monitor", 10_000)
    assert died.rc == 7 and died.outcome.kind is FailureKind.SOFT
    assert run("start").rc == 0
    pid2 = int((tmp_path / "p.pid").read_text())
    assert pid2 != pid
    assert run("stop").rc == 0
    assert not pid_alive(pid2) and not (tmp_path / "p.pid").exists()
    assert run("stop").rc == 0


def test_builtin_dummy_lifecycle(executor: Executor, tmp_path: Path) -> None:
    state = tmp_path / "d.state"
    run = lambda action, interval=0: executor.execute(req("ocf:hastack:Dummy", action, "d", interval, state=str(state)))  # noqa: E731
    assert run("monitor").rc == 7  # a probe: not running
    assert run("start").rc == 0 and state.exists()
    assert run("monitor", 10_000).rc == 0
    state.unlink()  # lost behind the cluster's back
    lost = run("monitor", 10_000)
    assert lost.rc == 7 and lost.outcome.kind is FailureKind.SOFT
    assert run("start").rc == 0 and run("stop").rc == 0 and not state.exists()
    assert run("stop").rc == 0  # stopping a stopped resource succeeds


def test_builtin_anything_bad_input(executor: Executor, tmp_path: Path) -> None:
    missing = executor.execute(req("ocf:hastack:anything", "start", "sup", binfile="/no/such/bin"))
    assert missing.rc == 5 and "/no/such/bin" in missing.exit_reason
    relative = executor.execute(req("ocf:hastack:anything", "validate-all", "sup", binfile="sleep"))
    assert relative.rc == 6
    assert executor.execute(req("ocf:hastack:anything", "start", "sup")).rc == 6  # binfile required
    assert executor.execute(req("ocf:hastack:anything", "monitor", "sup")).rc == 7  # probe stays safe
    quitter = write_agent(tmp_path, "quitter", "#!/bin/sh\nexit 3\n")
    quit_fast = executor.execute(req("ocf:hastack:anything", "start", "q", binfile=str(quitter),
                                     pidfile=str(tmp_path / "q.pid")))
    assert quit_fast.rc == 1 and "exited right after start" in quit_fast.exit_reason


def test_healthcheck_http_and_tcp(executor: Executor, http_server: int, tmp_path: Path) -> None:
    url = f"http://127.0.0.1:{http_server}/index.html"
    state = str(tmp_path / "hc.state")
    run = lambda action, interval=0, **p: executor.execute(req("ocf:hastack:HealthCheck", action, "hc", interval,  # noqa: E731
                                                              state=state, **p))
    assert run("monitor", url=url).rc == 7
    assert run("start", url=url, expect_body="hello").rc == 0
    assert run("monitor", 10_000, url=url, expect_status="200").rc == 0
    wrong = run("monitor", 10_000, url=url, expect_status="204")
    assert wrong.rc == 1 and "HTTP 200" in wrong.exit_reason
    gone = run("monitor", 10_000, url=f"http://127.0.0.1:{http_server}/missing")
    assert gone.rc == 0  # 404 is below 500: the server answers
    assert run("monitor", 10_000, host="127.0.0.1", port=str(http_server)).rc == 0
    closed = run("monitor", 10_000, host="127.0.0.1", port=str(free_port()), check_timeout="1")
    assert closed.rc == 1 and "did not accept" in closed.exit_reason
    assert run("validate-all", url="ftp://x").rc == 6
    assert run("stop", url=url).rc == 0
    assert run("monitor", 10_000, url=url).rc == 7


STUB_SERVICE = """#!{python}
# a stand-in OpenStack API service: answers GET / with 300 like keystone's version list
import sys, http.server
port = int(sys.argv[sys.argv.index("--port") + 1])
class H(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        self.send_response(300); self.end_headers(); self.wfile.write(b'{{"versions": []}}')
    def log_message(self, *a): pass
http.server.HTTPServer(("127.0.0.1", port), H).serve_forever()
"""


def test_openstack_service_agent(executor: Executor, tmp_path: Path) -> None:
    port = free_port()
    binary = write_agent(tmp_path, "keystone-stub", STUB_SERVICE.format(python=sys.executable))
    config = tmp_path / "keystone.conf"
    config.write_text("[DEFAULT]\n")
    params = {"binary": str(binary), "config": str(config), "additional_parameters": f"--port {port}",
              "url": f"http://127.0.0.1:{port}/", "pid": str(tmp_path / "ks.pid"), "api_timeout": "2"}
    run = lambda action, interval=0: executor.execute(  # noqa: E731
        req("ocf:hastack:OpenStackService", action, "keystone", interval, timeout_ms=20_000, **params))
    assert run("monitor").rc == 7
    started = run("start")
    assert started.rc == 0, started.stderr
    assert run("monitor", 20_000).rc == 0
    pid = int((tmp_path / "ks.pid").read_text())
    os.kill(pid, 19)  # SIGSTOP: the process lives but its API hangs
    try:
        hung = run("monitor", 20_000)
        assert hung.rc == 1 and "API failed" in hung.exit_reason
    finally:
        os.kill(pid, 18)
    assert run("stop").rc == 0
    assert not pid_alive(pid)
    assert run("monitor", 20_000).rc == 7


def test_builtin_agents_run_directly_like_ocf_tester() -> None:
    """The resource.d executables work without the executor (no HASTACK_PYTHON)."""
    env = {k: v for k, v in os.environ.items() if k != "HASTACK_PYTHON"}
    env["OCF_ROOT"] = "/usr/lib/ocf"
    for name in ("IPaddr", "anything", "HealthCheck", "OpenStackService"):
        path = BUILTIN_OCF_ROOT / "resource.d" / "hastack" / name
        out = subprocess.run([str(path), "meta-data"], capture_output=True, text=True, env=env, timeout=30)
        assert out.returncode == 0, out.stderr
        meta = parse_metadata(out.stdout)
        assert meta.name == name and meta.ocf_version == "1.1"
        assert {"start", "stop", "monitor", "meta-data", "validate-all"} <= set(meta.action_names)
        bogus = subprocess.run([str(path), "frobnicate"], capture_output=True, text=True, env=env, timeout=30)
        assert bogus.returncode == 3 and "usage" in bogus.stderr


def test_fork_server_and_plain_exec_agree(executor: Executor, tmp_path: Path) -> None:
    from dataclasses import replace as dc_replace

    plain = dc_replace(executor, use_forkserver=False, _forkserver=None, _meta_cache={})
    params = {"binfile": "/bin/sleep", "cmdline_options": "300", "pidfile": str(tmp_path / "p.pid")}
    assert executor.execute(req("ocf:hastack:anything", "start", "s", **params)).rc == 0
    assert executor.forkserver_pid is not None
    for ex in (executor, plain):
        mon = ex.execute(req("ocf:hastack:anything", "monitor", "s", 10_000, **params))
        assert (mon.rc, mon.status.name) == (0, "DONE")
    assert plain.forkserver_pid is None
    assert plain.execute(req("ocf:hastack:anything", "stop", "s", **params)).rc == 0
    assert executor.execute(req("ocf:hastack:anything", "monitor", "s", 10_000, **params)).rc == 7


def test_fork_server_child_is_killed_at_deadline(executor: Executor, tmp_path: Path) -> None:
    """A built-in agent stuck past its timeout is killed like any agent (its own process group)."""
    port = free_port()
    with socket.socket() as silent:  # accepts connections, never answers HTTP
        silent.bind(("127.0.0.1", port))
        silent.listen(8)
        binary = write_agent(tmp_path, "svc", "#!/bin/sh\nsleep 300\n")
        params = {"binary": str(binary), "url": f"http://127.0.0.1:{port}/", "pid": str(tmp_path / "svc.pid"),
                  "api_timeout": "30"}
        began = time.monotonic()
        result = executor.execute(req("ocf:hastack:OpenStackService", "monitor", "svc", 10_000, timeout_ms=1000,
                                      **params))
        assert result.rc == 7  # process not running: no API call at all
        assert executor.execute(req("ocf:hastack:OpenStackService", "start", "svc", timeout_ms=1500,
                                    **params)).status.name == "TIMEOUT"
        assert time.monotonic() - began < 6
        hung = executor.execute(req("ocf:hastack:OpenStackService", "monitor", "svc", 10_000, timeout_ms=1000,
                                    **params))
        assert hung.status.name == "TIMEOUT" and "killed its process group" in hung.detail
    assert executor.execute(req("ocf:hastack:OpenStackService", "stop", "svc", **params)).rc == 0


def test_ocf_tester_passes_builtin_anything(tmp_path: Path) -> None:
    """resource-agents' own conformance script, run on hastack's agent exactly as on a shell agent."""
    tmp_path.chmod(0o777)  # ocf-tester also runs the agent as nobody
    agent = BUILTIN_OCF_ROOT / "resource.d" / "hastack" / "anything"
    out = subprocess.run(["/usr/sbin/ocf-tester", "-n", "any1", "-o", "binfile=/bin/sleep",
                          "-o", "cmdline_options=300", "-o", f"pidfile={tmp_path / 'p.pid'}", str(agent)],
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stdout + out.stderr
    assert f"{agent} passed all tests" in out.stdout
