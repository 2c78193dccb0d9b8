"""No acknowledged write lost: the tier's clients write while controllers lose power, freeze and partition.

The schedule is decided first, from a seed (`plan`, pure): which fault, on which host (a power loss
takes the Galera writer, where it hurts), for how long. `Run` is the thin shell: it starts
lab.tierload's clients in the client namespace, applies each fault through lab.cluster, lets it
last, heals it, waits until every Galera and RabbitMQ instance is back (hastackd's /active/R on every
host) before the next one, then stops the clients, reads the final state (every row of tier.acks,
every message of the quorum queue, and each Galera node's own row count) and judges it
(lab.tiercheck).

One fault at a time, each healed and recovered from before the next: a majority always survives, so
every fault must be survived without losing an acknowledged write -- and the cluster must come back.

Imports lab.cluster, lab.net, lab.tier, lab.tiercheck.
"""

from __future__ import annotations

import json
import random
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from hastack.lab.cluster import Lab
from hastack.lab.net import LabError
from hastack.lab.tier import client_cmd, client_json, writer
from hastack.lab.tiercheck import Event, Outage, Verdict, attempts, judge, outages, parse_events

KINDS = ("power", "partition", "freeze")
HOLD_S = (6.0, 12.0)  # how long a fault lasts (the cluster's fencing may end it sooner: a reboot)


@dataclass(frozen=True)
class Fault:
    kind: str  # power | partition | freeze
    target: str  # "writer" (the Galera writer when it is applied) or a host number "1".."3"
    hold_s: float

    def describe(self) -> str:
        who = "the Galera writer" if self.target == "writer" else f"h{self.target}"
        return f"{self.kind} of {who} for {self.hold_s:.1f} s"


def plan(seed: int, count: int, hosts: int = 3) -> list[Fault]:
    """`count` faults: every kind once in the first three (each must be survived), then random; a power
    loss takes the Galera writer, the others a random host (pure)."""
    rng = random.Random(seed)
    kinds = list(KINDS)
    rng.shuffle(kinds)
    out = []
    for k in range(count):
        kind = kinds[k] if k < len(kinds) else rng.choice(KINDS)
        target = "writer" if kind == "power" else str(rng.randint(1, hosts))
        out.append(Fault(kind, target, round(rng.uniform(*HOLD_S), 1)))
    return out


@dataclass
class Applied:
    fault: Fault
    host: int
    at: float  # wall clock
    recovered_s: float | None = None  # from the heal to every instance back


@dataclass
class Report:
    seed: int
    applied: list[Applied] = field(default_factory=list)
    events: list[Event] = field(default_factory=list)
    verdicts: list[Verdict] = field(default_factory=list)
    node_rows: dict[int, int] = field(default_factory=dict)  # Galera host -> rows it holds
    late_s: float | None = None  # after a fault not recovered from in time: when it came back after all

    @property
    def ok(self) -> bool:
        return (len(self.verdicts) == 2 and all(v.ok for v in self.verdicts)
                and len(set(self.node_rows.values())) == 1
                and all(a.recovered_s is not None for a in self.applied))

    def outages(self, kind: str) -> list[Outage]:
        return outages(self.events, kind)


def all_back(lab: Lab) -> bool:
    """Every host's hastackd runs its Galera and RabbitMQ instance, one writer is promoted, and MySQL and
    AMQP answer from the client namespace."""
    try:
        doc = client_json(lab, "probe", timeout=40)
    except (LabError, subprocess.TimeoutExpired, ValueError):
        return False
    active = doc.get("active")
    everywhere = list(range(1, lab.hosts + 1))
    return (isinstance(active, dict) and all(active.get(r) == everywhere for r in active)
            and doc.get("promoted") is not None and len(doc["promoted"]) == 1  # type: ignore[arg-type]
            and doc.get("mysql") is True and doc.get("amqp") is True)


def wait_back(lab: Lab, timeout: float) -> float | None:
    t0 = time.monotonic()
    while time.monotonic() - t0 < timeout:
        if all_back(lab):
            return time.monotonic() - t0
        time.sleep(2)
    return None


def victim(lab: Lab, fault: Fault) -> int:
    host = writer(lab) if fault.target == "writer" else int(fault.target)
    if host is None:
        raise LabError("no single Galera writer to take down")
    return host


def apply(lab: Lab, fault: Fault, host: int) -> None:
    if fault.kind == "power":
        lab.power_off(host)
    elif fault.kind == "freeze":
        lab.freeze(host, True)
    else:
        lab.partition([host], True)


def heal(lab: Lab, fault: Fault, host: int) -> None:
    """End the fault; a host the cluster fenced (off) or that was powered off is powered on -- the
    power switch's reboot may already have done so (power_on is idempotent)."""
    if fault.kind == "freeze":
        lab.freeze(host, False)
    elif fault.kind == "partition":
        lab.partition([host], False)
    lab.power_on(host)


