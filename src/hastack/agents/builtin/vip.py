"""ocf:hastack:IPaddr — a virtual IP address managed through netlink.

start adds the address with pyroute2 (RTM_NEWADDR) on `nic` — or on the
interface whose subnet contains the address, as IPaddr2's findif does —
then announces it with gratuitous ARP requests sent by hastack itself on an
AF_PACKET raw socket (netlink.send_gratuitous_arp; IPv4 only, IPv6 relies
on the kernel's unsolicited neighbour advertisement of DAD). stop deletes
it. monitor reads the addresses with one stdlib netlink dump: 0 when the
address is on an interface, 7 when not. Same exit codes as IPaddr2.
hastackd runs start, stop and monitor in its own process (agents/builtin/inprocess.py).

Imports nothing of hastack beyond agents.builtin (pyroute2 only when changing addresses).
"""

from __future__ import annotations

import contextlib
import ipaddress
import os
import socket
from collections.abc import Callable
from typing import Any

from hastack.agents.builtin import netlink
from hastack.agents.builtin.framework import (OCF_ERR_CONFIGURED, OCF_ERR_GENERIC, OCF_ERR_INSTALLED,
                                              OCF_NOT_RUNNING, OCF_SUCCESS, ActionDecl, AgentSpec, Context, Param,
                                              main)


def _ip(ctx: Context) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(ctx.params["ip"].strip())
    except ValueError:
        return None


def _prefix(ctx: Context, ip: ipaddress.IPv4Address | ipaddress.IPv6Address) -> int | None:
    text = ctx.params.get("cidr_netmask", "").strip()
    if not text:
        return None
    try:
        if "." in text:
            return ipaddress.IPv4Network(f"0.0.0.0/{text}").prefixlen
        value = int(text)
    except ValueError:
        return -1
    return value if 0 < value <= ip.max_prefixlen else -1


def _find_interface(ip: ipaddress.IPv4Address | ipaddress.IPv6Address) -> tuple[int, int] | None:
    """(ifindex, prefixlen) of an interface whose own subnet contains ip (findif)."""
    fam = socket.AF_INET6 if ip.version == 6 else socket.AF_INET
    best = None
    for index, addr, plen, _label in netlink.addresses(fam):
        if not addr or plen >= ip.max_prefixlen:
            continue
        net = ipaddress.ip_network(f"{addr}/{plen}", strict=False)
        if ip in net and (best is None or plen > best[1]) and not net.network_address.is_loopback:
            best = (index, plen)
    return best


def validate(ctx: Context) -> int:
    ip = _ip(ctx)
    if ip is None:
        ctx.reason(f"invalid IP address {ctx.params['ip']!r}")
        return OCF_ERR_CONFIGURED
    if _prefix(ctx, ip) == -1:
        ctx.reason(f"invalid cidr_netmask {ctx.params['cidr_netmask']!r}")
        return OCF_ERR_CONFIGURED
    nic = ctx.params.get("nic", "").strip()
    if nic:
        try:
            socket.if_nametoindex(nic)
        except OSError:
            ctx.reason(f"interface {nic!r} does not exist on this node")
            return OCF_ERR_INSTALLED
    elif _find_interface(ip) is None and _prefix(ctx, ip) is None:
        ctx.reason(f"no interface has a subnet containing {ip}; set nic= and cidr_netmask=")
        return OCF_ERR_CONFIGURED
    return OCF_SUCCESS


def monitor(ctx: Context, route: netlink.RouteSocket | None = None) -> int:
    """0 when the address is on an interface of this network namespace, else 7.

    `route`: a netlink socket kept open by the caller (hastackd's in-process
    monitors, agents/builtin/inprocess.py); a forked agent opens its own.
    """
    ip = _ip(ctx)
    if ip is None:
        ctx.reason(f"invalid IP address {ctx.params['ip']!r}")
        return OCF_NOT_RUNNING if ctx.is_probe else OCF_ERR_CONFIGURED
    found = netlink.has_address(str(ip), route, timeout_s=ctx.timeout_ms / 1000.0)
    return OCF_SUCCESS if found else OCF_NOT_RUNNING


def _repeat_in_background(send: Callable[[], object]) -> None:
    """The remaining gratuitous ARPs from a detached child, as IPaddr2 backgrounds send_arp: a start
    must not wait arp_count x arp_interval (1 s by default) before the service behind the VIP starts."""
    pid = os.fork()
    if pid:
        os.waitpid(pid, 0)  # the middle child exits at once
        return
    try:
        os.setsid()
        devnull = os.open(os.devnull, os.O_RDWR)
        for fd in (0, 1, 2):
            os.dup2(devnull, fd)
        if os.fork():  # double fork: the agent never has to reap it
            os._exit(0)
        send()
    except BaseException:
        pass
    os._exit(0)


def _opened(ipr: Any) -> contextlib.AbstractContextManager[Any]:
    """The caller's IPRoute, left open (hastackd keeps one per worker thread), or a new one closed after
    use (a forked agent)."""
    if ipr is not None:
        return contextlib.nullcontext(ipr)
    from pyroute2 import IPRoute  # only here: importing it costs ~150 ms

    return IPRoute()


