"""The lab's network: a switch namespace with a bridge, one namespace per host and one for the client.

Everything lives in namespaces named `{prefix}-...` on a private subnet with no
default route, so lab traffic never leaves them. Faults are real link
operations: a power loss cuts the host's switch port; a partition takes the
switch ports of the isolated hosts down while their processes keep running.

Imports errors only.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import time
from dataclasses import dataclass

from hastack.errors import HastackError


class LabError(HastackError):
    """The lab could not be built or driven."""


def sh(*cmd: str, check: bool = True) -> str:
    proc = subprocess.run(cmd, capture_output=True, text=True)
    if check and proc.returncode != 0:
        raise LabError(f"{' '.join(cmd)} failed: {proc.stderr.strip() or proc.stdout.strip()}",
                       hint="the lab needs root and iproute2")
    return proc.stdout


@dataclass(frozen=True)
class Net:
    prefix: str = "hsl"
    subnet: str = "10.213.90"

    @property
    def switch(self) -> str:
        return f"{self.prefix}-sw"

    @property
    def client(self) -> str:
        return f"{self.prefix}-cl"

    def host_ns(self, i: int) -> str:
        return f"{self.prefix}-h{i}"

    def host_ip(self, i: int) -> str:
        return f"{self.subnet}.{10 + i}"

    @property
    def pdu(self) -> str:
        return f"{self.prefix}-pdu"

    @property
    def pdu_ip(self) -> str:
        return f"{self.subnet}.5"

    @property
    def client_ip(self) -> str:
        return f"{self.subnet}.50"

    def vip(self, k: int = 0) -> str:
        return f"{self.subnet}.{100 + k}"

    def port(self, name: str) -> str:
        return f"p-{name}"

    # --- building ---------------------------------------------------------------------------
    def clear_stale(self) -> None:
        """Kill what runs in, and delete, every namespace of this prefix (a previous lab's leftovers)."""
        names = [line.split()[0] for line in sh("ip", "netns", "list").splitlines() if line.strip()]
        mine = re.compile(rf"^{re.escape(self.prefix)}-(sw|cl|pdu|h\d+)$")  # only a lab's own names
        for ns in names:
            if mine.match(ns):
                for pid in sh("ip", "netns", "pids", ns, check=False).split():
                    try:
                        os.kill(int(pid), signal.SIGKILL)
                    except (ProcessLookupError, ValueError):
                        pass
                sh("ip", "netns", "del", ns, check=False)

    def build(self, hosts: int) -> None:
        if os.geteuid() != 0:
            raise LabError("the lab needs root (network namespaces)", hint="run as root")
        self.clear_stale()
        sh("ip", "netns", "add", self.switch)
        sh("ip", "-n", self.switch, "link", "add", "br0", "type", "bridge", "stp_state", "0")
        sh("ip", "-n", self.switch, "link", "set", "br0", "type", "bridge", "mcast_snooping", "0")
        sh("ip", "-n", self.switch, "link", "set", "br0", "up")
        # a second, unconnected switch: `split` moves one side of a partition onto it
        sh("ip", "-n", self.switch, "link", "add", "br1", "type", "bridge", "stp_state", "0")
        sh("ip", "-n", self.switch, "link", "set", "br1", "type", "bridge", "mcast_snooping", "0")
        sh("ip", "-n", self.switch, "link", "set", "br1", "up")
        for i in range(1, hosts + 1):
            self._attach(self.host_ns(i), f"h{i}", self.host_ip(i))
        self._attach(self.client, "cl", self.client_ip)
        self._attach(self.pdu, "pdu", self.pdu_ip)

    def _attach(self, ns: str, name: str, ip: str) -> None:
        sh("ip", "netns", "add", ns)
        port = self.port(name)
        sh("ip", "-n", self.switch, "link", "add", port, "type", "veth", "peer", "name", "eth0", "netns", ns)
        sh("ip", "-n", self.switch, "link", "set", port, "master", "br0", "up")
        sh("ip", "-n", ns, "addr", "add", f"{ip}/24", "dev", "eth0")
        sh("ip", "-n", ns, "link", "set", "eth0", "up")
        sh("ip", "-n", ns, "link", "set", "lo", "up")

    def destroy(self) -> None:
        self.clear_stale()

    # --- faults -----------------------------------------------------------------------------
    def split(self, side: list[int], apart: bool) -> None:
        """Put the hosts of `side` on their own switch (they reach each other, not the rest -- the client
        and the power switch stay with the rest), or back (`apart` False)."""
        for i in side:
            sh("ip", "-n", self.switch, "link", "set", self.port(f"h{i}"), "master", "br1" if apart else "br0")

    def link(self, i: int, up: bool) -> None:
        sh("ip", "-n", self.switch, "link", "set", self.port(f"h{i}"), "up" if up else "down")

    def has_address(self, i: int, ip: str) -> bool:
        out = sh("ip", "-n", self.host_ns(i), "-o", "-4", "addr", "show", "dev", "eth0", check=False)
        return f" {ip}/" in out

    def addresses(self, i: int) -> set[str]:
        """Every IPv4 address on host i's eth0 (one `ip` call)."""
        out = sh("ip", "-n", self.host_ns(i), "-o", "-4", "addr", "show", "dev", "eth0", check=False)
        return {line.split()[3].split("/")[0] for line in out.splitlines() if len(line.split()) > 3}

    def links_up(self, hosts: int) -> set[int]:
        """The hosts whose switch port is up (one `ip` call for all)."""
        out = sh("ip", "-n", self.switch, "-o", "link", "show", check=False)
        up = set()
        for i in range(1, hosts + 1):
            name = self.port(f"h{i}")
            for line in out.splitlines():
                fields = line.split()
                if len(fields) > 2 and fields[1].split("@")[0].rstrip(":") == name:
                    if "state UP" in line or ",UP" in line.split(">")[0]:
                        up.add(i)
        return up

    def link_is_up(self, i: int) -> bool:
        out = sh("ip", "-n", self.switch, "-o", "link", "show", self.port(f"h{i}"), check=False)
        return "state UP" in out or ",UP" in out.split(">")[0]


def drop_addresses(own: str, iface: str = "eth0", netns: str | None = None) -> None:
    """Every IPv4 address on `iface` but the host's own goes (what a reboot or power loss does to a VIP);
    `netns`: from outside the host, else in the caller's own namespace."""
    where = ["-n", netns] if netns else []
    for line in sh("ip", *where, "-o", "-4", "addr", "show", "dev", iface, check=False).splitlines():
        parts = line.split()
        cidr = parts[parts.index("inet") + 1]
        if cidr.split("/")[0] != own:
            sh("ip", *where, "addr", "del", cidr, "dev", iface, check=False)


def wait_until(pred, timeout: float, step: float = 0.05) -> bool:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if pred():
            return True
        time.sleep(step)
    return bool(pred())
