"""What-if changes to a cluster, as crm_simulate's injection options make them.

Pure functions from (configuration, state) to a new state (or configuration):
they never read a clock or a file. Each one records the fact the way
Pacemaker's injections do, so the scheduler sees exactly what it would see
on a real cluster after that event:

- `node_fail`  (`--node-fail`): the node leaves membership without saying
  goodbye: `in_ccm=false` while the controller still expects it to be a
  member. The scheduler must fence it before recovering its resources.
- `node_down`  (`--node-down`): a clean shutdown: the node is out and its
  operation history and transient attributes are gone.
- `node_up`    (`--node-up`): the node joins. A node that had no status
  entry joins with no history, so every resource must be probed there.
- `standby`    : the node attribute `standby=on` (as `crm node standby`).
- `op_fail`    (`--op-fail RSC_TASK_INTERVAL@NODE=RC`, crm_simulate `-i`):
  appends the result of one operation to the node's history, and, for a
  failure that counts, bumps the fail count and sets last-failure.
- `set_time`   : fixes the evaluation time in the state (execution-date).

How a result or a node's departure is written into the state is
hastack.record's business; this module says which one crm_simulate makes.

Imports only the model, errors and hastack.record.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, replace
from types import MappingProxyType

from hastack.didyoumean import did_you_mean
from hastack.errors import HastackError
from hastack.model.config import AttrSet, Configuration, Node, Primitive, Template
from hastack.model.results import OcfRc
from hastack.model.state import ClusterState, NodeState
from hastack.model.values import AgentRef
from hastack.record import OperationResult, clear_node, record_result, with_node

SIM_EXIT_REASON = "Simulated action result"
SIM_ORIGIN = "hastack-simulate"

# Tasks whose name holds an underscore, longest first (parse of RSC_TASK_INTERVAL keys).
_MULTIWORD_TASKS = (
    "confirmed-post_notify_stopped", "migrate_from", "migrate_to",
    "pre_notify", "post_notify",
)

_SPEC = re.compile(r"^(?P<key>[^@\s]+)@(?P<node>[^=\s]+)=(?P<rc>-?\d+)$")


def _did_you_mean(word: str, choices: Iterable[str]) -> str:
    """hastack.didyoumean's suggestion, followed by a space when there is one."""
    hint = did_you_mean(word, sorted(set(choices)))
    return f"{hint} " if hint else ""


def known_nodes(config: Configuration, state: ClusterState) -> list[str]:
    """Node names in the configuration and in the status section, configuration first."""
    names = [n.uname for n in config.nodes]
    names += [n.uname for n in state.nodes.values() if n.uname not in names]
    return names


def check_node(config: Configuration, state: ClusterState, uname: str) -> None:
    """Raise a HastackError naming the known nodes if `uname` is not one of them."""
    names = known_nodes(config, state)
    if uname not in names:
        raise HastackError(
            f"unknown node {uname!r}",
            hint=f"{_did_you_mean(uname, names)}known nodes: {', '.join(names) or '(none)'}",
        )


def _node_id(config: Configuration, state: ClusterState, uname: str) -> str:
    ns = state.node_by_uname(uname)
    if ns is not None:
        return ns.id
    node = config.node_named(uname)
    return node.id if node is not None else uname


def _node_state(config: Configuration, state: ClusterState, uname: str) -> NodeState:
    """The node's status entry, or a fresh empty one (Pacemaker's pcmk__inject_node)."""
    check_node(config, state, uname)
    ns = state.node_by_uname(uname)
    if ns is not None:
        return ns
    return NodeState(id=_node_id(config, state, uname), uname=uname)


def _membership(ns: NodeState, *, in_ccm: str, crmd: str, join: str, expected: str) -> NodeState:
    return replace(ns, in_ccm=in_ccm, crmd=crmd, join=join, expected=expected)


# --- membership ---------------------------------------------------------------------

