"""Tiny hand-built models for the scheduler unit tests (no XML, no mocks); imported by test_scheduler_unit_*.py."""

from __future__ import annotations

from hastack.model.config import AttrSet, Clone, Colocation, Configuration, Group, Location, Node, Op, Order, Primitive
from hastack.model.state import ClusterState, NodeState, OpRecord, ResourceHistory
from hastack.model.values import AgentRef
from hastack.scheduler.digest import digest_of

DUMMY = AgentRef("ocf", "Dummy", "pacemaker")
UUID = "xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx"


def props(**kw: str) -> tuple[AttrSet, ...]:
    pairs = {"stonith-enabled": "false", **{k.replace("_", "-"): v for k, v in kw.items()}}
    return (AttrSet("opts", tuple(pairs.items())),)


def meta(**kw: str) -> tuple[AttrSet, ...]:
    return (AttrSet("meta", tuple((k.replace("_", "-"), v) for k, v in kw.items())),) if kw else ()


def prim(rid: str, ops: tuple[Op, ...] = (), **kw: str) -> Primitive:
    return Primitive(rid, DUMMY, meta=meta(**kw), ops=ops)


def config(nodes: list[str], resources: list[object], constraints: list[object] = (),  # type: ignore[assignment]
           **options: str) -> Configuration:
    return Configuration(
        nodes=tuple(Node(n, n) for n in nodes),
        resources={r.id: r for r in resources},  # type: ignore[attr-defined]
        constraints=tuple(constraints),  # type: ignore[arg-type]
        properties=props(**options),
    )


def op(task: str, rc: int = 0, call: int = 1, interval: int = 0, expected: int = 0, status: int = 0,
       last_change: int | None = None) -> OpRecord:
    # Digests as Pacemaker records them for a parameterless resource with default timeouts.
    digest = digest_of({"CRM_meta_timeout": "20000"} if interval else {})
    return OpRecord(id=f"{task}_{interval}_{call}", operation=task, call_id=call, rc_code=rc, op_status=status,
                    interval_ms=interval, transition_key=f"1:1:{expected}:{UUID}", last_rc_change=last_change,
                    op_digest=digest)


def started(rid: str) -> ResourceHistory:
    return ResourceHistory(rid, DUMMY, (op("start"),))


def not_running(rid: str) -> ResourceHistory:
    return ResourceHistory(rid, DUMMY, (op("monitor", rc=7, expected=7),))


def node_state(name: str, *histories: ResourceHistory, online: bool = True,
               attrs: dict[str, str] | None = None, expected: str = "member") -> NodeState:
    return NodeState(id=name, uname=name, in_ccm="true" if online else "false",
                     crmd="online" if online else "offline", join="member" if online else "down",
                     expected=expected, resources=tuple(histories), attributes=attrs or {})


def state(*nodes: NodeState, quorum: bool = True) -> ClusterState:
    return ClusterState(nodes={n.id: n for n in nodes}, have_quorum=quorum)


__all__ = ["Clone", "Colocation", "Group", "Location", "Op", "Order", "config", "node_state", "not_running",
           "op", "prim", "started", "state", "meta"]
