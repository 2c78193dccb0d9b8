"""Nodes: what the status section says of each node, and marking a node for fencing.

Owns: the node records (attributes by their sets' rules, #uname/#id/#kind/#is_dc, capacity),
start-up fencing of nodes not yet seen, each cluster node's online status as membership,
controller and join state say (determine_online_status, with and without fencing), the
node_state timestamps of newer Pacemakers, pe_fence_node (unclean, the first reason wins;
a remote node's connection to reset, a guest's container to recover) and pe_can_fence, and
the fencing a stop that cannot run implies. Remote nodes are added by remote.py and read
with their history.

Imports only the model and the scheduler's working records, guest.py, remote.py and
meta.py (the unpack phase's record only for its type).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from hastack.model.config import Configuration
from hastack.model.state import ClusterState
from hastack.model.values import is_true
from hastack.scheduler import guest, remote
from hastack.scheduler.meta import leading_int, utilization_of
from hastack.scheduler.options import Options
from hastack.scheduler.rules import eval_rule
from hastack.scheduler.working import WNode, WRsc

if TYPE_CHECKING:
    from hastack.scheduler.unpack import Unpacked

_BOOL_WORDS = {"true": True, "on": True, "yes": True, "y": True, "1": True,
               "false": False, "off": False, "no": False, "n": False, "0": False}


def can_fence(o: Options, node: WNode) -> bool:
    """pe_can_fence for a cluster node: fencing is enabled and possible, and the cluster has
    quorum (or ignores its loss) -- else only a node that is up can be fenced."""
    if not o.stonith_enabled or not o.have_stonith_resource:
        return False
    return o.have_quorum or o.no_quorum_policy == "ignore" or node.online


def fence_node(u: Unpacked, node: WNode, reason: str) -> None:
    """pe_fence_node for a cluster or remote node: mark unclean; the first reason wins. A remote
    node's connection must then be re-established by fencing, unless it is unmanaged; a guest
    node is "fenced" by recovering its container instead."""
    if guest.is_guest(node):
        guest.fence_guest(node)
        return
    if node.remote and (node.remote_rsc is None or node.remote_rsc.managed):
        node.requires_reset = True
    if not node.unclean or node.uname not in u.fence_reasons:
        u.fence_reasons.setdefault(node.uname, reason)
    node.unclean = True


def runs_nothing(node: WNode) -> bool:
    """An offline node can run no action -- except a guest node whose container is only
    starting (not one to be reset): it can run what waits for that start."""
    return not node.online and not (guest.is_guest(node) and not node.requires_reset)


def stop_unrunnable(u: Unpacked, rsc: WRsc, node: WNode) -> None:
    """update_resource_action_runnable for a stop that `node` cannot run: a managed resource
    there can only be stopped by fencing the node. Judged when the stop is created -- while
    history is read, a recovery's stop may come before its resource turns unmanaged (a
    remote node in maintenance), and Pacemaker fences for it all the same."""
    if rsc.managed and not node.unclean:
        fence_node(u, node, "stop is unrunnable")


def unpack_nodes(config: Configuration, state: ClusterState, opts: Options, u: Unpacked, now: int,
                 bundle_connections: Sequence[str] = ()) -> None:
    for i, n in enumerate(config.nodes):
        w = WNode(id=n.id, uname=n.uname, index=i)
        attrs: dict[str, str] = {}
        for aset in sorted(n.attributes, key=lambda s: -(s.score or 0)):
            if aset.rule is not None and not eval_rule(aset.rule, {}, now):
                continue
            for k, v in aset.pairs:
                attrs.setdefault(k, v)
        attrs["#uname"] = n.uname
        attrs["#id"] = n.id
        attrs["#kind"] = "cluster" if n.type in ("member", "normal", "") else n.type
        attrs["#is_dc"] = "true" if state.dc_uuid == n.id else "false"
        w.attrs = attrs
        w.utilization = utilization_of(n.utilization, now)
        # Nodes are unclean until their status is seen (startup-fencing); a remote node only
        # once it has a connection (remote.link_connections).
        w.unclean = opts.startup_fencing and n.type not in ("ping", "remote")
        if w.unclean:
            u.fence_reasons.setdefault(n.uname, "node is unclean")
        u.nodes.append(w)
        u.node_by_uname[n.uname] = w
    u.bundle_nodes = frozenset(remote.add_remote_nodes(config, u.nodes, u.node_by_uname, bundle_connections))
    by_id = {w.id: w for w in u.nodes}
    for ns in state.nodes.values():
        found = by_id.get(ns.id) or u.node_by_uname.get(ns.uname)
        if found is None:
            continue
        w = found
        if w.remote:  # its status waits for its connection's (read with its history)
            w.was_fenced = remote.was_fenced(ns)
            continue
        for k, v in ns.attributes.items():
            w.attrs[k] = v
        w.unseen = False
        w.unclean = False
        u.fence_reasons.pop(w.uname, None)
        if is_true(w.attrs.get("standby")):
            w.standby = True
        if is_true(w.attrs.get("maintenance")):
            w.maintenance = True
        _online_status(u, w, ns, opts)
        if not opts.have_quorum and w.online and opts.no_quorum_policy == "suicide":
            fence_node(u, w, "cluster does not have quorum")  # everything else follows from this


def member_since(in_ccm: str | None, now: int) -> int:
    """node_state's in_ccm as Pacemaker reads it: -1 when absent or unreadable, 0 when not a member,
    else when the node became a member. Pacemaker >= 2.1.7 writes that time (an epoch); older
    controllers wrote a boolean, and a "true" counts as a member since now (at least 1, so a
    member is never mistaken for a non-member at time 0)."""
    if in_ccm is None:
        return -1
    word = _BOOL_WORDS.get(in_ccm.strip().lower())
    if word is not None:
        return max(now, 1) if word else 0
    since = leading_int(in_ccm)
    return since if since is not None and since >= 0 else -1


def online_since(crmd: str | None) -> int:
    """node_state's crmd as Pacemaker reads it: 0 when offline (absent, "offline", unreadable or
    negative), 1 for the legacy "online", else the epoch at which the controller joined."""
    if crmd is None or crmd.strip().lower() == "offline":
        return 0
    if crmd.strip().lower() == "online":
        return 1
    since = leading_int(crmd)
    return since if since is not None and since > 0 else 0


def _online_status(u: Unpacked, w: WNode, ns, opts: Options) -> None:  # type: ignore[no-untyped-def]
    shutdown_attr = w.attrs.get("shutdown")
    w.shutdown = bool(shutdown_attr) and shutdown_attr != "0"
    # a node asked to shut down is not expected up, whatever its join state says
    w.expected_up = not w.shutdown and (ns.expected or "").lower() == "member"
    member = member_since(ns.in_ccm, u.now)
    in_cluster = None if member < 0 else ns.in_ccm  # never seen by the membership layer
    in_true = member > 0
    peer_online = online_since(ns.crmd) > 0
    join = (ns.join or "").lower()
    online = False
    if not opts.stonith_enabled:
        if not in_true:
            pass
        elif peer_online:
            online = join == "member"
        elif not w.expected_up:
            pass
        else:
            fence_node(u, w, "peer is unexpectedly down")
    else:
        term = w.attrs.get("terminate")
        do_terminate = is_true(term) or bool(term and term[0] != "0" and term[0].isdigit())
        exp_state = (ns.expected or "down").lower()
        online = in_true
        if w.shutdown:
            online = peer_online
        elif in_cluster is None:
            fence_node(u, w, "peer has not been seen by the cluster")
        elif join == "banned":
            fence_node(u, w, "peer failed Pacemaker membership criteria")
        elif not do_terminate and exp_state == "down":
            if in_true or peer_online:
                w.standby = True
                w.pending = True
        elif do_terminate and join == "down" and not in_true and not peer_online:
            online = False
        elif not in_true:
            fence_node(u, w, "peer is no longer part of the cluster")
        elif not peer_online:
            fence_node(u, w, "peer process is no longer available")
        elif do_terminate:
            fence_node(u, w, "termination was requested")
        elif join == "member":
            pass
        elif join in ("pending", "down"):
            w.standby = True
            w.pending = True
        else:
            fence_node(u, w, "peer was in an unknown state")
    w.online = online
