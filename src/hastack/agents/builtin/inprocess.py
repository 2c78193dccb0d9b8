"""Which built-in agents answer `monitor` inside the calling process, and running one such monitor.

A recurring monitor or probe of ocf:hastack:IPaddr, anything or Dummy
is a few local reads (one netlink address dump; a pid file and /proc/PID),
far cheaper than the process a forked agent costs. hastackd's executor
asks `has_monitor(module)` and, when yes, calls `run_monitor` in one of its
worker threads (agents/nsthreads.py: already inside the host's network
namespace, deadline kept by the executor) instead of forking the agent.

`run_monitor` runs the agent's own code: framework.run with the action's
environment and the agent's monitor handler, its output written to
buffers, so rc, exit reason and output are what the agent process would
have produced (missing parameters, probe semantics, usage all included).
What differs from a forked agent is settled here: the handler gets the
worker's long-lived netlink socket, and a relative pid file is read from
`/`, the directory forked agents run in. A handler that raises gives what
the fork server's child gives: rc 1 and "built-in agent crashed".

HealthCheck and OpenStackService keep forking: their monitors talk HTTP to
an endpoint, and a connection that hangs cannot be cut short in a thread,
while a forked agent is killed at its deadline.

Stdlib + agents.builtin only.
"""

from __future__ import annotations

import io
import os
from collections.abc import Callable, Mapping

from hastack.agents.builtin import dummy, framework, netlink, supervisor, vip
from hastack.agents.builtin.framework import AgentSpec, Context, Handler


class MonitorTools:
    """What one worker thread keeps between in-process monitors: its netlink socket (opened on first use,
    so in the thread's network namespace) and each agent's spec with the monitor handler bound to it."""

    def __init__(self) -> None:
        self.route = netlink.RouteSocket()
        self.specs = {module: spec._replace(handlers={**spec.handlers, "monitor": bind(self)})
                      for module, (spec, bind) in MONITORS.items()}

    def close(self) -> None:
        self.route.close()


def _vip_monitor(tools: MonitorTools) -> Handler:
    return lambda ctx: vip.monitor(ctx, tools.route)


def _supervisor_monitor(_tools: MonitorTools) -> Handler:
    def monitor(ctx: Context) -> int:
        pidfile = ctx.params.get("pidfile")
        if pidfile and not os.path.isabs(pidfile):
            ctx.params["pidfile"] = os.path.join("/", pidfile)  # forked agents run in /
        return supervisor.monitor(ctx)
    return monitor


# module of hastack.agents.builtin -> (its spec, its monitor handler given a worker's tools)
MONITORS: Mapping[str, tuple[AgentSpec, Callable[[MonitorTools], Handler]]] = {
    "vip": (vip.SPEC, _vip_monitor),
    "supervisor": (supervisor.SPEC, _supervisor_monitor),
    "dummy": (dummy.SPEC, lambda _tools: dummy.monitor),  # a state file: as cheap as a check gets
}


def has_monitor(module: str) -> bool:
    return module in MONITORS


def run_monitor(module: str, env: Mapping[str, str], tools: MonitorTools) -> tuple[int, str, str]:
    """(rc, stdout, stderr) of `monitor` of the built-in agent `module` with environment `env`."""
    spec = tools.specs[module]
    out, err = io.StringIO(), io.StringIO()
    try:
        rc = framework.run(spec, [spec.name, "monitor"], env, out=out, err=err)
    except Exception as crash:  # a bug in an agent: reported as the fork server's child reports it
        err.write(f"ocf-exit-reason:built-in agent crashed: {crash!r}\n")
        rc = framework.OCF_ERR_GENERIC
    return rc & 0xFF, out.getvalue(), err.getvalue()
