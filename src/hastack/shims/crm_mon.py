"""crm_mon -1: the cluster summary, rendered from hastack's one status view.

When the environment names a cluster store (HASTACK_STORE, set by hastackd for the
agents it runs), the cluster is its snapshot. Otherwise it is read from two local
sources: the stored configuration (`hastack configure load`, hastack.store.local) when there is
one, and the shim state file (node membership and attributes, and which resource
runs where, as the other shims record it). `snapshot()` turns both into model values
-- where a resource runs becomes a recorded start (or promote) on that node -- and the
status view (hastack.status) is built from them exactly as for `hastack simulate`;
only the layout differs (`crm_mon -1` text: Cluster Summary, Node List, Active or with
-r Full List of Resources, -A node attributes, -f the Migration Summary, then the
failed actions; `--output-as=xml` crm_mon's XML, hastack.status.xml, and `-X` its
deprecated form, which ha_cluster_exporter reads). `-s` prints the one-line check. Interactive and daemon modes (text without -1) are refused.

Imports the model, the CIB reader, the status view, the local store and the shims' state.
"""

from __future__ import annotations

import sys
import time
from dataclasses import replace
from typing import Any

from hastack.model.config import AttrSet, Configuration, Node, Primitive
from hastack.model.state import ClusterState, NodeState, OpRecord, ResourceHistory
from hastack.model.values import AgentRef
from hastack.shims import state
from hastack.shims.common import CRM_EX_OK, CRM_EX_USAGE, ShimParser, fail, main_wrapper, version
from hastack.status import StatusView, build_view, render_crm_mon, render_crm_mon_xml, with_membership
from hastack.status.words import instance_counts
from hastack.store.select import store_from_env

_OPS = {"Promoted": ("start", "promote"), "Master": ("start", "promote")}


def _stored_config() -> Configuration:
    from hastack.cib import parse_cib
    from hastack.store.local import LocalStore

    stored = LocalStore().read()
    if stored is None:
        return Configuration()
    return parse_cib(stored.text, str(stored.path)).config


def _agent(text: str | None) -> AgentRef | None:
    try:
        return AgentRef.parse(text) if text else None
    except Exception:  # noqa: BLE001 - an unreadable agent name is shown as unknown
        return None


def snapshot(data: dict[str, Any], config: Configuration) -> tuple[Configuration, ClusterState]:
    """The shim state as (configuration, state): its nodes join the configured ones (with their
    permanent attributes), its resources the configured ones, and each resource's nodes become
    a successful start (and promote, for Promoted) recorded there."""
    nodes = dict(data.get("nodes", {}))
    nodes.setdefault(state.local_node(), {})
    config_nodes = list(config.nodes)
    position = {n.uname: k for k, n in enumerate(config_nodes)}
    for uname, entry in sorted(nodes.items()):
        attrs = tuple(sorted((str(k), str(v)) for k, v in entry.get("permanent", {}).items()))
        shim_set = (AttrSet(f"nodes-{uname}-shim", attrs, score=1),) if attrs else ()  # scored: wins
        if uname in position:
            known = config_nodes[position[uname]]
            config_nodes[position[uname]] = replace(known, attributes=known.attributes + shim_set)
        else:
            config_nodes.append(Node(id=str(entry.get("id", uname)), uname=uname, attributes=shim_set))
    resources = dict(config.resources)
    shim_rscs = data.get("resources", {})
    for rid, r in sorted(shim_rscs.items()):
        if rid not in resources:
            resources[rid] = Primitive(id=rid, agent=_agent(r.get("agent")) or AgentRef("ocf", "unknown", "unknown"))
    histories: dict[str, list[ResourceHistory]] = {}
    for rid, r in sorted(shim_rscs.items()):
        ops = _OPS.get(str(r.get("role", "Started")), ("start",))
        records = tuple(OpRecord(id=f"{rid}_last_0", operation=op, call_id=k + 1, rc_code=0, op_status=0,
                                 operation_key=f"{rid}_{op}_0", transition_key="0:0:0:hastack-shim")
                        for k, op in enumerate(ops))
        for where in r.get("nodes") or []:
            histories.setdefault(where, []).append(ResourceHistory(rid, _agent(r.get("agent")), records))
    ids = {n.uname: n.id for n in config_nodes}
    states = {}
    for n in config_nodes:
        entry = nodes.get(n.uname)
        if entry is None:
            continue  # configured but never seen: as Pacemaker, a node without a status entry
        member = entry.get("state", "member") == "member"
        states[n.id] = NodeState(
            id=n.id, uname=n.uname, in_ccm="true" if member else "false", crmd="online" if member else "offline",
            join="member" if member else "down", expected="member" if member else "down",
            resources=tuple(histories.get(n.uname, ())),
            attributes={str(k): str(v) for k, v in entry.get("transient", {}).items()})
    local = state.local_node()
    cluster = ClusterState(nodes=states, have_quorum=bool(data.get("quorum", True)), dc_uuid=ids.get(local))
    return Configuration(nodes=tuple(config_nodes), resources=resources, constraints=config.constraints,
                         properties=config.properties, rsc_defaults=config.rsc_defaults,
                         op_defaults=config.op_defaults, fencing_topology=config.fencing_topology,
                         tags=config.tags), cluster


def view(attributes: bool = False, history: bool = False) -> StatusView:
    """The cluster store's snapshot when the environment names one (hastackd sets it for the agents
    it runs), else the local configuration and shim state."""
    store = store_from_env()
    now = int(time.time())
    if store is not None:
        snap = store.snapshot()
        live = build_view(snap.configuration, snap.state, now, attributes=attributes, history=history)
        return with_membership(live, snap.members, snap.dc)
    config, cluster = snapshot(state.load(), _stored_config())
    return build_view(config, cluster, now, attributes=attributes, history=history)


_FORMATS = ("text", "xml")


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
    p.add_argument("-X", "--as-xml", dest="legacy_xml", action="store_true")  # deprecated in crm_mon, still read
    opts, _rest = p.parse_known_args(argv)
    if opts.version:
        return version("crm_mon")
    if opts.output_as not in _FORMATS:
        fail(CRM_EX_USAGE, f"--output-as={opts.output_as} is not available in hastack's crm_mon shim "
                           f"(choose {' or '.join(_FORMATS)})")
    now = time.time()
    if opts.output_as == "xml" or opts.legacy_xml:  # as crm_mon: XML is one reading, with every section
        print(render_crm_mon_xml(view(attributes=True, history=True), request=" ".join(["crm_mon", *argv]),
                                 updated=time.asctime(time.localtime(now)), legacy=opts.legacy_xml), end="")
        return CRM_EX_OK
    if not (opts.simple or opts.one_shot):
        fail(CRM_EX_USAGE, "only one-shot mode (-1) is available in hastack's crm_mon shim")
    status = view(attributes=opts.attrs, history=opts.failcounts)
    if opts.simple:
        online = sum(1 for n in status.nodes if n.online)
        instances = instance_counts(status).configured
        print(f"CLUSTER OK: {online} nodes online, {instances} resource instances configured")
        return CRM_EX_OK
    print(render_crm_mon(status, updated=time.asctime(time.localtime(now)), inactive=opts.full,
                         attributes=opts.attrs, failcounts=opts.failcounts), end="")
    return CRM_EX_OK


def main() -> None:
    sys.exit(main_wrapper("crm_mon", run))


if __name__ == "__main__":
    main()
