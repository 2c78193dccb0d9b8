"""Pacemaker Remote nodes: the nodes that ocf:pacemaker:remote connection resources make.

Owns: which resources are remote connections (and their reconnect_interval), the remote
nodes they add to the node list and their start-up fencing, the two-phase reading of a
remote node's status (its history can only be read once its connection is known to be up:
Pacemaker's unpack_node_history passes), its online status as its connection decides it
(determine_remote_online_status), its node_state attributes (unpack_handle_remote_attrs),
the failure of a connection (on-fail reset_remote: fence the node), and what a connection's
assignment means for its node (remote_connection_assigned). The orderings of actions on a
remote node against its connection live in remote_ordering.py.

Pacemaker's lib/pengine/unpack.c and lib/pacemaker/pcmk_sched_remote.c, read for semantics.
Imports only the model and the scheduler's working records.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from enum import Enum, auto

from hastack.model import durations, scores
from hastack.model.config import Configuration, Primitive
from hastack.model.state import NodeState
from hastack.model.values import AgentRef, is_true
from hastack.scheduler.working import R, WNode, WRsc

INF = scores.INFINITY


def is_connection_agent(agent: AgentRef | None) -> bool:
    """xml_contains_remote_node: class ocf, provider pacemaker, type remote (any case)."""
    return (agent is not None and agent.cls.lower() == "ocf" and (agent.provider or "").lower() == "pacemaker"
            and agent.type.lower() == "remote")


def connection_ids(config: Configuration) -> list[str]:
    """The top-level primitives that are remote connections, in configuration order: each
    makes a remote node of its own id (unpack_remote_nodes)."""
    return [r.id for r in config.top_level if isinstance(r, Primitive) and is_connection_agent(r.agent)]


def add_remote_nodes(config: Configuration, nodes: list[WNode], by_uname: dict[str, WNode],
                     bundle_connections: Iterable[str] = ()) -> list[str]:
    """A remote node for every connection (the configured ones, then bundles' guest nodes) not
    already in the node list (a <node type="remote"> entry may name it already); nodes of type
    remote are marked so either way. Returns the bundles' guest nodes made here: Pacemaker
    makes those only when it reads their bundle, so resources read before it never list them."""
    for n in nodes:
        if n.attrs.get("#kind") == "remote":
            n.remote = True
    for rid in connection_ids(config):
        if rid not in by_uname:
            _new_remote_node(rid, nodes, by_uname)
    made = []
    for rid in bundle_connections:
        if rid not in by_uname:
            _new_remote_node(rid, nodes, by_uname)
            made.append(rid)
    return made


def _new_remote_node(rid: str, nodes: list[WNode], by_uname: dict[str, WNode]) -> WNode:
    w = WNode(id=rid, uname=rid, index=len(nodes), remote=True)
    # only its kind until its status is read (add_node_attrs): a node never seen has no #uname,
    # and colocations by #uname see all such nodes alike, as Pacemaker's do
    w.attrs = {"#kind": "remote"}
    nodes.append(w)
    by_uname[rid] = w
    return w


def orphan_connection(r: WRsc, nodes: list[WNode], by_uname: dict[str, WNode], startup_fencing: bool) -> None:
    """process_orphan_resource for a connection no longer configured: its node (made here if
    need be) is linked to it -- unclean until seen, as its container is not known yet -- and
    shuts down."""
    r.is_remote_node = True
    node = by_uname.get(r.id) or _new_remote_node(r.id, nodes, by_uname)
    node.remote_rsc = r
    node.unseen = True
    node.unclean = startup_fencing
    node.shutdown = True


def link_connections(nodes: Iterable[WNode], top_level: Iterable[WRsc], startup_fencing: bool) -> None:
    """link_rsc2remotenode: each remote node learns its connection resource; a remote node
    with one is unclean until its status is seen (start-up fencing), one without is never
    fenced (a stale entry left after its connection was removed)."""
    by_id = {r.id: r for r in top_level if r.variant == "primitive"}
    for n in nodes:
        if not n.remote:
            continue
        r = by_id.get(n.uname)
        if r is None or not r.is_remote_node:
            continue
        n.remote_rsc = r
        if r.container is not None:
            n.attrs["#kind"] = "container"  # a guest node: never fenced at start-up
            continue
        n.unseen = True
        n.unclean = startup_fencing  # with no reason of its own: "node is unclean" if fenced


def apply_connection_meta(r: WRsc, params: dict[str, str]) -> None:
    """A connection migrates by default (so its node need not stop everything to move), and
    reconnect_interval replaces any failure-timeout: the connection stays stopped until its
    failure expires."""
    r.is_remote_node = True
    if r.meta.get("container") is not None:
        return  # a guest node's connection: its container's
    if r.meta.get("allow-migrate") is None:
        r.allow_migrate = True
    value = params.get("reconnect_interval")
    if value:
        try:
            r.reconnect_ms = durations.parse_ms(value)
        except Exception:
            r.reconnect_ms = 0
        r.failure_timeout = r.reconnect_ms // 1000


def online_status(node: WNode) -> None:
    """determine_remote_online_status: a remote node is online while its connection is
    started, shutting down while the connection is to stop, and offline once the connection
    failed or stopped (a stopped connection needs no reset)."""
    rsc = node.remote_rsc
    if rsc is None:
        node.online = False
        return
    container = rsc.container
    host = rsc.running_on[0] if container is not None and len(rsc.running_on) == 1 else None
    if rsc.role == R.STARTED:
        node.online = True
        if rsc.next_role == R.STOPPED:
            node.shutdown = True
    if container is not None and container.failed:
        node.online = False
        node.requires_reset = True
    elif rsc.failed:
        node.online = False
    elif rsc.role == R.STOPPED or (container is not None and container.role == R.STOPPED):
        node.online = False
        node.requires_reset = False
    elif host is not None and not host.online and host.unclean:
        node.online = False
        node.requires_reset = True


def read_attributes(node: WNode, ns: NodeState, stonith_enabled: bool) -> None:
    """unpack_handle_remote_attrs: a seen remote node is clean unless its connection needs a
    reset; its transient attributes say standby, maintenance and shutdown; an unmanaged
    connection puts the node in maintenance."""
    if not node.requires_reset:
        node.unclean = False
        node.unseen = False
    node.attrs.update({"#uname": node.uname, "#id": node.id, "#is_dc": "false"})
    for k, v in ns.attributes.items():
        node.attrs[k] = v
    shutdown = node.attrs.get("shutdown")
    if shutdown and shutdown != "0":
        node.shutdown = True
    if is_true(node.attrs.get("standby")):
        node.standby = True
    rsc = node.remote_rsc
    if is_true(node.attrs.get("maintenance")) or (rsc is not None and not rsc.managed):
        node.maintenance = True
    discovery = node.attrs.get("resource-discovery-enabled")
    guest_node = rsc is not None and rsc.container is not None
    if discovery is not None and not is_true(discovery) and (stonith_enabled or guest_node):
        node.rsc_discovery = False  # (ignored on a remote node that cannot be fenced)


def was_fenced(ns: NodeState) -> bool:
    """node_state's node_fenced (a number; nonzero: fenced since the connection was last up)."""
    value = dict(ns.extra).get("node_fenced", "0")
    try:
        return int(value) > 0
    except ValueError:
        return False


def history_ready(node: WNode) -> bool:
    """A remote node's history is read once its connection (and a guest's container) is known
    to be started."""
    rsc = node.remote_rsc
    return rsc is not None and rsc.role == R.STARTED and (rsc.container is None or rsc.container.role == R.STARTED)


def after_history(nodes: Iterable[WNode]) -> None:
    """Once every history is read: a remote node shutting down stops its connection, and a
    node whose history was never read gets its online status from its connection alone."""
    for n in nodes:
        if not n.remote:
            continue
        if n.shutdown and n.remote_rsc is not None:
            n.remote_rsc.next_role = R.STOPPED
            n.remote_rsc.next_role_reason = "remote shutdown"
        if not n.unpacked:
            online_status(n)


FenceFn = Callable[[WNode, str], None]


def connection_failed(r: WRsc, node_of: Callable[[str], WNode | None], stonith_enabled: bool,
                      fence: FenceFn) -> None:
    """on-fail reset_remote (a connection's default after its monitor or stop failed): the
    remote node is fenced unless it already was, and with reconnect_interval the connection
    stays stopped until the failure expires."""
    r.failed = True
    r.stop_flag = True
    node = node_of(r.id)
    if stonith_enabled and node is not None and node.remote and node.remote_rsc is r and not node.was_fenced:
        fence(node, "remote connection is unrecoverable")
    if r.reconnect_ms:
        r.next_role = R.STOPPED
        r.next_role_reason = "remote reset"


def keeps_monitor_failure(r: WRsc, task: str, interval_ms: int, node_of: Callable[[str], WNode | None],
                          stonith_enabled: bool) -> bool:
    """should_ignore_failure_timeout: a recurring monitor failure of a connection with
    reconnect_interval does not expire before its remote node has been fenced."""
    if not (r.reconnect_ms and stonith_enabled and interval_ms != 0 and task == "monitor"):
        return False
    node = node_of(r.id)
    return node is not None and not node.was_fenced


def active_on_lost_node(r: WRsc, node: WNode, stonith_enabled: bool, fence: FenceFn) -> None:
    """A managed resource thought active on an offline remote node: fence the node, but
    only if the connection cannot be re-established elsewhere (unseen revokes the fencing
    when the connection is assigned)."""
    if node.remote_rsc is not None and node.remote_rsc.container is not None:
        # a guest is "fenced" by recovering its container, fencing enabled or not; what ran
        # there is failed until the guest's history is cleared
        r.failed = True
        r.stop_flag = True
        fence(node, f"{r.id} is thought to be active there")
        return
    if not stonith_enabled:
        return
    rsc = node.remote_rsc
    if rsc is not None and not rsc.failed:
        node.unseen = True
        fence(node, f"{r.id} is active there (fencing will be revoked if remote connection "
                    f"can be re-established elsewhere)")
    else:
        fence(node, f"{r.id} is thought to be active there")


def connection_assigned(r: WRsc, node: WNode | None) -> None:
    """remote_connection_assigned: a connection that will run keeps its node online (and a
    node only unseen is not fenced: the connection will be attempted); one that will not
    shuts its node down."""
    if node is None:
        return
    if r.allocated_to is not None and r.next_role != R.STOPPED:
        node.online = True
        if node.unseen:
            node.unclean = False
    else:
        node.shutdown = True


class ConnectionState(Enum):
    """get_remote_node_state: what becomes of a remote node's connection in this transition."""

    UNKNOWN = auto()  # the connection is to start where it does not run now
    ALIVE = auto()  # running and staying up
    RESTING = auto()  # on a lost node or mid-migration: recovered before anything else
    FAILED = auto()  # down for good: the node's resources are lost with it
    STOPPED = auto()  # stopping cleanly (or stopped)


def connection_state(node: WNode) -> ConnectionState:
    rsc = node.remote_rsc
    assert rsc is not None
    host = rsc.current_node()
    if rsc.next_role == R.STOPPED or rsc.allocated_to is None:
        if host is not None and host.unclean:
            return ConnectionState.FAILED
        if not rsc.failed:
            return ConnectionState.STOPPED
        shutdown = node.attrs.get("shutdown")
        if rsc.next_role == R.STOPPED and rsc.reconnect_ms and node.was_fenced \
                and not (shutdown and shutdown != "0"):
            return ConnectionState.UNKNOWN
        return ConnectionState.FAILED
    if host is None:
        return ConnectionState.UNKNOWN
    if host.unclean or not host.online:
        return ConnectionState.RESTING
    if len(rsc.running_on) > 1 and rsc.partial_migration_source is not None \
            and rsc.partial_migration_target is not None:
        return ConnectionState.RESTING
    return ConnectionState.ALIVE


def is_failed_remote_node(node: WNode) -> bool:
    """pcmk__is_failed_remote_node: a remote node whose connection cannot be recovered."""
    return node.remote and node.remote_rsc is not None and node.remote_rsc.container is None \
        and connection_state(node) is ConnectionState.FAILED
