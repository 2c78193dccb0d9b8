"""ocf:hastack:anything — run any program as a cluster resource (like ocf:heartbeat:anything).

Parameters as in heartbeat's anything: binfile, cmdline_options, pidfile,
logfile, errlogfile, workdir, stop_timeout; plus start_wait (seconds the
process must survive before start returns 0). monitor: 0 when the pid in
the pid file is alive and runs binfile, 7 otherwise (a stale pid file is
"not running", never an error). hastackd runs this monitor in its own
process (agents/builtin/inprocess.py).

Imports nothing of hastack beyond agents.builtin.
"""

from __future__ import annotations

import os
import time

from hastack.agents.builtin import procs
from hastack.agents.builtin.framework import (OCF_ERR_CONFIGURED, OCF_ERR_GENERIC, OCF_ERR_INSTALLED,
                                              OCF_NOT_RUNNING, OCF_SUCCESS, ActionDecl, AgentSpec, Context, Param,
                                              main)

RUN_DIR = "/run/resource-agents"


def pidfile(ctx: Context) -> str:
    return ctx.params.get("pidfile") or f"{RUN_DIR}/anything-{ctx.instance.replace(':', '-')}.pid"


def validate(ctx: Context) -> int:
    binfile = ctx.params["binfile"]
    if not os.path.isabs(binfile):
        ctx.reason(f"binfile must be an absolute path, got {binfile!r}")
        return OCF_ERR_CONFIGURED
    if not (os.path.isfile(binfile) and os.access(binfile, os.X_OK)):
        ctx.reason(f"{binfile} is not an executable file on this node")
        return OCF_ERR_INSTALLED
    workdir = ctx.params.get("workdir")
    if workdir and not os.path.isdir(workdir):
        ctx.reason(f"workdir {workdir} does not exist")
        return OCF_ERR_CONFIGURED
    return OCF_SUCCESS


def monitor(ctx: Context) -> int:
    return OCF_SUCCESS if procs.running_pid(pidfile(ctx), ctx.params["binfile"]) else OCF_NOT_RUNNING


def start(ctx: Context) -> int:
    rc = validate(ctx)
    if rc != OCF_SUCCESS:
        return rc
    pf = pidfile(ctx)
    if procs.running_pid(pf, ctx.params["binfile"]):
        return OCF_SUCCESS
    command = procs.split_command(ctx.params["binfile"], ctx.params.get("cmdline_options", ""))
    try:
        pid = procs.spawn(command, pf, ctx.params.get("logfile") or None, ctx.params.get("errlogfile") or None,
                          ctx.params.get("workdir") or None)
    except OSError as err:
        ctx.reason(f"cannot start {command[0]}: {err.strerror or err}")
        return OCF_ERR_GENERIC
    wait = ctx.number("start_wait", 0.2)
    deadline = time.monotonic() + wait
    while time.monotonic() < deadline:
        if not procs.process_alive(pid):
            break
        time.sleep(0.02)
    if not procs.process_alive(pid):
        ctx.reason(f"{command[0]} exited right after start (see {ctx.params.get('logfile') or 'its output'})")
        _unlink(pf)
        return OCF_ERR_GENERIC
    return OCF_SUCCESS


def _unlink(path: str) -> None:
    try:
        os.unlink(path)
    except FileNotFoundError:
        pass


def stop(ctx: Context) -> int:
    pf = pidfile(ctx)
    pid = procs.running_pid(pf, ctx.params["binfile"])
    if pid is not None:
        grace = ctx.number("stop_timeout", max(1.0, ctx.timeout_ms / 1000.0 * 0.8 - 1))
        if not procs.terminate(pid, grace):
            ctx.reason(f"process {pid} survived SIGKILL")
            return OCF_ERR_GENERIC
    _unlink(pf)
    return OCF_SUCCESS


SPEC = AgentSpec(
    name="anything",
    shortdesc="Manages an arbitrary service",
    longdesc="Starts any program in the background, keeps its pid file, monitors it by pid and executable, "
             "and stops it with SIGTERM then SIGKILL; hastack's counterpart of ocf:heartbeat:anything.",
    params=(
        Param("binfile", "Full path of the executable", required=True, unique=True),
        Param("cmdline_options", "Command line options", "Arguments, split like a shell would."),
        Param("pidfile", "Pid file", f"Default: {RUN_DIR}/anything-<resource>.pid"),
        Param("logfile", "Output log file", "Where stdout (and stderr unless errlogfile) go; default /dev/null."),
        Param("errlogfile", "Error log file", "Where stderr goes."),
        Param("workdir", "Working directory", "Directory the program runs in; default /."),
        Param("stop_timeout", "Stop timeout (s)", "Seconds between SIGTERM and SIGKILL; default 80% of the "
              "stop timeout.", type="integer"),
        Param("start_wait", "Start wait (s)", "Seconds the program must stay up for start to succeed.",
              default="0.2"),
    ),
    actions=(ActionDecl("start"), ActionDecl("stop"), ActionDecl("monitor", "20s", "10s", "0"),
             ActionDecl("meta-data", "5s"), ActionDecl("validate-all")),
    handlers={"start": start, "stop": stop, "monitor": monitor, "validate-all": validate},
)

if __name__ == "__main__":
    main(SPEC)
