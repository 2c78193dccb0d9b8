"""The decisions of ocf:hastack:galera, as pure functions: what a node's files and its peers' reports mean.

No I/O, no clock, no processes: the agent (galera.py) reads grastate.dat, the
`--wsrep-recover` log, `SHOW STATUS` and the peers' node attributes, hands the
text and facts to these functions and does what they return. Tests feed them
tables (tests/agents/test_galera_plan.py).

The start decision (`decide`), in order:

1. a peer that reports `primary` and whose Galera port answers is a running
   cluster: JOIN it (with our own position, so IST can replace a full SST);
2. a peer that reports `bootstrapping`: WAIT for it;
3. a node with `safe_to_bootstrap: 1` and a known position (the last to leave
   cleanly, or the operator's pick): it BOOTSTRAPs, nobody else does;
4. otherwise every node of the cluster must have reported (a silent node may
   hold the newest commits): WAIT;
5. all reported positions must share one history UUID, else WAIT for the
   operator (the reason says how to choose);
6. the most advanced known position BOOTSTRAPs (ties: the first name, so every
   node picks the same one); a node whose seqno is unknown (-1 after recovery)
   never does;
7. no position known anywhere: a brand-new cluster (every node fresh)
   bootstraps on the first name; if any node has a history it cannot recover,
   WAIT for the operator.

WAIT never ends by itself: the agent's deadline turns the last reason into
the start failure's exit reason.

Stdlib only; imports nothing of hastack.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import NamedTuple

ZERO_UUID = "00000000-0000-0000-0000-000000000000"
_UUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
_RECOVERED = re.compile(r"WSREP: Recovered position:\s*(\S+)")

# What a node reports about itself (its phase), in the value of its node attribute.
RECOVERED, BOOTSTRAPPING, JOINING, PRIMARY = "recovered", "bootstrapping", "joining", "primary"
PHASES = (RECOVERED, BOOTSTRAPPING, JOINING, PRIMARY)

BOOTSTRAP, JOIN, WAIT = "bootstrap", "join", "wait"

# wsrep_local_state values (galera's gcs/src/gcs.hpp GCS_NODE_STATE_*).
JOINING_STATE, DONOR_STATE, JOINED_STATE, SYNCED_STATE = 1, 2, 3, 4


class Position(NamedTuple):
    """A node's place in a cluster history: the history UUID and the last committed seqno (-1: unknown)."""

    uuid: str
    seqno: int

    @property
    def fresh(self) -> bool:
        """Never part of any cluster (no history at all)."""
        return self.uuid in ("", ZERO_UUID)

    @property
    def known(self) -> bool:
        return not self.fresh and self.seqno >= 0

    def __str__(self) -> str:
        return f"{self.uuid or ZERO_UUID}:{self.seqno}"


UNKNOWN = Position(ZERO_UUID, -1)


def parse_position(text: str) -> Position | None:
    """`UUID:SEQNO` as Galera prints it; None when it is not one."""
    uuid, sep, seqno = text.strip().rpartition(":")
    if not sep or not _UUID.match(uuid):
        return None
    try:
        return Position(uuid.lower(), int(seqno))
    except ValueError:
        return None


class GraState(NamedTuple):
    """grastate.dat: the position Galera saved at its last clean stop (seqno -1 after a crash)."""

    position: Position
    safe_to_bootstrap: bool


def parse_grastate(text: str) -> GraState:
    """Missing fields read as unknown: a half-written file must never look safe."""
    fields: dict[str, str] = {}
    for line in text.splitlines():
        key, sep, value = line.partition(":")
        if sep and not line.startswith("#"):
            fields[key.strip()] = value.strip()
    uuid = fields.get("uuid", "").lower()
    try:
        seqno = int(fields.get("seqno", "-1"))
    except ValueError:
        seqno = -1
    return GraState(Position(uuid if _UUID.match(uuid) else ZERO_UUID, seqno),
                    fields.get("safe_to_bootstrap") == "1")


