"""Real Debian resource agents through the executor: Dummy, Stateful (+ crm_master shim), anything."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

from agent_testlib import NODE, pid_alive, req

from hastack.agents.action import ActionRequest, CloneInfo, NotifyInfo
from hastack.agents.codes import ExecStatus, FailureKind, Reaction
from hastack.agents.executor import Executor
from hastack.model.values import Role


def test_dummy_probe_start_monitor_stop(executor: Executor, tmp_path: Path) -> None:
    state = str(tmp_path / "d1.state")
    run = lambda action, interval=0: executor.execute(req("ocf:heartbeat:Dummy", action, "d1", interval, state=state))  # noqa: E731

    probe = run("monitor")
    assert (probe.rc, probe.status, probe.ok, probe.outcome.reaction) == (7, ExecStatus.DONE, True, Reaction.NOT_HERE)
    assert run("start").rc == 0
    assert Path(state).exists()
    mon = run("monitor", 10_000)
    assert (mon.rc, mon.ok, mon.outcome.running) == (0, True, True)
    assert run("start").rc == 0  # starting a started resource is success
    assert run("stop").rc == 0
    assert not Path(state).exists()
    assert run("stop").rc == 0  # stopping a stopped one too
    failed = run("monitor", 10_000)  # a recurring monitor finding it stopped is a soft failure
    assert (failed.rc, failed.ok, failed.outcome.kind) == (7, False, FailureKind.SOFT)
    assert failed.exit_reason == "No process state file found"
    unsupported = run("promote")
    assert unsupported.rc == 3 and unsupported.outcome.kind is FailureKind.HARD


def test_dummy_meta_data_and_validate(executor: Executor) -> None:
    meta = executor.metadata(req("ocf:heartbeat:Dummy", "meta-data").agent)
    assert meta.has_dtd and meta.ocf_version == "1.0"
    assert {"state", "fake"} <= {p.name for p in meta.parameters}
    assert meta.action("monitor").interval_ms == 10_000
    assert executor.execute(req("ocf:heartbeat:Dummy", "validate-all", state="/tmp/x")).rc == 0


def test_stateful_promote_demote_sets_promotion_score(executor: Executor, tmp_path: Path, state_dir: Path) -> None:
    state = str(tmp_path / "st.state")
    clone = CloneInfo(instance=0, clone_max=2, clone_node_max=1, promoted_max=1, promoted_node_max=1)

    def run(action: str, interval: int = 0, role: Role | None = None, target: int | None = None):  # type: ignore[no-untyped-def]
        r = replace(req("ocf:pacemaker:Stateful", action, "st", interval, state=state), clone=clone, role=role,
                    target_rc=target)
        return executor.execute(r)

    def scores() -> dict[str, str]:
        data = json.loads((state_dir / "shim-state.json").read_text())
        return data["nodes"][NODE]["transient"]

    assert run("monitor").rc == 7
    assert run("start").rc == 0
    assert scores()["master-st"] == "5"  # Stateful's unpromoted score, set with crm_attribute --promotion
    assert run("monitor", 10_000, Role.UNPROMOTED).rc == 0
    assert run("promote").rc == 0
    assert scores()["master-st"] == "10"
    promoted = run("monitor", 11_000, Role.PROMOTED, 8)
    assert (promoted.rc, promoted.ok, promoted.outcome.promoted) == (8, True, True)
    assert run("demote").rc == 0
    assert scores()["master-st"] == "5"
    assert run("monitor", 10_000, Role.UNPROMOTED).rc == 0
    assert run("stop").rc == 0
    assert "master-st" not in scores()  # crm_attribute --promotion -D


def test_stateful_sees_clone_and_notify_environment(executor: Executor, tmp_path: Path) -> None:
    envfile = tmp_path / "env.txt"
    r = ActionRequest(
        req("ocf:pacemaker:Stateful", "notify").agent, "notify", "st:1",
        (("state", str(tmp_path / "s")), ("envfile", str(envfile))),
        meta=(("target-role", "Started"),), node=NODE,
        clone=CloneInfo(instance=1, clone_max=2, clone_node_max=1, promoted_max=1, notify=True),
        notify=NotifyInfo(type="pre", operation="promote", promote=(("st:1", NODE),),
                          active=(("st:0", "node2"), ("st:1", NODE)), all_nodes=(NODE, "node2")))
    assert executor.execute(r).rc == 0
    env = dict(line.split("=", 1) for line in envfile.read_text().splitlines() if "=" in line)
    meta = "OCF_RESKEY_CRM_meta_"
    assert env["OCF_RESOURCE_INSTANCE"] == "st:1"
    assert env["OCF_ROOT"] == "/usr/lib/ocf"
    assert env[meta + "clone"] == "1" and env[meta + "clone_max"] == "2"
    assert env[meta + "promoted_max"] == env[meta + "master_max"] == "1"
    assert env[meta + "target_role"] == "Started"
    assert env[meta + "notify_type"] == "pre" and env[meta + "notify_operation"] == "promote"
    assert env[meta + "notify_promote_resource"] == "st:1"
    assert env[meta + "notify_active_uname"] == "node2 node1"
    assert env[meta + "notify_stop_resource"] == " "  # an empty list is a single space
    assert env[meta + "notify_master_resource"] == " "
    assert env[meta + "on_node"] == NODE
    assert env[meta + "timeout"] == "20000" and env[meta + "interval"] == "0"
    assert env["PATH"].split(":")[0].endswith("hastack/shims/bin")


def test_heartbeat_anything_supervises_a_process(executor: Executor, tmp_path: Path) -> None:
    pidfile = tmp_path / "sleeper.pid"
    params = {"binfile": "/bin/sleep", "cmdline_options": "300", "pidfile": str(pidfile),
              "logfile": str(tmp_path / "log")}
    run = lambda action, interval=0: executor.execute(req("ocf:heartbeat:anything", action, "any1", interval, **params))  # noqa: E731
    assert run("monitor").rc == 7
    started = run("start")
    assert started.rc == 0, started.stderr
    pid = int(pidfile.read_text())
    assert pid_alive(pid)
    assert run("monitor", 10_000).rc == 0
    assert run("stop").rc == 0
    assert not pid_alive(pid)
    assert run("monitor").rc == 7


def test_dummy_migrate_and_reload(executor: Executor, tmp_path: Path) -> None:
    state = str(tmp_path / "m.state")
    base = req("ocf:heartbeat:Dummy", "start", "m1", state=state)
    assert executor.execute(base).rc == 0
    for action in ("migrate_to", "migrate_from", "reload"):
        r = replace(base, action=action, migrate_source=NODE, migrate_target="node2")
        env = executor.resolve(r).env
        assert env["OCF_RESKEY_CRM_meta_migrate_target"] == "node2"
        result = executor.execute(r)
        assert result.rc == 0 and result.ok, (action, result.stderr)
    assert executor.execute(replace(base, action="stop")).rc == 0


def test_op_check_level_reaches_the_agent(executor: Executor, tmp_path: Path) -> None:
    envfile = tmp_path / "env"
    r = replace(req("ocf:pacemaker:Stateful", "monitor", "st", 10_000, state=str(tmp_path / "s"),
                    envfile=str(envfile)), op_params=(("OCF_CHECK_LEVEL", "10"),))
    executor.execute(r)
    assert "OCF_RESKEY_OCF_CHECK_LEVEL=10" in envfile.read_text()
