"""One failover trial on a running lab: power off the VIP holder, see when a survivor answers.

Also the double-active checker used by trials, the demo and the chaos test:
`Checker` polls every host about every 50 ms for the VIP address (on a host
whose link is up) and the web process, and remembers any instant at which
two hosts had the same primitive active.

Imports lab.cluster.
"""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from hastack.lab.cluster import Lab

WEB_NEEDLE = "http.server 8080"


@dataclass
class Checker:
    """Watches `vip` and `more_vips` (each on at most one host whose link is up) and the processes whose
    command line holds one of `needles` (each on at most one host)."""

    lab: Lab
    vip: str
    more_vips: tuple[str, ...] = ()
    needles: tuple[str, ...] = (WEB_NEEDLE,)
    period: float = 0.05
    violations: list[str] = field(default_factory=list)
    samples: int = 0
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None

    def start(self) -> Checker:
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        if self._thread:
            self._thread.join()

    def _run(self) -> None:
        while not self._stop.is_set():
            up = self.lab.net.links_up(self.lab.hosts)
            held = {i: self.lab.net.addresses(i) for i in sorted(up)}
            for address in (self.vip, *self.more_vips):
                vip = [i for i in sorted(up) if address in held[i]]
                if len(vip) > 1:
                    self.violations.append(f"{time.monotonic():.3f} VIP {address} on hosts {vip}")
            for needle, hosts in self.lab.census(self.needles).items():
                web_up = sorted(i for i in hosts if i in up)
                if len(web_up) > 1:
                    self.violations.append(f"{time.monotonic():.3f} {needle!r} on hosts {web_up}")
            self.samples += 1
            self._stop.wait(self.period)


@dataclass(frozen=True)
class Trial:
    victim: int
    failover_s: float | None  # T0 -> first 200 from a survivor
    served_by: str | None
    victim_was_dc: bool
    victim_was_leader: bool = False  # hastack: the victim hosted the etcd leader


def holder(lab: Lab, vip: str) -> int | None:
    h = lab.holders_of_vip(vip)
    return h[0] if len(h) == 1 else None


def cluster_status(lab: Lab, timeout: float = 10.0) -> dict[str, Any] | None:
    """`hastack status --output-as json` of the lab, or None when the cluster does not answer in time."""
    try:
        out = lab.hastack("status", "--output-as", "json", check=False, timeout=timeout)
        doc = json.loads(out)
    except (subprocess.TimeoutExpired, ValueError):
        return None
    return doc if isinstance(doc, dict) else None


def _host_number(name: object) -> int | None:
    text = str(name or "")
    return int(text[1:]) if text.startswith("h") and text[1:].isdigit() else None


def dc_host(lab: Lab) -> int | None:
    """The DC's host, if the cluster says in time."""
    doc = cluster_status(lab)
    return _host_number(doc.get("dc")) if doc else None


def first_answer(lines: list[str], t0: float, victim: str) -> tuple[float, str] | None:
    """From the poller's lines (`start end ok body`, in completion order): the earliest-ending success of a
    request started at or after T0 and answered by another host than the victim -- (seconds after T0, that
    host). A request the victim answered in the few ms between T0 and the cut does not count."""
    best: tuple[float, str] | None = None
    for line in lines:
        start, end, ok, body = line.split(" ", 3)
        if ok == "1" and float(start) >= t0 and body != victim and (best is None or float(end) - t0 < best[0]):
            best = (float(end) - t0, body)
    return best


def power_loss(lab: Lab, vip: str, victim: int, workdir: Path, window_s: float,
               preroll_s: float = 1.5) -> tuple[float, str] | None:
    """Poll the VIP from the client, power the victim off `preroll_s` later (T0 just before its link is cut),
    and return what first_answer() finds; the poller stops 2 s after a survivor answers, or `window_s` after
    T0. The victim stays off. (A random preroll keeps T0 from falling at the same phase of a protocol's
    period in every trial.)"""
    out = workdir / f"poll-{time.time():.3f}.log"
    poll = subprocess.Popen(["ip", "netns", "exec", lab.net.client, sys.executable, "-m", "hastack.lab.poller",
                             "--host", vip, "--seconds", str(window_s + preroll_s), "--out", str(out),
                             "--not-from", f"h{victim}", "--done-after", "2"])
    try:
        time.sleep(preroll_s)
        t0 = lab.power_off(victim)
        poll.wait(timeout=window_s + 20)
    finally:
        if poll.poll() is None:
            poll.kill()
            poll.wait()
    return first_answer(out.read_text().splitlines(), t0, f"h{victim}")


def run_trial(lab: Lab, vip: str, workdir: Path, settle_s: float = 15.0, window_s: float = 12.0,
              preroll_s: float = 1.5) -> Trial:
    """Power off the holder, measure, and power it on again (the cluster settles before the next)."""
    victim = holder(lab, vip)
    if victim is None:
        raise RuntimeError(f"no single holder of {vip}")
    was_dc = dc_host(lab) == victim
    was_leader = etcd_leader(lab) == victim
    first = power_loss(lab, vip, victim, workdir, window_s, preroll_s)
    lab.power_on(victim)
    deadline = time.monotonic() + settle_s
    while time.monotonic() < deadline and victim not in members(lab):
        time.sleep(0.2)
    time.sleep(1.0)
    return Trial(victim, first[0] if first else None, first[1] if first else None, was_dc, was_leader)


def etcd_leader(lab: Lab) -> int | None:
    """The host of the etcd leader, if the cluster says in time."""
    try:
        out = lab.hastack("cluster", "etcd", check=False, timeout=10)
    except subprocess.TimeoutExpired:
        return None
    for line in out.splitlines():
        name, _, flag = line.partition(" ")
        if flag.strip() == "leader":
            return _host_number(name)
    return None


def place_etcd_leader(lab: Lab, host: int, on: bool) -> None:
    """Hand etcd's leadership to `host` (on) or away from it to another voter (not on), so that a bench's
    trials both kill and spare the etcd leader instead of whatever the last election left (a host that
    just took over the VIP was often the one that had just won etcd's election too)."""
    leader = etcd_leader(lab)
    voters = range(1, (5 if lab.hosts >= 7 else min(3, lab.hosts)) + 1)
    if leader is None or host not in voters or (leader == host) == on:
        return
    target = host if on else next(i for i in voters if i != host)
    lab.hastack("cluster", "etcd", "--move-leader", f"h{target}", check=False, timeout=10)


def members(lab: Lab) -> list[int]:
    """The hosts that are members of the cluster now, if it says in time."""
    doc = cluster_status(lab)
    numbers = [_host_number(n) for n in (doc or {}).get("members", [])]
    return [n for n in numbers if n is not None]
