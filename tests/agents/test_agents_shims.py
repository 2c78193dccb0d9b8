"""The Pacemaker command shims, run as agents run them: executables found on PATH."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest
from agent_testlib import NODE

from hastack.shims import BIN_DIR


def run(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    full = {**os.environ, "PATH": f"{BIN_DIR}:/usr/sbin:/usr/bin:/bin", **(env or {})}
    return subprocess.run(args, capture_output=True, text=True, env=full, timeout=30)


def state(state_dir: Path) -> dict:  # type: ignore[type-arg]
    return json.loads((state_dir / "shim-state.json").read_text())


def test_shims_shadow_pacemaker_binaries(state_dir: Path) -> None:
    for name in ("crm_attribute", "crm_master", "attrd_updater", "crm_node", "crm_resource", "crm_mon",
                 "crm_failcount", "stonith_admin"):
        found = run("sh", "-c", f"command -v {name}").stdout.strip()
        assert found == str(BIN_DIR / name)
        assert os.access(found, os.X_OK)


def test_crm_attribute_node_attributes(state_dir: Path) -> None:
    assert run("crm_attribute", "-N", NODE, "-n", "rack", "-v", "r1").returncode == 0
    assert run("crm_attribute", "--node", NODE, "--name", "rack", "--query").stdout == \
        "scope=nodes name=rack value=r1\n"
    assert run("crm_attribute", "-l", "reboot", "-n", "pingd", "-v", "100").returncode == 0
    assert state(state_dir)["nodes"][NODE]["transient"]["pingd"] == "100"
    assert state(state_dir)["nodes"][NODE]["permanent"]["rack"] == "r1"
    q = run("crm_attribute", "-l", "reboot", "-n", "pingd", "-G", "-q")
    assert (q.returncode, q.stdout) == (0, "100\n")
    missing = run("crm_attribute", "-l", "forever", "-n", "nope", "-G", "-q")
    assert missing.returncode == 105 and "No such device or address" in missing.stderr
    dflt = run("crm_attribute", "-l", "forever", "-n", "nope", "-G", "-q", "-d", "7")
    assert (dflt.returncode, dflt.stdout) == (0, "7\n")
    assert run("crm_attribute", "-l", "reboot", "-n", "pingd", "-D").returncode == 0
    assert "pingd" not in state(state_dir)["nodes"][NODE]["transient"]
    assert run("crm_attribute", "-l", "reboot", "-n", "pingd", "-D").returncode == 0  # deleting nothing is fine


def test_crm_attribute_cluster_options_patterns_and_usage(state_dir: Path) -> None:
    assert run("crm_attribute", "-t", "crm_config", "-n", "stonith-enabled", "-v", "false").returncode == 0
    assert run("crm_attribute", "--type", "crm_config", "--name", "stonith-enabled", "-G", "-q").stdout == "false\n"
    run("crm_attribute", "-l", "reboot", "-n", "fail-count-a#start_0", "-v", "1")
    run("crm_attribute", "-l", "reboot", "-n", "fail-count-b#start_0", "-v", "2")
    listed = run("crm_attribute", "-l", "reboot", "-P", "^fail-count-", "-G")
    assert listed.stdout.count("\n") == 2
    assert run("crm_attribute", "-l", "reboot", "-P", "^fail-count-", "-D").returncode == 0
    assert not state(state_dir)["nodes"][NODE]["transient"]
    assert run("crm_attribute", "--bogus").returncode == 64
    assert run("crm_attribute", "-D").returncode == 64
    assert run("crm_attribute", "-n", "a", "-P", "b", "-G").returncode == 64
    no_rsc = run("crm_attribute", "-p", "-v", "5", env={"OCF_RESOURCE_INSTANCE": ""})
    assert no_rsc.returncode == 64 and "--promotion" in no_rsc.stderr


def test_promotion_scores_three_ways(state_dir: Path) -> None:
    env = {"OCF_RESOURCE_INSTANCE": "drbd"}
    assert run("crm_attribute", "--promotion", "-v", "10", env=env).returncode == 0
    assert state(state_dir)["nodes"][NODE]["transient"]["master-drbd"] == "10"
    assert run("crm_master", "-l", "reboot", "-v", "100", env=env).returncode == 0
    assert run("crm_attribute", "-p", "drbd", "-G", "-q").stdout == "100\n"
    assert run("crm_master", "-v", "5", env=env).returncode == 0  # crm_master defaults to lifetime forever
    assert state(state_dir)["nodes"][NODE]["permanent"]["master-drbd"] == "5"
    assert run("crm_master", "-r", "other", "-l", "reboot", "-v", "1").returncode == 0
    assert state(state_dir)["nodes"][NODE]["transient"]["master-other"] == "1"
    assert run("crm_master", "-v", "1", env={"OCF_RESOURCE_INSTANCE": ""}).returncode == 1


def test_attrd_updater(state_dir: Path) -> None:
    assert run("attrd_updater", "-n", "pingd", "-U", "1000", "-d", "5s").returncode == 0
    q = run("attrd_updater", "-n", "pingd", "-Q")
    assert q.stdout == f'name="pingd" host="{NODE}" value="1000"\n'
    run("attrd_updater", "-n", "pingd", "-U", "5", "-N", "node2")
    assert run("attrd_updater", "-n", "pingd", "-Q", "-A").stdout.count("host=") == 2
    assert run("attrd_updater", "-p", "-n", "gtid", "-U", "abc").returncode == 0
    assert run("attrd_updater", "-p", "-n", "gtid", "-Q").stdout.endswith('value="abc"\n')
    assert "gtid" not in state(state_dir)["nodes"][NODE]["transient"]  # private: never in the CIB view
    assert run("attrd_updater", "-n", "pingd", "-D").returncode == 0
    assert run("attrd_updater", "-n", "pingd", "-Q").returncode == 105
    assert run("attrd_updater", "-U", "1").returncode == 64
    assert run("attrd_updater", "-n", "x", "-B", "1").returncode == 64  # -B needs -d


def test_crm_node_and_crm_mon(state_dir: Path) -> None:
    assert run("crm_node", "-n").stdout == f"{NODE}\n"
    assert run("crm_node", "-n", env={"OCF_RESKEY_CRM_meta_on_node": "nodeX"}).stdout == "nodeX\n"
    run("attrd_updater", "-n", "x", "-U", "1", "-N", "node2")
    assert run("crm_node", "-l").stdout.splitlines() == [f"1 {NODE} member", "2 node2 member"]
    assert run("crm_node", "-p").stdout.split() == sorted([NODE, "node2"])
    assert run("crm_node", "-q").stdout == "1\n"
    assert run("crm_node", "-i").stdout.strip().isdigit()
    assert run("crm_node", "-R", "node2").returncode == 3
    mon = run("crm_mon", "-1", "-A")
    assert mon.returncode == 0 and "Online: [ node1 node2 ]" in mon.stdout and "Node Attributes:" in mon.stdout
    assert run("crm_mon").returncode == 64  # interactive mode refused
    assert run("crm_mon", "-s").stdout.startswith("CLUSTER OK:")


def test_crm_resource_and_failcount(state_dir: Path) -> None:
    nope = run("crm_resource", "--locate", "-r", "ip1")
    assert nope.returncode == 105 and "resource ip1 is NOT running" in nope.stderr
    data = {"resources": {"ip1": {"nodes": [NODE], "role": "Started", "agent": "ocf:heartbeat:IPaddr2"}}}
    (state_dir / "shim-state.json").write_text(json.dumps(data))
    assert run("crm_resource", "-W", "-r", "ip1").stdout == f"resource ip1 is running on: {NODE}\n"
    assert run("crm_resource", "-W", "-r", "ip1", "-Q").stdout == f"{NODE}\n"
    assert run("crm_resource", "-r", "ip1", "-z", "-p", "cpu", "-v", "2").returncode == 0
    assert run("crm_resource", "-Q", "-r", "ip1", "-z", "-g", "cpu").stdout == "2\n"
    assert run("crm_resource", "--resource=ip1", "--utilization", "--delete-parameter=cpu").returncode == 0
    assert run("crm_resource", "-Q", "-r", "ip1", "-z", "-g", "cpu").returncode == 105
    forced = run("crm_resource", "--force-start", "-r", "ip1")
    assert forced.returncode == 3 and "hastack agent run" in forced.stderr
    run("crm_attribute", "-l", "reboot", "-n", "fail-count-ip1#monitor_10000", "-v", "2")
    run("crm_attribute", "-l", "reboot", "-n", "fail-count-ip1#start_0", "-v", "1")
    assert run("crm_failcount", "-G", "-r", "ip1").stdout == "scope=status name=fail-count-ip1 value=3\n"
    assert run("crm_failcount", "-G", "-r", "ip1", "-n", "monitor", "-I", "10s", "-q").stdout == "2\n"
    assert run("crm_failcount", "-D", "-r", "ip1").returncode == 0
    assert run("crm_failcount", "-G", "-r", "ip1", "-q").stdout == "0\n"
    assert run("crm_failcount", "-G").returncode == 64


def test_stonith_admin(state_dir: Path, tmp_path: Path) -> None:
    status_file = tmp_path / "fd.status"
    assert run("stonith_admin", "-R", "fd1", "-a", "fence_dummy", "-o", f"status_file={status_file}").returncode == 0
    assert "fd1" in run("stonith_admin", "-L").stdout
    q = run("stonith_admin", "-Q", "fd1", env={"HASTACK_PYTHON": ""})
    assert q.returncode == 0 and "active" in q.stdout, q.stderr
    assert run("stonith_admin", "-Q", "nope").returncode == 105
    assert "fence_dummy" in run("stonith_admin", "-I").stdout
    assert run("stonith_admin", "-F", "node2").returncode == 3
    assert run("stonith_admin", "-D", "fd1").returncode == 0


def test_concurrent_updates_lose_nothing(state_dir: Path) -> None:
    procs = [subprocess.Popen(["crm_attribute", "-l", "reboot", "-n", f"a{i}", "-v", str(i)],
                              env={**os.environ, "PATH": f"{BIN_DIR}:/usr/bin:/bin"}) for i in range(12)]
    assert all(p.wait(timeout=30) == 0 for p in procs)
    assert len(state(state_dir)["nodes"][NODE]["transient"]) == 12


@pytest.mark.parametrize("tool", ["crm_attribute", "crm_node", "attrd_updater"])
def test_version(tool: str, state_dir: Path) -> None:
    out = run(tool, "--version")
    assert out.returncode == 0 and "Pacemaker" in out.stdout
