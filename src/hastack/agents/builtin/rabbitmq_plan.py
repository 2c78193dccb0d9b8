"""The decisions of ocf:hastack:rabbitmq, as pure functions: node names, what peers' reports mean,
whether to form, join or rejoin, and what a monitor sees.

No I/O, no clock, no processes: the agent (rabbitmq.py) reads the peers' node attributes, probes
their AMQP ports and asks `rabbitmqctl cluster_status`, hands the facts to these functions and does
what they return. Tests feed them tables (tests/agents/test_rabbitmq_plan.py).

The start decision (`decide`), in order:

1. a peer that reports `running` and whose AMQP port answers is a running cluster. A node with no
   data JOINs it; a node with data that the running peer still lists as a member REJOINs (starts
   from its own data: RabbitMQ finds its peers itself, and the node's quorum-queue replicas stay);
   a node with data that the peer no longer lists (someone ran forget_cluster_node) is RESET and
   then joins (RESET_JOIN) -- its old data would make RabbitMQ refuse to boot (inconsistent cluster);
2. no running peer, but data here: START from it (RabbitMQ waits for its former peers by itself,
   so nodes restarted together after a full outage find each other);
3. no data here, and some peer has ever reported (it was a member, is down now and holds the
   cluster's data): WAIT for it -- a new cluster formed here would be a second cluster;
4. nobody was ever a member: the first node name FORMs a new cluster, the others WAIT for it.

WAIT never ends by itself: the agent's deadline turns the last reason into the start failure's
exit reason.

Stdlib only; imports nothing of hastack beyond the galera plan's node:address parser.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import NamedTuple

from hastack.agents.builtin.galera_plan import parse_host_map

RUNNING, STOPPED = "running", "stopped"
PHASES = (RUNNING, STOPPED)

FORM, START, JOIN, REJOIN, RESET_JOIN, WAIT = "form", "start", "join", "rejoin", "reset-join", "wait"

QUEUE_TYPES = ("quorum", "classic", "stream")


# --- node names -------------------------------------------------------------------------------------

def parse_nodes(text: str) -> dict[str, str] | None:
    """`n1:addr1;n2:addr2` -> {cluster node: address} in the given order; None when malformed or empty."""
    nodes = parse_host_map(text)
    return nodes or None


def use_longnames(addresses: Sequence[str]) -> bool | None:
    """Erlang long names when the addresses are IPs or FQDNs (they hold a dot), short names when they
    are bare host names; None for a mix, which one Erlang cluster cannot have."""
    dotted = {"." in a for a in addresses}
    return None if len(dotted) > 1 else dotted.pop() if dotted else False


def erlang_name(prefix: str, address: str) -> str:
    return f"{prefix}@{address}"


def check_cookie(cookie: str) -> str | None:
    """What is wrong with an Erlang cookie (never quoting it: it is a secret), or None."""
    if len(cookie) > 255:
        return f"erlang_cookie is {len(cookie)} characters long; Erlang takes at most 255"
    if not all(33 <= ord(c) < 127 for c in cookie):
        return "erlang_cookie must be printable ASCII without spaces (Erlang reads it as an atom)"
    return None


# --- what nodes report to each other ------------------------------------------------------------------

class Report(NamedTuple):
    """What one instance publishes as its permanent node attribute: its phase and the cluster
    members it last saw (cluster node names). Permanent, so a node that is down still says it was
    a member, and who with."""

    phase: str
    members: tuple[str, ...]


def encode_report(report: Report) -> str:
    return f"{report.phase} {','.join(report.members) or '-'}"


def parse_report(text: str | None) -> Report | None:
    """None for anything that is not a report (absent, or written by something else)."""
    parts = (text or "").split()
    if len(parts) != 2 or parts[0] not in PHASES:
        return None
    members = tuple(m for m in parts[1].split(",") if m and m != "-")
    return Report(parts[0], members)


class Peer(NamedTuple):
    """Another node as this node sees it now. `reachable`: its AMQP port accepted a connection (checked
    for peers that report `running` only: a permanent report outlives a node killed with its host)."""

    name: str
    report: Report | None
    reachable: bool = False


class Decision(NamedTuple):
    verdict: str  # FORM, START, JOIN, REJOIN, RESET_JOIN or WAIT
    reason: str
    target: str = ""  # the running peer to join or rejoin


def _names(names: Sequence[str]) -> str:
    return ", ".join(names)


def decide(me: str, has_data: bool, peers: Sequence[Peer], nodes: Sequence[str]) -> Decision:
    """Form, start, join, rejoin, reset and join, or wait (see the module docstring for the rules).
    `nodes`: every configured node name, this one included."""
    running = sorted((p for p in peers if p.report and p.report.phase == RUNNING and p.reachable),
                     key=lambda p: p.name)
    if running:
        target = running[0]
        members = target.report.members if target.report else ()
        if not has_data:
            return Decision(JOIN, f"{target.name} runs the cluster ({_names(members)}); this node has no data",
                            target.name)
        if me in members:
            return Decision(REJOIN, f"{target.name} runs the cluster and still lists this node "
                                    f"({_names(members)})", target.name)
        return Decision(RESET_JOIN, f"{target.name} runs the cluster ({_names(members)}) but no longer lists "
                                    "this node (forgotten): its old data would be refused", target.name)
    if has_data:
        return Decision(START, "no peer is running; starting from this node's data (RabbitMQ waits for its "
                               "former peers)")
    former = sorted(p.name for p in peers if p.report is not None)
    if former:
        return Decision(WAIT, f"no data here and no running peer; waiting for {_names(former)} (former "
                              f"member{'s' if len(former) > 1 else ''}, holding the cluster's data) to start: "
                              "a cluster formed here would be a second one")
    first = min(nodes)
    if first == me:
        return Decision(FORM, f"a new cluster: no node was ever a member, {me} is the first of {_names(nodes)}")
    return Decision(WAIT, f"a new cluster: waiting for {first} to form it")


# --- what the node says about itself --------------------------------------------------------------------

APP_STOPPED = "app stopped"  # the node runs, the rabbit application does not (paused, or stopped)
UNREACHABLE = "unreachable"  # rabbitmqctl could not talk to the node


class View(NamedTuple):
    """`rabbitmqctl cluster_status --formatter json`, reduced to what the agent uses (Erlang names)."""

    running: tuple[str, ...]
    disk: tuple[str, ...]
    partitions: tuple[str, ...]  # nodes that report a partition
    alarms: tuple[str, ...]


def parse_view(data: object) -> View | None:
    if not isinstance(data, dict) or not isinstance(data.get("running_nodes"), list):
        return None

    def names(key: str) -> tuple[str, ...]:
        value = data.get(key) or []
        return tuple(sorted(str(v) for v in value)) if isinstance(value, list) else ()
    parts = data.get("partitions") or {}
    alarms = data.get("alarms") or []
    return View(names("running_nodes"), names("disk_nodes"),
                tuple(sorted(str(k) for k, v in parts.items() if v)) if isinstance(parts, dict) else (),
                tuple(str(a) for a in alarms) if isinstance(alarms, list) else ())


def classify_failure(output: str) -> str:
    """What a failed cluster_status means: the application is stopped (pause_minority paused it, or a
    join is in progress), or the node could not be reached at all."""
    return APP_STOPPED if "requires the 'rabbit' app to be running" in output else UNREACHABLE


def members(view: View, by_erlang: dict[str, str]) -> tuple[str, ...]:
    """The cluster node names of the view's disk nodes (unknown Erlang names kept as they are)."""
    return tuple(sorted(by_erlang.get(n, n) for n in view.disk))


