"""The status view's text against crm_simulate's "Current cluster status", on every regression case.

The expected text is the block of each case's `summary/NAME.summary` from "Current cluster
status:" to "Transition Summary:": what Debian's crm_simulate (Pacemaker 2.1.5) prints for
`crm_simulate -x xml/NAME.xml -S`, byte for byte (checked on all 180 cases when this test was
written; test_the_expected_text_is_crm_simulates_own re-checks a sample against the installed
crm_simulate). One test id per case, so a failure names the case.
"""

from __future__ import annotations

import os
import subprocess
import tempfile

import pytest

from hastack.cib import load_cib_file
from hastack.status import build_view, render_simulate

from testdata import PACEMAKER_CASES as CASES
from testdata import case_names as _case_names
from testdata import status_block


def _expected(name: str) -> str:
    return status_block((CASES / "summary" / f"{name}.summary").read_text())


def _ours(name: str) -> str:
    cib = load_cib_file(str(CASES / "xml" / f"{name}.xml"))
    return render_simulate(build_view(cib.config, cib.state)).rstrip("\n")


def test_all_180_cases_are_there() -> None:
    assert len(_case_names()) == 180


@pytest.mark.parametrize("name", _case_names())
def test_current_status_is_crm_simulates(name: str) -> None:
    assert _ours(name) == _expected(name)


# Cases of different shapes: orphans, pending clone instances, partially active cloned groups,
# failed probes, multiply active, unclean nodes, unique clones, disabled and blocked resources.
SAMPLE = ["anon-instance-pending", "clone-max-zero", "bug-5059", "failed-probe-primitive", "bug-rh-880249",
          "interleave-pseudo-stop", "bug-pm-11", "stopped-monitor-06", "unmanaged-stop-3", "rsc_dep4"]


@pytest.mark.parametrize("name", SAMPLE)
def test_the_expected_text_is_crm_simulates_own(name: str) -> None:
    with tempfile.TemporaryDirectory() as shadow:
        run = subprocess.run(["crm_simulate", "-x", str(CASES / "xml" / f"{name}.xml")], capture_output=True,
                             text=True, env=dict(os.environ, LC_ALL="C", CIB_shadow_dir=shadow), timeout=60)
    live = run.stdout[run.stdout.index("Current cluster status:"):].rstrip("\n")
    assert live == _expected(name) == _ours(name)
