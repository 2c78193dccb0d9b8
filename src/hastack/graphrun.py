"""Running a transition graph: which actions may start now, and what a result does to the rest.

Owns the step semantics of Pacemaker's graph runner (pcmk__execute_graph and
pcmk__update_graph in lib/pacemaker/pcmk_graph_consumer.c, with the
controller's reading of a result) over a scheduler Transition:

- the graph is the transition's required, runnable actions; an action waits
  for the actions of its `after` that are in the graph (an ordering on an
  optional or blocked action constrains nothing, as in Pacemaker's graph);
- an executable action is ready once every prerequisite completed; a pseudo
  action is an ordering point that completes by itself at that moment;
- a result is expected when the executor finished the action and its rc,
  degraded codes read as their plain ones, is the action's `target_rc`; any
  other result aborts the graph: nothing new starts, actions in flight still
  finish, and the caller schedules again (the cluster has changed);
- firing order, for actions ready together, is the order of Pacemaker's
  graph: by resource in `Transition.resource_order` (configuration order, a
  group's or clone's own actions before its members'), a resource's newest
  action first, then the actions of no resource (fencing) newest first.

`ready()`/`start()`/`finish()` is the step API the DC drives as results come
in; `sweep()` runs the same graph the way crm_simulate does, synchronously
(hastack.simulate). Pure: no clock, no I/O; the caller runs the actions.

Imports only hastack.scheduler's public names, the model and errors.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from hastack.errors import HastackError
from hastack.model.results import ExecStatus, Reading, classify, effective_rc
from hastack.scheduler import Action, Transition


@dataclass(frozen=True)
class Verdict:
    """What one result did to the graph: `expected` results let it go on, others abort it.
    `reading` is what the result means for the resource (hastack.model.results.classify)."""

    action: Action
    rc: int
    status: int
    target_rc: int
    expected: bool
    reading: Reading


class GraphRun:
    """One run of one transition's graph. Not thread-safe: one owner feeds it results."""

    def __init__(self, transition: Transition) -> None:
        graph = [a for a in transition.actions if not a.optional and a.runnable]
        rank = {rid: i for i, rid in enumerate(transition.resource_order)}
        last = len(rank)
        self._order = sorted(graph, key=lambda a: (rank.get(a.rsc, last) if a.rsc else last + 1, -a.id))
        self._pos = {a.id: i for i, a in enumerate(self._order)}
        self._actions = {a.id: a for a in graph}
        self._waiting: dict[int, int] = {}  # prerequisites not completed yet
        self._dependents: dict[int, list[int]] = {a.id: [] for a in graph}
        for a in graph:
            pre = {p for p in a.after if p in self._actions}
            self._waiting[a.id] = len(pre)
            for p in pre:
                self._dependents[p].append(a.id)
        self._free = {a.id for a in graph if not self._waiting[a.id]}  # prerequisites done, not started
        self._started: set[int] = set()
        self._in_flight: set[int] = set()
        self._aborted = False

    # --- the step API -----------------------------------------------------------------------

    def ready(self) -> list[Action]:
        """Executable actions whose prerequisites completed and that were not started, in firing
        order; pseudo actions whose prerequisites completed complete here. Empty once aborted."""
        if self._aborted:
            return []
        self._complete_free_pseudo()
        return sorted((self._actions[i] for i in self._free), key=lambda a: self._pos[a.id])

    def start(self, action_id: int) -> None:
        """The caller started `action_id` (one `ready()` returned)."""
        a = self._actions.get(action_id)
        if a is None or a.pseudo or action_id not in self._free or self._aborted:
            raise HastackError(f"action {action_id} cannot start: {self._why_not(action_id)}")
        self._free.discard(action_id)
        self._started.add(action_id)
        self._in_flight.add(action_id)

    def finish(self, action_id: int, rc: int, status: int = ExecStatus.DONE) -> Verdict:
        """Record the result of a started action. A result that is not the expected one aborts
        the graph: no new action becomes ready; those in flight may still finish."""
        if action_id not in self._in_flight:
            raise HastackError(f"action {action_id} did not start, or has finished already")
        self._in_flight.discard(action_id)
        a = self._actions[action_id]
        target = a.target_rc
        expected = status == ExecStatus.DONE and effective_rc(rc) == target
        if expected:
            self._complete(action_id)
        else:
            self._aborted = True
        return Verdict(a, rc, int(status), target, expected, classify(a.task, a.interval_ms, rc, status, target))

    @property
    def in_flight(self) -> frozenset[int]:
        return frozenset(self._in_flight)

    @property
    def aborted(self) -> bool:
        return self._aborted

    @property
    def complete(self) -> bool:
        """Nothing more will ever become ready: all done, or aborted (or stuck) with nothing in
        flight. Pseudo actions that could complete do so first."""
        if self._in_flight:
            return False
        if self._aborted:
            return True
        self._complete_free_pseudo()
        return not self._free

    def executable(self) -> list[Action]:
        """Every action of the graph an executor runs (not the pseudo ones), in firing order."""
        return [a for a in self._order if not a.pseudo]

    def skipped(self) -> list[Action]:
        """Executable actions of the graph never started (the graph was aborted, or some of its
        prerequisites never completed), in the transition's order."""
        return [a for a in self._actions.values() if not a.pseudo and a.id not in self._started]

    # --- synchronous execution ---------------------------------------------------------------

    def sweep(self) -> Iterator[Action]:
        """The graph run the way crm_simulate runs it, every action completing at once: pass
        after pass over the firing order, each action whose prerequisites completed at its turn
        fires -- a pseudo action completes there, an executable one is yielded, and the caller
        must start() and finish() it before asking for the next. An action made ready by one
        later in the same pass waits for the next pass. Ends when a pass fires nothing, or the
        graph is aborted."""
        while not self._aborted:
            fired = False
            for a in self._order:
                if self._aborted:
                    return
                if a.id not in self._free:
                    continue
                fired = True
                if a.pseudo:
                    self._free.discard(a.id)
                    self._complete(a.id)
                    continue
                yield a
                if a.id in self._free or a.id in self._in_flight:
                    raise HastackError(f"action {a.id} ({a.task} {a.rsc or ''}) was not run to its end",
                                       hint="sweep() needs start() and finish() of each action it yields")
            if not fired:
                return

    # --- inside ---------------------------------------------------------------------------------

    def _complete(self, action_id: int) -> None:
        for d in self._dependents[action_id]:
            self._waiting[d] -= 1
            if not self._waiting[d] and d not in self._started:
                self._free.add(d)

    def _complete_free_pseudo(self) -> None:
        todo = [i for i in self._free if self._actions[i].pseudo]
        while todo:
            i = todo.pop()
            self._free.discard(i)
            self._complete(i)
            todo += [d for d in self._dependents[i] if d in self._free and self._actions[d].pseudo]

    def _why_not(self, action_id: int) -> str:
        a = self._actions.get(action_id)
        if a is None:
            return "not in the graph (optional, blocked, or unknown)"
        if a.pseudo:
            return "a pseudo action completes by itself"
        if self._aborted:
            return "the graph is aborted"
        if action_id in self._started:
            return "started already"
        return f"waits for {self._waiting[action_id]} prerequisite(s)"