def problems(view: View | str, me: str, answering: Sequence[str]) -> str:
    """Why this node is not a healthy member ('' when it is). `answering`: Erlang names of the
    configured peers outside view.running whose AMQP port answered (a broker that runs but is not
    in this node's cluster: two clusters, or a partition RabbitMQ has not healed)."""
    if isinstance(view, str):
        return "the rabbit application is stopped (paused by pause_minority?)" if view == APP_STOPPED else \
            "rabbitmqctl cannot reach the node"
    if me not in view.running:
        return f"the node is not among its cluster's running nodes ({_names(view.running)})"
    if view.partitions:
        return f"partitioned (reported by {_names(view.partitions)})"
    if answering:
        return f"{_names(sorted(answering))} run{'s' if len(answering) == 1 else ''} but {'is' if len(answering) == 1 else 'are'} not in this node's cluster"
    return ""


class Verdict(NamedTuple):
    rc: int
    reason: str
    unhealthy_since: float | None  # when the agent first saw the node unhealthy (to keep)


def monitor_verdict(alive: bool, problem: str, unhealthy_since: float | None, now: float,
                    grace_s: float) -> Verdict:
    """7 not running; 0 a healthy member, or unhealthy for at most grace_s; 1 after that.

    The grace covers a join in progress and a partition RabbitMQ heals by itself: pause_minority
    stops the minority's application and restarts it when the majority is back (2.5-3 s here)."""
    if not alive:
        return Verdict(7, "", None)
    if not problem:
        return Verdict(0, "", None)
    since = now if unhealthy_since is None or unhealthy_since > now else unhealthy_since
    if now - since > grace_s:
        return Verdict(1, f"RabbitMQ runs but has been unhealthy for {now - since:.0f} s (grace {grace_s:g} s): "
                          f"{problem}", since)
    return Verdict(0, "", since)


def mirroring_supported(version: str) -> bool:
    """Classic mirrored queues (the `ha-mode` policy) exist up to RabbitMQ 3.13; 4.0 removed them."""
    try:
        return int(version.strip().split(".")[0]) < 4
    except ValueError:
        return False


_ATOM_SAFE = re.compile(r"^[A-Za-z0-9_.@:-]+$")


def quotable_atom(name: str) -> bool:
    """Whether `name` can go between single quotes in an Erlang expression as it is (no quote, no backslash,
    nothing but the characters node names are made of)."""
    return bool(_ATOM_SAFE.match(name))
