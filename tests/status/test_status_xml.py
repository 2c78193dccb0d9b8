"""crm_mon's XML (and -f/-A text) rendered from the status view, on the regression cases.

Every case's XML validates against Pacemaker's own API schema, from Debian's pacemaker-common
(/usr/share/pacemaker/api/api-result-2.25.rng and the files it includes). On a sample of
cases the XML and the text equal what the installed crm_mon (Pacemaker 2.1.5) prints for the
case's CIB (`CIB_file=xml/NAME.xml crm_mon -1 --output-as=xml`, and `-1 -r -f -A`), except
for what hastack states differently or not at all: the summary (stack, DC version, times),
node feature set, and bans. The exact values asserted below are crm_mon 2.1.5's
for the same cases.
"""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
from lxml import etree

from hastack.cib import load_cib_file
from hastack.status import StatusView, build_view, render_crm_mon, render_crm_mon_xml, to_dict
from hastack.status.xml import API_VERSION

from crm_mon_oracle import api_schema, comparable_xml, crm_mon_on
from testdata import case_names, case_xml

@pytest.fixture(scope="module")
def relaxng() -> etree.RelaxNG:
    return api_schema()


@pytest.fixture
def utc(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Times are rendered in the local zone, as crm_mon renders them: pin it for exact values."""
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


def _view(name: str, full: bool = True) -> StatusView:
    cib = load_cib_file(str(case_xml(name)))
    return build_view(cib.config, cib.state, attributes=full, history=full)


def _ours(name: str, full: bool = True, updated: str = "Wed Dec  2 05:06:18 2026") -> str:
    return render_crm_mon_xml(_view(name, full), request="crm_mon -1 --output-as=xml", updated=updated)


@pytest.mark.parametrize("name", case_names())
def test_the_xml_of_every_case_validates(name: str, relaxng: etree.RelaxNG) -> None:
    doc = etree.fromstring(_ours(name).encode())
    assert relaxng.validate(doc), relaxng.error_log
    assert doc.get("api-version") == API_VERSION


@pytest.mark.parametrize("name", ["monitor-onfail-stop", "bug-5059", "clone-max-zero", "1360"])
def test_the_smallest_document_validates_too(name: str, relaxng: etree.RelaxNG) -> None:
    """Without attributes, history or the time of reading (sections the schema makes optional)."""
    doc = etree.fromstring(_ours(name, full=False, updated="").encode())
    assert relaxng.validate(doc), relaxng.error_log
    assert doc.find("summary/last_update") is None and doc.find("node_attributes") is None


def _el(doc: etree._Element, path: str) -> dict[str, str]:
    found = doc.find(path)
    assert found is not None, path
    return dict(found.attrib)


def test_an_offline_node_a_failed_action_and_its_fail_count(utc: None) -> None:
    doc = etree.fromstring(_ours("monitor-onfail-stop").encode())
    assert _el(doc, "nodes/node[@name='fc16-builder2']") == {
        "name": "fc16-builder2", "id": "fc16-builder2", "online": "false", "standby": "false",
        "standby_onfail": "false", "maintenance": "false", "pending": "false", "unclean": "false", "health": "green",
        "shutdown": "false", "expected_up": "false", "is_dc": "false", "resources_running": "0", "type": "member"}
    assert _el(doc, "resources/resource[@id='A']") == {
        "id": "A", "resource_agent": "ocf:pacemaker:Dummy", "role": "Started", "active": "true",
        "orphaned": "false", "blocked": "false", "managed": "true", "failed": "true", "failure_ignored": "false",
        "nodes_running_on": "1"}
    assert _el(doc, "failures/failure") == {
        "op_key": "A_monitor_20000", "node": "fc16-builder", "exitstatus": "not running", "exitreason": "none",
        "exitcode": "7", "call": "4", "status": "complete", "last-rc-change": "2012-04-12 14:51:53Z",
        "queued": "0", "exec": "10", "interval": "20000", "task": "monitor"}
    assert _el(doc, "node_history/node[@name='fc16-builder']/resource_history") == {
        "id": "A", "orphan": "false", "migration-threshold": "1000000", "fail-count": "1",
        "last-failure": "Thu Apr 12 14:51:54 2012"}
    ops = doc.findall("node_history/node/resource_history/operation_history")
    assert [(o.get("call"), o.get("task"), o.get("rc_text"), o.get("interval")) for o in ops] == [
        ("4", "monitor", "not running", "20000ms"), ("7", "monitor", "ok", "20000ms")]
    text = render_crm_mon(_view("monitor-onfail-stop"), inactive=True, failcounts=True)
    assert ("Migration Summary:\n  * Node: fc16-builder:\n"
            "    * A: migration-threshold=1000000 fail-count=1 last-failure='Thu Apr 12 14:51:54 2012'\n") in text
    assert text.endswith("Failed Resource Actions:\n  * A 20s-interval monitor on fc16-builder returned "
                         "'not running' at Thu Apr 12 14:51:53 2012 after 10ms\n")
    history = to_dict(_view("monitor-onfail-stop"))["history"]
    assert [(h["node"], h["resource"], h["fail_count"]) for h in history] == [("fc16-builder", "A", 1)]


def test_a_promoted_clone() -> None:
    doc = etree.fromstring(_ours("anti-colocation-promoted").encode())
    assert _el(doc, "resources/clone") == {
        "id": "ms1", "multi_state": "true", "unique": "false", "managed": "true", "disabled": "false",
        "failed": "false", "failure_ignored": "false"}
    instances = doc.findall("resources/clone/resource")
    assert [(r.get("id"), r.get("role"), [n.get("name") for n in r]) for r in instances] == [
        ("state1", "Unpromoted", ["sle12sp2-2"]), ("state1", "Promoted", ["sle12sp2-1"])]
    dc = _el(doc, "summary/current_dc")
    assert (dc["present"], dc["name"], dc["id"], dc["with_quorum"]) == ("true", "sle12sp2-2", "1084783156", "true")


# --- against the installed crm_mon ---------------------------------------------------------------------

# Cases of different shapes: failures and fail counts, promotable clones, orphaned instances,
# "#default" target roles, pending operations, records without operation keys, masked probes,
# degraded results, cloned groups, unclean nodes, a never-quorate cluster's policy.
SAMPLE = ["monitor-onfail-stop", "bug-5059", "clone-max-zero", "clone-anon-probe-2", "mon-rsc-3", "group9",
          "failed-probe-primitive", "1360", "ocf_degraded-remap-ocf_ok", "anon-instance-pending",
          "suicide-not-needed-never-quorate", "bug-1765", "cloned-group-stop", "bug-rh-880249", "unmanaged-stop-3"]


def _crm_mon(name: str, *args: str) -> str:
    return crm_mon_on(case_xml(name), *args)


@pytest.mark.parametrize("name", SAMPLE)
def test_the_xml_is_crm_mons_own(name: str) -> None:
    theirs, ours = _crm_mon(name, "--output-as=xml"), _ours(name)
    assert comparable_xml(ours) == comparable_xml(theirs)
    mine, reference = etree.fromstring(ours.encode()), etree.fromstring(theirs.encode())
    for tag in ("nodes_configured", "resources_configured", "cluster_options"):
        assert _el(mine, f"summary/{tag}") == _el(reference, f"summary/{tag}"), tag


@pytest.mark.parametrize("name", SAMPLE)
def test_the_text_is_crm_mons_own(name: str) -> None:
    """crm_mon -1 -r -f -A from the node list on (the summary differs: stack, DC version, times)."""
    theirs = _crm_mon(name, "-r", "-f", "-A")
    ours = render_crm_mon(_view(name), inactive=True, attributes=True, failcounts=True)
    assert ours[ours.index("Node List:"):] == theirs[theirs.index("Node List:"):]
    counts = [line for line in theirs.splitlines() if line.endswith("configured") or "configured (" in line]
    assert counts and all(line in ours.splitlines() for line in counts)


@pytest.mark.parametrize("name", ["monitor-onfail-stop", "bug-5059", "clone-max-zero"])
def test_the_legacy_form_is_crm_mons_own(name: str) -> None:
    """crm_mon -X (deprecated; what ha_cluster_exporter reads): the same sections under <crm_mon>."""
    ours = render_crm_mon_xml(_view(name), request="", updated="now", legacy=True)
    assert ours.startswith('<crm_mon version="2.1.5">\n')
    assert comparable_xml(ours) == comparable_xml(_crm_mon(name, "-X"))
