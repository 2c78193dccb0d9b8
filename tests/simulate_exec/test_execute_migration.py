"""Executing live migrations and agent reloads against crm_simulate (`crm_simulate -x CASE -S -O out.xml`).

The regression cases of the extended suite that migrate (a full migration, a continued
partial one, a group, orderings between migrating resources) or reload: after hastack
executes its transition, the same resources run on the same nodes as after crm_simulate's;
the migrate_to/migrate_from results are recorded as Pacemaker records them (their own entry,
with migrate_source and migrate_target), a reload as the start it stands for; and scheduling
the executed state again gives crm_simulate's next Transition Summary.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from hastack.cib import load_cib_file
from hastack.model.config import Configuration
from hastack.model.state import ClusterState
from hastack.scheduler import schedule
from hastack.simulate.execute import execute
from hastack.status import build_view
from testdata import PACEMAKER_CASES_EXTENDED, case_xml

CASES = ["migrate-1", "migrate-partial-2", "migrate-partial-4", "migrate-stop-start-complex", "bug-1820",
         "6-migrate-group", "1-a-then-bm-move-b", "10-a-then-bm-b-move-a-clone"]

Migration = tuple[str, str, str, int, str | None, str | None]  # node, entry id, operation, rc, source, target


def _active(config: Configuration, state: ClusterState) -> Counter[tuple[str, str, str]]:
    v = build_view(config, state)
    return Counter((i.rsc, i.node, i.role.value) for i in v.instances if i.role.value != "Stopped")


def _migrations(state: ClusterState) -> set[Migration]:
    return {(ns.uname, op.id, op.operation, op.rc_code, op.migrate_source, op.migrate_target)
            for ns in state.nodes.values() for h in ns.resources for op in h.ops
            if op.operation in ("migrate_to", "migrate_from")}


def _run_both(tmp_path: Path, summary_of: Any, name: str) -> tuple[Any, ClusterState, Any, list[str]]:
    """(the case's CIB, hastack's executed state, crm_simulate's executed CIB, crm_simulate's next
    summary), after checking that both leave the same resources active and plan the same next."""
    exe = shutil.which("crm_simulate")
    if exe is None:
        pytest.fail("crm_simulate is not installed (Debian: pacemaker-cli-utils) (./run test installs it)")
    env = dict(os.environ, LC_ALL="C", CIB_shadow_dir=str(tmp_path))
    out = tmp_path / "out.xml"
    source = case_xml(name, PACEMAKER_CASES_EXTENDED)
    subprocess.run([exe, "-x", str(source), "-S", "-O", str(out)], check=True, capture_output=True, env=env,
                   timeout=120)
    again = subprocess.run([exe, "-x", str(out), "-S"], capture_output=True, text=True, env=env, timeout=120)
    cib = load_cib_file(source)
    now = cib.state.execution_date or 0
    ours = execute(cib.config, cib.state, schedule(cib.config, cib.state, now), now).state
    theirs = load_cib_file(out)
    assert _active(cib.config, ours) == _active(theirs.config, theirs.state)
    assert sorted(schedule(cib.config, ours, now).summary) == summary_of(again.stdout)
    return cib, ours, theirs, summary_of(again.stdout)


@pytest.mark.parametrize("name", CASES, ids=str)
def test_executed_migration_matches_crm_simulate(tmp_path: Path, summary_of: Any, name: str) -> None:
    cib, ours, theirs, _ = _run_both(tmp_path, summary_of, name)
    new = _migrations(ours) - _migrations(cib.state)
    assert new and new == _migrations(theirs.state) - _migrations(cib.state)


@pytest.mark.parametrize("name", ["params-4", "params-6", "bug-5025-1"], ids=str)
def test_executed_reload_matches_crm_simulate(tmp_path: Path, summary_of: Any, name: str) -> None:
    cib, ours, _, _ = _run_both(tmp_path, summary_of, name)
    (reloaded,) = [line.split()[1] for line in schedule(cib.config, cib.state, cib.state.execution_date or 0).summary
                   if line.startswith("Reload ")]
    last = [op for ns in ours.nodes.values() for h in ns.resources if h.id == reloaded for op in h.ops
            if op.id == f"{reloaded}_last_0" and op.operation == "start"]
    assert last, f"the reload of {reloaded} is recorded as its start"
