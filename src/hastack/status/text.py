"""The status view as text: crm_simulate's "Current cluster status" and crm_mon's one-shot output.

Both follow Pacemaker 2.1's text output (pe_output.c, native.c, group.c, clone.c): a
node list (nodes in an unusual state on their own line, the rest summarized as Online
and OFFLINE lists), then every resource -- a primitive on one line with its flags, a
group with its members, a clone summarized as Promoted/Unpromoted/Started/Stopped node
lists except for the instances worth a line of their own (failed, orphaned, unmanaged,
pending, partially active, or on a lost node), a bundle as a line per replica (bundle.c). crm_mon adds a summary header, on request
node attributes and the fail counts (Migration Summary), then the failed actions -- all
as crm_mon 2.1.5 prints them (checked on the 180 regression cases).

Everything here formats a StatusView; nothing is looked up or decided.
Imports only hastack.status.view, hastack.status.words and the model's result vocabulary.
"""

from __future__ import annotations

from collections.abc import Sequence

from hastack import __version__
from hastack.model.results import ExecStatus, rc_meaning
from hastack.model.values import Role
from hastack.status.view import NodeStatus, ResourceStatus, StatusView, node_name_key, parse_op_key
from hastack.status.words import (
    action_word, exec_status, instance_counts, rc_text, readable_interval, shown_attributes, shown_state, when,
)

_ROLE_RANK = {Role.STOPPED: 1, Role.STARTED: 2, Role.UNPROMOTED: 3, Role.PROMOTED: 4}


class _Lines:
    """A nested list printed as crm_mon's text lists: `* item`, two spaces per level."""

    def __init__(self) -> None:
        self.out: list[str] = []

    def item(self, depth: int, text: str) -> None:
        self.out.append(f"{'  ' * depth}* {text}")


# --- nodes --------------------------------------------------------------------------------------------

_NODE_WORD = {"remote": "RemoteNode", "guest": "GuestNode"}  # a line of its own begins so; others: "Node"
_NODE_LISTS = ("Online", "OFFLINE", "RemoteOnline", "RemoteOFFLINE", "GuestOnline")  # in crm_mon's order


def node_lines(view: StatusView, depth: int) -> list[str]:
    """node_list_text: odd nodes on their own line (`RemoteNode rem1: UNCLEAN (offline)`), then
    the rest summarized by kind and state: `Online: [ ... ]`, `OFFLINE`, `RemoteOnline`,
    `RemoteOFFLINE`, `GuestOnline`."""
    lines = _Lines()
    lists: dict[str, list[str]] = {title: [] for title in _NODE_LISTS}
    for n in view.nodes:
        if not n.listed:
            health = f" (health is {n.health.upper()})" if n.health != "green" else ""
            lines.item(depth, f"{_NODE_WORD.get(n.kind, 'Node')} {n.uname}: {n.state}{health}")
            continue
        title = _node_list(n)
        if title is not None:
            lists[title].append(n.uname)
    for title, names in lists.items():
        if names:
            lines.item(depth, f"{title}: [ {' '.join(names)} ]")
    return lines.out


def _node_list(n: NodeStatus) -> str | None:
    """The summary list a plainly online or offline node goes in. An offline guest node goes
    in none: its container, stopped or failed, says so in the resource list."""
    if n.kind == "guest":
        return "GuestOnline" if n.online else None
    prefix = "Remote" if n.kind == "remote" else ""
    return prefix + ("Online" if n.online else "OFFLINE")


# --- resources ----------------------------------------------------------------------------------------

