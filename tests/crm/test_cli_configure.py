"""`hastack configure load/show/verify` and the local store, through the real click group."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from hastack.cli.main import cli
from hastack.crm import parse, render
from hastack.store.local import LocalStore, StaleCommit

DATA = Path(__file__).resolve().parents[1] / "data" / "guide"
FIXED = DATA / "guide-fixed.crm"


@pytest.fixture(autouse=True)
def state_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("HASTACK_STATE_DIR", str(tmp_path / "state"))
    return tmp_path / "state"


def run(*args: str, stdin: str | None = None) -> Result:
    return CliRunner().invoke(cli, list(args), input=stdin)


def assert_user_error(result: Result, *needles: str) -> None:
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    for n in needles:
        assert n in result.output, result.output


def test_verify_a_verbatim_snippet_fails_with_located_errors() -> None:
    result = run("configure", "verify", str(DATA / "14-g_services_network.crm"))
    assert_user_error(result, "14-g_services_network.crm:2:1: error: group g_services_network refers to "
                              "'p_neutron-metadata_agent'", "nothing was changed")


def test_verify_the_fixed_guide() -> None:
    result = run("configure", "verify", "--no-agents", str(FIXED))
    assert result.exit_code == 0, result.output
    assert "guide-fixed.crm: no errors, 3 warnings; 2 nodes, 23 resources, 4 constraints" in result.output


def test_load_then_show_prints_the_canonical_text(state_dir: Path) -> None:
    result = run("configure", "load", "replace", str(FIXED))
    assert result.exit_code == 0, result.output
    assert (state_dir / "cib.xml").read_text().startswith("<cib")
    shown = run("configure", "show")
    assert shown.exit_code == 0
    assert shown.stdout == render(parse(FIXED.read_text()).config)
    assert parse(shown.stdout).config == parse(FIXED.read_text()).config


def test_show_objects_xml_and_mask() -> None:
    run("configure", "load", str(FIXED))
    one = run("configure", "show", "g_mysql")
    assert one.stdout == "group g_mysql p_ip_mysql p_fs_mysql p_mysql\n"
    assert "<cib" in run("configure", "show", "--xml").stdout
    masked = run("configure", "show", "--mask", "p_keystone").stdout
    assert 'os_password="******"' in masked and "secret" not in masked.replace("******", "")
    assert_user_error(run("configure", "show", "g_mysqll"), "no object with id 'g_mysqll'", "did you mean 'g_mysql'?")


def test_failed_load_changes_nothing(state_dir: Path) -> None:
    run("configure", "load", str(FIXED))
    before = (state_dir / "cib.xml").read_bytes()
    result = run("configure", "load", "replace", str(DATA / "01-property.crm"))
    assert_user_error(result, "01-property.crm:1:36", "3 errors; nothing was changed.")
    assert (state_dir / "cib.xml").read_bytes() == before


def test_load_update_merges_and_checks_the_result(tmp_path: Path) -> None:
    run("configure", "load", str(FIXED))
    extra = tmp_path / "extra.crm"
    extra.write_text("primitive p_extra Dummy\nproperty cluster-recheck-interval=3min\n")
    assert run("configure", "load", "update", str(extra)).exit_code == 0
    shown = run("configure", "show").stdout
    assert "primitive p_extra" in shown and "cluster-recheck-interval=3min" in shown and "g_mysql" in shown
    bad = tmp_path / "bad.crm"
    bad.write_text("group g_more p_extr\n")
    assert_user_error(run("configure", "load", "update", str(bad)), "did you mean 'p_extra'?")


def test_load_from_stdin_and_xml(tmp_path: Path) -> None:
    assert run("configure", "load", "-", stdin=FIXED.read_text()).exit_code == 0
    xml = run("configure", "show", "--xml").stdout
    path = tmp_path / "guide.xml"
    path.write_text(xml)
    assert run("configure", "load", "xml", "replace", str(path)).exit_code == 0
    assert run("configure", "show").stdout == render(parse(FIXED.read_text()).config)
    assert run("configure", "verify", str(path)).exit_code == 0


def test_user_errors_are_clear() -> None:
    assert_user_error(run("configure", "show"), "no configuration is stored yet")
    assert_user_error(run("configure", "verify"), "no configuration is stored yet")
    assert_user_error(run("configure", "verify", "/nonexistent.crm"), "cannot read /nonexistent.crm")
    assert_user_error(run("configure", "load", "replace"), "usage: hastack configure load")


def test_store_refuses_a_commit_made_against_an_old_version(tmp_path: Path) -> None:
    store = LocalStore(tmp_path)
    assert store.read() is None
    first = store.commit("<cib>1</cib>", None)
    store.commit("<cib>2</cib>", first)
    with pytest.raises(StaleCommit):
        store.commit("<cib>3</cib>", first)
    with pytest.raises(StaleCommit):
        store.commit("<cib>3</cib>", None)
    stored = store.read()
    assert stored is not None and stored.text == "<cib>2</cib>"
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".cib-")]


def test_demo_runs() -> None:
    result = run("demo")
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert "guide.crm: no errors, 3 warnings" in out
    assert "03-rabbitmq-drbd.crm:23:18: error: group g_rabbitmq refers to 'p_ip_rabbitmq'" in out
    assert "did you mean 'p_neutron-metadata-agent'?" in out
    assert "04-api-vip.crm: no errors" in out


def test_verify_warns_about_agents_not_installed(tmp_path: Path) -> None:
    path = tmp_path / "typo.crm"
    path.write_text("primitive a ocf:heartbeat:IPadr2\nprimitive b ocf:hearbeat:Dummy\nproperty stonith-enabled=false\n")
    result = run("configure", "verify", str(path))
    assert result.exit_code == 0, result.output
    assert "resource agent ocf:heartbeat:IPadr2 is not installed" in result.output and "'IPaddr2'?" in result.output
    assert "OCF provider 'hearbeat' is not installed" in result.output and "'heartbeat'?" in result.output
    assert "no errors, 0 warnings" in run("configure", "verify", "--no-agents", str(path)).output


def test_real_command_in_a_subprocess(state_dir: Path) -> None:
    import os
    import subprocess
    import sys
    env = dict(os.environ, HASTACK_STATE_DIR=str(state_dir))
    proc = subprocess.run([sys.executable, "-m", "hastack.cli.main", "configure", "verify", "--no-agents",
                           str(DATA / "02-mysql-drbd.crm")], capture_output=True, text=True, env=env, timeout=60)
    assert proc.returncode == 1 and proc.stdout == ""
    assert "02-mysql-drbd.crm:21:60: error: line 21 does not end with a backslash" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_verify_update_checks_a_snippet_against_the_stored_configuration(tmp_path: Path) -> None:
    fixed = FIXED.read_text()
    before = fixed[:fixed.index("# --- 14-g_services_network")]
    (tmp_path / "before.crm").write_text(before)
    assert run("configure", "load", "--no-agents", str(tmp_path / "before.crm")).exit_code == 0
    result = run("configure", "verify", "--no-agents", "--update", str(DATA / "14-g_services_network.crm"))
    assert_user_error(result, "14-g_services_network.crm:2:1: error: group g_services_network refers to "
                              "'p_neutron-metadata_agent'", "did you mean 'p_neutron-metadata-agent'?",
                      "1 error; nothing was changed.")


def test_pasting_the_guide_snippet_by_snippet() -> None:
    """An operator loading the Guide's snippets as printed, one `load update` each."""
    refused = []
    for path in sorted(DATA.glob("[0-9][0-9]-*.crm")):
        result = run("configure", "load", "update", "--no-agents", str(path))
        if result.exit_code != 0:
            assert "nothing was changed" in result.output and "Traceback" not in result.output
            refused.append(path.name[:2])
    assert refused == ["01", "02", "03", "10", "14"]
    assert "p_neutron-metadata-agent" in run("configure", "show").stdout


def test_load_replace_repairs_an_unreadable_store(state_dir: Path) -> None:
    state_dir.mkdir(parents=True, exist_ok=True)
    (state_dir / "cib.xml").write_text("garbage")
    assert_user_error(run("configure", "show"), "XML is not well-formed")
    assert run("configure", "load", "--no-agents", "replace", str(FIXED)).exit_code == 0
    assert run("configure", "show").exit_code == 0


def test_parameters_checked_against_installed_meta_data(tmp_path: Path) -> None:
    path = tmp_path / "vip.crm"
    path.write_text("primitive v ocf:heartbeat:IPaddr2 params ipp=1.2.3.4 cidr_netmask=24\n"
                    "property stonith-enabled=false\n")
    result = run("configure", "verify", str(path))
    assert_user_error(result, "v: ocf:heartbeat:IPaddr2: unknown parameter 'ipp'", "did you mean 'ip'?",
                      "missing required parameter 'ip'")
    assert run("configure", "verify", "--no-agents", str(path)).exit_code == 0
