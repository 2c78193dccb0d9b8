"""ocf:hastack:haproxy — HAProxy in front of the controllers, as the OpenStack HA Guide runs it (a clone on
every controller, behind the virtual IP).

The agent writes haproxy.cfg itself from its parameters (haproxycfg.py says
what it generates and where it departs from the Guide), and checks every
file it writes with `haproxy -c` before HAProxy sees it: a file HAProxy
refuses is reported (rc 6, HAProxy's own complaint as the exit reason) and
never installed, so a running HAProxy keeps its last good configuration.

HAProxy runs in master-worker mode (`-W`), in the foreground of a session
of its own (`-db`; a daemonizing HAProxy exits 0 before a late failure
shows, the reference lab's pitfall). The pid file holds the master.

- start: generate, check, install, run; done when the stats socket answers.
  On a running HAProxy whose file differs, start is a reload.
- reload / reload-agent: generate and check; if the file changed, save the
  servers' states (`show servers state`), install the file and send
  SIGUSR2 to the master, which starts new workers on the new file and the
  saved states, and lets the old ones finish their established connections
  (no connection is dropped); done when a new worker answers the socket.
- monitor: the master is alive and the stats socket answers `show info`.
- stop: SIGTERM (HAProxy's hard stop), then SIGKILL.
- node-gone / node-back (hastack's, not OCF's: daemon.departure): a node hastack proved down has its
  servers put in maintenance and their sessions cut at once; when it joins again they go back to
  their health checks.

Stdlib only; imports nothing of hastack beyond agents.builtin.
"""

from __future__ import annotations

import os
import signal
import socket
import time

from hastack.agents.builtin import haproxycfg, procs
from hastack.agents.builtin.framework import (OCF_ERR_CONFIGURED, OCF_ERR_GENERIC, OCF_ERR_INSTALLED,
                                              OCF_NOT_RUNNING, OCF_SUCCESS, RUN_DIR, ActionDecl, AgentSpec, Context,
                                              Param, main, run_file)


def _path(ctx: Context, param: str, suffix: str) -> str:
    return run_file(ctx, param, "haproxy", suffix)


def _binary(ctx: Context) -> str:
    return ctx.params.get("binary") or "/usr/sbin/haproxy"


def generated(ctx: Context) -> tuple[haproxycfg.Settings | None, str]:
    """The settings and the file the parameters give; on bad parameters, the reason is said and
    (None, "") returned."""
    s, problems = haproxycfg.settings(ctx.instance, ctx.params, RUN_DIR)
    if s is None:
        ctx.reason("; ".join(problems))
        return None, ""
    return s, haproxycfg.render(s)


def checked(ctx: Context, text: str) -> str | None:
    """Write `text` beside the configuration file and have HAProxy check it: the candidate's path, or
    None (and the reason said) when HAProxy refuses it."""
    import subprocess  # here: monitors never need it

    config = _path(ctx, "config", "cfg")
    os.makedirs(os.path.dirname(config) or ".", exist_ok=True)
    candidate = f"{config}.new"
    with open(candidate, "w") as f:
        f.write(text)
    try:
        proc = subprocess.run([_binary(ctx), "-c", "-f", candidate], capture_output=True, text=True,
                              timeout=max(2.0, ctx.timeout_ms / 2000.0))
    except subprocess.TimeoutExpired:
        ctx.reason("haproxy -c did not finish checking the generated configuration in time")
        return None
    if proc.returncode != 0:
        said = [line.strip() for line in (proc.stdout + proc.stderr).splitlines() if "ALERT" in line] or \
               [line.strip() for line in (proc.stdout + proc.stderr).splitlines() if line.strip()]
        ctx.reason(f"haproxy -c refused the generated configuration ({candidate}): "
                   f"{' | '.join(said[:3]) or f'exit {proc.returncode}'}; the running HAProxy, if any, "
                   "keeps its last good configuration -- fix the resource's parameters")
        return None
    return candidate