class _Resources:
    def __init__(self, view: StatusView) -> None:
        self.view = view
        self.nodes: dict[str, NodeStatus] = {n.uname: n for n in view.nodes}
        self.lines = _Lines()

    def top(self, r: ResourceStatus, depth: int) -> None:
        if r.listed:
            self.any(r, depth)

    def any(self, r: ResourceStatus, depth: int) -> None:
        if r.kind == "primitive":
            self.primitive(r, depth)
        elif r.kind == "group":
            self.group(r, depth)
        elif r.kind == "bundle":
            self.bundle(r, depth)
        else:
            self.clone(r, depth)

    def primitive(self, r: ResourceStatus, depth: int) -> None:
        if r.internal:
            return  # a guest node's connection: its node and container say all (crm_mon shows it only with -R)
        self.lines.item(depth, primitive_text(r, self.nodes))

    def group(self, r: ResourceStatus, depth: int) -> None:
        flags = [f for f, on in (("unmanaged", not r.managed), ("disabled", r.disabled)) if on]
        if not r.children:
            return
        self.lines.item(depth, f"Resource Group: {r.id}" + (f" ({', '.join(flags)})" if flags else "") + ":")
        for c in r.children:
            self.primitive(c, depth + 1)

    def bundle(self, r: ResourceStatus, depth: int) -> None:
        """pe__bundle_text without the implicit resources: a line per replica, for its instance
        (or its container, in a bundle of bare containers) named after the replica's guest node
        (or container) and address, on the node its container runs on."""
        flags = "".join(f" ({f})" for f, on in (("unique", r.unique), ("unmanaged", not r.managed)) if on)
        if not r.replicas:
            return
        word = "Container bundle set" if len(r.replicas) > 1 else "Container bundle"
        self.lines.item(depth, f"{word}: {r.id} [{r.image}]{flags}:")
        for rep in r.replicas:
            shown = rep.child or rep.container
            if shown.internal:
                continue
            name = (rep.remote or rep.container).name + (f" ({rep.address})" if rep.address else "")
            node = rep.container.nodes[0] if rep.container.nodes else None
            self.lines.item(depth + 1, native_text(shown, self.nodes, name, node))

    def clone(self, r: ResourceStatus, depth: int) -> None:
        header = _clone_header(r)
        printed = False

        def head() -> None:
            nonlocal printed
            if not printed:
                self.lines.item(depth, header)
                printed = True

        promoted: list[str] = []
        started: list[str] = []
        stopped: dict[str, str] = {}  # name -> state word, as clone.c's "stopped" table
        for child in r.children:
            if self._shown_alone(r, child, promoted, started, stopped):
                head()
                self.any(child, depth + 1)
        active_instances = len(promoted) + len(started)
        if promoted:
            head()
            self.lines.item(depth + 1, f"Promoted: [ {' '.join(sorted(promoted, key=node_name_key))} ]")
        if started:
            head()
            if not r.promotable:
                word = "Started"
            elif _role_word(r.configured_role) is Role.UNPROMOTED:
                word = "Unpromoted (target-role)"
            else:
                word = "Unpromoted"
            self.lines.item(depth + 1, f"{word}: [ {' '.join(sorted(started, key=node_name_key))} ]")
        if not r.unique and r.clone_max > active_instances:
            stopped = {}
            probes = dict(reversed(r.failed_probes))  # the first failure listed for a node wins
            for uname in r.stopped_on:
                if uname in probes:
                    stopped[uname] = f"Stopped ({rc_meaning(probes[uname])})"
                elif _role_word(r.configured_role) is Role.STOPPED:
                    stopped[uname] = "Stopped (disabled)"
                else:
                    stopped[uname] = "Stopped"
        if stopped:
            head()
            for word in sorted(set(stopped.values())):
                names = sorted((n for n, w in stopped.items() if w == word), key=node_name_key)
                self.lines.item(depth + 1, f"{word}: [ {' '.join(names)} ]")
        elif active_instances == 0:
            head()

    def _shown_alone(self, clone: ResourceStatus, child: ResourceStatus, promoted: list[str],
                     started: list[str], stopped: dict[str, str]) -> bool:
        """pe__clone_default's choice for one instance: a line (or group) of its own, or a place
        in the Promoted/Started lists (filled here), or in the stopped table."""
        if clone.unique:
            return child.partially_active or not clone.orphan
        if child.pending is not None and child.pending != "probe":
            return True
        if not child.partially_active:
            if not child.orphan:
                stopped[child.id] = "Stopped"
            return False
        parts = [child, *child.children]
        if any(p.orphan or p.failed for p in parts) or not all(p.managed for p in parts):
            return True
        if not child.active:
            return True  # partially active
        where = _nodes_of(child)
        if len(where) != 1:
            return True  # an uncolocated group
        node = self.nodes.get(where[0])
        if node is not None and not node.online and node.unclean:
            return True
        if _ROLE_RANK[_state(child)] > _ROLE_RANK[Role.UNPROMOTED]:
            promoted.append(where[0])
        else:
            started.append(where[0])
        return False


def _nodes_of(r: ResourceStatus) -> list[str]:
    """native_location(current): where r or its members are active, each node once."""
    seen: list[str] = []
    for p in r.primitives():
        for n in p.nodes:
            if n not in seen:
                seen.append(n)
    return seen


def _state(r: ResourceStatus) -> Role:
    """A resource's current role; a group's is its members' highest."""
    if r.kind == "primitive":
        return r.role
    return max((_state(c) for c in r.children), key=_ROLE_RANK.__getitem__, default=Role.STOPPED)


