"""Departures: which local agent actions a node runs when a peer is proven gone, or back.

The active/active tier has failure detectors of its own -- Galera's
`evs.suspect_timeout` (5 s by default), Erlang's `net_ticktime` (61 s to
declare a silent RabbitMQ node down with RabbitMQ's default 60), HAProxy's
health checks -- and each survivor waits for them after a host dies, even
when hastack already knows the host is dead. A *departure* is that
knowledge, written to the store by the node that proved it (daemon.fencer):
the fence device confirmed the node off, or its lease ran out after its
self-fence deadline (DESIGN safety rules 1 and 2: in both cases it runs
nothing any more). Every survivor then runs, on each of its local resources
whose agent knows how, `node-gone` (Galera evicts the dead member, RabbitMQ
drops the Erlang connection, HAProxy puts the node's servers in maintenance),
and, when a new incarnation of the node joins again, `node-back` (HAProxy
hands the servers back to their health checks).

Never on suspicion: evicting a live Galera member or disconnecting a live
Erlang node would split the tier. A departure names the lease it proved
dead; a node that is a member on that very lease is not gone (the record is
stale or wrong: nothing runs), and a member on another lease is a new
incarnation (back, never gone again for the old record).

`decide` is pure (no I/O, no clock); daemon.notifier is its thin shell.

Imports nothing of hastack.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass

GONE, BACK = "node-gone", "node-back"
FENCED, LEASE_EXPIRED = "fenced", "lease-expired"  # the two proofs (DESIGN safety rule 2)
PROOFS = (FENCED, LEASE_EXPIRED)

# agent (class:provider:type) -> the departure actions it implements. A table, not a meta-data probe:
# the decision stays pure, and an agent that gains the action is added here with its test.
AGENT_ACTIONS: Mapping[str, frozenset[str]] = {
    "ocf:hastack:galera": frozenset({GONE}),
    "ocf:hastack:rabbitmq": frozenset({GONE}),
    "ocf:hastack:haproxy": frozenset({GONE, BACK}),
}

# what the agent is told: the departed node's name, as Pacemaker tells a notify action its
# OCF_RESKEY_CRM_meta_notify_stop_uname
META_NODE = "departed_uname"


@dataclass(frozen=True)
class Departure:
    """`node`'s incarnation on `lease` is proven down, by `proof` (FENCED or LEASE_EXPIRED)."""

    node: str
    lease: int
    proof: str

    def to_json(self) -> str:
        return json.dumps({"lease": self.lease, "proof": self.proof})


def parse_departure(node: str, text: str) -> Departure | None:
    """The record the fencer wrote, or None for anything else (a record that cannot be read proves nothing)."""
    try:
        data = json.loads(text)
        lease, proof = int(data["lease"]), str(data["proof"])
    except (ValueError, TypeError, KeyError):
        return None
    return Departure(node, lease, proof) if lease > 0 and proof in PROOFS else None


@dataclass(frozen=True)
class LocalResource:
    """A resource this node runs now: its instance id and its agent as `class:provider:type`."""

    rsc: str
    agent: str


@dataclass(frozen=True)
class Notice:
    """Run `action` (GONE or BACK) of local resource `rsc` about `node`."""

    rsc: str
    action: str
    node: str


@dataclass(frozen=True)
class Told:
    """What this node's resources were told of one node: `action` for its incarnation on `lease`, run by
    `resources` (GONE: a local resource started since is told too, and joins them)."""

    lease: int
    action: str
    resources: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Plan:
    notices: tuple[Notice, ...]
    told: Mapping[str, Told]  # node -> what was told of it here: the next decision's `told`
    sentence: str  # what was decided, for the log


def decide(me: str, departures: Mapping[str, Departure], members: Mapping[str, int],
           told: Mapping[str, Told], local: tuple[LocalResource, ...]) -> Plan:
    """The notices to run now.

    `departures`: node -> its latest proven departure; `members`: node -> lease of every member now;
    `told`: node -> what was run here already (GONE for a departure's lease, BACK once a newer
    incarnation is a member); `local`: the resources running here. Each local resource is told GONE of
    a (node, lease) once -- one that starts here while the node is still gone too (a load balancer
    started after the death would otherwise wait for its own health checks) -- and BACK once after it,
    if it was told GONE; a node never heard of as gone is never told BACK.
    """
    notices: list[Notice] = []
    after = dict(told)
    said: list[str] = []
    for node, dep in sorted(departures.items()):
        if node == me:
            continue  # a record about this node: it is alive to read it, so the record is stale
        lease = members.get(node)
        if lease == dep.lease:
            continue  # still a member on the lease the record says is dead: nothing is proven
        prev = told.get(node)
        before = prev if prev is not None and prev.lease == dep.lease else None  # told of this record
        if lease is None:
            if before is not None and before.action == BACK:
                continue  # a node back is never sent GONE again for the same record
            done = before.resources if before is not None else frozenset()
            targets = [r for r in local if GONE in AGENT_ACTIONS.get(r.agent, frozenset()) and r.rsc not in done]
            if before is not None and not targets:
                continue  # already done, and nothing that needs telling started here since
            action, after[node] = GONE, Told(dep.lease, GONE, done | {r.rsc for r in targets})
        else:
            if before is None or before.action != GONE:
                continue  # a new incarnation this node never told its resources was gone: nothing to undo
            targets = [r for r in local if BACK in AGENT_ACTIONS.get(r.agent, frozenset())
                       and r.rsc in before.resources]
            action, after[node] = BACK, Told(dep.lease, BACK, frozenset(r.rsc for r in targets))
        notices += [Notice(r.rsc, action, node) for r in targets]
        said.append(f"{node} {'gone (' + dep.proof + ')' if action == GONE else 'back'}: "
                    + (", ".join(f"{action} {r.rsc}" for r in targets) or "no local resource to tell"))
    return Plan(tuple(notices), after, "; ".join(said))