def grastate_safe_to_bootstrap(text: str) -> str:
    """The file with `safe_to_bootstrap: 1`: Galera refuses --wsrep-new-cluster on a node without it."""
    lines = text.splitlines()
    out = [("safe_to_bootstrap: 1" if line.partition(":")[0].strip() == "safe_to_bootstrap" else line)
           for line in lines]
    if out == lines and not any(line.startswith("safe_to_bootstrap") for line in lines):
        out.append("safe_to_bootstrap: 1")
    return "\n".join(out) + "\n"


def parse_recovered(log: str) -> Position | None:
    """The position `mariadbd --wsrep-recover` logged ("WSREP: Recovered position: UUID:SEQNO"), the
    last one when it logged several; None when recovery printed none (it failed)."""
    found = _RECOVERED.findall(log)
    return parse_position(found[-1]) if found else None


def position_to_start_from(grastate: GraState | None, recovered: Position | None) -> Position:
    """grastate.dat's seqno when it has one (a clean stop wrote it), else what recovery found."""
    if grastate is not None and grastate.position.known:
        return grastate.position
    if recovered is not None:
        if recovered.fresh and grastate is not None and not grastate.position.fresh:
            # InnoDB holds no wsrep checkpoint but grastate.dat names a history: unknown, not fresh
            return Position(grastate.position.uuid, -1)
        return recovered
    return Position(grastate.position.uuid, -1) if grastate is not None else UNKNOWN


def needs_recovery(grastate: GraState | None, has_database: bool) -> bool:
    """Run --wsrep-recover when the saved seqno is lost (a crash) and there is a database to read."""
    return has_database and (grastate is None or not grastate.position.known)


# --- what nodes report to each other ---------------------------------------------------------------

class Report(NamedTuple):
    """What one instance publishes as its node attribute: phase, position, safe_to_bootstrap."""

    phase: str
    position: Position
    safe_to_bootstrap: bool = False


def encode_report(report: Report) -> str:
    return f"{report.phase} {report.position} safe={int(report.safe_to_bootstrap)}"


def parse_report(text: str | None) -> Report | None:
    """None for anything that is not a report (absent, or written by something else)."""
    if not text:
        return None
    parts = text.split()
    if len(parts) != 3 or parts[0] not in PHASES or parts[2] not in ("safe=0", "safe=1"):
        return None
    position = parse_position(parts[1])
    if position is None:
        return None
    return Report(parts[0], position, parts[2] == "safe=1")


class Peer(NamedTuple):
    """Another node of the cluster as this node sees it now.

    `reachable`: its Galera port accepted a connection (the agent checks only peers that report
    `primary`: a report outlives a node killed with its host)."""

    name: str
    report: Report | None
    reachable: bool = False


class Decision(NamedTuple):
    verdict: str  # BOOTSTRAP, JOIN or WAIT
    reason: str


def _names(names: Sequence[str]) -> str:
    return ", ".join(names)


def _most_advanced(nodes: Sequence[tuple[str, Report]]) -> str:
    """The highest seqno; ties go to the first name, so every node computes the same winner."""
    return min(nodes, key=lambda nr: (-nr[1].position.seqno, nr[0]))[0]


