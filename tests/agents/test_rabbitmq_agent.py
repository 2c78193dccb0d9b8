"""ocf:hastack:rabbitmq without brokers: meta-data, and bad input refused with OCF codes and reasons that
say what to fix (and never show the cookie). The brokers' side is tests/cluster/test_rabbitmq.py."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from lxml import etree

from hastack.agents.builtin import rabbitmq
from hastack.agents.builtin.framework import run

SHIMS = Path(rabbitmq.__file__).resolve().parents[2] / "shims" / "bin"
COOKIE = "SECRETCOOKIEVALUE42"


def act(action: str, tmp_path: Path, **params: str) -> tuple[int, str]:
    env = {"HA_SBIN_DIR": str(SHIMS), "OCF_RESOURCE_INSTANCE": "p_rabbit", "HASTACK_NODE": "n1",
           "HASTACK_STATE_DIR": str(tmp_path), "OCF_RESKEY_nodes": "n1:10.0.0.1;n2:10.0.0.2;n3:10.0.0.3",
           "OCF_RESKEY_erlang_cookie": COOKIE, "OCF_RESKEY_data_dir": str(tmp_path / "data"),
           "OCF_RESKEY_log_dir": str(tmp_path / "log"), "OCF_RESKEY_pid": str(tmp_path / "run" / "rabbitmq.pid")}
    env.update({f"OCF_RESKEY_{k}": v for k, v in params.items()})
    env = {k: v for k, v in env.items() if v != "<unset>"}
    out, err = io.StringIO(), io.StringIO()
    rc = run(rabbitmq.SPEC, ["rabbitmq", action], env, out, err)
    return rc, out.getvalue() + err.getvalue()


def test_meta_data_declares_the_secret_and_the_nodes(tmp_path: Path) -> None:
    rc, text = act("meta-data", tmp_path)
    root = etree.fromstring(text.encode())
    params = {p.get("name"): p for p in root.iter("parameter")}
    assert rc == 0 and {a.get("name") for a in root.iter("action")} >= {"start", "stop", "monitor"}
    assert params["nodes"].get("required") == params["erlang_cookie"].get("required") == "1"
    assert params["default_queue_type"].find("content").get("default") == "quorum"  # type: ignore[union-attr]


@pytest.mark.parametrize("action,params,rc,words", [
    ("start", {"erlang_cookie": "<unset>"}, 6, "missing required parameter(s): erlang_cookie"),
    ("start", {"nodes": "n1=10.0.0.1"}, 6, "nodes must be node:address pairs"),
    ("start", {"nodes": "n2:10.0.0.2;n3:10.0.0.3"}, 6, "this node (n1) is not in nodes"),
    ("start", {"nodes": "n1:rabbit1;n2:10.0.0.2"}, 6, "mixes bare host names and dotted addresses"),
    ("start", {"erlang_cookie": COOKIE + " with space"}, 6, "printable ASCII without spaces"),
    ("monitor", {"partition_grace": "soon"}, 6, "partition_grace must be a non-negative number"),
    ("start", {"net_ticktime": "0"}, 6, "net_ticktime must be at least 1 s"),
    ("start", {"default_queue_type": "mirrored"}, 6, "default_queue_type must be one of quorum, classic, stream"),
    ("start", {"bin_dir": "/nonexistent"}, 5, "/nonexistent/rabbitmq-server is not an executable"),
    ("validate-all", {"bin_dir": "/nonexistent"}, 5, "apt-get install rabbitmq-server"),
])
def test_bad_input_is_refused_with_a_reason(tmp_path: Path, action: str, params: dict[str, str], rc: int,
                                            words: str) -> None:
    got, text = act(action, tmp_path, **params)
    assert (got, words in text) == (rc, True), text
    assert COOKIE not in text


def test_probe_and_stop_of_a_stopped_instance(tmp_path: Path) -> None:
    assert act("monitor", tmp_path) == (7, "")
    assert act("monitor", tmp_path, nodes="<unset>")[0] == 7  # a probe never fails on configuration
    assert act("stop", tmp_path)[0] == 0
    assert not (tmp_path / "data" / ".erlang.cookie").exists()  # only a start writes the cookie
