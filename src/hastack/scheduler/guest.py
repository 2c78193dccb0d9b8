"""Guest nodes and containers: a resource that hosts a node, and resources tied to a container.

Owns: the implicit connection of a guest node (a primitive with meta remote-node=NAME gets an
ocf:pacemaker:remote connection named NAME, appended to the configuration as Pacemaker's
expand_remote_rsc_meta appends one), the container links (meta container=ID: setup_container),
the placement that ties a connection or a filler to its container, guest "fencing" (the
container is recovered, and a pseudo fence action marks the guest down: pcmk__fence_guest),
and the orderings of actions on a guest node against its container and connection
(apply_container_ordering).

Pacemaker's lib/pengine/unpack.c, lib/pacemaker/pcmk_sched_primitive.c, pcmk_sched_fencing.c
and pcmk_sched_remote.c, read for semantics. Imports only the model and the scheduler's
working records.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import replace

from hastack.model import durations, scores
from hastack.model.config import Configuration, Group, Op, Primitive, Resource
from hastack.model.attrsets import AttrSet
from hastack.model.values import AgentRef
from hastack.scheduler.graph import Act, O
from hastack.scheduler.working import R, WNode, WRsc

INF = scores.INFINITY
REMOTE = AgentRef("ocf", "remote", "pacemaker")

OrderFn = Callable[[WRsc | Act, str, WRsc | Act, str, O], None]


def _guest_meta(p: Primitive) -> dict[str, str]:
    """The guest-node meta attributes of a primitive, as expand_remote_rsc_meta reads them:
    every pair of every meta set, rules ignored, the last value of a name winning."""
    out: dict[str, str] = {}
    names = {"remote-node", "remote-addr", "remote-port", "remote-connect-timeout", "remote-allow-migrate",
             "is-managed"}
    for s in p.meta:
        for k, v in s.pairs:
            if k.lower() in names:
                out[k.lower()] = v
    return out


def _connection_for(p: Primitive) -> Primitive | None:
    meta = _guest_meta(p)
    name = meta.get("remote-node")
    if not name:
        return None
    pairs = [("internal_rsc", "true"), ("container", p.id)]
    if "remote-allow-migrate" in meta:
        pairs.append(("allow-migrate", meta["remote-allow-migrate"]))
    if "is-managed" in meta:
        pairs.append(("is-managed", meta["is-managed"]))
    params = [(k, meta[m]) for k, m in (("addr", "remote-addr"), ("port", "remote-port")) if m in meta]
    timeout = meta.get("remote-connect-timeout", "60s")
    try:
        timeout_ms: int | None = durations.parse_ms(timeout)
    except Exception:
        timeout_ms = None
    ops = (Op(f"{name}-monitor-interval-30s", "monitor", 30_000, 30_000),
           Op(f"{name}-start-interval-0", "start", 0, timeout_ms))
    return Primitive(name, REMOTE, meta=(AttrSet(f"{name}-meta_attributes", tuple(pairs)),),
                     params=(AttrSet(f"{name}-instance_attributes", tuple(params)),) if params else (),
                     ops=ops)


def _guest_hosts(config: Configuration) -> Iterable[Primitive]:
    """Top-level primitives and primitives directly in a top-level group (clones cannot host
    guest nodes), in configuration order."""
    for r in config.top_level:
        if isinstance(r, Primitive):
            yield r
        elif isinstance(r, Group):
            for m in r.members:
                d = config.resources.get(m)
                if isinstance(d, Primitive):
                    yield d


def with_guest_connections(config: Configuration) -> Configuration:
    """The configuration with a connection for each guest node, after every configured resource.
    A name already taken by a resource adds nothing (so this can be applied twice)."""
    added: dict[str, Resource] = {}
    for p in _guest_hosts(config):
        conn = _connection_for(p)
        if conn is not None and conn.id not in config.resources and conn.id not in added:
            added[conn.id] = conn
    if not added:
        return config
    return replace(config, resources={**config.resources, **added})


def link_containers(by_id: dict[str, WRsc], resources: Iterable[WRsc]) -> None:
    """setup_container: a resource whose meta container names another resource is that
    container's filler (a guest connection is its container's filler too)."""
    for r in resources:
        if r.children:
            link_containers(by_id, r.children)
            continue
        cid = r.meta.get("container")
        if cid is None or cid.lower() == r.id.lower():
            continue
        c = by_id.get(cid)
        if c is not None:
            r.container = c
            c.fillers.append(r)


def attribute_source(r: WRsc, node: WNode) -> dict[str, str] | None:
    """pe_node_attribute_calculated: the node attributes that `r` reads on `node` -- with meta
    container-attribute-target=host on a guest node, those of the node its container runs on
    (None while the container is inactive)."""
    if (r.meta.get("container-attribute-target") or "").lower() != "host" or node.remote_rsc is None \
            or node.remote_rsc.container is None:
        return node.attrs
    running = node.remote_rsc.container.running_on
    return running[0].attrs if running else None


def is_guest(node: WNode) -> bool:
    return node.remote_rsc is not None and node.remote_rsc.container is not None


def guest_host_rsc(node: WNode) -> WRsc:
    """The resource that hosts a guest node."""
    assert node.remote_rsc is not None and node.remote_rsc.container is not None
    return node.remote_rsc.container


def fence_guest(node: WNode) -> None:
    """pe_fence_node for a guest: recover its container (the node itself is not marked unclean,
    so it may run resources again in this transition once the container is back)."""
    container = guest_host_rsc(node)
    if container.failed or not container.managed:
        return
    node.requires_reset = True
    container.failed = True
    container.stop_flag = True


def contains_guest(r: WRsc, nodes: Iterable[WNode]) -> WRsc | None:
    """pe__resource_contains_guest_node: the guest connection r (or a member of r) hosts."""
    members = set(map(id, r.primitives()))
    for n in nodes:
        if n.remote_rsc is not None and n.remote_rsc.container is not None \
                and id(n.remote_rsc.container) in members:
            return n.remote_rsc
    return None


def filler_target(r: WRsc, nodes: Iterable[WNode]) -> WRsc | None:
    """For a filler, the connection whose node it must run on: its container if that is a
    connection, else the guest connection its container hosts; None: it is colocated with
    its container instead."""
    c = r.container
    if c is None or r.is_remote_node:
        return None
    if c.is_remote_node:
        return c
    return contains_guest(c, nodes)


def host_can_fence(node: WNode, can_fence: Callable[[WNode], bool]) -> bool:
    """pe_can_fence for a guest: its container's hosts are online or can be fenced."""
    return all(h.online or can_fence(h) for h in guest_host_rsc(node).running_on)


