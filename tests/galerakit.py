"""Three real MariaDB Galera nodes in network namespaces, driven only through ocf:hastack:galera's actions.

The test plays the cluster manager: it runs the agent's start/monitor/promote/stop in each host's
namespace (`ip netns exec`, as hastackd's executor would, with the OCF environment and the store
environment), and a real etcd in the lab's client namespace holds the node attributes the
instances coordinate through. SQL goes over each server's unix socket (the filesystem is shared).

Everything is named by a per-run prefix (`hgal{pid % 10000}`) on 10.213.150.0/24 (agentlab.AgentLab
builds, cleans and tears down the lab).
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import time

from agentlab import NODES, AgentLab, alive

from hastack.agents.builtin import galera
from hastack.agents.builtin.framework import context
from hastack.lab.net import wait_until
from hastack.lab.tier import GALERA_CNF

INSTANCE = "p_galera"

MY_CNF = """[mysqld]
datadir={root}/data
socket={root}/run/mysqld.sock
pid-file={root}/run/mysqld.pid
log-error={root}/mariadbd.err
tmpdir={root}/tmp
bind-address={ip}
skip-name-resolve
""" + GALERA_CNF.replace("{cluster}", "{prefix}")


class GaleraLab(AgentLab):
    base, subnet, module, instance, lifetime = "hgal", "10.213.150", "galera", INSTANCE, "reboot"

    def prepare(self) -> None:
        for i, name in enumerate(NODES, 1):
            d = self.node_dir(i)
            d.mkdir(mode=0o755)
            (d / "tmp").mkdir(mode=0o1777)  # the namespaces share /tmp: every server needs its own
            os.chmod(d / "tmp", 0o1777)
            shutil.chown(d, "mysql", "mysql")  # the error log is written there, as mysql
            (d / "my.cnf").write_text(MY_CNF.format(root=d, ip=self.net.host_ip(i), name=name, prefix=self.net.prefix))

    def params(self, i: int) -> dict[str, str]:
        d = self.node_dir(i)
        return {"wsrep_cluster_address": "gcomm://" + ",".join(self.net.host_ip(k) for k in range(1, 4)),
                "cluster_host_map": ";".join(f"{n}:{self.net.host_ip(k)}" for k, n in enumerate(NODES, 1)),
                "config": str(d / "my.cnf"), "datadir": str(d / "data"), "socket": str(d / "run" / "mysqld.sock"),
                "pid": str(d / "run" / "mysqld.pid"), "log": str(d / "mariadbd.err"), "enable_creation": "true"}

    # --- the servers ----------------------------------------------------------------------------------
    def launch(self, i: int, *extra: str) -> None:
        """mariadbd on node i straight from its my.cnf, no agent (what a test of another action needs as a
        background): the cluster address of all three, `extra` flags after it."""
        d = self.node_dir(i)
        lay = galera.layout(context(galera.SPEC, self.env(i, 300, {})))
        assert isinstance(lay, galera.Layout), lay
        galera.prepare_dirs(lay)  # the agent's own steps: its dirs, and a database where there is none
        if not galera.has_database(lay):
            problem = galera.install_database(lay, 300)
            assert problem is None, problem
        gcomm = "gcomm://" + ",".join(self.net.host_ip(k) for k in range(1, 4))
        subprocess.Popen(["ip", "netns", "exec", self.net.host_ns(i), "setsid", "/usr/sbin/mariadbd",
                          f"--defaults-file={d / 'my.cnf'}", "--user=mysql", f"--wsrep-cluster-address={gcomm}", *extra],
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)

    def synced(self, i: int) -> bool:
        try:
            return self.status(i, "wsrep_local_state") == "4"
        except AssertionError:
            return False

    def form_directly(self, timeout_s: float = 300) -> None:
        """Bootstrap n1, then join n2 and n3 one at a time (joiners together slow each other down)."""
        for i in (1, 2, 3):
            self.launch(i, *(("--wsrep-new-cluster",) if i == 1 else ()))
            if not wait_until(lambda: self.synced(i), timeout_s, 0.3):
                raise AssertionError(f"n{i} not synced after {timeout_s} s: {self.log(i)[-800:]}")

    def server_pid(self, i: int) -> int | None:
        try:
            pid = int((self.node_dir(i) / "run" / "mysqld.pid").read_text().split()[0])
            os.kill(pid, 0)
        except (OSError, ValueError, IndexError):
            return None
        return pid

    def kill(self, *nodes: int) -> None:
        """SIGKILL the servers of `nodes`, as close together as a loop allows (a power loss of each)."""
        pids = [(i, self.server_pid(i)) for i in nodes]
        for i, pid in pids:
            assert pid is not None, f"n{i} runs no server"
            os.kill(pid, signal.SIGKILL)
        for _, pid in pids:
            deadline = time.monotonic() + 10
            while time.monotonic() < deadline and alive(pid):  # type: ignore[arg-type]
                time.sleep(0.02)

    def sql(self, i: int, query: str) -> str:
        proc = subprocess.run(["mariadb", "--no-defaults", f"--socket={self.node_dir(i) / 'run' / 'mysqld.sock'}",
                               "-N", "-B", "-e", query], capture_output=True, text=True, timeout=60)
        if proc.returncode != 0:
            raise AssertionError(f"n{i}: {query[:60]}: {proc.stderr.strip()}")
        return proc.stdout.strip()

    def status(self, i: int, name: str) -> str:
        out = self.sql(i, f"SHOW GLOBAL STATUS LIKE '{name}'")
        return out.split("\t")[1] if "\t" in out else ""

    def write_rows(self, i: int, ids: range) -> None:
        """Each row its own autocommit transaction: every id written here was acknowledged as committed."""
        self.sql(i, "CREATE DATABASE IF NOT EXISTS t; CREATE TABLE IF NOT EXISTS t.r (id INT PRIMARY KEY, v CHAR(8))")
        self.sql(i, " ".join(f"INSERT INTO t.r VALUES ({k}, 'x');" for k in ids))

    def row_ids(self, i: int) -> set[int]:
        # wsrep_sync_wait: a replica applies a commit made elsewhere after the writer has acknowledged it
        # (Galera's Stale Read); the read waits until this node has applied everything committed before it
        return {int(x) for x in self.sql(i, "SET SESSION wsrep_sync_wait=1; SELECT id FROM t.r").split()}

    def log(self, i: int) -> str:
        try:
            return (self.node_dir(i) / "mariadbd.err").read_text(errors="replace")
        except FileNotFoundError:
            return ""


def verdict_of(stderr: str) -> str:
    """What the start decided, from the agent's log line `p_galera: bootstrap: ...` / `join: ...`."""
    m = re.search(rf"{INSTANCE}: (bootstrap|join): ", stderr)
    return m.group(1) if m else "none"
