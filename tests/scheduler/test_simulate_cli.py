"""`hastack simulate` and `hastack explain` through the real command group (click's CliRunner)."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from hastack.cli.main import cli
from hastack.cli.simulate import build_injections, choose_now, load_input, prepare
from hastack.errors import HastackError
from hastack.model.state import ClusterState
from oracle import transition_summary
from testdata import HEALTHY_CIB

HEALTHY = str(HEALTHY_CIB)

CRM = """node node1
node node2
primitive vip ocf:heartbeat:IPaddr2 params ip=192.168.42.10 op monitor interval=10s
primitive web ocf:heartbeat:apache op monitor interval=30s
colocation web-with-vip inf: web vip
order vip-then-web Mandatory: vip web
location prefer-node1 vip 100: node1
property stonith-enabled=false
"""


def run(*args: str) -> tuple[int, str, str]:
    r = CliRunner().invoke(cli, list(args))
    assert "Traceback" not in r.output + r.stderr, r.output + r.stderr
    assert r.exception is None or isinstance(r.exception, SystemExit), repr(r.exception)
    return r.exit_code, r.stdout, r.stderr


def needs_scheduler() -> None:
    from hastack.scheduler import schedule  # noqa: F401  (an ImportError fails the test)


def oracle(path: str, *extra: str) -> list[str]:
    return transition_summary(path, *extra)


def printed_summary(out: str) -> list[str]:
    block = out.split("Transition Summary:\n", 1)[1]
    lines = []
    for line in block.splitlines():
        if not line.startswith("  * "):
            break
        lines.append(line[4:])
    return lines


# --- bad input: a message, a non-zero exit, no traceback ----------------------------------------------

@pytest.mark.parametrize("args,message,hint", [
    (["simulate", "--xml", "/nonexistent/cib.xml"], "CIB file '/nonexistent/cib.xml' does not exist", ""),
    (["simulate"], "give exactly one input", "--xml reads a full CIB"),
    (["simulate", "--xml", HEALTHY, "--crm", "x.crm"], "give exactly one input", ""),
    (["simulate", "--xml", HEALTHY, "--state", HEALTHY], "--state goes with --crm", ""),
    (["simulate", "--xml", HEALTHY, "--node-fail", "nod1"], "unknown node 'nod1'", "did you mean 'node1'?"),
    (["simulate", "--xml", HEALTHY, "--standby", "node9"], "unknown node 'node9'", "known nodes: node1, node2"),
    (["simulate", "--xml", HEALTHY, "--op-fail", "p_mysql_monitor_20000@node1"], "invalid operation spec",
     "RESOURCE_TASK_INTERVAL@NODE=RC"),
    (["simulate", "--xml", HEALTHY, "--op-fail", "p_mysq_monitor_20000@node1=7"], "unknown resource",
     "did you mean 'p_mysql'?"),
    (["simulate", "--xml", HEALTHY, "--time", "next tuesday"], "invalid time 'next tuesday'", "ISO 8601"),
    (["explain", "p_mysql", "--xml", "/nonexistent/cib.xml"], "does not exist", ""),
])
def test_bad_input_is_a_clear_error(args: list[str], message: str, hint: str) -> None:
    code, out, err = run(*args)
    assert code != 0
    assert message in err
    assert hint in err


def test_a_broken_cib_is_reported_with_its_location(tmp_path: Path) -> None:
    bad = tmp_path / "bad.xml"
    bad.write_text("<cib><configuration><resources><primitive id='x'</resources></configuration></cib>")
    code, _, err = run("simulate", "--xml", str(bad))
    assert code != 0
    assert str(bad) in err


# --- the clock: --time, else execution-date, else the wall clock ----------------------------------------

def test_now_is_the_time_option_then_the_execution_date_then_the_wall_clock() -> None:
    dated = ClusterState(execution_date=1_600_000_000)
    assert choose_now(build_injections((), (), (), (), (), "2030-01-01T00:00:00Z"), dated, lambda: 5.0) == 1_893_456_000
    assert choose_now(build_injections((), (), (), (), (), None), dated, lambda: 5.0) == 1_600_000_000
    assert choose_now(build_injections((), (), (), (), (), None), ClusterState(), lambda: 5.9) == 5


def test_injected_failures_are_stamped_with_now() -> None:
    inj = build_injections((), (), (), (), ("p_mysql_monitor_20000@node1=7",), "1700000000")
    _, after, now = prepare(HEALTHY, None, None, inj, wall_clock=lambda: pytest.fail("clock read"))
    assert now == 1_700_000_000
    node1 = after.state.node_by_uname("node1")
    assert node1.attributes["last-failure-p_mysql#monitor_20000"] == "1700000000"
    assert after.state.execution_date == 1_700_000_000


def test_crm_input_without_state_takes_every_node_online(tmp_path: Path) -> None:
    f = tmp_path / "cluster.crm"
    f.write_text(CRM)
    loaded = load_input(None, str(f), None)
    assert sorted(ns.uname for ns in loaded.state.nodes.values()) == ["node1", "node2"]
    assert all(ns.in_ccm == "true" and ns.resources == () for ns in loaded.state.nodes.values())
    assert any("no --state given" in n for n in loaded.notes)
    with pytest.raises(HastackError, match="does not exist"):
        load_input(None, str(f), str(tmp_path / "missing.xml"))


# --- with the scheduler -----------------------------------------------------------------------------------

def test_simulate_prints_status_modifications_and_pacemakers_summary() -> None:
    needs_scheduler()
    code, out, err = run("simulate", "--xml", HEALTHY, "--node-fail", "node1")
    assert code == 0, err
    assert out.startswith("Current cluster status:\n  * Node List:\n    * Online: [ node1 node2 ]\n")
    assert "Performing requested modifications\n  + Failing node node1\n" in out
    assert sorted(printed_summary(out)) == sorted(oracle(HEALTHY, "--node-fail", "node1"))


def test_simulate_op_fail_matches_crm_simulate_inject() -> None:
    needs_scheduler()
    code, out, err = run("simulate", "--xml", HEALTHY, "--op-fail", "p_mysql_monitor_20000@node1=7")
    assert code == 0, err
    assert sorted(printed_summary(out)) == sorted(oracle(HEALTHY, "-i", "p_mysql_monitor_20000@node1=7"))


def test_simulate_scores_graph_and_dot(tmp_path: Path) -> None:
    needs_scheduler()
    dot = tmp_path / "t.dot"
    code, out, err = run("simulate", "--xml", HEALTHY, "--standby", "node1", "--scores", "--graph",
                         "--dot", str(dot))
    assert code == 0, err
    assert "Allocation scores:\n" in out and " allocation score on node2: " in out
    assert "Transition Graph:" in out
    assert dot.read_text().startswith('digraph "transition" {')
    assert printed_summary(out), "a standby node with resources must make the scheduler move them"


def test_simulate_save_writes_a_cib_pacemaker_reads_the_same_way(tmp_path: Path) -> None:
    needs_scheduler()
    saved = tmp_path / "saved.xml"
    code, out, err = run("simulate", "--xml", HEALTHY, "--node-fail", "node2", "--save", str(saved))
    assert code == 0, err
    assert sorted(printed_summary(out)) == sorted(oracle(str(saved)))


def test_simulate_crm_file(tmp_path: Path) -> None:
    needs_scheduler()
    f = tmp_path / "cluster.crm"
    f.write_text(CRM)
    code, out, err = run("simulate", "--crm", str(f))
    assert code == 0, err
    assert "no --state given" in err
    assert printed_summary(out) == ["Start vip (node1)", "Start web (node1)"]


def test_explain_gives_scores_and_a_verdict() -> None:
    needs_scheduler()
    code, out, err = run("explain", "p_mysql", "--xml", HEALTHY, "--standby", "node1")
    assert code == 0, err
    assert out.startswith("p_mysql runs on node2.")
    assert "It runs on node2" in out
    code, _, err = run("explain", "p_mysq", "--xml", HEALTHY)
    assert code != 0 and "did you mean 'p_mysql'?" in err


def test_simulate_crm_file_with_the_state_of_a_cib(tmp_path: Path) -> None:
    needs_scheduler()
    f = tmp_path / "cluster.crm"
    f.write_text(CRM)
    state = tmp_path / "state.xml"
    op = ('<lrm_rsc_op id="vip_last_0" operation_key="vip_start_0" operation="start" call-id="2" rc-code="0"'
          ' op-status="0" interval="0" transition-key="2:1:0:x" transition-magic="0:0;2:1:0:x"/>')
    state.write_text(
        '<cib have-quorum="1"><configuration><crm_config/><nodes/><resources/><constraints/></configuration>'
        '<status><node_state id="node1" uname="node1" in_ccm="true" crmd="online" join="member" expected="member">'
        '<lrm id="node1"><lrm_resources><lrm_resource id="vip" class="ocf" provider="heartbeat" type="IPaddr2">'
        f'{op}</lrm_resource></lrm_resources></lrm></node_state>'
        '<node_state id="node2" uname="node2" in_ccm="true" crmd="online" join="member" expected="member"/>'
        '</status></cib>')
    code, out, err = run("simulate", "--crm", str(f), "--state", str(state))
    assert code == 0, err
    assert "no --state given" not in err
    assert "* vip\t(ocf:heartbeat:IPaddr2):\t Started node1" in out
    summary = printed_summary(out)
    assert "Start web (node1)" in summary and not any(line.startswith("Start vip") for line in summary)


def test_the_cib_may_be_given_positionally_as_crm_simulate_x_takes_it() -> None:
    by_option = run("simulate", "--xml", HEALTHY, "--node-fail", "node2")
    positional = run("simulate", HEALTHY, "--node-fail", "node2")
    assert positional[0] == 0 and positional[1] == by_option[1]
    code, _, err = run("simulate", HEALTHY, "--xml", HEALTHY)
    assert code != 0 and "two inputs" in err and "Traceback" not in err
