"""One action of one resource: what to run (ActionRequest) and what came back (ActionResult).

Plain frozen data. The request carries everything the agent's environment is
built from (parameters, meta attributes, clone and notify facts); the result
carries rc, executor status, exit reason, output (already masked), timing
and Pacemaker's interpretation of it.

Imports nothing of hastack beyond the model and agents.codes.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from hastack.agents.codes import ExecStatus, Outcome, interpret, rc_meaning, rc_name
from hastack.model.values import AgentRef, Role

ACTIONS = ("start", "stop", "monitor", "promote", "demote", "notify", "reload", "reload-agent",
           "migrate_to", "migrate_from", "meta-data", "validate-all", "status")
STONITH_ACTIONS = ("on", "off", "reboot", "status", "monitor", "list", "metadata", "meta-data",
                   "validate-all", "start", "stop")
DEFAULT_TIMEOUT_MS = 20_000


@dataclass(frozen=True)
class CloneInfo:
    """Clone facts of the instance being run (absent for primitives)."""

    instance: int = 0
    clone_max: int = 1
    clone_node_max: int = 1
    promoted_max: int | None = None  # set for promotable clones
    promoted_node_max: int | None = None
    globally_unique: bool = False
    notify: bool = False


@dataclass(frozen=True)
class NotifyInfo:
    """The notification lists of a clone action; each list holds instance or node names.

    `type`/`operation` are set only for the notify action itself; the
    start/stop/promote/demote actions of a notify=true clone carry the lists alone.
    """

    type: str | None = None  # pre | post
    operation: str | None = None  # start | stop | promote | demote
    start: tuple[tuple[str, str], ...] = ()  # (instance, node)
    stop: tuple[tuple[str, str], ...] = ()
    promote: tuple[tuple[str, str], ...] = ()
    demote: tuple[tuple[str, str], ...] = ()
    active: tuple[tuple[str, str], ...] = ()
    promoted: tuple[tuple[str, str], ...] = ()
    unpromoted: tuple[tuple[str, str], ...] = ()
    inactive: tuple[str, ...] = ()  # instances, no node list
    available_nodes: tuple[str, ...] = ()
    all_nodes: tuple[str, ...] = ()


@dataclass(frozen=True)
class ActionRequest:
    """Run `action` of resource `resource_id` (an instance name like `p:0` for clones)."""

    agent: AgentRef
    action: str
    resource_id: str = ""
    params: tuple[tuple[str, str], ...] = ()
    meta: tuple[tuple[str, str], ...] = ()  # resource meta attributes, names as written
    op_params: tuple[tuple[str, str], ...] = ()  # op instance attributes, e.g. OCF_CHECK_LEVEL
    interval_ms: int = 0
    timeout_ms: int = DEFAULT_TIMEOUT_MS
    role: Role | None = None
    target_rc: int | None = None
    node: str | None = None
    clone: CloneInfo | None = None
    notify: NotifyInfo | None = None
    migrate_source: str | None = None
    migrate_target: str | None = None
    secret_names: frozenset[str] = frozenset()  # extra parameter names to mask (from meta-data)

    @property
    def is_probe(self) -> bool:
        return self.action == "monitor" and self.interval_ms == 0

    @property
    def key(self) -> str:
        """Pacemaker's operation key: rsc_action_interval."""
        return f"{self.resource_id}_{self.action}_{self.interval_ms}"

    def param(self, name: str, default: str | None = None) -> str | None:
        for k, v in self.params:
            if k == name:
                return v
        return default


@dataclass(frozen=True)
class ActionResult:
    """The result of one action. stdout/stderr/exit_reason are masked of secret values."""

    request: ActionRequest
    rc: int
    status: ExecStatus
    exit_reason: str = ""
    stdout: str = ""
    stderr: str = ""
    duration_ms: int = 0
    cpu_ms: int = 0  # user + system time of the agent and its waited-for children
    started_at: float = 0.0  # epoch seconds, for the operation history
    detail: str = ""  # executor's own explanation for non-DONE statuses
    outcome: Outcome = field(init=False)

    def __post_init__(self) -> None:
        r = self.request
        object.__setattr__(self, "outcome", interpret(r.action, self.rc, self.status,
                                                      interval_ms=r.interval_ms, target_rc=r.target_rc))

    @property
    def ok(self) -> bool:
        return self.outcome.ok

    def summary(self) -> str:
        """`ip1 monitor (interval 10s): rc 7 (not running) — ok, not running here`."""
        r = self.request
        what = f"{r.resource_id or r.agent} {r.action}"
        if r.action == "monitor":
            what += " (probe)" if r.interval_ms == 0 else f" (interval {r.interval_ms}ms)"
        head = f"{what}: rc={self.rc} {rc_name(self.rc)} ({rc_meaning(self.rc)})"
        if self.status is not ExecStatus.DONE:
            head += f", status {self.status.label}"
        tail = f" -- {self.exit_reason}" if self.exit_reason else ""
        return f"{head}, {self.duration_ms}ms: {self.outcome.sentence()}{tail}"
