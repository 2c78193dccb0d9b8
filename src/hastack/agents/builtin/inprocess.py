"""Which built-in agents' actions run inside the calling process, and running one.

A recurring monitor or probe of ocf:hastack:IPaddr, anything or Dummy
is a few local reads (one netlink address dump; a pid file and /proc/PID),
far cheaper than the process a forked agent costs. The starts and stops of
IPaddr (one netlink request) and Dummy (a state file) are as cheap, and a
VIP's start is on the failover path: forked, it cost ~400 ms (an agent
process, pyroute2's import) of a sub-second failover. hastackd's executor
asks `runs_in_process(module, action)` and, when yes, calls `run_action`
in one of its worker threads (agents/nsthreads.py: already inside the
host's network namespace, deadline kept by the executor) instead of
forking the agent.

`run_action` runs the agent's own code: framework.run with the action's
environment and the agent's handler, its output written to buffers, so
rc, exit reason and output are what the agent process would have produced
(missing parameters, probe semantics, usage all included). What differs
from a forked agent is settled here: the handlers get the worker's
long-lived netlink sockets, a VIP's remaining gratuitous ARPs go out from
a thread (it inherits the worker's namespace) instead of a detached child,
and a relative pid file is read from `/`, the directory forked agents run
in. A handler that raises gives what the fork server's child gives: rc 1
and "built-in agent crashed".

hastack's own lab fence agent runs here too (one HTTP request to the power
switch, its timeout bounding it): forked, its interpreter start was ~100 ms
of a fenced failover.

The supervisor's start and stop keep forking (they daemonize a service and
wait for it), as do HealthCheck and OpenStackService: their monitors talk
HTTP to an endpoint, and a connection that hangs cannot be cut short in a
thread, while a forked agent is killed at its deadline.

Stdlib + agents.builtin only (pyroute2 once a VIP changes).
"""

from __future__ import annotations

import io
import os
import threading
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from hastack.agents.builtin import dummy, fence_lab, framework, netlink, supervisor, vip
from hastack.agents.builtin.framework import AgentSpec, Context, Handler


class WorkerTools:
    """What one worker thread keeps between in-process actions: its netlink and packet sockets (opened in
    the thread, so in its network namespace) and each agent's spec with its handlers bound to them."""

    def __init__(self) -> None:
        self.route = netlink.RouteSocket()
        self.packet = netlink.packet_socket()
        self._ipr: Any = None
        self.specs = {module: spec._replace(handlers={**spec.handlers, **{a: bind(self) for a, bind in actions.items()}})
                      for module, (spec, actions) in IN_PROCESS.items()}

    def iproute(self) -> Any:
        """pyroute2's IPRoute for this thread, opened at the first address change."""
        if self._ipr is None:
            from pyroute2 import IPRoute

            self._ipr = IPRoute()
        return self._ipr

    def close(self) -> None:
        self.route.close()
        self.packet.close()
        if self._ipr is not None:
            self._ipr.close()


def preload() -> None:
    """Import what the in-process actions import lazily, now: pyroute2's ~200 ms import would otherwise be
    paid by the first VIP start -- on a failover, the one moment that is timed."""
    import pyroute2  # noqa: F401


def _in_thread(send: Callable[[], object]) -> None:
    def quietly() -> None:
        try:
            send()
        except OSError:  # the address or its interface went meanwhile: nothing left to announce
            pass
    threading.Thread(target=quietly, name="garp", daemon=True).start()


def _supervisor_monitor(_tools: WorkerTools) -> Handler:
    def monitor(ctx: Context) -> int:
        pidfile = ctx.params.get("pidfile")
        if pidfile and not os.path.isabs(pidfile):
            ctx.params["pidfile"] = os.path.join("/", pidfile)  # forked agents run in /
        return supervisor.monitor(ctx)
    return monitor


Bind = Callable[[WorkerTools], Handler]

# module of hastack.agents.builtin -> (its spec, action -> its handler given a worker's tools)
IN_PROCESS: Mapping[str, tuple[AgentSpec, Mapping[str, Bind]]] = {
    "vip": (vip.SPEC, {"monitor": lambda t: lambda ctx: vip.monitor(ctx, t.route),
                       "start": lambda t: lambda ctx: vip.start(ctx, t.iproute(), _in_thread, t.packet),
                       "stop": lambda t: lambda ctx: vip.stop(ctx, t.iproute())}),
    "supervisor": (supervisor.SPEC, {"monitor": _supervisor_monitor}),
    # a state file: as cheap as an action gets
    "dummy": (dummy.SPEC, {"monitor": lambda _t: dummy.monitor, "start": lambda _t: dummy.start,
                           "stop": lambda _t: dummy.stop}),
}


def runs_in_process(module: str, action: str) -> bool:
    entry = IN_PROCESS.get(module)
    return entry is not None and action in entry[1]


def run_action(module: str, action: str, env: Mapping[str, str], tools: WorkerTools) -> tuple[int, str, str]:
    """(rc, stdout, stderr) of `action` of the built-in agent `module` with environment `env`."""
    spec = tools.specs[module]
    out, err = io.StringIO(), io.StringIO()
    try:
        rc = framework.run(spec, [spec.name, action], env, out=out, err=err)
    except Exception as crash:  # a bug in an agent: reported as the fork server's child reports it
        err.write(f"ocf-exit-reason:built-in agent crashed: {crash!r}\n")
        rc = framework.OCF_ERR_GENERIC
    return rc & 0xFF, out.getvalue(), err.getvalue()


# hastack's own fence agents (agents/builtin/fence/NAME, run by the stonith class with stdin) whose work is
# one bounded HTTP call: NAME -> the agent's fence(argv, stdin) -> (rc, stdout, stderr)
FENCE_DIR = Path(__file__).resolve().parent / "fence"
FENCE_AGENTS: Mapping[str, Callable[[list[str], str], tuple[int, str, str]]] = {
    "fence_hastack_lab": fence_lab.fence,
}


def fence_agent(path: str) -> Callable[[list[str], str], tuple[int, str, str]] | None:
    """The in-process form of the fence agent at `path`, if it is one of hastack's own."""
    p = Path(path)
    return FENCE_AGENTS.get(p.name) if p.parent == FENCE_DIR else None
