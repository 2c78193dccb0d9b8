"""`hastack demo`: it runs, it never shows a password, and it tells the Guide's story end to end."""

from __future__ import annotations

import re
import shutil
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from hastack.cli.demo import demo, group_nodes, pacemaker_summary, starting_state
from hastack.model.secrets import secret_values
from hastack.crm import parse
from hastack.simulate.execute import converge
from hastack.simulate import inject

PACEMAKER = shutil.which("crm_simulate") is not None


@pytest.fixture(scope="module")
def output() -> str:
    started = time.monotonic()
    result = CliRunner().invoke(demo, [])
    elapsed = time.monotonic() - started
    assert result.exit_code == 0, result.output
    assert elapsed < 10, f"the demo took {elapsed:.1f} s"
    return result.output


def _section(text: str, title: str) -> str:
    start = text.index(title)
    nxt = text.find("\n== ", start + 1)
    return text[start:nxt if nxt != -1 else len(text)]


def _summary_after(text: str, marker: str) -> list[str]:
    """The `  * ` lines of the first Transition Summary after `marker`."""
    rest = text[text.index(marker):]
    block = rest[rest.index("Transition Summary:"):].split("\n")[1:]
    lines = []
    for line in block:
        if not line.startswith("  * "):
            break
        lines.append(line[4:])
    return lines


def test_no_password_is_ever_printed(output: str) -> None:
    assert "secret" not in output  # os_password="secret" (keystone) and "secrete" (the others)
    assert output.count('os_password="******"') == 4  # keystone, glance-api, cinder-api, neutron-server
    config = parse(_guide(), "guide.crm").config
    assert set(secret_values(config)) == {"secret", "secrete"}


def _guide() -> str:
    from importlib import resources
    return resources.files("hastack.examples").joinpath("guide.crm").read_text(encoding="utf-8")


def test_configuration_sections_are_kept(output: str) -> None:
    assert "guide.crm: no errors, 3 warnings" in output
    assert "group g_services_api p_api-ip p_keystone" in output
    assert "03-rabbitmq-drbd.crm:23:18: error: group g_rabbitmq refers to 'p_ip_rabbitmq'" in output


def test_both_schedulers_print_their_summaries(output: str) -> None:
    both = _section(output, "== 4. Two schedulers")
    ours = _summary_after(both, "hastack's own scheduler")
    assert "Start p_drbd_mysql:0 (node1)" in ours and len(ours) == 13
    if not PACEMAKER:
        assert "crm_simulate is not installed" in both
        return
    theirs = _summary_after(both, "Pacemaker's crm_simulate")
    assert sorted(theirs) == sorted(ours)
    assert "=> hastack and Pacemaker agree: the same 13 actions." in both


def test_playing_forward_promotes_drbd_and_converges(output: str) -> None:
    play = _section(output, "== 5. Playing the cluster forward")
    assert "master-p_drbd_mysql=10000" in play and "transient node attributes" in play
    assert "Promote p_drbd_mysql:0 (Unpromoted -> Promoted node1)" in play
    assert "Converged: scheduling again gives an empty transition." in play
    assert re.search(r"Clone Set: ms_drbd_mysql \[p_drbd_mysql\] \(promotable\):\n\s+\* Promoted: \[ node1 \]", play)
    if PACEMAKER:
        assert "=> hastack and Pacemaker agree: the same 14 actions." in play


def test_node1_failure_moves_the_services_to_node2(output: str) -> None:
    fail = _section(output, "== 6. What if node1 fails?")
    recovery = _summary_after(fail, "The recovery transition")
    for member in ("p_ip_mysql", "p_fs_mysql", "p_mysql", "p_ip_rabbitmq", "p_fs_rabbitmq", "p_rabbitmq"):
        assert f"Start {member} (node2)" in recovery
    assert "Promote p_drbd_mysql:0 (Unpromoted -> Promoted node2)" in recovery
    if PACEMAKER:
        assert sorted(_summary_after(fail, "Pacemaker's crm_simulate")) == sorted(recovery)
        assert "=> hastack and Pacemaker agree: the same 8 actions." in fail
    assert "p_api-ip runs on node2." in fail and "p_mysql runs on node2." in fail
    assert "g_mysql: node1 -> node2" in fail and "g_rabbitmq: node1 -> node2" in fail
    # The API group moved to node2 already when MySQL started on node1 (no stickiness in the Guide).
    assert "g_services_api: stays on node2" in fail
    final = fail[fail.index("Status after the failover"):]
    assert "* OFFLINE: [ node1 ]" in final
    assert re.search(r"Resource Group: g_services_api:\n(\s+\* \S+\t\([^)]*\):\t Started node2\n){6}", final)
    assert re.search(r"Resource Group: g_mysql:\n(\s+\* \S+\t\([^)]*\):\t Started node2\n){3}", final)


def test_api_group_moves_to_node2_in_the_failover_if_it_was_on_node1() -> None:
    """Before MySQL starts (DRBD unpromoted) the API group runs on node1; node1 failing moves it."""
    config = parse(_guide(), "guide.crm").config
    state, _, _ = converge(config, starting_state(config), 0)
    assert group_nodes(config, state)["g_services_api"] == "node1"
    after, _, idle = converge(config, inject.node_fail(config, state, "node1"), 0)
    assert not idle.summary
    assert group_nodes(config, after)["g_services_api"] == "node2"


def test_pacemaker_summary_is_normalized() -> None:
    text = ("Transition Summary:\n  * Start      p_api-ip     ( node1 )\n"
            "  * Promote    p:0     ( Unpromoted -> Promoted node2 )\n\nExecuting Cluster Transition:\n")
    assert pacemaker_summary(text) == ["Start p_api-ip (node1)", "Promote p:0 (Unpromoted -> Promoted node2)"]
    assert pacemaker_summary("no summary here") is None


def test_every_printed_line_goes_through_the_mask(capsys: pytest.CaptureFixture[str]) -> None:
    from hastack.cli.demo import Out

    out = Out(["hunter22"])
    out.echo("params password=hunter22")
    out.heading("a hunter22 heading")
    assert "hunter22" not in capsys.readouterr().out


def test_without_pacemaker_the_demo_still_runs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))  # no crm_simulate, no crm_verify
    result = CliRunner().invoke(demo, [])
    assert result.exit_code == 0, result.output
    assert "crm_simulate is not installed" in result.output
    assert "Converged: scheduling again gives an empty transition." in result.output
    assert "g_mysql: node1 -> node2" in result.output
    assert "secret" not in result.output
