"""Random clusters: hastack's schedule -> execute -> schedule against crm_simulate's -S -O then -S.

The clusters come from the scheduler's differential generator (tests/scheduler/cibgen.py, loaded by
path). For each one whose first transition hastack and Pacemaker agree on, the executed states must
show the same active resources and the next Transition Summaries must be equal.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
import sys
import tempfile
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings

from hastack.cib import load_cib_file, parse_cib
from hastack.scheduler import schedule
from hastack.simulate.execute import execute
from hastack.status import build_view as observe

if shutil.which("crm_simulate") is None:
    pytest.fail("crm_simulate is not installed (Debian: pacemaker-cli-utils; ./run test installs it)", pytrace=False)


def _load_generator() -> Any:
    path = Path(__file__).resolve().parents[1] / "scheduler" / "cibgen.py"
    spec = importlib.util.spec_from_file_location("cibgen_for_exec", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


CIBGEN = _load_generator()
DIGESTS = CIBGEN.learn_digests()


def _summary(stdout: str) -> list[str]:
    out: list[str] = []
    inside = False
    for line in stdout.splitlines():
        if line.startswith("Transition Summary:"):
            inside = True
            continue
        if inside and (not line.strip() or not line[0].isspace()):
            break
        if inside:
            out.append(" ".join(line.strip().lstrip("*").split()).replace("( ", "(").replace(" )", ")"))
    return sorted(out)


def _active(config: Any, state: Any) -> Counter[tuple[str, str, str]]:
    return Counter((i.rsc, i.node, i.role.value) for i in observe(config, state).instances
                   if i.role.value != "Stopped")


@settings(max_examples=40, deadline=None, derandomize=True, database=None,
          suppress_health_check=list(HealthCheck))
@given(CIBGEN.scenarios(max_nodes=5, max_prims=12))
def test_random_clusters_execute_like_crm_simulate(scenario: Any) -> None:
    xml = CIBGEN.to_cib_xml(scenario, DIGESTS)
    with tempfile.TemporaryDirectory(prefix="exec-") as tmp:
        src, out = Path(tmp) / "in.xml", Path(tmp) / "out.xml"
        src.write_text(xml)
        env = dict(os.environ, LC_ALL="C", CIB_shadow_dir=tmp)
        first = subprocess.run(["crm_simulate", "-x", str(src), "-S", "-O", str(out)], capture_output=True,
                               text=True, env=env, timeout=120)
        if first.returncode != 0:
            return  # an input crm_simulate rejects says nothing about the executor
        again = subprocess.run(["crm_simulate", "-x", str(out), "-S"], capture_output=True, text=True,
                               env=env, timeout=120)
        theirs = load_cib_file(out)
    cib = parse_cib(xml)
    now = cib.state.execution_date or 0
    t = schedule(cib.config, cib.state, now)
    if sorted(t.summary) != _summary(first.stdout):
        return  # the schedulers differ already (the differential tests' business)
    done = execute(cib.config, cib.state, t, now)
    assert _active(cib.config, done.state) == _active(theirs.config, theirs.state)
    assert sorted(schedule(cib.config, done.state, now).summary) == _summary(again.stdout)
