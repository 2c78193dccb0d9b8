"""Three lab hosts in network namespaces plus a real etcd, for testing one clustered built-in agent with its
real servers: the test plays the cluster manager and runs the agent's actions in each host's namespace
(`ip netns exec`, as hastackd's executor would, with the OCF environment and the store environment);
the node attributes the instances coordinate through live in the etcd in the lab's client namespace.

A kit (galerakit, rabbitkit) subclasses AgentLab: its module, prefix, subnet and node attribute
lifetime, the per-node files it prepares, the parameters it passes and where its server's pid is.
Everything is named by a per-run prefix (`<base>{pid % 10000}`) on a subnet that exists only inside
the namespaces. Leftovers of dead runs (their owner pid is gone) are removed at start; teardown kills
the servers by pid, then everything else in the namespaces (Net.clear_stale), then deletes them.

Imports hastack.lab.net, hastack.etcdserver, and for playing hastackd's notifier the executor and
hastack.daemon.departure/notifier.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

from hastack.agents.action import ActionRequest
from hastack.agents.executor import Executor, local_host
from hastack.daemon.departure import FENCED, Departure, LocalResource, decide
from hastack.daemon.notifier import notice_request
from hastack.etcdserver import Member, start_member, stop
from hastack.model.values import AgentRef
from hastack.lab.net import Net, sh

SRC = Path(__file__).resolve().parents[1] / "src" / "hastack"
SHIMS = SRC / "shims" / "bin"
WORK = Path("/var/tmp")  # not pytest's tmp: servers running as their own users must traverse it
NODES = ("n1", "n2", "n3")


def clear_dead_runs(base: str) -> None:
    """Delete the namespaces and files of earlier runs of prefix `base` whose owner is gone."""
    names = {line.split()[0] for line in sh("ip", "netns", "list").splitlines() if line.strip()}
    prefixes = {m.group(1) for n in names if (m := re.match(rf"^({base}\d+)-", n))}
    prefixes |= {p.name for p in WORK.glob(f"{base}*") if re.fullmatch(rf"{base}\d+", p.name)}
    for prefix in prefixes:
        try:
            os.kill(int((WORK / prefix / "owner").read_text()), 0)
            continue  # a live run's
        except (OSError, ValueError):
            pass
        Net(prefix=prefix).clear_stale()
        shutil.rmtree(WORK / prefix, ignore_errors=True)


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_bytes().rsplit(b")", 1)[1].split()[0]
    except OSError:
        return False
    return state not in (b"Z", b"X")


class AgentLab:
    base = ""  # prefix of every name: namespaces hrmq1234-h1..., /var/tmp/hrmq1234
    subnet = ""
    module = ""  # hastack.agents.builtin.<module>
    instance = ""  # OCF_RESOURCE_INSTANCE
    lifetime = "reboot"  # of the node attributes the agent writes
    parallel_timeout_s = 90.0  # the operation timeout run_all gives each instance

    def __init__(self) -> None:
        self.net = Net(prefix=f"{self.base}{os.getpid() % 10000}", subnet=self.subnet)
        self.root = WORK / self.net.prefix
        self.etcd_url = f"http://{self.net.client_ip}:2379"
        self.etcd: subprocess.Popen[bytes] | None = None
        self._executors: dict[int, Executor] = {}

    # --- what a kit says ---------------------------------------------------------------------------
    def prepare(self) -> None:
        """Per-node files, made after the namespaces exist and before etcd starts."""

    def params(self, i: int) -> dict[str, str]:
        return {}

    def server_pid(self, i: int) -> int | None:
        return None

    def check_output(self, text: str) -> None:
        """Assert what must never appear in an action's output (a kit's secrets)."""

    # --- lifecycle ---------------------------------------------------------------------------------
    def up(self) -> AgentLab:
        clear_dead_runs(self.base)
        self.net.clear_stale()
        shutil.rmtree(self.root, ignore_errors=True)
        self.root.mkdir(mode=0o755, parents=True)
        (self.root / "owner").write_text(str(os.getpid()))
        self.net.build(len(NODES))
        self.prepare()
        me = Member("e1", self.etcd_url, f"http://{self.net.client_ip}:2380")
        self.etcd = start_member(me, [me], self.root / "etcd", tuned=False, log=self.root / "etcd.log",
                                 netns=self.net.client)
        deadline = time.monotonic() + 20
        while self._shim(1, "crm_attribute", "-N", "n1", "-l", self.lifetime, "-n", "probe", "-G",
                         "-q").returncode not in (0, 105):
            if time.monotonic() > deadline:
                raise RuntimeError(f"etcd in {self.net.client} did not answer; see {self.root / 'etcd.log'}")
            time.sleep(0.2)
        return self

    def down(self) -> None:
        for executor in self._executors.values():
            executor.close()
        for i in range(1, len(NODES) + 1):
            pid = self.server_pid(i)
            if pid:
                os.kill(pid, signal.SIGKILL)
        if self.etcd is not None:
            stop(self.etcd)
        self.net.destroy()  # kills whatever else runs in the namespaces (epmd, helpers) and deletes them
        shutil.rmtree(self.root, ignore_errors=True)

    # --- the agent ---------------------------------------------------------------------------------
    def node_dir(self, i: int) -> Path:
        return self.root / NODES[i - 1]

    def env(self, i: int, timeout_s: float, extra: dict[str, str]) -> dict[str, str]:
        env = {"PATH": f"{SHIMS}:/usr/sbin:/usr/bin:/sbin:/bin", "HA_SBIN_DIR": str(SHIMS), "OCF_ROOT": "/usr/lib/ocf",
               "OCF_RESOURCE_INSTANCE": self.instance, "HASTACK_NODE": NODES[i - 1], "HASTACK_STORE": "etcd",
               "HASTACK_ETCD_ENDPOINTS": self.etcd_url, "HASTACK_ETCD_PREFIX": f"/{self.net.prefix}",
               "HASTACK_STATE_DIR": str(self.root), "OCF_RESKEY_CRM_meta_timeout": str(int(timeout_s * 1000))}
        env.update({f"OCF_RESKEY_{k}": v for k, v in {**self.params(i), **extra}.items()})
        return env

    def spawn(self, i: int, action: str, timeout_s: float = 90, **params: str) -> subprocess.Popen[str]:
        cmd = ["ip", "netns", "exec", self.net.host_ns(i), sys.executable, "-m", f"hastack.agents.builtin.{self.module}",
               action]
        return subprocess.Popen(cmd, env=self.env(i, timeout_s, params), stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True)

    def run(self, i: int, action: str, timeout_s: float = 90, **params: str) -> tuple[int, str]:
        proc = self.spawn(i, action, timeout_s, **params)
        out, err = proc.communicate(timeout=timeout_s + 10)
        self.check_output(out + err)
        return proc.returncode, err

    def run_all(self, action: str, nodes: tuple[int, ...] = (1, 2, 3), **params: str) -> dict[int, tuple[int, str]]:
        """One action on several nodes at once (a clone's instances start in parallel)."""
        procs = {i: self.spawn(i, action, self.parallel_timeout_s, **params) for i in nodes}
        results = {}
        for i, p in procs.items():
            out, err = p.communicate(timeout=self.parallel_timeout_s + 30)
            self.check_output(out + err)
            results[i] = (p.returncode, err)
        return results

    # --- hastackd's notifier, played ------------------------------------------------------------------
    def executor(self, i: int) -> Executor:
        """hastackd's executor for node i (its fork server in i's namespace), made once and kept: a notice
        is then a fork of a preloaded interpreter, as in hastackd, not a cold interpreter start."""
        if i not in self._executors:
            self._executors[i] = Executor(local_host(node=NODES[i - 1], state_dir=str(self.root),
                                                     netns=self.net.host_ns(i)))
            self._executors[i].execute(self.started(i, "validate-all"))  # starts the fork server
        return self._executors[i]

    def started(self, i: int, action: str = "start") -> ActionRequest:
        """The request hastackd's LRM keeps for the instance on node i (what a notice is built from)."""
        return ActionRequest(AgentRef("ocf", self.module, "hastack"), action, self.instance,
                             tuple(self.params(i).items()), node=NODES[i - 1])

    def tell_gone(self, i: int, victim: int) -> list[tuple[int, str]]:
        """What hastackd's notifier does on survivor i once node `victim` is proven down: the same decision
        (daemon.departure.decide), request (daemon.notifier.notice_request) and executor; (rc, stderr) each."""
        me, gone = NODES[i - 1], NODES[victim - 1]
        plan = decide(me, {gone: Departure(gone, 0x77, FENCED)}, {me: 0x11}, {},
                      (LocalResource(self.instance, str(self.started(i).agent)),))
        return [(r.rc, r.stderr) for r in
                (self.executor(i).execute(notice_request(self.started(i), n)) for n in plan.notices)]

    def _shim(self, i: int, name: str, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(["ip", "netns", "exec", self.net.host_ns(i), str(SHIMS / name), *args],
                              env=self.env(i, 10, {}), capture_output=True, text=True, timeout=30)

    def attribute(self, i: int, name: str, node: str | None = None) -> str | None:
        proc = self._shim(i, "crm_attribute", "-N", node or NODES[i - 1], "-l", self.lifetime, "-n", name, "-G", "-q")
        return proc.stdout.strip() if proc.returncode == 0 else None
