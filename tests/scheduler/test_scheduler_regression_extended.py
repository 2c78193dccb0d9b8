"""The rest of Pacemaker's scheduler regression suite: the 444 cases beyond hastack's first scope.

Same comparison as test_scheduler_regression.py (the Transition Summary,
order-insensitive, reasons included, tests/oracle.py's normalisation), over tests/data/pacemaker/cases-extended.
Every case not listed in known_failures_extended.tsv must pass; every listed case
must still fail (strict xfail), so the list stays honest. Each case is its own
test, named after the case.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from hastack.cib import load_cib_file
from hastack.scheduler import schedule
from oracle import summary_block
from testdata import CASE_WALL_CLOCK
from testdata import PACEMAKER_CASES_EXTENDED as CASES
from testdata import case_names, case_summary, case_xml, known_cases

KNOWN = Path(__file__).with_name("known_failures_extended.tsv")


def known_failures() -> dict[str, str]:
    """case name -> why it still fails, from known_failures_extended.tsv (`case<TAB>reason`)."""
    return known_cases(KNOWN)


def run_case(name: str) -> tuple[list[str], list[str]]:
    # each case is a running cluster's scheduler input, read as crm_simulate reads it: a value
    # Pacemaker tolerates (colocation-influence's influence="invalid") is its default, not a refusal
    cib = load_cib_file(case_xml(name, CASES), running=True)
    now = cib.state.execution_date if cib.state.execution_date is not None else CASE_WALL_CLOCK
    t = schedule(cib.config, cib.state, now)
    return sorted(t.summary), sorted(summary_block(case_summary(name, CASES).read_text()))


def _case_params() -> list[object]:
    known = known_failures()
    return [pytest.param(name, marks=pytest.mark.xfail(reason=known[name], strict=True)) if name in known
            else name for name in case_names(CASES)]


def test_known_failures_name_real_cases() -> None:
    names = case_names(CASES)
    assert len(names) == 444
    known = known_failures()
    assert set(known) <= set(names), sorted(set(known) - set(names))
    assert all(known.values()), "every listed case says why it fails"


@pytest.mark.parametrize("name", _case_params(), ids=str)
def test_regression_case_extended(name: str) -> None:
    got, want = run_case(name)
    missing = [x for x in want if x not in got]
    extra = [x for x in got if x not in want]
    assert got == want, f"{name}: missing={missing} extra={extra}"
