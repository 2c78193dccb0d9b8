"""Random faults on a running lab while a checker watches every host: never two copies, and recovery.

One fault at a time, each undone before the next (so the etcd majority is
never lost for long): power loss and power on, freeze and thaw, a partition
isolating the DC, the etcd leader or any host, then healed; the web server
killed behind the agent's back (a monitor must notice); hastackd killed alone;
an etcd member killed. The checker (lab.trial.Checker) polls every host about
every 50 ms for every service's VIP and server process. After the last fault
everything is healed; within `budget_s` every service must answer through its
VIP and the cluster must have converged (the scheduler has nothing left to do).

Imports lab.cluster, lab.trial, lab.net.
"""

from __future__ import annotations

import os
import random
import signal
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

from hastack.lab.cluster import Lab
from hastack.lab.net import wait_until
from hastack.lab.trial import WEB_NEEDLE, Checker, cluster_status, dc_host, etcd_leader, holder

FAULTS = ("power", "freeze", "partition-dc", "partition-etcd-leader", "partition", "agent", "kill-hastackd",
          "kill-etcd")


@dataclass(frozen=True)
class Service:
    """What the chaos watches and hurts: a server process reached through a VIP."""

    vip: str
    port: int = 8080
    needle: str = WEB_NEEDLE  # its command line


@dataclass
class ChaosReport:
    faults: Counter[str] = field(default_factory=Counter)
    violations: list[str] = field(default_factory=list)
    samples: int = 0
    recovered_s: float | None = None  # after the last fault: until every service answered and nothing was pending
    log: list[str] = field(default_factory=list)


def kill_matching(lab: Lab, i: int, needle: bytes, exclude: bytes = b"hostinit") -> bool:
    killed = False
    for p in lab.pids(i):
        try:
            cmd = open(f"/proc/{p}/cmdline", "rb").read().replace(b"\0", b" ")
        except OSError:
            continue
        if needle in cmd and exclude not in cmd and lab.in_host(i, p):  # (a pid may be reused meanwhile)
            try:
                os.kill(p, signal.SIGKILL)
                killed = True
            except ProcessLookupError:
                pass
    return killed


class Chaos:
    def __init__(self, lab: Lab, services: list[Service], seed: int, say: Callable[[str], None] = lambda _: None) -> None:
        self.lab = lab
        self.services = services
        self.rng = random.Random(seed)
        self.say = say

    def _holder(self) -> int:
        """The host of a randomly chosen service (any host when none holds it alone)."""
        return holder(self.lab, self.rng.choice(self.services).vip) or self._any_host()

    def _pause(self, lo: float, hi: float) -> None:
        time.sleep(self.rng.uniform(lo, hi))

    def _any_host(self) -> int:
        return self.rng.randint(1, self.lab.hosts)

    def one(self, kind: str) -> str:
        lab = self.lab
        if kind == "power":
            i = self._holder()
            lab.power_off(i)
            self._pause(2, 5)
            lab.power_on(i)
            return f"power loss of h{i}"
        if kind == "freeze":
            i = self._holder()
            lab.freeze(i, True)
            self._pause(1, 4)
            lab.freeze(i, False)
            return f"freeze of h{i}"
        if kind.startswith("partition"):
            if kind == "partition-dc":
                i = dc_host(lab) or self._any_host()
            elif kind == "partition-etcd-leader":
                i = etcd_leader(lab) or self._any_host()
            else:
                i = self._any_host()
            lab.partition([i], True)
            self._pause(2, 5)
            lab.partition([i], False)
            return f"{kind} h{i}"
        if kind == "agent":
            service = self.rng.choice(self.services)
            i = holder(lab, service.vip) or self._any_host()
            killed = kill_matching(lab, i, service.needle.encode())
            return f"{service.needle!r} killed on h{i}" + ("" if killed else " (none ran)")
        if kind == "kill-hastackd":
            i = self._any_host()
            lab.kill_hastackd(i)
            return f"hastackd killed on h{i}"
        if kind == "kill-etcd":
            i = self.rng.choice(lab.voters)
            kill_matching(lab, i, b"/usr/bin/etcd ")
            return f"etcd member killed on h{i}"
        raise ValueError(kind)

    def _converged(self) -> bool:
        if any(self.lab.http_get(s.vip, s.port) is None for s in self.services):
            return False
        doc = cluster_status(self.lab)
        return doc is not None and doc.get("pending") == [] and len(doc.get("members", [])) == self.lab.hosts

    def _power_on_fenced(self) -> None:
        """A host the cluster fenced stays off until someone powers it on: the operator, here."""
        for i in range(1, self.lab.hosts + 1):
            if not self.lab.pids(i):
                self.lab.power_on(i)
                self.say(f"     h{i} was off (fenced): powered on")

    def run(self, faults: int, budget_s: float = 30.0) -> ChaosReport:
        report = ChaosReport()
        first, *more = self.services
        checker = Checker(self.lab, first.vip, more_vips=tuple(s.vip for s in more),
                          needles=tuple(s.needle for s in self.services)).start()
        try:
            for n in range(faults):
                kind = self.rng.choice(FAULTS)
                what = self.one(kind)
                report.faults[kind] += 1
                line = f"{n + 1:4d} {time.strftime('%H:%M:%S')} {what}"
                report.log.append(line)
                self.say(line)
                self._pause(0.5, 2.0)
                self._power_on_fenced()
            t0 = time.monotonic()
            if wait_until(self._converged, budget_s, 0.2):
                report.recovered_s = time.monotonic() - t0
        finally:
            checker.stop()
        report.violations = list(checker.violations)
        report.samples = checker.samples
        return report
