"""The failover anchors in hastack's lab: Pacemaker + Corosync or keepalived on N hosts, for bench/failover.py.

A host here is what a hastack lab host is (lab.net: a namespace on the
switch; lab.cluster: its own PID and mount namespace, power loss = link cut
+ SIGKILL of every process, power on = addresses reset + boot), but its PID 1
is lab.anchorhost, which runs corosync and pacemakerd, or keepalived and a
web server, instead of hastackd. The configurations follow
shared/reference/failover-anchors.md:

- Pacemaker + Corosync: Debian's corosync.conf (knet, no crypto) with this
  lab's nodelist, file logging with hi-res timestamps, and optionally the
  Guide's `token: 10000` + `token_retransmits_before_loss_const: 10`; the
  Clusters-from-Scratch group: IPaddr2 VIP then a python web server through
  ocf:heartbeat:anything; stonith disabled, stickiness 100.
- keepalived: the web server on every host, only the VIP moves; every host
  `state BACKUP`, priorities 150/100/50..., virtual router 51, default
  preemption; VRRPv2 at advert_int 1 or VRRPv3 at 0.1.

The text generators and the crm_mon reader are pure (tests/lab); AnchorLab
drives the hosts. Imports lab.anchorhost, lab.cluster, lab.net.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import time
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from pathlib import Path

from hastack.lab.anchorhost import WEB_CMDLINE
from hastack.lab.cluster import NORMAL_SCHEDULING, Lab
from hastack.lab.net import LabError, sh, wait_until

GROUP = "g_web"
VRID = 51


@dataclass(frozen=True)
class Anchor:
    """One system to measure: `kind` pacemaker (token profile `guide` or default) or keepalived (advert_int)."""

    name: str
    kind: str  # "pacemaker" | "keepalived"
    guide_token: bool = False
    advert_int: float = 1.0

    @property
    def window_s(self) -> float:
        """How long the client may poll after T0 before a trial counts as unanswered: well past the expected
        time, as the machine may be loaded (a trial ends 2 s after the first answer anyway)."""
        if self.kind == "keepalived":
            return 20.0
        return 90.0 if self.guide_token else 60.0


ANCHORS = {a.name: a for a in (
    Anchor("pacemaker-default", "pacemaker"),
    Anchor("pacemaker-guide", "pacemaker", guide_token=True),
    Anchor("keepalived-1", "keepalived", advert_int=1.0),
    Anchor("keepalived-0.1", "keepalived", advert_int=0.1),
)}


# --- configuration text (pure) ----------------------------------------------------------------------

def corosync_conf(cluster: str, nodes: list[tuple[str, str]], guide_token: bool) -> str:
    """corosync.conf for `nodes` (name, address), in the layout of Debian's shipped file."""
    timing = ["\ttoken: 10000", "\ttoken_retransmits_before_loss_const: 10"] if guide_token else []
    lines = ["totem {", "\tversion: 2", f"\tcluster_name: {cluster}", "\tcrypto_cipher: none",
             "\tcrypto_hash: none", *timing, "}",
             "logging {", "\tfileline: off", "\tto_stderr: no", "\tto_logfile: yes",
             "\tlogfile: /var/log/corosync/corosync.log", "\tto_syslog: no", "\tdebug: off",
             "\ttimestamp: hires", "\tlogger_subsys {", "\t\tsubsys: QUORUM", "\t\tdebug: off", "\t}", "}",
             "quorum {", "\tprovider: corosync_votequorum", "}",
             "nodelist {"]
    for k, (name, address) in enumerate(nodes, start=1):
        lines += ["\tnode {", f"\t\tname: {name}", f"\t\tnodeid: {k}", f"\t\tring0_addr: {address}", "\t}"]
    lines.append("}")
    return "\n".join(lines) + "\n"


def keepalived_priority(i: int) -> int:
    """Host i's VRRP priority: 150, 100, 50, ... (host 1 always holds the VIP when it is up)."""
    return max(1, 200 - 50 * i)


def keepalived_conf(name: str, priority: int, vip: str, advert_int: float) -> str:
    """keepalived.conf of one host: VRRPv3 when advert_int is under a second (v2 cannot say 0.1 s)."""
    version = 3 if advert_int < 1 else 2
    return "\n".join([
        "global_defs {", f"\trouter_id {name}", f"\tvrrp_version {version}", "}",
        "vrrp_instance web {", "\tstate BACKUP", "\tinterface eth0", f"\tvirtual_router_id {VRID}",
        f"\tpriority {priority}", f"\tadvert_int {advert_int:g}",
        "\tvirtual_ipaddress {", f"\t\t{vip}/24 dev eth0", "\t}", "}"]) + "\n"


def _nvset(parent: ET.Element, tag: str, set_id: str, pairs: dict[str, str]) -> None:
    nvs = ET.SubElement(parent, tag, id=set_id)
    for key, value in pairs.items():
        ET.SubElement(nvs, "nvpair", id=f"{set_id}-{key}", name=key, value=value)


