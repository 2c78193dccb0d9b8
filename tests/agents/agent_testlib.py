"""Helpers shared by the agent tests (imported by conftest.py, which puts this directory on sys.path)."""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from hastack.agents.action import ActionRequest
from hastack.model.values import AgentRef

NODE = "node1"


def req(agent: str, action: str, rid: str = "r1", interval_ms: int = 0, timeout_ms: int = 20_000,
        **params: str) -> ActionRequest:
    return ActionRequest(AgentRef.parse(agent), action, rid, tuple(params.items()), interval_ms=interval_ms,
                         timeout_ms=timeout_ms, node=NODE)


def write_agent(pdir: Path, name: str, body: str, mode: int = 0o755) -> Path:
    path = pdir / name
    path.write_text(body)
    path.chmod(mode)
    return path


def sh(*args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    return subprocess.run(args, capture_output=True, text=True, check=check, timeout=30)


@dataclass(frozen=True)
class NetPair:
    """Two network namespaces joined by a veth pair: `a` hosts the VIP, `b` is the client."""

    a: str
    b: str
    a_if: str
    b_if: str
    a_addr: str
    b_addr: str
    vip: str

    def ns_exec(self, ns: str, *args: str, check: bool = False) -> subprocess.CompletedProcess[str]:
        return sh("ip", "netns", "exec", ns, *args, check=check)

    def addresses(self, ns: str) -> str:
        return self.ns_exec(ns, "ip", "-o", "addr", "show").stdout

    def ping(self, ip: str) -> bool:
        return self.ns_exec(self.b, "ping", "-c", "1", "-W", "1", ip).returncode == 0

    def neighbour_mac(self, ip: str) -> str:
        out = self.ns_exec(self.b, "ip", "neigh", "show", ip).stdout.split()
        return out[out.index("lladdr") + 1] if "lladdr" in out else ""

    def mac(self, ns: str, dev: str) -> str:
        out = self.ns_exec(ns, "ip", "-o", "link", "show", dev).stdout.split()
        return out[out.index("link/ether") + 1]


def python() -> str:
    return sys.executable


def pid_alive(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] not in ("Z", "X")


def environ_without(*names: str) -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if k not in names}
