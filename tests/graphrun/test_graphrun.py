"""The graph runner's step API on hand-built Transitions, and on one the scheduler made."""

from __future__ import annotations

import pytest

from hastack import crm
from hastack.errors import HastackError
from hastack.graphrun import GraphRun
from hastack.model.results import ExecStatus, OcfRc, ResultKind
from hastack.model.state import ClusterState
from hastack.scheduler import Action, Transition, schedule
from hastack.simulate import inject


def act(id: int, task: str, rsc: str | None, node: str | None = "n1", *, after: tuple[int, ...] = (),
        interval: int = 0, pseudo: bool = False, optional: bool = False, runnable: bool = True,
        target: int | None = None) -> Action:
    """An action; its target rc as the scheduler sets it by default: 7 for a probe, else 0."""
    if target is None:
        target = OcfRc.NOT_RUNNING if task == "monitor" and interval == 0 else OcfRc.OK
    return Action(id=id, task=task, rsc=rsc, node=node, interval_ms=interval, pseudo=pseudo, optional=optional,
                  after=after, runnable=runnable, target_rc=target)


def graph(*actions: Action, order: tuple[str, ...] = ()) -> Transition:
    return Transition(actions=actions, resource_order=order)


def ids(actions: list[Action]) -> list[int]:
    return [a.id for a in actions]


def run_all(run: GraphRun) -> list[int]:
    """Drive the step API as a DC does, one batch of ready actions at a time, all succeeding."""
    fired: list[int] = []
    while batch := run.ready():
        for a in batch:
            run.start(a.id)
        for a in batch:
            assert run.finish(a.id, a.target_rc).expected
        fired += ids(batch)
    return fired


def test_ready_in_firing_order_resources_in_configuration_order_newest_first_fencing_last() -> None:
    t = graph(act(0, "start", "a"), act(1, "start", "b"), act(2, "monitor", "a", after=(0,), interval=10_000),
              act(3, "stonith", None, "n2"), act(4, "stop", "b", "n2"), act(5, "stonith", None, "n3"),
              order=("grp", "a", "b"))
    run = GraphRun(t)
    assert ids(run.ready()) == [0, 4, 1, 5, 3]
    run.start(0)
    assert ids(run.ready()) == [4, 1, 5, 3]  # a started action is no longer ready
    run.finish(0, OcfRc.OK)
    assert ids(run.ready()) == [2, 4, 1, 5, 3]


def test_without_a_resource_order_actions_go_newest_first() -> None:
    run = GraphRun(graph(act(0, "start", "a"), act(1, "start", "b"), act(2, "stonith", None)))
    assert ids(run.ready()) == [1, 0, 2]


def test_pseudo_actions_complete_by_themselves() -> None:
    t = graph(act(0, "start", "a"), act(1, "running", "grp", None, after=(0,), pseudo=True),
              act(2, "start", "b", after=(1,)), act(3, "stopped", "grp", None, pseudo=True),
              act(4, "stop", "c", after=(3,)), order=("grp", "a", "b", "c"))
    run = GraphRun(t)
    assert ids(run.ready()) == [0, 4]  # "stopped" had no prerequisite: completed at once
    run.start(0)
    run.start(4)
    assert run.ready() == [] and run.in_flight == {0, 4}
    run.finish(0, OcfRc.OK)
    assert ids(run.ready()) == [2]  # "running" completed once the start did
    run.finish(4, OcfRc.OK)
    run.start(2)
    run.finish(2, OcfRc.OK)
    assert run.complete and run.skipped() == []
    with pytest.raises(HastackError, match="pseudo"):
        GraphRun(t).start(3)


