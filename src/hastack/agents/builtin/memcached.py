"""ocf:hastack:memcached — memcached on a controller (a clone on every controller; OpenStack's clients
spread keys over all of them, and HAProxy is not in the way).

memcached runs in the foreground of a session of its own (not `-d`: with
`-d` a port still held by the previous instance fails silently with exit
0, the reference lab's pitfall), as `user` (it refuses to run as root). A
start is done when memcached answers `version` on its address; monitor
asks `stats` and checks that the pid memcached reports is the one in the
pid file, so another process on the same port is never taken for ours.

There is no replication: a dead memcached loses its keys, and clients
configured as README says ("memcached") miss and rehash, they do not fail.

Stdlib only; imports nothing of hastack beyond agents.builtin.
"""

from __future__ import annotations

import os
import socket
import time

from hastack.agents.builtin import procs
from hastack.agents.builtin.framework import (OCF_ERR_CONFIGURED, OCF_ERR_GENERIC, OCF_ERR_INSTALLED,
                                              OCF_NOT_RUNNING, OCF_SUCCESS, RUN_DIR, ActionDecl, AgentSpec, Context,
                                              Param, main, run_file)


def _path(ctx: Context, param: str, suffix: str) -> str:
    return run_file(ctx, param, "memcached", suffix)


def ask(host: str, port: int, command: str, end: bytes, timeout_s: float) -> str | None:
    """memcached's answer to one text-protocol command (up to `end`), or None if it does not answer."""
    try:
        with socket.create_connection((host, port), timeout=timeout_s) as s:
            s.sendall(command.encode() + b"\r\n")
            data = b""
            while not data.endswith(end):
                chunk = s.recv(65536)
                if not chunk:
                    return None
                data += chunk
        return data.decode(errors="replace")
    except OSError:
        return None


def served_pid(ctx: Context, timeout_s: float) -> int | None:
    """The pid memcached on this resource's address says it has."""
    answer = ask(ctx.params["listen"], int(ctx.params.get("port") or 11211), "stats", b"END\r\n", timeout_s)
    for line in (answer or "").splitlines():
        if line.startswith("STAT pid "):
            return int(line.split()[2])
    return None


def validate(ctx: Context) -> int:
    binary = ctx.params.get("binary") or "/usr/bin/memcached"
    if not (os.path.isfile(binary) and os.access(binary, os.X_OK)):
        ctx.reason(f"{binary} is not an executable file on this node: install memcached (apt-get install memcached)")
        return OCF_ERR_INSTALLED
    listen = ctx.params["listen"]
    if not listen or any(c in listen for c in " ,;"):
        ctx.reason(f"listen must be one address of this node (e.g. 10.0.0.11), got {listen!r}")
        return OCF_ERR_CONFIGURED
    for name in ("port", "memory", "max_connections"):
        text = ctx.params.get(name, "")
        if not text.isdigit() or int(text) < 1 or (name == "port" and int(text) > 65535):
            ctx.reason(f"{name} must be a positive whole number{' up to 65535' if name == 'port' else ''}, "
                       f"got {text!r}")
            return OCF_ERR_CONFIGURED
    return OCF_SUCCESS


def command(ctx: Context) -> list[str]:
    p = ctx.params
    cmd = [p.get("binary") or "/usr/bin/memcached", "-l", p["listen"], "-p", p["port"], "-U", "0",
           "-m", p["memory"], "-c", p["max_connections"]]
    if os.geteuid() == 0:
        cmd += ["-u", p.get("user") or "memcache"]  # memcached will not run as root
    return cmd


def monitor(ctx: Context) -> int:
    pid = procs.running_pid(_path(ctx, "pidfile", "pid"), ctx.params.get("binary") or "/usr/bin/memcached")
    if pid is None:
        return OCF_NOT_RUNNING
    served = served_pid(ctx, min(2.0, ctx.timeout_ms / 2000.0))
    if served != pid:
        where = f"{ctx.params['listen']}:{ctx.params.get('port')}"
        ctx.reason(f"memcached (pid {pid}) does not answer `stats` on {where}" if served is None else
                   f"{where} is answered by pid {served}, not by this resource's memcached (pid {pid})")
        return OCF_ERR_GENERIC
    return OCF_SUCCESS


def start(ctx: Context) -> int:
    rc = validate(ctx)
    if rc != OCF_SUCCESS:
        return rc
    if monitor(ctx) == OCF_SUCCESS:
        return OCF_SUCCESS
    log = _path(ctx, "logfile", "log")
    try:
        pid = procs.spawn(command(ctx), _path(ctx, "pidfile", "pid"), log, None, None)
    except OSError as err:
        ctx.reason(f"cannot start memcached: {err.strerror or err}")
        return OCF_ERR_GENERIC
    deadline = time.monotonic() + max(1.0, ctx.timeout_ms / 1000.0 - 1.0)
    while time.monotonic() < deadline and procs.process_alive(pid):
        if served_pid(ctx, 0.5) == pid:
            return OCF_SUCCESS
        time.sleep(0.02)
    try:
        with open(log, errors="replace") as f:
            said = f.read()[-300:].strip().replace("\n", " | ")
    except OSError:
        said = ""
    ctx.reason(f"memcached did not come up on {ctx.params['listen']}:{ctx.params['port']}"
               f"{': ' + said if said else ''}")
    procs.terminate(pid, 1.0)
    return OCF_ERR_GENERIC


def stop(ctx: Context) -> int:
    survivor = procs.stop_pidfile(_path(ctx, "pidfile", "pid"), ctx.params.get("binary") or "/usr/bin/memcached",
                                  max(1.0, ctx.timeout_ms / 1000.0 * 0.8 - 1))
    if survivor is not None:
        ctx.reason(f"memcached (pid {survivor}) survived SIGKILL")
        return OCF_ERR_GENERIC
    return OCF_SUCCESS


SPEC = AgentSpec(
    name="memcached",
    shortdesc="memcached on a controller",
    longdesc="Runs memcached on one address of the node (foreground, supervised by pid), monitored through its "
             "text protocol (`stats`, and the pid it reports). Run it as a clone on every controller and list "
             "every controller in the clients' memcache_servers.",
    params=(
        Param("listen", "Address to listen on", "One address of this node, e.g. 10.0.0.11 (not the VIP: "
              "clients hash keys over every controller).", required=True),
        Param("port", "TCP port", type="integer", default="11211"),
        Param("memory", "Cache size (MB)", type="integer", default="64"),
        Param("max_connections", "Maximum simultaneous connections", type="integer", default="1024"),
        Param("user", "User memcached runs as (when started as root)", default="memcache"),
        Param("binary", "memcached executable", default="/usr/bin/memcached"),
        Param("pidfile", "Pid file", f"Default: {RUN_DIR}/memcached-<resource>.pid", unique=True),
        Param("logfile", "memcached's output", f"Default: {RUN_DIR}/memcached-<resource>.log"),
    ),
    actions=(ActionDecl("start", "20s"), ActionDecl("stop", "20s"), ActionDecl("monitor", "20s", "10s", "0"),
             ActionDecl("meta-data", "5s"), ActionDecl("validate-all")),
    handlers={"start": start, "stop": stop, "monitor": monitor, "validate-all": validate},
)

if __name__ == "__main__":
    main(SPEC)
