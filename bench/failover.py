"""Failover time in the lab: power loss of the VIP holder -> first HTTP 200 through the VIP from a survivor.

    .venv/bin/python bench/failover.py [--trials 10] [--hosts 3]

Runs hastack twice on the same lab machine, one configuration after the
other: fenced through the lab's power switch (the default) and lease-only
(no fence device). Each trial: the client polls the VIP every 25 ms; the
holder's link is cut and every process of it SIGKILLed (T0 just before the
cut); the time is the end of the first successful request from another host.
Trials where the victim was the DC are reported apart, and a checker on every
host counts double-active instants (must be 0). Pacemaker + Corosync and
keepalived rows are the reference note's (../shared/reference/failover-anchors.md,
same machine kind and fault, not this run): running them side by side in one
run is the next step (issue 11). Needs root.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
from pathlib import Path

from hastack.cli.lab import default_config
from hastack.lab.cluster import Lab
from hastack.lab.net import Net, wait_until
from hastack.lab.trial import Checker, Trial, run_trial

REFERENCE = [("Pacemaker + Corosync, default token (reference note)", 8.797, 7.642, 9.241),
             ("Pacemaker + Corosync, Guide's token 10000 (reference note)", 24.209, 23.320, 24.657),
             ("keepalived, advert_int 1 (reference note)", 3.075, 2.657, 3.626)]


def measure(fenced: bool, trials: int, hosts: int) -> tuple[list[Trial], int, int]:
    net = Net(prefix="hbf", subnet="10.213.93")
    vip = net.vip()
    work = Path(tempfile.mkdtemp(prefix="failover-"))
    lab = Lab(hosts=hosts, net=net, directory=work / "lab", ttl=3)
    lab.up()
    try:
        config = work / "config.crm"
        config.write_text(default_config(fenced).read_text().replace("10.213.90.", f"{net.subnet}."))
        lab.hastack("cluster", "load", str(config))
        checker = Checker(lab, vip).start()
        results = []
        try:
            for k in range(trials):
                if not wait_until(lambda: lab.http_get(vip) is not None, 60, 0.2):
                    raise RuntimeError("the VIP is not served")
                t = run_trial(lab, vip, work)
                results.append(t)
                shown = f"{t.failover_s:.3f} s" if t.failover_s is not None else "no answer"
                print(f"  {'fenced' if fenced else 'lease'} trial {k + 1}: h{t.victim}"
                      f"{' (DC)' if t.victim_was_dc else ''} -> {shown}", flush=True)
        finally:
            checker.stop()
        return results, len(checker.violations), checker.samples
    finally:
        lab.down()


def row(name: str, times: list[float]) -> str:
    if not times:
        return f"| {name} | - | - | - | 0 |"
    return (f"| {name} | {statistics.median(times):.2f} s | {min(times):.2f} s | {max(times):.2f} s "
            f"| {len(times)} |")


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--trials", type=int, default=10)
    ap.add_argument("--hosts", type=int, default=3)
    a = ap.parse_args()
    lines = ["| system | median | min | max | trials |", "|---|---|---|---|---|"]
    bad = 0
    for fenced, name in ((True, "hastack, fenced (lab power switch)"), (False, "hastack, lease only")):
        results, violations, samples = measure(fenced, a.trials, a.hosts)
        bad += violations + sum(1 for t in results if t.failover_s is None)
        ok = [t for t in results if t.failover_s is not None]
        lines.append(row(name, [t.failover_s for t in ok if t.failover_s is not None]))
        lines.append(row("  ...victim was the DC", [t.failover_s for t in ok if t.victim_was_dc and t.failover_s]))
        lines.append(row("  ...victim was not the DC",
                         [t.failover_s for t in ok if not t.victim_was_dc and t.failover_s]))
        lines.append(f"| (double-active instants: {violations} in {samples} samples; "
                     f"trials without an answer: {len(results) - len(ok)}) | | | | |")
    for name, med, lo, hi in REFERENCE:
        lines.append(f"| {name} | {med:.2f} s | {lo:.2f} s | {hi:.2f} s | (note) |")
    print("\n".join(lines))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
