"""The status view's text against crm_simulate's "Current cluster status", on all 444 extended cases.

The same comparison as test_status_cases.py (the block of each case's summary from "Current
cluster status:" to "Transition Summary:", byte for byte), over
tests/data/pacemaker/cases-extended. Every case not listed in known_status_extended.tsv must
match; every listed case must still differ (strict xfail), so fixing one forces its removal
from the list. One test id per case, named after the case.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from lxml import etree

from hastack.cib import load_cib_file
from hastack.status import build_view, render_crm_mon, render_crm_mon_xml, render_simulate

from testdata import CASE_WALL_CLOCK
from testdata import PACEMAKER_CASES_EXTENDED as CASES
from testdata import case_names, case_summary, case_xml, known_cases, status_block

KNOWN = Path(__file__).with_name("known_status_extended.tsv")


def _case_params() -> list[object]:
    known = known_cases(KNOWN)
    return [pytest.param(name, marks=pytest.mark.xfail(reason=known[name], strict=True)) if name in known
            else name for name in case_names(CASES)]


def test_the_list_names_real_cases_with_reasons() -> None:
    names = case_names(CASES)
    assert len(names) == 444
    known = known_cases(KNOWN)
    assert set(known) <= set(names), sorted(set(known) - set(names))
    assert all(known.values()), "every listed case says why it differs"


@pytest.mark.parametrize("name", _case_params(), ids=str)
def test_current_status_is_crm_simulates(name: str) -> None:
    cib = load_cib_file(case_xml(name, CASES), running=True)  # read as crm_simulate reads a running cluster's
    # at the time crm_simulate read it: the CIB's execution date, else the wall clock of then
    now = cib.state.execution_date if cib.state.execution_date is not None else CASE_WALL_CLOCK
    ours = render_simulate(build_view(cib.config, cib.state, now)).rstrip("\n")
    assert ours == status_block(case_summary(name, CASES).read_text())


def test_an_unhealthy_node_has_a_line_of_its_own() -> None:
    """A node whose #health* attributes are yellow or red under the health strategy says so; the
    XML gives every node its colour (crm_mon 2.1.5's values for the case)."""
    cib = load_cib_file(case_xml("systemhealthm2", CASES), running=True)
    view = build_view(cib.config, cib.state)
    text = render_crm_mon(view)
    assert text[text.index("Node List:"):text.index("\n\n", text.index("Node List:"))] == (
        "Node List:\n  * Node hs21c: online (health is YELLOW)\n  * Node hs21d: UNCLEAN (offline)")
    doc = etree.fromstring(render_crm_mon_xml(view, request="crm_mon").encode())
    assert [(n.get("name"), n.get("health")) for n in doc.iter("node")] == [("hs21c", "yellow"), ("hs21d", "green")]


def test_a_resource_held_by_a_shutdown_lock_is_shown_on_its_node() -> None:
    """Stopped, on the node that shut down with it (LOCKED), while the lock holds at the CIB's
    execution date; an expired lock (rsc2's) holds nothing. The XML names the node (locked_to)."""
    cib = load_cib_file(case_xml("shutdown-lock-expiration", CASES), running=True)
    view = build_view(cib.config, cib.state)
    assert "    * rsc1\t(ocf:pacemaker:Dummy):\t Stopped node1 (LOCKED)\n" in render_simulate(view)
    doc = etree.fromstring(render_crm_mon_xml(view, request="crm_mon").encode())
    assert [(r.get("id"), r.get("locked_to")) for r in doc.iterfind("resources/resource")] == [
        ("Fencing", None), ("rsc1", "node1"), ("rsc2", None)]
