"""Fixtures for the agent tests: a private state dir, an executor, network namespaces, agent dirs."""

from __future__ import annotations

import sys
import uuid
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from agent_testlib import NODE, NetPair, sh  # noqa: E402

from hastack.agents.classes import BUILTIN_OCF_ROOT, Host  # noqa: E402
from hastack.agents.executor import Executor, local_host  # noqa: E402


@pytest.fixture
def state_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    d = tmp_path / "state"
    d.mkdir()
    monkeypatch.setenv("HASTACK_STATE_DIR", str(d))
    monkeypatch.setenv("HASTACK_NODE", NODE)
    return d


@pytest.fixture
def executor(state_dir: Path) -> Iterator[Executor]:
    ex = Executor(local_host(node=NODE, state_dir=str(state_dir)))
    yield ex
    ex.close()


@pytest.fixture
def provider_dir(tmp_path: Path, executor: Executor) -> tuple[Path, Executor]:
    """A private OCF root with provider `test`; the executor searches it besides the real ones."""
    root = tmp_path / "ocf"
    pdir = root / "resource.d" / "test"
    pdir.mkdir(parents=True)
    host: Host = replace(executor.host, provider_roots=(root, BUILTIN_OCF_ROOT, Path("/usr/lib/ocf")))
    return pdir, Executor(host, use_forkserver=False)


@pytest.fixture
def netpair() -> Iterator[NetPair]:
    """Fresh namespaces with private addresses (10.231.N.0/24); removed even when the test fails."""
    tag = uuid.uuid4().hex[:6]
    n = int(tag[:2], 16) % 200 + 20
    pair = NetPair(a=f"hst-a-{tag}", b=f"hst-b-{tag}", a_if=f"va{tag}", b_if=f"vb{tag}",
                   a_addr=f"10.231.{n}.1", b_addr=f"10.231.{n}.2", vip=f"10.231.{n}.100")
    try:
        sh("ip", "netns", "add", pair.a)
        sh("ip", "netns", "add", pair.b)
        sh("ip", "link", "add", pair.a_if, "type", "veth", "peer", "name", pair.b_if)
        sh("ip", "link", "set", pair.a_if, "netns", pair.a)
        sh("ip", "link", "set", pair.b_if, "netns", pair.b)
        for ns, dev, addr in ((pair.a, pair.a_if, pair.a_addr), (pair.b, pair.b_if, pair.b_addr)):
            sh("ip", "-n", ns, "addr", "add", f"{addr}/24", "dev", dev)
            sh("ip", "-n", ns, "link", "set", dev, "up")
            sh("ip", "-n", ns, "link", "set", "lo", "up")
        # Let the client learn neighbours from gratuitous ARP (Linux ignores unsolicited ones by default).
        pair.ns_exec(pair.b, "sysctl", "-qw", f"net.ipv4.conf.{pair.b_if}.arp_accept=1", check=True)
        yield pair
    finally:
        for ns in (pair.a, pair.b):
            sh("ip", "netns", "del", ns, check=False)


@pytest.fixture
def ns_executor(netpair: NetPair, state_dir: Path) -> Iterator[Executor]:
    ex = Executor(local_host(node=NODE, state_dir=str(state_dir), netns=netpair.a))
    yield ex
    ex.close()
