"""hastack's executed state against crm_simulate's (`crm_simulate -x CASE -S -O out.xml`).

Compared at the level that matters: which resources are active on which node
in which role, and which nodes are online or unclean (through
hastack.simulate.status.observe on both states). Every regression case is
compared; the cases in STATE_DIFFERS differ, for the reason given, and must
keep differing (so the list stays honest). A few injected failures
(`crm_simulate -F`) are compared as well, including the next summary.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from hastack.cib import load_cib_file
from hastack.model.config import Configuration
from hastack.model.state import ClusterState
from hastack.scheduler import schedule
from hastack.simulate.execute import execute
from hastack.simulate.status import observe
from testdata import PACEMAKER_CASES, case_names

CASES = PACEMAKER_CASES

STATE_DIFFERS = {
    "inc6": "the input has duplicate lrm_resource entries per node, which crm_simulate's CIB merges",
}


View = tuple[Counter[tuple[str, str, str]], set[tuple[str, bool, bool]]]


def _view(config: Configuration, state: ClusterState) -> View:
    v = observe(config, state)
    active = Counter((i.rsc, i.node, i.role.value) for i in v.instances if i.role.value != "Stopped")
    nodes = {(n.uname, n.online, n.unclean) for n in v.nodes}
    return active, nodes


@pytest.mark.parametrize("name", case_names(), ids=str)
def test_executed_state_matches_crm_simulate(pacemaker_runs: dict[str, Any], name: str) -> None:
    cib = load_cib_file(CASES / "xml" / f"{name}.xml")
    now = cib.state.execution_date or 0
    ours = execute(cib.config, cib.state, schedule(cib.config, cib.state, now), now).state
    theirs = load_cib_file(pacemaker_runs[name].out_xml)
    mine, pcmk = _view(cib.config, ours), _view(theirs.config, theirs.state)
    if name in STATE_DIFFERS:
        assert mine != pcmk, "now agrees with crm_simulate: remove it from STATE_DIFFERS"
    else:
        assert mine == pcmk, (f"hastack-only {sorted((mine[0] - pcmk[0]).elements())} "
                              f"crm_simulate-only {sorted((pcmk[0] - mine[0]).elements())} nodes {mine[1] ^ pcmk[1]}")


# --- injected failures -----------------------------------------------------------------------

FAILURES = [
    # case, crm_simulate -F spec, hastack failure key, rc, why hastack's next summary differs
    ("group1", "child_rsc2_start_0@node1=1", ("child_rsc2", "start", "node1"), 1, None),
    ("rec-node-11", "rsc3_start_0@node2=1", ("rsc3", "start", "node2"), 1, None),
    ("promoted-notify", "fake_promote_0@rhel7-auto1=1", ("fake", "promote", "rhel7-auto1"), 1, None),
    ("1360", "dollies_start_0@ssgtest1b=1", ("dollies", "start", "ssgtest1b"), 1, None),
]


@pytest.mark.parametrize("case,spec,key,rc,differs", FAILURES, ids=[f[0] for f in FAILURES])
def test_injected_failure_matches_crm_simulate(tmp_path: Path, summary_of: Any, case: str, spec: str,
                                               key: tuple[str, str, str], rc: int, differs: str | None) -> None:
    exe = shutil.which("crm_simulate")
    if exe is None:
        pytest.fail("crm_simulate is not installed (./run test installs it)")
    env = dict(os.environ, LC_ALL="C", CIB_shadow_dir=str(tmp_path))
    out = tmp_path / "out.xml"
    subprocess.run([exe, "-x", str(CASES / "xml" / f"{case}.xml"), "-S", "-F", spec, "-O", str(out)],
                   check=True, capture_output=True, env=env, timeout=120)
    again = subprocess.run([exe, "-x", str(out), "-S"], capture_output=True, text=True, env=env, timeout=120)

    cib = load_cib_file(CASES / "xml" / f"{case}.xml")
    now = cib.state.execution_date or 0
    done = execute(cib.config, cib.state, schedule(cib.config, cib.state, now), now, {key: rc})
    assert [r.action.rsc for r in done.failed] and done.failed[0].rc == rc
    theirs = load_cib_file(out)
    assert _view(cib.config, done.state) == _view(theirs.config, theirs.state)
    ours_next = sorted(schedule(cib.config, done.state, now).summary)
    assert ours_next, "a failure leaves something to recover"
    # The executor is faithful: hastack's scheduler reads both executed states alike.
    assert ours_next == sorted(schedule(theirs.config, theirs.state, now).summary)
    if differs:
        assert ours_next != summary_of(again.stdout), f"agrees now: drop the note ({differs})"
    else:
        assert ours_next == summary_of(again.stdout)


# --- a failed start in every case -----------------------------------------------------------------

# With a failure, the transition stops at once; which of the actions that were ready at the same
# time ran before the failure follows the graph's order, and crm_simulate's graph order is not
# hastack's action order. In these cases a different set of actions ran before the abort.
ORDER_DEPENDENT = {"clone-interleave-2", "promoted-depend", "rsc_dep1", "rsc_dep5", "rsc_dep7"}


@dataclass(frozen=True)
class FailedStart:
    """One case with its first scheduled start failed, in hastack's plan and in crm_simulate's run."""

    cib: Any
    now: int
    transition: Any
    start: Any  # the failed Action
    out: Path | None  # crm_simulate's executed state, None if its graph has no such action
    next_summary: list[str]


@pytest.fixture(scope="module")
def failed_starts(tmp_path_factory: pytest.TempPathFactory, summary_of: Any) -> dict[str, FailedStart]:
    """Fail the first scheduled start of every case in crm_simulate (in parallel), keyed by case."""
    from concurrent.futures import ThreadPoolExecutor

    from hastack.scheduler.history import base_name
    from hastack.simulate.execute import scheduled

    exe = shutil.which("crm_simulate")
    if exe is None:
        pytest.fail("crm_simulate is not installed (./run test installs it)")
    tmp_path = tmp_path_factory.mktemp("failed-start")
    env = dict(os.environ, LC_ALL="C", CIB_shadow_dir=str(tmp_path))
    plans = {}
    for name in case_names():
        cib = load_cib_file(CASES / "xml" / f"{name}.xml")
        now = cib.state.execution_date or 0
        t = schedule(cib.config, cib.state, now)
        starts = [a for a in scheduled(t) if a.task == "start" and not a.pseudo]
        if starts:
            plans[name] = (cib, now, t, starts[0])

    def pacemaker(name: str) -> FailedStart:
        cib, now, t, a = plans[name]
        out = tmp_path / f"{name}.xml"
        spec = f"{base_name(a.rsc or '')}_start_0@{a.node}=1"
        first = subprocess.run([exe, "-x", str(CASES / "xml" / f"{name}.xml"), "-S", "-F", spec, "-O", str(out)],
                               capture_output=True, text=True, env=env, timeout=120)
        if "Pretending action" not in first.stdout:
            return FailedStart(cib, now, t, a, None, [])  # the spec names no action of Pacemaker's graph
        again = subprocess.run([exe, "-x", str(out), "-S"], capture_output=True, text=True, env=env, timeout=120)
        return FailedStart(cib, now, t, a, out, summary_of(again.stdout))

    with ThreadPoolExecutor(max_workers=max(2, os.cpu_count() or 1)) as pool:
        return dict(zip(plans, pool.map(pacemaker, plans)))


def test_most_cases_have_a_start_to_fail(failed_starts: dict[str, FailedStart]) -> None:
    assert len([f for f in failed_starts.values() if f.out is not None]) >= 90
    assert ORDER_DEPENDENT <= set(failed_starts)


@pytest.mark.parametrize("name", case_names(), ids=str)
def test_a_failed_start_matches_crm_simulate(failed_starts: dict[str, FailedStart], name: str) -> None:
    """Fail the first scheduled start of the case in both executors and compare the outcome."""
    f = failed_starts.get(name)
    if f is None or f.out is None:
        assert name not in ORDER_DEPENDENT, "no start to fail in both executors: remove it from ORDER_DEPENDENT"
        return
    a = f.start
    done = execute(f.cib.config, f.cib.state, f.transition, f.now, {(a.rsc or "", "start", a.node or ""): 1})
    theirs = load_cib_file(f.out)
    same = _view(f.cib.config, done.state) == _view(theirs.config, theirs.state) \
        and sorted(schedule(f.cib.config, done.state, f.now).summary) == f.next_summary
    if name in ORDER_DEPENDENT:
        assert not same, "now agrees with crm_simulate: remove it from ORDER_DEPENDENT"
    else:
        assert same, f"after failing {a.rsc} start on {a.node}, hastack and crm_simulate differ"


# --- what the executor relies on in the scheduler's Transition -----------------------------------------

def test_no_runnable_monitor_waits_on_an_unrunnable_start() -> None:
    bad = []
    for name in case_names():
        cib = load_cib_file(CASES / "xml" / f"{name}.xml")
        t = schedule(cib.config, cib.state, cib.state.execution_date or 0)
        blocked = {(a.rsc, a.node) for a in t.actions if a.task == "start" and not a.optional and not a.runnable}
        bad += [f"{name}: {a.rsc} monitor {a.interval_ms} on {a.node}" for a in t.actions
                if a.task == "monitor" and a.interval_ms and not a.optional and a.runnable
                and (a.rsc, a.node) in blocked]
    assert not bad, "\n".join(bad)
