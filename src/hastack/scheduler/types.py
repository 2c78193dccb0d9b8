"""The scheduler's output values: a Transition and what it is made of.

Everything here is frozen data. Imports nothing of hastack but the model.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

from hastack.model.values import Role


@dataclass(frozen=True)
class Placement:
    """Where a resource instance should be after the transition, and in which role."""

    node: str | None
    role: Role


@dataclass(frozen=True)
class Action:
    """One step of the transition graph.

    `task` is start/stop/monitor/promote/demote/notify/stonith or a pseudo
    task such as running/stopped; a probe is `monitor` with interval 0.
    `after` lists the ids of actions that must complete first (a recurring monitor
    waits for its resource's start, and promote or demote, on its node). An action
    that is not `optional` is scheduled -- exactly the actions in Pacemaker's
    transition graph, including an already pending start that Pacemaker re-issues;
    one that is not `runnable` cannot be executed in this transition (blocked: no
    quorum, an unrunnable prerequisite, ...). Not modelled: notifications,
    cancellations of recurring monitors, history deletions, and monitors for the
    Stopped role.
    """

    id: int
    task: str
    rsc: str | None
    node: str | None
    interval_ms: int = 0
    pseudo: bool = False
    optional: bool = False
    after: tuple[int, ...] = ()
    reason: str = ""
    runnable: bool = True


@dataclass(frozen=True)
class Contribution:
    """One input to a resource's score on a node, in plain words."""

    node: str
    delta: int
    source: str
    text: str


def _frozen_map() -> Mapping[str, object]:
    return MappingProxyType({})


@dataclass(frozen=True)
class Transition:
    """The decision: where each instance should be, the action graph that gets it there, and why.

    `resource_order` lists every resource (groups, clones and instances included) in the order
    Pacemaker writes their actions into its transition graph -- top-level resources in
    configuration order, each one's own actions before its children's -- which is the order a
    graph runner fires actions that are ready together (hastack.graphrun).
    """

    placement: Mapping[str, Placement] = field(default_factory=_frozen_map)  # type: ignore[arg-type]
    actions: tuple[Action, ...] = ()
    scores: Mapping[str, Mapping[str, int]] = field(default_factory=_frozen_map)  # type: ignore[arg-type]
    contributions: Mapping[str, tuple[Contribution, ...]] = field(default_factory=_frozen_map)  # type: ignore[arg-type]
    recheck_at: int | None = None
    summary: tuple[str, ...] = ()
    resource_order: tuple[str, ...] = ()
