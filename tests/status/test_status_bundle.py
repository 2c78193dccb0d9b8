"""Bundles in the status view, as crm_simulate and crm_mon 2.1.5 show them.

A bundle is shown as `Container bundle: NAME [IMAGE]` (`Container bundle set` with more than
one replica) and a line per replica: the instance of its primitive (or the container, for a
bundle of bare containers) named after the replica's guest node (or container) and address,
on the node the container runs on. crm_mon's XML lists each replica's address, instance,
container and guest-node connection. Every extended regression case with a bundle is
compared with the installed crm_mon's XML and text; the text crm_simulate printed for them
is compared by test_status_extended.py. The exact values below are crm_mon 2.1.5's.
"""

from __future__ import annotations

import pytest
from lxml import etree

from hastack.cib import load_cib_file
from hastack.status import StatusView, build_view, render_crm_mon, render_crm_mon_xml, render_simulate, to_dict

from crm_mon_oracle import api_schema, comparable_xml, crm_mon_on
from testdata import PACEMAKER_CASES_EXTENDED as CASES
from testdata import case_names, case_xml

BUNDLE_CASES = [name for name in case_names(CASES) if "<bundle" in case_xml(name, CASES).read_text()]


def _view(name: str) -> StatusView:
    cib = load_cib_file(case_xml(name, CASES), running=True)
    return build_view(cib.config, cib.state, attributes=True, history=True)


def _xml(name: str) -> str:
    return render_crm_mon_xml(_view(name), request="crm_mon", updated="now")


def test_the_bundle_cases_are_there() -> None:
    assert len(BUNDLE_CASES) == 26


def test_a_replica_a_line() -> None:
    text = render_simulate(_view("bundle-order-partial-start"))
    assert (
        "    * Container bundle: rabbitmq-bundle [192.168.24.1:8787/tripleoupstream/centos-binary-rabbitmq:latest]:\n"
        "      * rabbitmq-bundle-0\t(ocf:heartbeat:rabbitmq-cluster):\t Stopped undercloud\n"  # the container's node
        "    * Container bundle: galera-bundle [192.168.24.1:8787/tripleoupstream/centos-binary-mariadb:latest]:\n"
        "      * galera-bundle-0\t(ocf:heartbeat:galera):\t Stopped\n") in text
    # a bundle of bare containers shows its container
    assert "      * haproxy-bundle-docker-0\t(ocf:heartbeat:docker):\t Stopped\n" in text
    # the address, set and unmanaged flags
    text = render_simulate(_view("colocation-influence"))
    assert ("    * Container bundle set: bundle10 [pcmktest:http]:\n"
            "      * bundle10-0 (192.168.122.131)\t(ocf:heartbeat:apache):\t Started rhel7-2\n") in text


def test_the_xml_lists_each_replicas_parts() -> None:
    doc = etree.fromstring(_xml("bundle-order-partial-start").encode())
    bundle = doc.find("resources/bundle[@id='redis-bundle']")
    assert bundle is not None and dict(bundle.attrib) == {
        "id": "redis-bundle", "type": "docker", "image": "192.168.24.1:8787/tripleoupstream/centos-binary-redis:latest",
        "unique": "false", "managed": "true", "failed": "false"}
    parts = bundle.findall("replica[@id='0']/resource")
    assert [(p.get("id"), p.get("resource_agent"), p.get("role"), [n.get("name") for n in p]) for p in parts] == [
        ("redis", "ocf:heartbeat:redis", "Unpromoted", ["redis-bundle-0"]),
        ("redis-bundle-docker-0", "ocf:heartbeat:docker", "Started", ["undercloud"]),
        ("redis-bundle-0", "ocf:pacemaker:remote", "Started", ["undercloud"])]
    # a bundle's address, connection and clone are not top-level resources
    assert doc.find("resources/clone[@id='redis-bundle-master']") is None
    assert doc.find("resources/resource[@id='redis-bundle-0']") is None


def test_the_data_lists_the_replicas() -> None:
    bundles = [r for r in to_dict(_view("colocation-influence"))["resources"] if r["kind"] == "bundle"]
    assert [(b["id"], b["image"], b["runtime"]) for b in bundles] == [
        ("bundle10", "pcmktest:http", "docker"), ("bundle11", "pcmktest:http", "docker")]
    replica = bundles[0]["replicas"][0]
    assert (replica["offset"], replica["address"], replica["ip"]["id"], replica["child"]["name"],
            replica["container"]["id"], replica["remote"]["id"]) == (
        0, "192.168.122.131", "bundle10-ip-192.168.122.131", "httpd", "bundle10-docker-0", "bundle10-0")


def test_a_clone_is_stopped_on_no_bundles_guest_node() -> None:
    """Pacemaker never places a clone's instances on a bundle's guest node (a node read from the
    nodes section counts for the clones before its bundle), nor counts them in clone-max."""
    text = render_simulate(_view("bundle-order-startup-clone"))
    assert "      * Stopped: [ metal-1 metal-2 metal-3 rabbitmq-bundle-0 ]\n" in text  # no galera-bundle-0
    stop_all = _view("stop-all-resources")
    ping = next(r for r in stop_all.resources if r.id == "ping-clone")
    assert ping.clone_max == 2  # two cluster nodes, not the three guest nodes of httpd-bundle after it


@pytest.mark.parametrize("name", BUNDLE_CASES)
def test_the_xml_validates_and_is_crm_mons_own(name: str) -> None:
    ours = _xml(name)
    schema = api_schema()
    assert schema.validate(etree.fromstring(ours.encode())), schema.error_log
    theirs = crm_mon_on(case_xml(name, CASES), "--output-as=xml")
    assert comparable_xml(ours) == comparable_xml(theirs)


@pytest.mark.parametrize("name", BUNDLE_CASES)
def test_the_text_is_crm_mons_own(name: str) -> None:
    """crm_mon -1 -r -f -A from the node list on (the summary differs: stack, DC version, times)."""
    theirs = crm_mon_on(case_xml(name, CASES), "-r", "-f", "-A")
    ours = render_crm_mon(_view(name), inactive=True, attributes=True, failcounts=True)
    assert ours[ours.index("Node List:"):] == theirs[theirs.index("Node List:"):]
