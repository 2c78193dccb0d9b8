"""The current cluster status, read from the model and rendered as crm_simulate prints it.

`observe(config, state)` gathers one status view (which nodes are online,
which resource instances are active where and in which role, which failed);
`render_status(view)` turns that view into the crm_mon-like text that
crm_simulate shows under "Current cluster status:". Gathering and rendering
are separate so other front ends can render the same view their own way.

The view is for display: it reads each resource's operation history the way
Pacemaker does in outline (the last operation by call id decides; a failed
result marks the instance failed), but it never decides anything — the
scheduler does that.

Imports only the model.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field, replace

from hastack.model.config import Clone, Configuration, Group, Primitive, Template, merged
from hastack.model.results import ExecStatus, OcfRc
from hastack.model.state import ClusterState, NodeState, OpRecord
from hastack.model.values import Role, is_true

_CANCELLED = ExecStatus.CANCELLED
_PENDING = ExecStatus.PENDING


# --- nodes ------------------------------------------------------------------------------

@dataclass(frozen=True)
class NodeView:
    uname: str
    online: bool
    unclean: bool
    standby: bool


def _flag_on(value: str | None) -> bool:
    """in_ccm / crmd are "true"/"online" or, in newer CIBs, a non-zero timestamp."""
    if value is None:
        return False
    v = value.strip().lower()
    if v in ("true", "yes", "online", "member", "1"):
        return True
    return v.isdigit() and int(v) > 0


def node_view(config: Configuration, ns: NodeState | None, uname: str, fencing: bool = True) -> NodeView:
    """A node's membership as Pacemaker reads it; without fencing a lost member is simply offline."""
    node = config.node_named(uname)
    permanent = merged(node.attributes) if node is not None else {}
    standby_attr = (ns.attributes.get("standby") if ns is not None else None) or permanent.get("standby")
    if ns is None:
        return NodeView(uname, online=False, unclean=False, standby=is_true(standby_attr))
    in_ccm = _flag_on(ns.in_ccm)
    crmd = _flag_on(ns.crmd) if ns.crmd not in (None, "offline") else False
    online = in_ccm and crmd and (ns.join in (None, "member"))
    unclean = fencing and not in_ccm and ns.expected == "member"
    return NodeView(uname, online=online, unclean=unclean and not online, standby=is_true(standby_attr))


def _stop_failed(ops: Iterable[OpRecord]) -> bool:
    """The last recorded operation is a failed stop (the node must then be fenced, by default)."""
    done = [op for op in ops if op.op_status not in (_CANCELLED, _PENDING)]
    if not done:
        return False
    last = max(done, key=lambda op: (op.call_id, op.id.endswith("_last_failure_0")))
    expected = last.expected_rc if last.expected_rc is not None else OcfRc.OK
    return last.operation == "stop" and last.rc_code != expected


def _on_fail(config: Configuration, rsc: str, task: str, recurring: bool) -> str | None:
    prim = config.resources.get(rsc)
    if isinstance(prim, Primitive):
        for op in prim.ops:
            if op.name == task and (op.interval_ms > 0) == recurring:
                return op.on_fail
    return None


def _stop_on_fail(config: Configuration, rsc: str) -> str | None:
    return _on_fail(config, rsc, "stop", False)


def _blocked(config: Configuration, rsc: str, ops: Iterable[OpRecord], fencing: bool) -> bool:
    """A failed stop without fencing, or a failure of an operation configured with on-fail=block."""
    if _stop_failed(ops):
        return _stop_on_fail(config, rsc) == "block" or not fencing
    failures = [op for op in ops if op.id.endswith("_last_failure_0")]
    return any(_on_fail(config, rsc, op.operation, op.interval_ms > 0) == "block" for op in failures)


# --- resource instances ------------------------------------------------------------------

@dataclass(frozen=True)
class Instance:
    """One resource (instance) active on one node, as its history says."""

    rsc: str  # primitive id (clone instance suffix removed)
    history_id: str  # as recorded, e.g. "db:1"
    node: str
    role: Role
    failed: bool
    pending: str | None = None
    blocked: bool = False  # a failure whose on-fail (or a stop failure without fencing) blocks it


def _is_probe(op: OpRecord) -> bool:
    return op.operation == "monitor" and op.interval_ms == 0


