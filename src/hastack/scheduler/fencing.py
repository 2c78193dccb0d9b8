"""Fencing actions: fencing of unclean nodes (and the stops it implies), and unfencing.

Owns Pacemaker's fence operations as the scheduler creates them (pe_fence_op):
one per node and fence action, its first reason, and when it is required.
Unclean nodes are fenced with the cluster's stonith-action; a guest node that
must be reset is "fenced" by a pseudo action once its container stops
(pcmk__fence_guest); a node is
unfenced ("on") before resources that require unfencing -- and, where any
device provides unfencing, fence devices -- are probed or started on it, the
first time (no `#node-unfenced` attribute) or when a fence device's
definition changed (pcmk_sched_fencing.c, trigger_unfencing).

Imports only the model and the scheduler's own modules.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from hastack.model.values import is_true
from hastack.scheduler import guest, notify
from hastack.scheduler.graph import Act, Graph, O
from hastack.scheduler.nodes import can_fence
from hastack.scheduler.unpack import Unpacked
from hastack.scheduler.working import WNode, WRsc

UNFENCED_ATTR = "#node-unfenced"
Rule = tuple[WRsc | Act, str, WRsc | Act, str, O]  # an ordering: first, its task, then, its task, flags


def node_unfenced(node: WNode) -> bool:
    """pcmk__node_unfenced: the node was unfenced since it joined (the attribute is set, not 0)."""
    return node.attrs.get(UNFENCED_ATTR, "0") != "0"


class Fencer:
    """The fence operations of one transition."""

    def __init__(self, u: Unpacked, g: Graph, notify_action: Callable[[WRsc, str, WNode, bool], Act]) -> None:
        self.u = u
        self.g = g
        self.notify_action = notify_action
        self.fence_ops: dict[str, Act] = {}  # node name -> its fencing for being unclean
        self.unfence_ops: dict[str, Act] = {}  # node name -> its unfencing

    def can_fence(self, node: WNode) -> bool:
        return can_fence(self.u.options, node)

    # --- unclean nodes ---------------------------------------------------------------------
    def fence_unclean(self) -> None:
        for node in self.u.nodes:
            if guest.is_guest(node):
                if node.requires_reset and guest.host_can_fence(node, self.can_fence):
                    self._fence_guest(node)
                continue
            if not node.unclean or not self.can_fence(node):
                continue
            op = self.g.new("stonith", None, node, optional=False)
            op.add_meta({"stonith_action": self.u.options.stonith_action})
            op.reason = self.u.fence_reasons.get(node.uname, "node is unclean")
            self.fence_ops[node.uname] = op
            for r in self.u.resources:
                self._stonith_ordering(r, op, node)

    def _fence_guest(self, node: WNode) -> None:
        """pcmk__fence_guest: a pseudo fence action that marks the guest down once its container
        stops (or its host is fenced), implying the stops of what ran there."""
        container = guest.guest_host_rsc(node)
        stops = self.g.find(container, "stop", None)
        op = self.g.new("stonith", None, node, optional=False)
        op.pseudo = True
        op.runnable = True
        op.reason = "guest is unclean"
        op.add_meta({"stonith_action": "reboot" if self.g.find(container, "start", None) else "off"})
        op.fence_rsc = container.id
        if stops and stops[0].pseudo and stops[0].node is not None and stops[0].node.uname in self.fence_ops:
            self.g.order(self.fence_ops[stops[0].node.uname], op, O.RUNNABLE_LEFT | O.IMPLIES_THEN)
        elif stops:
            self.g.order(stops[0], op, O.RUNNABLE_LEFT | O.IMPLIES_THEN)
        else:
            conn_stops = self.g.find(node.remote_rsc, "stop", None) if node.remote_rsc is not None else []
            if conn_stops:
                self.g.order(conn_stops[0], op, O.OPTIONAL)
        self.fence_ops[node.uname] = op
        for r in self.u.resources:
            self._stonith_ordering(r, op, node)

    def _stonith_ordering(self, r: WRsc, op: Act, target: WNode) -> None:
        if r.children:
            for c in r.children:
                self._stonith_ordering(c, op, target)
            return
        if not r.managed:
            return
        for a in self.g.of(r):
            if a.needs == "fencing":
                self.g.order(op, a, O.OPTIONAL)
            elif a.needs == "quorum" and a.task == "start" and target.uname in (r.allowed or {}) \
                    and target.uname not in r.known_on:
                self.g.order(op, a, O.OPTIONAL | O.RUNNABLE_LEFT)
        for a in self.g.find(r, "stop", target):
            a.pseudo = True
            a.runnable = True
            self.g.order(op, a, O.PRESERVE)
            if is_true(r.meta.get("notify"), False):
                notify.after_fencing(self.g, self.notify_action, a, r, op)
        for a in self.g.find(r, "demote", target):
            if a.node is not None and (not a.node.online or a.node.unclean or r.failed):
                a.pseudo = True
                a.runnable = True

    # --- unfencing -------------------------------------------------------------------------
    def unfence_op(self, node: WNode, optional: bool = True, reason: str | None = None) -> Act:
        """pe_fence_op(node, "on"): one per node; required only where the node can be fenced,
        and the first reason given is the one shown."""
        op = self.unfence_ops.get(node.uname)
        if op is None:
            op = self.g.new("stonith", None, node, optional=True)
            op.add_meta({"stonith_action": "on"})
            self.unfence_ops[node.uname] = op
        if not optional and self.can_fence(node):
            op.optional = False
        op.set_reason(reason, False)
        return op

    def trigger(self, node: WNode | None, reason: str, device: WRsc | None = None) -> None:
        """trigger_unfencing: unfence a node that is up (for a fence device whose definition
        changed: that device's node, else every node up where it may run)."""
        if not self.u.options.enable_unfencing or (device is not None and not device.is_fence_device):
            return
        if node is not None and _up(node):
            self.unfence_op(node, False, reason)
        elif device is not None:
            for uname in device.allowed or {}:
                other = self.u.node_by_uname.get(uname)
                if other is not None and _up(other):
                    self.unfence_op(other, False, reason)

    def _unfences_for(self, r: WRsc) -> bool:
        return r.needs_unfencing or (r.is_fence_device and self.u.options.enable_unfencing)

    def before(self, r: WRsc, node: WNode | None, action: Act, flags: O) -> None:
        """pcmk__order_vs_unfence: a probe or start of a resource that needs unfencing comes
        after the node's unfencing, which is required if the node was never unfenced."""
        if node is None or not self._unfences_for(r):
            return
        self.g.order(self.unfence_op(node), action, flags)
        if not node_unfenced(node):
            self.trigger(node, f"required by {r.id} {action.task}")

    def definition_changed(self, r: WRsc, node: WNode, how: str) -> None:
        """A fence device's definition changed on a node: unfence it again (`how`: restart,
        reload or reschedule, as Pacemaker words the reason)."""
        self.trigger(node, "Device parameters changed" + ("" if how == "restart" else f" ({how})"), r)

    def restart_orders(self, r: WRsc) -> Iterable[Rule]:
        """pcmk__order_restart_vs_unfence: where a resource that needs unfencing may run, it
        stops before the node is unfenced and starts after it (a required unfencing requires
        the start there)."""
        if not r.needs_unfencing or r.is_fence_device or not r.managed:
            return
        for uname in sorted(r.allowed or {}):
            node = self.u.node_by_uname.get(uname)
            if node is None:
                continue
            op = self.unfence_op(node)
            yield r, "stop", op, "", O.OPTIONAL | O.SAME_NODE
            yield op, "", r, "start", O.IMPLIES_THEN | O.SAME_NODE


def _up(node: WNode) -> bool:
    return node.online and not node.unclean and not node.shutdown
