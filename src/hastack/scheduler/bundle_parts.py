"""The implicit resources a bundle stands for (Pacemaker's lib/pengine/bundle.c, read for semantics).

Owns: a bundle's replicas and, for each, the definitions Pacemaker makes up for it -- the
container (ocf:heartbeat:docker, podman or rkt, named BUNDLE-RUNTIME-N), the address
(ocf:heartbeat:IPaddr2, BUNDLE-ip-ADDRESS, with ip-range-start), the connection to the
guest node inside the container (ocf:pacemaker:remote, BUNDLE-N, when the bundle runs a
primitive) -- and the clone of that primitive (BUNDLE-clone, or BUNDLE-master when
promotable). The container parameters are built as Pacemaker builds them, character for
character: their digests are compared with the recorded ones, and a difference restarts
the container.

Pure functions of the configuration. Imports only the model.
"""

from __future__ import annotations

from dataclasses import dataclass

from hastack.model.attrsets import AttrSet
from hastack.model.config import Bundle, Clone, Configuration, Op, Primitive
from hastack.model.values import AgentRef

REMOTE_PORT = "3121"  # pacemaker-remoted's default port
AUTHKEY = "/etc/pacemaker/authkey"  # always mapped into the container, same path
LOG_ROOT = "/var/log/pacemaker/bundles"  # a replica's /var/log, unless storage maps one
REMOTED = "/usr/sbin/pacemaker-remoted"


@dataclass(frozen=True)
class ReplicaParts:
    offset: int
    container: Primitive
    ip: Primitive | None
    remote: Primitive | None  # its id names the replica's guest node
    address: str | None = None  # its address from ip-range-start (what ip holds)


@dataclass(frozen=True)
class BundleParts:
    bundle: Bundle
    replicas: tuple[ReplicaParts, ...]
    child: Clone | None  # the clone of the bundle's primitive (an instance per replica)
    replicas_per_host: int


def _int(value: str | None, default: int, minimum: int = 0) -> int:
    """pcmk__scan_min_int: a missing or unreadable value is the default; below the minimum is the minimum."""
    if value is None:
        return default
    try:
        n = int(value.strip())
    except ValueError:
        return default
    return max(n, minimum)


def _next_ip(last: str) -> str | None:
    """The address after `last` in a bundle's range (IPv4 only; .254 wraps to the next /24's .1)."""
    parts = last.split(".")
    if len(parts) != 4 or not all(p.isdigit() for p in parts):
        return None
    o = [int(p) for p in parts]
    if o[2] > 253:
        return None
    if o[3] > 253:
        o[2] += 1
        o[3] = 1
    else:
        o[3] += 1
    return ".".join(map(str, o))


def _sanitize(rid: str) -> str:
    return rid.replace(":", ".").replace("#", ".")


@dataclass(frozen=True)
class _Mount:
    source: str
    target: str
    options: str | None
    per_replica: bool  # source-dir-root: a subdirectory per replica


def _mounts(b: Bundle, with_child: bool) -> list[_Mount]:
    out: list[_Mount] = []
    for m in b.storage_mappings:
        source, per_replica = m.get("source-dir"), False
        if source is None:
            source, per_replica = m.get("source-dir-root"), True
        target = m.get("target-dir")
        if source and target:
            out.append(_Mount(source, target, m.get("options"), per_replica))
    if with_child:
        out.append(_Mount(AUTHKEY, AUTHKEY, None, False))
        if not any(m.target == "/var/log" for m in out):
            out.append(_Mount(LOG_ROOT, "/var/log", None, True))
    return out


def _ports(b: Bundle, with_child: bool) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    for m in b.port_mappings:
        source, target = m.get("port"), m.get("internal-port")
        if source is None:
            source, target = m.get("range"), None
        if source:
            out.append((source, target or source))
    if with_child:
        control = dict(b.network).get("control-port") or REMOTE_PORT
        out.append((control, control))
    return out


def _host_options(b: Bundle, addresses: list[str | None]) -> str:
    """Every replica's name and address, given to each container (so the replica count is part of
    every container's definition)."""
    net = dict(b.network)
    add_host = (net.get("add-host") or "true").lower() not in ("false", "no", "off", "0", "n")
    out = ""
    for i, ip in enumerate(addresses):
        if ip is None:
            continue
        if b.runtime != "rkt" and add_host:
            out += f" --add-host={b.id}-{i}:{ip}"
        else:
            out += f" --hosts-entry={ip}={b.id}-{i}"
    return out


def _run_opts(b: Bundle, i: int, ip: str | None, mounts: list[_Mount], ports: list[tuple[str, str]],
              host_options: str) -> tuple[str, str]:
    """The container's run_opts and mount_points parameters."""
    docker_like = b.runtime != "rkt"
    hostname, env = ("-h ", "-e ") if docker_like else ("--hostname=", "--environment=")
    net = dict(b.network)
    network = b.option("network")
    s = " --restart=no" if b.runtime == "docker" else ""
    if net.get("ip-range-start") is not None:
        s += f" {hostname}{b.id}-{i}"
    s += f" {env}PCMK_stderr=1"
    if network is not None:
        s += f" --net={network}"
    s += f" {env}PCMK_remote_port={net.get('control-port') or REMOTE_PORT}"
    dirs: list[str] = []
    for vol, m in enumerate(mounts):
        source = m.source
        if m.per_replica:
            source = f"{m.source}/{b.id}-{i}"
            dirs.append(source)
        if docker_like:
            s += f" -v {source}:{m.target}" + (f":{m.options}" if m.options is not None else "")
        else:
            opts = f",{m.options}" if m.options is not None else ""
            s += f" --volume vol{vol},kind=host,source={source}{opts} --mount volume=vol{vol},target={m.target}"
    for source, target in ports:
        if docker_like:
            if ip is not None:
                s += f" -p {ip}:{source}:{target}"
            elif network != "host":
                s += f" -p {source}:{target}"
        else:
            s += f" --port={target}:{ip}:{source}" if ip is not None else f" --port={target}:{source}"
    if b.option("options") is not None:
        s += f" {b.option('options')}"
    s += f" {host_options}"
    return s, ",".join(dirs)


