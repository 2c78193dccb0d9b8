"""crm_node: this node's name and id, the member list, quorum (Pacemaker 2.1 options).

`-n` name, `-i` id, `-l` all known nodes (`ID NAME STATE` lines), `-p` the
members of this partition on one line, `-q` 1/0 for quorum, `-N ID` the
name of a node id. `-R` (remove) is refused: membership belongs to the
cluster runtime. Nodes come from the shim state file; this node is always
a member.

Imports nothing of hastack beyond shims.
"""

from __future__ import annotations

import sys

from hastack.shims import state
from hastack.shims.common import (CRM_EX_NOSUCH, CRM_EX_OK, CRM_EX_UNIMPLEMENT_FEATURE, CRM_EX_USAGE, ShimParser,
                                  fail, main_wrapper, version)


def run(argv: list[str]) -> int:
    p = ShimParser("crm_node", "Tool for displaying low-level node information")
    cmd = p.add_mutually_exclusive_group()
    cmd.add_argument("-i", "--cluster-id", dest="id", action="store_true")
    cmd.add_argument("-l", "--list", dest="list", action="store_true")
    cmd.add_argument("-n", "--name", dest="name", action="store_true")
    cmd.add_argument("-p", "--partition", dest="partition", action="store_true")
    cmd.add_argument("-q", "--quorum", dest="quorum", action="store_true")
    cmd.add_argument("-N", "--name-for-id", dest="name_for_id")
    cmd.add_argument("-R", "--remove", dest="remove")
    p.add_argument("-f", "--force", action="store_true")
    p.add_argument("-Q", "--quiet", action="store_true")
    opts = p.parse_args(argv)
    if opts.version:
        return version("crm_node")
    if opts.remove:
        fail(CRM_EX_UNIMPLEMENT_FEATURE, "--remove is not available: node membership is managed by hastack "
                                         "(use `hastack node remove`)")
    me = state.local_node()
    data = state.load()
    nodes = dict(data.get("nodes", {}))
    nodes.setdefault(me, {"id": str(len(nodes) + 1)})
    if opts.name:
        print(me)
    elif opts.id:
        print(nodes[me].get("id", "1"))
    elif opts.list:
        for name, entry in sorted(nodes.items(), key=lambda kv: str(kv[1].get("id", ""))):
            print(f"{entry.get('id', '')} {name} {entry.get('state', 'member')}")
    elif opts.partition:
        print(" ".join(sorted(n for n, e in nodes.items() if e.get("state", "member") == "member")))
    elif opts.quorum:
        print("1" if data.get("quorum", True) else "0")
    elif opts.name_for_id:
        for name, entry in nodes.items():
            if str(entry.get("id")) == opts.name_for_id:
                print(name)
                return CRM_EX_OK
        fail(CRM_EX_NOSUCH, f"Could not find node with ID {opts.name_for_id}")
    else:
        fail(CRM_EX_USAGE, "No command specified")
    return CRM_EX_OK


def main() -> None:
    sys.exit(main_wrapper("crm_node", run))


if __name__ == "__main__":
    main()
