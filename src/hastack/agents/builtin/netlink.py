"""Two small network primitives in the standard library, for the IPaddr agent's fast paths.

* `addresses()`: one RTM_GETADDR dump over an AF_NETLINK socket, giving
  (interface index, address, prefix length, label). The monitor uses it
  instead of pyroute2 so that a monitor costs one short Python start, not
  the 150 ms of importing pyroute2 (start and stop do use pyroute2).
* `RouteSocket`: the NETLINK_ROUTE socket those dumps go over, kept open
  for many dumps. A socket answers for the network namespace of the thread
  that opened it, so hastackd's in-process monitors open one per worker
  thread after the thread entered the host's namespace (agents/nsthreads.py)
  and never switch namespace per call; a forked agent opens one and exits.
* `send_gratuitous_arp()`: gratuitous ARP requests sent on an AF_PACKET raw
  socket (sender and target protocol address = the virtual IP, broadcast
  destination), which is what IPaddr2's send_arp does; neighbours update
  their ARP caches to the new owner's MAC.

Stdlib only; imports nothing of hastack.
"""

from __future__ import annotations

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


class RouteSocket:
    """A NETLINK_ROUTE socket for address dumps, opened on first use; one thread at a time.

    Each dump carries its own sequence number and skips answers to any other
    (left over from a dump that failed half-way); any error closes the
    socket, and the next dump opens a fresh one in the calling thread's
    network namespace.
    """

    def __init__(self) -> None:
        self._sock: socket.socket | None = None
        self._seq = int(time.monotonic_ns() & 0x3FFFFFFF)

    def close(self) -> None:
        if self._sock is not None:
            self._sock.close()
            self._sock = None

    def __enter__(self) -> RouteSocket:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def dump_addresses(self, family: int, timeout_s: float | None = None) -> list[bytes]:
        """The ifaddrmsg payloads (header + attributes) of one RTM_GETADDR dump of `family`.

        `timeout_s` bounds each wait for the kernel's answer (socket.timeout, an OSError, past it).
        """
        if self._sock is None:
            sock = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, socket.NETLINK_ROUTE)
            try:
                sock.bind((0, 0))
            except OSError:
                sock.close()
                raise
            self._sock = sock
        self._seq = (self._seq + 1) & 0x7FFFFFFF
        try:
            self._sock.settimeout(timeout_s)
            body = struct.pack("BBBBI", family, 0, 0, 0, 0)
            self._sock.send(struct.pack("=IHHII", 16 + len(body), RTM_GETADDR, NLM_F_REQUEST | NLM_F_DUMP,
                                        self._seq, 0) + body)
            return self._receive(self._sock, self._seq)
        except BaseException:
            self.close()
            raise

    @staticmethod
    def _receive(sock: socket.socket, seq: int) -> list[bytes]:
        out: list[bytes] = []
        while True:
            data = sock.recv(65536)
            off = 0
            while off + 16 <= len(data):
                length, mtype, _flags, mseq, _pid = struct.unpack_from("=IHHII", data, off)
                if length < 16:
                    return out
                if mseq == seq:
                    if mtype == NLMSG_DONE:
                        return out
                    if mtype == NLMSG_ERROR:
                        (errno,) = struct.unpack_from("=i", data, off + 16)
                        if errno:
                            raise OSError(-errno, os.strerror(-errno))
                        return out
                    out.append(data[off + 16: off + length])
                off += _align(length)


def addresses(family: int = socket.AF_UNSPEC, route: RouteSocket | None = None) -> list[tuple[int, str, int, str]]:
    """Every address of this network namespace: (ifindex, address, prefixlen, label).

    Over `route` when given, else over a socket opened and closed for this one dump.
    """
    if route is None:
        with RouteSocket() as once:
            return [_parse_addr(msg) for msg in once.dump_addresses(family)]
    return [_parse_addr(msg) for msg in route.dump_addresses(family)]


def _attributes(msg: bytes) -> dict[int, bytes]:
    off = 8  # after struct ifaddrmsg
    attrs: dict[int, bytes] = {}
    while off + 4 <= len(msg):
        alen, atype = struct.unpack_from("HH", msg, off)
        if alen < 4:
            break
        attrs[atype] = msg[off + 4: off + alen]
        off += _align(alen)
    return attrs


def _parse_addr(msg: bytes) -> tuple[int, str, int, str]:
    fam, prefixlen, _flags, _scope, index = struct.unpack_from("BBBBI", msg, 0)
    attrs = _attributes(msg)
    raw = attrs.get(IFA_LOCAL) or attrs.get(IFA_ADDRESS) or b""
    addr = socket.inet_ntop(fam, raw) if raw else ""
    label = attrs.get(IFA_LABEL, b"").rstrip(b"\0").decode(errors="replace")
    return index, addr, prefixlen, label


def has_address(ip: str, route: RouteSocket | None = None, timeout_s: float | None = None) -> tuple[int, int] | None:
    """(ifindex, prefixlen) of the interface carrying ip, or None.

    Compares the raw address bytes (IFA_LOCAL, else IFA_ADDRESS) without
    formatting every address of the dump: a host with many addresses pays
    little per monitor. Over `route` when given (see addresses()).
    """
    family = socket.AF_INET6 if ":" in ip else socket.AF_INET
    try:
        packed = socket.inet_pton(family, ip)
    except OSError:
        raise ValueError(f"{ip!r} does not appear to be an IPv4 or IPv6 address") from None
    if route is None:
        with RouteSocket() as once:
            return _find(once.dump_addresses(family, timeout_s), packed)
    return _find(route.dump_addresses(family, timeout_s), packed)


def _find(messages: list[bytes], packed: bytes) -> tuple[int, int] | None:
    for msg in messages:
        if packed not in msg:  # cheap pre-filter: the address bytes must occur somewhere in the message
            continue
        attrs = _attributes(msg)
        if (attrs.get(IFA_LOCAL) or attrs.get(IFA_ADDRESS)) == packed:
            _fam, prefixlen, _flags, _scope, index = struct.unpack_from("BBBBI", msg, 0)
            return index, prefixlen
    return None


def arp_frame(mac: bytes, ip: str) -> bytes:
    """A broadcast gratuitous ARP request: who-has IP tell IP, from MAC."""
    spa = socket.inet_aton(ip)
    eth = b"\xff" * 6 + mac + struct.pack("!H", ETH_P_ARP)
    arp = struct.pack("!HHBBH", 1, 0x0800, 6, 4, 1) + mac + spa + b"\x00" * 6 + spa
    return eth + arp


def packet_socket() -> socket.socket:
    """A raw packet socket that only sends (protocol 0: the kernel queues nothing to it). Keep it: closing
    a packet socket waits for an RCU grace period (synchronize_net), ~2 ms per socket here."""
    return socket.socket(socket.AF_PACKET, socket.SOCK_RAW, 0)


def send_gratuitous_arp(ifname: str, mac: bytes, ip: str, count: int = 5, interval_s: float = 0.2,
                        sock: socket.socket | None = None) -> int:
    """Send `count` gratuitous ARPs for ip on ifname; returns how many were sent. `sock`: a kept
    packet_socket() (None: one for this call)."""
    frame = arp_frame(mac, ip)
    own = sock is None
    out = packet_socket() if sock is None else sock
    sent = 0
    try:
        for i in range(count):
            if i:
                time.sleep(interval_s)
            out.sendto(frame, (ifname, ETH_P_ARP))
            sent += 1
    finally:
        if own:
            out.close()
    return sent
