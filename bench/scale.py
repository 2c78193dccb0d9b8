"""Scale: a lab of 16 and of 32 hosts with 1,000 resources -- convergence, failover, hastackd's cost.

    .venv/bin/python bench/scale.py [--hosts 16,32] [--resources 1000] [--idle 30]

For each host count, one lab (hastack's: a network namespace per host, only
the first 3 run etcd voters, TLS, the power switch as fence device) runs
`--resources` built-in `ocf:hastack:Dummy` resources, each with a 10 s
monitor, spread by the scheduler. Reported:

- boot: lab up (namespaces, etcd, every hastackd) until the store answers;
- converge: configuration committed -> the scheduler has nothing left to do (every
  resource probed on every host, started once, its monitor running), as `hastack
  status` sees it;
- idle cost: hastackd's CPU (% of one CPU) and resident memory per host over `--idle`
  seconds of steady state (monitors, lease renewals, heartbeats), median and max
  over the hosts, with the DC apart -- hastackd with its helper processes (heartbeats,
  lease, fork server, the agents it ran), its etcd member apart;
- failover: power loss of the busiest non-DC host -> converged again (its resources
  started elsewhere after the power switch confirmed it off), and the resources it held.

And, with `--dc NODESxPRIMITIVES` (default 32x10000), the DC's decision latency
on a cluster of that size, outside the lab: a synthetic CIB (../shared/tools/
gen_cib.py, as bench/scheduler.py uses) is loaded into a real etcd (the
configuration, every node's membership, every operation history: 320,000 keys
at 32 x 10,000), one node's membership ends (the event), and the DC's own steps
are timed -- the snapshot (after a first one, as a running DC has: the keys' names
and the changed values), schedule(), the graph runner's
ready actions, the orders written (in transactions of at most 100) -- next to
`crm_simulate -x -R -Q` (parse + schedule, no output) on the same CIB with the
same node down, which is what Pacemaker's scheduler does for that event.

Needs root. Prints markdown tables; asserts nothing about timings.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from hastack.lab.cluster import Lab
from hastack.lab.net import Net, wait_until
from hastack.lab.trial import cluster_status

CLK_TCK = os.sysconf("SC_CLK_TCK")


def config_text(net: Net, hosts: int, resources: int) -> str:
    lines = [f"node h{i}" for i in range(1, hosts + 1)]
    lines.append(f"primitive fence_pdu stonith:fence_hastack_lab params ip={net.pdu_ip} "
                 f"pcmk_host_list=\"{' '.join(f'h{i}' for i in range(1, hosts + 1))}\" op monitor interval=60s")
    lines += [f"primitive r{k} ocf:hastack:Dummy op monitor interval=10s timeout=20s" for k in range(resources)]
    # off, not reboot: the host loss must stay lost for "converged again" with one host fewer
    lines.append("property stonith-enabled=true stonith-action=off no-quorum-policy=stop")
    lines.append("rsc_defaults resource-stickiness=100")
    return "\n".join(lines) + "\n"


STATUS_TIMEOUT_S = 180.0  # `hastack status` took 60 s at 16 hosts on 2 CPUs (load 35): 10 s never saw convergence


def status(lab: Lab) -> dict[str, Any] | None:
    return cluster_status(lab, timeout=STATUS_TIMEOUT_S)


def converged(lab: Lab, members: int, seen: list[tuple[float, float]]) -> bool:
    """Whether `hastack status` says nothing is pending with every member in; `seen` gets the instants the
    call that said so began and ended: the state it read is from between the two. (Counting from the
    start alone once gave a host loss "converged after 0.1 s": the call began before the recovery and,
    slow at that load, read the state after it.)"""
    began = time.monotonic()
    doc = status(lab)
    if doc is not None and doc.get("pending") == [] and len(doc.get("members", [])) == members:
        seen.append((began, time.monotonic()))
        return True
    return False


def span(seen: list[tuple[float, float]], t0: float) -> tuple[float, float] | None:
    """(earliest, latest) seconds since `t0` at which the state `converged` saw was read."""
    return (seen[0][0] - t0, seen[0][1] - t0) if seen else None


def hastackd_pid(lab: Lab, i: int) -> int | None:
    for pid in lab.pids(i):
        try:
            if b"hastackd" in Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")[1]:
                return pid
        except (OSError, IndexError):
            continue
    return None


def family(pid: int) -> list[int]:
    """hastackd and the Python processes under it (heartbeats, lease, fork server, agents' children): what
    hastack costs a host. Its etcd member, also its child, is left out (Pacemaker's figures leave out
    corosync's peers too)."""
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        try:
            kids = Path(f"/proc/{p}/task/{p}/children").read_text().split()
        except OSError:
            continue
        for k in kids:
            try:
                exe = Path(f"/proc/{k}/cmdline").read_bytes().split(b"\0")[0]
            except OSError:
                continue
            if b"python" in exe:
                todo.append(int(k))
    return out


def ticks(pid: int, reaped: bool = False) -> int:
    """utime + stime of one process (0 when it is gone); `reaped`: with its reaped children's (cutime +
    cstime) too."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0
    return sum(int(f) for f in fields[11:15 if reaped else 13])


def cpu_ticks(pid: int) -> int:
    """utime + stime of hastackd's family, the children it reaped included."""
    return sum(ticks(p, reaped=True) for p in family(pid))


def role(pid: int) -> str:
    """What a process of a lab host is, for the idle cost's breakdown: hastackd, its helper processes by
    module (hbprocess, leaseprocess, ...), etcd, the lab's init."""
    try:
        argv = [a.decode() for a in Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0") if a]
    except OSError:
        return "gone"
    if not argv:
        return "gone"
    if "-m" in argv[:-1]:
        return argv[argv.index("-m") + 1].rsplit(".", 1)[-1]
    if len(argv) > 1 and argv[1].endswith("hastackd"):
        return "hastackd"
    return Path(argv[0]).name


def breakdown(lab: Lab, hosts: int, seconds: float) -> dict[str, list[float]]:
    """role -> % of one CPU per host over `seconds`, every process of every host (etcd and the lab's
    init included): where an idle cluster's CPU goes."""
    before = {(i, p): ticks(p) for i in range(1, hosts + 1) for p in lab.pids(i)}
    time.sleep(seconds)
    per: dict[tuple[int, str], float] = {}
    for (i, p), t in before.items():
        r = role(p)
        if r != "gone":
            per[(i, r)] = per.get((i, r), 0.0) + (ticks(p) - t) / CLK_TCK / seconds * 100
    out: dict[str, list[float]] = {}
    for (_, r), pct in per.items():
        out.setdefault(r, []).append(pct)
    return out


def rss_mb(pid: int) -> float:
    total = 0.0
    for p in family(pid):
        try:
            lines = Path(f"/proc/{p}/status").read_text().splitlines()
        except OSError:
            continue
        total += sum(int(line.split()[1]) / 1024 for line in lines if line.startswith("VmRSS:"))
    return total


@dataclass
class Result:
    hosts: int
    resources: int
    boot_s: float
    converge_s: float | None  # the latest the converged state can have been read (span())
    converge_from_s: float | None  # the earliest
    cpu_pct: list[float]
    rss: list[float]
    dc_cpu_pct: float | None
    failover_s: float | None
    failover_from_s: float | None
    moved: int


def holders(doc: dict[str, Any]) -> dict[str, int]:
    count: dict[str, int] = {}
    for r in doc["status"]["resources"]:
        for n in r.get("nodes", []):
            count[n] = count.get(n, 0) + 1
    return count


def timers_for(hosts: int) -> tuple[int, float]:
    """(lease TTL, heartbeat silence) for a lab of `hosts`, grown with the cluster as corosync grows its
    token by default (token 1 s + token_coefficient 650 ms per node beyond two: 10.1 s at 16 nodes, 20.5 s
    at 32): what Pacemaker's operators get at that size. 16 and 32 Python daemons on 2 shared CPUs (load
    40-80) stall for seconds; shorter timers had them fence and self-fence healthy hosts and never converge."""
    if hosts <= 5:
        return 3, 0.3
    return int(1 + 0.65 * (hosts - 2)), round(0.1 * hosts, 1)


def measure(hosts: int, resources: int, idle_s: float, ttl: int, suspect_after: float,
            converge_limit: float = 900.0, breakdown_s: float = 0.0, host_loss: bool = True) -> Result:
    net = Net(prefix="hsc", subnet="10.213.98")
    work = Path(tempfile.mkdtemp(prefix="scale-"))
    # a big cluster's 5 voters on a busy machine: etcd's heartbeats every 100 ms, not every 20 (the lease's
    # TTL of 10 s or more outlasts a 500 ms election many times over)
    lab = Lab(hosts=hosts, net=net, directory=work / "lab", ttl=ttl, suspect_after=suspect_after,
              etcd_election_ms=None if hosts <= 5 else 500,
              # 32 Python daemons starting at once on 2 CPUs: the first answer took 28 s (16 hosts: 12 s)
              ready_wait_s=max(30.0, 4.0 * hosts),
              # ... and one CLI call, at load 190 while they boot, more than the 15 s a ping is given
              ping_timeout_s=max(15.0, 2.0 * hosts))
    t0 = time.monotonic()
    lab.up()
    boot = time.monotonic() - t0
    try:
        cfg = work / "scale.crm"
        cfg.write_text(config_text(net, hosts, resources))
        t0 = time.monotonic()
        lab.hastack("cluster", "load", "--no-agents", str(cfg), timeout=120)
        seen: list[tuple[float, float]] = []
        ok = wait_until(lambda: converged(lab, hosts, seen), converge_limit, 2.0)
        within = span(seen, t0) if ok else None
        converge = within[1] if within else None
        print(f"  {hosts} hosts (TTL {ttl} s, heartbeat silence {suspect_after} s): booted in {boot:.1f} s, converged "
              f"{'never' if within is None else f'within {within[0]:.1f}-{within[1]:.1f} s'}", flush=True)
        pids = {i: hastackd_pid(lab, i) for i in range(1, hosts + 1)}
        before = {i: cpu_ticks(p) for i, p in pids.items() if p}
        time.sleep(idle_s)
        cpu = {i: (cpu_ticks(p) - before[i]) / CLK_TCK / idle_s * 100 for i, p in pids.items() if p and i in before}
        rss = [rss_mb(p) for p in pids.values() if p]
        if breakdown_s:
            parts = breakdown(lab, hosts, breakdown_s)
            print(f"  {hosts} hosts, where the idle CPU goes ({breakdown_s:.0f} s; % of one CPU: median per "
                  f"host / sum over hosts):", flush=True)
            for r, v in sorted(parts.items(), key=lambda kv: -sum(kv[1])):
                print(f"    {r:<16} {statistics.median(v):5.2f}% / {sum(v):6.1f}%  ({len(v)} hosts)", flush=True)
        doc = status(lab) or {}
        dc = doc.get("dc")
        dc_i = int(dc[1:]) if isinstance(dc, str) and dc[1:].isdigit() else None
        count = holders(doc) if doc else {}
        victim_name = max((n for n in count if n != dc), key=lambda n: count[n], default=None)
        failover = None
        back: tuple[float, float] | None = None
        moved = 0
        if host_loss and victim_name is not None and converge is not None:
            moved = count[victim_name]
            t0 = time.monotonic()
            lab.power_off(int(victim_name[1:]))
            again: list[tuple[float, float]] = []
            back = span(again, t0) if wait_until(lambda: converged(lab, hosts - 1, again), 600, 0.5) else None
            failover = back[1] if back else None
            print(f"  {hosts} hosts: power loss of {victim_name} ({moved} resources) -> converged again "
                  f"{'never' if back is None else f'within {back[0]:.1f}-{back[1]:.1f} s'}", flush=True)
        return Result(hosts, resources, boot, converge, within[0] if within else None,
                      [v for k, v in cpu.items() if k != dc_i], rss, cpu.get(dc_i) if dc_i else None, failover,
                      back[0] if back else None, moved)
    finally:
        lab.down()


def fmt(x: float | None, unit: str = " s", digits: int = 1) -> str:
    return "-" if x is None else f"{x:.{digits}f}{unit}"


def between(lo: float | None, hi: float | None) -> str:
    """A time known only to lie between two instants (span()): "lo-hi s"."""
    return "-" if lo is None or hi is None else f"{lo:.1f}-{hi:.1f} s"


def dc_latency(size: str) -> None:
    """The DC's steps from an event to the first orders written, at `size`, against a real etcd."""
    import shutil
    import subprocess
    from dataclasses import replace

    from hastack.cib import load_cib_file, to_xml
    from hastack.etcdserver import Member, start_member, stop, wait_ready
    from hastack.graphrun import GraphRun
    from hastack.scheduler import schedule
    from hastack.store.etcd import TXN_OPS, EtcdStore
    from hastack.store.etcdclient import EtcdClient, put_op
    from hastack.store.records import history_to_json

    sys.path.insert(0, str(Path(__file__).parent))
    from scheduler import cib_for  # bench/scheduler.py: the cached synthetic CIBs

    nodes_n, prims = (int(x) for x in size.split("x"))
    work = Path(tempfile.mkdtemp(prefix="dc-latency-"))
    path = cib_for((nodes_n, prims), "full", work)
    cib = load_cib_file(path)
    config, state = cib.config, cib.state
    me = Member("bench", "http://127.0.0.1:23790", "http://127.0.0.1:23800")
    proc = start_member(me, [me], work / "etcd", log=work / "etcd.log")
    try:
        client = EtcdClient([me.client_url], timeout=600.0)
        wait_ready(client, 30)
        store = EtcdStore(client, "/scale")
        t0 = time.monotonic()
        store.commit(config, 0)
        leases = {}
        for ns in state.nodes.values():
            leases[ns.uname] = client.lease_grant(3600)
            store.join(ns.uname, ns.id, leases[ns.uname])
        ops = [put_op(store.key("status", ns.uname, h.id), history_to_json(h))
               for ns in state.nodes.values() for h in ns.resources]
        ops += [put_op(store.key("attrs", ns.uname, k), v) for ns in state.nodes.values()
                for k, v in ns.attributes.items()]
        for k in range(0, len(ops), TXN_OPS):
            client.txn([], ops[k:k + TXN_OPS])
        load_s = time.monotonic() - t0
        dc = sorted(leases)[0]
        term = store.campaign(dc, leases[dc])
        assert term is not None
        victim = sorted(leases)[-1]
        w0 = time.monotonic()
        store.snapshot()  # a running DC has read the store before: its next snapshot reads the changes
        first_read = time.monotonic() - w0
        # the event: the victim's membership ends (fenced and evicted, or its lease ran out)
        client.lease_revoke(leases[victim])
        t0 = time.monotonic()
        snap = store.snapshot()
        t1 = time.monotonic()
        transition = schedule(snap.configuration, snap.state, int(time.time()))
        t2 = time.monotonic()
        ready = [a for a in GraphRun(transition).ready() if a.node in snap.members]
        t3 = time.monotonic()
        by_node: dict[str, dict[str, str]] = {}
        for a in ready:
            by_node.setdefault(a.node or "", {})[f"{term}-1-{a.id}"] = json.dumps({"task": a.task, "rsc": a.rsc})
        for node, batch in by_node.items():
            store.post_actions(term, node, batch)
        t4 = time.monotonic()
        # Pacemaker: the same CIB with the victim down, through crm_simulate's parse + schedule
        down = {i: (replace(ns, in_ccm="false", crmd="offline", join="down", expected="down")
                    if ns.uname == victim else ns) for i, ns in state.nodes.items()}
        pm = work / "victim-down.xml"
        pm.write_text(to_xml(config, replace(state, nodes=down)))
        c0 = time.monotonic()
        subprocess.run(["crm_simulate", "-x", str(pm), "-R", "-Q"], capture_output=True, timeout=3600)
        crm_s = time.monotonic() - c0
        print(f"\nDC decision latency at {size} ({len(snap.state.nodes)} nodes, {len(ops)} keys loaded in "
              f"{load_s:.0f} s; {victim} lost, {len(transition.summary)} summary lines, {len(ready)} actions ready)")
        print("| step | hastack | crm_simulate -x -R -Q (same CIB, same node down) |")
        print("|---|---|---|")
        print(f"| (the DC's first snapshot, at its election: every key) | ({first_read:.2f} s) | |")
        print(f"| snapshot after the event (names + changed values) | {t1 - t0:.2f} s | (parse included below) |")
        print(f"| schedule() | {t2 - t1:.2f} s | |")
        print(f"| graph runner: ready actions | {t3 - t2:.2f} s | |")
        print(f"| orders written ({len(by_node)} nodes) | {t4 - t3:.2f} s | |")
        print(f"| **event -> first orders out** | **{t4 - t0:.2f} s** | **{crm_s:.2f} s** |")
    finally:
        stop(proc)
        shutil.rmtree(work, ignore_errors=True)


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--hosts", default="16,32", help="lab sizes, comma separated (empty: no lab)")
    ap.add_argument("--resources", type=int, default=1000)
    ap.add_argument("--idle", type=float, default=30.0)
    ap.add_argument("--dc", default="32x10000", help="NODESxPRIMITIVES for the DC latency (empty: skip)")
    ap.add_argument("--ttl", type=int, default=None,
                    help="membership lease TTL of the lab's hastackd (default: scaled, see timers_for)")
    ap.add_argument("--converge-limit", type=float, default=900.0,
                    help="seconds to wait for the lab to converge before giving up (default 900)")
    ap.add_argument("--suspect-after", type=float, default=None,
                    help="heartbeat silence before fencing, s (default: scaled, see timers_for)")
    ap.add_argument("--breakdown", type=float, default=0.0,
                    help="seconds to sample every lab process after --idle: CPU per role (hastackd, its helper "
                         "processes, etcd, the lab's init)")
    ap.add_argument("--no-failover", action="store_true", help="skip the host loss")
    a = ap.parse_args()
    if os.geteuid() != 0:
        print("bench/scale.py needs root (network namespaces)", file=sys.stderr)
        return 2
    if a.dc:
        dc_latency(a.dc)
    results = []
    for h in (int(h) for h in a.hosts.split(",") if h):
        ttl, suspect = timers_for(h)
        results.append(measure(h, a.resources, a.idle, a.ttl or ttl, a.suspect_after or suspect, a.converge_limit,
                               a.breakdown, not a.no_failover))
    if not results:
        return 0
    print("| hosts | resources | boot | converge | hastackd CPU per host (median / max) | DC CPU "
          "| RSS per host (median / max) | host loss: resources moved | converged again |")
    print("|---|---|---|---|---|---|---|---|---|")
    for r in results:
        cpu = f"{statistics.median(r.cpu_pct):.1f}% / {max(r.cpu_pct):.1f}%" if r.cpu_pct else "-"
        rss = f"{statistics.median(r.rss):.0f} / {max(r.rss):.0f} MB" if r.rss else "-"
        print(f"| {r.hosts} | {r.resources} | {fmt(r.boot_s)} | {between(r.converge_from_s, r.converge_s)} | {cpu} "
              f"| {fmt(r.dc_cpu_pct, '%')} | {rss} | {r.moved} | {between(r.failover_from_s, r.failover_s)} |")
    print(json.dumps([r.__dict__ for r in results]), file=sys.stderr)
    return 0 if all(r.converge_s is not None and r.failover_s is not None for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
