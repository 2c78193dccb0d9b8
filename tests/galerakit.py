"""Three real MariaDB Galera nodes in network namespaces, driven only through ocf:hastack:galera's actions.

The test plays the cluster manager: it runs the agent's start/monitor/promote/stop in each host's
namespace (`ip netns exec`, as hastackd's executor would, with the OCF environment and the store
environment), and a real etcd in the lab's client namespace holds the node attributes the
instances coordinate through. SQL goes over each server's unix socket (the filesystem is shared).

Everything is named by a per-run prefix (`hgal{pid % 10000}`) on 10.213.150.0/24, which exists
only inside the namespaces. Leftovers of dead runs (their owner pid is gone) are removed at start.

Imports hastack.lab.net and hastack.etcdserver.
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

from hastack.etcdserver import Member, start_member, stop
from hastack.lab.net import Net, sh

SRC = Path(__file__).resolve().parents[1] / "src" / "hastack"
SHIMS = SRC / "shims" / "bin"
WORK = Path("/var/tmp")  # not pytest's tmp: mysql must traverse it
NODES = ("n1", "n2", "n3")
INSTANCE = "p_galera"

MY_CNF = """[mysqld]
datadir={root}/data
socket={root}/run/mysqld.sock
pid-file={root}/run/mysqld.pid
log-error={root}/mariadbd.err
tmpdir={root}/tmp
bind-address={ip}
skip-name-resolve
innodb_buffer_pool_size=16M
innodb_log_file_size=8M
performance_schema=OFF
max_connections=30
binlog_format=ROW
default_storage_engine=InnoDB
innodb_autoinc_lock_mode=2
wsrep_on=ON
wsrep_provider=/usr/lib/galera/libgalera_smm.so
wsrep_provider_options="gcache.size=16M;evs.suspect_timeout=PT3S;evs.inactive_timeout=PT6S"
wsrep_cluster_name={prefix}
wsrep_node_address={ip}
wsrep_node_name={name}
wsrep_sst_method=rsync
"""


def clear_dead_runs() -> None:
    """Delete the namespaces and files of earlier runs whose owner is gone (crashed or killed tests)."""
    names = {line.split()[0] for line in sh("ip", "netns", "list").splitlines() if line.strip()}
    prefixes = {m.group(1) for n in names if (m := re.match(r"^(hgal\d+)-", n))}
    prefixes |= {p.name for p in WORK.glob("hgal*") if re.fullmatch(r"hgal\d+", p.name)}
    for prefix in prefixes:
        try:
            owner = int((WORK / prefix / "owner").read_text())
            os.kill(owner, 0)
            continue  # a live run's
        except (OSError, ValueError):
            pass
        Net(prefix=prefix).clear_stale()
        shutil.rmtree(WORK / prefix, ignore_errors=True)


class GaleraLab:
    def __init__(self) -> None:
        self.net = Net(prefix=f"hgal{os.getpid() % 10000}", subnet="10.213.150")
        self.root = WORK / self.net.prefix
        self.etcd_url = f"http://{self.net.client_ip}:2379"
        self.etcd: subprocess.Popen[bytes] | None = None

    # --- lifecycle -------------------------------------------------------------------------------
    def up(self) -> GaleraLab:
        clear_dead_runs()
        self.net.clear_stale()
        shutil.rmtree(self.root, ignore_errors=True)
        self.root.mkdir(mode=0o755, parents=True)
        (self.root / "owner").write_text(str(os.getpid()))
        self.net.build(len(NODES))
        for i, name in enumerate(NODES, 1):
            d = self.node_dir(i)
            d.mkdir(mode=0o755)
            (d / "tmp").mkdir(mode=0o1777)  # the namespaces share /tmp: every server needs its own
            os.chmod(d / "tmp", 0o1777)
            shutil.chown(d, "mysql", "mysql")  # the error log is written there, as mysql
            (d / "my.cnf").write_text(MY_CNF.format(root=d, ip=self.net.host_ip(i), name=name, prefix=self.net.prefix))
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
        rc = self._shim(1, "crm_attribute", "-N", "n1", "-l", "reboot", "-n", "probe", "-G", "-q").returncode
        return rc in (0, 105)

    def down(self) -> None:
        for i in range(1, len(NODES) + 1):
            pid = self.server_pid(i)
            if pid:
                os.kill(pid, signal.SIGKILL)
        if self.etcd is not None:
            stop(self.etcd)
        self.net.destroy()
        shutil.rmtree(self.root, ignore_errors=True)

    # --- the agent ---------------------------------------------------------------------------------
    def node_dir(self, i: int) -> Path:
        return self.root / NODES[i - 1]

    def env(self, i: int, timeout_s: float, extra: dict[str, str]) -> dict[str, str]:
        d = self.node_dir(i)
        params = {"wsrep_cluster_address": "gcomm://" + ",".join(self.net.host_ip(k) for k in range(1, 4)),
                  "cluster_host_map": ";".join(f"{n}:{self.net.host_ip(k)}" for k, n in enumerate(NODES, 1)),
                  "config": str(d / "my.cnf"), "datadir": str(d / "data"), "socket": str(d / "run" / "mysqld.sock"),
                  "pid": str(d / "run" / "mysqld.pid"), "log": str(d / "mariadbd.err"), "enable_creation": "true",
                  **extra}
        env = {"PATH": f"{SHIMS}:/usr/sbin:/usr/bin:/sbin:/bin", "HA_SBIN_DIR": str(SHIMS), "OCF_ROOT": "/usr/lib/ocf",
               "OCF_RESOURCE_INSTANCE": INSTANCE, "HASTACK_NODE": NODES[i - 1], "HASTACK_STORE": "etcd",
               "HASTACK_ETCD_ENDPOINTS": self.etcd_url, "HASTACK_ETCD_PREFIX": f"/{self.net.prefix}",
               "HASTACK_STATE_DIR": str(self.root), "OCF_RESKEY_CRM_meta_timeout": str(int(timeout_s * 1000))}
        env.update({f"OCF_RESKEY_{k}": v for k, v in params.items()})
        return env

    def spawn(self, i: int, action: str, timeout_s: float = 90, **params: str) -> subprocess.Popen[str]:
        cmd = ["ip", "netns", "exec", self.net.host_ns(i), sys.executable, "-m", "hastack.agents.builtin.galera", action]
        return subprocess.Popen(cmd, env=self.env(i, timeout_s, params), stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True)

    def run(self, i: int, action: str, timeout_s: float = 90, **params: str) -> tuple[int, str]:
        proc = self.spawn(i, action, timeout_s, **params)
        _, err = proc.communicate(timeout=timeout_s + 10)
        return proc.returncode, err

    def run_all(self, action: str, nodes: tuple[int, ...] = (1, 2, 3), **params: str) -> dict[int, tuple[int, str]]:
        """One action on several nodes at once (a clone's instances start in parallel)."""
        procs = {i: self.spawn(i, action, **params) for i in nodes}
        out = {}
        for i, p in procs.items():
            _, err = p.communicate(timeout=120)
            out[i] = (p.returncode, err)
        return out

    def _shim(self, i: int, name: str, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(["ip", "netns", "exec", self.net.host_ns(i), str(SHIMS / name), *args],
                              env=self.env(i, 10, {}), capture_output=True, text=True, timeout=30)

    def attribute(self, i: int, name: str, node: str | None = None) -> str | None:
        proc = self._shim(i, "crm_attribute", "-N", node or NODES[i - 1], "-l", "reboot", "-n", name, "-G", "-q")
        return proc.stdout.strip() if proc.returncode == 0 else None

    # --- the servers ----------------------------------------------------------------------------------
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
            while time.monotonic() < deadline and _alive(pid):  # type: ignore[arg-type]
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
        return {int(x) for x in self.sql(i, "SELECT id FROM t.r").split()}

    def log(self, i: int) -> str:
        try:
            return (self.node_dir(i) / "mariadbd.err").read_text(errors="replace")
        except FileNotFoundError:
            return ""


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_bytes().rsplit(b")", 1)[1].split()[0]
    except OSError:
        return False
    return state not in (b"Z", b"X")


def verdict_of(stderr: str) -> str:
    """What the start decided, from the agent's log line `p_galera: bootstrap: ...` / `join: ...`."""
    m = re.search(rf"{INSTANCE}: (bootstrap|join): ", stderr)
    return m.group(1) if m else "none"
