"""Virtual IPs in real network namespaces: ocf:heartbeat:IPaddr2 and the built-in ocf:hastack:IPaddr.

Each test builds two namespaces joined by a veth pair (no dummy links), runs
the agent inside the first, and checks from the second: the address really
appears and disappears, a client pings it, and (built-in) the gratuitous ARP
put the owner's MAC in the client's neighbour table before any ping.
"""

from __future__ import annotations

import time

from agent_testlib import NetPair, req

from hastack.agents.executor import Executor


def _cycle(ex: Executor, pair: NetPair, agent: str, **params: str) -> None:
    run = lambda action, interval=0: ex.execute(req(agent, action, "vip", interval, ip=pair.vip, **params))  # noqa: E731
    probe = run("monitor")
    assert probe.rc == 7 and probe.ok, probe.stderr
    assert pair.vip not in pair.addresses(pair.a)
    assert not pair.ping(pair.vip)

    started = run("start")
    assert started.rc == 0, (started.exit_reason, started.stderr)
    assert f"{pair.vip}/24" in pair.addresses(pair.a)
    assert run("monitor", 10_000).rc == 0
    assert pair.ping(pair.vip)
    assert run("start").rc == 0  # already there

    assert run("stop").rc == 0
    assert pair.vip not in pair.addresses(pair.a)
    assert not pair.ping(pair.vip)
    assert run("stop").rc == 0
    recurring = run("monitor", 10_000)
    assert recurring.rc == 7 and not recurring.ok


def test_ipaddr2_in_namespace(ns_executor: Executor, netpair: NetPair) -> None:
    _cycle(ns_executor, netpair, "ocf:heartbeat:IPaddr2", nic=netpair.a_if, cidr_netmask="24")


def test_builtin_ipaddr_in_namespace(ns_executor: Executor, netpair: NetPair) -> None:
    _cycle(ns_executor, netpair, "ocf:hastack:IPaddr", nic=netpair.a_if, cidr_netmask="24", arp_count="2",
           arp_interval="50")


def test_builtin_ipaddr_finds_interface_and_announces_itself(ns_executor: Executor, netpair: NetPair) -> None:
    assert netpair.neighbour_mac(netpair.vip) == ""
    started = ns_executor.execute(req("ocf:hastack:IPaddr", "start", "vip", ip=netpair.vip, arp_count="3",
                                      arp_interval="50"))
    assert started.rc == 0, started.stderr
    assert f"{netpair.vip}/24" in netpair.addresses(netpair.a)  # findif: interface and prefix of 10.231.N.1/24
    deadline = time.monotonic() + 3
    while netpair.neighbour_mac(netpair.vip) == "" and time.monotonic() < deadline:
        time.sleep(0.05)
    # The client learned the VIP's owner from the gratuitous ARP alone (it never sent anything to it).
    assert netpair.neighbour_mac(netpair.vip) == netpair.mac(netpair.a, netpair.a_if)
    assert ns_executor.execute(req("ocf:hastack:IPaddr", "stop", "vip", ip=netpair.vip)).rc == 0


def test_vip_bad_configuration(ns_executor: Executor, netpair: NetPair) -> None:
    for agent in ("ocf:heartbeat:IPaddr2", "ocf:hastack:IPaddr"):
        bad = ns_executor.execute(req(agent, "validate-all", "vip", ip="10.231.999.1"))
        assert bad.rc == 6 and bad.exit_reason, (agent, bad.stderr)
    missing_nic = ns_executor.execute(req("ocf:hastack:IPaddr", "start", "vip", ip=netpair.vip, nic="nosuch0"))
    assert missing_nic.rc == 5 and "nosuch0" in missing_nic.exit_reason
    nowhere = ns_executor.execute(req("ocf:hastack:IPaddr", "start", "vip", ip="172.31.250.9"))
    assert nowhere.rc == 6 and "nic=" in nowhere.exit_reason


def test_cli_runs_vip_inside_a_namespace(netpair: NetPair, state_dir) -> None:  # type: ignore[no-untyped-def]
    from click.testing import CliRunner

    from hastack.cli.main import cli

    def hastack(*args: str) -> tuple[int, str]:
        result = CliRunner().invoke(cli, ["agent", "run", "ocf:hastack:IPaddr", *args, f"ip={netpair.vip}",
                                          "--netns", netpair.a])
        return result.exit_code, result.stdout

    code, out = hastack("start")
    assert code == 0 and "rc=0 OCF_SUCCESS" in out
    assert hastack("start")[0] == 0  # idempotent
    assert f"{netpair.vip}/24" in netpair.addresses(netpair.a) and netpair.ping(netpair.vip)
    code, out = hastack("monitor", "--interval", "10s")
    assert code == 0 and "rc=0 OCF_SUCCESS" in out
    assert hastack("stop")[0] == 0
    code, out = hastack("monitor", "--interval", "10s")
    assert code == 7 and "soft failure" in out
