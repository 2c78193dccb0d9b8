"""What a node's REST health endpoints answer, decided from the node's own facts (Patroni's /primary,
/replica and /health, for hastack's resources).

A load balancer asks every node "should I send traffic to you?" and the node
answers from what it knows first hand: whether it holds its membership
lease, and the role its local resource manager last saw each local resource
in. It never asks etcd or another node while answering -- a health check
that blocks on the store leaves the balancer with no server at all (Patroni
#2263) -- so the answer is a pure function of `NodeFacts`:

    GET /active/R      200 when R (a primitive; for a clone or group: any of its primitives, any
                       instance) runs on this node
    GET /promoted/R    200 when R is promoted here (the Galera writer); 503 on every other node
    GET /unpromoted/R  200 when R runs here unpromoted (a promotable clone's other instances)
    GET /health        200 when the node is a member holding its lease
    GET /              the node's view as JSON

A node that does not hold its lease (not joined yet, or self-fenced) answers
503 to all of them: it is about to stop, or has stopped, everything. Every
body is the same JSON view (as Patroni's is), with the one-sentence reason
of the status in `answer`. The view has roles only: no parameters, so no
secrets.

`next_role` is the rule the local resource manager keeps the roles by.

Pure: imports the model only.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from hastack.model.config import Clone, Configuration
from hastack.model.results import OcfRc

# the roles a local resource can be in, as the local resource manager saw it last
STARTING, STARTED, PROMOTED, STOPPING, FAILED = "starting", "started", "promoted", "stopping", "failed"
RUNNING = frozenset({STARTED, PROMOTED})

EMPTY: Mapping[str, frozenset[str]] = MappingProxyType({})


@dataclass(frozen=True)
class Topology:
    """The configuration as the health endpoints need it: each resource id -> the primitive ids under it
    (a primitive -> itself), and which primitives sit in a promotable clone."""

    primitives_of: Mapping[str, frozenset[str]] = field(default_factory=lambda: EMPTY)
    promotable: frozenset[str] = frozenset()
    revision: int = 0


@dataclass(frozen=True)
class NodeFacts:
    node: str
    member: bool  # holds its membership lease by its own clock, now
    roles: Mapping[str, str]  # local history name (`galera`, or a unique instance's `ip:1`) -> role
    topology: Topology = Topology()
    self_fenced: int = 0  # how often this node has self-fenced since hastackd started


@dataclass(frozen=True)
class Reply:
    status: int
    body: Mapping[str, Any]


def topology(config: Configuration, revision: int = 0) -> Topology:
    """Each configured resource's primitives, by walking groups and clones down to them."""
    def below(rid: str, seen: frozenset[str]) -> frozenset[str]:
        r = config.resources.get(rid)
        if r is None or rid in seen:
            return frozenset()
        if not r.children:
            return frozenset({rid}) if r.kind == "primitive" else frozenset()
        return frozenset().union(*(below(c, seen | {rid}) for c in r.children))
    primitives_of = {rid: below(rid, frozenset()) for rid in config.resources}
    promotable = frozenset().union(*(primitives_of[r.id] for r in config.resources.values()
                                     if isinstance(r, Clone) and r.promotable))
    return Topology(MappingProxyType(primitives_of), promotable, revision)


def next_role(before: str | None, task: str, rc: int | None, target_rc: int | None = 0) -> str | None:
    """A resource's local role after `task` returned `rc` (None: the task has just begun), given the
    role `before`. None means "not here". While a start runs the resource is not yet active; once a
    stop or a demote has begun it no longer counts as active or promoted -- a balancer should drain it
    before the agent is done, never after."""
    if task in ("monitor", "status"):
        if rc is None:
            return before
        seen: dict[int, str | None] = {OcfRc.OK: STARTED, OcfRc.RUNNING_PROMOTED: PROMOTED, OcfRc.NOT_RUNNING: None}
        return seen.get(rc, FAILED)
    outcome = {"start": (STARTING, STARTED), "promote": (before, PROMOTED), "demote": (STARTED, STARTED),
               "stop": (STOPPING, None), "migrate_from": (STARTING, STARTED), "migrate_to": (STOPPING, None)}
    if task not in outcome:
        return before  # notify, cancel, meta-data...: roles do not change
    begun, done = outcome[task]
    if rc is None:
        return begun
    return done if rc == (0 if target_rc is None else target_rc) else FAILED


def _matches(history_name: str, primitive: str) -> bool:
    """A local history entry belongs to a primitive: its own name, or an instance of it (`ip:1`)."""
    base, sep, number = history_name.rpartition(":")
    return history_name == primitive or (bool(sep) and number.isdigit() and base == primitive)


def local_roles(facts: NodeFacts, rid: str) -> dict[str, str]:
    """The local roles of everything resource `rid` stands for (itself when the configuration does not
    know it: a resource this node runs is answered for even before the configuration was read)."""
    wanted = facts.topology.primitives_of.get(rid) or frozenset({rid})
    return {name: role for name, role in facts.roles.items()
            if name == rid or any(_matches(name, p) for p in wanted)}


def view(facts: NodeFacts) -> dict[str, Any]:
    return {"node": facts.node, "member": facts.member, "self_fenced": facts.self_fenced,
            "config_revision": facts.topology.revision, "resources": dict(sorted(facts.roles.items()))}


def answer(facts: NodeFacts, path: str) -> Reply:
    """The status and body for a GET (or HEAD/OPTIONS) of `path` on this node."""
    code, sentence = _decide(facts, path.split("?", 1)[0])
    return Reply(code, {**view(facts), "answer": sentence})


def _decide(facts: NodeFacts, path: str) -> tuple[int, str]:
    parts = [p for p in path.split("/") if p]
    if len(parts) > 2 or (len(parts) == 2 and parts[0] not in ("active", "promoted", "unpromoted")) \
            or (len(parts) == 1 and parts[0] != "health"):
        return 404, f"no such endpoint {path!r}: GET /health, /active/R, /promoted/R, /unpromoted/R or /"
    if not facts.member:
        why = "it self-fenced" if facts.self_fenced else "it is not a member"
        return 503, f"{facts.node} holds no membership lease ({why}): it runs no resource"
    if len(parts) < 2:
        return 200, f"{facts.node} is a member holding its lease"
    kind, rid = parts
    roles = local_roles(facts, rid)
    known = rid in facts.topology.primitives_of or bool(roles)
    if not known:
        return 503, f"{rid} is not configured"
    running = {name: role for name, role in roles.items() if role in RUNNING}
    promoted = [name for name, role in running.items() if role == PROMOTED]
    if kind == "active":
        if running:
            return 200, f"{rid} is active on {facts.node}"
        return 503, f"{rid} is not active on {facts.node}" + _seen(roles)
    if kind == "promoted":
        if promoted:
            return 200, f"{rid} is promoted on {facts.node}"
        return 503, f"{rid} is not promoted on {facts.node}" + _seen(roles)
    wanted = facts.topology.primitives_of.get(rid, frozenset())
    if wanted and not wanted & facts.topology.promotable:
        return 503, f"{rid} is not in a promotable clone: ask /active/{rid}"
    if running and not promoted:
        return 200, f"{rid} runs unpromoted on {facts.node}"
    return 503, f"{rid} is not running unpromoted on {facts.node}" + _seen(roles)


def _seen(roles: Mapping[str, str]) -> str:
    return f" ({', '.join(f'{n} {r}' for n, r in sorted(roles.items()))})" if roles else ""
