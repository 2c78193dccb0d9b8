"""The lab hosts' watchdog: one process outside every host, resetting a host whose hastackd stopped petting.

A real watchdog is hardware (or the kernel's softdog): it keeps counting when
every process of the machine hangs. In the lab the hosts are namespaces, so
their watchdog must live outside them -- a SIGSTOP of a host's processes
(freeze) must not stop it. Each hastackd pets its file with the instant its
lease may run out (daemon.watchdog); when that instant plus half the stop
budget passes without a newer pet, this process resets the host: every
process of the host is killed (SIGKILL works on stopped processes too), its
VIPs go, and it boots again -- within the stop budget the node promised with
its membership (daemon.expiry), and so before the DC may recover what a hung
host still holds.

Run by `hastack lab up` as `python -m hastack.lab.watchdog --dir LABDIR`.

Imports lab.cluster, daemon.watchdog, daemon.timing.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

from hastack.daemon.timing import for_ttl
from hastack.daemon.watchdog import read_deadline
from hastack.lab.cluster import Lab, load_lab

POLL_S = 0.02


def realtime() -> None:
    """A watchdog must not starve behind the load it watches: real-time priority, as a hardware
    watchdog is beyond the OS's scheduling (and as corosync runs SCHED_RR). Best effort."""
    try:
        os.sched_setscheduler(0, os.SCHED_FIFO, os.sched_param(50))
    except (OSError, AttributeError):
        pass


def _still_mine(directory: Path, me: str, lab: Lab) -> bool:
    try:
        return (directory / "watchdog.pid").read_text().strip() == me and \
            Path(f"/var/run/netns/{lab.net.switch}").exists()
    except OSError:
        return False


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="lab-watchdog")
    p.add_argument("--dir", type=Path, required=True)
    args = p.parse_args(argv)
    lab = load_lab(args.dir)
    # the host must be down by the deadline + stop budget (the node's promise, daemon.expiry): half of it
    # to notice (POLL_S) and reset, the other half to spare
    grace = for_ttl(lab.ttl).stop_budget / 2
    log = open(args.dir / "watchdog.log", "a", buffering=1)
    realtime()
    me = str(os.getpid())
    while True:
        if not _still_mine(args.dir, me, lab):
            return 0  # the lab was torn down or replaced: a stale watchdog must never touch another lab
        now = time.monotonic()
        for i in range(1, lab.hosts + 1):
            path = lab.watchdog_file(i)
            deadline = read_deadline(path)
            if deadline is None or now <= deadline + grace:
                continue
            path.unlink(missing_ok=True)
            log.write(f"{time.time():.3f} h{i}: not petted since its deadline {now - deadline:.3f} s ago: reset\n")
            lab.reset(i)
        time.sleep(POLL_S)


if __name__ == "__main__":
    sys.exit(main())