def node_fail(config: Configuration, state: ClusterState, uname: str) -> ClusterState:
    """The node drops out of membership uncleanly: it will have to be fenced."""
    ns = _node_state(config, state, uname)
    return with_node(state, _membership(ns, in_ccm="false", crmd="online", join="member", expected="member"))


def node_down(config: Configuration, state: ClusterState, uname: str) -> ClusterState:
    """The node shuts down cleanly: out of membership, its history and transient attributes cleared."""
    check_node(config, state, uname)
    return clear_node(state, uname, _node_id(config, state, uname))


def node_up(config: Configuration, state: ClusterState, uname: str) -> ClusterState:
    """The node joins; without earlier status it has no history, so resources need probes there."""
    ns = _node_state(config, state, uname)
    return with_node(state, _membership(ns, in_ccm="true", crmd="online", join="member", expected="member"))


def standby(config: Configuration, state: ClusterState, uname: str, on: bool = True) -> tuple[Configuration, ClusterState]:
    """Set the node attribute standby (permanent, as `crm node standby`; a transient one is kept in step)."""
    check_node(config, state, uname)
    value = "on" if on else "off"
    node = config.node_named(uname)
    if node is None:
        node = Node(id=_node_id(config, state, uname), uname=uname)
        nodes = config.nodes + (node,)
    else:
        nodes = config.nodes
    sets = list(node.attributes)
    for i, s in enumerate(sets):
        if s.rule is None and s.id_ref is None:
            pairs = tuple((k, v) for k, v in s.pairs if k != "standby") + (("standby", value),)
            sets[i] = replace(s, pairs=pairs)
            break
    else:
        sets.append(AttrSet(id=f"nodes-{node.id}", pairs=(("standby", value),)))
    new_node = replace(node, attributes=tuple(sets))
    config = replace(config, nodes=tuple(new_node if n.uname == uname else n for n in nodes))
    ns = state.node_by_uname(uname)
    if ns is not None and "standby" in ns.attributes:
        attrs = dict(ns.attributes)
        attrs["standby"] = value
        state = with_node(state, replace(ns, attributes=MappingProxyType(attrs)))
    return config, state


def set_time(state: ClusterState, now: int) -> ClusterState:
    """Fix the time the scheduler evaluates at (the CIB's execution-date)."""
    return replace(state, execution_date=int(now))


# --- operation results --------------------------------------------------------------------

@dataclass(frozen=True)
class OpResult:
    """One injected operation result: `RSC_TASK_INTERVAL@NODE=RC` (interval in ms)."""

    rsc: str
    task: str
    interval_ms: int
    node: str
    rc: int

    @property
    def key(self) -> str:
        return f"{self.rsc}_{self.task}_{self.interval_ms}"

    def __str__(self) -> str:
        return f"{self.key}@{self.node}={self.rc}"


_SPEC_HINT = ("write RESOURCE_TASK_INTERVAL@NODE=RC with the interval in milliseconds, "
              "e.g. db_monitor_10000@node1=7 (monitor failed: not running) or db_start_0@node2=1")


def parse_op_key(key: str) -> tuple[str, str, int]:
    """Split `rsc_task_interval` into its parts; the resource id may hold underscores."""
    head, sep, interval = key.rpartition("_")
    if not sep or not interval.isdigit() or not head:
        raise HastackError(f"invalid operation key {key!r}: it must end in _INTERVAL (milliseconds)",
                           hint=_SPEC_HINT)
    for task in _MULTIWORD_TASKS:
        if head.endswith("_" + task) and len(head) > len(task) + 1:
            return head[: -len(task) - 1], task, int(interval)
    rsc, sep, task = head.rpartition("_")
    if not sep or not rsc or not task:
        raise HastackError(f"invalid operation key {key!r}: expected RESOURCE_TASK_INTERVAL", hint=_SPEC_HINT)
    return rsc, task, int(interval)