def stats(path: str, command: str, timeout_s: float) -> str | None:
    """HAProxy's answer to one stats-socket command, or None when it does not answer in time."""
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
            s.settimeout(timeout_s)
            s.connect(path)
            s.sendall(command.encode() + b"\n")
            chunks = []
            while True:
                data = s.recv(65536)
                if not data:
                    break
                chunks.append(data)
        return b"".join(chunks).decode(errors="replace")
    except OSError:
        return None


def worker_pid(ctx: Context, timeout_s: float = 1.0) -> int | None:
    info = stats(_path(ctx, "stats_socket", "sock"), "show info", timeout_s)
    for line in (info or "").splitlines():
        if line.startswith("Pid:"):
            return int(line.split(":", 1)[1])
    return None


def _missing(ctx: Context) -> int | None:
    """OCF_ERR_INSTALLED (reason said) when the haproxy binary is not here."""
    binary = _binary(ctx)
    if not (os.path.isfile(binary) and os.access(binary, os.X_OK)):
        ctx.reason(f"{binary} is not an executable file on this node: install haproxy (apt-get install haproxy)")
        return OCF_ERR_INSTALLED
    return None


def validate(ctx: Context) -> int:
    if (rc := _missing(ctx)) is not None:
        return rc
    s, text = generated(ctx)
    if s is None:
        return OCF_ERR_CONFIGURED
    candidate = checked(ctx, text)
    if candidate is None:
        return OCF_ERR_CONFIGURED
    os.unlink(candidate)
    return OCF_SUCCESS


def _tell_servers(ctx: Context, commands: tuple[str, ...], what: str) -> int:
    """Run `commands` (each formatted with the backend and the server) on the departed node's server in every
    listener, through the stats socket; a HAProxy that is not running has nothing to do."""
    s, _ = generated(ctx)
    if s is None:
        return OCF_ERR_CONFIGURED
    node = ctx.departed
    if node not in dict(s.nodes):
        ctx.reason(f"{what} needs a node of the `nodes` parameter as meta departed_uname, got {node!r}")
        return OCF_ERR_CONFIGURED
    if procs.running_pid(_path(ctx, "pidfile", "pid"), _binary(ctx)) is None:
        return OCF_SUCCESS
    backends = haproxycfg.listeners(s)
    line = "; ".join(c.format(backend=b, server=node) for b in backends for c in commands)
    answer = stats(_path(ctx, "stats_socket", "sock"), line, max(1.0, ctx.timeout_ms / 2000.0))
    if answer is None:
        ctx.reason(f"{what} {node}: HAProxy did not answer on {_path(ctx, 'stats_socket', 'sock')}")
        return OCF_ERR_GENERIC
    said = [x.strip() for x in answer.splitlines() if x.strip()]
    if said:  # HAProxy answers these commands with nothing when they worked
        ctx.reason(f"{what} {node}: HAProxy said: {' | '.join(said[:3])}")
        return OCF_ERR_GENERIC
    ctx.log(f"{what} {node}: {', '.join(backends)}: {' / '.join(c.split(' {')[0] for c in commands)}")
    return OCF_SUCCESS


def node_gone(ctx: Context) -> int:
    """hastack proved the node down: its servers go to maintenance at once (no request is sent there, not
    even a health check) and their established sessions are cut, so clients reconnect to a live server
    instead of waiting for `fall` failed checks. Kept across reloads (server-state-file)."""
    return _tell_servers(ctx, ("set server {backend}/{server} state maint",
                               "shutdown sessions server {backend}/{server}"), "node-gone")


def node_back(ctx: Context) -> int:
    """A new incarnation of the node joined: its servers leave maintenance and go back to their health
    checks, which bring each UP after `rise` passing checks -- never before the service answers."""
    return _tell_servers(ctx, ("set server {backend}/{server} state ready",), "node-back")


