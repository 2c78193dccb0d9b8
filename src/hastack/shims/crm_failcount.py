"""crm_failcount: query or delete a resource's fail count (Pacemaker 2.1 options).

Fail counts are transient node attributes `fail-count-RSC#OP_INTERVALMS`
(and the legacy `fail-count-RSC`); the query sums them (INFINITY caps at
1000000) and prints `scope=status name=fail-count-RSC value=N`. `-D`
removes them with the matching `last-failure-*`. `-r` is required; usage
errors exit 64.

Imports nothing of hastack beyond shims and the model's duration parser.
"""

from __future__ import annotations

import sys

from hastack.model.durations import parse_ms
from hastack.shims import state
from hastack.shims.common import CRM_EX_OK, CRM_EX_USAGE, ShimParser, fail, main_wrapper, version

INFINITY = 1_000_000


def run(argv: list[str]) -> int:
    p = ShimParser("crm_failcount", "Query or delete resource fail counts")
    p.add_argument("-q", "--quiet", action="store_true")
    p.add_argument("-G", "--query", action="store_true")
    p.add_argument("-D", "--delete", action="store_true")
    p.add_argument("-r", "--resource", dest="resource")
    p.add_argument("-n", "--operation", dest="operation")
    p.add_argument("-I", "--interval", dest="interval", default="0")
    p.add_argument("-N", "--node", "-U", "--uname", dest="node")
    p.add_argument("-v", "--value", dest="value")
    opts = p.parse_args(argv)
    if opts.version:
        return version("crm_failcount")
    if not opts.resource:
        fail(CRM_EX_USAGE, "error: You must specify a resource with -r")
    if opts.value is not None and opts.value != "0":
        fail(CRM_EX_USAGE, "error: Setting fail counts is not supported")
    node = opts.node or state.local_node()
    base = f"fail-count-{opts.resource}"
    suffix = f"#{opts.operation}_{parse_ms(opts.interval)}" if opts.operation else ""
    if opts.delete or opts.value == "0":
        with state.update() as data:
            transient = state.node_entry(data, node)["transient"]
            for key in list(transient):
                for prefix in (base, f"last-failure-{opts.resource}"):
                    if key == prefix or key.startswith(prefix + (suffix or "#")):
                        del transient[key]
        return CRM_EX_OK
    transient = state.load()["nodes"].get(node, {}).get("transient", {})
    total = 0
    for key, value in transient.items():
        if key == base or key.startswith(base + (suffix or "#")):
            total += INFINITY if value.strip().upper() in ("INFINITY", "+INFINITY") else int(value)
    shown = "INFINITY" if total >= INFINITY else str(total)
    print(shown if opts.quiet else f"scope=status name={base}{suffix} value={shown}")
    return CRM_EX_OK


def main() -> None:
    sys.exit(main_wrapper("crm_failcount", run))


if __name__ == "__main__":
    main()
