"""Peer heartbeats: a fast failure detector beside the etcd lease (etcd leases count whole seconds).

Every node sends a small UDP datagram to every other member and notes when
it last heard from each. A member silent for `suspect_after` is suspected
dead. Each datagram says how soon the next will follow (its promise): every
`interval` to the peers that watch this node (the DC, or everyone while this
node is DC or there is none), every SLOW_S to the rest, who then suspect it
only after six slow promises went unkept (Fencer._silence). All-to-all at
`interval`, the 32-host lab's heartbeats alone were 1,900 datagrams a second
to read in Python; the slow ones keep a node that becomes DC hearing from
everyone at once. Suspicion alone never moves a resource: the
fencer (daemon.fencer) must first power the node off through a fence device
and have that confirmed (DESIGN safety rule 2). Own threads, so scheduling or
agent work cannot delay sending or noticing.

Imports daemon.timing.
"""

from __future__ import annotations

import faulthandler
import select
import socket
import struct
import threading
import time
from collections.abc import Callable, Collection
from typing import Protocol

from hastack.daemon.timing import realtime_thread

PORT = 5405  # corosync's, which this replaces
# A send loop this late means the whole process stalled (peers will suspect this node): every thread's
# stack is written to stderr by faulthandler's own thread, which needs no GIL -- the one way to see
# what held the interpreter.
STALL_DUMP_S = 0.25


MIN_SUSPECT_AFTER_S = 0.1
SLOW_S = 5.0  # the promise to peers that do not watch this node (never faster than `interval`)


def heartbeat_interval(suspect_after: float) -> float:
    """Six datagrams per suspicion window: a peer is suspected only after six in a row went missing (one
    lost datagram, or one late send, is never a death). No more often than that: a big cluster's longer
    window (1.6 s at 16 hosts) at 20 datagrams a second to every peer was 4,800 a second to read in the
    16-host lab, on a machine that had no CPU to spare. (0.3 s, the default: every 50 ms.)"""
    return suspect_after / 6


class Detector(Protocol):
    """What the fencer needs of a failure detector: Heartbeat (threads in the caller's process) or
    daemon.hbprocess.HeartbeatProcess (a process of its own, as hastackd runs it)."""

    def start(self) -> None: ...

    def stop(self) -> None: ...

    def silent_for(self, node: str, now: float | None = None) -> float | None: ...

    def promised(self, node: str) -> float | None: ...

    def drain(self) -> None: ...


SO_TIMESTAMP = getattr(socket, "SO_TIMESTAMP", 29)  # Linux's value; Python does not export it
CMSG_SIZE = socket.CMSG_SPACE(16)  # one struct timeval (64-bit)


class Heard:
    """When each peer was last heard and what its latest datagram promised, and the fencer's two questions
    about them: one answer for Heartbeat (threads) and HeartbeatProcess (its child's board)."""

    def __init__(self) -> None:
        self._seen: dict[str, float] = {}
        self._promised: dict[str, float] = {}  # node -> the interval its latest datagram promised
        self._lock = threading.Lock()

    def silent_for(self, node: str, now: float | None = None) -> float | None:
        """Seconds since `node` was last heard (None: never heard since this node started)."""
        with self._lock:
            t = self._seen.get(node)
        return None if t is None else (now if now is not None else time.monotonic()) - t

    def promised(self, node: str) -> float | None:
        """The interval `node`'s latest datagram promised (None: never heard)."""
        with self._lock:
            return self._promised.get(node)


