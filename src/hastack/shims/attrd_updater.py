"""attrd_updater: transient node attributes through the attribute manager (Pacemaker 2.1 options).

`-n NAME` with one command: `-U/-v VALUE` update, `-B VALUE` update with
`-d` dampening, `-Y` change dampening only, `-Q` query (`-A` all nodes),
`-D` delete, `-R` refresh (nothing to do here). `-N` names the node (default:
this one), `-p` keeps the attribute private (never written to the CIB; it
lives beside the transient ones and only attrd_updater sees it). Query
output is `name="X" host="NODE" value="V"`; an unknown attribute exits 105.

Imports nothing of hastack beyond shims.
"""

from __future__ import annotations

import sys
from typing import Any

from hastack.shims import state
from hastack.shims.common import CRM_EX_NOSUCH, CRM_EX_OK, CRM_EX_USAGE, ShimParser, fail, main_wrapper, version
from hastack.store.port import ClusterStore
from hastack.store.select import store_from_env


def run(argv: list[str]) -> int:
    p = ShimParser("attrd_updater", "query and update Pacemaker node attributes")
    p.add_argument("-n", "--name", dest="name")
    cmd = p.add_mutually_exclusive_group()
    cmd.add_argument("-U", "--update", "-v", dest="update")
    cmd.add_argument("-B", "--update-both", dest="update_both")
    cmd.add_argument("-Y", "--update-delay", dest="update_delay", action="store_true")
    cmd.add_argument("-Q", "--query", dest="query", action="store_true")
    cmd.add_argument("-D", "--delete", dest="delete", action="store_true")
    cmd.add_argument("-R", "--refresh", dest="refresh", action="store_true")
    p.add_argument("-d", "--delay", dest="delay")
    p.add_argument("-s", "--set", dest="set")
    p.add_argument("-N", "--node", dest="node")
    p.add_argument("-A", "--all", dest="all", action="store_true")
    p.add_argument("-l", "--lifetime", dest="lifetime")
    p.add_argument("-p", "--private", dest="private", action="store_true")
    p.add_argument("-q", "--quiet", dest="quiet", action="store_true")
    p.add_argument("--output-as", dest="output_as", default="text")
    opts = p.parse_args(argv)
    if opts.version:
        return version("attrd_updater")
    if opts.refresh:
        return CRM_EX_OK
    if not opts.name:
        fail(CRM_EX_USAGE, "--name must be specified")
    if (opts.update_both is not None or opts.update_delay) and not opts.delay:
        fail(CRM_EX_USAGE, "--update-both and --update-delay require -d/--delay")
    node = opts.node if opts.node not in (None, "localhost") else state.local_node()
    value = opts.update if opts.update is not None else opts.update_both
    cluster = None if opts.private else store_from_env()
    if cluster is not None:
        return _on_store(cluster, opts, node, value)

    if opts.query:
        data = state.load()
        nodes = sorted(data["nodes"]) if opts.all else [node]
        printed = False
        for n in nodes:
            entry = data["nodes"].get(n, {})
            for table in ("transient", "private"):
                if opts.name in entry.get(table, {}):
                    print(f'name="{opts.name}" host="{n}" value="{entry[table][opts.name]}"')
                    printed = True
                    break
        if not printed:
            fail(CRM_EX_NOSUCH, f"Could not query value of {opts.name}: attribute does not exist")
        return CRM_EX_OK

    if value is None and not opts.delete and not opts.update_delay:
        fail(CRM_EX_USAGE, "Command required: one of -U -B -Y -Q -D -R")
    with state.update() as data:
        entry = state.node_entry(data, node)
        entry.setdefault("private", {})
        table = entry["private" if opts.private or opts.name in entry["private"] else "transient"]
        if opts.delete:
            table.pop(opts.name, None)
        elif value is not None:
            table[opts.name] = value
        if opts.delay:
            entry.setdefault("dampening", {})[opts.name] = opts.delay
    return CRM_EX_OK


def _on_store(cluster: ClusterStore, opts: Any, node: str, value: str | None) -> int:
    """Under hastackd: the attribute is a transient node attribute in the cluster store."""
    if opts.query:
        snap = cluster.snapshot()
        nodes = sorted(snap.members) if opts.all else [node]
        found = [(n, cluster.node_attributes(n).get(opts.name)) for n in nodes]
        hits = [(n, v) for n, v in found if v is not None]
        if not hits:
            fail(CRM_EX_NOSUCH, f"Could not query value of {opts.name}: attribute does not exist")
        for n, v in hits:
            print(f'name="{opts.name}" host="{n}" value="{v}"')
        return CRM_EX_OK
    if value is None and not opts.delete:
        fail(CRM_EX_USAGE, "Command required: one of -U -B -Y -Q -D -R")
    cluster.set_node_attribute(node, opts.name, None if opts.delete else value)
    return CRM_EX_OK


def main() -> None:
    sys.exit(main_wrapper("attrd_updater", run))


if __name__ == "__main__":
    main()
