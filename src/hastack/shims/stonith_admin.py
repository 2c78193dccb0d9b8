"""stonith_admin: the fence-device queries agents and scripts use (Pacemaker 2.1 options).

`-R DEVICE -a AGENT -o k=v...` registers a device (in the shim state file),
`-D DEVICE` deregisters it, `-L` lists registered devices, `-I` lists
installed fence agents, `-Q DEVICE` checks a registered device's status by
running its agent's `monitor` (exit 0 when it answers, 1 when the agent
fails, 105 for an unknown device), `-M -a AGENT` prints an
agent's meta-data. Fencing itself (-F/-U/-B/-C) is refused: it belongs to
the fencer of the cluster runtime.

Imports hastack.agents (the executor runs the agent) besides shims.
"""

from __future__ import annotations

import sys
from dataclasses import replace
from pathlib import Path

from hastack.shims import state
from hastack.shims.common import (CRM_EX_ERROR, CRM_EX_NOSUCH, CRM_EX_OK, CRM_EX_UNIMPLEMENT_FEATURE, CRM_EX_USAGE,
                                  ShimParser, fail, main_wrapper, version)


def run(argv: list[str]) -> int:
    p = ShimParser("stonith_admin", "Access the Pacemaker fencing API")
    p.add_argument("-R", "--register", dest="register")
    p.add_argument("-D", "--deregister", dest="deregister")
    p.add_argument("-L", "--list-registered", dest="list_registered", action="store_true")
    p.add_argument("-I", "--list-installed", dest="list_installed", action="store_true")
    p.add_argument("-Q", "--query", dest="query")
    p.add_argument("-M", "--metadata", dest="metadata", action="store_true")
    p.add_argument("-a", "--agent", dest="agent")
    p.add_argument("-o", "--option", dest="options", action="append", default=[])
    p.add_argument("-t", "--timeout", dest="timeout", type=int, default=120)
    p.add_argument("-q", "--quiet", dest="quiet", action="store_true")
    for flag, long in (("-F", "--fence"), ("-U", "--unfence"), ("-B", "--reboot"), ("-C", "--confirm"),
                       ("-H", "--history"), ("-l", "--list"), ("-s", "--list-targets")):
        p.add_argument(flag, long, dest=long[2:].replace("-", "_"))
    opts = p.parse_args(argv)
    if opts.version:
        return version("stonith_admin")
    for name in ("fence", "unfence", "reboot", "confirm", "history", "list", "list_targets"):
        if getattr(opts, name):
            fail(CRM_EX_UNIMPLEMENT_FEATURE, f"--{name.replace('_', '-')} is not available in hastack's "
                                             "stonith_admin shim: fencing is done by the cluster runtime")
    if opts.register:
        if not opts.agent:
            fail(CRM_EX_USAGE, "--register requires --agent")
        params = dict(o.split("=", 1) for o in opts.options if "=" in o)
        with state.update() as data:
            data["stonith_devices"][opts.register] = {"agent": opts.agent, "params": params}
        return CRM_EX_OK
    if opts.deregister:
        with state.update() as data:
            data["stonith_devices"].pop(opts.deregister, None)
        return CRM_EX_OK
    if opts.list_registered:
        devices = sorted(state.load()["stonith_devices"])
        for d in devices:
            print(f" {d}")
        print(f"{len(devices)} fence device{'s' if len(devices) != 1 else ''} found")
        return CRM_EX_OK
    if opts.list_installed:
        agents = sorted(p.name for p in Path("/usr/sbin").glob("fence_*"))
        for a in agents:
            print(f" {a}")
        print(f"{len(agents)} fence device{'s' if len(agents) != 1 else ''} found")
        return CRM_EX_OK
    if opts.metadata or opts.query:
        return _run_agent(opts)
    fail(CRM_EX_USAGE, "No command specified (supported: -R -D -L -I -Q -M)")


def _run_agent(opts) -> int:  # type: ignore[no-untyped-def]
    from hastack.agents.action import ActionRequest
    from hastack.agents.executor import Executor, local_host
    from hastack.model.values import AgentRef
    if opts.metadata:
        if not opts.agent:
            fail(CRM_EX_USAGE, "--metadata requires --agent")
        req = ActionRequest(AgentRef("stonith", opts.agent), "meta-data", timeout_ms=opts.timeout * 1000)
    else:
        device = state.load()["stonith_devices"].get(opts.query)
        if device is None:
            fail(CRM_EX_NOSUCH, f"Device {opts.query} not found")
        # A recurring-style monitor with no registration marker (state_dir None): always runs the agent.
        req = ActionRequest(AgentRef("stonith", device["agent"]), "monitor", opts.query,
                            tuple(device.get("params", {}).items()), interval_ms=1, timeout_ms=opts.timeout * 1000)
    result = Executor(replace(local_host(), state_dir=None)).execute(req)
    if opts.metadata:
        print(result.stdout, end="")
        return CRM_EX_OK if result.rc == 0 else CRM_EX_ERROR
    if result.ok:
        if not opts.quiet:
            print(f"Device {opts.query} is active")
        return CRM_EX_OK
    sys.stderr.write(f"Device {opts.query} check failed: {result.exit_reason or result.summary()}\n")
    return CRM_EX_ERROR


def main() -> None:
    sys.exit(main_wrapper("stonith_admin", run))


if __name__ == "__main__":
    main()
