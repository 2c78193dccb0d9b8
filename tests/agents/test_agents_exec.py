"""Executor behaviour with hand-written agents: timeouts kill the whole group, secrets are masked,
bad agents give clear errors; plus the stonith class on fence_dummy and lsb/systemd classes."""

from __future__ import annotations

import time
from dataclasses import replace
from pathlib import Path

import pytest
from agent_testlib import NODE, pid_alive, req, write_agent

from hastack.agents.action import ActionRequest
from hastack.agents.codes import ExecStatus, FailureKind, Reaction
from hastack.agents.executor import Executor
from hastack.errors import AgentError
from hastack.model.secrets import MASK
from hastack.model.values import AgentRef

HANGING = """#!/bin/sh
# starts a child that ignores SIGTERM, records both pids, then hangs
trap '' TERM
sh -c 'trap "" TERM; sleep 300' &
echo "$$ $!" > "$OCF_RESKEY_pids"
echo "ocf-exit-reason:still starting"  >&2
sleep 300
"""

LEAKY = """#!/bin/sh
echo "connecting with password $OCF_RESKEY_password"
echo "debug: auth=$OCF_RESKEY_password" >&2
echo "ocf-exit-reason:login refused for secret $OCF_RESKEY_password" >&2
exit 1
"""


def test_hanging_agent_and_children_are_killed_at_deadline(provider_dir: tuple[Path, Executor],
                                                           tmp_path: Path) -> None:
    pdir, ex = provider_dir
    write_agent(pdir, "Hang", HANGING)
    pids = tmp_path / "pids"
    began = time.monotonic()
    result = ex.execute(req("ocf:test:Hang", "start", "h1", timeout_ms=1000, pids=str(pids)))
    elapsed = time.monotonic() - began
    assert result.status is ExecStatus.TIMEOUT and not result.ok
    assert result.outcome.kind is FailureKind.SOFT
    assert "timed out after 1000ms" in result.detail
    assert result.exit_reason == "still starting"
    assert 1.0 <= elapsed < 4.0  # TERM at 1 s (ignored), KILL after the grace
    agent_pid, child_pid = map(int, pids.read_text().split())
    for pid in (agent_pid, child_pid):
        assert not pid_alive(pid), f"pid {pid} survived the deadline"


def test_timed_out_stop_means_fence(provider_dir: tuple[Path, Executor], tmp_path: Path) -> None:
    pdir, ex = provider_dir
    write_agent(pdir, "Hang", HANGING)
    result = ex.execute(req("ocf:test:Hang", "stop", "h1", timeout_ms=300, pids=str(tmp_path / "p")))
    assert result.status is ExecStatus.TIMEOUT
    assert result.outcome.reaction is Reaction.FENCE_OR_BLOCK


def test_secret_parameters_never_show(provider_dir: tuple[Path, Executor]) -> None:
    pdir, ex = provider_dir
    write_agent(pdir, "Leaky", LEAKY)
    result = ex.execute(req("ocf:test:Leaky", "start", "l1", password="hunter2-very-secret", user="admin"))
    assert result.rc == 1
    for text in (result.stdout, result.stderr, result.exit_reason, result.summary()):
        assert "hunter2-very-secret" not in text
    assert MASK in result.stdout and MASK in result.exit_reason


def test_secret_named_by_metadata_is_masked(provider_dir: tuple[Path, Executor]) -> None:
    pdir, ex = provider_dir
    write_agent(pdir, "Leaky", LEAKY.replace("$OCF_RESKEY_password", "$OCF_RESKEY_credentials_blob"))
    r = replace(req("ocf:test:Leaky", "start", "l1", credentials_blob="s3cr3t-blob"),
                secret_names=frozenset({"credentials_blob"}))
    result = ex.execute(r)
    assert "s3cr3t-blob" not in result.stdout + result.stderr + result.exit_reason


def test_unknown_agent_and_class(executor: Executor) -> None:
    with pytest.raises(AgentError) as err:
        executor.resolve(req("ocf:heartbeat:Dumy", "start"))
    assert "did you mean 'Dummy'" in err.value.render()
    with pytest.raises(AgentError) as err:
        executor.resolve(req("ocf:hartbeat:Dummy", "start"))
    assert "did you mean 'heartbeat'" in err.value.render()
    with pytest.raises(AgentError) as err:
        executor.resolve(ActionRequest(AgentRef("osf", "Dummy", "heartbeat"), "start"))
    assert "unsupported resource agent class 'osf'" in err.value.message
    assert "did you mean 'ocf'" in err.value.render()
    missing = executor.execute(req("ocf:heartbeat:Nope", "monitor"))  # a result, not an exception
    assert missing.status is ExecStatus.NOT_INSTALLED and missing.rc == 5
    assert missing.ok  # a probe finding the agent missing: "not running here"