def decide(me: str, mine: Report, peers: Sequence[Peer]) -> Decision:
    """Bootstrap here, join a running cluster, or wait (see the module docstring for the rules)."""
    running = sorted(p.name for p in peers if p.report and p.report.phase == PRIMARY and p.reachable)
    if running:
        return Decision(JOIN, f"{_names(running)} {'is' if len(running) == 1 else 'are'} in the primary component")
    booting = sorted(p.name for p in peers if p.report and p.report.phase == BOOTSTRAPPING)
    if booting:
        return Decision(WAIT, f"waiting for {_names(booting)} to bootstrap the cluster")

    reported = [(me, mine)] + [(p.name, p.report) for p in peers
                               if p.report is not None and p.report.phase != PRIMARY]
    safe = [(n, r) for n, r in reported if r.safe_to_bootstrap and r.position.known]
    if safe:
        winner = _most_advanced(safe)
        if winner == me:
            return Decision(BOOTSTRAP, f"safe_to_bootstrap is 1 here, at {mine.position}")
        return Decision(WAIT, f"waiting for {winner} (safe_to_bootstrap: 1) to bootstrap the cluster")

    silent = sorted(p.name for p in peers if p.report is None or p.report.phase == PRIMARY)
    if silent:
        stale = [p.name for p in peers if p.report is not None and p.report.phase == PRIMARY]
        note = f" ({_names(sorted(stale))}: reported primary, but its Galera port does not answer)" if stale else ""
        return Decision(WAIT, f"no primary component; waiting for {_names(silent)} to report "
                              f"{'its' if len(silent) == 1 else 'their'} position{note}")

    histories = sorted({r.position.uuid for _, r in reported if not r.position.fresh})
    if len(histories) > 1:
        where = "; ".join(f"{n} {r.position}" for n, r in sorted(reported))
        return Decision(WAIT, f"the nodes hold different histories ({where}): choose the node to bootstrap "
                              "from and set safe_to_bootstrap: 1 in its grastate.dat")

    known = [(n, r) for n, r in reported if r.position.known]
    if known:
        winner = _most_advanced(known)
        best = dict(known)[winner].position
        if winner == me:
            return Decision(BOOTSTRAP, f"most advanced position {best} of all {len(reported)} nodes")
        return Decision(WAIT, f"waiting for {winner}, the most advanced node ({best}), to bootstrap the cluster")

    unknown = sorted(n for n, r in reported if not r.position.fresh)
    if unknown:
        return Decision(WAIT, f"no node knows its position ({_names(unknown)} have a history but seqno -1): "
                              "recover one by hand and set safe_to_bootstrap: 1 in its grastate.dat")
    first = min(n for n, _ in reported)
    if first == me:
        return Decision(BOOTSTRAP, f"a new cluster: all {len(reported)} nodes are empty, {me} is the first")
    return Decision(WAIT, f"a new cluster: waiting for {first} to bootstrap it")


# --- what the server says about itself ------------------------------------------------------------

class Status(NamedTuple):
    """The wsrep status variables the monitor reads."""

    local_state: int
    state_comment: str
    cluster_status: str
    ready: bool
    cluster_size: int
    position: Position


def parse_status(text: str) -> Status | None:
    """`SHOW GLOBAL STATUS` output as `name<TAB>value` lines (mariadb -N -B); None without wsrep."""
    values: dict[str, str] = {}
    for line in text.splitlines():
        name, sep, value = line.partition("\t")
        if sep:
            values[name.strip().lower()] = value.strip()
    if "wsrep_local_state" not in values:
        return None

    def num(name: str, default: int) -> int:
        try:
            return int(values.get(name, default))
        except ValueError:
            return default
    uuid = values.get("wsrep_cluster_state_uuid", "")
    return Status(local_state=num("wsrep_local_state", 0),
                  state_comment=values.get("wsrep_local_state_comment", "?"),
                  cluster_status=values.get("wsrep_cluster_status", "?"),
                  ready=values.get("wsrep_ready", "").upper() == "ON",
                  cluster_size=num("wsrep_cluster_size", 0),
                  position=Position(uuid.lower() if _UUID.match(uuid) else ZERO_UUID,
                                    num("wsrep_last_committed", -1)))


def is_member(status: Status | None) -> bool:
    """A usable member: in the primary component, ready, and Synced (or serving as a donor)."""
    return (status is not None and status.cluster_status == "Primary" and status.ready
            and status.local_state in (SYNCED_STATE, DONOR_STATE))


def describe(status: Status | None) -> str:
    if status is None:
        return "not answering on its socket"
    return f"{status.state_comment} in a {status.cluster_status} component (ready={'ON' if status.ready else 'OFF'})"


class Verdict(NamedTuple):
    rc: int
    reason: str
    unhealthy_since: float | None  # when the agent first saw the server not a member (to keep)


