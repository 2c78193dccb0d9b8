"""haproxy.cfg as ocf:hastack:haproxy generates it from the resource's parameters: pure text in, text out.

The shape is the OpenStack HA Guide's ("HAproxy nodes"): a `listen` section
per service on the virtual IP, the controllers as its servers, `option
httpchk` wherever the service speaks HTTP. Where the Guide is wrong, the
generated file is not:

- galera: the Guide balances `source` over three active servers, i.e.
  writes on every node (Galera's certification conflicts and deadlocks).
  Here the first node is the server and the others are `backup`: HAProxy
  sends to the first server that is UP, and uses one backup only (no
  `allbackups`), so at most one node takes writes even while two answer
  their check. The check asks hastackd's REST endpoint
  `/promoted/<galera resource>` on each node (`check port <rest_port>`):
  ocf:heartbeat:galera promotes every synced node, so "promoted" is
  "synced and in the primary component" -- what the Guide's clustercheck
  on port 9200 answered, without a separate daemon -- and a node that
  self-fenced or lost its lease answers 503. `on-marked-down
  shutdown-sessions` cuts the clients of a node marked down, so they
  reconnect to the new writer instead of hanging on the old one.
- `bind :PORT` (all addresses, as the Guide writes it) collides with the
  service itself on the same controller (mysqld, keystone on :5000...).
  The listeners bind the virtual IP only, `transparent` (IP_TRANSPARENT):
  every clone instance starts whether or not it holds the VIP.
- the Guide restarts HAProxy "after each change"; the agent reloads it
  (agents.builtin.haproxy), and says so in the header. A reload hands
  the servers' states to the new workers (`server-state-file`), so no
  server counts as UP again before its first check.
- check timings: the Guide's `inter 2000 rise 2 fall 5` leaves a dead
  writer in service for 10 s; the defaults here (`inter 500 fastinter 250
  downinter 1s rise 2 fall 2`) took a dead backend out in 0.53-0.79 s on
  the reference lab, and `retries 3` + `option redispatch 1` hid that
  window from clients (0 of ~117 requests failed).

`settings(params)` turns the parameters into `Settings` or a list of
problems (each says which parameter and how to fix it); `render(settings)`
writes the file. Stdlib only; imports nothing of hastack.
"""

from __future__ import annotations

import re
from typing import NamedTuple

NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
HOST = re.compile(r"^(\[[0-9A-Fa-f:.]+\]|[0-9A-Fa-f:.]*:[0-9A-Fa-f:.]*|[A-Za-z0-9][A-Za-z0-9.-]*)$")
PATH = re.compile(r"^/[!-~]*$")  # printable, no spaces: it goes on the check's request line


class Service(NamedTuple):
    name: str
    port: int
    path: str  # the HTTP check's path; "" for a plain TCP check


class Settings(NamedTuple):
    instance: str
    vip: str
    nodes: tuple[tuple[str, str], ...]  # (name, address) in order: the first is galera's writer
    services: tuple[Service, ...]
    galera_resource: str
    galera_port: int
    rest_port: int
    inter_ms: int
    fall: int
    rise: int
    stats_socket: str
    state_file: str  # where a reload leaves the servers' states for the new workers
    stats_bind: str  # "" for no stats page
    maxconn: int


def _port(text: str, what: str, problems: list[str]) -> int:
    if not text.isdigit() or not 0 < int(text) < 65536:
        problems.append(f"{what} must be a port number from 1 to 65535, got {text!r}")
        return 0
    return int(text)


def _count(params: dict[str, str], name: str, default: str, low: int, problems: list[str]) -> int:
    text = params.get(name) or default
    if not text.isdigit() or int(text) < low:
        problems.append(f"{name} must be a whole number of at least {low}, got {text!r}")
        return low
    return int(text)


def parse_nodes(text: str, problems: list[str]) -> tuple[tuple[str, str], ...]:
    """`n1=10.0.0.11,n2=10.0.0.12`: the controllers, each once."""
    out: list[tuple[str, str]] = []
    for item in (i.strip() for i in text.replace(" ", ",").split(",")):
        if not item:
            continue
        name, eq, addr = item.partition("=")
        if not eq or not NAME.match(name) or not HOST.match(addr):
            problems.append(f"nodes: {item!r} is not NAME=ADDRESS (e.g. nodes=\"n1=10.0.0.11,n2=10.0.0.12\")")
        elif any(n == name for n, _ in out):
            problems.append(f"nodes: {name} is listed twice")
        else:
            out.append((name, addr.strip("[]")))
    if not out and not problems:
        problems.append("nodes lists no node: give every controller as NAME=ADDRESS, comma separated")
    return tuple(out)


def parse_services(text: str, problems: list[str]) -> tuple[Service, ...]:
    """`keystone:5000:/v3,glance_api:9292:/healthcheck,glance_registry:9191`: NAME:PORT[:CHECK_PATH]
    (with a path: an HTTP check of that path; without: a TCP connect check)."""
    out: list[Service] = []
    for item in (i.strip() for i in text.replace(" ", ",").split(",")):
        if not item:
            continue
        name, _, rest = item.partition(":")
        port, _, path = rest.partition(":")
        if not NAME.match(name) or not rest:
            problems.append(f"services: {item!r} is not NAME:PORT[:CHECK_PATH] (e.g. keystone:5000:/v3)")
            continue
        number = _port(port, f"services: the port of {name}", problems)
        if path and not PATH.match(path):
            problems.append(f"services: the check path of {name} must start with / and have no spaces, got {path!r}")
        if any(s.name == name for s in out):
            problems.append(f"services: {name} is listed twice")
        out.append(Service(name, number, path))
    return tuple(out)


