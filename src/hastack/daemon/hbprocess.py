"""Heartbeats from a process of their own, so that hastackd's own load cannot silence them.

In hastackd, the heartbeat threads shared one Python interpreter lock with
the DC's scheduling, the LRM's workers, the watches and the REST server: on
a loaded machine a 0.15 s silence threshold fenced a healthy host whose
heartbeat thread had waited that long for the lock while the host booted
(measured: 7 fences in 6 failover trials). Corosync runs apart from
Pacemaker's daemons for the same reason. Here a small child process runs
daemon.heartbeat's sender and receiver (real-time scheduled, nothing else to
wait for); hastackd's fencer asks it, over a pipe, when each peer was last
heard. Times are CLOCK_MONOTONIC, one clock for every process on the host.

A hastackd that hangs keeps its heartbeats going; that is what its lease is
for: a hung hastackd renews nothing, self-fences, or its watchdog resets it
(DESIGN, safety rule 1), as a hung pacemaker-controld is not corosync's to see.

The parent writes `{"peers": {node: address}, "order": [node...], "generation": N,
"slow": [node...]}` on the child's input when the peers (or those sent to slowly)
change; the child writes when it last heard each of them, and what that datagram
promised, to a board in shared memory (HeardBoard), which the fencer reads
on every turn without a round trip. The child exits when its standard input
closes (hastackd died, however it died), so it never outlives its parent.

`HeartbeatProcess` has Heartbeat's interface (start, stop, silent_for, drain),
so the fencer takes either. Imports daemon.childpipe, daemon.heartbeat, daemon.shm, errors.
"""

from __future__ import annotations

import argparse
import errno
import json
import struct
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Collection
from typing import IO

from hastack.daemon.childpipe import close, read_line
from hastack.daemon.heartbeat import PORT, Heard, Heartbeat
from hastack.daemon.shm import shared_memory
from hastack.errors import HastackError

READY = "ready"
START_TIMEOUT_S = 60.0  # (a machine at load 80 takes many seconds to start Python)
BIND_RETRY_S = 3.0


class HeardBoard:
    """When each peer was last heard, in memory shared with the child: the fencer reads it 50 times a
    second, which over the pipe was 50 JSON round trips a second on every host.

    The child writes slot i for the i-th peer of the list it was last sent (in the order sent), then
    raises the header's generation to that list's; the parent reads the slots only while the generation
    is the one it sent last -- a slot never means another peer than the parent thinks."""

    SLOTS = 512
    SIZE = 8 + 16 * SLOTS  # a slot: when last heard, and the interval that datagram promised
    _GEN = struct.Struct("<Q")
    _SLOT = struct.Struct("<dd")

    def __init__(self, fd: int | None = None) -> None:
        self._mem, self.fd = shared_memory("hastack-heard", self.SIZE, fd)

    def generation(self) -> int:
        return int(self._GEN.unpack_from(self._mem, 0)[0])

    def begin(self, generation: int) -> None:
        """(child) A new list of peers: every slot cleared, then its generation published."""
        self._mem[8:] = bytes(self.SIZE - 8)
        self._GEN.pack_into(self._mem, 0, generation)

    def heard(self, slot: int, at: float, promise: float) -> None:
        if slot < self.SLOTS and at > self._SLOT.unpack_from(self._mem, 8 + 16 * slot)[0]:
            self._SLOT.pack_into(self._mem, 8 + 16 * slot, at, promise)

    def read(self, count: int) -> list[tuple[float, float]]:
        """(when heard, promise) of the first `count` slots. (A slot read while the child writes it may pair
        a time with the promise before it: harmless, both are of the same peer, and the next read is whole.)"""
        flat = struct.unpack_from(f"<{2 * min(count, self.SLOTS)}d", self._mem, 8)
        return [(float(flat[i]), float(flat[i + 1])) for i in range(0, len(flat), 2)]


