"""A fork server for the built-in Python agents: no interpreter start per action.

Every OCF action is a process: Pacemaker forks and execs the agent, and a
Python agent then pays ~30 ms of interpreter start and imports before doing
anything. The fork server is one long-lived Python process with the
built-in agents already imported; for each action it forks a child that
runs the agent's handler in its own session, with the action's
environment, its stdout/stderr on pipes the executor passed over the Unix
socket (SCM_RIGHTS), and stdin /dev/null. So the executor's contract is
unchanged: the child is a separate process in its own process group, the
executor reads its output, kills its group at the deadline, and gets its
exit status and CPU time (the server reaps it with wait4 and reports both).

Protocol, one connection per action: the client sends one JSON line
{"module", "action", "env"} with the two pipe fds; the server answers
`{"pid": N}\\n` once forked and `{"status": S, "cpu_ms": C}\\n` when the
child is reaped. The server is single-threaded (a selector over the
listening socket, the children's pidfds and its stdin): it never forks
while another thread holds a lock. It exits when its stdin reaches EOF,
i.e. when the executor that started it goes away.

Server side: stdlib + the built-in agents. Client side: stdlib + agents.process.
"""

from __future__ import annotations

import importlib
import json
import os
import selectors
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from hastack.agents.process import ProcessOutcome, collect, text

BUILTIN_PACKAGE = "hastack.agents.builtin"
PRELOAD = ("vip", "supervisor", "healthcheck", "openstack", "dummy", "haproxy", "memcached")


# --- server ---------------------------------------------------------------------------------

def _child(module: str, action: str, env: dict[str, str], out_fd: int, err_fd: int) -> None:
    """In the forked child: become the agent process, run the action, exit with its rc."""
    rc = 1
    try:
        os.setsid()
        devnull = os.open(os.devnull, os.O_RDONLY)
        os.dup2(devnull, 0)
        os.dup2(out_fd, 1)
        os.dup2(err_fd, 2)
        os.chdir("/")
        os.environ.clear()
        os.environ.update(env)
        sys.stdout = open(1, "w", closefd=False)  # noqa: SIM115 - the child's own stdio
        sys.stderr = open(2, "w", closefd=False)  # noqa: SIM115
        from hastack.agents.builtin import framework
        spec = importlib.import_module(f"{BUILTIN_PACKAGE}.{module}").SPEC
        rc = framework.run(spec, [spec.name, action], env)
    except SystemExit as exit_:
        rc = exit_.code if isinstance(exit_.code, int) else 1
    except BaseException as err:  # a bug in an agent: report it like a crashing script would
        try:
            sys.stderr.write(f"ocf-exit-reason:built-in agent crashed: {err!r}\n")
        except Exception:
            pass
        rc = 1
    finally:
        try:
            sys.stdout.flush()
            sys.stderr.flush()
        finally:
            os._exit(rc)


def serve(path: str) -> None:
    for name in PRELOAD:
        importlib.import_module(f"{BUILTIN_PACKAGE}.{name}")
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(path)
    listener.listen(64)
    sel = selectors.DefaultSelector()
    sel.register(listener, selectors.EVENT_READ, "accept")
    sel.register(sys.stdin.fileno(), selectors.EVENT_READ, "lifeline")
    children: dict[int, tuple[int, socket.socket]] = {}  # pidfd -> (pid, connection)
    sys.stdout.write("ready\n")
    sys.stdout.flush()
    while True:
        for key, _ in sel.select():
            if key.data == "lifeline":
                if not os.read(key.fd, 4096):
                    return  # the executor is gone
            elif key.data == "accept":
                conn, _ = listener.accept()
                started = _start(conn)
                if started is not None:
                    pid, pidfd = started
                    children[pidfd] = (pid, conn)
                    sel.register(pidfd, selectors.EVENT_READ, "child")
            else:
                pid, conn = children.pop(key.fd)
                sel.unregister(key.fd)
                os.close(key.fd)
                _, status, usage = os.wait4(pid, 0)
                cpu_ms = int((usage.ru_utime + usage.ru_stime) * 1000)
                try:
                    conn.sendall(json.dumps({"status": os.waitstatus_to_exitcode(status),
                                             "cpu_ms": cpu_ms}).encode() + b"\n")
                except OSError:
                    pass
                conn.close()