def test_a_failure_aborts_and_in_flight_actions_still_finish() -> None:
    t = graph(act(0, "start", "a"), act(1, "start", "b"), act(2, "monitor", "a", after=(0,), interval=10_000),
              act(3, "start", "c"), order=("a", "b", "c"))
    run = GraphRun(t)
    assert ids(run.ready()) == [0, 1, 3]
    run.start(0)
    run.start(1)
    verdict = run.finish(0, OcfRc.ERR_INSTALLED)
    assert not verdict.expected and verdict.target_rc == OcfRc.OK
    assert verdict.reading.kind is ResultKind.HARD
    assert run.aborted and run.ready() == [] and run.in_flight == {1}
    assert not run.complete  # b is still running
    with pytest.raises(HastackError, match="aborted"):
        run.start(3)
    assert run.finish(1, OcfRc.OK).expected  # a result arriving after the abort is still taken
    assert run.complete and not run.in_flight
    assert ids(run.skipped()) == [2, 3]


def test_what_counts_as_expected() -> None:
    t = graph(act(0, "monitor", "a"), act(1, "monitor", "p:0", interval=5000, target=OcfRc.RUNNING_PROMOTED),
              act(2, "monitor", "p:1", "n2", interval=6000), act(3, "monitor", "b", interval=5000),
              act(4, "start", "c"), act(5, "start", "d"), act(6, "start", "e"),
              act(7, "monitor", "f", interval=7000, target=OcfRc.NOT_RUNNING))
    run = GraphRun(t)
    for a in run.ready():
        run.start(a.id)
    assert run.finish(0, OcfRc.NOT_RUNNING).expected  # a probe expects "not running"
    assert run.finish(1, OcfRc.DEGRADED_PROMOTED).expected  # an instance to be Promoted: 8, degraded counts
    assert run.finish(2, OcfRc.OK).expected
    assert run.finish(3, OcfRc.DEGRADED).expected
    assert run.finish(7, OcfRc.NOT_RUNNING).expected  # a role=Stopped monitor
    assert not run.aborted
    timed_out = run.finish(4, OcfRc.OK, ExecStatus.TIMEOUT)  # the executor did not finish it: not expected
    assert not timed_out.expected and timed_out.reading.kind is ResultKind.SOFT
    assert run.finish(5, OcfRc.OK).expected  # in flight when the graph aborted: still recorded as expected


def test_a_probe_that_finds_the_resource_aborts_the_graph() -> None:
    run = GraphRun(graph(act(0, "monitor", "a"), act(1, "start", "a", after=(0,))))
    run.start(0)
    verdict = run.finish(0, OcfRc.OK)
    # no failure for the resource (it is running there), but not what the transition was built on
    assert verdict.reading.kind is ResultKind.SUCCESS and not verdict.expected and run.aborted


def test_the_actions_target_rc_decides() -> None:
    run = GraphRun(graph(act(0, "monitor", "a", target=OcfRc.OK)))  # a probe where it is known active
    run.start(0)
    assert run.finish(0, OcfRc.OK).expected


def test_optional_and_blocked_actions_are_not_in_the_graph_and_do_not_hold_others() -> None:
    t = graph(act(0, "start", "a", optional=True), act(1, "start", "b", runnable=False),
              act(2, "start", "c", after=(0, 1)))
    run = GraphRun(t)
    assert ids(run.ready()) == [2]
    with pytest.raises(HastackError, match="not in the graph"):
        run.start(0)
    assert run_all(run) == [2] and run.complete and run.skipped() == []


def test_a_graph_that_cannot_go_on_is_complete_and_says_what_was_skipped() -> None:
    run = GraphRun(graph(act(0, "start", "a", after=(1,)), act(1, "start", "b", after=(0,)), act(2, "start", "c")))
    assert run_all(run) == [2]
    assert run.complete and not run.aborted and ids(run.skipped()) == [0, 1]


def test_misuse_is_refused() -> None:
    run = GraphRun(graph(act(0, "start", "a"), act(1, "start", "b", after=(0,))))
    with pytest.raises(HastackError, match="did not start"):
        run.finish(0, OcfRc.OK)
    with pytest.raises(HastackError, match="waits for 1 prerequisite"):
        run.start(1)
    run.start(0)
    with pytest.raises(HastackError, match="started already"):
        run.start(0)


