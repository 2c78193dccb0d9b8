"""Embedded etcd: which nodes are voters, and the local member hastackd runs when its node is one.

With no `--etcd` given, hastack runs the etcd cluster itself, from the node
list every hastackd is started with (`--nodes h1=10.0.0.1,h2=...`):

- a voting member on each of the first 3 nodes, 5 from 7 nodes up, never more
  (Raft's write latency and election traffic grow with every voter; etcd
  advises 3 or 5); every other node is only a client of those members;
- a two-node cluster needs a witness (`--witness w=10.0.0.9`, run with
  `hastack witness` on a third machine): the voters are the two nodes and the
  witness, so either node alone keeps no quorum -- the safe answer to the
  Guide's `no-quorum-policy=ignore`, which lets both halves run everything;
- the local member is hastackd's child: started before anything else,
  restarted when it dies, stopped when hastackd stops.

`plan` is pure (who votes, the URLs); `LocalMember` is the thin process shell.

Imports etcdserver, store.etcdclient, errors.
"""

from __future__ import annotations

import logging
import subprocess
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from hastack.errors import HastackError
from hastack.etcdserver import ELECTION_MS, Member, serving, start_member, stop
from hastack.store.etcdclient import TlsFiles

log = logging.getLogger("hastack.etcd")

CLIENT_PORT = 2379
PEER_PORT = 2380


@dataclass(frozen=True)
class EtcdPlan:
    voters: tuple[Member, ...]
    me: Member | None  # this node's member, when it is a voter

    def endpoints_for(self, name: str) -> list[str]:
        """The voters' client URLs, this node's own first, the others rotated by its position."""
        urls = [m.client_url for m in self.voters]
        k = next((i for i, m in enumerate(self.voters) if m.name == name), hash(name) % len(urls))
        return urls[k:] + urls[:k]


def parse_nodes(text: str, what: str = "--nodes") -> list[tuple[str, str]]:
    out = []
    for item in (p.strip() for p in text.split(",") if p.strip()):
        name, sep, addr = item.partition("=")
        if not sep or not name or not addr:
            raise HastackError(f"{what}: {item!r} is not NAME=ADDRESS", hint=f"e.g. {what} h1=10.0.0.1,h2=10.0.0.2")
        out.append((name, addr))
    names = [n for n, _ in out]
    dup = sorted({n for n in names if names.count(n) > 1})
    if dup:
        raise HastackError(f"{what}: {', '.join(dup)} listed twice", hint="each node once")
    return out


def voter_count(nodes: int) -> int:
    return 5 if nodes >= 7 else min(nodes, 3)


def plan(me: str, nodes: Sequence[tuple[str, str]], witnesses: Sequence[tuple[str, str]] = (),
         tls: bool = True, voters: int | None = None) -> EtcdPlan:
    """`voters`: how many of the nodes run a voting member (None: voter_count); every node must be given
    the same, as each plans for itself."""
    if me not in [n for n, _ in nodes] + [w for w, _ in witnesses]:
        raise HastackError(f"this node ({me}) is not in the node list", hint="add it to --nodes")
    if len(nodes) == 2 and not witnesses:
        raise HastackError("a two-node cluster needs a witness: with two etcd voters, losing either one loses "
                           "quorum, and no-quorum-policy=ignore would let both halves run everything",
                           hint="run `hastack witness` on a third machine and pass --witness NAME=ADDRESS")
    if voters is not None and (voters < 1 or voters % 2 == 0 or voters > len(nodes)):
        raise HastackError(f"--etcd-voters {voters}: an odd number of voters, at most the {len(nodes)} nodes, "
                           f"is needed", hint="3 (one voter may fail) or 5 (two may)")
    count = voters if voters is not None else voter_count(len(nodes))
    chosen = list(nodes[:2]) + list(witnesses[:1]) if len(nodes) == 2 else list(nodes[:count])
    scheme = "https" if tls else "http"
    members = tuple(Member(n, f"{scheme}://{a}:{CLIENT_PORT}", f"{scheme}://{a}:{PEER_PORT}") for n, a in chosen)
    mine = next((m for m in members if m.name == me), None)
    return EtcdPlan(members, mine)


class LocalMember:
    """This node's etcd member as a child process, restarted when it exits."""

    def __init__(self, plan: EtcdPlan, data_dir: Path, tls: TlsFiles | None, token: str = "hastack",
                 election_ms: int = ELECTION_MS) -> None:
        assert plan.me is not None
        self.election_ms = election_ms
        self.plan = plan
        self.data_dir = data_dir
        self.tls = tls
        self.token = token
        self.restarts = 0
        self._proc: subprocess.Popen[bytes] | None = None
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._keep, name="etcd-member", daemon=True)

    def start(self) -> None:
        self._spawn()
        self._thread.start()

    def _spawn(self) -> None:
        assert self.plan.me is not None
        if serving(self.plan.me.client_url):
            # a member left running by a previous hastackd (killed alone): adopt it, start none
            log.info("etcd member %s already serves %s: adopting it", self.plan.me.name, self.plan.me.client_url)
            self._proc = None
            return
        self._proc = start_member(self.plan.me, self.plan.voters, self.data_dir, tls=self.tls,
                                  log=self.data_dir.parent / "etcd.log", token=self.token,
                                  election_ms=self.election_ms)
        log.info("etcd member %s started (pid %d)", self.plan.me.name, self._proc.pid)

    def _keep(self) -> None:
        assert self.plan.me is not None
        while not self._stop.wait(0.2):
            gone = self._proc.poll() is not None if self._proc is not None else \
                not serving(self.plan.me.client_url)
            if gone:
                log.warning("etcd member %s is not running: starting it", self.plan.me.name)
                self.restarts += 1
                self._spawn()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=2)
        if self._proc is not None:
            stop(self._proc)
