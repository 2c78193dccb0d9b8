"""`hastack agent list|info|run`: output, exit codes, and clean errors for bad input."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from hastack.cli.main import cli


def hastack(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, list(args))
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result.exit_code, result.stdout, result.stderr


def test_list(state_dir: Path) -> None:
    code, out, _ = hastack("agent", "list", "ocf:hastack")
    assert code == 0 and out.split() == ["ocf:hastack:Dummy", "ocf:hastack:HealthCheck", "ocf:hastack:IPaddr",
                                         "ocf:hastack:OpenStackService", "ocf:hastack:anything", "ocf:hastack:galera",
                                         "ocf:hastack:haproxy", "ocf:hastack:memcached",
                                         "ocf:hastack:rabbitmq"]
    code, out, _ = hastack("agent", "list")
    assert "ocf:heartbeat:IPaddr2" in out and "ocf:pacemaker:Stateful" in out and "ocf:hastack:IPaddr" in out
    assert "stonith:fence_dummy" in hastack("agent", "list", "stonith")[1]
    code, _, err = hastack("agent", "list", "ocf:hartbeat")
    assert code == 1 and "did you mean 'heartbeat'" in err and "Traceback" not in err
    code, _, err = hastack("agent", "list", "systemd")
    assert code == 1 and "systemd is not running on this host" in err


def test_info(state_dir: Path) -> None:
    code, out, _ = hastack("agent", "info", "ocf:heartbeat:IPaddr2")
    assert code == 0
    assert "ip (string, required, unique)" in out and "Actions:" in out
    assert "monitor        timeout=20s interval=10s" in out
    code, out, _ = hastack("agent", "info", "ocf:pacemaker:Stateful")
    assert "OCF API 1.1 (no DTD)" in out and "role=Promoted" in out
    code, out, _ = hastack("agent", "info", "stonith:fence_dummy")
    assert code == 0 and "status_file" in out


def test_run_success_and_failure_exit_codes(state_dir: Path, tmp_path: Path) -> None:
    state = f"state={tmp_path / 'd.state'}"
    code, out, _ = hastack("agent", "run", "ocf:heartbeat:Dummy", "monitor", state)
    # the agent's own exit code, as crm_resource --force-check gives it (a probe expects 7: still 7)
    assert code == 7 and "rc=7 OCF_NOT_RUNNING (not running)" in out and "not running here" in out
    code, out, _ = hastack("agent", "run", "ocf:heartbeat:Dummy", "monitor", state, "--interval", "10s")
    assert code == 7 and "soft failure" in out and "exit reason: No process state file found" in out
    assert hastack("agent", "run", "ocf:heartbeat:Dummy", "start", state, "--timeout", "5s")[0] == 0
    code, out, _ = hastack("agent", "run", "ocf:heartbeat:Dummy", "monitor", state, "--interval", "10s")
    assert code == 0 and "rc=0 OCF_SUCCESS (ok)" in out
    assert hastack("agent", "run", "ocf:heartbeat:Dummy", "stop", state)[0] == 0
    code, out, _ = hastack("agent", "run", "ocf:heartbeat:Dummy", "meta-data")
    assert code == 0 and out.startswith("<?xml")


def test_an_action_that_runs_out_of_time_exits_124(state_dir: Path, tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    root = tmp_path / "ocf"
    (root / "resource.d" / "site").mkdir(parents=True)
    slow = root / "resource.d" / "site" / "Slow"
    slow.write_text("#!/bin/sh\nsleep 5\n")
    slow.chmod(0o755)
    monkeypatch.setenv("HASTACK_OCF_ROOTS", str(root))
    code, out, _ = hastack("agent", "run", "ocf:site:Slow", "start", "--timeout", "1s", "--no-check")
    assert code == 124, out


def test_run_bad_input_is_a_clear_error(state_dir: Path, tmp_path: Path) -> None:
    cases = [
        (("ocf:heartbeat:Dumy", "start"), "did you mean 'Dummy'"),
        (("ocf:heartbeat:IPaddr2", "start", "ipp=10.0.0.1"), "unknown parameter 'ipp'"),
        (("ocf:heartbeat:IPaddr2", "start", "ipp=10.0.0.1"), "did you mean 'ip'"),
        (("ocf:heartbeat:IPaddr2", "start"), "missing required parameter 'ip'"),
        (("osf:heartbeat:Dummy", "start"), "did you mean 'ocf'"),
        (("systemd:ssh", "start"), "systemd is not running on this host"),
        (("ocf:heartbeat:Dummy", "start", "novalue"), "is not name=value"),
        (("ocf:heartbeat:Dummy", "start", "--timeout", "soon"), "invalid duration 'soon'"),
        (("ocf:pacemaker:Stateful", "monitor", "--role", "Boss"), "invalid role 'Boss'"),
        (("stonith:fence_dummy", "off"), "give target=NODE"),
    ]
    for args, message in cases:
        code, _, err = hastack("agent", "run", *args)
        assert code != 0, args
        assert message in err, (args, err)
        assert "Traceback" not in err


LEAKY = """#!/bin/sh
echo "$OCF_RESKEY_password" > "$OCF_RESKEY_copy"
echo "using password $OCF_RESKEY_password"; echo "auth $OCF_RESKEY_password" >&2
echo "ocf-exit-reason:bad password $OCF_RESKEY_password" >&2
exit 1
"""


def test_run_masks_secrets(state_dir: Path, tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    root = tmp_path / "ocf"
    (root / "resource.d" / "site").mkdir(parents=True)
    agent = root / "resource.d" / "site" / "Leaky"
    agent.write_text(LEAKY)
    agent.chmod(0o755)
    monkeypatch.setenv("HASTACK_OCF_ROOTS", str(root))
    copy = tmp_path / "copy"
    code, out, err = hastack("agent", "run", "ocf:site:Leaky", "start", "-v", "--no-check",
                             "password=top-secret-pw", f"copy={copy}")
    assert code == 1
    assert copy.read_text().strip() == "top-secret-pw"  # the agent itself gets the real value
    assert "top-secret-pw" not in out + err
    assert "exit reason: bad password ******" in out and "auth ******" in err
