"""Monitor cost: ClusterLabs' shell agents vs hastack's built-in agents, forked and in-process.

    sudo .venv/bin/python bench/agents.py [-n 1000]

Builds a private network namespace (veth pair, 10.232.7.0/24), starts a
virtual IP with ocf:heartbeat:IPaddr2 and another with ocf:hastack:IPaddr,
and a `sleep` process under each of ocf:heartbeat:anything and
ocf:hastack:anything; then runs N recurring-monitor calls per row through
hastack's executor, interleaved round-robin so that all rows see the same
machine load. Six rows: the shell agents exec'd per call as Pacemaker does;
the built-ins forked from hastack's preloaded fork server
(agents/forkserver.py; executor with in_process=False); and the
built-ins' monitors in-process (builtin/inprocess.py, in a worker thread of
this process: hastackd's default).

Per call: wall clock of execute() (fork to reap, or hand-off to the worker
and back) and CPU time, which is
  this process's own CPU during the call (time.process_time: the executor,
  its worker threads) + CPU of the children it reaped during the call
  (getrusage(RUSAGE_CHILDREN): the exec'd agents, ip and their children)
  + for fork-server calls, the forked child's CPU as the server reports it
  (wait4, whole milliseconds: a little low) and the server's own CPU
  spread evenly over its calls.
Printed: median and p95 of both, and the mean CPU. The measuring part runs
inside the namespace (`ip netns exec`), as hastackd runs inside a lab
host's namespace, so no per-call namespace switch is counted. Everything is
torn down at the end, also on failure.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

NS, PEER = "hst-bench-a", "hst-bench-b"
IF_A, IF_B = "vhbencha", "vhbenchb"
NET = "10.232.7"
# (row, agent, how): "exec" and "fork server" run with in_process=False
ROWS = (("ocf:heartbeat:IPaddr2", "ocf:heartbeat:IPaddr2", "exec"),
        ("ocf:hastack:IPaddr", "ocf:hastack:IPaddr", "fork server"),
        ("ocf:hastack:IPaddr", "ocf:hastack:IPaddr", "in-process"),
        ("ocf:heartbeat:anything", "ocf:heartbeat:anything", "exec"),
        ("ocf:hastack:anything", "ocf:hastack:anything", "fork server"),
        ("ocf:hastack:anything", "ocf:hastack:anything", "in-process"))
RATIOS = (("IPaddr2 -> built-in VIP in-process", 0, 2), ("built-in VIP forked -> in-process", 1, 2),
          ("anything -> built-in in-process", 3, 5), ("built-in anything forked -> in-process", 4, 5))


def sh(*args: str, check: bool = True) -> None:
    subprocess.run(args, check=check, capture_output=True, timeout=60)


def setup() -> None:
    teardown()
    sh("ip", "netns", "add", NS)
    sh("ip", "netns", "add", PEER)
    sh("ip", "link", "add", IF_A, "type", "veth", "peer", "name", IF_B)
    sh("ip", "link", "set", IF_A, "netns", NS)
    sh("ip", "link", "set", IF_B, "netns", PEER)
    for ns, dev, addr in ((NS, IF_A, f"{NET}.1"), (PEER, IF_B, f"{NET}.2")):
        sh("ip", "-n", ns, "addr", "add", f"{addr}/24", "dev", dev)
        sh("ip", "-n", ns, "link", "set", dev, "up")
        sh("ip", "-n", ns, "link", "set", "lo", "up")


def teardown() -> None:
    for ns in (NS, PEER):
        sh("ip", "netns", "del", ns, check=False)


def params(agent: str, work: Path) -> tuple[tuple[str, str], ...]:
    if agent == "ocf:heartbeat:IPaddr2":
        return (("ip", f"{NET}.100"), ("nic", IF_A), ("cidr_netmask", "24"))
    if agent == "ocf:hastack:IPaddr":
        return (("ip", f"{NET}.101"), ("nic", IF_A), ("cidr_netmask", "24"), ("arp_count", "1"))
    tag = agent.split(":")[1]
    return (("binfile", "/bin/sleep"), ("cmdline_options", "3600"), ("pidfile", str(work / f"{tag}.pid")))


def children_cpu_s() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def inner(n: int) -> None:
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
    from hastack.agents.action import ActionRequest
    from hastack.agents.executor import Executor, local_host
    from hastack.model.values import AgentRef

    work = Path(tempfile.mkdtemp(prefix="hastack-bench-"))
    host = local_host(node="bench", state_dir=str(work))
    forked, in_process = Executor(host, in_process=False), Executor(host)
    agents = list(dict.fromkeys(agent for _, agent, _ in ROWS))
    reqs = {a: ActionRequest(AgentRef.parse(a), "monitor", f"r-{a.split(':')[2]}-{a.split(':')[1]}",
                             params(a, work), interval_ms=10_000, timeout_ms=20_000) for a in agents}
    for a, r in reqs.items():
        started = forked.execute(ActionRequest(r.agent, "start", r.resource_id, r.params))
        if started.rc != 0:
            raise SystemExit(f"{a} start failed: {started.summary()}\n{started.stderr}")
    wall: list[list[float]] = [[] for _ in ROWS]
    cpu: list[list[float]] = [[] for _ in ROWS]
    server_pid = forked.forkserver_pid
    server_before = proc_cpu_ms(server_pid)
    try:
        for _ in range(n):
            for i, (_, agent, how) in enumerate(ROWS):
                ex = in_process if how == "in-process" else forked
                t0, c0, k0 = time.perf_counter(), time.process_time(), children_cpu_s()
                result = ex.execute(reqs[agent])
                wall[i].append((time.perf_counter() - t0) * 1000)
                spent = (time.process_time() - c0 + children_cpu_s() - k0) * 1000
                cpu[i].append(spent + (result.cpu_ms if how == "fork server" else 0))
                if result.rc != 0:
                    raise SystemExit(f"{agent} ({how}) monitor failed: {result.summary()}")
        # The fork server's own CPU (accept, fork, reap) is part of the forked built-ins' cost:
        # spread it evenly over their calls.
        server_ms = proc_cpu_ms(server_pid) - server_before
        served = [i for i, (_, _, how) in enumerate(ROWS) if how == "fork server"]
        for i in served:
            cpu[i] = [c + server_ms / (n * len(served)) for c in cpu[i]]
    finally:
        for a, r in reqs.items():
            forked.execute(ActionRequest(r.agent, "stop", r.resource_id, r.params))
        forked.close()
        in_process.close()
    if in_process.processes_started:
        raise SystemExit(f"in-process monitors started {in_process.processes_started} processes")
    report(n, wall, cpu)
    print(f"\nFork server (pid {server_pid}): its own CPU, {server_ms / 1000:.2f} s, is included above, "
          f"spread over its calls. In-process rows: {in_process.processes_started} processes started.")


def proc_cpu_ms(pid: int | None) -> float:
    """utime + stime of one process (not its children), from /proc/PID/stat."""
    if pid is None:
        return 0.0
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) * 1000.0 / os.sysconf("SC_CLK_TCK")


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def report(n: int, wall: list[list[float]], cpu: list[list[float]]) -> None:
    print(f"{n} recurring monitor calls per row, through hastack's executor, interleaved "
          f"({os.cpu_count()} CPUs)\n")
    head = (f"{'agent':<24} {'run as':<12} {'median ms':>10} {'p95 ms':>8} {'CPU ms median':>14} "
            f"{'CPU ms p95':>11} {'CPU ms mean':>12}")
    print(head)
    print("-" * len(head))
    for i, (row, _, how) in enumerate(ROWS):
        print(f"{row:<24} {how:<12} {statistics.median(wall[i]):>10.2f} {pct(wall[i], 0.95):>8.2f} "
              f"{statistics.median(cpu[i]):>14.3f} {pct(cpu[i], 0.95):>11.3f} {statistics.fmean(cpu[i]):>12.3f}")
    print()
    print(f"{'CPU per monitor':<40} {'ratio of medians':>17} {'ratio of means':>15} {'latency ratio':>14}")
    for label, a, b in RATIOS:
        print(f"{label:<40} {statistics.median(cpu[a]) / statistics.median(cpu[b]):>16.0f}x "
              f"{statistics.fmean(cpu[a]) / statistics.fmean(cpu[b]):>14.0f}x "
              f"{statistics.median(wall[a]) / statistics.median(wall[b]):>13.0f}x")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("-n", type=int, default=1000, help="monitor calls per agent (default 1000)")
    ap.add_argument("--inner", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.inner:
        inner(args.n)
        return
    if os.geteuid() != 0:
        raise SystemExit("bench/agents.py needs root (it creates network namespaces)")
    setup()
    try:
        subprocess.run(["ip", "netns", "exec", NS, sys.executable, __file__, "--inner", "-n", str(args.n)],
                       check=True)
    finally:
        teardown()


if __name__ == "__main__":
    main()
