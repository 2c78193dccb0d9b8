"""Renderers: current status (against crm_simulate's own text), summary, scores, graph, dot, explanations."""

from __future__ import annotations


import pytest

from hastack.cib import load_cib_file, parse_cib
from hastack.errors import HastackError
from hastack.model.values import Role
from hastack.scheduler.types import Action, Contribution, Placement, Transition
from hastack.simulate import explain, graph_dot, graph_text, observe, render_status, score_lines, summary_block
from testdata import PACEMAKER_CASES

CASES = PACEMAKER_CASES

# Regression cases whose "Current cluster status" we do not print exactly like crm_simulate yet:
# pending ops in clones, orphans, blocked/unmanaged flags, partially active cloned groups,
# disabled recurring ops, multiply-active resources. The test insists they still differ, so a
# fix shows up as a failure asking to shorten this list.
STATUS_DIFFERS = frozenset("""
anon-instance-pending bug-1718 bug-5059 bug-5069-op-disabled bug-pm-11 bug-rh-880249 clone-interleave-3
clone-max-zero coloc-negative-group failed-probe-primitive inc9 interleave-pseudo-stop interleave-restart
multiply-active-stonith ocf_degraded-remap-ocf_ok ocf_degraded_promoted-remap-ocf_ok on-fail-ignore
rec-node-10 rec-node-11 rec-node-5 rec-node-7 rsc_dep1 rsc_dep4 rsc_dep5 rsc_dep7 rsc_dep8 simple6
stopped-monitor-02 stopped-monitor-03 stopped-monitor-05 stopped-monitor-06 stopped-monitor-07
stopped-monitor-08 stopped-monitor-09 stopped-monitor-10 stopped-monitor-12 stopped-monitor-22
stopped-monitor-23 stopped-monitor-24 stopped-monitor-26 stopped-monitor-27 stopped-monitor-31 systemhealth1
systemhealthn1 unmanaged-stop-3
""".split())


def _case_names() -> list[str]:
    return sorted(p.stem for p in (CASES / "xml").glob("*.xml"))


def test_the_regression_cases_are_there() -> None:
    assert len(_case_names()) == 180, f"expected the 180 cases under {CASES}"
    assert STATUS_DIFFERS <= set(_case_names())


@pytest.mark.parametrize("name", _case_names())
def test_current_status_reads_like_crm_simulate(name: str) -> None:
    summary = (CASES / "summary" / f"{name}.summary").read_text()
    expected = summary[summary.index("Current cluster status:"):summary.index("\nTransition Summary:")].rstrip()
    cib = load_cib_file(str(CASES / "xml" / f"{name}.xml"))
    ours = render_status(observe(cib.config, cib.state)).rstrip()
    if name in STATUS_DIFFERS:
        assert ours != expected, f"{name} now prints exactly like crm_simulate: take it off STATUS_DIFFERS"
    else:
        assert ours == expected


def test_status_of_a_failed_and_fenced_cluster() -> None:
    xml = """<cib have-quorum="1"><configuration><crm_config/><nodes>
      <node id="1" uname="n1"/><node id="2" uname="n2"/><node id="3" uname="n3">
      <instance_attributes id="a3"><nvpair id="a3s" name="standby" value="on"/></instance_attributes></node>
      </nodes><resources>
      <primitive id="ip" class="ocf" provider="heartbeat" type="IPaddr2"/>
      <primitive id="db" class="ocf" provider="heartbeat" type="mysql">
        <meta_attributes id="dbm"><nvpair id="dbm1" name="target-role" value="Stopped"/></meta_attributes></primitive>
      </resources><constraints/></configuration><status>
      <node_state id="1" uname="n1" in_ccm="true" crmd="online" join="member" expected="member"><lrm id="1"><lrm_resources>
        <lrm_resource id="ip" class="ocf" provider="heartbeat" type="IPaddr2">
          <lrm_rsc_op id="ip_last_0" operation_key="ip_start_0" operation="start" call-id="1" rc-code="0"
            op-status="0" interval="0" transition-key="1:1:0:x"/>
          <lrm_rsc_op id="ip_last_failure_0" operation_key="ip_monitor_10000" operation="monitor" call-id="2"
            rc-code="7" op-status="0" interval="10000" transition-key="2:1:0:x"/>
        </lrm_resource></lrm_resources></lrm></node_state>
      <node_state id="2" uname="n2" in_ccm="false" crmd="online" join="member" expected="member"/>
      <node_state id="3" uname="n3" in_ccm="true" crmd="online" join="member" expected="member"/>
      </status></cib>"""
    cib = parse_cib(xml, "inline.xml")
    assert render_status(observe(cib.config, cib.state)) == (
        "Current cluster status:\n"
        "  * Node List:\n"
        "    * Node n2: UNCLEAN (offline)\n"
        "    * Node n3: standby\n"
        "    * Online: [ n1 ]\n"
        "\n"
        "  * Full List of Resources:\n"
        "    * ip\t(ocf:heartbeat:IPaddr2):\t FAILED n1\n"
        "    * db\t(ocf:heartbeat:mysql):\t Stopped (disabled)\n"
    )


