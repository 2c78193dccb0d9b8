"""Renderers of a Transition: summary, scores, graph, dot, explanations (the status view: tests/status)."""

from __future__ import annotations

import pytest

from hastack.cib import parse_cib
from hastack.errors import HastackError
from hastack.model.values import Role
from hastack.scheduler.types import Action, Contribution, Placement, Transition
from hastack.simulate import explain, graph_dot, graph_text, score_lines, summary_block


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
