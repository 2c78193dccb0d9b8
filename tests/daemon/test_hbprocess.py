"""Heartbeats from their own process (daemon.hbprocess): two of them hear each other over loopback, a
stopped one falls silent, the child never outlives its parent's pipe, and a taken port is a clear error."""

from __future__ import annotations

import socket
import time

import pytest

from hastack.daemon.hbprocess import HeartbeatProcess
from hastack.errors import HastackError
from polling import until


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])



def test_two_heartbeat_processes_hear_each_other_and_a_stopped_one_falls_silent() -> None:
    port = free_port()
    a = HeartbeatProcess("a", "127.0.0.1", peers=lambda: {"b": "127.0.0.2"}, interval=0.02, port=port)
    b = HeartbeatProcess("b", "127.0.0.2", peers=lambda: {"a": "127.0.0.1"}, interval=0.02, port=port)
    a.start()
    b.start()
    try:
        def both_heard() -> bool:
            a.drain()  # (a drain also tells the child its peers: the first one starts its sending)
            b.drain()
            return all((s := hb.silent_for(peer)) is not None and s < 0.2 for hb, peer in ((a, "b"), (b, "a")))

        assert until(both_heard, 5.0)
        assert a.silent_for("nobody") is None
        b.stop()
        time.sleep(0.3)
        a.drain()
        silent = a.silent_for("b")
        assert silent is not None and silent >= 0.3  # nothing heard since b stopped
    finally:
        a.stop()
        b.stop()


def test_the_child_exits_when_its_parents_pipe_closes() -> None:
    hb = HeartbeatProcess("a", "127.0.0.1", peers=lambda: {}, port=free_port())
    hb.start()
    proc = hb._proc  # noqa: SLF001
    assert proc is not None and proc.poll() is None and proc.stdin is not None
    proc.stdin.close()  # as when hastackd dies, however it dies
    assert proc.wait(timeout=5) == 0
    hb._proc = None  # noqa: SLF001


def test_a_child_that_died_is_started_again_at_the_next_drain() -> None:
    hb = HeartbeatProcess("a", "127.0.0.1", peers=lambda: {}, port=free_port())
    hb.start()
    try:
        first = hb._proc  # noqa: SLF001
        assert first is not None
        first.kill()
        first.wait()
        hb.drain()
        again = hb._proc  # noqa: SLF001
        assert again is not None and again.pid != first.pid and again.poll() is None
    finally:
        hb.stop()


def test_a_port_already_taken_is_a_clear_error() -> None:
    port = free_port()
    first = HeartbeatProcess("a", "127.0.0.1", peers=lambda: {}, port=port)
    first.start()
    try:
        with pytest.raises(HastackError, match="did not start on 127.0.0.1") as err:
            HeartbeatProcess("b", "127.0.0.1", peers=lambda: {}, port=port).start()
        assert "cannot listen" in err.value.message and "another hastackd" in (err.value.hint or "")
    finally:
        first.stop()


def test_the_board_keeps_each_slots_latest_arrival_and_a_new_list_clears_it() -> None:
    from hastack.daemon.hbprocess import HeardBoard

    parent = HeardBoard()
    child = HeardBoard(parent.fd)  # the same memory, as the child maps it
    child.begin(1)
    child.heard(0, 5.0, 0.05)
    child.heard(1, 7.0, 5.0)
    child.heard(0, 4.0, 5.0)  # a datagram read late, stamped earlier: the later arrival and its promise stand
    assert parent.generation() == 1 and parent.read(2) == [(5.0, 0.05), (7.0, 5.0)]
    child.begin(2)  # another list of peers: slot 0 may be another node now
    assert parent.generation() == 2 and parent.read(2) == [(0.0, 0.0), (0.0, 0.0)]


def test_peers_that_do_not_watch_a_node_hear_it_slowly_and_know_its_promise() -> None:
    """Heartbeats go every interval to the peers that watch this node and every SLOW_S to the rest, each
    datagram saying which: the receiver reads the promise, and a change of rate reaches it at once."""
    from hastack.daemon.heartbeat import SLOW_S

    port = free_port()
    slow: list[frozenset[str]] = [frozenset({"b"})]
    a = HeartbeatProcess("a", "127.0.0.1", peers=lambda: {"b": "127.0.0.2"}, interval=0.02, port=port,
                         slow=lambda: slow[0])
    b = HeartbeatProcess("b", "127.0.0.2", peers=lambda: {"a": "127.0.0.1"}, interval=0.02, port=port)
    a.start()
    b.start()
    try:
        def heard(hb: HeartbeatProcess, peer: str, promise: float) -> bool:
            a.drain()  # (tells a's child its peers and whom to send to slowly)
            hb.drain()
            return hb.promised(peer) == pytest.approx(promise)

        assert until(lambda: heard(b, "a", SLOW_S), 5.0)
        assert until(lambda: heard(a, "b", 0.02), 5.0)  # b sends to a at the usual rate
        first = b.silent_for("a")
        time.sleep(0.5)
        b.drain()
        later = b.silent_for("a")
        assert first is not None and later is not None and later >= first + 0.4  # nothing more within 0.5 s
        slow[0] = frozenset()  # b watches a now (a became DC, say): a's next datagram promises the interval
        assert until(lambda: heard(b, "a", 0.02), 2.0)
        silent = b.silent_for("a")
        assert silent is not None and silent < 0.2
    finally:
        a.stop()
        b.stop()


def test_a_long_interval_is_no_stall(capfd: pytest.CaptureFixture[str]) -> None:
    """The sender's stall dump is armed for a round's wait plus STALL_DUMP_S: armed for STALL_DUMP_S alone, a
    0.5 s interval dumped every thread's stack every round (into a pipe nobody read, until it blocked the
    sender and every host fell silent at once)."""
    from hastack.daemon.heartbeat import STALL_DUMP_S, Heartbeat

    hb = Heartbeat("a", "127.0.0.1", peers=lambda: {"b": "127.0.0.2"}, interval=2 * STALL_DUMP_S,
                   port=free_port())
    hb.start()
    try:
        time.sleep(6 * STALL_DUMP_S)
    finally:
        hb.stop()
    assert "most recent call first" not in capfd.readouterr().err