class Heartbeat(Heard):
    def __init__(self, node: str, address: str, peers: Callable[[], dict[str, str]], interval: float = 0.05,
                 port: int = PORT, on_heard: Callable[[str, float, float], None] | None = None,
                 slow: Callable[[], Collection[str]] = frozenset) -> None:
        self.node = node
        self._on_heard = on_heard  # (daemon.hbprocess: writes each arrival to the board hastackd reads)
        self.address = address
        self.port = port
        self.interval = interval
        self._peers = peers
        self._slow = slow  # the peers sent to every SLOW_S only: they do not watch this node
        super().__init__()
        self._stop = threading.Event()
        self._sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        # no SO_REUSEADDR: with it, a second hastackd on the same address bound the port too and the
        # two split the datagrams between them
        try:
            self._sock.bind((address, port))
        except OSError:
            self._sock.close()
            raise
        # Non-blocking: the receiving thread waits in poll, and drain() must never wait. With a socket
        # timeout, Python's recvmsg polls for up to that timeout even with MSG_DONTWAIT -- every fence
        # began with a 200 ms wait on an empty socket (a third of a fenced VIP failover).
        self._sock.setblocking(False)
        self._poll = select.poll()
        self._poll.register(self._sock, select.POLLIN)
        # the kernel stamps each datagram's arrival: a receiver thread that waited for the GIL must not
        # count as a silent peer (see drain)
        self._sock.setsockopt(socket.SOL_SOCKET, SO_TIMESTAMP, 1)
        self._threads = [threading.Thread(target=self._send_loop, name="hb-send", daemon=True),
                         threading.Thread(target=self._recv_loop, name="hb-recv", daemon=True)]

    def start(self) -> None:
        for t in self._threads:
            t.start()

    def stop(self) -> None:
        self._stop.set()
        for t in self._threads:
            t.join(timeout=1)
        faulthandler.cancel_dump_traceback_later()
        self._sock.close()

    def heard(self) -> dict[str, tuple[float, float]]:
        """node -> (when it was last heard (monotonic), the interval that datagram promised), for every node
        heard since this one started."""
        with self._lock:
            return {n: (t, self._promised.get(n, self.interval)) for n, t in self._seen.items()}

    def _send_loop(self) -> None:
        realtime_thread()
        slow_every = max(SLOW_S, self.interval)
        fast_msg = f"hb {self.node} {self.interval * 1000:.0f}".encode()
        slow_msg = f"hb {self.node} {slow_every * 1000:.0f}".encode()
        slow_due: dict[str, float] = {}  # a slow peer -> when its next datagram is due (absent: now)
        while not self._stop.is_set():
            # re-armed every round, so it fires only on a stall: a round's own wait (the interval) plus
            # STALL_DUMP_S. Armed for STALL_DUMP_S alone, a window of 1.5 s or more (interval 0.25 s and up)
            # dumped every stack every round, filled the pipe nobody read, and the dump's write then held
            # the sender for good: every host of the tier lab fell silent at once and fenced the others.
            faulthandler.dump_traceback_later(self.interval + STALL_DUMP_S)
            slow, now = self._slow(), time.monotonic()
            for node, addr in list(self._peers().items()):
                if node == self.node or not addr:
                    continue
                if node in slow:
                    if now < slow_due.get(node, now):
                        continue
                    slow_due[node] = now + slow_every
                    msg = slow_msg
                else:
                    slow_due.pop(node, None)  # when it turns slow again, the new promise goes at once
                    msg = fast_msg
                try:
                    self._sock.sendto(msg, (addr, self.port))
                except OSError:
                    pass  # unreachable peer: it will be suspected, which is the point
            self._stop.wait(self.interval)

    def _recv_loop(self) -> None:
        realtime_thread()
        while not self._stop.is_set():
            if not self._poll.poll(200):
                continue
            try:
                self._take(self._sock.recvmsg(256, CMSG_SIZE))
            except BlockingIOError:
                continue  # drain() took it first
            except OSError:
                if self._stop.is_set():
                    return
                continue

    def drain(self) -> None:
        """Take every heartbeat already arrived and not yet read. The fencer calls it before fencing: on a
        loaded machine the receiving thread waits for Python's GIL, datagrams queue in the socket, and a
        peer heard 10 ms ago looked silent for 0.2 s (a healthy host was fenced so). Arrival times come
        from the kernel, so a datagram read late counts when it came, not when it was read."""
        while True:
            try:
                self._take(self._sock.recvmsg(256, CMSG_SIZE))
            except OSError:  # BlockingIOError: nothing more is queued
                return

    def _take(self, msg: tuple[bytes, list[tuple[int, int, bytes]], int, object]) -> None:
        data, ancdata, _, _ = msg
        now_mono = time.monotonic()
        arrived = now_mono
        for level, kind, payload in ancdata:
            if level == socket.SOL_SOCKET and kind == SO_TIMESTAMP and len(payload) >= 16:
                sec, usec = struct.unpack("qq", payload[:16])
                arrived = now_mono - max(0.0, time.time() - (sec + usec / 1e6))
        parts = data.decode(errors="replace").split()
        if len(parts) not in (2, 3) or parts[0] != "hb":
            return
        promise = self.interval  # (a datagram without a promise: one of a hastackd before promises)
        if len(parts) == 3:
            try:
                promise = max(self.interval, float(parts[2]) / 1000)
            except ValueError:
                return
        node = parts[1]
        with self._lock:
            if arrived < self._seen.get(node, 0.0):
                return  # an older datagram read late: the latest one's promise stands
            self._seen[node] = arrived
            self._promised[node] = promise
        if self._on_heard is not None:
            self._on_heard(node, arrived, promise)
