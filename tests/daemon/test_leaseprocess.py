"""The lease from its own process (daemon.leaseprocess), against a real etcd: the child joins and renews, a
clean stop gives the lease up, a stopped or killed child means a self-fence here and a new lease after, the
child renews nothing once hastackd falls silent, and it exits when hastackd's pipe closes without revoking."""

from __future__ import annotations

import os
import signal
import threading
import time
import uuid
from collections.abc import Iterator

import pytest

from hastack.daemon.leaseprocess import Board, LeaseProcess, LeaseSpec, spawn
from hastack.daemon.timing import for_ttl
from hastack.store.etcd import EtcdStore
from hastack.store.etcdclient import EtcdClient
from polling import until

TIMING = for_ttl(2)



@pytest.fixture
def spec(etcd_endpoint: str) -> LeaseSpec:
    return LeaseSpec("n1", "n1", (etcd_endpoint,), f"/leaseproc-{uuid.uuid4().hex[:8]}", TIMING)


@pytest.fixture
def store(spec: LeaseSpec) -> EtcdStore:
    return EtcdStore(EtcdClient(list(spec.endpoints), timeout=1.0), spec.prefix)


@pytest.fixture
def node(spec: LeaseSpec) -> Iterator[tuple[LeaseProcess, threading.Event]]:
    fenced = threading.Event()
    lp = LeaseProcess(spec, self_fence=fenced.set)
    lp.start()
    try:
        assert lp.wait_joined(15), "the child never joined"
        yield lp, fenced
    finally:
        lp.stop()


def child_pid(lp: LeaseProcess) -> int:
    proc = lp._proc  # noqa: SLF001
    assert proc is not None and proc.poll() is None
    return proc.pid


def test_the_child_joins_renews_and_a_clean_stop_gives_the_lease_up(spec: LeaseSpec, store: EtcdStore) -> None:
    lp = LeaseProcess(spec, self_fence=lambda: None)
    lp.start()
    try:
        assert lp.wait_joined(15)
        lease = lp.lease
        assert store.member_records()["n1"].lease == lease
        time.sleep(TIMING.ttl + 0.5)  # longer than the TTL: only renewals keep it
        assert lp.holds() and lp.lease == lease
        assert store.client.lease_time_to_live(lease).ttl > 0
        assert lp.valid_until() > time.monotonic()
    finally:
        lp.stop(revoke=True)
    assert "n1" not in store.member_records()
    assert store.client.lease_time_to_live(lease).ttl == -1


def test_a_stopped_child_means_a_self_fence_here_and_a_new_lease_after(
        node: tuple[LeaseProcess, threading.Event]) -> None:
    lp, fenced = node
    first = lp.lease
    pid = child_pid(lp)
    os.kill(pid, signal.SIGSTOP)
    try:
        assert fenced.wait(TIMING.self_fence_after + 1.0), "no self-fence while the renewal was stopped"
        assert not lp.holds() and lp.fenced_count == 1
    finally:
        os.kill(pid, signal.SIGCONT)
    # the child finds its deadline passed, gives that lease up and joins again: a new incarnation
    assert until(lambda: lp.holds() and lp.lease not in (0, first), 10)
    assert lp.fenced_count == 1


def test_a_killed_child_is_started_again_with_a_new_lease(node: tuple[LeaseProcess, threading.Event]) -> None:
    lp, fenced = node
    first = lp.lease
    os.kill(child_pid(lp), signal.SIGKILL)
    assert fenced.wait(TIMING.self_fence_after + 1.0)
    assert until(lambda: lp.holds() and lp.lease not in (0, first), 20)


class SignsOfLife:
    """hastackd's part of the board, played by the test: a sign of life every 50 ms until stopped."""

    def __init__(self, board: Board) -> None:
        self.board = board
        self.stopped = threading.Event()
        threading.Thread(target=self._run, daemon=True).start()

    def _run(self) -> None:
        while not self.stopped.wait(0.05):
            self.board.touch(time.monotonic())


def test_the_child_renews_nothing_while_hastackd_is_silent(spec: LeaseSpec, store: EtcdStore) -> None:
    board = Board()
    proc = spawn(LeaseSpec(**{**spec.__dict__, "parent_silence": 0.5}), board)
    life = SignsOfLife(board)
    try:
        assert until(lambda: board.state()[0] != 0, 15), "the child never joined"
        lease = board.state()[0]
        life.stopped.set()
        # no sign of life from here on: within the silence and the deadline, the child gives the lease up
        assert until(lambda: board.state()[0] == 0, 0.5 + TIMING.self_fence_after + 1.0)
        time.sleep(TIMING.ttl + 0.5)
        assert board.state()[0] == 0, "the child joined again without a sign of life"
        assert store.client.lease_time_to_live(lease).ttl == -1  # etcd expired it: not renewed
        # hastackd answers again: the node joins with a new lease
        life = SignsOfLife(board)
        assert until(lambda: board.state()[0] not in (0, lease), 10)
    finally:
        life.stopped.set()
        if proc.stdin:
            proc.stdin.close()
        proc.wait(5)


def test_the_child_exits_when_hastackds_pipe_closes_and_revokes_nothing(spec: LeaseSpec, store: EtcdStore) -> None:
    board = Board()
    proc = spawn(spec, board)
    life = SignsOfLife(board)
    try:
        assert until(lambda: board.state()[0] != 0, 15)
        lease = board.state()[0]
        assert proc.stdin is not None
        proc.stdin.close()  # as when hastackd dies, however it dies
        assert proc.wait(5) == 0
        # the resources may still be running: the lease runs out in etcd's own time, not revoked
        assert store.client.lease_time_to_live(lease).ttl > 0
        assert store.member_records()["n1"].lease == lease
    finally:
        life.stopped.set()
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def test_the_board_reads_what_was_published_and_survives_a_reader_in_between() -> None:
    writer = Board()
    reader = Board(writer.fd)  # the child's view: the same memory through the same descriptor
    assert reader.state() == (0, 0.0)
    writer.publish(0x1234, 42.5)
    assert reader.state() == (0x1234, 42.5)
    reader.touch(7.25)
    assert writer.touched() == 7.25 and writer.state() == (0x1234, 42.5)