def _role_word(text: str | None) -> Role | None:
    if text is None:
        return None
    try:
        return Role.parse(text)
    except Exception:  # noqa: BLE001 - an unknown role word limits nothing
        return None


def _clone_header(r: ResourceStatus) -> str:
    flags = [f for f, on in (("promotable", r.promotable), ("unique", r.unique), ("unmanaged", not r.managed),
                             ("disabled", r.disabled)) if on]
    child = _configured_child(r)
    return f"Clone Set: {r.id} [{child}]" + (f" ({', '.join(flags)})" if flags else "") + ":"


def _configured_child(r: ResourceStatus) -> str:
    if not r.children:
        return "?"
    base, sep, number = r.children[0].id.rpartition(":")
    return base if sep and number.isdigit() else r.children[0].id


def primitive_text(r: ResourceStatus, nodes: dict[str, NodeStatus]) -> str:
    """A primitive's line, on the node it is active on (else where an action is pending)."""
    return native_text(r, nodes, r.name, r.nodes[0] if r.nodes else r.pending_node)


def native_text(r: ResourceStatus, nodes: dict[str, NodeStatus], name: str, node: str | None) -> str:
    """pcmk__native_output_string with pending operations and inactive resources shown: a
    primitive named `name` on `node` (none when it is active on several: they are listed); a
    resource held by a shutdown lock is shown on its node, LOCKED."""
    if node is None:
        node = r.locked_to
    multiple = len(r.nodes) > 1
    if multiple:
        node = None
    text = f"{name}\t({_agent(r.agent)}):\t"
    if r.orphan:
        text += " ORPHANED"
    if r.failed:
        text += " FAILED"
        if _ROLE_RANK[r.role] > _ROLE_RANK[Role.UNPROMOTED]:
            text += f" {r.role.value}"
    else:
        text += " " + shown_state(r)
    if node is not None:
        text += f" {node}"
    if r.role is Role.STOPPED:
        probe = next((rc for n, rc in r.failed_probes if node is None or n.lower() == node.lower()), None)
        if probe is not None:
            text += f" ({rc_meaning(probe)}) "
    flags = []
    where = nodes.get(node) if node is not None else None
    if where is not None and not where.online and where.unclean:
        flags.append("UNCLEAN")
    if node is not None and node == r.locked_to:
        flags.append("LOCKED")
    if r.pending == "monitor":
        flags.append("Monitoring")
    target = _role_word(r.target_role)
    if target is Role.STOPPED:
        flags.append("disabled")
    elif target is Role.UNPROMOTED and r.promotable:
        flags.append(f"target-role:{r.target_role}")
    if r.blocked:
        flags.append("blocked")
    elif not r.managed:
        flags.append("unmanaged")
    if r.failure_ignored:
        flags.append("failure ignored")
    if flags:
        text += f" ({', '.join(flags)})"
    if multiple and r.description:
        text += f" {r.description}"
    if multiple:
        text += f" [ {' '.join(r.nodes)} ]"
    return text


def _agent(agent: str | None) -> str:
    return agent if agent is not None else "unknown:unknown"


def resource_lines(view: StatusView, depth: int) -> list[str]:
    """Every resource, inactive ones too (crm_mon -r, crm_simulate)."""
    printer = _Resources(view)
    for r in view.resources:
        printer.top(r, depth)
    return printer.lines.out


# --- crm_simulate ---------------------------------------------------------------------------------------

def render_simulate(view: StatusView, title: str = "Current cluster status:") -> str:
    """crm_simulate's status block: "Current cluster status:", the node list, every resource."""
    lines = [title]
    nodes = node_lines(view, 2)
    if nodes:
        lines += ["  * Node List:", *nodes, ""]
    res = resource_lines(view, 2)
    lines += ["  * Full List of Resources:", *(res or ["    * No resources"])]
    return "\n".join(lines) + "\n"


# --- crm_mon -1 ---------------------------------------------------------------------------------------

