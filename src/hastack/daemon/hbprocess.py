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

The protocol, one line each way: the parent writes `{"peers": {node: address}}`
when the peers change and `{"ask": 1}` to ask; the child answers each ask with
`{"seen": {node: monotonic time}}`. The child exits when its standard input
closes (hastackd died, however it died), so it never outlives its parent.

`HeartbeatProcess` has Heartbeat's interface (start, stop, silent_for, drain),
so the fencer takes either. Imports daemon.childpipe, daemon.heartbeat, errors.
"""

from __future__ import annotations

import argparse
import errno
import json
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from typing import IO

from hastack.daemon.childpipe import close, read_line
from hastack.daemon.heartbeat import PORT, Heartbeat
from hastack.errors import HastackError

READY = "ready"
START_TIMEOUT_S = 10.0
BIND_RETRY_S = 3.0
ANSWER_TIMEOUT_S = 1.0  # a child that does not answer an ask in this long is restarted


class HeartbeatProcess:
    def __init__(self, node: str, address: str, peers: Callable[[], dict[str, str]], interval: float = 0.05,
                 port: int = PORT) -> None:
        # the child's command line: Heartbeat's own arguments, which it builds the Heartbeat from
        self._command = [sys.executable, "-m", "hastack.daemon.hbprocess", "--node", node, "--address", address,
                         "--port", str(port), "--interval", str(interval)]
        self._where = f"{address}:{port}"
        self._peers = peers
        self._sent_peers: dict[str, str] | None = None
        self._seen: dict[str, float] = {}
        self._lock = threading.Lock()
        self._proc: subprocess.Popen[str] | None = None

    def start(self) -> None:
        with self._lock:
            self._spawn()

    def _spawn(self) -> None:
        proc = subprocess.Popen(self._command, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True, bufsize=1)
        line = read_line(proc.stdout, START_TIMEOUT_S)
        if line.strip() != READY:
            proc.kill()
            err = proc.stderr.read() if proc.stderr else ""
            raise HastackError(f"the heartbeat process did not start on {self._where}: "
                               f"{(err or line).strip() or 'no output'}",
                               hint="is another hastackd running on this address? (--address)")
        self._proc = proc
        self._sent_peers = None

    def stop(self) -> None:
        with self._lock:
            proc, self._proc = self._proc, None
        if proc is not None:
            close(proc)

    def silent_for(self, node: str, now: float | None = None) -> float | None:
        """Seconds since `node` was last heard, as of the last drain (None: never heard)."""
        with self._lock:
            t = self._seen.get(node)
        return None if t is None else (now if now is not None else time.monotonic()) - t

    def drain(self) -> None:
        """Ask the child what it heard (and tell it the peers, when they changed). A child that died or
        does not answer is started again: without it, this node sends no heartbeats and gets fenced."""
        with self._lock:
            try:
                self._ask()
            except (OSError, ValueError, TimeoutError) as err:
                proc, self._proc = self._proc, None
                if proc is not None:
                    close(proc)
                print(f"hastackd: heartbeat process restarted ({err})", file=sys.stderr, flush=True)
                self._spawn()

    def _ask(self) -> None:
        proc = self._proc
        if proc is None or proc.stdin is None or proc.stdout is None:
            raise OSError("not running")
        peers = dict(self._peers())
        out = ""
        if peers != self._sent_peers:
            out += json.dumps({"peers": peers}) + "\n"
        proc.stdin.write(out + '{"ask": 1}\n')
        proc.stdin.flush()
        self._sent_peers = peers
        doc = json.loads(read_line(proc.stdout, ANSWER_TIMEOUT_S))
        self._seen = {str(k): float(v) for k, v in doc["seen"].items()}


# --- the child ------------------------------------------------------------------------------------
def serve(hb: Heartbeat, peers: list[dict[str, str]], lines: IO[str], out: IO[str]) -> None:
    """Answer the parent until its pipe closes. `peers[0]` is what the sender reads: replaced whole, never
    changed in place under the sender's loop."""
    for line in lines:
        doc = json.loads(line)
        if "peers" in doc:
            peers[0] = {str(k): str(v) for k, v in doc["peers"].items()}
        if "ask" in doc:
            hb.drain()  # (the receiver thread keeps up; this takes what it has not read yet)
            out.write(json.dumps({"seen": hb.heard()}) + "\n")
            out.flush()


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="hastack-heartbeat", description=__doc__.split("\n")[0])
    ap.add_argument("--node", required=True)
    ap.add_argument("--address", required=True)
    ap.add_argument("--port", type=int, default=PORT)
    ap.add_argument("--interval", type=float, default=0.05)
    a = ap.parse_args(argv)
    peers: list[dict[str, str]] = [{}]
    deadline = time.monotonic() + BIND_RETRY_S
    while True:
        try:
            hb = Heartbeat(a.node, a.address, peers=lambda: peers[0], interval=a.interval, port=a.port)
            break
        except OSError as err:
            # the child of a hastackd that just died may still hold the port for a moment
            if err.errno != errno.EADDRINUSE or time.monotonic() > deadline:
                print(f"cannot listen on {a.address}:{a.port}: {err.strerror or err}", file=sys.stderr)
                return 2
            time.sleep(0.1)
    hb.start()
    print(READY, flush=True)
    try:
        serve(hb, peers, sys.stdin, sys.stdout)
    except (BrokenPipeError, KeyboardInterrupt):
        pass
    finally:
        hb.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
