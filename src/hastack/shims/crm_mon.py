"""crm_mon -1: a minimal plain-text cluster summary from the shim state file.

Layout as Pacemaker 2.1's text output (see shared/reference/crm_mon-format.md):
Cluster Summary, Node List, Active Resources (or Full List with -r), node
attributes with -A, the Migration Summary with -f. `-s` prints the one-line
`CLUSTER OK: ...` check. Interactive and daemon modes (without -1) are
refused: hastack's status view will replace them.

Imports nothing of hastack beyond shims.
"""

from __future__ import annotations

import sys
import time

from hastack.shims import state
from hastack.shims.common import CRM_EX_OK, CRM_EX_USAGE, ShimParser, fail, main_wrapper, version


def render(data: dict, full: bool, attrs: bool, failcounts: bool) -> str:  # type: ignore[type-arg]
    nodes = dict(data.get("nodes", {}))
    nodes.setdefault(state.local_node(), {})
    rscs = data.get("resources", {})
    quorum = "partition with quorum" if data.get("quorum", True) else "partition WITHOUT quorum"
    lines = ["Cluster Summary:", "  * Stack: hastack",
             f"  * Current DC: {state.local_node()} (version hastack) - {quorum}",
             f"  * Last updated: {time.strftime('%a %b %e %H:%M:%S %Y')}",
             f"  * {len(nodes)} node{'s' if len(nodes) != 1 else ''} configured",
             f"  * {len(rscs)} resource instance{'s' if len(rscs) != 1 else ''} configured", "", "Node List:"]
    online = sorted(n for n, e in nodes.items() if e.get("state", "member") == "member")
    offline = sorted(n for n in nodes if n not in online)
    if online:
        lines.append(f"  * Online: [ {' '.join(online)} ]")
    if offline:
        lines.append(f"  * OFFLINE: [ {' '.join(offline)} ]")
    lines += ["", "Full List of Resources:" if full else "Active Resources:"]
    shown = 0
    for rid, r in sorted(rscs.items()):
        where = r.get("nodes") or []
        if not where and not full:
            continue
        status = f"{r.get('role', 'Started')} {' '.join(where)}" if where else "Stopped"
        lines.append(f"  * {rid}\t({r.get('agent', 'unknown')}):\t {status}")
        shown += 1
    if not shown:
        lines.append("  * No resources" if full else "  * No active resources")
    if attrs:
        lines += ["", "Node Attributes:"]
        for n in sorted(nodes):
            lines.append(f"  * Node: {n}:")
            for k, v in sorted({**nodes[n].get("permanent", {}), **nodes[n].get("transient", {})}.items()):
                if not k.startswith(("fail-count-", "last-failure-")):
                    lines.append(f"    * {k:<32}: {v}")
    if failcounts:
        lines += ["", "Migration Summary:"]
        for n in sorted(nodes):
            fcs = {k: v for k, v in nodes[n].get("transient", {}).items() if k.startswith("fail-count-")}
            if fcs:
                lines.append(f"  * Node: {n}:")
                for k, v in sorted(fcs.items()):
                    lines.append(f"    * {k[len('fail-count-'):].split('#')[0]}: fail-count={v}")
    return "\n".join(lines)


def run(argv: list[str]) -> int:
    p = ShimParser("crm_mon", "provides a summary of cluster's current state")
    p.add_argument("-1", "--one-shot", dest="one_shot", action="store_true")
    p.add_argument("-r", "--inactive", dest="full", action="store_true")
    p.add_argument("-A", "--show-node-attributes", dest="attrs", action="store_true")
    p.add_argument("-f", "--failcounts", dest="failcounts", action="store_true")
    p.add_argument("-s", "--simple-status", dest="simple", action="store_true")
    p.add_argument("-n", "--group-by-node", action="store_true")
    p.add_argument("-Q", "--quiet", "-q", action="store_true")
    p.add_argument("--output-as", dest="output_as", default="text")
    opts, _rest = p.parse_known_args(argv)
    if opts.version:
        return version("crm_mon")
    data = state.load()
    if opts.simple:
        nodes = dict(data.get("nodes", {}))
        nodes.setdefault(state.local_node(), {})
        print(f"CLUSTER OK: {len(nodes)} nodes online, {len(data.get('resources', {}))} resource instances configured")
        return CRM_EX_OK
    if not opts.one_shot:
        fail(CRM_EX_USAGE, "only one-shot mode (-1) is available in hastack's crm_mon shim")
    if opts.output_as != "text":
        fail(CRM_EX_USAGE, f"--output-as={opts.output_as} is not available in hastack's crm_mon shim (text only)")
    print(render(data, opts.full, opts.attrs, opts.failcounts))
    return CRM_EX_OK


def main() -> None:
    sys.exit(main_wrapper("crm_mon", run))


if __name__ == "__main__":
    main()
