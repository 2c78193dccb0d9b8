"""Convergence: schedule -> execute -> schedule has nothing left to do, on Pacemaker's regression cases.

Pacemaker itself does not converge on every case: `crm_simulate -S -O` then
`crm_simulate -S` on the result still prints a Transition Summary for the cases
in NOT_CONVERGING (checked against crm_simulate below when it is installed).
On those, hastack must not converge either; where hastack's next transition
differs from Pacemaker's, the case is in HASTACK_DIFFERS with the reason.
"""

from __future__ import annotations

import functools
from typing import Any

import pytest

from hastack.cib import load_cib_file
from hastack.scheduler import schedule
from hastack.simulate.execute import execute, has_work
from testdata import PACEMAKER_CASES, case_names

CASES = PACEMAKER_CASES


_BLOCKED = "actions Pacemaker wants stay blocked"
NOT_CONVERGING = {
    "asymmetrical-order-restart": f"{_BLOCKED}: Start sleep_b due to unrunnable sleep_a start",
    "bug-1718": f"{_BLOCKED}: resource_IP3, resource_dummy wait for an unrunnable Web_Group running",
    "bug-5014-A-stopped-B-stopped": f"{_BLOCKED}: ClusterIP2 waits for a stopped ClusterIP",
    "bug-5014-CthenAthenB-C-stopped": f"{_BLOCKED}: ClusterIP, ClusterIP2 wait for a stopped ClusterIP3",
    "bug-5014-GROUP-A-stopped-B-stopped": f"{_BLOCKED}: ClusterIP2 waits for an unrunnable group1",
    "cloned-group-stop": f"{_BLOCKED}: keystone and glance clones wait for a stopped qpidd-clone",
    "complex_enforce_colo": f"{_BLOCKED}: OpenStack services wait for a stopped keystone-clone",
    "enforce-colo1": f"{_BLOCKED}: central waits for a stopped keystone-clone, engine is colocated with it",
    "order-mandatory": f"{_BLOCKED}: rsc4 waits for an unrunnable rsc3 start",
    "order7": f"{_BLOCKED}: rscC waits for an unrunnable rscA start",
    "order_constraint_stops_unpromoted": f"{_BLOCKED}: NATIVE_RSC_A waits for an unrunnable NATIVE_RSC_B",
    "quorum-2": f"{_BLOCKED}: no quorum, no-quorum-policy=freeze",
    "quorum-3": f"{_BLOCKED}: no quorum",
    "rec-node-10": f"{_BLOCKED}: no quorum",
    "suicide-not-needed-never-quorate": f"{_BLOCKED}: no quorum",
    "unmanaged-stop-1": f"{_BLOCKED}: the stop of an unmanaged resource",
    "unmanaged-stop-2": f"{_BLOCKED}: the stop of an unmanaged resource",
    "unmanaged-stop-3": f"{_BLOCKED}: the stop of an unmanaged resource",
    "clone-interleave-1": "Pacemaker restarts dummy every time (required clone-3 running)",
    "clone-interleave-2": "Pacemaker restarts dummy every time (required clone-3 running)",
    "bug-5025-4": "Pacemaker restarts the remote-node connection resource again",
    "inc6": "the input has duplicate lrm_resource entries (child_rsc1:0 twice on node1); Pacemaker moves "
            "child_rsc2:1 and child_rsc4:1 again",
}

HASTACK_DIFFERS = {
    "bug-5025-4": "remote nodes are out of hastack's scope: hastack does not restart remote-node again",
    "inc6": "hastack's executed state converges; Pacemaker's (duplicate history entries merged) moves again",
}


# Work without a summary line that Pacemaker's graph has too: crm_simulate -S leaves the pending
# start entry (call-id -1) beside the executed one, so the next graph re-issues the start again; a
# cancelled monitor that had failed leaves its RSC_last_failure_0 entry (the controller erases only
# RSC_monitor_N), which still names the recurring monitor, so the next graph cancels it again.
REISSUED = {
    "mon-rsc-3": "rsc1's pending start on node1 stays in the history; both graphs start it again",
    "bug-5069-op-disabled": "A_last_failure_0 names the disabled monitor A_monitor_10000; both graphs cancel "
                            "it again (crm_simulate -S twice)",
}


@functools.lru_cache(maxsize=None)
def _next(name: str) -> tuple[list[str], bool]:
    cib = load_cib_file(CASES / "xml" / f"{name}.xml")
    now = cib.state.execution_date or 0
    done = execute(cib.config, cib.state, schedule(cib.config, cib.state, now), now)
    again = schedule(cib.config, done.state, now)
    return sorted(again.summary), has_work(again)


def test_lists_name_real_cases() -> None:
    names = set(case_names())
    assert len(names) == 180
    assert set(NOT_CONVERGING) <= names and set(HASTACK_DIFFERS) <= names and set(REISSUED) <= names


@pytest.mark.parametrize("name", case_names(), ids=str)
def test_converges_where_pacemaker_does(name: str) -> None:
    summary, work = _next(name)
    if name in HASTACK_DIFFERS:
        return  # checked against Pacemaker's own next transition below
    if name in NOT_CONVERGING:
        assert summary, f"converged, but Pacemaker does not ({NOT_CONVERGING[name]})"
    elif name in REISSUED:
        assert not summary and work, f"{summary or 'no work'}: remove it from REISSUED"
    else:
        assert not summary and not work, f"not converged: {summary or 'actions without a summary line'}"


@pytest.mark.parametrize("name", case_names(), ids=str)
def test_not_converging_is_what_crm_simulate_says(pacemaker_runs: dict[str, Any], name: str) -> None:
    assert bool(pacemaker_runs[name].next_summary) == (name in NOT_CONVERGING), pacemaker_runs[name].next_summary


@pytest.mark.parametrize("name", case_names(), ids=str)
def test_next_transition_matches_crm_simulate(pacemaker_runs: dict[str, Any], name: str) -> None:
    """After executing, hastack's next summary is crm_simulate's next summary (listed cases must differ)."""
    summary, _ = _next(name)
    theirs = pacemaker_runs[name].next_summary
    if name in HASTACK_DIFFERS:
        assert summary != theirs, "now agrees with Pacemaker: remove it from HASTACK_DIFFERS"
    else:
        assert summary == theirs, f"hastack {summary} != Pacemaker {theirs}"
