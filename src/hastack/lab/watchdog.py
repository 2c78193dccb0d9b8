"""The lab hosts' watchdog: one process outside every host, resetting a host whose hastackd stopped petting.

A real watchdog is hardware (or the kernel's softdog): it keeps counting when
every process of the machine hangs. In the lab the hosts are namespaces, so
their watchdog must live outside them -- a SIGSTOP of a host's processes
(freeze) must not stop it. Each hastackd pets its file with the instant its
lease may run out (daemon.watchdog); when that instant plus the stop budget
passes without a newer pet, this process resets the host: every process of
the host is killed (SIGKILL works on stopped processes too), its VIPs go, and
it boots again -- which happens before etcd can expire the lease
(daemon.timing), so the DC never recovers a resource that a hung host still
holds.

Run by `hastack lab up` as `python -m hastack.lab.watchdog --dir LABDIR`.

Imports lab.cluster, daemon.watchdog, daemon.timing.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from hastack.daemon.timing import for_ttl
from hastack.daemon.watchdog import read_deadline
from hastack.lab.cluster import load_lab

POLL_S = 0.02


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="lab-watchdog")
    p.add_argument("--dir", type=Path, required=True)
    args = p.parse_args(argv)
    lab = load_lab(args.dir)
    grace = for_ttl(lab.ttl).stop_budget
    log = open(args.dir / "watchdog.log", "a", buffering=1)
    while True:
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