def monitor(ctx: Context) -> int:
    if procs.running_pid(_path(ctx, "pidfile", "pid"), _binary(ctx)) is None:
        return OCF_NOT_RUNNING
    if worker_pid(ctx, min(2.0, ctx.timeout_ms / 2000.0)) is None:
        ctx.reason(f"HAProxy runs but does not answer `show info` on {_path(ctx, 'stats_socket', 'sock')}")
        return OCF_ERR_GENERIC
    return OCF_SUCCESS


def _wait_worker(ctx: Context, master: int, not_pid: int | None, deadline: float) -> int | None:
    while time.monotonic() < deadline and procs.process_alive(master):
        pid = worker_pid(ctx, 0.5)
        if pid is not None and pid != not_pid:
            return pid
        time.sleep(0.02)
    return None


def start(ctx: Context) -> int:
    if (rc := _missing(ctx)) is not None:
        return rc
    binary = _binary(ctx)
    pidfile, config = _path(ctx, "pidfile", "pid"), _path(ctx, "config", "cfg")
    if procs.running_pid(pidfile, binary) is not None:
        return reload(ctx)
    s, text = generated(ctx)
    if s is None:
        return OCF_ERR_CONFIGURED
    candidate = checked(ctx, text)
    if candidate is None:
        return OCF_ERR_CONFIGURED
    os.replace(candidate, config)
    log = _path(ctx, "logfile", "log")
    try:
        master = procs.spawn([binary, "-W", "-db", "-f", config], pidfile, log, None, None)
    except OSError as err:
        ctx.reason(f"cannot start {binary}: {err.strerror or err}")
        return OCF_ERR_GENERIC
    deadline = time.monotonic() + max(1.0, ctx.timeout_ms / 1000.0 - 1.0)
    if _wait_worker(ctx, master, None, deadline) is None:
        ctx.reason(f"HAProxy did not come up: {_last_alert(log) or 'its stats socket never answered'}")
        procs.terminate(master, 1.0)
        return OCF_ERR_GENERIC
    return OCF_SUCCESS


def _last_alert(log: str) -> str:
    try:
        with open(log, errors="replace") as f:
            lines = [line.strip() for line in f.readlines()[-20:] if "ALERT" in line]
    except OSError:
        return ""
    return lines[-1] if lines else ""


def reload(ctx: Context) -> int:
    binary, pidfile, config = _binary(ctx), _path(ctx, "pidfile", "pid"), _path(ctx, "config", "cfg")
    master = procs.running_pid(pidfile, binary)
    if master is None:
        ctx.reason("HAProxy is not running: nothing to reload")
        return OCF_NOT_RUNNING
    s, text = generated(ctx)
    if s is None:
        return OCF_ERR_CONFIGURED
    try:
        with open(config) as f:
            if f.read() == text:
                return OCF_SUCCESS  # nothing changed: no new workers for nothing
    except OSError:
        pass
    candidate = checked(ctx, text)
    if candidate is None:
        return OCF_ERR_CONFIGURED
    before = worker_pid(ctx)
    state = stats(_path(ctx, "stats_socket", "sock"), "show servers state", 2.0)
    if state is not None and s is not None:
        with open(f"{s.state_file}.tmp", "w") as f:
            f.write(state)
        os.replace(f"{s.state_file}.tmp", s.state_file)
    os.replace(candidate, config)
    os.kill(master, signal.SIGUSR2)  # the master re-reads the file; old workers drain their connections
    if _wait_worker(ctx, master, before, time.monotonic() + max(1.0, ctx.timeout_ms / 1000.0 - 1.0)) is None:
        ctx.reason(f"HAProxy did not confirm the reload: {_last_alert(_path(ctx, 'logfile', 'log')) or 'no new worker'}")
        return OCF_ERR_GENERIC
    return OCF_SUCCESS


