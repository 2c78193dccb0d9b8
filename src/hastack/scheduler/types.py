"""The scheduler's output values: a Transition and what it is made of.

Everything here is frozen data. Imports nothing of hastack but the model.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

from hastack.model.values import AgentRef, Role


def _frozen_map() -> Mapping[str, object]:
    return MappingProxyType({})


DEFAULT_TIMEOUT_MS = 20_000  # Pacemaker's default operation timeout


@dataclass(frozen=True)
class Placement:
    """Where a resource instance should be after the transition, and in which role."""

    node: str | None
    role: Role


@dataclass(frozen=True)
class Action:
    """One step of the transition graph.

    `task` is start/stop/monitor/promote/demote/notify/cancel/stonith or a pseudo
    task such as running/stopped/notified; a probe is `monitor` with interval 0.
    `after` lists the ids of actions that must complete first (a recurring monitor
    waits for its resource's start, and promote or demote, on its node). An action
    that is not `optional` is scheduled -- exactly the actions in Pacemaker's
    transition graph, including an already pending start that Pacemaker re-issues;
    one that is not `runnable` cannot be executed in this transition (blocked: no
    quorum, an unrunnable prerequisite, ...).

    The action set is Pacemaker 2.1.5's: role=Stopped recurring monitors (expecting
    rc 7) where a resource is not to run; clone notifications for `notify=true`
    clones (a `notify` action per instance and node, between the clone's pseudo
    `notify`/`notified` actions, with the notify_* variables in `meta`); `cancel`
    of a recurring monitor that is orphaned, disabled, in maintenance mode, or
    configured for a role the resource is leaving (`meta["operation"]` names the
    cancelled operation, `interval_ms` its interval). As in Pacemaker, a stop
    has no cancel actions: the executor stops a resource's recurring monitors
    when it stops the resource. A live migration (allow-migrate) is a
    `migrate_to` on the source and a `migrate_from` on the target (both with
    `meta["migrate_source"]`/`meta["migrate_target"]`, recorded with them), then
    the stop on the source; the start on the target is then a pseudo action.
    A changed definition that the agent can take without a restart is a
    `reload-agent` (recorded as the start it stands for). Not modelled:
    history deletions.

    What an executor needs, set on every scheduled action (not `optional`) of a
    resource on a node; optional actions keep the defaults:

    - `key`: Pacemaker's operation key `RSC_TASK_INTERVAL` as its graph writes it
      (`db_monitor_10000`; a clone instance by the name the node's history knows
      it by, else `db:1_start_0`; a notification `db:0_pre_notify_start_0`; a
      cancel the key of the operation it cancels). Pseudo actions of resources
      have their key too; fencing and the clone-min points have "".
    - `target_rc`: the rc that means success (CRM_meta_op_target_rc): 7 for a
      probe where the resource is not running and for role=Stopped monitors, 8
      for Promoted monitors and for a probe of a promoted instance, else 0.
    - `digest`: the op-digest the result is recorded with (None for notify and
      cancel, which leave no history).
    - `history_id`: the node's lrm_resource entry the result belongs to.
    - `agent`, `params` (instance attributes evaluated for the node, the
      operation's own first: OCF_RESKEY_*), `meta` (the CRM_meta_* values without
      the prefix, '-' spelled '_': timeout and interval in ms, name, role,
      on_fail, on_node, on_node_uuid, clone, clone_max, clone_node_max, notify,
      globally_unique, promoted_max, ..., op_target_rc, and for notifications
      notify_type, notify_operation and the notify_*_resource/_uname lists) and
      `timeout_ms` (op timeout, op_defaults applied, 20000 by default).
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
    key: str = ""
    target_rc: int = 0
    digest: str | None = None
    history_id: str | None = None
    agent: AgentRef | None = None
    params: Mapping[str, str] = field(default_factory=_frozen_map)  # type: ignore[arg-type]
    meta: Mapping[str, str] = field(default_factory=_frozen_map)  # type: ignore[arg-type]
    timeout_ms: int = DEFAULT_TIMEOUT_MS


@dataclass(frozen=True)
class Contribution:
    """One input to a resource's score on a node, in plain words."""

    node: str
    delta: int
    source: str
    text: str


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