def _start(conn: socket.socket) -> tuple[int, int] | None:
    try:
        msg, fds, _flags, _addr = socket.recv_fds(conn, 1 << 20, 2)
        while not msg.endswith(b"\n"):
            more = conn.recv(1 << 20)
            if not more:
                raise OSError("short request")
            msg += more
        req = json.loads(msg)
        if len(fds) != 2:
            raise OSError("expected two file descriptors")
    except (OSError, ValueError):
        conn.close()
        return None
    pid = os.fork()
    if pid == 0:
        _child(req["module"], req["action"], req["env"], fds[0], fds[1])
    for fd in fds:
        os.close(fd)
    conn.sendall(json.dumps({"pid": pid}).encode() + b"\n")
    return pid, os.pidfd_open(pid)


# --- client ---------------------------------------------------------------------------------

@dataclass
class ForkServer:
    """The executor's handle on one fork server (started on first use, in the host's netns)."""

    python: str
    netns: str | None = None
    _proc: subprocess.Popen[bytes] | None = None
    _path: str = ""
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def pid(self) -> int | None:
        return self._proc.pid if self._proc else None

    def _ensure(self) -> str:
        with self._lock:
            if self._proc is not None and self._proc.poll() is None:
                return self._path
            self._path = os.path.join(tempfile.mkdtemp(prefix="hastack-forkserver-"), "sock")
            argv = [self.python, "-m", "hastack.agents.forkserver", self._path]
            if self.netns:
                argv = ["ip", "netns", "exec", self.netns, *argv]
            self._proc = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                          start_new_session=True, close_fds=True)
            assert self._proc.stdout is not None
            if self._proc.stdout.readline().strip() != b"ready":
                raise OSError(f"fork server did not start (exit {self._proc.wait()})")
            return self._path

    def close(self) -> None:
        with self._lock:
            if self._proc is not None:
                assert self._proc.stdin is not None
                self._proc.stdin.close()
                try:
                    self._proc.wait(timeout=5)
                except subprocess.TimeoutExpired:
                    self._proc.kill()
                    self._proc.wait()
                self._proc = None

    def run(self, module: str, action: str, env: Mapping[str, str], timeout_s: float) -> ProcessOutcome:
        started = time.monotonic()
        out_r, out_w = os.pipe()
        err_r, err_w = os.pipe()
        conn = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            conn.connect(self._ensure())
            header = json.dumps({"module": module, "action": action, "env": dict(env)}).encode() + b"\n"
            socket.send_fds(conn, [header], [out_w, err_w])
            os.close(out_w)
            os.close(err_w)
            out_w = err_w = -1
            first, rest = _line(conn, b"")
            pid = int(json.loads(first)["pid"])
            if rest:  # the exit report came with the pid: the child is already gone
                done_r, done_w = os.pipe()
                os.close(done_w)
                try:
                    out, err, timed_out = collect(out_r, err_r, done_r, pid, started + max(0.0, timeout_s))
                finally:
                    os.close(done_r)
            else:
                out, err, timed_out = collect(out_r, err_r, conn.fileno(), pid, started + max(0.0, timeout_s))
            os.set_blocking(conn.fileno(), True)
            last_line, _ = _line(conn, rest)
            last = json.loads(last_line)
            return ProcessOutcome(returncode=int(last["status"]), stdout=text(out), stderr=text(err),
                                  duration_ms=int((time.monotonic() - started) * 1000),
                                  cpu_ms=int(last["cpu_ms"]), timed_out=timed_out)
        except OSError as err:
            return ProcessOutcome(None, "", "", 0, 0, start_error=f"fork server: {err}")
        finally:
            conn.close()
            for fd in (out_r, err_r, out_w, err_w):
                if fd >= 0:
                    try:
                        os.close(fd)
                    except OSError:
                        pass


def _line(conn: socket.socket, pending: bytes) -> tuple[bytes, bytes]:
    """One newline-terminated message from conn (unbuffered, so select() on conn stays truthful)."""
    data = pending
    while b"\n" not in data:
        chunk = conn.recv(4096)
        if not chunk:
            raise OSError("fork server closed the connection")
        data += chunk
    line, _, rest = data.partition(b"\n")
    return line, rest


def builtin_outcome(server: ForkServer, argv: Sequence[str], env: Mapping[str, str],
                    timeout_s: float) -> ProcessOutcome:
    """Run `python -m hastack.agents.builtin.<module> ACTION` (argv as built by classes) on the server."""
    module = argv[2].rsplit(".", 1)[1]
    return server.run(module, argv[3], env, timeout_s)


if __name__ == "__main__":
    serve(sys.argv[1])
