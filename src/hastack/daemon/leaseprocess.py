"""The node's lease from a process of its own, so that hastackd's own load cannot starve its renewal.

In hastackd, the renewal and the self-fence guard were real-time threads, but
threads of one Python interpreter: each step of a renewal (TLS, HTTP, JSON)
takes the interpreter lock, and the thread holding it -- the DC scheduling
1,000 resources, at normal priority on a loaded machine -- ran a few
milliseconds at a time. Measured in the 16-host lab: the DC's renewal
starved, its watchdog reset it, and the next DC started over. As corosync
runs apart from Pacemaker's daemons, a small child process now runs
daemon.membership (renewal, join, the watchdog's petting), and hastackd
reads its state from 32 bytes of shared memory: no round trip on the paths
that ask "may I run resources?" hundreds of times a second.

The two halves of the self-fence rule:
- the child renews only while hastackd shows a sign of life (hastackd's guard
  thread writes one to the board every 50 ms; `parent_silence_for` without one
  and renewal stops): a hung hastackd must not keep its node in, since it
  runs the node's resources and cannot stop them. (Pacemaker's sbd watches
  pacemakerd for the same reason.)
- hastackd's guard stops every local resource when the deadline on the board
  passes, as before; if it cannot, the watchdog the child no longer pets resets
  the machine (DESIGN, safety rule 1).

The child exits when its standard input closes (hastackd died) and then
revokes nothing: the resources may still run until the watchdog or the
guard has stopped them, so the lease must run out in etcd's own time.

Imports daemon.childpipe, daemon.membership, daemon.shm, daemon.timing, daemon.watchdog, errors, store.
"""

from __future__ import annotations

import argparse
import dataclasses
import faulthandler
import json
import logging
import signal
import struct
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

from hastack.daemon.childpipe import close, read_line
from hastack.daemon.membership import Guard, Membership
from hastack.daemon.shm import shared_memory
from hastack.daemon.timing import Timing
from hastack.daemon.watchdog import FileWatchdog
from hastack.errors import HastackError
from hastack.store.etcd import EtcdStore
from hastack.store.etcdclient import EtcdClient, TlsFiles

log = logging.getLogger("hastack.membership")

READY = "ready"
START_TIMEOUT_S = 60.0  # the child imports the etcd client: many seconds on a machine at load 80
PARENT_SILENCE_S = 5.0  # hastackd silent this long (or two TTLs, if longer): the child stops renewing


def parent_silence_for(timing: Timing) -> float:
    """How long hastackd may show no sign of life before its node leaves: a TTL grown for a big cluster
    says the machine stalls for that long (the 16-host lab's DC stalled past 5 s at load 80)."""
    return max(PARENT_SILENCE_S, 2.0 * timing.ttl)
STOP_TIMEOUT_S = 3.0
RELAUNCH_EVERY_S = 1.0  # a child that keeps dying is started again at most this often


class Board:
    """What the child publishes (lease id, deadline) and hastackd's sign of life, in shared memory.

    The child's two fields change together: a sequence counter around each
    write (odd while writing) lets a reader retry a torn read. The sign of
    life has one writer, hastackd, and is read alone."""

    SIZE = 32
    _STATE = struct.Struct("<Qqd")  # sequence, lease id, deadline (CLOCK_MONOTONIC)
    _ALIVE = struct.Struct("<d")
    _ALIVE_AT = 24

    def __init__(self, fd: int | None = None) -> None:
        self._mem, self.fd = shared_memory("hastack-lease", self.SIZE, fd)

    def publish(self, lease: int, valid_until: float) -> None:
        seq = self._STATE.unpack_from(self._mem)[0]
        struct.pack_into("<Q", self._mem, 0, seq + 1)
        self._STATE.pack_into(self._mem, 0, seq + 1, lease, valid_until)
        struct.pack_into("<Q", self._mem, 0, seq + 2)

    def state(self) -> tuple[int, float]:
        while True:
            seq, lease, until = self._STATE.unpack_from(self._mem)
            if seq % 2 == 0 and self._STATE.unpack_from(self._mem)[0] == seq:
                return lease, until

    def touch(self, now: float) -> None:
        self._ALIVE.pack_into(self._mem, self._ALIVE_AT, now)

    def touched(self) -> float:
        return float(self._ALIVE.unpack_from(self._mem, self._ALIVE_AT)[0])


@dataclasses.dataclass(frozen=True)
class LeaseSpec:
    """Everything the child needs to hold the node's lease (its command line)."""

    node: str
    node_id: str
    endpoints: tuple[str, ...]
    prefix: str
    timing: Timing
    tls: TlsFiles | None = None
    watchdog_file: Path | None = None
    address: str | None = None
    parent_silence: float | None = None  # (default: parent_silence_for(timing))

    def command(self, board_fd: int) -> list[str]:
        cmd = [sys.executable, "-m", "hastack.daemon.leaseprocess", "--node", self.node, "--node-id", self.node_id,
               "--etcd", ",".join(self.endpoints), "--prefix", self.prefix,
               "--timing", json.dumps(dataclasses.asdict(self.timing)), "--board-fd", str(board_fd),
               "--parent-silence", str(self.parent_silence or parent_silence_for(self.timing))]
        if self.tls:
            cmd += ["--tls", ",".join((self.tls.ca, self.tls.cert, self.tls.key))]
        if self.watchdog_file:
            cmd += ["--watchdog-file", str(self.watchdog_file)]
        if self.address:
            cmd += ["--address", self.address]
        return cmd


def launch(spec: LeaseSpec, board: Board) -> subprocess.Popen[str]:
    """Start the child on `board` without waiting for it."""
    board.touch(time.monotonic())
    return subprocess.Popen(spec.command(board.fd), stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            text=True, bufsize=1, pass_fds=(board.fd,))  # (its log goes to hastackd's stderr)


