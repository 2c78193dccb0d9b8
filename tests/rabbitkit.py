"""Three real RabbitMQ 3.10 nodes in network namespaces, driven only through ocf:hastack:rabbitmq's actions.

The test plays the cluster manager, as galerakit does: it runs the agent's start/monitor/stop in each
host's namespace (`ip netns exec`, with the OCF and store environment), and a real etcd in the lab's
client namespace holds the node attributes the instances coordinate through. AMQP clients (pika) run
in the client namespace.

Everything is named by a per-run prefix (`hrmq{pid % 10000}`) on 10.213.153.0/24 (agentlab.AgentLab
builds, cleans and tears down the lab). Erlang leaves epmd, erl_child_setup and inet_gethost behind the
brokers: teardown kills every process in the namespaces (Net.clear_stale), then deletes them.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

from agentlab import NODES, AgentLab, alive

from hastack.lab.net import wait_until

INSTANCE = "p_rabbit"
COOKIE = "HASTACKLABCOOKIE7f3a9c"  # a test secret: asserted absent from every output
# The soak next door shares both CPUs: schedulers that sleep instead of spinning, one each.
ERL_ARGS = "+sbwt none +sbwtdcpu none +sbwtdio none +S 1:1 +A 4"
CONFIG = r"loopback_users = none\nvm_memory_high_watermark.absolute = 256MiB\ndisk_free_limit.absolute = 50MB"


class RabbitLab(AgentLab):
    base, subnet, module, instance, lifetime = "hrmq", "10.213.153", "rabbitmq", INSTANCE, "forever"
    parallel_timeout_s = 240.0  # the agent's default start timeout: under the soak a first boot can take a minute

    def params(self, i: int) -> dict[str, str]:
        d = self.node_dir(i)
        return {"nodes": ";".join(f"{n}:{self.net.host_ip(k)}" for k, n in enumerate(NODES, 1)),
                "erlang_cookie": COOKIE, "data_dir": str(d / "data"), "log_dir": str(d / "log"),
                "pid": str(d / "run" / "rabbitmq.pid"), "erl_args": ERL_ARGS, "additional_config": CONFIG}

    def check_output(self, text: str) -> None:
        assert COOKIE not in text, "the cookie leaked into the agent's output"

    def server_pid(self, i: int) -> int | None:
        return self.beam_pid(i)

    # --- the brokers ----------------------------------------------------------------------------------
    def launch(self, i: int) -> None:
        """The broker of node i with the agent's own files and launch, but no start coordination (a test of
        another action needs the cluster as a background): the three find each other by classic_config
        peer discovery on their first boot; a restarted one rejoins with its data. Returns when its AMQP
        port answers."""
        discovery = "\\n".join(["cluster_formation.peer_discovery_backend = classic_config"]
                                 + [f"cluster_formation.classic_config.nodes.{k} = {self.erlang(k)}" for k in (1, 2, 3)])
        code = ("import os, sys, time; from hastack.agents.builtin import rabbitmq as r; "
                "from hastack.agents.builtin.framework import context; "
                "lay = r.layout(context(r.SPEC, os.environ)); r.write_files(lay); "
                "sys.exit(r.launch(lay, time.monotonic() + 300))")
        env = self.env(i, 300, {"additional_config": f"{CONFIG}\\n{discovery}"})
        proc = subprocess.run(["ip", "netns", "exec", self.net.host_ns(i), sys.executable, "-c", code], env=env,
                              capture_output=True, text=True, timeout=330)
        assert proc.returncode == 0, f"n{i}: {proc.stderr[-500:]}"

    def form_directly(self) -> None:
        """All three at once, then until each lists all three as running."""
        procs = [threading.Thread(target=self.launch, args=(i,)) for i in (1, 2, 3)]
        for t in procs:
            t.start()
        for t in procs:
            t.join()
        every = {self.erlang(k) for k in (1, 2, 3)}
        for i in (1, 2, 3):
            if not wait_until(lambda: every <= set(self.running(i)), 300, 1.0):
                raise AssertionError(f"n{i} is not clustered with all three")

    def running(self, i: int) -> list[str]:
        try:
            out = self.ctl(i, "cluster_status", "--formatter", "json")
        except AssertionError:
            return []
        return list(json.loads(out[out.find("{"):]).get("running_nodes", []))

    def erlang(self, i: int) -> str:
        return f"rabbit@{self.net.host_ip(i)}"

    def beam_pid(self, i: int) -> int | None:
        try:
            pid = int((self.node_dir(i) / "run" / "rabbitmq.pid").read_text().split()[0])
        except (OSError, ValueError, IndexError):
            return None
        return pid if alive(pid) else None

    def kill(self, i: int) -> None:
        pid = self.beam_pid(i)
        assert pid is not None, f"n{i} runs no broker"
        os.kill(pid, signal.SIGKILL)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and alive(pid):
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
