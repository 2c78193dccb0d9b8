"""The `hastack` command as a new user meets it: every subcommand present, errors without tracebacks."""

from __future__ import annotations

import subprocess
import sys

from click.testing import CliRunner

from hastack.cli.main import SUBCOMMANDS, cli


def test_every_subcommand_is_registered() -> None:
    result = CliRunner().invoke(cli, ["--help"])
    assert result.exit_code == 0
    for _, name in SUBCOMMANDS:
        assert f"  {name} " in result.output


def test_unknown_subcommand_is_a_usage_error() -> None:
    result = CliRunner().invoke(cli, ["confgure"])
    assert result.exit_code == 2
    assert "No such command 'confgure'" in result.output
    assert "configure" in result.output  # click's did-you-mean


def test_user_error_in_a_real_process_has_no_traceback(tmp_path) -> None:  # type: ignore[no-untyped-def]
    missing = tmp_path / "nope.crm"
    proc = subprocess.run([sys.executable, "-m", "hastack.cli.main", "configure", "verify", str(missing)],
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode != 0
    assert "Traceback" not in proc.stderr + proc.stdout
    assert "nope.crm" in proc.stderr