def history_role(ops: Iterable[OpRecord]) -> tuple[Role, bool]:
    """(role, failed) after replaying the recorded operations in call-id order."""
    role, failed, _ = history_state(ops)
    return role, failed


_PENDING_WORDS = {"start": "Starting", "stop": "Stopping", "promote": "Promoting", "demote": "Demoting",
                  "migrate_to": "Migrating", "migrate_from": "Migrating"}


def history_state(ops: Iterable[OpRecord]) -> tuple[Role, bool, str | None]:
    """(role, failed, pending action word) from the history; a failure recorded under the same
    call id as a success (RSC_last_failure_0 beside RSC_monitor_N) is taken as the later event."""
    role, failed, pending = Role.STOPPED, False, None
    done = sorted((op for op in ops if op.op_status != _CANCELLED),
                  key=lambda op: (op.op_status == _PENDING, op.call_id, op.id.endswith("_last_failure_0")))
    for op in done:
        if op.op_status == _PENDING:
            if op.operation in _PENDING_WORDS:
                pending = _PENDING_WORDS[op.operation]
                if op.operation != "stop":
                    role = Role.PROMOTED if op.operation == "promote" else (
                        role if role is not Role.STOPPED else Role.STARTED)
            continue
        role, failed = _step(role, failed, op)
    return role, failed, pending


def _step(role: Role, failed: bool, op: OpRecord) -> tuple[Role, bool]:
    rc, task = op.rc_code, op.operation
    expected = op.expected_rc
    if task == "monitor":
        if rc == OcfRc.NOT_RUNNING:
            if _is_probe(op):
                return Role.STOPPED, False
            return role, True  # a recurring monitor found it stopped: failed
        if rc == OcfRc.OK:
            if role in (Role.STOPPED, Role.PROMOTED) or _is_probe(op):
                return Role.STARTED, failed if not _is_probe(op) else False
            return role, failed
        if rc == OcfRc.RUNNING_PROMOTED:
            return Role.PROMOTED, failed
        if rc == OcfRc.FAILED_PROMOTED:
            return Role.PROMOTED, True
        return (role if role is not Role.STOPPED else Role.STARTED), True
    if task in ("notify", "meta-data", "validate-all", "reload", "reload-agent"):
        return role, failed
    ok = rc == (OcfRc.OK if expected is None else expected)
    if task == "start":
        return Role.STARTED, not ok
    if task == "stop":
        return (Role.STOPPED, False) if ok else (Role.STARTED, True)
    if task == "promote":
        return Role.PROMOTED, not ok
    if task == "demote":
        return (Role.STARTED, False) if ok else (Role.PROMOTED, True)
    if task == "migrate_to":
        return (role if ok else Role.STARTED), failed or not ok
    if task == "migrate_from":
        return (Role.STARTED, failed) if ok else (Role.STARTED, True)
    return role, failed or not ok


# --- the whole view -------------------------------------------------------------------------

@dataclass(frozen=True)
class StatusView:
    nodes: tuple[NodeView, ...]
    instances: tuple[Instance, ...]
    have_quorum: bool
    config: Configuration = field(repr=False, compare=False)

    def active(self, rsc: str) -> list[Instance]:
        return [i for i in self.instances if i.rsc == rsc and (i.role is not Role.STOPPED or i.failed)]

    @property
    def unclean(self) -> set[str]:
        return {n.uname for n in self.nodes if n.unclean}

    @property
    def lost(self) -> set[str]:
        """Unclean and out of membership: what its resources are flagged UNCLEAN for."""
        return {n.uname for n in self.nodes if n.unclean and not n.online}


def _base_id(history_id: str) -> str:
    return history_id.split(":", 1)[0]


def observe(config: Configuration, state: ClusterState) -> StatusView:
    """Gather the status view: nodes (configuration order, then status-only ones) and active instances."""
    unames = [n.uname for n in config.nodes]
    unames += [ns.uname for ns in state.nodes.values() if ns.uname not in unames]
    fencing = is_true(config.property("stonith-enabled"), default=True)
    nodes = [node_view(config, state.node_by_uname(u), u, fencing) for u in unames]
    instances: list[Instance] = []
    for k, u in enumerate(unames):
        ns = state.node_by_uname(u)
        if ns is None or not (nodes[k].online or nodes[k].unclean):
            continue  # the history of a node that is cleanly down is not read
        for hist in ns.resources:
            if (fencing and nodes[k].online and _stop_failed(hist.ops)
                    and _stop_on_fail(config, _base_id(hist.id)) in (None, "fence")):
                nodes[k] = replace(nodes[k], unclean=True)
            role, failed, pending = history_state(hist.ops)
            if role is Role.STOPPED and not failed and pending is None:
                continue
            blocked = failed and _blocked(config, _base_id(hist.id), hist.ops, fencing)
            instances.append(Instance(_base_id(hist.id), hist.id, u, role, failed, pending, blocked))
    return StatusView(tuple(nodes), tuple(instances), state.have_quorum, config)


