"""crm_resource: the subset resource agents call (Pacemaker 2.1 options).

Supported: `-W/--locate -r RSC` (`resource X is running on: NODE`, or
`resource X is NOT running` with exit 105), `-l/--list-raw` and `-L/--list`
(resource ids), `-g/-p/-d NAME` get/set/delete a resource parameter (`-v
VALUE`, `--meta` for meta attributes, `-z` for utilization — the form the
`galera`/`SAPHana`-style agents use), `-C/--cleanup` and `-R/--refresh`
(forget fail counts on a node). The `--force-*` actions, moves, bans and
everything else are refused with a clear message and exit 3: hastack runs
agents with `hastack agent run` and places resources with its scheduler.

Imports nothing of hastack beyond shims.
"""

from __future__ import annotations

import sys

from hastack.shims import state
from hastack.shims.common import (CRM_EX_NOSUCH, CRM_EX_OK, CRM_EX_UNIMPLEMENT_FEATURE, CRM_EX_USAGE, ShimParser,
                                  fail, main_wrapper, version)

REFUSED = ("--force-start", "--force-stop", "--force-check", "--force-promote", "--force-demote",
           "--move", "-M", "--ban", "-B", "--clear", "-U", "--restart", "--wait", "--delete", "--set-parameter-all",
           "--digests", "--validate", "--list-agents", "--list-ocf-providers", "--list-standards", "--why", "-Y",
           "--list-operations", "-O", "--list-all-operations", "-o", "--show-metadata", "--constraints", "-a", "-A")


def _refuse(argv: list[str]) -> None:
    for arg in argv:
        flag = arg.split("=", 1)[0]
        if flag in REFUSED:
            fail(CRM_EX_UNIMPLEMENT_FEATURE,
                 f"{flag} is not supported by hastack's crm_resource shim; use `hastack agent run CLASS:PROVIDER:TYPE "
                 "ACTION` to run an agent action, and the hastack CLI to move/ban/clear resources")


def run(argv: list[str]) -> int:
    _refuse(argv)
    p = ShimParser("crm_resource", "perform tasks related to Pacemaker cluster resources")
    p.add_argument("-r", "--resource", dest="resource")
    p.add_argument("-N", "--node", dest="node")
    p.add_argument("-W", "--locate", dest="locate", action="store_true")
    p.add_argument("-l", "--list-raw", dest="list_raw", action="store_true")
    p.add_argument("-L", "--list", dest="list", action="store_true")
    p.add_argument("-g", "--get-parameter", dest="get")
    p.add_argument("-p", "--set-parameter", dest="set")
    p.add_argument("-d", "--delete-parameter", dest="delete")
    p.add_argument("-v", "--parameter-value", dest="value")
    p.add_argument("-m", "--meta", dest="meta", action="store_true")
    p.add_argument("-z", "--utilization", dest="utilization", action="store_true")
    p.add_argument("-C", "--cleanup", dest="cleanup", action="store_true")
    p.add_argument("-R", "--refresh", dest="refresh", action="store_true")
    p.add_argument("-n", "--operation", dest="operation")
    p.add_argument("-I", "--interval", dest="interval")
    p.add_argument("-Q", "--quiet", "-q", dest="quiet", action="store_true")
    p.add_argument("-t", "--resource-type", dest="rtype")
    p.add_argument("-s", "--set-name", dest="set_name")
    p.add_argument("-i", "--nvpair", dest="nvpair")
    p.add_argument("--force", "-f", dest="force", action="store_true")
    p.add_argument("--output-as", dest="output_as", default="text")
    opts = p.parse_args(argv)
    if opts.version:
        return version("crm_resource")

    if opts.list or opts.list_raw:
        rscs = state.load()["resources"]
        if not rscs:
            print("NO resources configured")
            return CRM_EX_NOSUCH
        for rid, r in sorted(rscs.items()):
            print(rid if opts.list_raw else f"  * {rid}\t({r.get('agent', '?')}):\t {_state_text(r)}")
        return CRM_EX_OK
    if opts.cleanup or opts.refresh:
        return _cleanup(opts.resource, opts.node)
    if not opts.resource:
        fail(CRM_EX_USAGE, "Must supply a resource id with -r")
    if opts.locate:
        return _locate(opts.resource, opts.quiet)
    table_name = "utilization" if opts.utilization else "meta" if opts.meta else "params"
    if opts.get:
        rsc = state.load()["resources"].get(opts.resource)
        if rsc is None:
            fail(CRM_EX_NOSUCH, f"Resource '{opts.resource}' not found")
        value = rsc.get(table_name, {}).get(opts.get)
        if value is None:
            fail(CRM_EX_NOSUCH, f"Attribute '{opts.get}' not found for '{opts.resource}'")
        print(value)
        return CRM_EX_OK
    if opts.set or opts.delete:
        if opts.set and opts.value is None:
            fail(CRM_EX_USAGE, "You need to supply a value with the -v option")
        with state.update() as data:
            rsc = data["resources"].setdefault(opts.resource, {})
            table = rsc.setdefault(table_name, {})
            if opts.set:
                table[opts.set] = opts.value
            else:
                table.pop(opts.delete, None)
        return CRM_EX_OK
    fail(CRM_EX_USAGE, "No command given (supported: --locate, --list, -g/-p/-d, --cleanup)")


def _state_text(r: dict) -> str:  # type: ignore[type-arg]
    nodes = r.get("nodes") or []
    return f"{r.get('role', 'Started')} {' '.join(nodes)}" if nodes else "Stopped"


def _locate(rid: str, quiet: bool) -> int:
    rsc = state.load()["resources"].get(rid)
    nodes = (rsc or {}).get("nodes") or []
    if not nodes:
        if not quiet:
            sys.stderr.write(f"resource {rid} is NOT running\n")
        return CRM_EX_NOSUCH
    promoted = " Promoted" if (rsc or {}).get("role") == "Promoted" else ""
    for n in nodes:
        print(n if quiet else f"resource {rid} is running on: {n}{promoted}")
    return CRM_EX_OK


def _cleanup(rid: str | None, node: str | None) -> int:
    with state.update() as data:
        for name, entry in data["nodes"].items():
            if node and name != node:
                continue
            transient = entry.get("transient", {})
            for key in list(transient):
                if key.startswith(("fail-count-", "last-failure-")):
                    rsc_part = key.split("-", 2)[2].split("#", 1)[0]
                    if rid is None or rsc_part == rid:
                        del transient[key]
    print(f"Cleaned up {rid or 'all resources'} on {node or 'all nodes'}")
    return CRM_EX_OK


def main() -> None:
    sys.exit(main_wrapper("crm_resource", run))


if __name__ == "__main__":
    main()