def monitor_verdict(alive: bool, status: Status | None, promoted: bool, unhealthy_since: float | None,
                    now: float, grace_s: float) -> Verdict:
    """7 not running; 0 (8 promoted) a member, or not one for less than grace_s; 1 after that.

    The grace covers a start or a state transfer in progress and a short non-primary spell while
    Galera evicts a dead peer (evs.suspect_timeout)."""
    running_rc = 8 if promoted else 0
    if not alive:
        return Verdict(7, "", None)
    if is_member(status):
        return Verdict(running_rc, "", None)
    since = now if unhealthy_since is None or unhealthy_since > now else unhealthy_since
    if now - since > grace_s:
        return Verdict(1, f"mariadbd runs but has been {describe(status)} for {now - since:.0f} s "
                          f"(grace {grace_s:g} s)", since)
    return Verdict(running_rc, "", since)


def promotion_score(status: Status | None, writer: bool = False) -> int | None:
    """Synced members may be the writer; anything else must not (None: no score). The writer scores
    higher: with equal scores the scheduler's tie-break moved the writer back to a node that rejoined
    (a demote and a promote for nothing: 4 s of MySQL errors in the lab's demo)."""
    if is_member(status) and status is not None and status.local_state == SYNCED_STATE:
        return 200 if writer else 100
    return None


# --- the configuration: which node is which Galera address ------------------------------------------

def parse_gcomm(text: str) -> list[str] | None:
    """`gcomm://a,b,c` -> ["a", "b", "c"]; None when it is not a non-empty gcomm:// list."""
    text = text.strip()
    if not text.startswith("gcomm://"):
        return None
    hosts = [h.strip() for h in text[len("gcomm://"):].split("?")[0].split(",")]
    return hosts if hosts and all(hosts) else None


def parse_host_map(text: str) -> dict[str, str] | None:
    """`node1:addr1;node2:addr2` (heartbeat's cluster_host_map) -> {node: addr}; None when malformed."""
    out: dict[str, str] = {}
    for item in (i.strip() for i in text.replace(",", ";").split(";")):
        if not item:
            continue
        node, sep, addr = item.partition(":")
        if not sep or not node.strip() or not addr.strip() or node.strip() in out:
            return None
        out[node.strip()] = addr.strip()
    return out


def cluster_nodes(addresses: Sequence[str], host_map: dict[str, str]) -> dict[str, str] | str:
    """{cluster node name: Galera address} for every address of wsrep_cluster_address, or what is wrong.

    Without a map, node names are the addresses themselves (as in heartbeat's galera agent)."""
    if not host_map:
        return {a: a for a in addresses}
    by_address = {addr: node for node, addr in host_map.items()}
    unmapped = [a for a in addresses if a not in by_address]
    if unmapped:
        return f"cluster_host_map names no node for {', '.join(unmapped)} of wsrep_cluster_address"
    extra = sorted(n for n, a in host_map.items() if a not in addresses)
    if extra:
        return f"cluster_host_map maps {', '.join(extra)} to an address missing from wsrep_cluster_address"
    return {by_address[a]: a for a in addresses}


# --- node-gone: which Galera member to evict -----------------------------------------------------------

class Member(NamedTuple):
    """One row of mysql.wsrep_cluster_members: the member's gcomm UUID, wsrep_node_name, incoming address."""

    uuid: str
    name: str
    incoming: str  # host:port clients use (wsrep_node_incoming_address), "AUTO" when unset


def parse_members(text: str) -> list[Member]:
    """`SELECT node_uuid, node_name, node_incoming_address FROM mysql.wsrep_cluster_members` in batch mode."""
    out = []
    for line in text.splitlines():
        fields = line.split("\t")
        if len(fields) == 3 and _UUID.match(fields[0]):
            out.append(Member(*fields))
    return out


def _host(incoming: str) -> str:
    """The host of `host:port`, `[v6]:port` or a bare host."""
    if incoming.startswith("["):
        return incoming[1:].split("]", 1)[0]
    return incoming.rsplit(":", 1)[0] if incoming.count(":") == 1 else incoming


def member_to_evict(members: Sequence[Member], node: str, address: str, own_uuid: str) -> Member | None:
    """The member that is cluster node `node` (Galera address `address`): matched by its incoming address's
    host, else by wsrep_node_name -- never this server itself. None when it is not a member (any more)."""
    others = [m for m in members if m.uuid != own_uuid]
    for m in others:
        if _host(m.incoming) == address:
            return m
    for m in others:
        if m.name == node:
            return m
    return None
