"""Lease renewal while the DC schedules: is membership ever late because the scheduler is busy?

DESIGN: lease renewal and the self-fence guard are never delayed by scheduling
or agent work. hastackd renews on its own real-time thread; the scheduler
runs on another thread of the same process (Python's GIL is the shared part).
This bench starts a real etcd on loopback, holds a membership (TTL 3 s) the
way hastackd does, and measures renewals first idle, then while the same
process runs `schedule()` on a 32 x 10,000 CIB back to back. It prints how
late renewals started, the longest gap between successful renewals, and the
self-fences (which must be 0: the deadline is TTL - margin after a renewal).

    .venv/bin/python bench/renewal.py [--size 32x10000] [--seconds 30]

Needs ../shared/tools/gen_cib.py for the CIB (as bench/scheduler.py).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from scheduler import NOW, cib_for  # noqa: E402  (bench/scheduler.py: the same generated CIBs)

from hastack.bulkwork import bulk_work  # noqa: E402
from hastack.cib import load_cib_file  # noqa: E402
from hastack.daemon.membership import Membership  # noqa: E402
from hastack.daemon.timing import for_ttl  # noqa: E402
from hastack.etcdserver import Member, start_member, stop, wait_ready  # noqa: E402
from hastack.scheduler import schedule  # noqa: E402
from hastack.store.etcd import EtcdStore  # noqa: E402
from hastack.store.etcdclient import EtcdClient  # noqa: E402


def stats(m: Membership, start: int, t0: float, t1: float) -> tuple[float, float, float, float]:
    jitter = [j * 1000 for j in list(m.renew_jitter)[start:]] or [0.0]
    sent = [t for t in m.renewed_at if t0 <= t <= t1]
    gaps = [b - a for a, b in zip(sent, sent[1:])] or [0.0]
    q = statistics.quantiles(jitter, n=100, method="inclusive") if len(jitter) > 2 else [max(jitter)] * 99
    return statistics.median(jitter), q[98], max(jitter), max(gaps) * 1000


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--size", default="32x10000")
    ap.add_argument("--seconds", type=float, default=30.0)
    ap.add_argument("--ttl", type=int, default=3)
    a = ap.parse_args()
    nodes, prims = (int(x) for x in a.size.split("x"))
    cib_path = cib_for((nodes, prims), "full", Path(tempfile.gettempdir()) / "hastack-bench-cibs")
    cib = load_cib_file(cib_path)

    work = Path(tempfile.mkdtemp(prefix="renewal-"))
    me = Member("b1", "http://127.0.0.1:23890", "http://127.0.0.1:23891")
    proc = start_member(me, [me], work / "etcd", log=work / "etcd.log")
    client = EtcdClient([me.client_url])
    wait_ready(client)
    timing = for_ttl(a.ttl)
    fences: list[float] = []
    m = Membership(EtcdStore(EtcdClient([me.client_url], timeout=timing.call_timeout)), "b1", "b1", timing,
                   self_fence=lambda: fences.append(time.monotonic()))
    m.start()
    m.wait_joined(5)
    try:
        t0 = time.monotonic()
        time.sleep(a.seconds / 2)
        idle = stats(m, 0, t0, time.monotonic())
        mark = len(m.renew_jitter)
        runs: list[float] = []
        t1 = time.monotonic()
        while time.monotonic() - t1 < a.seconds / 2 or not runs:
            s0 = time.perf_counter()
            with bulk_work():
                schedule(cib.config, cib.state, cib.state.execution_date or NOW)
            runs.append(time.perf_counter() - s0)
        busy = stats(m, mark, t1, time.monotonic())
    finally:
        m.stop()
        stop(proc)
    print(f"lease TTL {a.ttl} s, renewal every {timing.renew_every * 1000:.0f} ms, self-fence "
          f"{timing.self_fence_after:.2f} s after a renewal; busy = schedule() of {a.size} back to back "
          f"({len(runs)} runs, median {statistics.median(runs):.1f} s each)\n")
    print("| phase | renewal late: median ms | p99 ms | max ms | longest gap between renewals ms |")
    print("|---|---|---|---|---|")
    for name, (med, p99, mx, gap) in (("idle", idle), ("DC scheduling", busy)):
        print(f"| {name} | {med:.2f} | {p99:.2f} | {mx:.2f} | {gap:.0f} |")
    print(f"\nself-fences: {len(fences)} (must be 0)")
    return 0 if not fences else 1


if __name__ == "__main__":
    sys.exit(main())
