"""The action graph under construction: actions, their flags and the orderings between them.

Owns the action records (optional/runnable/pseudo flags and reasons, as
Pacemaker's pe_action_t), ordering flags, and lookup of a resource's
actions by task and node.

Imports only the scheduler's working records.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import IntFlag

from hastack.scheduler.working import WNode, WRsc


class O(IntFlag):
    """Ordering flags (Pacemaker's enum pe_ordering)."""

    NONE = 0
    OPTIONAL = 1 << 0
    IMPLIES_THEN = 1 << 1
    IMPLIES_FIRST = 1 << 2
    PROMOTED_IMPLIES_FIRST = 1 << 3
    RUNNABLE_LEFT = 1 << 4
    PSEUDO_LEFT = 1 << 5
    RESTART = 1 << 6
    ASYMMETRICAL = 1 << 7
    IMPLIES_THEN_PRINTED = 1 << 8
    IMPLIES_FIRST_PRINTED = 1 << 9
    SAME_NODE = 1 << 10
    PRESERVE = 1 << 11
    ONE_OR_MORE = 1 << 12
    SERIALIZE = 1 << 13
    LOAD = 1 << 14  # a node's capacity: kept in the graph only between actions on the same node
    IMPLIES_FIRST_MIGRATABLE = 1 << 15  # 'then' not migratable or unrunnable: 'first' cannot run
    APPLY_FIRST_NON_MIGRATABLE = 1 << 16  # holds only when 'first' is not part of a migration
    THEN_CANCELS_FIRST = 1 << 17  # a required 'then' makes 'first' unnecessary (a stop, a reload)


def graph_input(then: "Act", first: "Act", flags: O) -> bool:
    """Whether an ordering is an edge of the transition graph (should_add_input_to_graph, the
    part that concerns orderings of their own kind): a load ordering only ties actions on one
    node, and only after a required action (a stop that frees the capacity); the orderings a
    live migration adds hold only while their 'first' is (or is not) part of the migration."""
    if not flags:
        return False
    if flags & O.IMPLIES_FIRST_MIGRATABLE and not first.runnable:
        return False
    if flags & O.APPLY_FIRST_NON_MIGRATABLE and first.migrate_runnable:
        return False
    if flags == O.OPTIONAL and first.migrate_runnable and first.task == "stop":
        return False  # a migrating resource's stop waits for nothing optional
    if flags == O.LOAD:
        # a migrate_to runs on the source but loads the node the resource moves to
        where = then.rsc.allocated_to if then.task == "migrate_to" and then.rsc is not None else then.node
        return first.node is not None and first.node is where and not first.optional
    return True


@dataclass(eq=False)
class Act:
    id: int
    task: str
    rsc: WRsc | None
    node: WNode | None
    interval_ms: int = 0
    optional: bool = True
    runnable: bool = True
    pseudo: bool = False
    reason: str | None = None
    needs: str = "nothing"
    print_always: bool = False
    requires_any: bool = False  # runnable once required_runnable_before of its inputs are
    required_runnable_before: int = 1
    runnable_before: int = 0
    before: list[list] = field(default_factory=list)  # [first Act, O] entries, self is "then"
    after: list[list] = field(default_factory=list)  # [then Act, O] entries, self is "first"
    target_rc: int = 0  # the rc that means success (7: expected not running, 8: promoted)
    # meta values the scheduler adds beyond the operation's definition (a cancel's operation and
    # call id, a notification's type and variables), as Pacemaker's action->meta holds them
    meta: dict[str, str] | None = None
    notify_of: str | None = None  # a clone's notification pseudo-action: the task it notifies about
    # pe_action_migrate_runnable: this action can be part of a live migration (set on the
    # migration's start/stop/migrate_to/migrate_from, cleared when an ordering forbids it)
    migrate_runnable: bool = False
    dangle: bool = False  # the stop that finishes a migration whose migrate_from already succeeded
    fence_rsc: str | None = None  # a guest's pseudo fencing: the container recovered for it

    def add_meta(self, values: dict[str, str]) -> None:
        """Pacemaker's add_hash_param: a value already there is kept."""
        if self.meta is None:
            self.meta = dict(values)
            return
        for k, v in values.items():
            self.meta.setdefault(k, v)

    def set_reason(self, reason: str | None, overwrite: bool) -> None:
        if self.reason is not None and not overwrite:
            return
        self.reason = reason


class Graph:
    def __init__(self) -> None:
        self.actions: list[Act] = []
        self.by_rsc: dict[int, list[Act]] = {}

    def new(self, task: str, rsc: WRsc | None, node: WNode | None, optional: bool = True,
            interval_ms: int = 0, pseudo: bool = False) -> Act:
        a = Act(len(self.actions), task, rsc, node, interval_ms, optional, True, pseudo)
        self.actions.append(a)
        if rsc is not None:
            self.by_rsc.setdefault(id(rsc), []).append(a)
        return a

    def of(self, rsc: WRsc) -> list[Act]:
        """A resource's actions, newest first (Pacemaker prepends to rsc->actions)."""
        return self.by_rsc.get(id(rsc), [])[::-1]

    def find(self, rsc: WRsc, task: str, node: WNode | None, interval_ms: int = 0,
             exact: bool = False) -> list[Act]:
        out = []
        for a in self.of(rsc):
            if a.task != task or a.interval_ms != interval_ms:
                continue
            if node is None or a.node is None and not exact or a.node is node:
                out.append(a)
        return out

    def first(self, rsc: WRsc, task: str, node: WNode | None = None) -> Act | None:
        """find_first_action: the newest such action; given a node, only one on that node
        (unlike find(), an action with no node yet does not match a node)."""
        for a in self.of(rsc):
            if a.task == task and a.interval_ms == 0 and (node is None or a.node is node):
                return a
        return None

    @staticmethod
    def order(first: Act | None, then: Act | None, flags: O) -> bool:
        if first is None or then is None or flags == O.NONE:
            return False
        for entry in first.after:
            if entry[0] is then and entry[1] & flags:
                return False
        first.after.insert(0, [then, flags])
        then.before.insert(0, [first, flags])
        return True