def test_sweep_fires_in_passes_as_crm_simulate_does() -> None:
    # c waits for a and comes after it in the graph: it fires in the same pass, before b
    t = graph(act(0, "start", "a"), act(1, "start", "b"), act(2, "start", "c", after=(0,)), order=("a", "c", "b"))
    run = GraphRun(t)
    fired = []
    for a in run.sweep():
        run.start(a.id)
        run.finish(a.id, OcfRc.OK)
        fired.append(a.id)
    assert fired == [0, 2, 1] and run.complete
    # the batch-wise step API makes c wait for the batch it became ready in
    assert run_all(GraphRun(t)) == [0, 1, 2]
    # an action ready only through one later in the order waits for the next pass
    t = graph(act(0, "start", "a", after=(1,)), act(1, "start", "b"), act(2, "start", "c"), order=("a", "b", "c"))
    run = GraphRun(t)
    fired = []
    for a in run.sweep():
        run.start(a.id)
        run.finish(a.id, OcfRc.OK)
        fired.append(a.id)
    assert fired == [1, 2, 0]


def test_sweep_stops_at_a_failure_and_needs_each_action_run() -> None:
    t = graph(act(0, "start", "a"), act(1, "start", "b"), order=("a", "b"))
    run = GraphRun(t)
    fired = []
    for a in run.sweep():
        run.start(a.id)
        run.finish(a.id, OcfRc.ERR_GENERIC)
        fired.append(a.id)
    assert fired == [0] and run.aborted and ids(run.skipped()) == [1]
    with pytest.raises(HastackError, match="not run to its end"):
        for _ in GraphRun(t).sweep():
            pass


def test_a_scheduled_transition_runs_to_its_end_in_order() -> None:
    config = crm.parse("""
node node1
node node2
property stonith-enabled=false
primitive db ocf:heartbeat:Dummy op monitor interval=10s
primitive web ocf:heartbeat:Dummy op monitor interval=10s
group g db web
""", "test.crm").config
    state = ClusterState()
    for n in config.nodes:
        state = inject.node_up(config, state, n.uname)
    t = schedule(config, state, 1_800_000_000)
    assert t.resource_order[:3] == ("g", "db", "web")
    run = GraphRun(t)
    graph_ids = {a.id for a in t.actions if not a.optional and a.runnable}
    done: set[int] = set()
    while batch := run.ready():
        for a in batch:
            # every prerequisite in the graph finished (pseudo ones completed on their own)
            assert all(p in done or t.actions[p].pseudo for p in a.after if p in graph_ids)
            run.start(a.id)
            assert run.finish(a.id, a.target_rc).expected
            done.add(a.id)
    assert run.complete and not run.skipped()
    assert {t.actions[i].task for i in done} == {"monitor", "start"}
    assert len(done) == len([a for a in t.actions if a.id in graph_ids and not a.pseudo])


def test_recurring_monitors_wait_for_their_start_in_the_transition_itself() -> None:
    """The runner orders nothing itself: a recurring monitor's wait for its resource's start,
    promote or demote on that node must be an `after` edge of the scheduler's Transition (the
    simulator used to add it; on the 180 regression cases it is always there)."""
    from testdata import case_names, case_xml

    from hastack.cib import load_cib_file

    missing, monitors = [], 0
    for name in case_names():
        cib = load_cib_file(case_xml(name))
        t = schedule(cib.config, cib.state, cib.state.execution_date or 0)
        live = [a for a in t.actions if not a.optional and a.runnable]
        establishing: dict[tuple[str | None, str | None], set[int]] = {}
        for a in live:
            if a.task in ("start", "promote", "demote"):
                establishing.setdefault((a.rsc, a.node), set()).add(a.id)
        for a in live:
            if a.task == "monitor" and a.interval_ms:
                monitors += 1
                if not establishing.get((a.rsc, a.node), set()) <= set(a.after):
                    missing.append(f"{name}: {a.rsc} monitor {a.interval_ms} on {a.node}")
    assert monitors > 100 and not missing, "\n".join(missing)
