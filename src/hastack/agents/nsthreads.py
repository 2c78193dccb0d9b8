"""Worker threads that live in one network namespace and run short jobs with a deadline.

For work the daemon does itself instead of forking (built-in agents'
monitors): a thread joins the namespace with setns(2) once, when it
starts — on Linux a namespace belongs to a thread, so the rest of the
process stays where it was — builds its per-thread state (e.g. a netlink
socket, which then answers for that namespace), and serves jobs from a
queue. `netns=None` means the process's own namespace (no setns).

`call(job, timeout_s)` hands the job to an idle thread (starting one, up
to `max_threads`) and waits at most timeout_s:

* `Finished(value, cpu_s, wall_s)` — the job returned in time;
* `Overdue(started)` — the deadline passed. A job still queued is dropped
  unrun; one already running cannot be killed (Python has no way to stop
  a thread), so its thread is counted as stuck until the job returns;
* `Refused(reason)` — nothing ran: the threads were closed, could not
  enter the namespace, or every thread is stuck in an abandoned job. The
  caller then runs the work in a process it can kill.

A pool is bound to the namespace it opened: `is_current()` says whether
the name still refers to it (a deleted and re-created namespace is a new
one), so the owner can replace the pool.

Imports nothing of hastack.
"""

from __future__ import annotations

import os
import queue
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Generic, TypeVar

NETNS_DIR = "/run/netns"  # where `ip netns add` binds its namespaces
CLONE_NEWNET = 0x40000000

S = TypeVar("S")  # per-thread state
R = TypeVar("R")  # a job's value


@dataclass(frozen=True)
class Finished(Generic[R]):
    value: R
    cpu_s: float  # CPU time of the worker thread for this job
    wall_s: float  # from the call to the job's return


@dataclass(frozen=True)
class Overdue:
    started: bool  # True: the job was running at the deadline and goes on in its (now stuck) thread


@dataclass(frozen=True)
class Refused:
    reason: str


def enter_netns(fd: int) -> None:
    """setns(fd, CLONE_NEWNET) for the calling thread only."""
    setns = getattr(os, "setns", None)  # Python 3.12+
    if setns is not None:
        setns(fd, CLONE_NEWNET)
        return
    import ctypes

    libc = ctypes.CDLL(None, use_errno=True)
    if libc.setns(fd, CLONE_NEWNET) != 0:
        errno = ctypes.get_errno()
        raise OSError(errno, os.strerror(errno))


QUEUED, RUNNING, DROPPED, ABANDONED, DONE = range(5)


class _Job(Generic[S, R]):
    """One call: its stage (changed under the pool's lock) and a lock released when it is DONE."""

    __slots__ = ("run", "called", "stage", "answer", "done")

    def __init__(self, run: Callable[[S], R]) -> None:
        self.run = run
        self.called = time.monotonic()
        self.stage = QUEUED
        self.answer: Finished[R] | Refused = Refused("no answer")
        self.done = threading.Lock()
        self.done.acquire()


