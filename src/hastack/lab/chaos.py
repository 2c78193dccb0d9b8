"""Random faults on a running lab while a checker watches every host: never two copies, and recovery.

One fault at a time, each undone before the next (so the etcd majority is
never lost for long): power loss and power on, freeze and thaw, a partition
isolating the DC, the etcd leader or any host, then healed; the web server
killed behind the agent's back (a monitor must notice); hastackd killed alone;
an etcd member killed. The checker (lab.trial.Checker) polls every host about
every 50 ms for the VIP and the web server. After the last fault everything is
healed and the service must answer again within `budget_s`.

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
from hastack.lab.trial import WEB_NEEDLE, Checker, dc_host, etcd_leader, holder

FAULTS = ("power", "freeze", "partition-dc", "partition-etcd-leader", "partition", "agent", "kill-hastackd",
          "kill-etcd")


@dataclass
class ChaosReport:
    faults: Counter[str] = field(default_factory=Counter)
    violations: list[str] = field(default_factory=list)
    samples: int = 0
    recovered_s: float | None = None  # after the last fault was undone: time until the VIP answered
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
    def __init__(self, lab: Lab, vip: str, seed: int, say: Callable[[str], None] = lambda _: None) -> None:
        self.lab = lab
        self.vip = vip
        self.rng = random.Random(seed)
        self.say = say

    def _pause(self, lo: float, hi: float) -> None:
        time.sleep(self.rng.uniform(lo, hi))

    def _any_host(self) -> int:
        return self.rng.randint(1, self.lab.hosts)

    def one(self, kind: str) -> str:
        lab = self.lab
        if kind == "power":
            i = holder(lab, self.vip) or self._any_host()
            lab.power_off(i)
            self._pause(2, 5)
            lab.power_on(i)
            return f"power loss of h{i}"
        if kind == "freeze":
            i = holder(lab, self.vip) or self._any_host()
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
            i = holder(lab, self.vip) or self._any_host()
            killed = kill_matching(lab, i, WEB_NEEDLE.encode())
            return f"web server killed on h{i}" + ("" if killed else " (none ran)")
        if kind == "kill-hastackd":
            i = self._any_host()
            lab.kill_hastackd(i)
            return f"hastackd killed on h{i}"
        if kind == "kill-etcd":
            i = self.rng.choice(lab.voters)
            kill_matching(lab, i, b"/usr/bin/etcd ")
            return f"etcd member killed on h{i}"
        raise ValueError(kind)

    def _power_on_fenced(self) -> None:
        """A host the cluster fenced stays off until someone powers it on: the operator, here."""
        for i in range(1, self.lab.hosts + 1):
            if not self.lab.pids(i):
                self.lab.power_on(i)
                self.say(f"     h{i} was off (fenced): powered on")

    def run(self, faults: int, budget_s: float = 30.0) -> ChaosReport:
        report = ChaosReport()
        checker = Checker(self.lab, self.vip).start()
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
            if wait_until(lambda: self.lab.http_get(self.vip) is not None, budget_s, 0.1):
                report.recovered_s = time.monotonic() - t0
        finally:
            checker.stop()
        report.violations = list(checker.violations)
        report.samples = checker.samples
        return report