class HeartbeatProcess(Heard):
    def __init__(self, node: str, address: str, peers: Callable[[], dict[str, str]], interval: float = 0.05,
                 port: int = PORT, slow: Callable[[], Collection[str]] = frozenset) -> None:
        self._board = HeardBoard()
        # the child's command line: Heartbeat's own arguments, which it builds the Heartbeat from
        self._command = [sys.executable, "-m", "hastack.daemon.hbprocess", "--node", node, "--address", address,
                         "--port", str(port), "--interval", str(interval), "--board-fd", str(self._board.fd)]
        self._where = f"{address}:{port}"
        self._peers = peers
        self._slow = slow
        self._sent_peers: dict[str, str] | None = None
        self._sent_slow: frozenset[str] | None = None
        self._order: list[str] = []
        self._generation = 0
        super().__init__()
        self._proc: subprocess.Popen[str] | None = None

    def start(self) -> None:
        with self._lock:
            self._spawn()

    def _spawn(self) -> None:
        proc = subprocess.Popen(self._command, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                text=True, bufsize=1, pass_fds=(self._board.fd,))  # (its stderr: hastackd's log)
        try:
            line = read_line(proc.stdout, START_TIMEOUT_S)
        except TimeoutError:
            line = f"not ready within {START_TIMEOUT_S:.0f} s"
        if line.strip() != READY:
            proc.kill()
            raise HastackError(f"the heartbeat process did not start on {self._where}: "
                               f"{line.strip() or 'no output'}",
                               hint="is another hastackd running on this address? (--address)")
        self._proc = proc
        self._sent_peers = self._sent_slow = None

    def stop(self) -> None:
        with self._lock:
            proc, self._proc = self._proc, None
        if proc is not None:
            close(proc)

    def drain(self) -> None:
        """Read what the child heard (and tell it the peers, when they changed). A child that died is
        started again: without it, this node sends no heartbeats and gets fenced."""
        with self._lock:
            try:
                self._read()
            except (OSError, ValueError) as err:
                proc, self._proc = self._proc, None
                if proc is not None:
                    close(proc)
                print(f"hastackd: heartbeat process restarted ({err})", file=sys.stderr, flush=True)
                self._spawn()

    def _read(self) -> None:
        proc = self._proc
        if proc is None or proc.stdin is None or proc.poll() is not None:
            raise OSError("not running")
        peers, slow = dict(self._peers()), frozenset(self._slow())  # (asked every fencer turn: no sorting)
        if peers != self._sent_peers or slow != self._sent_slow:
            if peers != self._sent_peers:  # new slots (a change of rates alone keeps what was heard)
                self._generation += 1
                self._order = sorted(peers)
            proc.stdin.write(json.dumps({"peers": peers, "order": self._order, "generation": self._generation,
                                         "slow": sorted(slow)}) + "\n")
            proc.stdin.flush()
            self._sent_peers, self._sent_slow = peers, slow
        if self._board.generation() != self._generation:
            return  # the child has not taken the new list yet: what was read last still holds
        slots = [(n, t, p) for n, (t, p) in zip(self._order, self._board.read(len(self._order))) if t > 0]
        self._seen = {n: t for n, t, _ in slots}
        self._promised = {n: p for n, _, p in slots}


# --- the child ------------------------------------------------------------------------------------
def serve(hb: Heartbeat, peers: list[dict[str, str]], slow: list[frozenset[str]], slots: dict[str, int],
          board: HeardBoard, lock: threading.Lock, lines: IO[str]) -> None:
    """Take the parent's lists of peers until its pipe closes. `peers[0]` and `slow[0]` are what the sender
    reads and `slots` where the receiver writes: each replaced whole, never changed in place under those
    loops."""
    generation = None
    for line in lines:
        doc = json.loads(line)
        with lock:  # (no heard() lands in a slot of the previous list after the switch)
            peers[0] = {str(k): str(v) for k, v in doc["peers"].items()}
            slow[0] = frozenset(str(n) for n in doc.get("slow", ()))
            if doc["generation"] == generation:
                continue  # the same slots: only whom to send to slowly changed
            generation = doc["generation"]
            order = [str(n) for n in doc["order"]]
            slots.clear()
            slots.update({n: i for i, n in enumerate(order)})
            board.begin(int(generation))
            for node, (at, promise) in hb.heard().items():
                if node in slots:
                    board.heard(slots[node], at, promise)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="hastack-heartbeat", description=__doc__.split("\n")[0])
    ap.add_argument("--node", required=True)
    ap.add_argument("--address", required=True)
    ap.add_argument("--port", type=int, default=PORT)
    ap.add_argument("--interval", type=float, default=0.05)
    ap.add_argument("--board-fd", type=int, required=True)
    a = ap.parse_args(argv)
    peers: list[dict[str, str]] = [{}]
    slow: list[frozenset[str]] = [frozenset()]
    board = HeardBoard(a.board_fd)
    slots: dict[str, int] = {}
    lock = threading.Lock()

    def heard(node: str, at: float, promise: float) -> None:
        with lock:
            slot = slots.get(node)
            if slot is not None:
                board.heard(slot, at, promise)

    deadline = time.monotonic() + BIND_RETRY_S
    while True:
        try:
            hb = Heartbeat(a.node, a.address, peers=lambda: peers[0], interval=a.interval, port=a.port,
                           on_heard=heard, slow=lambda: slow[0])
            break
        except OSError as err:
            # the child of a hastackd that just died may still hold the port for a moment
            if err.errno != errno.EADDRINUSE or time.monotonic() > deadline:
                print(f"cannot listen on {a.address}:{a.port}: {err.strerror or err}", flush=True)  # (the parent reads it)
                return 2
            time.sleep(0.1)
    hb.start()
    print(READY, flush=True)
    try:
        serve(hb, peers, slow, slots, board, lock, sys.stdin)
    except (BrokenPipeError, KeyboardInterrupt):
        pass
    finally:
        hb.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