# --- rendering -------------------------------------------------------------------------------

def natural_key(name: str) -> list[object]:
    """node2 before node10, case-insensitively (Pacemaker's numeric string order)."""
    return [int(part) if part.isdigit() else part.lower() for part in re.split(r"(\d+)", name)]


def _nodes_lines(view: StatusView, indent: str) -> list[str]:
    out: list[str] = []
    active_nodes = {i.node for i in view.instances}
    online = []
    offline = []
    for n in view.nodes:
        if n.unclean:
            out.append(f"{indent}* Node {n.uname}: UNCLEAN ({'online' if n.online else 'offline'})")
        elif not n.online and n.standby:
            out.append(f"{indent}* Node {n.uname}: OFFLINE (standby)")
        elif n.online and n.standby:
            extra = " (with active resources)" if n.uname in active_nodes else ""
            out.append(f"{indent}* Node {n.uname}: standby{extra}")
        elif n.online:
            online.append(n.uname)
        else:
            offline.append(n.uname)
    if online:
        out.append(f"{indent}* Online: [ {' '.join(sorted(online, key=natural_key))} ]")
    if offline:
        out.append(f"{indent}* OFFLINE: [ {' '.join(sorted(offline, key=natural_key))} ]")
    return out


def _agent_text(config: Configuration, prim: Primitive) -> str:
    agent = prim.agent
    if agent is None and prim.template:
        tmpl = config.resources.get(prim.template)
        agent = tmpl.agent if isinstance(tmpl, Template) else None
    return str(agent) if agent is not None else "?"


def _meta(config: Configuration, rid: str) -> dict[str, str]:
    r = config.resources.get(rid)
    return dict(merged(r.meta)) if r is not None and not isinstance(r, Template) else {}


def _disabled(config: Configuration, rid: str) -> bool:
    """target-role=Stopped on the resource or any of its parents."""
    parents = config.parent_of
    cur: str | None = rid
    while cur is not None:
        if _meta(config, cur).get("target-role", "").lower() == "stopped":
            return True
        cur = parents.get(cur)
    return False


def _state_word(inst: Instance, promotable: bool) -> str:
    if inst.pending is not None:
        return inst.pending
    if inst.failed:
        return "FAILED"
    if inst.role is Role.PROMOTED:
        return "Promoted"
    if promotable:
        return "Unpromoted"
    return "Started"


def _primitive_line(view: StatusView, prim: Primitive, indent: str, promotable: bool = False,
                    instances: list[Instance] | None = None, shown_id: str | None = None) -> str:
    insts = view.active(prim.id) if instances is None else instances
    head = f"{indent}* {shown_id or prim.id}\t({_agent_text(view.config, prim)}):\t "
    flags = " (disabled)" if _disabled(view.config, prim.id) else ""
    if not insts:
        return head + "Stopped" + flags
    if len(insts) > 1:
        words = {_state_word(i, promotable) for i in insts}
        word = words.pop() if len(words) == 1 else "Started"
        return head + f"{word} [ {' '.join(i.node for i in insts)} ]" + flags
    inst = insts[0]
    marks = [m for m, on in (("UNCLEAN", inst.node in view.lost), ("blocked", inst.blocked),
                             ("disabled", _disabled(view.config, prim.id))) if on]
    return head + f"{_state_word(inst, promotable)} {inst.node}" + (f" ({', '.join(marks)})" if marks else "")


def _group_lines(view: StatusView, group: Group, indent: str) -> list[str]:
    flags = " (disabled)" if _disabled(view.config, group.id) else ""
    out = [f"{indent}* Resource Group: {group.id}{flags}:"]
    for m in group.members:
        r = view.config.resources.get(m)
        if isinstance(r, Primitive):
            out.append(_primitive_line(view, r, indent + "  "))
    return out


