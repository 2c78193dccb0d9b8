"""Worker threads with deadlines (agents/nsthreads.py), in this process's own namespace."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import pytest

from hastack.agents.nsthreads import Finished, NamespaceThreads, Overdue, Refused


@pytest.fixture
def pool() -> Iterator[NamespaceThreads[list[str]]]:
    threads: NamespaceThreads[list[str]] = NamespaceThreads(None, list, lambda _s: None, max_threads=1)
    yield threads
    threads.close()


def test_a_job_returns_its_value_and_keeps_its_threads_state(pool: NamespaceThreads[list[str]]) -> None:
    first = pool.call(lambda state: state.append("a") or len(state), 1.0)
    second = pool.call(lambda state: state.append("b") or len(state), 1.0)
    assert isinstance(first, Finished) and isinstance(second, Finished)
    assert (first.value, second.value) == (1, 2)  # one thread, one state, made once
    assert pool.threads == 1 and first.cpu_s >= 0 and first.wall_s < 1.0


def test_a_job_still_queued_at_its_deadline_never_runs(pool: NamespaceThreads[list[str]]) -> None:
    gate, ran = threading.Event(), threading.Event()
    busy = threading.Thread(target=pool.call, args=(lambda _s: gate.wait(5), 10.0))
    busy.start()
    time.sleep(0.05)  # the only thread is now busy
    assert pool.call(lambda _s: ran.set(), 0.1) == Overdue(started=False)
    gate.set()
    busy.join()
    assert isinstance(pool.call(lambda _s: "after", 1.0), Finished)
    assert not ran.is_set()


def test_an_overrunning_job_leaves_its_thread_stuck_until_it_returns(pool: NamespaceThreads[list[str]]) -> None:
    gate = threading.Event()
    assert pool.call(lambda _s: gate.wait(5), 0.1) == Overdue(started=True)
    assert pool.stuck == 1
    refused = pool.call(lambda _s: "x", 1.0)  # the one thread is stuck: the caller must fork instead
    assert isinstance(refused, Refused) and "stuck" in refused.reason
    gate.set()
    deadline = time.monotonic() + 5
    while pool.stuck and time.monotonic() < deadline:
        time.sleep(0.01)
    assert pool.stuck == 0 and isinstance(pool.call(lambda _s: "x", 1.0), Finished)


def test_a_failing_job_is_refused_not_raised(pool: NamespaceThreads[list[str]]) -> None:
    got = pool.call(lambda _s: 1 // 0, 1.0)
    assert isinstance(got, Refused) and "ZeroDivisionError" in got.reason


def test_a_missing_namespace_fails_at_once() -> None:
    with pytest.raises(FileNotFoundError):
        NamespaceThreads("hm-no-such-namespace", list, lambda _s: None)
