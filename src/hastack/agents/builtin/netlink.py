"""Two small network primitives in the standard library, for the IPaddr agent's fast paths.

* `addresses()`: one RTM_GETADDR dump over an AF_NETLINK socket, giving
  (interface index, address, prefix length, label). The monitor uses it
  instead of pyroute2 so that a monitor costs one short Python start, not
  the 150 ms of importing pyroute2 (start and stop do use pyroute2).
* `send_gratuitous_arp()`: gratuitous ARP requests sent on an AF_PACKET raw
  socket (sender and target protocol address = the virtual IP, broadcast
  destination), which is what IPaddr2's send_arp does; neighbours update
  their ARP caches to the new owner's MAC.

Stdlib only; imports nothing of hastack.
"""

from __future__ import annotations

import ipaddress
import os
import socket
import struct
import time

RTM_GETADDR = 22
NLM_F_REQUEST = 0x1
NLM_F_DUMP = 0x300
NLMSG_ERROR = 2
NLMSG_DONE = 3
IFA_ADDRESS = 1
IFA_LOCAL = 2
IFA_LABEL = 3
ETH_P_ARP = 0x0806


def _align(n: int) -> int:
    return (n + 3) & ~3


def addresses(family: int = socket.AF_UNSPEC) -> list[tuple[int, str, int, str]]:
    """Every address of this network namespace: (ifindex, address, prefixlen, label)."""
    sock = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, socket.NETLINK_ROUTE)
    try:
        sock.bind((0, 0))
        seq = int(time.monotonic_ns() & 0x7FFFFFFF)
        body = struct.pack("BBBBI", family, 0, 0, 0, 0)
        sock.send(struct.pack("=IHHII", 16 + len(body), RTM_GETADDR, NLM_F_REQUEST | NLM_F_DUMP, seq, 0) + body)
        out: list[tuple[int, str, int, str]] = []
        while True:
            data = sock.recv(65536)
            off = 0
            while off + 16 <= len(data):
                length, mtype, _flags, _seq, _pid = struct.unpack_from("=IHHII", data, off)
                if length < 16:
                    return out
                if mtype == NLMSG_DONE:
                    return out
                if mtype == NLMSG_ERROR:
                    (errno,) = struct.unpack_from("=i", data, off + 16)
                    if errno:
                        raise OSError(-errno, os.strerror(-errno))
                    return out
                out.append(_parse_addr(data[off + 16: off + length]))
                off += _align(length)
    finally:
        sock.close()


def _parse_addr(msg: bytes) -> tuple[int, str, int, str]:
    fam, prefixlen, _flags, _scope, index = struct.unpack_from("BBBBI", msg, 0)
    off = 8
    attrs: dict[int, bytes] = {}
    while off + 4 <= len(msg):
        alen, atype = struct.unpack_from("HH", msg, off)
        if alen < 4:
            break
        attrs[atype] = msg[off + 4: off + alen]
        off += _align(alen)
    raw = attrs.get(IFA_LOCAL) or attrs.get(IFA_ADDRESS) or b""
    addr = socket.inet_ntop(fam, raw) if raw else ""
    label = attrs.get(IFA_LABEL, b"").rstrip(b"\0").decode(errors="replace")
    return index, addr, prefixlen, label


def has_address(ip: str) -> tuple[int, int] | None:
    """(ifindex, prefixlen) of the interface carrying ip, or None."""
    want = ipaddress.ip_address(ip)
    family = socket.AF_INET6 if want.version == 6 else socket.AF_INET
    for index, addr, prefixlen, _label in addresses(family):
        if addr and ipaddress.ip_address(addr) == want:
            return index, prefixlen
    return None


def arp_frame(mac: bytes, ip: str) -> bytes:
    """A broadcast gratuitous ARP request: who-has IP tell IP, from MAC."""
    spa = socket.inet_aton(ip)
    eth = b"\xff" * 6 + mac + struct.pack("!H", ETH_P_ARP)
    arp = struct.pack("!HHBBH", 1, 0x0800, 6, 4, 1) + mac + spa + b"\x00" * 6 + spa
    return eth + arp


def send_gratuitous_arp(ifname: str, mac: bytes, ip: str, count: int = 5, interval_s: float = 0.2) -> int:
    """Send `count` gratuitous ARPs for ip on ifname; returns how many were sent."""
    frame = arp_frame(mac, ip)
    sock = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ARP))
    sent = 0
    try:
        sock.bind((ifname, ETH_P_ARP))
        for i in range(count):
            if i:
                time.sleep(interval_s)
            sock.send(frame)
            sent += 1
    finally:
        sock.close()
    return sent
