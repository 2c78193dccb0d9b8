"""Running etcd members: the command line of Debian's `etcd` for one member, start, readiness, stop.

hastack owns its members' configuration (the Debian unit is not used): each
member gets its name, data directory, client and peer URLs, the initial
cluster, TLS files when given, and tuned Raft timers (election 100 ms by
default, heartbeat a fifth of it: a dead leader is replaced in 0.1 to 0.2 s,
so a 2 s lease survives its death and a failover that loses the leader with
the victim waits little for the next one).

Imports store.etcdclient and errors.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from hastack.errors import HastackError
from hastack.store.etcdclient import EtcdClient, TlsFiles
from hastack.store.port import StoreError

ETCD = "etcd"
# The members' Raft timers. A dead leader is replaced within one to two election timeouts, and while there is
# none no lease renews: every node must get a renewal through within its self-fence deadline (TTL - margin)
# or stop everything (daemon.timing checks it). Every write after a failover's fence -- the revocation, the
# survivor's orders -- needs a leader, so when the victim was the leader the election is on the failover's
# path: 250 ms (heartbeat 25) cost those failovers 0.3-0.6 s more than the others in bench/failover.py. The
# members run real-time (below), so the machine's load does not starve them into false elections, and with
# pre-vote a member that was cut off does not depose a working leader when it comes back. A large cluster
# (many voters' heartbeats, a busy machine) passes a longer one (hastackd --etcd-election-ms).
ELECTION_MS = 100
HEARTBEAT_PER_ELECTION = 5  # etcd refuses an election timeout under five heartbeats
# a quiet watch hears from its member this often (store.etcdclient.wait_for_change): a live member's watch
# is kept, a dead one's falls silent -- without it, every quiet watch was made again 4 times a second
PROGRESS_NOTIFY_MS = 100


def progress_notify_ms(election_ms: int) -> int:
    """How often a quiet watch hears from its member: every 100 ms, or every election timeout when that is
    longer (a big cluster's: at 16 hosts, 64 watches' progress lines 10 times a second were noise)."""
    return max(PROGRESS_NOTIFY_MS, election_ms)


def watch_silence_s(election_ms: int) -> float:
    """How long a watch on one of hastack's own members may stay silent before its member is taken for
    dead or cut off: two and a half progress intervals."""
    return 2.5 * progress_notify_ms(election_ms) / 1000


@dataclass(frozen=True)
class Member:
    name: str
    client_url: str  # where clients connect, e.g. https://10.0.0.1:2379
    peer_url: str  # where other members connect, e.g. https://10.0.0.1:2380


def etcd_binary() -> str:
    path = shutil.which(ETCD) or ("/usr/bin/etcd" if os.path.exists("/usr/bin/etcd") else None)
    if path is None:
        raise HastackError("etcd is not installed", hint="apt-get install etcd-server (./run installs it)")
    return path


def raft_flags(election_ms: int) -> list[str]:
    heartbeat_ms = max(1, election_ms // HEARTBEAT_PER_ELECTION)
    return ["--heartbeat-interval", str(heartbeat_ms), "--election-timeout", str(election_ms), "--pre-vote"]


def member_command(me: Member, cluster: Sequence[Member], data_dir: Path, *, tls: TlsFiles | None = None,
                   new: bool = True, tuned: bool = True, token: str = "hastack",
                   election_ms: int = ELECTION_MS) -> list[str]:
    cmd = [etcd_binary(), "--name", me.name, "--data-dir", str(data_dir),
           "--listen-client-urls", me.client_url, "--advertise-client-urls", me.client_url,
           "--listen-peer-urls", me.peer_url, "--initial-advertise-peer-urls", me.peer_url,
           "--initial-cluster", ",".join(f"{m.name}={m.peer_url}" for m in cluster),
           "--initial-cluster-state", "new" if new else "existing",
           "--initial-cluster-token", token, "--logger", "zap", "--log-outputs", "stderr",
           "--log-level", "warn"]
    if tuned:
        cmd += [*raft_flags(election_ms),
                "--experimental-watch-progress-notify-interval", f"{progress_notify_ms(election_ms)}ms"]
    if tls is not None:
        cmd += ["--cert-file", tls.cert, "--key-file", tls.key, "--trusted-ca-file", tls.ca,
                "--client-cert-auth",
                "--peer-cert-file", tls.cert, "--peer-key-file", tls.key, "--peer-trusted-ca-file", tls.ca,
                "--peer-client-cert-auth"]
    return cmd


ETCD_RT_PRIORITY = 5


def start_member(me: Member, cluster: Sequence[Member], data_dir: Path, *, tls: TlsFiles | None = None,
                 tuned: bool = True, log: Path | None = None, netns: str | None = None,
                 env: Mapping[str, str] | None = None, token: str = "hastack",
                 election_ms: int = ELECTION_MS) -> subprocess.Popen[bytes]:
    data_dir.mkdir(parents=True, exist_ok=True)
    new = not (data_dir / "member").exists()
    cmd = member_command(me, cluster, data_dir, tls=tls, new=new, tuned=tuned, token=token, election_ms=election_ms)
    if tuned and os.geteuid() == 0 and shutil.which("chrt"):
        # Real-time round-robin, below hastackd's own lease and heartbeat threads (10): with a 500 ms
        # election timeout, a member starved by the machine's load for half a second makes its leader
        # step down, and an election storm outlasts every node's self-fence deadline (seen in the lab
        # while benchmarks ran beside it). Corosync runs real-time for the same reason.
        cmd = ["chrt", "--rr", str(ETCD_RT_PRIORITY), *cmd]
    if netns:
        cmd = ["ip", "netns", "exec", netns, *cmd]
    out = open(log, "ab") if log else subprocess.DEVNULL
    try:
        return subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                env={**os.environ, "ETCD_UNSUPPORTED_ARCH": os.environ.get(
                                    "ETCD_UNSUPPORTED_ARCH", ""), **(env or {})}, start_new_session=True)
    finally:
        if log:
            out.close()  # type: ignore[union-attr]


def serving(url: str, timeout: float = 0.2) -> bool:
    """Whether something accepts connections at a member URL's address (an etcd already running there)."""
    from urllib.parse import urlparse

    u = urlparse(url)
    try:
        with socket.create_connection((u.hostname or "127.0.0.1", u.port or 2379), timeout=timeout):
            return True
    except OSError:
        return False


def wait_ready(client: EtcdClient, timeout: float = 20.0) -> None:
    """Until a write goes through (a leader exists and a majority answers)."""
    deadline = time.monotonic() + timeout
    last = ""
    while time.monotonic() < deadline:
        try:
            client.put("/hastack-ready", "1", timeout=1.0)
            return
        except StoreError as err:
            last = str(err)
            time.sleep(0.1)
    raise StoreError(f"etcd did not become ready within {timeout:.0f} s ({last})",
                     hint="see the etcd member logs")


def stop(proc: subprocess.Popen[bytes], timeout: float = 5.0) -> None:
    if proc.poll() is not None:
        return
    proc.terminate()
    try:
        proc.wait(timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