def render_crm_mon(view: StatusView, *, stack: str = "hastack", version: str = __version__, updated: str = "",
                   last_change: str = "", inactive: bool = False, attributes: bool = False,
                   failcounts: bool = False) -> str:
    """crm_mon -1 (Pacemaker 2.1 text): Cluster Summary, Node List, Active (or with -r Full) List of
    Resources, with -A Node Attributes, with -f the Migration Summary (the view built with
    history=True), then Failed Resource Actions. `version` is the DC's software version, `updated`
    and `last_change` the summary's times, already worded (rendering reads no clock)."""
    lines = ["Cluster Summary:", *summary_lines(view, stack=stack, version=version, updated=updated,
                                                last_change=last_change), ""]
    lines += ["Node List:", *node_lines(view, 1), ""]
    printer = _Resources(view)
    for r in view.resources:
        if inactive or r.partially_active:
            printer.top(r, 1)
    lines.append("Full List of Resources:" if inactive else "Active Resources:")
    lines += printer.lines.out or ["  * No resources" if inactive else "  * No active resources"]
    if attributes:
        attrs = attribute_lines(view)
        if attrs:
            lines += ["", "Node Attributes:", *attrs]
    if failcounts and any(n.online for n in view.nodes):
        lines += ["", "Migration Summary:", *migration_lines(view)]
    if view.failed_actions:
        lines += ["", "Failed Resource Actions:", *failed_action_lines(view)]
    return "\n".join(lines) + "\n"


def summary_lines(view: StatusView, *, stack: str, version: str, updated: str = "",
                  last_change: str = "") -> list[str]:
    """The Cluster Summary's items: stack, DC and quorum, times, what is configured."""
    quorum = "partition with quorum" if view.have_quorum else "partition WITHOUT quorum"
    dc = f"{view.dc} (version {version}) - {quorum}" if view.dc else "NONE"
    lines = [f"  * Stack: {stack}", f"  * Current DC: {dc}"]
    if updated:
        lines.append(f"  * Last updated: {updated}")
    if last_change:
        lines.append(f"  * Last change:  {last_change}")
    counts = instance_counts(view)
    flags = ([f"{counts.disabled} DISABLED"] if counts.disabled else []) + (
        [f"{counts.blocked} BLOCKED from further action due to failure"] if counts.blocked else [])
    lines += [f"  * {len(view.nodes)} node{_s(len(view.nodes))} configured",
              f"  * {counts.configured} resource instance{_s(counts.configured)} configured"
              + (f" ({', '.join(flags)})" if flags else "")]
    return lines


def attribute_lines(view: StatusView) -> list[str]:
    """Each online node's attributes, by name, padded as crm_mon pads them (view built with attributes)."""
    lines: list[str] = []
    for n in view.nodes:
        shown = shown_attributes(n)
        if shown:
            lines.append(f"  * Node: {n.uname}:")
            lines += [f"    * {k:<32}\t: {v:<10}" for k, v in shown]
    return lines


def migration_lines(view: StatusView) -> list[str]:
    """Per online node (in the status section's order), the resources with a fail count there
    (the view built with history=True)."""
    lines: list[str] = []
    node = None
    for h in view.history:
        if h.rsc is None or h.fail_count <= 0:
            continue
        if h.node != node:
            node = h.node
            lines.append(f"  * Node: {node}:")
        last = f" last-failure='{when(h.last_failure)}'" if h.last_failure > 0 else ""
        lines.append(f"    * {h.id}: migration-threshold={h.migration_threshold} "
                     f"fail-count={h.fail_count}{last}")
    return lines


def failed_action_lines(view: StatusView) -> list[str]:
    """Each failed action in crm_mon's words: what, where, the result, when, how long it took."""
    lines: list[str] = []
    for f in view.failed_actions:
        key = parse_op_key(f.key)
        rsc, task, interval = (key.rsc, key.task, key.interval_ms) if key else (
            "unknown resource", "unknown action", 0)
        text = f"{rsc} " + (f"{readable_interval(interval)}-interval " if interval else "")
        text += f"{action_word(task, interval)} on {f.node}"
        if f.status == ExecStatus.DONE:
            text += f" returned '{rc_text(max(f.rc, 0))}'" + (f" ({f.exit_reason})" if f.exit_reason else "")
        else:
            text += f" could not be executed ({exec_status(f.status)}" + (
                f": {f.exit_reason}" if f.exit_reason else "") + ")"
        if f.last_rc_change:
            text += f" at {when(f.last_rc_change)}"
        if f.exec_time:
            text += f" after {readable_interval(f.exec_time)}"
        lines.append(f"  * {text}")
    return lines


def _s(n: int) -> str:
    return "" if n == 1 else "s"


__all__: Sequence[str] = ["attribute_lines", "failed_action_lines", "migration_lines", "node_lines", "primitive_text",
                          "render_crm_mon", "render_simulate", "resource_lines", "summary_lines"]
