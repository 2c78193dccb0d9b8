"""Who watches whom, who is suspected and who fences (daemon.fencer's pure rules)."""

from __future__ import annotations

import pytest

from hastack.daemon.fencer import JOIN_GRACE_S, against_promise, decide, sent_slowly, silence, watched_by

MEMBERS = {"h1", "h2", "h3", "h4"}


def test_heartbeats_form_a_star_around_the_dc() -> None:
    assert watched_by("h2", MEMBERS, "h2") == {"h1", "h3", "h4"}  # the DC watches everyone
    assert watched_by("h3", MEMBERS, "h2") == {"h2"}  # the others watch the DC only
    assert watched_by("h3", MEMBERS, None) == {"h1", "h2", "h4"}  # no DC: everyone watches everyone
    assert watched_by("h3", MEMBERS, "h9") == {"h1", "h2", "h4"}  # a DC that is no member counts as none


def test_heartbeats_go_slowly_to_whoever_does_not_watch_the_sender() -> None:
    assert sent_slowly("h3", MEMBERS, "h2") == {"h1", "h4"}  # the DC watches h3: it alone hears it fast
    assert sent_slowly("h2", MEMBERS, "h2") == set()  # everyone watches the DC
    assert sent_slowly("h3", MEMBERS, None) == set()  # no DC: everyone watches everyone
    assert sent_slowly("h5", MEMBERS, "h2") == MEMBERS  # not a member (yet): nobody watches it


def test_a_slow_sender_is_suspected_after_six_of_its_own_intervals() -> None:
    # interval 0.05 s, threshold 0.3 s: a node that promised 5 s is suspected after 30 s of silence
    assert against_promise(29.0, 5.0, 0.05) == pytest.approx(0.29)  # under the threshold
    assert against_promise(31.0, 5.0, 0.05) == pytest.approx(0.31)  # over it
    assert against_promise(0.4, 0.05, 0.05) == 0.4  # the usual rate: as heard
    assert against_promise(None, 5.0, 0.05) is None and against_promise(0.4, None, 0.05) == 0.4


def test_the_dc_fences_a_silent_member() -> None:
    d = decide("h2", {"h1": 0.05, "h2": None, "h3": 0.9, "h4": 0.1}, "h2", 0.3)
    assert d.suspects == ("h3",) and d.actor == "h2"


def test_a_silent_dc_is_fenced_by_the_first_member_that_is_not_suspected() -> None:
    # h3 watches only the DC (h1): the others' silence is unknown to it (None), never a suspicion
    d = decide("h3", {"h1": 0.8, "h2": None, "h3": None, "h4": None}, "h1", 0.3)
    assert d.suspects == ("h1",) and d.actor == "h2"


def test_a_silent_dc_is_fenced_by_the_longest_joined_survivor_who_will_be_the_next_dc() -> None:
    silent = {"h1": 0.8, "h2": None, "h3": None, "h4": None}
    d = decide("h3", silent, "h1", 0.3, seniority=["h1", "h4", "h2", "h3"])
    assert d.suspects == ("h1",) and d.actor == "h4"
    assert decide("h4", silent, "h1", 0.3, seniority=["h1", "h4", "h2", "h3"]).actor == "h4"  # all agree


def test_an_incarnation_never_heard_is_never_suspected_however_long_it_takes_to_boot() -> None:
    assert silence(now=100.0, incarnation_seen=50.0, watching_since=50.0, last_heard=None) is None
    assert silence(now=100.0, incarnation_seen=50.0, watching_since=None, last_heard=40.0) is None  # its last life
    assert silence(now=100.0, incarnation_seen=50.0, watching_since=50.0, last_heard=99.5) == 0.5


def test_a_member_heard_before_it_was_watched_gets_the_join_grace_then_counts_from_the_watch() -> None:
    heard_long_ago = dict(incarnation_seen=10.0, watching_since=90.0, last_heard=20.0)
    assert silence(now=90.0 + JOIN_GRACE_S / 2, **heard_long_ago) is None
    assert silence(now=90.0 + JOIN_GRACE_S + 1, **heard_long_ago) == JOIN_GRACE_S + 1


def test_nobody_is_suspected_before_being_heard_or_within_the_threshold() -> None:
    d = decide("h1", {"h1": None, "h2": None, "h3": 0.29}, "h1", 0.3)
    assert d.suspects == () and d.actor == "h1"


def test_queued_heartbeats_count_when_they_arrived_not_when_read() -> None:
    import socket
    import time

    from hastack.daemon.heartbeat import Heartbeat

    hb = Heartbeat("n1", "127.0.0.1", peers=lambda: {}, port=0)  # not started: nobody reads the socket
    port = hb._sock.getsockname()[1]
    tx = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        # the kernel turns receive timestamps on from a work queue after the first SO_TIMESTAMP socket
        # asks: a datagram sent at once may be stamped when read (a long-lived hastackd never sees that)
        time.sleep(0.2)
        tx.sendto(b"hb n2", ("127.0.0.1", port))
        time.sleep(0.3)  # the receiver "waits for the GIL"
        assert hb.silent_for("n2") is None
        hb.drain()
        silent = hb.silent_for("n2")
        assert silent is not None and 0.25 < silent < 0.6  # heard 0.3 s ago: its arrival, not its read
    finally:
        tx.close()
        hb._sock.close()


def test_draining_an_empty_socket_does_not_wait_for_a_datagram() -> None:
    """Every fence drains first; a drain that waited on an empty socket (as a socket with a timeout does,
    MSG_DONTWAIT or not) delayed every fenced failover by that timeout. A sender thread posts a
    datagram 0.15 s after the drain began: a drain that waited (0.2 s before) took it."""
    import socket
    import threading

    from hastack.daemon.heartbeat import Heartbeat

    hb = Heartbeat("n1", "127.0.0.1", peers=lambda: {}, port=0)  # not started: nobody reads the socket
    port = hb._sock.getsockname()[1]
    tx = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    late = threading.Timer(0.15, lambda: tx.sendto(b"hb n2", ("127.0.0.1", port)))
    try:
        late.start()
        hb.drain()
        assert hb.silent_for("n2") is None  # returned before the datagram came
        late.join()
        hb.drain()
        assert hb.silent_for("n2") is not None  # ... and takes it once it is there
    finally:
        late.cancel()
        tx.close()
        hb._sock.close()