def _primitive(group: ET.Element, rid: str, agent: str, params: dict[str, str]) -> None:
    prim = ET.SubElement(group, "primitive", id=rid, attrib={"class": "ocf", "provider": "heartbeat", "type": agent})
    _nvset(prim, "instance_attributes", f"{rid}-instance_attributes", params)
    ops = ET.SubElement(prim, "operations")
    ET.SubElement(ops, "op", id=f"{rid}-monitor-interval-10s", name="monitor", interval="10s", timeout="20s")


def pacemaker_group_xml(vip: str) -> str:
    """The <group> of the anchors' service: the VIP (IPaddr2), then the web server (anything)."""
    group = ET.Element("group", id=GROUP)
    _primitive(group, "vip", "IPaddr2", {"ip": vip, "cidr_netmask": "24", "nic": "eth0"})
    _primitive(group, "web", "anything", {"binfile": "/usr/bin/python3", "cmdline_options": WEB_CMDLINE})
    return ET.tostring(group, encoding="unicode")


# --- what crm_mon says (pure) -----------------------------------------------------------------------

@dataclass(frozen=True)
class PacemakerView:
    """What one crm_mon --output-as=xml says: the DC, the online nodes, where each group member runs."""

    dc: str | None
    online: tuple[str, ...]
    placed: dict[str, tuple[str, ...]] = field(default_factory=dict)  # resource id -> nodes it is Started on

    def group_on(self) -> str | None:
        """The one node running both vip and web, or None (stopped, moving, or somewhere twice)."""
        vip, web = self.placed.get("vip", ()), self.placed.get("web", ())
        return vip[0] if len(vip) == 1 and vip == web else None


def read_crm_mon(xml: str) -> PacemakerView:
    root = ET.fromstring(xml)
    dc_el = root.find("summary/current_dc")
    dc = dc_el.get("name") if dc_el is not None and dc_el.get("present") == "true" else None
    online = tuple(n.get("name", "") for n in root.iterfind("nodes/node") if n.get("online") == "true")
    placed: dict[str, tuple[str, ...]] = {}
    for res in root.iter("resource"):
        if res.get("role") == "Started" and res.get("failed") != "true":
            placed[res.get("id", "")] = tuple(n.get("name", "") for n in res.iterfind("node"))
    return PacemakerView(dc, online, placed)


def host_number(name: str | None) -> int | None:
    return int(name[1:]) if name and name.startswith("h") and name[1:].isdigit() else None


# --- the hosts --------------------------------------------------------------------------------------

def _prepare_disk(d: Path, kind: str) -> None:
    """A host's disk: what Debian's packages create, with their owners (the CIB manager runs as hacluster)."""
    root = d / "root"
    if not root.exists():
        shutil.copytree("/etc/skel", root)  # not the build machine's ~/.bashrc: agents run `su - root`
    (d / "var-log").mkdir(parents=True, exist_ok=True)
    if kind != "pacemaker":
        return
    for sub in ("cib", "pengine", "blackbox", "cores"):
        p = d / "var-lib-pacemaker" / sub
        p.mkdir(parents=True, exist_ok=True)
        shutil.chown(p, "hacluster", "haclient")
        p.chmod(0o750)
    shutil.chown(d / "var-lib-pacemaker", "hacluster", "haclient")
    log = d / "var-log" / "pacemaker"
    log.mkdir(exist_ok=True)
    shutil.chown(log, "hacluster", "haclient")
    log.chmod(0o770)
    (d / "var-log" / "corosync").mkdir(exist_ok=True)
    (d / "var-lib-corosync").mkdir(exist_ok=True)
    (d / "etc-corosync").mkdir(exist_ok=True)


