"""ocf:hastack:galera without servers: meta-data, and bad input refused with OCF codes and reasons that
say what to fix (and never show a password). The servers' side is tests/cluster/test_galera.py."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from lxml import etree

from hastack.agents.builtin import galera

SHIMS = Path(galera.__file__).resolve().parents[2] / "shims" / "bin"
from hastack.agents.builtin.framework import run

SECRET = "s3cr3t-pw"


def act(action: str, tmp_path: Path, **params: str) -> tuple[int, str]:
    env = {"HA_SBIN_DIR": str(SHIMS), "OCF_RESOURCE_INSTANCE": "p_galera", "HASTACK_NODE": "n1", "HASTACK_STATE_DIR": str(tmp_path),
           "OCF_RESKEY_wsrep_cluster_address": "gcomm://10.0.0.1,10.0.0.2,10.0.0.3",
           "OCF_RESKEY_cluster_host_map": "n1:10.0.0.1;n2:10.0.0.2;n3:10.0.0.3",
           "OCF_RESKEY_pid": str(tmp_path / "run" / "mysqld.pid"), "OCF_RESKEY_socket": str(tmp_path / "run" / "s"),
           "OCF_RESKEY_datadir": str(tmp_path / "data"), "OCF_RESKEY_config": str(tmp_path / "my.cnf")}
    env.update({f"OCF_RESKEY_{k}": v for k, v in params.items()})
    env = {k: v for k, v in env.items() if v != "<unset>"}
    out, err = io.StringIO(), io.StringIO()
    rc = run(galera.SPEC, ["galera", action], env, out, err)
    return rc, out.getvalue() + err.getvalue()


def test_meta_data_declares_a_promotable_agent(tmp_path: Path) -> None:
    rc, text = act("meta-data", tmp_path)
    root = etree.fromstring(text.encode())
    actions = {a.get("name") for a in root.iter("action")}
    assert rc == 0 and {"start", "stop", "monitor", "promote", "demote"} <= actions
    params = {p.get("name"): p for p in root.iter("parameter")}
    assert params["wsrep_cluster_address"].get("required") == "1"
    assert params["durable"].find("content").get("default") == "true"  # type: ignore[union-attr]


@pytest.mark.parametrize("action,params,rc,words", [
    ("start", {"wsrep_cluster_address": "<unset>"}, 6, "missing required parameter(s): wsrep_cluster_address"),
    ("start", {"wsrep_cluster_address": "10.0.0.1,10.0.0.2"}, 6, "must be gcomm://"),
    ("start", {"cluster_host_map": "n1=10.0.0.1"}, 6, "node:address pairs"),
    ("start", {"cluster_host_map": "n1:10.0.0.1;n2:10.0.0.2"}, 6, "names no node for 10.0.0.3"),
    ("start", {"cluster_host_map": "n4:10.0.0.1;n2:10.0.0.2;n3:10.0.0.3"}, 6, "this node (n1) is not in"),
    ("start", {"sync_grace": "soon"}, 6, "sync_grace must be a number"),
    ("start", {"check_passwd": SECRET}, 6, "check_user is not"),
    ("monitor", {"check_passwd": SECRET}, 6, "check_user is not"),
    ("start", {"binary": "/nonexistent/mariadbd", "check_user": "mon", "check_passwd": SECRET}, 5,
     "/nonexistent/mariadbd is not an executable"),
    ("validate-all", {"client_binary": "/nonexistent/mariadb"}, 5, "/nonexistent/mariadb is not an executable"),
])
def test_bad_input_is_refused_with_a_reason(tmp_path: Path, action: str, params: dict[str, str], rc: int,
                                            words: str) -> None:
    got, text = act(action, tmp_path, **params)
    assert (got, words in text) == (rc, True), text
    assert SECRET not in text


def test_missing_config_and_empty_datadir_say_how_to_fix(tmp_path: Path) -> None:
    rc, text = act("validate-all", tmp_path)
    assert rc == 5 and "my.cnf does not exist" in text
    (tmp_path / "my.cnf").write_text("[mysqld]\n")
    rc, text = act("validate-all", tmp_path)
    assert rc == 6 and "holds no database: run mariadb-install-db there, or set enable_creation=true" in text


def test_probe_of_a_stopped_instance_is_not_running(tmp_path: Path) -> None:
    assert act("monitor", tmp_path)[0] == 7
    assert (tmp_path / "shim-state.json").exists()  # the probe cleared the node's report through the shim
    assert act("monitor", tmp_path, wsrep_cluster_address="<unset>")[0] == 7  # a probe never fails on config
    assert act("stop", tmp_path)[0] == 0
    assert act("demote", tmp_path)[0] == 7
