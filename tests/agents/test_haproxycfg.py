"""The haproxy.cfg ocf:hastack:haproxy generates (agents.builtin.haproxycfg): pure, plus one `haproxy -c` of it."""

from __future__ import annotations

import subprocess
from pathlib import Path

from hastack.agents.builtin.haproxycfg import listeners, render, settings

PARAMS = {"vip": "10.0.0.10", "nodes": "n1=10.0.0.11, n2=10.0.0.12,n3=10.0.0.13",
          "services": "keystone:5000:/v3,glance_registry:9191", "galera_resource": "galera-clone"}


def test_galera_has_one_writer_checked_through_hastackds_rest_endpoint() -> None:
    s, problems = settings("lb:0", PARAMS, "/run/x")
    assert s is not None and problems == []
    text = render(s)
    galera = text.split("listen galera\n")[1].split("\n\n")[0]
    assert "option httpchk GET /promoted/galera-clone" in galera
    assert "default-server port 7410 inter 500 fastinter 250 downinter 1000 rise 2 fall 2 " \
           "on-marked-down shutdown-sessions" in galera
    assert galera.splitlines()[-3:] == ["    server n1 10.0.0.11:3306 check",
                                        "    server n2 10.0.0.12:3306 check backup",
                                        "    server n3 10.0.0.13:3306 check backup"]
    assert "bind 10.0.0.10:3306 transparent" in galera  # the VIP, never the Guide's `bind :3306`
    assert "balance source" not in galera  # the Guide's multi-writer balancing


def test_api_services_check_their_http_endpoint_and_tcp_ones_connect() -> None:
    s, _ = settings("lb:0", PARAMS, "/run/x")
    assert s is not None
    text = render(s)
    keystone = text.split("listen keystone\n")[1].split("\n\n")[0]
    assert "option httpchk GET /v3" in keystone and "server n3 10.0.0.13:5000 check" in keystone
    registry = text.split("listen glance_registry\n")[1].split("\n\n")[0]
    assert "httpchk" not in registry and "server n1 10.0.0.11:9191 check" in registry
    assert "stats socket /run/x/haproxy-lb-0.sock" in text
    assert "server-state-file /run/x/haproxy-lb-0.cfg.state" in text


def test_bad_parameters_are_each_named_with_the_fix() -> None:
    _, problems = settings("lb:0", {"vip": "10.0.0.10", "nodes": "n1,n2=10.0.0.12,n2=10.0.0.13",
                                    "services": "keystone:50000000:/v3,nova:8774:no-slash", "inter": "fast"},
                           "/run/x")
    text = "\n".join(problems)
    assert "'n1' is not NAME=ADDRESS" in text
    assert "n2 is listed twice" in text
    assert "port of keystone must be a port number" in text
    assert "check path of nova must start with /" in text
    assert "inter must be a whole number" in text
    _, problems = settings("lb:0", {"vip": "10.0.0.10", "nodes": "n1=10.0.0.11"}, "/run/x")
    assert problems == ["nothing to balance: give galera_resource= and/or services="]


def test_haproxy_accepts_the_generated_file(tmp_path: Path) -> None:
    s, _ = settings("lb:0", {**PARAMS, "stats_bind": "10.0.0.10:8404"}, str(tmp_path))
    assert s is not None
    cfg = tmp_path / "h.cfg"
    cfg.write_text(render(s))
    proc = subprocess.run(["haproxy", "-c", "-f", str(cfg)], capture_output=True, text=True, timeout=20)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_listeners_are_the_sections_with_a_server_per_node() -> None:
    s, _ = settings("lb:0", PARAMS, "/run/x")
    assert s is not None
    names = listeners(s)
    assert names[0] == "galera" and "keystone" in names and "glance_registry" in names
    text = render(s)
    assert all(f"listen {n}\n" in text and "    server n2 " in text.split(f"listen {n}\n")[1].split("\n\n")[0]
               for n in names)
    only_api, _ = settings("lb:0", {**PARAMS, "galera_resource": ""}, "/run/x")
    assert only_api is not None and "galera" not in listeners(only_api)
