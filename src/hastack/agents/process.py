"""Run one agent process with a deadline: the only place that forks (thin I/O).

The child gets its own session and process group (start_new_session), stdin
from /dev/null (or the given bytes, for fence agents), and a complete
environment. At the deadline the whole group gets SIGTERM, then SIGKILL
after a short grace, so children the agent started die with it. The
result is taken when the agent *exits* (not when its pipes close): a daemon
the agent leaves behind holding our stdout must not hold the action, which
is what Pacemaker's executor does too (it waits for SIGCHLD).

Imports nothing of hastack.
"""

from __future__ import annotations

import os
import resource
import selectors
import signal
import subprocess
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

KILL_GRACE_S = 1.0  # between SIGTERM and SIGKILL of the group at the deadline
OUTPUT_LIMIT = 1 << 20  # bytes kept per stream; the rest is dropped (and said so)


@dataclass(frozen=True)
class ProcessOutcome:
    returncode: int | None  # None when it could not be started
    stdout: str
    stderr: str
    duration_ms: int
    cpu_ms: int
    timed_out: bool = False
    start_error: str = ""  # errno text when exec failed
    in_process: bool = False  # answered by an in-process monitor: no process ran (executor.py)


def run(argv: Sequence[str], env: Mapping[str, str], timeout_s: float, *,
        stdin_data: bytes | None = None, cwd: str = "/") -> ProcessOutcome:
    """Run argv until it exits or the deadline passes; never raises for the child's failures."""
    started = time.monotonic()
    try:
        proc = subprocess.Popen(
            list(argv), env=dict(env), cwd=cwd, start_new_session=True, close_fds=True,
            stdin=subprocess.PIPE if stdin_data is not None else subprocess.DEVNULL,
            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    except OSError as err:
        return ProcessOutcome(None, "", "", 0, 0, start_error=err.strerror or str(err))
    if stdin_data is not None:
        assert proc.stdin is not None
        try:
            proc.stdin.write(stdin_data)
        except BrokenPipeError:
            pass
        finally:
            proc.stdin.close()

    deadline = started + max(0.0, timeout_s)
    out, err, timed_out = _collect(proc, deadline)
    status, rusage = _reap(proc)
    cpu_ms = int((rusage.ru_utime + rusage.ru_stime) * 1000) if rusage else 0
    return ProcessOutcome(
        returncode=status, stdout=text(out), stderr=text(err),
        duration_ms=int((time.monotonic() - started) * 1000), cpu_ms=cpu_ms, timed_out=timed_out)


def _collect(proc: subprocess.Popen[bytes], deadline: float) -> tuple[bytearray, bytearray, bool]:
    """Read both pipes until the child exits; kill the group at the deadline."""
    assert proc.stdout is not None and proc.stderr is not None
    pidfd = os.pidfd_open(proc.pid)
    try:
        return collect(proc.stdout.fileno(), proc.stderr.fileno(), pidfd, proc.pid, deadline)
    finally:
        os.close(pidfd)
        proc.stdout.close()
        proc.stderr.close()


def collect(out_fd: int, err_fd: int, done_fd: int, pgid: int, deadline: float) -> tuple[bytearray, bytearray, bool]:
    """Read out_fd/err_fd until done_fd becomes readable (the child exited); at the deadline
    SIGTERM process group `pgid`, SIGKILL it after KILL_GRACE_S. The caller closes the fds."""
    bufs = {out_fd: bytearray(), err_fd: bytearray()}
    sel = selectors.DefaultSelector()
    for fd in bufs:
        os.set_blocking(fd, False)
        sel.register(fd, selectors.EVENT_READ)
    sel.register(done_fd, selectors.EVENT_READ)
    timed_out = False
    kill_at: float | None = None
    try:
        exited = False
        while not exited:
            now = time.monotonic()
            if not timed_out and now >= deadline:
                timed_out = True
                _signal_group(pgid, signal.SIGTERM)
                kill_at = now + KILL_GRACE_S
            if kill_at is not None and now >= kill_at:
                _signal_group(pgid, signal.SIGKILL)
                kill_at = None
            wake = kill_at if timed_out else deadline
            wait = max(0.0, (wake - now)) if wake is not None else 0.5
            for key, _ in sel.select(timeout=min(wait, 0.5)):
                if key.fd == done_fd:
                    exited = True
                elif not _drain(key.fd, bufs[key.fd]):
                    sel.unregister(key.fd)
        for fd, buf in bufs.items():  # what the agent wrote just before exiting
            _drain(fd, buf)
        if timed_out:
            _signal_group(pgid, signal.SIGKILL)  # leftovers of the group, if any
            _wait_group_gone(pgid, KILL_GRACE_S)
    finally:
        sel.close()
    return bufs[out_fd], bufs[err_fd], timed_out


def _drain(fd: int, buf: bytearray) -> bool:
    """Read what is available; False at end of file."""
    while True:
        try:
            chunk = os.read(fd, 65536)
        except BlockingIOError:
            return True
        except OSError:
            return False
        if not chunk:
            return False
        if len(buf) < OUTPUT_LIMIT:
            buf += chunk[: OUTPUT_LIMIT - len(buf)]


def _signal_group(pid: int, sig: signal.Signals) -> None:
    try:
        os.killpg(pid, sig)
    except (ProcessLookupError, PermissionError):
        pass


def _group_members(pgid: int) -> list[int]:
    """Live (non-zombie) processes of a process group, from /proc."""
    out = []
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/stat", "rb") as f:
                fields = f.read().rsplit(b")", 1)[1].split()
        except OSError:
            continue
        if int(fields[2]) == pgid and fields[0] not in (b"Z", b"X"):
            out.append(int(entry.name))
    return out


def _wait_group_gone(pgid: int, limit_s: float) -> None:
    """After SIGKILL: wait (bounded) until the kernel has really ended every member."""
    deadline = time.monotonic() + limit_s
    while _group_members(pgid) and time.monotonic() < deadline:
        time.sleep(0.01)


def _reap(proc: subprocess.Popen[bytes]) -> tuple[int, "resource.struct_rusage | None"]:
    """Wait for the exited child and take its resource usage (wait4)."""
    try:
        _, status, rusage = os.wait4(proc.pid, 0)
    except ChildProcessError:  # reaped elsewhere (a SIGCHLD handler of the embedding program)
        return proc.wait(), None
    code = os.waitstatus_to_exitcode(status)
    proc.returncode = code
    return code, rusage


def text(data: bytearray) -> str:
    out = data.decode("utf-8", errors="replace")
    if len(data) >= OUTPUT_LIMIT:
        out += "\n[output truncated by hastack]"
    return out
