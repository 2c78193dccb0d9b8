"""`hastack cluster load` and `hastack status` against a real etcd (no daemon needed)."""

from __future__ import annotations

import uuid
from pathlib import Path

from click.testing import CliRunner

from hastack.cli.main import cli

GOOD = """node n1
node n2
primitive d1 ocf:heartbeat:Dummy op monitor interval=10s
property stonith-enabled=false
"""


def run(*args: str) -> tuple[int, str]:
    r = CliRunner().invoke(cli, list(args))
    return r.exit_code, r.output


def test_load_then_status(etcd_endpoint: str, tmp_path: Path) -> None:
    prefix = f"/cli-{uuid.uuid4().hex[:8]}"
    good = tmp_path / "good.crm"
    good.write_text(GOOD)
    code, out = run("cluster", "load", "--etcd", etcd_endpoint, "--prefix", prefix, str(good))
    assert code == 0 and "committed at revision" in out, out
    code, out = run("status", "--etcd", etcd_endpoint, "--prefix", prefix)
    assert code == 0, out
    assert "0 member(s)" in out and "DC: none" in out
    assert "OFFLINE: [ n1 n2 ]" in out and "d1" in out


def test_a_bad_configuration_is_refused_with_its_location_and_changes_nothing(etcd_endpoint: str,
                                                                              tmp_path: Path) -> None:
    prefix = f"/cli-{uuid.uuid4().hex[:8]}"
    good = tmp_path / "good.crm"
    good.write_text(GOOD)
    assert run("cluster", "load", "--etcd", etcd_endpoint, "--prefix", prefix, str(good))[0] == 0
    bad = tmp_path / "bad.crm"
    bad.write_text(GOOD.replace("primitive d1", "primitive d1 ocf:heartbeat:Dummy\ngroup g d1 d2\nprimitive d9"))
    code, out = run("cluster", "load", "--etcd", etcd_endpoint, "--prefix", prefix, str(bad))
    assert code != 0 and "Traceback" not in out
    assert "bad.crm:" in out and "nothing was changed" in out
    code, out = run("status", "--etcd", etcd_endpoint, "--prefix", prefix)
    assert "d9" not in out and "d1" in out


def test_an_unreachable_store_is_a_clear_error(tmp_path: Path) -> None:
    code, out = run("status", "--etcd", "http://127.0.0.1:9", "--prefix", "/x")
    assert code != 0 and "Traceback" not in out and "etcd" in out


def test_status_as_json(etcd_endpoint: str, tmp_path: Path) -> None:
    import json

    prefix = f"/cli-{uuid.uuid4().hex[:8]}"
    good = tmp_path / "good.crm"
    good.write_text(GOOD)
    assert run("cluster", "load", "--etcd", etcd_endpoint, "--prefix", prefix, str(good))[0] == 0
    code, out = run("status", "--etcd", etcd_endpoint, "--prefix", prefix, "--output-as", "json")
    assert code == 0, out
    doc = json.loads(out)
    assert doc["members"] == [] and doc["dc"] is None and doc["revision"] > 0
    assert "d1" in json.dumps(doc["status"])
