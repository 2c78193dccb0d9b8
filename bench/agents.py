"""Monitor cost: ClusterLabs' shell agents vs hastack's built-in Python agents, side by side.

    sudo .venv/bin/python bench/agents.py [-n 1000]

Builds a private network namespace (veth pair, 10.232.7.0/24), starts a
virtual IP with ocf:heartbeat:IPaddr2 and another with ocf:hastack:IPaddr,
and a `sleep` process under each of ocf:heartbeat:anything and
ocf:hastack:anything; then runs N recurring-monitor calls of each agent
through hastack's executor, interleaved round-robin so that all four see
the same machine load, and prints median/p95 latency (wall clock of the
whole action, fork to reap) and CPU time (user+sys of the agent and every
child it waited for, from wait4; for the built-ins plus the fork server's
own CPU, spread over their calls). The shell agents are exec'd per call as
Pacemaker does; the built-ins are forked from hastack's preloaded fork
server (agents/forkserver.py), which is how the executor runs them. The measuring part runs inside the
namespace (`ip netns exec`), so no per-call namespace switch is counted.
Everything is torn down at the end, also on failure.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

NS, PEER = "hst-bench-a", "hst-bench-b"
IF_A, IF_B = "vhbencha", "vhbenchb"
NET = "10.232.7"
PAIRS = (("IPaddr2 (virtual IP)", "ocf:heartbeat:IPaddr2", "ocf:hastack:IPaddr"),
         ("anything (process)", "ocf:heartbeat:anything", "ocf:hastack:anything"))


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


def inner(n: int) -> None:
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
    from hastack.agents.action import ActionRequest
    from hastack.agents.executor import Executor, local_host
    from hastack.model.values import AgentRef

    work = Path(tempfile.mkdtemp(prefix="hastack-bench-"))
    ex = Executor(local_host(node="bench", state_dir=str(work)))
    agents = [a for _, shell, py in PAIRS for a in (shell, py)]
    reqs = {a: ActionRequest(AgentRef.parse(a), "monitor", f"r-{a.split(':')[2]}-{a.split(':')[1]}",
                             params(a, work), interval_ms=10_000, timeout_ms=20_000) for a in agents}
    for a, r in reqs.items():
        started = ex.execute(ActionRequest(r.agent, "start", r.resource_id, r.params))
        if started.rc != 0:
            raise SystemExit(f"{a} start failed: {started.summary()}\n{started.stderr}")
    wall: dict[str, list[float]] = {a: [] for a in agents}
    cpu: dict[str, list[float]] = {a: [] for a in agents}
    server_pid = ex.forkserver_pid
    server_before = proc_cpu_ms(server_pid)
    try:
        for _ in range(n):
            for a in agents:
                t0 = time.perf_counter()
                result = ex.execute(reqs[a])
                wall[a].append((time.perf_counter() - t0) * 1000)
                cpu[a].append(result.cpu_ms)
                if result.rc != 0:
                    raise SystemExit(f"{a} monitor failed: {result.summary()}")
        # The fork server's own CPU (accept, fork, reap) is part of the built-in agents' cost:
        # spread it evenly over their calls.
        server_ms = proc_cpu_ms(server_pid) - server_before
        builtin = [a for a in agents if a.startswith("ocf:hastack:")]
        for a in builtin:
            cpu[a] = [c + server_ms / (n * len(builtin)) for c in cpu[a]]
    finally:
        for a, r in reqs.items():
            ex.execute(ActionRequest(r.agent, "stop", r.resource_id, r.params))
        ex.close()
    report(n, wall, cpu)
    print(f"\nhastack built-ins run through the executor's fork server (pid {server_pid}): "
          f"its own CPU, {server_ms / 1000:.2f} s, is included above, spread over their calls.")


def proc_cpu_ms(pid: int | None) -> float:
    """utime + stime of one process (not its children), from /proc/PID/stat."""
    if pid is None:
        return 0.0
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) * 1000.0 / os.sysconf("SC_CLK_TCK")


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def report(n: int, wall: dict[str, list[float]], cpu: dict[str, list[float]]) -> None:
    print(f"{n} recurring monitor calls per agent, through hastack's executor, interleaved "
          f"({os.cpu_count()} CPUs)\n")
    head = f"{'agent':<24} {'median ms':>10} {'p95 ms':>8} {'CPU ms (median)':>16} {'CPU s (total)':>14}"
    print(head)
    print("-" * len(head))
    for _, shell, py in PAIRS:
        for a in (shell, py):
            print(f"{a:<24} {statistics.median(wall[a]):>10.1f} {pct(wall[a], 0.95):>8.1f} "
                  f"{statistics.median(cpu[a]):>16.1f} {sum(cpu[a]) / 1000:>14.2f}")
    print()
    print(f"{'pair':<24} {'latency ratio':>14} {'CPU ratio':>10}   (ClusterLabs shell agent / hastack built-in)")
    for label, shell, py in PAIRS:
        lat = statistics.median(wall[shell]) / statistics.median(wall[py])
        c = sum(cpu[shell]) / max(1e-9, sum(cpu[py]))
        print(f"{label:<24} {lat:>13.1f}x {c:>9.1f}x")


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