def _clone_lines(view: StatusView, clone: Clone, indent: str) -> list[str]:
    config = view.config
    child = config.resources.get(clone.child)
    meta = _meta(config, clone.id)
    tags = []
    if clone.promotable:
        tags.append("promotable")
    if is_true(meta.get("globally-unique")):
        tags.append("unique")
    if _disabled(config, clone.id) or (clone.promotable and meta.get("target-role", "").lower() in (
            "unpromoted", "slave")):
        tags.append("disabled")
    suffix = f" ({', '.join(tags)})" if tags else ""
    out = [f"{indent}* Clone Set: {clone.id} [{clone.child}]{suffix}:"]
    inner = indent + "  "
    prims = ([child] if isinstance(child, Primitive) else
             [config.resources[m] for m in child.members if isinstance(config.resources.get(m), Primitive)]
             if isinstance(child, Group) else [])
    # Per node: the role of the instance there (a group instance takes its weakest member).
    by_node: dict[str, list[Instance]] = {}
    for p in prims:
        for inst in view.active(p.id):
            by_node.setdefault(inst.node, []).append(inst)
    unique = is_true(meta.get("globally-unique"))
    if unique and isinstance(child, Primitive):
        return out + _unique_instances(view, clone, child, meta, inner)
    groups: dict[str, list[str]] = {}
    active = 0
    for n in view.nodes:
        insts = by_node.get(n.uname, [])
        if insts:
            active += 1
        single = unique or any(i.failed or i.pending for i in insts) or (insts and len(insts) < len(prims))
        if single:
            for i in insts:
                prim = config.resources[i.rsc]
                assert isinstance(prim, Primitive)
                out.append(_primitive_line(view, prim, inner, clone.promotable, [i], i.history_id))
            continue
        if insts:
            word = "Promoted" if all(i.role is Role.PROMOTED for i in insts) else (
                "Unpromoted" if clone.promotable else "Started")
            groups.setdefault(word, []).append(n.uname)
        else:
            groups.setdefault("Stopped", []).append(n.uname)
    try:
        clone_max = int(meta.get("clone-max", len(view.nodes)))
    except ValueError:
        clone_max = len(view.nodes)
    if active >= clone_max or unique:
        groups.pop("Stopped", None)
    for word in ("Promoted", "Unpromoted", "Started", "Stopped"):
        if groups.get(word):
            label = f"{word} (disabled)" if word == "Stopped" and _disabled(config, clone.id) else word
            out.append(f"{inner}* {label}: [ {' '.join(sorted(groups[word], key=natural_key))} ]")
    return out


def _unique_instances(view: StatusView, clone: Clone, child: Primitive, meta: dict[str, str],
                      indent: str) -> list[str]:
    """A globally-unique clone lists every instance 0..clone-max-1 by number."""
    active = {i.history_id: i for i in view.active(child.id)}
    try:
        clone_max = int(meta.get("clone-max", len(view.nodes)))
    except ValueError:
        clone_max = len(view.nodes)
    names = [f"{child.id}:{k}" for k in range(clone_max)]
    names += sorted((h for h in active if h not in names), key=natural_key)
    out = []
    for name in names:
        inst = active.get(name)
        out.append(_primitive_line(view, child, indent, clone.promotable, [inst] if inst else [], name))
    return out


def resource_lines(view: StatusView, indent: str = "  ") -> list[str]:
    out: list[str] = []
    for r in view.config.top_level:
        if isinstance(r, Primitive):
            out.append(_primitive_line(view, r, indent))
        elif isinstance(r, Group):
            out.extend(_group_lines(view, r, indent))
        elif isinstance(r, Clone):
            out.extend(_clone_lines(view, r, indent))
    known = set(view.config.resources)
    for inst in view.instances:
        if inst.rsc not in known:
            out.append(f"{indent}* {inst.history_id}\t(orphan):\t ORPHANED Started {inst.node}")
    return out


def render_status(view: StatusView, title: str = "Current cluster status:") -> str:
    """crm_simulate's status block: node list, then every resource (stopped ones too)."""
    lines = [title, "  * Node List:"]
    lines += _nodes_lines(view, "    ")
    lines += ["", "  * Full List of Resources:"]
    res = resource_lines(view, "    ")
    lines += res if res else ["    * No resources"]
    return "\n".join(lines) + "\n"