def stop(ctx: Context) -> int:
    survivor = procs.stop_pidfile(_path(ctx, "pidfile", "pid"), _binary(ctx),
                                  max(1.0, ctx.timeout_ms / 1000.0 * 0.8 - 1))
    if survivor is not None:
        ctx.reason(f"HAProxy (pid {survivor}) survived SIGKILL")
        return OCF_ERR_GENERIC
    return OCF_SUCCESS


SPEC = AgentSpec(
    name="haproxy",
    shortdesc="HAProxy with a generated configuration (OpenStack HA Guide layout)",
    longdesc="Runs HAProxy on the controllers' virtual IP with a haproxy.cfg generated from these parameters: "
             "a single-writer Galera listener checked through hastackd's REST endpoint /promoted/<galera "
             "resource>, and one listener per API service with an HTTP check. Every generated file is checked "
             "with `haproxy -c` before use; parameter changes reload HAProxy without dropping connections. "
             "Run it as a clone on every controller.",
    params=(
        Param("vip", "Virtual IP the listeners bind", required=True,
              longdesc="The address the clients use (an IPaddr resource); "
              "bound with IP_TRANSPARENT, so every instance starts whether it holds it or not.", reloadable=True),
        Param("nodes", "The controllers", required=True,
              longdesc="NAME=ADDRESS, comma separated, e.g. "
              "n1=10.0.0.11,n2=10.0.0.12,n3=10.0.0.13: the servers of every listener. The first is Galera's "
              "server, the others its backups.", reloadable=True),
        Param("services", "API services", "NAME:PORT[:CHECK_PATH], comma separated, e.g. "
              "keystone:5000:/v3,glance_api:9292:/healthcheck,glance_registry:9191. With a path, an HTTP "
              "check of it (option httpchk); without, a TCP connect check.", reloadable=True),
        Param("galera_resource", "Galera resource id", "The id of the Galera resource (e.g. galera-clone); "
              "each node's check asks hastackd GET /promoted/<it>. Empty: no galera listener.", reloadable=True),
        Param("galera_port", "Galera port", "MySQL port on the VIP and the nodes.", type="integer",
              default="3306", reloadable=True),
        Param("rest_port", "hastackd REST port", "The port of hastackd's --rest-address on every node.",
              type="integer", default="7410", reloadable=True),
        Param("inter", "Check interval (ms)", "HAProxy's inter; fastinter is half, downinter twice.",
              type="integer", default="500", reloadable=True),
        Param("fall", "Failed checks before DOWN", type="integer", default="2", reloadable=True),
        Param("rise", "Passed checks before UP", type="integer", default="2", reloadable=True),
        Param("maxconn", "Maximum connections (global)", type="integer", default="4000", reloadable=True),
        Param("stats_bind", "Stats page address", "ADDRESS:PORT for HAProxy's stats page at /stats; "
              "empty: none.", reloadable=True),
        Param("binary", "HAProxy executable", default="/usr/sbin/haproxy"),
        Param("config", "Generated configuration file", f"Default: {RUN_DIR}/haproxy-<resource>.cfg", unique=True),
        Param("pidfile", "Pid file (HAProxy's master)", f"Default: {RUN_DIR}/haproxy-<resource>.pid", unique=True),
        Param("stats_socket", "Stats socket", f"Default: {RUN_DIR}/haproxy-<resource>.sock", unique=True),
        Param("logfile", "HAProxy's output", f"Default: {RUN_DIR}/haproxy-<resource>.log"),
    ),
    actions=(ActionDecl("start", "20s"), ActionDecl("stop", "20s"), ActionDecl("monitor", "20s", "5s", "0"),
             ActionDecl("reload", "20s"), ActionDecl("reload-agent", "20s"), ActionDecl("node-gone", "10s"),
             ActionDecl("node-back", "10s"), ActionDecl("meta-data", "5s"), ActionDecl("validate-all", "20s")),
    handlers={"start": start, "stop": stop, "monitor": monitor, "reload": reload, "reload-agent": reload,
              "node-gone": node_gone, "node-back": node_back, "validate-all": validate},
)

if __name__ == "__main__":
    main(SPEC)
