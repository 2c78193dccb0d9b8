"""Three real RabbitMQ 3.10 nodes in network namespaces, driven only through ocf:hastack:rabbitmq's actions.

The test plays the cluster manager, as galerakit does: it runs the agent's start/monitor/stop in each
host's namespace (`ip netns exec`, with the OCF and store environment), and a real etcd in the lab's
client namespace holds the node attributes the instances coordinate through. AMQP clients (pika) run
in the client namespace.

Everything is named by a per-run prefix (`hrmq{pid % 10000}`) on 10.213.153.0/24, which exists only
inside the namespaces. Erlang leaves epmd, beam.smp, erl_child_setup and inet_gethost behind: teardown
kills every process in the namespaces (Net.clear_stale), then deletes them.
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

from galerakit import SHIMS, _alive
from hastack.etcdserver import Member, start_member, stop
from hastack.lab.net import Net, sh

WORK = Path("/var/tmp")
NODES = ("n1", "n2", "n3")
INSTANCE = "p_rabbit"
COOKIE = "HASTACKLABCOOKIE7f3a9c"  # a test secret: asserted absent from every output
# The soak next door shares both CPUs: schedulers that sleep instead of spinning, one each.
ERL_ARGS = "+sbwt none +sbwtdcpu none +sbwtdio none +S 1:1 +A 4"
CONFIG = r"loopback_users = none\nvm_memory_high_watermark.absolute = 256MiB\ndisk_free_limit.absolute = 50MB"


def clear_dead_runs() -> None:
    """Delete the namespaces and files of earlier runs whose owner is gone."""
    names = {line.split()[0] for line in sh("ip", "netns", "list").splitlines() if line.strip()}
    prefixes = {m.group(1) for n in names if (m := re.match(r"^(hrmq\d+)-", n))}
    prefixes |= {p.name for p in WORK.glob("hrmq*") if re.fullmatch(r"hrmq\d+", p.name)}
    for prefix in prefixes:
        try:
            os.kill(int((WORK / prefix / "owner").read_text()), 0)
            continue  # a live run's
        except (OSError, ValueError):
            pass
        Net(prefix=prefix).clear_stale()
        shutil.rmtree(WORK / prefix, ignore_errors=True)


class RabbitLab:
    def __init__(self) -> None:
        self.net = Net(prefix=f"hrmq{os.getpid() % 10000}", subnet="10.213.153")
        self.root = WORK / self.net.prefix
        self.etcd_url = f"http://{self.net.client_ip}:2379"
        self.etcd: subprocess.Popen[bytes] | None = None

    def up(self) -> RabbitLab:
        clear_dead_runs()
        self.net.clear_stale()
        shutil.rmtree(self.root, ignore_errors=True)
        self.root.mkdir(mode=0o755, parents=True)
        (self.root / "owner").write_text(str(os.getpid()))
        self.net.build(len(NODES))
        me = Member("e1", self.etcd_url, f"http://{self.net.client_ip}:2380")
        self.etcd = start_member(me, [me], self.root / "etcd", tuned=False, log=self.root / "etcd.log",
                                 netns=self.net.client)
        deadline = time.monotonic() + 20
        while not self._store_answers():
            if time.monotonic() > deadline:
                raise RuntimeError(f"etcd in {self.net.client} did not answer; see {self.root / 'etcd.log'}")
            time.sleep(0.2)
        return self

    def _store_answers(self) -> bool:
        return self._shim(1, "crm_attribute", "-N", "n1", "-l", "forever", "-n", "probe", "-G", "-q").returncode in (0, 105)

    def down(self) -> None:
        for i in range(1, len(NODES) + 1):  # by pid first, then whatever else Erlang left in the namespace
            pid = self.beam_pid(i)
            if pid:
                os.kill(pid, signal.SIGKILL)
        if self.etcd is not None:
            stop(self.etcd)
        self.net.destroy()
        shutil.rmtree(self.root, ignore_errors=True)

    # --- the agent -------------------------------------------------------------------------------
    def node_dir(self, i: int) -> Path:
        return self.root / NODES[i - 1]

    def env(self, i: int, timeout_s: float, extra: dict[str, str]) -> dict[str, str]:
        d = self.node_dir(i)
        params = {"nodes": ";".join(f"{n}:{self.net.host_ip(k)}" for k, n in enumerate(NODES, 1)),
                  "erlang_cookie": COOKIE, "data_dir": str(d / "data"), "log_dir": str(d / "log"),
                  "pid": str(d / "run" / "rabbitmq.pid"), "erl_args": ERL_ARGS, "additional_config": CONFIG, **extra}
        env = {"PATH": f"{SHIMS}:/usr/sbin:/usr/bin:/sbin:/bin", "HA_SBIN_DIR": str(SHIMS), "OCF_ROOT": "/usr/lib/ocf",
               "OCF_RESOURCE_INSTANCE": INSTANCE, "HASTACK_NODE": NODES[i - 1], "HASTACK_STORE": "etcd",
               "HASTACK_ETCD_ENDPOINTS": self.etcd_url, "HASTACK_ETCD_PREFIX": f"/{self.net.prefix}",
               "HASTACK_STATE_DIR": str(self.root), "OCF_RESKEY_CRM_meta_timeout": str(int(timeout_s * 1000))}
        env.update({f"OCF_RESKEY_{k}": v for k, v in params.items()})
        return env

    def spawn(self, i: int, action: str, timeout_s: float = 90, **params: str) -> subprocess.Popen[str]:
        cmd = ["ip", "netns", "exec", self.net.host_ns(i), sys.executable, "-m", "hastack.agents.builtin.rabbitmq",
               action]
        return subprocess.Popen(cmd, env=self.env(i, timeout_s, params), stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True)

    def run(self, i: int, action: str, timeout_s: float = 90, **params: str) -> tuple[int, str]:
        proc = self.spawn(i, action, timeout_s, **params)
        out, err = proc.communicate(timeout=timeout_s + 10)
        assert COOKIE not in out + err, "the cookie leaked into the agent's output"
        return proc.returncode, err

    def run_all(self, action: str, nodes: tuple[int, ...] = (1, 2, 3), **params: str) -> dict[int, tuple[int, str]]:
        """One action on several nodes at once (a clone's instances start in parallel), with the agent's
        default start timeout: the soak next door can make a first boot take a minute."""
        procs = {i: self.spawn(i, action, 240, **params) for i in nodes}
        out = {}
        for i, p in procs.items():
            o, err = p.communicate(timeout=260)
            assert COOKIE not in o + err, "the cookie leaked into the agent's output"
            out[i] = (p.returncode, err)
        return out

    def _shim(self, i: int, name: str, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(["ip", "netns", "exec", self.net.host_ns(i), str(SHIMS / name), *args],
                              env=self.env(i, 10, {}), capture_output=True, text=True, timeout=30)

    def attribute(self, i: int, name: str, node: str | None = None) -> str | None:
        proc = self._shim(i, "crm_attribute", "-N", node or NODES[i - 1], "-l", "forever", "-n", name, "-G", "-q")
        return proc.stdout.strip() if proc.returncode == 0 else None

    # --- the brokers ----------------------------------------------------------------------------------
    def erlang(self, i: int) -> str:
        return f"rabbit@{self.net.host_ip(i)}"

    def beam_pid(self, i: int) -> int | None:
        try:
            pid = int((self.node_dir(i) / "run" / "rabbitmq.pid").read_text().split()[0])
        except (OSError, ValueError, IndexError):
            return None
        return pid if _alive(pid) else None

    def kill(self, i: int) -> None:
        pid = self.beam_pid(i)
        assert pid is not None, f"n{i} runs no broker"
        os.kill(pid, signal.SIGKILL)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and _alive(pid):
            time.sleep(0.02)

    def ctl(self, i: int, *args: str, tool: str = "rabbitmqctl") -> str:
        """A CLI call on node i, as an operator would make it (HOME holds the cookie the agent wrote)."""
        env = {"PATH": "/usr/bin:/bin", "HOME": str(self.node_dir(i) / "data")}
        proc = subprocess.run(["ip", "netns", "exec", self.net.host_ns(i), f"/usr/lib/rabbitmq/bin/{tool}", "-n",
                               self.erlang(i), "--longnames", "-q", *args], env=env, capture_output=True, text=True,
                              timeout=60)
        if proc.returncode != 0:
            raise AssertionError(f"n{i}: {tool} {' '.join(args)}: {proc.stderr.strip() or proc.stdout.strip()}")
        return proc.stdout.strip()

    def client(self, *args: str) -> str:
        """tests/rabbit_client.py in the client namespace (pika); raises with its output when it fails."""
        proc = subprocess.run(["ip", "netns", "exec", self.net.client, sys.executable,
                               str(Path(__file__).with_name("rabbit_client.py")), *args],
                              capture_output=True, text=True, timeout=90)
        if proc.returncode != 0:
            raise AssertionError(f"client {' '.join(args)}: {proc.stderr.strip()[-800:]}")
        return proc.stdout.strip()


def verdict_of(stderr: str) -> str:
    """What the start decided, from the agent's log line `p_rabbit: join: ...`."""
    m = re.search(rf"{INSTANCE}: (form|start|join|rejoin|reset-join): ", stderr)
    return m.group(1) if m else "none"
