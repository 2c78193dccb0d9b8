"""ocf:hastack:OpenStackService — an OpenStack service process monitored by its API endpoint.

The pattern of the OpenStack HA Guide's agents (madkiss/openstack-resource-agents:
keystone, glance-api, cinder-api, neutron-server...): start the service
binary with its config file as a supervised process, consider it started
only once its API endpoint answers, and monitor both — process gone is 7
(not running), process up but the API silent within `api_timeout` is 1
(generic error, so the cluster restarts it in place). stop: SIGTERM, then
SIGKILL. Works for any service with an HTTP API; `binary` may be a stub.

Imports nothing of hastack beyond agents.builtin.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

from hastack.agents.builtin import procs
from hastack.agents.builtin.framework import (OCF_ERR_CONFIGURED, OCF_ERR_GENERIC, OCF_ERR_INSTALLED,
                                              OCF_NOT_RUNNING, OCF_SUCCESS, ActionDecl, AgentSpec, Context, Param,
                                              main)

RUN_DIR = "/run/resource-agents"


def pidfile(ctx: Context) -> str:
    return ctx.params.get("pid") or f"{RUN_DIR}/openstack-{ctx.instance.replace(':', '-')}.pid"


def command(ctx: Context) -> list[str]:
    cmd = procs.split_command(ctx.params["binary"], ctx.params.get("additional_parameters", ""))
    if ctx.params.get("config"):
        cmd[1:1] = ["--config-file", ctx.params["config"]]
    return cmd


def validate(ctx: Context) -> int:
    binary = ctx.params["binary"]
    if not (os.path.isfile(binary) and os.access(binary, os.X_OK)):
        ctx.reason(f"service binary {binary} is not an executable file on this node")
        return OCF_ERR_INSTALLED
    config = ctx.params.get("config")
    if config and not os.path.isfile(config):
        ctx.reason(f"config file {config} does not exist")
        return OCF_ERR_INSTALLED
    if not ctx.params["url"].startswith(("http://", "https://")):
        ctx.reason(f"url must be an http(s) API endpoint, got {ctx.params['url']!r}")
        return OCF_ERR_CONFIGURED
    return OCF_SUCCESS


def api_problem(ctx: Context) -> str | None:
    return procs.check_http(ctx.params["url"], ctx.number("api_timeout", 5), ctx.params.get("expect_status", ""))


def monitor(ctx: Context) -> int:
    if procs.running_pid(pidfile(ctx), ctx.params["binary"]) is None:
        return OCF_NOT_RUNNING
    problem = api_problem(ctx)
    if problem:
        ctx.reason(f"process runs but its API failed: {problem}")
        return OCF_ERR_GENERIC
    return OCF_SUCCESS


def start(ctx: Context) -> int:
    rc = validate(ctx)
    if rc != OCF_SUCCESS:
        return rc
    if monitor(ctx) == OCF_SUCCESS:
        return OCF_SUCCESS
    pf = pidfile(ctx)
    if procs.running_pid(pf, ctx.params["binary"]) is None:
        try:
            procs.spawn(command(ctx), pf, ctx.params.get("logfile") or None, None, None,
                        env={**os.environ, **_service_env(ctx)})
        except OSError as err:
            ctx.reason(f"cannot start {ctx.params['binary']}: {err.strerror or err}")
            return OCF_ERR_GENERIC
    # Wait for the API until the start timeout is nearly used up (the executor kills us at the deadline).
    deadline = time.monotonic() + max(1.0, ctx.timeout_ms / 1000.0 - 2)
    problem = None
    while time.monotonic() < deadline:
        pid = procs.running_pid(pf, ctx.params["binary"])
        if pid is None:
            ctx.reason(f"{ctx.params['binary']} exited during start")
            return OCF_ERR_GENERIC
        problem = api_problem(ctx)
        if problem is None:
            return OCF_SUCCESS
        time.sleep(0.2)
    ctx.reason(f"service started but its API never answered: {problem}")
    return OCF_ERR_GENERIC


def _service_env(ctx: Context) -> dict[str, str]:
    return {"OS_SERVICE_URL": ctx.params["url"]}


def stop(ctx: Context) -> int:
    pf = pidfile(ctx)
    pid = procs.running_pid(pf, ctx.params["binary"])
    if pid is not None and not procs.terminate(pid, max(1.0, ctx.timeout_ms / 1000.0 * 0.8 - 1)):
        ctx.reason(f"process {pid} survived SIGKILL")
        return OCF_ERR_GENERIC
    Path(pf).unlink(missing_ok=True)
    return OCF_SUCCESS


SPEC = AgentSpec(
    name="OpenStackService",
    shortdesc="OpenStack API service (process + API endpoint)",
    longdesc="Starts an OpenStack service binary with its config file and monitors the process and its API "
             "endpoint, like the openstack-resource-agents keystone/glance/cinder/neutron agents.",
    params=(
        Param("binary", "Service executable", "e.g. /usr/bin/keystone-all", required=True),
        Param("config", "Config file", "Passed as --config-file."),
        Param("additional_parameters", "Extra arguments", "More command-line arguments."),
        Param("url", "API endpoint", "e.g. http://127.0.0.1:5000/v3", required=True, unique=True),
        Param("expect_status", "Expected HTTP status", "Codes or classes; default any status below 500."),
        Param("api_timeout", "API timeout (s)", "Seconds to wait for the API in monitor.", type="integer",
              default="5"),
        Param("pid", "Pid file", f"Default: {RUN_DIR}/openstack-<resource>.pid"),
        Param("logfile", "Log file", "Where the service's output goes."),
    ),
    actions=(ActionDecl("start", "60s"), ActionDecl("stop", "60s"), ActionDecl("monitor", "30s", "20s", "0"),
             ActionDecl("meta-data", "5s"), ActionDecl("validate-all")),
    handlers={"start": start, "stop": stop, "monitor": monitor, "validate-all": validate},
)

if __name__ == "__main__":
    main(SPEC)
