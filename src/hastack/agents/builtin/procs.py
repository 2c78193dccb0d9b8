"""Process and endpoint helpers shared by the built-in supervisor-style agents.

A supervised process is started in a session of its own (so the executor's
process-group kill of the *agent* never touches it), stdin /dev/null,
output to a log file, and recorded in a pid file. "Alive" means the pid
exists, is not a zombie (a reaper-less PID 1 leaves zombies around) and
still runs the same executable. Stopping sends SIGTERM to its process
group, waits, then SIGKILL.

Stdlib only; imports nothing of hastack.
"""

from __future__ import annotations

import os
import signal
import time


def _read(path: str) -> bytes:
    with open(path, "rb") as f:
        return f.read()


def read_pid(pidfile: str) -> int | None:
    try:
        return int(_read(pidfile).split()[0])
    except (OSError, ValueError, IndexError):
        return None


def process_alive(pid: int, binfile: str | None = None) -> bool:
    try:
        stat = _read(f"/proc/{pid}/stat")
    except OSError:
        return False
    state = stat.rsplit(b")", 1)[1].split()[0]
    if state in (b"Z", b"X"):
        return False
    if binfile:
        try:
            argv = _read(f"/proc/{pid}/cmdline").split(b"\0")
        except OSError:
            return False
        want = os.path.basename(binfile).encode()
        return any(os.path.basename(a) == want for a in argv[:2] if a)
    return True


def running_pid(pidfile: str, binfile: str | None = None) -> int | None:
    pid = read_pid(pidfile)
    if pid is not None and process_alive(pid, binfile):
        return pid
    return None


def spawn(command: list[str], pidfile: str, logfile: str | None, errlogfile: str | None,
          workdir: str | None, env: dict[str, str] | None = None) -> int:
    import subprocess  # imported where used: monitors never need it

    os.makedirs(os.path.dirname(pidfile) or ".", exist_ok=True)
    out = open(logfile, "ab") if logfile else subprocess.DEVNULL  # noqa: SIM115 - handed to the child
    err = open(errlogfile, "ab") if errlogfile else (subprocess.STDOUT if logfile else subprocess.DEVNULL)
    try:
        proc = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=out, stderr=err, cwd=workdir or "/",
                                start_new_session=True, close_fds=True, env=env)
    finally:
        for f in (out, err):
            if hasattr(f, "close"):
                f.close()  # type: ignore[union-attr]
    tmp = f"{pidfile}.tmp"
    with open(tmp, "w") as f:
        f.write(f"{proc.pid}\n")
    os.replace(tmp, pidfile)
    return proc.pid


def split_command(binfile: str, options: str) -> list[str]:
    import shlex

    return [binfile, *shlex.split(options or "")]


def terminate(pid: int, grace_s: float, sig: int = signal.SIGTERM) -> bool:
    """TERM the process (and its group when it leads one), wait grace_s, then KILL. True when gone."""
    def send(s: int) -> None:
        try:
            if os.getpgid(pid) == pid:
                os.killpg(pid, s)
            else:
                os.kill(pid, s)
        except (ProcessLookupError, PermissionError):
            pass
    send(sig)
    deadline = time.monotonic() + grace_s
    while time.monotonic() < deadline:
        if not process_alive(pid):
            return True
        time.sleep(0.05)
    send(signal.SIGKILL)
    for _ in range(40):
        if not process_alive(pid):
            return True
        time.sleep(0.05)
    return False


def check_http(url: str, timeout_s: float, expect: str = "", expect_body: str = "") -> str | None:
    """None when url answers as expected, else what went wrong (one line).

    `expect`: comma-separated status codes or classes (200,3xx); default any status below 500.
    """
    import urllib.error  # here, not at the top: monitors of other agents must not pay for it
    import urllib.request
    try:
        req = urllib.request.Request(url, headers={"User-Agent": "hastack-healthcheck"})
        with urllib.request.urlopen(req, timeout=timeout_s) as resp:  # noqa: S310 - operator-given URL
            status, body = resp.status, resp.read(65536)
    except urllib.error.HTTPError as err:
        status, body = err.code, b""
    except (urllib.error.URLError, OSError, ValueError) as err:
        reason = getattr(err, "reason", err)
        return f"{url} did not answer within {timeout_s:g}s: {reason}"
    if not _status_ok(status, expect):
        return f"{url} answered HTTP {status}, expected {expect or '<500'}"
    if expect_body and expect_body.encode() not in body:
        return f"{url} answered without {expect_body!r} in its body"
    return None


def _status_ok(status: int, expect: str) -> bool:
    if not expect.strip():
        return status < 500
    for item in expect.replace(" ", "").split(","):
        if item.lower().endswith("xx") and item[:1].isdigit() and str(status)[0] == item[0]:
            return True
        if item.isdigit() and int(item) == status:
            return True
    return False


def check_tcp(host: str, port: int, timeout_s: float) -> str | None:
    import socket

    try:
        with socket.create_connection((host, port), timeout=timeout_s):
            return None
    except OSError as err:
        return f"tcp {host}:{port} did not accept a connection within {timeout_s:g}s: {err.strerror or err}"


def stop_pidfile(pidfile: str, binary: str, grace_s: float) -> int | None:
    """Stop the process `pidfile` names (if it still runs `binary`: SIGTERM, SIGKILL after grace_s) and
    remove the file; the pid of one that survived even SIGKILL, else None."""
    pid = running_pid(pidfile, binary)
    if pid is not None and not terminate(pid, grace_s):
        return pid
    try:
        os.unlink(pidfile)
    except FileNotFoundError:
        pass
    return None