def spawn(spec: LeaseSpec, board: Board) -> subprocess.Popen[str]:
    """Start the child on `board`; it has started when it says so (HastackError otherwise)."""
    proc = launch(spec, board)
    try:
        line = read_line(proc.stdout, START_TIMEOUT_S)
    except TimeoutError:
        line = ""
    if line.strip() != READY:
        proc.kill()
        proc.wait()
        raise HastackError(f"{spec.node}: the lease process did not start (exit {proc.returncode})",
                           hint="its error is in hastackd's log above")
    return proc


class LeaseProcess:
    """Membership's interface (start, stop, holds, valid_until, lease, fenced_count, wait_joined) with the
    renewal in a child process; the self-fence guard stays here, where the resources are stopped."""

    def __init__(self, spec: LeaseSpec, self_fence: Callable[[], None]) -> None:
        self.spec = spec
        self.node = spec.node
        self.timing = spec.timing
        self.board = Board()
        self._self_fence = self_fence
        self.fenced_count = 0
        self._stop = threading.Event()
        self._guard = Guard(self.valid_until, self._expired, self._tick)
        self._guard_thread = threading.Thread(target=self._guard.run, args=(self._stop,), name="self-fence-guard",
                                              daemon=True)
        self._proc: subprocess.Popen[str] | None = None
        self._launched = 0.0

    @property
    def lease(self) -> int:
        return self.board.state()[0]

    def holds(self) -> bool:
        lease, until = self.board.state()
        held = lease != 0 and time.monotonic() < until
        if held:
            self._guard.arm()  # whoever saw the lease held may have started something: the guard must fire
        return held

    def valid_until(self) -> float:
        return self.board.state()[1]

    def wait_joined(self, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        while not self.lease:
            if time.monotonic() >= deadline:
                return False
            time.sleep(0.02)
        return True

    def start(self) -> None:
        self._proc = spawn(self.spec, self.board)
        self._guard_thread.start()

    def stop(self, revoke: bool = True) -> None:
        self._stop.set()
        if self._guard_thread.is_alive():
            self._guard_thread.join(timeout=2)
        proc, self._proc = self._proc, None
        if proc is None:
            return
        try:
            if proc.stdin:
                proc.stdin.write(json.dumps({"stop": True, "revoke": revoke}) + "\n")
                proc.stdin.flush()
            proc.wait(timeout=STOP_TIMEOUT_S)
        except (OSError, subprocess.TimeoutExpired):
            pass
        close(proc)

    def _tick(self) -> None:
        self.board.touch(time.monotonic())
        proc = self._proc
        now = time.monotonic()
        if proc is None or proc.poll() is None or now - self._launched < RELAUNCH_EVERY_S:
            return
        # a dead child renews nothing: the deadline passes and this guard stops everything; a new child joins
        # with a new lease (a new incarnation, probed afresh). Not waited for: the guard must keep its watch.
        log.error("%s: the lease process exited (%s): starting it again", self.node, proc.returncode)
        close(proc)
        self._launched = now
        try:
            self._proc = launch(self.spec, self.board)
        except OSError as err:
            log.error("%s: cannot start the lease process: %s", self.node, err)

    def _expired(self) -> None:
        self.fenced_count += 1
        log.error("%s: lease not renewed in time: self-fencing (stopping every local resource)", self.node)
        self._self_fence()


# --- the child ------------------------------------------------------------------------------------
def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="hastack-lease", description=__doc__.split("\n")[0])
    ap.add_argument("--node", required=True)
    ap.add_argument("--node-id", required=True)
    ap.add_argument("--etcd", required=True)
    ap.add_argument("--prefix", required=True)
    ap.add_argument("--timing", required=True, help="daemon.timing.Timing's fields as JSON")
    ap.add_argument("--board-fd", type=int, required=True)
    ap.add_argument("--parent-silence", type=float, default=PARENT_SILENCE_S)
    ap.add_argument("--tls", default="", help="CA,CERT,KEY")
    ap.add_argument("--watchdog-file", type=Path, default=None)
    ap.add_argument("--address", default=None)
    a = ap.parse_args(argv)
    faulthandler.register(signal.SIGUSR1)  # where a stuck renewal waits: kill -USR1 PID
    logging.basicConfig(level=logging.INFO, stream=sys.stderr,
                        format=f"%(asctime)s.%(msecs)03d {a.node} %(name)s: %(message)s", datefmt="%H:%M:%S")
    logging.getLogger("httpx").setLevel(logging.WARNING)
    timing = Timing(**json.loads(a.timing))
    tls = TlsFiles(*a.tls.split(",")) if a.tls else None
    board = Board(a.board_fd)
    board.publish(0, 0.0)  # a new child holds no lease yet, whatever the board said before
    watchdog = FileWatchdog(a.watchdog_file) if a.watchdog_file else None
    client = EtcdClient([u for u in a.etcd.split(",") if u], tls=tls, timeout=timing.call_timeout)
    membership = Membership(EtcdStore(client, a.prefix), a.node, a.node_id, timing,
                            self_fence=lambda: None,  # (hastackd's guard stops the resources: it reads the board)
                            pet=watchdog.pet if watchdog else None, address=a.address,
                            alive=lambda: time.monotonic() - board.touched() < a.parent_silence,
                            on_state=board.publish)
    membership.start()
    print(READY, flush=True)
    revoke = False
    try:
        for line in sys.stdin:
            doc = json.loads(line)
            if doc.get("stop"):
                revoke = bool(doc.get("revoke"))
                break
    except (KeyboardInterrupt, ValueError):
        pass
    membership.stop(revoke=revoke)
    return 0


if __name__ == "__main__":
    sys.exit(main())
