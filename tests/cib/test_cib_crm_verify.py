"""Exports that Pacemaker 2.1.5's own tools accept.

crm_verify must say about an exported regression case exactly what it says about
the original file (several originals already draw warnings), and must find no
error in small hand-built configurations that cover every resource and
constraint kind. crm_simulate must run on exports and print the same
transition as on the originals. Skipped where pacemaker-cli-utils is missing.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from hastack.cib import load_cib_file, parse_cib, to_xml
from hastack.model.state import ClusterState, NodeState
from hastack.model import (
    AgentRef, AttrSet, Clone, Colocation, Configuration, DateExpression, Expression, FencingLevel, Group,
    Location, Node, Op, Order, OrderKind, Primitive, ResourceSet, Role, Rule, Tag, Template, Ticket,
)
from testdata import PACEMAKER_CASES

CASES = PACEMAKER_CASES / "xml"
SAMPLE = sorted(CASES.glob("*.xml"))[::3]
CRM_VERIFY = shutil.which("crm_verify") or "/usr/sbin/crm_verify"
CRM_SIMULATE = shutil.which("crm_simulate") or "/usr/sbin/crm_simulate"



def run(tool: list[str], tmp: Path) -> tuple[int, str]:
    env = dict(os.environ, LC_ALL="C", CIB_shadow_dir=str(tmp))
    proc = subprocess.run(tool, capture_output=True, text=True, env=env, timeout=30)
    return proc.returncode, (proc.stdout + proc.stderr).replace(str(tmp), "<tmp>")


def verify(path: Path, tmp: Path) -> tuple[int, str]:
    code, out = run([CRM_VERIFY, "-V", "--xml-file", str(path)], tmp)
    return code, out.replace(str(path), "<file>")


def export(path: Path, tmp: Path) -> Path:
    cib = load_cib_file(path)
    out = tmp / path.name
    out.write_text(to_xml(cib.config, cib.state))
    return out


@pytest.mark.parametrize("path", SAMPLE, ids=lambda p: p.stem)
def test_crm_verify_says_the_same_about_export(path: Path, tmp_path: Path) -> None:
    assert verify(export(path, tmp_path), tmp_path) == verify(path, tmp_path)


@pytest.mark.parametrize("path", SAMPLE[::3], ids=lambda p: p.stem)
def test_crm_simulate_gives_the_same_transition(path: Path, tmp_path: Path) -> None:
    exported = export(path, tmp_path)
    original = run([CRM_SIMULATE, "-x", str(path), "-S"], tmp_path)
    again = run([CRM_SIMULATE, "-x", str(exported), "-S"], tmp_path)
    assert again == original
    assert "Transition Summary" in again[1]


# --- hand-built configurations: every kind, ids left for the exporter to make up -------------

def ops(*specs: tuple[str, str, str | None]) -> tuple[Op, ...]:
    from hastack.model import durations
    return tuple(Op("", name, interval_ms=durations.parse_ms(interval), interval_text=interval,
                    timeout_ms=None if timeout is None else durations.parse_ms(timeout), timeout_text=timeout)
                 for name, interval, timeout in specs)


def dummy(rid: str, **kw: object) -> Primitive:
    return Primitive(rid, AgentRef("ocf", "Dummy", "pacemaker"), ops=ops(("monitor", "10s", "20s")), **kw)  # type: ignore[arg-type]


def props(**pairs: str) -> tuple[AttrSet, ...]:
    return (AttrSet("", tuple(pairs.items())),)


def build_resources_config() -> Configuration:
    stateful = Primitive("state", AgentRef("ocf", "Stateful", "pacemaker"),
                         ops=(Op("", "monitor", 10_000, role=Role.PROMOTED, interval_text="10s"),
                              Op("", "monitor", 11_000, role=Role.UNPROMOTED, interval_text="11s"),
                              Op("", "start", 0, timeout_ms=60_000, on_fail="restart", attributes=(("record-pending", "true"),))))
    stateful2 = Primitive("state2", AgentRef("ocf", "Stateful", "pacemaker"))
    resources = [
        Primitive("fence1", AgentRef("stonith", "fence_dummy"), params=(AttrSet("", (("pcmk_host_list", "n1 n2"),)),)),
        Template("tmpl", AgentRef("ocf", "Dummy", "pacemaker"), params=(AttrSet("", (("fake", "x"),)),)),
        Primitive("from_tmpl", None, template="tmpl", meta=(AttrSet("", (("target-role", "Started"),)),)),
        dummy("solo", utilization=(AttrSet("", (("cpu", "1"),)),), description="a lone resource",
              params=(AttrSet("", (("fake", "1"),), rule=Rule("", (Expression("", "#uname", "eq", "n1"),)), score=2),
                      AttrSet("", (("fake", "2"),)))),
        Group("grp", ("g1", "g2"), meta=(AttrSet("", (("ordered", "true"),)),)),
        dummy("g1"), dummy("g2"),
        Clone("cl", "cg", meta=(AttrSet("", (("interleave", "true"),)),)),
        Group("cg", ("c1",)), dummy("c1"),
        Clone("prom", "state", promotable=True, meta=(AttrSet("", (("promoted-max", "1"),)),)),
        stateful,
        Clone("ms", "state2", promotable=True, legacy_master=True),
        stateful2,
    ]
    nodes = (Node("1", "n1", attributes=props(rack="a"), utilization=props(cpu="4")), Node("2", "n2"))
    return Configuration(
        nodes=nodes, resources={r.id: r for r in resources},
        properties=props(**{"stonith-enabled": "true", "no-quorum-policy": "stop"}),
        rsc_defaults=props(**{"resource-stickiness": "1"}), op_defaults=props(timeout="30s"),
        fencing_topology=(FencingLevel("", 1, ("fence1",), target="n1"),
                          FencingLevel("", 1, ("fence1",), target_pattern="n.*2")),
        tags=(Tag("web", ("solo", "grp")),),
    )


def build_constraints_config() -> Configuration:
    base = build_resources_config()
    date = DateExpression("", "date_spec", date_spec=(("hours", "9-17"),))
    constraints = (
        Location("loc-node", rsc="solo", score=100, node="n1", resource_discovery="exclusive"),
        Location("loc-rule", rsc="grp", rules=(Rule("", (Expression("", "rack", "defined"), date), score=50,
                                                    boolean_op="or"),)),
        Location("loc-role", rsc="prom", role=Role.PROMOTED,
                 rules=(Rule("", (Expression("", "#uname", "eq", "n2"),), score=-1_000_000),)),
        Location("loc-pattern", rsc_pattern="^g[0-9]", score=10, node="n2"),
        Location("loc-dates", rsc="from_tmpl", rules=(
            Rule("", (DateExpression("", "in_range", start="2024-01-01", duration=(("years", "1"),)),
                      DateExpression("", "gt", start="2020-06-01T00:00:00Z")), score=7),)),
        Location("loc-set", sets=(ResourceSet("", ("solo", "from_tmpl")),), score=5, node="n1"),
        Colocation("col", 1_000_000, rsc="grp", with_rsc="prom", with_rsc_role=Role.PROMOTED),
        Colocation("col-set", -100, sets=(ResourceSet("", ("solo", "from_tmpl"), sequential=False),
                                          ResourceSet("", ("cl",), role=Role.STARTED))),
        Order("ord", first="prom", then="grp", first_action="promote", then_action="start",
              order_kind=OrderKind.MANDATORY),
        Order("ord-opt", first="solo", then="from_tmpl", score=0, symmetrical=False),
        Order("ord-set", sets=(ResourceSet("", ("solo",), action="start"),
                               ResourceSet("", ("from_tmpl", "grp"), sequential=False, require_all=False)),
              order_kind=OrderKind.SERIALIZE),
        Ticket("tk", "ticketA", rsc="prom", rsc_role=Role.PROMOTED, loss_policy="demote"),
        Ticket("tk-set", "ticketB", sets=(ResourceSet("", ("solo", "grp")),), loss_policy="stop"),
    )
    return Configuration(nodes=base.nodes, resources=base.resources, constraints=constraints,
                         properties=base.properties, rsc_defaults=base.rsc_defaults, op_defaults=base.op_defaults,
                         fencing_topology=base.fencing_topology, tags=base.tags)


@pytest.mark.parametrize("build", [build_resources_config, build_constraints_config])
def test_hand_built_configuration_is_valid_for_crm_verify(build, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "cib.xml"
    path.write_text(to_xml(build()))
    code, out = verify(path, tmp_path)
    # With no status section every node is unclean, so Pacemaker plans to fence it: that warning
    # (and only that one) is expected.
    problems = [line for line in out.splitlines()
                if ("error" in line.lower() or "warning" in line.lower())
                and "for fencing" not in line and "Warnings found during check" not in line]
    assert code in (0, 78) and problems == [], out
    again = parse_cib(path.read_text())
    assert to_xml(again.config) == path.read_text()


def test_crm_simulate_places_a_hand_built_configuration_on_a_hand_built_state(tmp_path: Path) -> None:
    online = dict(in_ccm="true", crmd="online", join="member", expected="member")
    state = ClusterState(nodes={"1": NodeState("1", "n1", **online), "2": NodeState("2", "n2", **online)},
                         have_quorum=True, dc_uuid="1")
    path = tmp_path / "cib.xml"
    path.write_text(to_xml(build_constraints_config(), state))
    code, out = run([CRM_SIMULATE, "-x", str(path), "-S"], tmp_path)
    assert code == 0, out
    summary = out.split("Transition Summary:")[1].split("Executing Cluster Transition:")[0]
    assert "Fence" not in summary
    started = {line.split()[2] for line in summary.splitlines() if line.strip().startswith("* Start")}
    # solo and grp wait for ticketB, which nobody granted; everything else free to run starts.
    assert started == {"fence1", "from_tmpl", "c1:0", "c1:1", "state:0", "state2:0", "state2:1"}, summary
