"""crm_attribute: query and update node attributes and cluster options (Pacemaker 2.1 options).

Sections (`-t`, or implied): `crm_config` (default without a node),
`rsc_defaults`, `op_defaults`, `tickets`, `nodes` (permanent node attributes:
`-l forever`, or `-N` alone) and `status` (transient: `-l reboot`, and
`-p/--promotion`, which names the attribute `master-<resource>` from its
argument or OCF_RESOURCE_INSTANCE). `-z` works on node utilization.
Commands: `-G` query (default), `-v VALUE` update, `-D` delete; `-n NAME` or
`-P REGEX`; `-q` prints only the value; `-d VALUE` is shown when nothing is
set. A missing attribute exits 105 (CRM_EX_NOSUCH), usage errors 64.

Under hastackd (HASTACK_STORE set) node attributes live in the cluster store
(store.select); otherwise in the local shim state file.

Imports shims and store.
"""

from __future__ import annotations

import re
import sys
from typing import Any

from hastack.shims import state
from hastack.store.port import ClusterStore
from hastack.store.select import permanent_attributes, set_permanent_attribute, store_from_env
from hastack.shims.common import (CRM_EX_NOSUCH, CRM_EX_OK, CRM_EX_USAGE, ShimParser, fail, main_wrapper,
                                  version)

NODE_SECTIONS = ("status", "nodes")
SECTIONS = ("crm_config", "rsc_defaults", "op_defaults", "tickets", "status", "nodes")


def parser() -> ShimParser:
    p = ShimParser("crm_attribute", "query and update Pacemaker cluster options and node attributes")
    p.add_argument("-n", "--name", "--attr-name", dest="name")
    p.add_argument("-P", "--pattern", dest="pattern")
    p.add_argument("-p", "--promotion", dest="promotion", nargs="?", const="")
    p.add_argument("-i", "--id", "--attr-id", dest="id")
    p.add_argument("-s", "--set-name", dest="set_name")
    p.add_argument("-G", "--query", "--get-value", dest="query", action="store_true")
    p.add_argument("-v", "--update", "--attr-value", dest="update")
    p.add_argument("-D", "--delete", "--delete-attr", dest="delete", action="store_true")
    p.add_argument("-d", "--default", dest="default")
    p.add_argument("-l", "--lifetime", dest="lifetime", choices=("reboot", "forever"))
    p.add_argument("-N", "--node", "-U", "--uname", dest="node")
    p.add_argument("-t", "--type", dest="type")
    p.add_argument("-z", "--utilization", dest="utilization", action="store_true")
    p.add_argument("-q", "--quiet", "-Q", dest="quiet", action="store_true")
    p.add_argument("--output-as", dest="output_as", default="text", choices=("text", "xml"))
    p.add_argument("--inhibit-policy-engine", "-!", dest="inhibit", action="store_true")
    return p


def promotion_name(arg: str | None) -> str | None:
    import os
    rsc = arg or os.environ.get("OCF_RESOURCE_INSTANCE", "")
    return f"master-{rsc}" if rsc else None


def section_of(opts: Any) -> str:
    """Pacemaker's set_type(): which part of the configuration/status we act on."""
    t = opts.type or opts.lifetime
    if t is None:
        if opts.promotion is not None:
            return "status"
        return "nodes" if opts.node is not None else "crm_config"
    t = t.lower()
    if t == "reboot":
        return "status"
    if t == "forever":
        return "nodes"
    if t not in SECTIONS:
        fail(CRM_EX_USAGE, f"invalid --type {t!r}: use crm_config, rsc_defaults, op_defaults, tickets")
    return t


def _table(data: dict[str, Any], section: str, node: str | None, utilization: bool) -> dict[str, str]:
    if section in NODE_SECTIONS:
        assert node is not None
        entry = state.node_entry(data, node)
        if utilization:
            return entry["utilization"]
        return entry["transient" if section == "status" else "permanent"]
    return data.setdefault(section, {})


def _line(section: str, name: str, value: str | None, quiet: bool, fmt: str) -> str:
    if fmt == "xml":
        return f'<attribute name="{name}" value="{value or ""}" scope="{section}"/>'
    if quiet:
        return value or ""
    return f"scope={section} name={name} value={value if value is not None else '(null)'}"


def run(argv: list[str]) -> int:
    opts = parser().parse_args(argv)
    if opts.version:
        return version("crm_attribute")
    name = opts.name
    if opts.promotion is not None:
        name = promotion_name(opts.promotion)
        if name is None:
            fail(CRM_EX_USAGE, "-p/--promotion must be called from an OCF resource agent or with a resource ID specified")
    if opts.pattern and name:
        fail(CRM_EX_USAGE, "Error: --name and --pattern cannot be used at the same time")
    if opts.delete and not (name or opts.pattern):
        fail(CRM_EX_USAGE, "Error: must specify attribute name or pattern to delete")
    if opts.update is not None and not (name or opts.pattern):
        fail(CRM_EX_USAGE, "Error: must specify attribute name or pattern to update")
    section = section_of(opts)
    node = None
    if section in NODE_SECTIONS:
        node = opts.node if opts.node not in (None, "auto", "localhost") else state.local_node()
    matcher = re.compile(opts.pattern) if opts.pattern else None
    cluster = store_from_env() if section in NODE_SECTIONS and not opts.utilization else None
    if cluster is not None:
        assert node is not None
        return _run_on_store(cluster, opts, section, node, name, matcher)

    if opts.update is not None or opts.delete:
        with state.update() as data:
            table = _table(data, section, node, opts.utilization)
            targets = [k for k in table if matcher.search(k)] if matcher else [name]
            for key in targets:
                if opts.delete:
                    table.pop(key, None)
                else:
                    table[key] = opts.update
        return CRM_EX_OK

    return _answer(dict(_table(state.load(), section, node, opts.utilization)), opts, section, name, matcher)


def _run_on_store(cluster: ClusterStore, opts: Any, section: str, node: str, name: str | None,
                  matcher: re.Pattern[str] | None) -> int:
    """Node attributes in the cluster store (under hastackd): transient ones directly, permanent
    ones in the configuration's node section."""
    permanent = section == "nodes"
    table = permanent_attributes(cluster, node) if permanent else dict(cluster.node_attributes(node))
    if opts.update is not None or opts.delete:
        targets = [k for k in table if matcher.search(k)] if matcher else [name]
        for key in targets:
            assert key is not None
            value = None if opts.delete else opts.update
            if permanent:
                set_permanent_attribute(cluster, node, key, value)
            else:
                cluster.set_node_attribute(node, key, value)
        return CRM_EX_OK
    return _answer(table, opts, section, name, matcher)


def _answer(table: dict[str, str], opts: Any, section: str, name: str | None,
            matcher: re.Pattern[str] | None) -> int:
    out: list[str] = []
    if matcher:
        out = [_line(section, k, v, opts.quiet, opts.output_as) for k, v in sorted(table.items()) if matcher.search(k)]
    elif name is None:
        out = [_line(section, k, v, opts.quiet, opts.output_as) for k, v in sorted(table.items())]
    elif name in table:
        out = [_line(section, name, table[name], opts.quiet, opts.output_as)]
    elif opts.default is not None:
        out = [_line(section, name, opts.default, opts.quiet, opts.output_as)]
    if not out:
        if not opts.quiet and name is not None:
            print(_line(section, name, None, False, "text"))
        fail(CRM_EX_NOSUCH, "Error performing operation: No such device or address")
    print("\n".join(out))
    return CRM_EX_OK


def main() -> None:
    sys.exit(main_wrapper("crm_attribute", run))


if __name__ == "__main__":
    main()