@dataclass
class AnchorLab(Lab):
    """A lab whose hosts run one anchor system. Power operations, the checker's probes, the client and
    http_get are the hastack lab's (lab.cluster.Lab); boot, settling and status are the anchor's."""

    anchor: Anchor = ANCHORS["pacemaker-default"]

    def _build(self) -> None:
        self.net.build(self.hosts)
        nodes = [(f"h{i}", self.net.host_ip(i)) for i in range(1, self.hosts + 1)]
        for i in range(1, self.hosts + 1):
            d = self.host_dir(i)
            _prepare_disk(d, self.anchor.kind)
            if self.anchor.kind == "pacemaker":
                (d / "etc-corosync" / "corosync.conf").write_text(
                    corosync_conf("hbench", nodes, self.anchor.guide_token))
            else:
                (d / "keepalived.conf").write_text(keepalived_conf(
                    f"h{i}", keepalived_priority(i), self.net.vip(), self.anchor.advert_int))
            self.boot(i)

    def down(self) -> None:
        self.net.destroy()  # no watchdog here: the anchors run without one (stonith disabled, no sbd)

    def boot(self, i: int) -> None:
        d = self.host_dir(i)
        sh("ip", "-n", self.net.host_ns(i), "neigh", "flush", "all", check=False)  # a rebooted host's ARP is empty
        cmd = [*NORMAL_SCHEDULING, "ip", "netns", "exec", self.net.host_ns(i), "unshare", "--pid", "--mount",
               "--uts", "--fork", "--mount-proc", sys.executable, "-m", "hastack.lab.anchorhost", "--name", f"h{i}",
               "--dir", str(d), "--kind", self.anchor.kind]
        subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=open(d / "init.log", "ab"),
                         stderr=subprocess.STDOUT, start_new_session=True)

    # --- inside a host ------------------------------------------------------------------------
    def init_pid(self, i: int) -> int | None:
        """The host-view pid of host i's PID 1 (its NSpid ends in 1)."""
        for p in self.pids(i):
            try:
                status = Path(f"/proc/{p}/status").read_text()
            except OSError:
                continue
            nspid = [line.split()[1:] for line in status.splitlines() if line.startswith("NSpid:")]
            if nspid and len(nspid[0]) > 1 and nspid[0][-1] == "1":
                return p
        return None

    def host_run(self, i: int, *cmd: str, timeout: float = 30) -> subprocess.CompletedProcess[str]:
        """Run `cmd` inside host i (its network, mounts, hostname and processes), as a shell on it would."""
        pid = self.init_pid(i)
        if pid is None:
            raise LabError(f"h{i} is not running")
        return subprocess.run(["nsenter", "-t", str(pid), "-n", "-m", "-u", "-p", "--", *cmd],
                              capture_output=True, text=True, timeout=timeout)

    def up_hosts(self) -> list[int]:
        return [i for i in range(1, self.hosts + 1) if self.pids(i) and self.net.link_is_up(i)]

    # --- Pacemaker ------------------------------------------------------------------------------
    def pacemaker_view(self, i: int | None = None) -> PacemakerView | None:
        for k in ([i] if i else self.up_hosts()):
            try:
                proc = self.host_run(k, "crm_mon", "--output-as=xml", "-1", timeout=10)
                if proc.returncode == 0:
                    return read_crm_mon(proc.stdout)
            except (subprocess.TimeoutExpired, LabError, ET.ParseError):
                continue
        return None

    def configure_pacemaker(self, timeout: float = 90) -> None:
        """Once a DC exists (dc-deadtime, about 20 s after the first start): the options, then the group."""
        if not wait_until(lambda: bool((v := self.pacemaker_view(1)) and v.dc), timeout, 1.0):
            raise LabError(f"no Pacemaker DC after {timeout:.0f} s", hint=f"see {self.host_dir(1)}/var-log")
        for cmd in (["crm_attribute", "--type", "crm_config", "--name", "stonith-enabled", "--update", "false"],
                    ["crm_attribute", "--type", "crm_config", "--name", "no-quorum-policy", "--update", "stop"],
                    ["crm_attribute", "--type", "rsc_defaults", "--name", "resource-stickiness", "--update", "100"],
                    ["cibadmin", "--create", "--scope", "resources", "--xml-text",
                     pacemaker_group_xml(self.net.vip())]):
            proc = self.host_run(1, *cmd)
            if proc.returncode != 0:
                raise LabError(f"{' '.join(cmd[:3])} on h1 failed: {proc.stderr.strip()}")

    def pacemaker_settled(self) -> bool:
        """Every host online, a DC, the group Started together on one node, and nothing pending."""
        view = self.pacemaker_view()
        if not (view and view.dc and len(view.online) == self.hosts and view.group_on()):
            return False
        holder = host_number(view.group_on())
        if holder is None or self.holders_of_vip(self.net.vip()) != [holder]:
            return False
        try:
            proc = self.host_run(holder, "crm_resource", "--wait", "--timeout", "30s", timeout=40)
        except (subprocess.TimeoutExpired, LabError):
            return False
        return proc.returncode == 0

    def move_group(self, node: str) -> None:
        """Place the group on `node` and leave it there by stickiness (a move, then its constraint cleared)."""
        for args in (["--move", "--node", node], ["--clear"]):
            self.host_run(1, "crm_resource", "--resource", GROUP, *args)
            if args[0] == "--move":
                wait_until(lambda: bool((v := self.pacemaker_view()) and v.group_on() == node), 60, 0.5)

    # --- keepalived -----------------------------------------------------------------------------
    def keepalived_settled(self, quiet_s: float = 3.0) -> bool:
        """keepalived runs on every host and the VIP has stayed on host 1 alone for `quiet_s`."""
        deadline = time.monotonic() + quiet_s
        while time.monotonic() < deadline:
            if any(not self.running(i, "keepalived") for i in range(1, self.hosts + 1)):
                return False
            if self.holders_of_vip(self.net.vip()) != [1]:
                return False
            time.sleep(0.2)
        return True

    def settled(self) -> bool:
        return self.pacemaker_settled() if self.anchor.kind == "pacemaker" else self.keepalived_settled()

    def dc(self) -> int | None:
        if self.anchor.kind != "pacemaker":
            return None
        view = self.pacemaker_view()
        return host_number(view.dc) if view else None