def start(ctx: Context, ipr: Any = None,
          background: Callable[[Callable[[], object]], None] = _repeat_in_background,
          packet: socket.socket | None = None) -> int:
    """`ipr`: an open pyroute2 IPRoute of the caller's (None: open one); `background`: how the remaining
    gratuitous ARPs are sent without making start wait (a detached child here, a thread in hastackd);
    `packet`: a kept netlink.packet_socket() to send them on (None: one per call)."""
    rc = validate(ctx)
    if rc != OCF_SUCCESS:
        return rc
    ip = _ip(ctx)
    assert ip is not None
    if netlink.has_address(str(ip)):
        return OCF_SUCCESS
    nic = ctx.params.get("nic", "").strip()
    prefix = _prefix(ctx, ip)
    found = _find_interface(ip)
    index = socket.if_nametoindex(nic) if nic else (found[0] if found else None)
    if index is None:
        ctx.reason(f"no interface for {ip}; set nic=")
        return OCF_ERR_CONFIGURED
    if prefix is None:
        prefix = found[1] if found and found[0] == index else ip.max_prefixlen
    attrs = {}
    if ctx.params.get("label") and ip.version == 4:
        ifname = socket.if_indextoname(index)
        attrs["label"] = f"{ifname}:{ctx.params['label']}"
    with _opened(ipr) as ipr:
        try:
            if ip.version == 4:
                net = ipaddress.IPv4Network(f"{ip}/{prefix}", strict=False)
                brd = ctx.params.get("broadcast") or (str(net.broadcast_address) if prefix < 31 else None)
                if brd:
                    attrs["broadcast"] = brd
            ipr.addr("add", index=index, address=str(ip), prefixlen=prefix, **attrs)
            link = ipr.get_links(index)[0]
            mac_text = link.get("address") or link.get_attr("IFLA_ADDRESS") or ""
        except Exception as err:  # pyroute2's NetlinkError and friends
            ctx.reason(f"cannot add {ip}/{prefix} to interface {index}: {err}")
            return OCF_ERR_GENERIC
    if ip.version == 4 and mac_text and mac_text != "00:00:00:00:00:00":
        count = int(ctx.number("arp_count", 5))
        ifname, mac = socket.if_indextoname(index), bytes.fromhex(mac_text.replace(":", ""))
        interval = ctx.number("arp_interval", 200) / 1000.0
        try:
            netlink.send_gratuitous_arp(ifname, mac, str(ip), 1, 0.0, packet)  # the first one before start returns
        except OSError as err:
            ctx.log(f"gratuitous ARP for {ip} failed: {err}")  # the address is up; neighbours learn it later
        if count > 1:
            background(lambda: netlink.send_gratuitous_arp(ifname, mac, str(ip), count - 1, interval, packet))
    return OCF_SUCCESS if netlink.has_address(str(ip)) else OCF_ERR_GENERIC


def stop(ctx: Context, ipr: Any = None) -> int:
    ip = _ip(ctx)
    if ip is None:
        return OCF_SUCCESS  # nothing of ours can be up
    where = netlink.has_address(str(ip))
    if where is None:
        return OCF_SUCCESS
    with _opened(ipr) as ipr:
        try:
            ipr.addr("del", index=where[0], address=str(ip), prefixlen=where[1])
        except Exception as err:
            ctx.reason(f"cannot remove {ip}: {err}")
            return OCF_ERR_GENERIC
    return OCF_SUCCESS if netlink.has_address(str(ip)) is None else OCF_ERR_GENERIC


SPEC = AgentSpec(
    name="IPaddr",
    shortdesc="Virtual IP address (netlink)",
    longdesc="Adds and removes a virtual IP address through netlink and announces it with gratuitous ARP; "
             "hastack's built-in counterpart of ocf:heartbeat:IPaddr2.",
    params=(
        Param("ip", "IPv4 or IPv6 address", "The virtual IP address.", required=True, unique=True),
        Param("cidr_netmask", "Prefix length", "Netmask as prefix length (24) or dotted quad; default: the "
              "prefix of the interface subnet that contains ip, else a host address."),
        Param("nic", "Interface", "Interface to add the address to; default: the one whose subnet contains ip."),
        Param("broadcast", "Broadcast address", "IPv4 broadcast address; default: computed."),
        Param("label", "Interface label", "IPv4 label suffix (nic:label)."),
        Param("arp_count", "Gratuitous ARPs", "How many gratuitous ARP requests to send on start.",
              type="integer", default="5"),
        Param("arp_interval", "ARP interval (ms)", "Milliseconds between gratuitous ARPs.", type="integer",
              default="200"),
    ),
    actions=(ActionDecl("start"), ActionDecl("stop"), ActionDecl("monitor", "20s", "10s", "0"),
             ActionDecl("meta-data", "5s"), ActionDecl("validate-all")),
    handlers={"start": start, "stop": stop, "monitor": monitor, "validate-all": validate},
)

if __name__ == "__main__":
    main(SPEC)