def settings(instance: str, params: dict[str, str], run_dir: str) -> tuple[Settings | None, list[str]]:
    """The settings the parameters describe, or (None, the problems found)."""
    problems: list[str] = []
    vip = params.get("vip", "").strip("[]")
    if not vip or not HOST.match(vip):
        problems.append(f"vip must be the virtual IP the listeners bind, got {vip!r}")
    nodes = parse_nodes(params.get("nodes", ""), problems)
    services = parse_services(params.get("services", ""), problems)
    galera = params.get("galera_resource", "")
    if galera and not NAME.match(galera):
        problems.append(f"galera_resource must be a resource id (e.g. galera-clone), got {galera!r}")
    if not galera and not services:
        problems.append("nothing to balance: give galera_resource= and/or services=")
    if galera and any(s.name == "galera" for s in services):
        problems.append("services: 'galera' is the name of the galera_resource listener; call the service otherwise")
    rest_port = _port(params.get("rest_port") or "7410", "rest_port", problems)
    galera_port = _port(params.get("galera_port") or "3306", "galera_port", problems)
    if galera and any(s.port == galera_port for s in services):
        problems.append(f"services: port {galera_port} is galera's (galera_port)")
    ports = [s.port for s in services]
    if len(set(ports)) != len(ports):
        problems.append("services: two services on one port")
    stats_bind = params.get("stats_bind", "")
    if stats_bind and not re.match(r"^.+:\d+$", stats_bind):
        problems.append(f"stats_bind must be ADDRESS:PORT, got {stats_bind!r}")
    safe = instance.replace(":", "-")
    s = Settings(instance, vip, nodes, services, galera, galera_port, rest_port,
                 inter_ms=_count(params, "inter", "500", 100, problems), fall=_count(params, "fall", "2", 1, problems),
                 rise=_count(params, "rise", "2", 1, problems),
                 stats_socket=params.get("stats_socket") or f"{run_dir}/haproxy-{safe}.sock",
                 state_file=(params.get("config") or f"{run_dir}/haproxy-{safe}.cfg") + ".state",
                 stats_bind=stats_bind, maxconn=_count(params, "maxconn", "4000", 1, problems))
    return (None, problems) if problems else (s, [])


def listeners(s: Settings) -> tuple[str, ...]:
    """The names of the sections `render` writes with one server per node (named after the node)."""
    return (("galera",) if s.galera_resource else ()) + tuple(svc.name for svc in s.services)


def _address(addr: str) -> str:
    return f"[{addr}]" if ":" in addr else addr


def render(s: Settings) -> str:
    timing = f"inter {s.inter_ms} fastinter {max(100, s.inter_ms // 2)} downinter {max(1000, s.inter_ms * 2)} " \
             f"rise {s.rise} fall {s.fall}"
    out = [f"# haproxy.cfg of {s.instance}, generated by ocf:hastack:haproxy from the resource's parameters:",
           "# edits here are lost. Change the parameters; the agent validates the new file with",
           "# `haproxy -c` and reloads HAProxy without dropping established connections.",
           "global",
           f"    maxconn {s.maxconn}",
           f"    stats socket {s.stats_socket} mode 600 level admin",
           # new workers start from the old ones' server states: else every server counts as UP until
           # its first check, and a reload would send sessions to a Galera node that is not the writer
           f"    server-state-file {s.state_file}",
           "",
           "defaults",
           "    mode tcp",
           "    load-server-state-from-file global",
           f"    maxconn {s.maxconn * 2}",
           "    option redispatch 1",
           "    retries 3",
           "    timeout http-request 10s",
           "    timeout queue 1m",
           "    timeout connect 2s",
           "    timeout client 1m",
           "    timeout server 1m",
           "    timeout check 1s"]
    if s.galera_resource:
        out += ["", "listen galera",
                f"    bind {_address(s.vip)}:{s.galera_port} transparent",
                "    option tcpka",
                f"    option httpchk GET /promoted/{s.galera_resource}",
                "    http-check expect status 200",
                f"    default-server port {s.rest_port} {timing} on-marked-down shutdown-sessions"]
        out += [f"    server {name} {_address(addr)}:{s.galera_port} check{' backup' if i else ''}"
                for i, (name, addr) in enumerate(s.nodes)]
    for svc in s.services:
        out += ["", f"listen {svc.name}",
                f"    bind {_address(s.vip)}:{svc.port} transparent",
                "    balance source",
                "    option tcpka"]
        if svc.path:
            out.append(f"    option httpchk GET {svc.path}")
        out.append(f"    default-server {timing}")
        out += [f"    server {name} {_address(addr)}:{svc.port} check" for name, addr in s.nodes]
    if s.stats_bind:
        out += ["", "listen stats", "    mode http", f"    bind {s.stats_bind}", "    stats enable",
                "    stats uri /stats"]
    return "\n".join(out) + "\n"