# --- transition renderings ------------------------------------------------------------------------------

def _transition() -> Transition:
    actions = (
        Action(1, "stonith", None, "node2", reason="peer is no longer part of the cluster"),
        Action(2, "stop", "db", "node2", pseudo=True, after=(1,)),
        Action(3, "start", "db", "node1", after=(2,)),
        Action(4, "monitor", "db", "node1", interval_ms=10000, after=(3,)),
        Action(5, "running", "g", None, pseudo=True, optional=True, after=(3,)),
    )
    return Transition(
        placement={"db": Placement("node1", Role.STARTED), "web": Placement(None, Role.STOPPED)},
        actions=actions,
        scores={"db": {"node2": -1_000_000, "node1": 100}, "web": {"node1": -1_000_000, "node2": -50}},
        contributions={
            "db": (Contribution("node1", 100, "location:prefer-1", "location prefer-1 prefers node1"),
                   Contribution("node2", -1_000_000, "node:node2", "node2 is unclean and will be fenced")),
            "web": (Contribution("node1", -1_000_000, "location:ban", "location ban keeps it off node1"),
                    Contribution("node2", -50, "location:avoid", "location avoid dislikes node2")),
        },
        summary=("Fence (reboot) node2 'peer is no longer part of the cluster'", "Move db (node2 -> node1)"),
    )


def test_summary_block_uses_the_oracles_line_format() -> None:
    assert summary_block(_transition().summary) == (
        "Transition Summary:\n"
        "  * Fence (reboot) node2 'peer is no longer part of the cluster'\n"
        "  * Move db (node2 -> node1)\n")
    assert summary_block(()) == "Transition Summary:\n"


def test_score_lines_are_crm_simulate_s_style() -> None:
    assert score_lines(_transition().scores) == [
        "db allocation score on node1: 100",
        "db allocation score on node2: -INFINITY",
        "web allocation score on node1: -INFINITY",
        "web allocation score on node2: -50",
    ]


def test_graph_text_lists_each_action_with_what_it_waits_for() -> None:
    assert graph_text(_transition().actions) == (
        "Transition Graph:\n"
        "  [1] stonith-node2-reboot  # peer is no longer part of the cluster\n"
        "  [2] db_stop_0 node2 (pseudo)  <- [1]\n"
        "  [3] db_start_0 node1  <- [2]\n"
        "  [4] db_monitor_10000 node1  <- [3]\n"
        "  [5] g_running_0 (pseudo, optional)  <- [3]\n")
    assert graph_text(()) == "Transition Graph: (no actions)\n"


def test_graph_dot_has_one_box_per_action_and_one_edge_per_dependency() -> None:
    dot = graph_dot(_transition().actions)
    assert dot.startswith('digraph "transition" {') and dot.rstrip().endswith("}")
    assert dot.count("[label=") == 5
    edges = sorted(line.strip() for line in dot.splitlines() if "->" in line)
    assert edges == ["a1 -> a2;", "a2 -> a3;", "a3 -> a4;", "a3 -> a5;"]
    assert 'a2 [label="db_stop_0 node2 (pseudo)", style="dashed"' in dot
    assert "a5 [" in dot and "color=grey" in dot.split("a5 [", 1)[1].split("\n", 1)[0]


# --- explanations --------------------------------------------------------------------------------------------

CONFIG = parse_cib("""<cib><configuration><crm_config/><nodes><node id="1" uname="node1"/>
  <node id="2" uname="node2"/></nodes><resources>
  <primitive id="db" class="ocf" provider="heartbeat" type="mysql"/>
  <primitive id="web" class="ocf" provider="heartbeat" type="apache"/>
  <primitive id="off" class="ocf" provider="heartbeat" type="apache">
    <meta_attributes id="om"><nvpair id="om1" name="target-role" value="Stopped"/></meta_attributes></primitive>
  <clone id="cl"><primitive id="ping" class="ocf" provider="pacemaker" type="ping"/></clone>
  </resources><constraints/></configuration></cib>""", "inline.xml").config


def test_explain_says_why_here_and_not_there() -> None:
    text = explain(CONFIG, _transition(), "db")
    assert text.splitlines()[0] == "db runs on node1."
    assert "  node1: 100  <- chosen" in text
    assert "+100  location prefer-1 prefers node1  [location:prefer-1]" in text
    assert "It runs on node1: node1 has the highest score (100); next best is node2 (-INFINITY)." in text
    assert "Not on node2: score -INFINITY forbids it (node2 is unclean and will be fenced)." in text
    assert "Planned in this transition:\n  * Move db (node2 -> node1)" in text


