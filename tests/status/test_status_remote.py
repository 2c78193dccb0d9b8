"""Remote and guest nodes in the status view, as crm_simulate and crm_mon 2.1.5 show them.

The node list names a remote node's line `RemoteNode`, a guest node's `GuestNode`, and sums
the others up as `Online`, `OFFLINE`, `RemoteOnline`, `RemoteOFFLINE` and `GuestOnline` (an
offline guest node is in no list); a guest node's connection, which the cluster makes itself,
is left out of the text and listed in the XML, where a guest node is of type remote with its
container as id_as_resource. The extended regression cases with remote or guest nodes (and no
bundle: test_status_bundle.py has those) are compared with the status crm_simulate printed
for them; the exact XML values below are crm_mon 2.1.5's for the same cases.
"""

from __future__ import annotations

import pytest
from lxml import etree

from hastack.cib import load_cib_file
from hastack.status import StatusView, build_view, render_crm_mon, render_crm_mon_xml, render_simulate, to_dict

from testdata import PACEMAKER_CASES_EXTENDED as CASES
from testdata import case_names, case_summary, case_xml, status_block


def _remote_cases() -> list[str]:
    """The extended cases whose CIB makes a remote or a guest node, without a bundle."""
    out = []
    for name in case_names(CASES):
        text = case_xml(name, CASES).read_text()
        if ('type="remote"' in text or 'name="remote-node"' in text) and "<bundle" not in text:
            out.append(name)
    return out


REMOTE_CASES = _remote_cases()


def _view(name: str) -> StatusView:
    cib = load_cib_file(str(case_xml(name, CASES)))
    return build_view(cib.config, cib.state)


def test_the_remote_cases_are_there() -> None:
    assert len(REMOTE_CASES) == 38


@pytest.mark.parametrize("name", REMOTE_CASES)
def test_current_status_is_crm_simulates(name: str) -> None:
    assert render_simulate(_view(name)).rstrip("\n") == status_block(case_summary(name, CASES).read_text())


def test_guest_nodes_online_are_listed_apart_and_their_connections_are_not_shown() -> None:
    text = render_crm_mon(_view("whitebox-fail1"), inactive=True)
    assert text[text.index("Node List:"):text.index("Failed Resource Actions:")] == (
        "Node List:\n"
        "  * Online: [ 18node1 18node2 18node3 ]\n"
        "  * GuestOnline: [ lxc2 ]\n"  # lxc1, offline (its container failed), is in no list
        "\n"
        "Full List of Resources:\n"
        "  * container1\t(ocf:heartbeat:VirtualDomain):\t FAILED 18node2\n"
        "  * container2\t(ocf:heartbeat:VirtualDomain):\t Started 18node2\n"
        "  * shoot1\t(stonith:fence_xvm):\t Started 18node3\n"
        "  * Clone Set: M-clone [M]:\n"
        "    * Started: [ 18node1 18node2 18node3 lxc2 ]\n"
        "  * A\t(ocf:pacemaker:Dummy):\t Started 18node1\n"
        "  * B\t(ocf:pacemaker:Dummy):\t FAILED lxc1\n"
        "  * C\t(ocf:pacemaker:Dummy):\t Started lxc2\n"
        "  * D\t(ocf:pacemaker:Dummy):\t Started 18node1\n"
        "\n")
    assert "  * 14 resource instances configured\n" in text  # the guests' connections count


def test_a_remote_node_in_trouble_has_a_line_of_its_own() -> None:
    text = render_crm_mon(_view("remote-fence-unclean2"), inactive=True)
    assert text[text.index("Node List:"):text.index("Full List")] == (
        "Node List:\n"
        "  * Node rhel7-alt1: standby\n"
        "  * Node rhel7-alt2: standby\n"
        "  * RemoteNode rhel7-alt4: UNCLEAN (offline)\n"
        "  * OFFLINE: [ rhel7-alt3 ]\n"
        "\n")


def _nodes_xml(name: str) -> dict[str, dict[str, str]]:
    doc = etree.fromstring(render_crm_mon_xml(_view(name), request="crm_mon").encode())
    return {el.get("name", ""): dict(el.attrib) for el in doc.findall("nodes/node")}


def test_the_xml_types_remote_and_guest_nodes() -> None:
    nodes = _nodes_xml("whitebox-fail1")
    assert nodes["18node1"]["type"] == "member" and "id_as_resource" not in nodes["18node1"]
    assert nodes["lxc1"] == {
        "name": "lxc1", "id": "lxc1", "online": "false", "standby": "false", "standby_onfail": "false",
        "maintenance": "false", "pending": "false", "unclean": "false", "health": "green", "shutdown": "false",
        "expected_up": "false", "is_dc": "false", "resources_running": "2", "type": "remote",
        "id_as_resource": "container1"}
    assert (nodes["lxc2"]["online"], nodes["lxc2"]["type"], nodes["lxc2"]["id_as_resource"]) == (
        "true", "remote", "container2")
    remote = _nodes_xml("remote-fence-unclean2")["rhel7-alt4"]
    assert (remote["type"], remote["unclean"], remote["resources_running"]) == ("remote", "true", "1")
    assert "id_as_resource" not in remote


def test_the_xml_lists_the_guests_connections() -> None:
    doc = etree.fromstring(render_crm_mon_xml(_view("whitebox-fail1"), request="crm_mon").encode())
    lxc2 = doc.find("resources/resource[@id='lxc2']")
    assert lxc2 is not None and lxc2.get("resource_agent") == "ocf:pacemaker:remote"
    assert [n.get("name") for n in lxc2] == ["18node2"]


def test_the_data_says_each_nodes_kind() -> None:
    nodes = {n["name"]: n for n in to_dict(_view("whitebox-fail1"))["nodes"]}
    assert (nodes["18node1"]["kind"], nodes["18node1"]["container"]) == ("member", None)
    assert (nodes["lxc1"]["kind"], nodes["lxc1"]["container"]) == ("guest", "container1")
    assert to_dict(_view("remote-fence-unclean2"))["nodes"][3]["kind"] == "remote"