def parse_op_spec(text: str) -> OpResult:
    """Parse `RSC_TASK_INTERVAL@NODE=RC`, as crm_simulate's --op-inject reads it."""
    m = _SPEC.match(text.strip())
    if m is None:
        raise HastackError(f"invalid operation spec {text!r}", hint=_SPEC_HINT)
    rsc, task, interval = parse_op_key(m.group("key"))
    return OpResult(rsc, task, interval, m.group("node"), int(m.group("rc")))


def _agent_of(config: Configuration, rsc: str) -> AgentRef | None:
    base = rsc.split(":", 1)[0]
    r = config.resources.get(base)
    if not isinstance(r, Primitive):
        primitives = [k for k, v in config.resources.items() if isinstance(v, Primitive)]
        what = "not a primitive" if r is not None else "unknown resource"
        raise HastackError(
            f"cannot inject an operation result for {rsc!r}: {what}",
            hint=f"{_did_you_mean(base, primitives)}operation results belong to primitives "
                 f"(or their clone instances, like {primitives[0] + ':0' if primitives else 'rsc:0'})",
        )
    if r.agent is not None:
        return r.agent
    tmpl = config.resources.get(r.template or "")
    return tmpl.agent if isinstance(tmpl, Template) else None


def op_fail(config: Configuration, state: ClusterState, res: OpResult, now: int) -> ClusterState:
    """Record the result `res` in the node's history, as crm_simulate -i does.

    The expected rc is 0, so any other rc is a failure: it is recorded as
    RSC_last_failure_0 (and, for a one-shot op, as RSC_last_0 too); a success is
    RSC_last_0 or, for a recurring op, RSC_TASK_INTERVAL. A failure other than
    a probe's "not running" increments fail-count-RSC#TASK_INTERVAL and sets
    last-failure-RSC#TASK_INTERVAL to `now` (hastack.record writes all that).
    """
    agent = _agent_of(config, res.rsc)
    check_node(config, state, res.node)
    result = OperationResult(rsc=res.rsc, task=res.task, interval_ms=res.interval_ms, node=res.node, rc=res.rc,
                             target_rc=OcfRc.OK, agent=agent, exit_reason=SIM_EXIT_REASON, origin=SIM_ORIGIN)
    return record_result(state, result, now, node_id=_node_id(config, state, res.node))


# --- all at once ---------------------------------------------------------------------------

@dataclass(frozen=True)
class Injections:
    """Everything one simulation changes, applied in crm_simulate's order."""

    standby: tuple[str, ...] = ()
    node_up: tuple[str, ...] = ()
    node_down: tuple[str, ...] = ()
    node_fail: tuple[str, ...] = ()
    op_results: tuple[OpResult, ...] = ()
    time: int | None = None

    def describe(self) -> list[str]:
        """One line per change, as crm_simulate's "Performing requested modifications"."""
        lines = [f"Setting the time: {self.time}"] if self.time is not None else []
        lines += [f"Bringing node {n} online" for n in self.node_up]
        lines += [f"Taking node {n} offline" for n in self.node_down]
        lines += [f"Failing node {n}" for n in self.node_fail]
        lines += [f"Putting node {n} in standby" for n in self.standby]
        lines += [f"Injecting {r} into the configuration" for r in self.op_results]
        return lines

    def __bool__(self) -> bool:
        return bool(self.standby or self.node_up or self.node_down or self.node_fail
                    or self.op_results or self.time is not None)


def apply(config: Configuration, state: ClusterState, inj: Injections,
          now: int) -> tuple[Configuration, ClusterState]:
    """Apply every injection; `now` stamps injected results (and is the time if `inj.time` is set)."""
    for name in inj.standby:
        config, state = standby(config, state, name)
    for name in inj.node_up:
        state = node_up(config, state, name)
    for name in inj.node_down:
        state = node_down(config, state, name)
    for name in inj.node_fail:
        state = node_fail(config, state, name)
    for res in inj.op_results:
        state = op_fail(config, state, res, now)
    if inj.time is not None:
        state = set_time(state, inj.time)
    return config, state