def _container(b: Bundle, i: int, ip: str | None, with_child: bool, mounts: list[_Mount],
               ports: list[tuple[str, str]], host_options: str) -> Primitive:
    rid = _sanitize(f"{b.id}-{b.runtime}-{i}")
    run_opts, mount_points = _run_opts(b, i, ip, mounts, ports, host_options)
    pairs = [("image", b.option("image") or ""), ("allow_pull", "true"), ("force_kill", "false"),
             ("reuse", "false"), ("run_opts", run_opts), ("mount_points", mount_points)]
    command = b.option("run-command")
    if with_child:
        pairs.append(("run_cmd", command or REMOTED))
    elif command is not None:
        pairs.append(("run_cmd", command))
    pairs.append(("monitor_cmd", "/bin/true"))
    return Primitive(rid, AgentRef("ocf", b.runtime, "heartbeat"),
                     params=(AttrSet(f"{b.id}-attributes-{i}", tuple(pairs)),),
                     ops=(Op(f"{rid}-monitor-60s", "monitor", 60_000),))


def _ip(b: Bundle, i: int, ip: str) -> Primitive:
    rid = _sanitize(f"{b.id}-ip-{ip}")
    net = dict(b.network)
    pairs = [("ip", ip)]
    if net.get("host-interface"):
        pairs.append(("nic", net["host-interface"]))
    pairs.append(("cidr_netmask", net.get("host-netmask") or "32"))
    return Primitive(rid, AgentRef("ocf", "IPaddr2", "heartbeat"),
                     params=(AttrSet(f"{b.id}-attributes-{i}", tuple(pairs)),),
                     ops=(Op(f"{rid}-monitor-60s", "monitor", 60_000),))


def _remote(b: Bundle, i: int, ip: str | None, container: str, taken: set[str], child: str) -> Primitive:
    rid = f"{b.id}-{i}"
    if rid in taken:
        rid = f"pcmk-internal-{child}-remote-{i}"
    port = dict(b.network).get("control-port") or REMOTE_PORT
    return Primitive(rid, AgentRef("ocf", "remote", "pacemaker"),
                     meta=(AttrSet(f"{rid}-meta_attributes", (("internal_rsc", "true"), ("container", container))),),
                     params=(AttrSet(f"{rid}-instance_attributes", (("addr", ip or "#uname"), ("port", port))),),
                     ops=(Op(f"{rid}-monitor-30s", "monitor", 30_000, 30_000),))


def parts_of(config: Configuration, b: Bundle) -> BundleParts | None:
    """The bundle's replicas and child clone; None when Pacemaker ignores the bundle (an unknown
    runtime, or a primitive without an address or control port to reach it by)."""
    if b.runtime not in ("docker", "podman", "rkt"):
        return None
    net = dict(b.network)
    promoted_max = _int(b.option("promoted-max") or b.option("masters"), 0)
    raw = b.option("replicas")
    replicas = promoted_max if raw is None and promoted_max > 0 else _int(raw, 1, 1)
    per_host = _int(b.option("replicas-per-host"), 1, 1)
    reachable = net.get("ip-range-start") is not None or net.get("control-port") is not None
    if net.get("ip-range-start") is None and net.get("control-port") is not None:
        per_host = 1
    with_child = b.primitive is not None and b.primitive in config.resources
    if with_child and not reachable:
        return None
    child: Clone | None = None
    if with_child:
        assert b.primitive is not None
        pairs = [("ordered", "true"), ("clone-max", str(replicas)), ("clone-node-max", str(per_host)),
                 ("globally-unique", "true" if per_host > 1 else "false")]
        if promoted_max:
            pairs += [("promotable", "true"), ("promoted-max", str(promoted_max))]
        cid = f"{b.id}-{'master' if promoted_max else 'clone'}"
        child = Clone(cid, b.primitive, promotable=promoted_max > 0,
                      meta=(AttrSet(f"{cid}-meta", tuple(pairs)),))
    addresses: list[str | None] = []
    last: str | None = None
    for _ in range(replicas):
        start = net.get("ip-range-start")
        ip = None if start is None else (_next_ip(last) if last is not None else start)
        addresses.append(ip)
        if ip is not None:
            last = ip
    mounts, ports = _mounts(b, with_child), _ports(b, with_child)
    host_options = _host_options(b, addresses)
    taken = set(config.resources)
    out = []
    for i, ip in enumerate(addresses):
        container = _container(b, i, ip, with_child, mounts, ports, host_options)
        out.append(ReplicaParts(
            offset=i, container=container, ip=_ip(b, i, ip) if ip is not None else None, address=ip,
            remote=_remote(b, i, ip, container.id, taken, b.primitive or "") if with_child else None))
    return BundleParts(b, tuple(out), child, per_host)


def bundle_parts(config: Configuration) -> list[BundleParts]:
    """Every top-level bundle's parts, in configuration order."""
    out = []
    for r in config.top_level:
        if isinstance(r, Bundle):
            p = parts_of(config, r)
            if p is not None:
                out.append(p)
    return out