class Run:
    def __init__(self, lab: Lab, seed: int, workdir: Path, say: Callable[[str], None] = lambda _: None,
                 recover_timeout: float = 240.0) -> None:
        self.lab, self.seed, self.workdir, self.say = lab, seed, workdir, say
        self.recover_timeout = recover_timeout

    def go(self, faults: list[Fault], settle_s: float = 5.0) -> Report:
        report = Report(self.seed)
        stop = self.workdir / "tierload.stop"
        stop.unlink(missing_ok=True)
        events_file = self.workdir / "tierload.events"
        with open(events_file, "w") as out:
            # the clients run until told to stop (a long bound only so that nothing outlives a crash)
            clients = subprocess.Popen(client_cmd(self.lab, "run", "--seconds", "3600", "--stop-file", str(stop)),
                                       stdout=out, stderr=subprocess.DEVNULL)
            try:
                time.sleep(settle_s)
                for k, fault in enumerate(faults, 1):
                    if not self._one(report, k, len(faults), fault):
                        # not back in time: no further fault, one more chance to come back, and the
                        # acknowledged writes are checked all the same (an outage must not lose them)
                        report.late_s = wait_back(self.lab, self.recover_timeout)
                        break
                time.sleep(settle_s)
            finally:
                stop.write_text("stop")
                try:
                    clients.wait(30)
                except subprocess.TimeoutExpired:
                    clients.kill()
                    clients.wait()
        report.events = parse_events(events_file.read_text().splitlines())
        self._judge(report)
        return report

    def _one(self, report: Report, k: int, n: int, fault: Fault) -> bool:
        host = victim(self.lab, fault)
        at = time.time()  # just before the fault: the clients' errors are timed from here
        apply(self.lab, fault, host)
        applied = Applied(fault, host, at)
        report.applied.append(applied)
        self.say(f"fault {k}/{n}: {fault.kind} of h{host} ({fault.describe()})")
        time.sleep(fault.hold_s)
        heal(self.lab, fault, host)
        applied.recovered_s = wait_back(self.lab, self.recover_timeout)
        shown = f"{applied.recovered_s:.1f} s" if applied.recovered_s is not None else "NOT within the deadline"
        self.say(f"   healed; every Galera and RabbitMQ instance back and answering after {shown}")
        return applied.recovered_s is not None

    def _judge(self, report: Report) -> None:
        try:
            final = client_json(self.lab, "drain", timeout=300)
        except (LabError, subprocess.TimeoutExpired, ValueError) as err:
            self.say(f"the final state could not be read: {err}")
            return  # no verdicts: report.ok is False
        for kind, field_ in (("mysql-write", "mysql"), ("amqp", "amqp")):
            got = final.get(field_)
            counts = {int(k): int(v) for k, v in got.items()} if isinstance(got, dict) else {}
            report.verdicts.append(judge(field_, attempts(report.events, kind), counts))
        report.node_rows = node_rows(self.lab)


def node_rows(lab: Lab) -> dict[int, int]:
    """Each Galera node's own count of tier.acks, over its local socket (root): the replicas must agree."""
    rows = {}
    for i in range(1, lab.hosts + 1):
        sock = lab.host_dir(i) / "galera" / "mysqld.sock"
        proc = subprocess.run(["mariadb", "--no-defaults", f"--socket={sock}", "-N", "-B", "-e",
                               # wait until this replica applied every commit before the read (no stale read)
                               "SET SESSION wsrep_sync_wait=1; SELECT COUNT(*) FROM tier.acks"],
                              capture_output=True, text=True, timeout=60)
        rows[i] = int(proc.stdout.strip()) if proc.returncode == 0 and proc.stdout.strip().isdigit() else -1
    return rows


def summary(report: Report) -> list[str]:
    lines = [v.sentence() for v in report.verdicts]
    lines.append("Galera nodes' row counts: " + ", ".join(f"h{h} {n}" for h, n in sorted(report.node_rows.items())))
    for kind in ("mysql-write", "mysql-read", "amqp", "http"):
        done = [e for e in report.events if e.kind == kind]
        bad = report.outages(kind)
        longest = max((o.seconds or 0.0 for o in bad), default=0.0)
        lines.append(f"{kind}: {len(done)} operations, {sum(o.failed for o in bad)} failed in {len(bad)} "
                     f"window(s), longest {longest:.1f} s")
    return lines


def to_json(report: Report) -> str:
    return json.dumps({"seed": report.seed, "ok": report.ok, "late_s": report.late_s,
                       "faults": [{"fault": a.fault.describe(), "host": a.host, "recovered_s": a.recovered_s}
                                  for a in report.applied],
                       "verdicts": [v.sentence() for v in report.verdicts], "node_rows": report.node_rows})
