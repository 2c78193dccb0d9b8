"""A hastack cluster of N hosts on one machine: namespaces, etcd members, hastackd, faults.

Each host is a network namespace (lab.net) with its own PID and mount
namespace, whose PID 1 is lab.hostinit (etcd member on the first 3 hosts,
hastackd on all). The client namespace runs operator commands and the HTTP
poller, since only lab namespaces can reach the lab subnet.

Faults, as the failover anchors define them: power loss = the host's switch
port down, then SIGKILL of every process in its namespace; power on = its
addresses reset (a reboot has no VIP), port up, boot again; kill hastackd
alone; freeze/thaw (SIGSTOP/SIGCONT of every process); partition = switch
ports of a set of hosts down while their processes keep running.

Imports lab.net, etcdserver, store.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from hastack.etcdserver import Member
from hastack.keygen import keygen
from hastack.lab.net import LabError, Net, drop_addresses, sh, wait_until
from hastack.store.select import tls_in

VOTERS_MAX = 3
# A host boots with the machine's normal scheduling whoever boots it: the lab's power switch and watchdog run
# SCHED_FIFO 50, and every process of a host they booted inherited it (hastackd whole, the web server, agents),
# so a busy rebooted host starved everything else on the machine, other labs included.
NORMAL_SCHEDULING = ["chrt", "--other", "0"]


def _venv_bin(name: str) -> str:
    return str(Path(sys.executable).with_name(name))


@dataclass
class Lab:
    hosts: int = 3
    net: Net = field(default_factory=Net)
    directory: Path = Path("/var/lib/hastack-lab")
    ttl: int = 3
    suspect_after: float = 0.3  # hastackd --suspect-after: heartbeat silence before fencing
    etcd_election_ms: int | None = None  # hastackd --etcd-election-ms (None: hastackd's default)
    # how long the lab waits for its etcd, and for one `hastack cluster ping` from the client namespace
    # (under a load average of 15 a cold CLI start alone took longer than 5 s: the tier's lab waits more)
    ready_wait_s: float = 30.0
    ping_timeout_s: float = 15.0  # the CLI's start alone took 4 s at load 20

    @property
    def voters(self) -> list[int]:
        return list(range(1, min(self.hosts, VOTERS_MAX) + 1))

    def members(self) -> list[Member]:
        return [Member(f"h{i}", f"https://{self.net.host_ip(i)}:2379", f"https://{self.net.host_ip(i)}:2380")
                for i in self.voters]

    @property
    def pki(self) -> Path:
        """The lab's cluster CA and certificates (hastack keygen): etcd runs TLS-only with client certs."""
        return self.directory / "pki"

    @property
    def endpoints(self) -> str:
        return ",".join(m.client_url for m in self.members())

    def host_dir(self, i: int) -> Path:
        return self.directory / f"h{i}"

    # --- life cycle ------------------------------------------------------------------------
    def up(self, fresh: bool = True) -> None:
        if fresh and self.directory.exists():
            subprocess.run(["rm", "-rf", str(self.directory)], check=False)
        self.directory.mkdir(parents=True, exist_ok=True)
        try:
            self._build()
        except BaseException:
            self.down()  # never leave a half-built lab (or its watchdog) behind
            raise

    def _build(self) -> None:
        self.net.build(self.hosts)
        keygen(self.pki, [(f"h{i}", [self.net.host_ip(i)]) for i in range(1, self.hosts + 1)], self.net.prefix)
        (self.directory / "lab.json").write_text(json.dumps({"hosts": self.hosts, "prefix": self.net.prefix,
                                                             "subnet": self.net.subnet, "ttl": self.ttl,
                                                             "suspect_after": self.suspect_after}))
        for i in range(1, self.hosts + 1):
            self.boot(i)
        self.start_watchdog()
        self.start_pdu()
        if not wait_until(self.etcd_ready, self.ready_wait_s, 0.2):
            raise LabError(f"the lab's etcd did not become ready in {self.ready_wait_s:.0f} s",
                           hint=f"see {self.directory}/h1/etcd.log")

    def down(self) -> None:
        self.stop_watchdog()  # first: it would reboot the hosts being torn down
        self.net.destroy()

    def watchdog_file(self, i: int) -> Path:
        return self.host_dir(i) / "watchdog"

    def start_watchdog(self) -> None:
        proc = subprocess.Popen([sys.executable, "-m", "hastack.lab.watchdog", "--dir", str(self.directory)],
                                stdin=subprocess.DEVNULL, stdout=open(self.directory / "watchdog.out", "ab"),
                                stderr=subprocess.STDOUT, start_new_session=True)
        (self.directory / "watchdog.pid").write_text(str(proc.pid))

    def start_pdu(self) -> None:
        """The lab's power switch, in its own namespace (it dies with the namespaces at down())."""
        subprocess.Popen(["ip", "netns", "exec", self.net.pdu, sys.executable, "-m", "hastack.lab.pdu",
                          "--dir", str(self.directory), "--address", self.net.pdu_ip],
                         stdin=subprocess.DEVNULL, stdout=open(self.directory / "pdu.out", "ab"),
                         stderr=subprocess.STDOUT, start_new_session=True)

    def stop_watchdog(self) -> None:
        pidfile = self.directory / "watchdog.pid"
        try:
            pid = int(pidfile.read_text())
        except (OSError, ValueError):
            return
        try:
            cmd = Path(f"/proc/{pid}/cmdline").read_bytes()
            if b"hastack.lab.watchdog" in cmd:
                os.kill(pid, signal.SIGKILL)
        except (OSError, ProcessLookupError):
            pass
        pidfile.unlink(missing_ok=True)

    def boot(self, i: int) -> None:
        d = self.host_dir(i)
        d.mkdir(parents=True, exist_ok=True)
        # hastackd runs this host's etcd member itself (embedded etcd: a voter on each of the first 3 hosts)
        nodes = ",".join(f"h{k}={self.net.host_ip(k)}" for k in range(1, self.hosts + 1))
        self.watchdog_file(i).unlink(missing_ok=True)  # a booting host has not petted yet
        daemon_cmd = " ".join([_venv_bin("hastackd"), "--node", f"h{i}", "--nodes", nodes,
                               "--data-dir", str(d), "--prefix", "/hastack",
                               "--ttl", str(self.ttl), "--suspect-after", str(self.suspect_after),
                               "--state-dir", str(d / "state"),
                               "--tls-dir", str(self.pki), "--address", self.net.host_ip(i),
                               "--watchdog-file", str(self.watchdog_file(i)),
                               # the voters the lab's clients know (h1..h3), also at 7 hosts and more
                               *(["--etcd-voters", str(len(self.voters))] if self.hosts >= 7 else []),
                               *(["--etcd-election-ms", str(self.etcd_election_ms)] if self.etcd_election_ms else [])])
        cmd = [*NORMAL_SCHEDULING, "ip", "netns", "exec", self.net.host_ns(i), "unshare", "--pid", "--mount",
               "--fork", "--mount-proc", sys.executable, "-m", "hastack.lab.hostinit", "--name", f"h{i}",
               "--address", self.net.host_ip(i), "--dir", str(d), "--hastackd-cmd", daemon_cmd]
        subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=open(d / "init.log", "ab"),
                         stderr=subprocess.STDOUT, start_new_session=True)

    # --- running things in the client namespace ---------------------------------------------
    def client_run(self, *args: str, timeout: float = 30, check: bool = True) -> str:
        cmd = ["ip", "netns", "exec", self.net.client, *args]
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
        if check and proc.returncode != 0:
            raise LabError(f"{' '.join(args)} failed: {proc.stderr.strip()}")
        return proc.stdout

    def hastack(self, *args: str, timeout: float = 30, check: bool = True) -> str:
        return self.client_run(_venv_bin("hastack"), *args, "--etcd", self.endpoints, "--tls-dir", str(self.pki),
                               timeout=timeout, check=check)

    def etcd_ready(self) -> bool:
        try:
            self.hastack("cluster", "ping", timeout=self.ping_timeout_s)
            return True
        except (LabError, subprocess.TimeoutExpired):
            return False

    def http_get(self, ip: str, port: int = 8080, timeout: float = 0.3) -> str | None:
        code = ("import sys,urllib.request\n"
                f"try: print(urllib.request.urlopen('http://{ip}:{port}/', timeout={timeout}).read().decode().strip())\n"
                "except Exception: sys.exit(1)")
        try:
            out = self.client_run(sys.executable, "-c", code, timeout=timeout + 5, check=False)
        except subprocess.TimeoutExpired:
            return None
        return out.strip() or None

    # --- observation -----------------------------------------------------------------------
    def powered(self, i: int) -> bool:
        return bool(sh("ip", "netns", "pids", self.net.host_ns(i), check=False).split()) and self.net.link_is_up(i)

    def holders_of_vip(self, ip: str) -> list[int]:
        return [i for i in range(1, self.hosts + 1) if self.net.link_is_up(i) and self.net.has_address(i, ip)]

    def running(self, i: int, needle: str) -> bool:
        """Whether a process whose command line contains `needle` runs on host i.

        A pid listed for the host may exit and be reused by another host's process before its command
        line is read (the chaos test once counted another host's new web server twice that way), so the
        process's network namespace is checked before and after reading it."""
        for pid in sh("ip", "netns", "pids", self.net.host_ns(i), check=False).split():
            if not self.in_host(i, pid):
                continue
            try:
                cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
            except OSError:
                continue
            if needle in cmdline and "hostinit" not in cmdline and self.in_host(i, pid):
                return True
        return False

    def census(self, needles: tuple[str, ...]) -> dict[str, list[int]]:
        """For each needle, the hosts running a process whose command line contains it -- one pass over
        /proc for all hosts (the checker's sample), with the same pid-reuse guard as `running`."""
        inode = {}
        for i in range(1, self.hosts + 1):
            try:
                inode[os.stat(f"/var/run/netns/{self.net.host_ns(i)}").st_ino] = i
            except OSError:
                continue
        found: dict[str, list[int]] = {n: [] for n in needles}
        for entry in os.scandir("/proc"):
            if not entry.name.isdigit():
                continue
            try:
                host = inode.get(os.stat(f"/proc/{entry.name}/ns/net").st_ino)
                if host is None:
                    continue
                cmdline = Path(f"/proc/{entry.name}/cmdline").read_bytes().replace(b"\0", b" ").decode()
                if "hostinit" in cmdline or inode.get(os.stat(f"/proc/{entry.name}/ns/net").st_ino) != host:
                    continue
            except OSError:
                continue
            for n in needles:
                if n in cmdline and host not in found[n]:
                    found[n].append(host)
        return found

    def in_host(self, i: int, pid: str | int) -> bool:
        """Whether process `pid` is (still) in host i's network namespace."""
        try:
            return os.stat(f"/proc/{pid}/ns/net").st_ino == os.stat(f"/var/run/netns/{self.net.host_ns(i)}").st_ino
        except OSError:
            return False

    # --- faults ----------------------------------------------------------------------------
    def pids(self, i: int) -> list[int]:
        return [int(p) for p in sh("ip", "netns", "pids", self.net.host_ns(i), check=False).split()]

    def power_off(self, i: int) -> float:
        """Cut the link, then SIGKILL every process of the host. Returns T0 (monotonic, before the cut)."""
        t0 = time.monotonic()
        with self.power_lock(i):
            self.net.link(i, False)
            self.watchdog_file(i).unlink(missing_ok=True)  # a powered-off machine has no watchdog running
            if not self.kill_all(i):
                raise LabError(f"h{i}: processes survived SIGKILL for 10 s")
            self.watchdog_file(i).unlink(missing_ok=True)  # (a last pet may have landed before the kill)
            self._drop_addresses(i)  # a machine without power answers for no address (its netns would)
        return t0

    def kill_all(self, i: int, timeout: float = 10.0) -> bool:
        """SIGKILL every process of host i until none is left; False if some survived `timeout`."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            pids = self.pids(i)
            if not pids:
                return True
            for p in pids:
                try:
                    os.kill(p, signal.SIGKILL)
                except ProcessLookupError:
                    pass
            time.sleep(0.01)
        return not self.pids(i)

    @contextlib.contextmanager
    def power_lock(self, i: int) -> Iterator[None]:
        """One power operation on a host at a time, whoever asks (power switch, watchdog, chaos, trials):
        a reset racing a power-off could boot a host the switch just turned off."""
        self.host_dir(i).mkdir(parents=True, exist_ok=True)
        with open(self.host_dir(i) / "power.lock", "a+") as f:
            fcntl.flock(f, fcntl.LOCK_EX)
            yield

    def reset(self, i: int) -> None:
        """What a watchdog does: the host dies at once and boots again (its link stays as it is). A host
        that is off (fenced) stays off: a watchdog does not power a machine on."""
        with self.power_lock(i):
            if not self.pids(i):
                return
            self.kill_all(i)
            self._drop_addresses(i)
            self.boot(i)

    def power_on(self, i: int) -> None:
        """Boot a host that is off (a running host is left as it is: power on is idempotent)."""
        with self.power_lock(i):
            if self.pids(i):
                self.net.link(i, True)
                return
            self._drop_addresses(i)
            self.net.link(i, True)
            self.boot(i)

    def _drop_addresses(self, i: int) -> None:
        drop_addresses(self.net.host_ip(i), netns=self.net.host_ns(i))

    def kill_hastackd(self, i: int) -> None:
        pid = self.host_dir(i).joinpath("hastackd.pid").read_text().strip()
        # the pid file holds the pid inside the host's PID namespace: find the real one
        for p in self.pids(i):
            try:
                status = Path(f"/proc/{p}/status").read_text()
                cmd = Path(f"/proc/{p}/cmdline").read_bytes()
            except OSError:
                continue
            nspid = [line.split()[-1] for line in status.splitlines() if line.startswith("NSpid:")]
            if nspid and nspid[0] == pid and b"hastackd" in cmd:
                os.kill(p, signal.SIGKILL)
                return

    def freeze(self, i: int, frozen: bool, spare_etcd: bool = False) -> None:
        """SIGSTOP (or SIGCONT) every process of host i; `spare_etcd`: all but its etcd member -- a host
        whose hastackd stalls (a long GC, a loaded machine) while its etcd voter keeps answering."""
        for p in self.pids(i):
            if spare_etcd and _program(p) == "etcd":
                continue
            try:
                os.kill(p, signal.SIGSTOP if frozen else signal.SIGCONT)
            except ProcessLookupError:
                pass

    def split(self, side: list[int], apart: bool) -> None:
        """Partition the lab in two: `side` together on one switch, the others (with the client and the
        power switch) on the other; `apart` False joins them again."""
        self.net.split(side, apart)

    def partition(self, isolated: list[int], cut: bool) -> None:
        """Cut (or heal) the switch ports of `isolated`; healing leaves a host that is off cut off
        (the cluster may have fenced it meanwhile: a switch port does not power a machine on)."""
        for i in isolated:
            if cut or self.pids(i):
                self.net.link(i, not cut)


def _program(pid: int) -> str:
    """The base name of a process's program (argv[0]), "" when it is gone."""
    try:
        argv0 = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0", 1)[0]
    except OSError:
        return ""
    return os.path.basename(argv0.decode(errors="replace"))


def load_lab(directory: Path = Path("/var/lib/hastack-lab")) -> Lab:
    path = directory / "lab.json"
    if not path.exists():
        raise LabError("no lab is running", hint="start one with: hastack lab up")
    d = json.loads(path.read_text())
    # the power switch and the watchdog boot hosts from this: with the settings the lab was started with
    return Lab(hosts=d["hosts"], net=Net(d["prefix"], d["subnet"]), directory=directory, ttl=d["ttl"],
               suspect_after=d.get("suspect_after", Lab.suspect_after))