def test_non_executable_and_broken_agents(provider_dir: tuple[Path, Executor]) -> None:
    pdir, ex = provider_dir
    write_agent(pdir, "NoExec", "#!/bin/sh\nexit 0\n", mode=0o644)
    with pytest.raises(AgentError) as err:
        ex.resolve(req("ocf:test:NoExec", "start"))
    assert "is not executable" in err.value.message and "chmod +x" in err.value.hint
    write_agent(pdir, "NoShebang", "exit 0\n")
    broken = ex.execute(req("ocf:test:NoShebang", "start"))
    assert broken.status is ExecStatus.ERROR and "Exec format error" in broken.exit_reason


def test_agent_without_ocf_root_would_fail_but_we_set_it(executor: Executor) -> None:
    env = executor.resolve(req("ocf:heartbeat:Dummy", "monitor")).env
    assert env["OCF_ROOT"] == "/usr/lib/ocf" and env["OCF_RA_VERSION_MAJOR"] == "1"
    assert env["HA_SBIN_DIR"].endswith("shims/bin")
    assert "OCF_RESKEY_CRM_meta_interval" in env
    meta_env = executor.resolve(req("ocf:heartbeat:Dummy", "meta-data", state="x")).env
    assert "OCF_RESKEY_state" not in meta_env  # meta-data gets no parameters


# --- stonith, lsb, systemd -----------------------------------------------------------------

def test_fence_dummy_through_stonith_class(executor: Executor, tmp_path: Path) -> None:
    status_file = str(tmp_path / "fence.status")
    run = lambda action, interval=0, **p: executor.execute(req("stonith:fence_dummy", action, "fd", interval,  # noqa: E731
                                                              status_file=status_file, **p))
    assert run("monitor").rc == 7  # probe of an unregistered device: not running here
    assert run("start").rc == 0
    assert run("monitor", 60_000).rc == 0
    assert run("on", target=NODE).rc == 0
    assert Path(status_file).read_text().strip() == "on"
    assert run("status", target=NODE).rc == 0
    off = run("off", target=NODE)
    assert off.rc == 0, off.stderr
    assert Path(status_file).read_text().strip() == "off"
    status = run("status", target=NODE)
    assert status.rc == 7 and "powered off" in status.exit_reason
    assert run("reboot", target=NODE).rc == 0
    assert run("stop").rc == 0
    assert run("monitor", 60_000).rc == 7
    meta = executor.metadata(AgentRef("stonith", "fence_dummy"))
    assert meta.name == "fence_dummy" and "status_file" in {p.name for p in meta.parameters}
    assert {"on", "off", "reboot", "monitor"} <= set(meta.action_names)


def test_fence_agent_stdin_keeps_pcmk_params_out(executor: Executor) -> None:
    inv = executor.resolve(req("stonith:fence_dummy", "off", "fd", target="node2", status_file="/tmp/x",
                               pcmk_host_list="node2", pcmk_host_map="node2:7"))
    lines = inv.stdin.decode().splitlines()
    assert lines[0] == "action=off" and "nodename=node2" in lines and "status_file=/tmp/x" in lines
    assert not any(line.startswith("pcmk_") for line in lines)
    assert not any(line.startswith(("port=", "plug=")) for line in lines)  # fence_dummy takes no port


def test_fence_action_needs_a_target(executor: Executor) -> None:
    with pytest.raises(AgentError, match="target=NODE"):
        executor.resolve(req("stonith:fence_dummy", "off", "fd"))


def test_systemd_class_says_systemd_is_not_running(executor: Executor) -> None:
    assert not executor.host.systemd_running  # PID 1 is not systemd on this machine
    with pytest.raises(AgentError) as err:
        executor.resolve(req("systemd:ssh", "start"))
    assert "systemd is not running on this host" in err.value.message
    result = executor.execute(req("systemd:ssh", "monitor", interval_ms=10_000))
    assert result.status is ExecStatus.ERROR and "systemd is not running" in result.exit_reason


def test_lsb_status_mapping(tmp_path: Path, executor: Executor) -> None:
    init_d = tmp_path / "init.d"
    init_d.mkdir()
    write_agent(init_d, "svc", "#!/bin/sh\n### BEGIN INIT INFO\n# Short-Description: test svc\n### END INIT INFO\n"
                "case $1 in status) exit ${STATUS:-3};; start|stop) exit 0;; esac; exit 9\n")
    ex = Executor(replace(executor.host, init_d=init_d))
    assert ex.execute(req("lsb:svc", "monitor")).rc == 7  # LSB 3 = stopped
    assert ex.execute(req("lsb:svc", "start")).rc == 0
    assert ex.execute(req("service:svc", "stop")).rc == 0  # service -> lsb without systemd
    assert ex.execute(req("lsb:svc", "reload")).rc == 1  # rc 9 > 7: generic error
    assert ex.metadata(AgentRef("lsb", "svc")).shortdesc == "test svc"