class NamespaceThreads(Generic[S]):
    """Up to max_threads daemon threads inside network namespace `netns` (None: this process's own)."""

    def __init__(self, netns: str | None, make_state: Callable[[], S], close_state: Callable[[S], None],
                 max_threads: int = 16) -> None:
        self.netns = netns
        self.max_threads = max_threads
        self._make_state = make_state
        self._close_state = close_state
        self._fd: int | None = None
        self._identity: tuple[int, int] | None = None
        if netns is not None:  # opened here so that a missing namespace is the caller's error, at once
            self._fd = os.open(os.path.join(NETNS_DIR, netns), os.O_RDONLY | os.O_CLOEXEC)
            st = os.fstat(self._fd)
            self._identity = (st.st_dev, st.st_ino)
        self._queue: queue.SimpleQueue[_Job[S, object] | None] = queue.SimpleQueue()
        self._lock = threading.Lock()
        self._threads = 0
        self._idle = 0  # threads waiting for a job
        self._waiting = 0  # jobs queued, not yet taken
        self._stuck = 0  # threads still running a job whose caller gave up
        self._closed = False
        self._broken = ""  # why a thread could not enter the namespace

    @property
    def stuck(self) -> int:
        return self._stuck

    @property
    def threads(self) -> int:
        return self._threads

    def is_current(self) -> bool:
        """Whether these threads still serve `netns`: they could enter it, and the name still refers to it."""
        if self._broken:
            return False
        if self._identity is None:
            return True
        try:
            st = os.stat(os.path.join(NETNS_DIR, self.netns or ""))
        except OSError:
            return False
        return (st.st_dev, st.st_ino) == self._identity

    def close(self) -> None:
        """Let every idle thread end; a stuck one ends when its job returns. Idempotent."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
            for _ in range(self._threads):
                self._queue.put(None)
            if self._fd is not None:
                os.close(self._fd)  # a thread that had not entered yet refuses its jobs (_enter)
                self._fd = None

    def call(self, run: Callable[[S], R], timeout_s: float) -> Finished[R] | Overdue | Refused:
        job: _Job[S, R] = _Job(run)
        with self._lock:
            if self._closed or self._broken:
                return Refused(self._broken or "worker threads closed")
            if self._stuck >= self.max_threads:
                return Refused(f"all {self.max_threads} worker threads are stuck in checks that overran "
                               "their deadline")
            self._waiting += 1
            if self._waiting > self._idle and self._threads < self.max_threads:
                self._threads += 1
                self._idle += 1
                threading.Thread(target=self._serve, name=f"nsthread-{self.netns or 'own'}-{self._threads}",
                                 daemon=True).start()
            self._queue.put(job)  # type: ignore[arg-type]  # the queue holds jobs of every value type
        if job.done.acquire(timeout=max(0.0, timeout_s)):
            return job.answer
        with self._lock:
            if job.stage == QUEUED:
                job.stage = DROPPED  # the thread that takes it skips it
                return Overdue(started=False)
            if job.stage == RUNNING:
                job.stage = ABANDONED
                self._stuck += 1
                return Overdue(started=True)
        return job.answer  # it returned just as the deadline passed

    def _serve(self) -> None:
        state: S | None = None
        broken = ""
        try:
            self._enter()
            state = self._make_state()
        except OSError as err:
            broken = f"cannot enter network namespace {self.netns}: {err.strerror or err}"
            with self._lock:
                self._broken = broken
        try:
            while True:
                job = self._queue.get()
                if job is None:
                    return
                with self._lock:
                    self._waiting -= 1
                    self._idle -= 1
                    dropped = job.stage == DROPPED
                    job.stage = RUNNING
                answer = None if dropped else self._run(job, state, broken)
                with self._lock:
                    self._idle += 1
                    if job.stage == ABANDONED:
                        self._stuck -= 1
                    job.stage = DONE
                    if answer is not None:
                        job.answer = answer
                        job.done.release()
        finally:
            with self._lock:
                self._threads -= 1
                self._idle -= 1
            if state is not None:
                self._close_state(state)

    def _enter(self) -> None:
        if self.netns is None:
            return
        with self._lock:  # a copy of the fd: close() may close ours while this thread starts
            if self._fd is None:
                raise OSError(f"{self.netns}: worker threads closed")
            fd = os.dup(self._fd)
        try:
            enter_netns(fd)
        finally:
            os.close(fd)

    @staticmethod
    def _run(job: _Job[S, object], state: S | None, broken: str) -> Finished[object] | Refused:
        if state is None:
            return Refused(broken)
        cpu = time.thread_time()
        try:
            value = job.run(state)
        except Exception as err:  # a bug in the job: the caller runs the work in a process instead
            # The type only: the message may quote the job's input, and the reason gets logged.
            return Refused(f"in-process check failed: {type(err).__name__}")
        return Finished(value, time.thread_time() - cpu, time.monotonic() - job.called)