def order_container(a: Act, node: WNode, conn: WRsc, order: OrderFn, fence: Callable[[WNode, str], None]) -> None:
    """apply_container_ordering: an action on a guest node waits for its container and
    connection; a stop comes before the connection stops unless the container failed."""
    container = conn.container
    assert container is not None
    if container.failed:
        fence(node, "container failed")
    task = "stop" if a.task in ("migrate_to", "migrate_from") else a.task
    if task in ("start", "promote"):
        order(container, "start", a, "", O.PRESERVE | O.RUNNABLE_LEFT | O.IMPLIES_THEN)
        order(conn, "start", a, "", O.PRESERVE | O.RUNNABLE_LEFT)
    elif task in ("stop", "demote"):
        if not container.failed:
            order(a, "", conn, "stop", O.PRESERVE)
    elif a.interval_ms > 0:
        order(conn, "start", a, "", O.PRESERVE | O.RUNNABLE_LEFT | O.IMPLIES_THEN)
    else:
        order(conn, "start", a, "", O.PRESERVE | O.RUNNABLE_LEFT)


def will_stop(node: WNode) -> bool:
    """No probe on a guest node whose container is stopped, or likely to stop
    (guest_resource_will_stop, approximated before the container's actions exist)."""
    c = guest_host_rsc(node)
    if c.role == R.STOPPED:
        return True
    return (node.requires_reset or node.unclean or c.failed or c.next_role == R.STOPPED
            or (c.role > R.STOPPED and c.allocated_to is not None and c.allocated_to not in c.running_on))
