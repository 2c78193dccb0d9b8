"""Bundles: the implicit resources bundle_parts.py makes, and how the scheduler places them.

The container parameters are checked against the op-digests Pacemaker recorded in the
regression cases (a single character of run_opts off changes the digest); placement on a
small cluster of our own.
"""

from __future__ import annotations

import pytest

from hastack.cib import load_cib_file, parse_cib
from hastack.model.config import Bundle, Configuration, Primitive
from hastack.model.values import AgentRef
from hastack.scheduler import schedule
from hastack.scheduler.bundle_parts import bundle_parts, parts_of
from hastack.scheduler.digest import digest_of
from testdata import PACEMAKER_CASES_EXTENDED, case_xml


@pytest.mark.parametrize("name", ["bundle-connection-with-container", "bundle-order-partial-start-2",
                                  "bundle-order-stop-clone", "bundle-order-stop-on-remote",
                                  "cancel-behind-moving-remote"])
def test_container_parameters_give_the_recorded_digests(name: str) -> None:
    cib = load_cib_file(case_xml(name, PACEMAKER_CASES_EXTENDED))
    containers = {rp.container.id: rp.container for p in bundle_parts(cib.config) for rp in p.replicas}
    compared = 0
    for ns in cib.state.nodes.values():
        for h in ns.resources:
            if h.id not in containers:
                continue
            for op in h.ops:
                if op.operation == "start" and op.op_digest:
                    assert digest_of(dict(containers[h.id].params[0].pairs)) == op.op_digest, (h.id, ns.uname)
                    compared += 1
    assert compared >= 3


def _bundle(**options: str) -> tuple[Configuration, Bundle]:
    net = tuple((k.replace("_", "-"), v) for k, v in options.items() if k in ("ip_range_start", "control_port"))
    runtime = tuple((k, v) for k, v in options.items() if k in ("replicas", "promoted-max"))
    b = Bundle("web", "docker", runtime_options=(("image", "img"),) + runtime, network=net, primitive="httpd")
    httpd = Primitive("httpd", AgentRef("ocf", "apache", "heartbeat"))
    return Configuration(resources={"web": b, "httpd": httpd}), b


def test_replicas_are_named_and_addressed_as_pacemaker_does() -> None:
    config, b = _bundle(ip_range_start="192.168.1.253", replicas="3")
    parts = parts_of(config, b)
    assert parts is not None
    assert [rp.container.id for rp in parts.replicas] == ["web-docker-0", "web-docker-1", "web-docker-2"]
    assert [rp.ip.id for rp in parts.replicas if rp.ip is not None] == [
        "web-ip-192.168.1.253", "web-ip-192.168.1.254", "web-ip-192.168.2.1"]
    assert [rp.remote.id for rp in parts.replicas if rp.remote is not None] == ["web-0", "web-1", "web-2"]
    assert parts.child is not None and parts.child.id == "web-clone" and not parts.child.promotable
    run_opts = dict(parts.replicas[1].container.params[0].pairs)["run_opts"]
    assert " -h web-1 " in run_opts and " -p 192.168.1.254:3121:3121" in run_opts
    assert run_opts.endswith("  --add-host=web-0:192.168.1.253 --add-host=web-1:192.168.1.254"
                             " --add-host=web-2:192.168.2.1")


def test_promoted_max_makes_a_promotable_master_clone_and_the_replica_count() -> None:
    config, b = _bundle(control_port="3123", **{"promoted-max": "2"})
    parts = parts_of(config, b)
    assert parts is not None and len(parts.replicas) == 2
    assert parts.child is not None and parts.child.id == "web-master" and parts.child.promotable
    assert all(rp.ip is None for rp in parts.replicas)


def test_a_primitive_nothing_can_reach_makes_pacemaker_ignore_the_bundle() -> None:
    config, b = _bundle(replicas="2")
    assert parts_of(config, b) is None


CIB = """<cib validate-with="pacemaker-3.7" epoch="1" num_updates="0" admin_epoch="0" have-quorum="1">
  <configuration>
    <crm_config><cluster_property_set id="o">
      <nvpair id="o-s" name="stonith-enabled" value="false"/></cluster_property_set></crm_config>
    <nodes><node id="1" uname="n1"/><node id="2" uname="n2"/></nodes>
    <resources>
      <bundle id="web">
        <docker image="img" replicas="2"/>
        <network ip-range-start="10.0.0.10"/>
        <primitive class="ocf" id="httpd" provider="heartbeat" type="apache"/>
      </bundle>
    </resources>
    <constraints/>
  </configuration>
  <status>
    <node_state id="1" uname="n1" in_ccm="true" crmd="online" join="member" expected="member"/>
    <node_state id="2" uname="n2" in_ccm="true" crmd="online" join="member" expected="member"/>
  </status>
</cib>"""


def test_replicas_spread_over_the_nodes_and_each_instance_runs_in_its_own_replica() -> None:
    cib = parse_cib(CIB)
    t = schedule(cib.config, cib.state, 1_700_000_000)
    hosts = {t.placement[f"web-docker-{i}"].node for i in range(2)}
    assert hosts == {"n1", "n2"}  # one replica per host (replicas-per-host=1)
    for i in range(2):
        container = t.placement[f"web-docker-{i}"].node
        assert t.placement[f"web-ip-10.0.0.1{i}"].node == container
        assert t.placement[f"web-{i}"].node == container
        assert t.placement[f"httpd:{i}"].node == f"web-{i}"
    assert "Start httpd:0 (web-0)" in t.summary