def test_explain_says_why_it_runs_nowhere() -> None:
    text = explain(CONFIG, _transition(), "web")
    assert text.splitlines()[0] == "web stays stopped."
    assert "every node scores below 0" in text
    assert "Not on node2: score -50 (location avoid dislikes node2)." in text


def test_explain_names_disabled_resources_and_ties() -> None:
    t = Transition(placement={"off": Placement(None, Role.STOPPED), "ping:0": Placement("node1", Role.STARTED),
                              "ping:1": Placement("node2", Role.STARTED)},
                   scores={"off": {"node1": 0, "node2": 0}, "ping:0": {"node1": 1, "node2": 1},
                           "ping:1": {"node1": -1_000_000, "node2": 1}})
    assert "it is disabled (target-role=Stopped" in explain(CONFIG, t, "off")
    clone_text = explain(CONFIG, t, "cl")
    heads = [line for line in clone_text.splitlines() if line.startswith("ping:")]
    assert heads == ["ping:0 runs on node1.", "ping:1 runs on node2."], "a clone is explained instance by instance"
    assert "node1, node2 tie at 1" in clone_text
    assert "(no recorded contributions: 1 comes from the scheduler's assignment steps" in clone_text


def test_explain_unknown_resource_suggests_a_name() -> None:
    with pytest.raises(HastackError) as err:
        explain(CONFIG, _transition(), "dbb")
    assert "unknown resource 'dbb'" in err.value.message
    assert "did you mean 'db'" in err.value.hint


def _one_node_cib(fencing: bool, in_ccm: str, last_op: str, stop_on_fail: str = "") -> str:
    on_fail = f' on-fail="{stop_on_fail}"' if stop_on_fail else ""
    return f"""<cib have-quorum="1"><configuration><crm_config><cluster_property_set id="o">
      <nvpair id="o1" name="stonith-enabled" value="{str(fencing).lower()}"/></cluster_property_set></crm_config>
      <nodes><node id="1" uname="n1"/><node id="2" uname="n2"/></nodes><resources>
      <primitive id="db" class="ocf" provider="heartbeat" type="mysql"><operations>
        <op id="db-stop" name="stop" interval="0"{on_fail}/></operations></primitive>
      </resources><constraints/></configuration><status>
      <node_state id="1" uname="n1" in_ccm="{in_ccm}" crmd="online" join="member" expected="member"><lrm id="1">
        <lrm_resources><lrm_resource id="db" class="ocf" provider="heartbeat" type="mysql">{last_op}
        </lrm_resource></lrm_resources></lrm></node_state>
      <node_state id="2" uname="n2" in_ccm="true" crmd="online" join="member" expected="member"/>
      </status></cib>"""


STARTED = ('<lrm_rsc_op id="db_last_0" operation_key="db_start_0" operation="start" call-id="1" rc-code="0"'
           ' op-status="0" interval="0" transition-key="1:1:0:x"/>')
STOP_FAILED = ('<lrm_rsc_op id="db_last_0" operation_key="db_stop_0" operation="stop" call-id="2" rc-code="1"'
               ' op-status="0" interval="0" transition-key="2:1:0:x"/>')


def _status_lines(xml: str) -> list[str]:
    cib = parse_cib(xml, "inline.xml")
    return render_status(observe(cib.config, cib.state)).splitlines()


def test_a_lost_node_without_fencing_is_just_offline_and_its_history_unread() -> None:
    assert "    * Node n1: UNCLEAN (offline)" in _status_lines(_one_node_cib(True, "false", STARTED))
    lines = _status_lines(_one_node_cib(False, "false", STARTED))
    assert "    * OFFLINE: [ n1 ]" in lines
    assert "    * db\t(ocf:heartbeat:mysql):\t Stopped" in lines


def test_a_failed_stop_makes_the_node_unclean_or_blocks_the_resource() -> None:
    lines = _status_lines(_one_node_cib(True, "true", STOP_FAILED))
    assert "    * Node n1: UNCLEAN (online)" in lines
    assert "    * db\t(ocf:heartbeat:mysql):\t FAILED n1" in lines, "only a lost node flags its resources UNCLEAN"
    lines = _status_lines(_one_node_cib(False, "true", STOP_FAILED))
    assert "    * Online: [ n1 n2 ]" in lines
    assert "    * db\t(ocf:heartbeat:mysql):\t FAILED n1 (blocked)" in lines
    lines = _status_lines(_one_node_cib(True, "true", STOP_FAILED, stop_on_fail="block"))
    assert "    * db\t(ocf:heartbeat:mysql):\t FAILED n1 (blocked)" in lines
