"""How stored cluster facts become the scheduler's `ClusterState`, and how histories are encoded.

Every adapter keeps the same facts: members (uname -> node id), each node's
resource histories, each node's transient attributes, the DC. `assemble_state`
turns them into the status section Pacemaker's controller would have written:

- a member is in_ccm/crmd online, joined, expected up;
- a node that holds no membership is cleanly down (in_ccm false, expected
  down) and its histories are left out, as Pacemaker erases a node's
  operation history when it is confirmed down. That is safe only because a
  node gives up its membership after it stopped every local resource: the
  lease outlives the node's own self-fence deadline (daemon.timing).

The state's header names the CRM feature set hastack records results with
(hastack.model.state.FEATURE_SET), as a controller's CIB does: the scheduler reads fail
counts by it (`fail-count-RSC#TASK_INTERVAL` since 3.0.13, which is what hastack
writes; without it they would be read as the legacy per-resource name and missed).

Histories travel as JSON objects (one per resource per node): plain field names
of `OpRecord`, so an operator can read them with etcdctl.

Imports the model only.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import fields
from typing import Any

from hastack.model.config import Configuration
from hastack.model.state import FEATURE_SET, ClusterState, NodeState, OpRecord, ResourceHistory
from hastack.model.values import AgentRef

_OP_FIELDS = tuple(f.name for f in fields(OpRecord))


def history_to_json(h: ResourceHistory) -> str:
    ops = []
    for op in h.ops:
        d: dict[str, Any] = {}
        for name in _OP_FIELDS:
            v = getattr(op, name)
            if v is None or v == ():
                continue
            d[name] = [list(p) for p in v] if name == "extra" else v
        ops.append(d)
    doc: dict[str, Any] = {"id": h.id, "agent": str(h.agent) if h.agent else None, "ops": ops}
    if h.container:
        doc["container"] = h.container
    return json.dumps(doc, sort_keys=True, separators=(",", ":"))


def history_from_json(text: str | bytes) -> ResourceHistory:
    doc = json.loads(text)
    ops = []
    for d in doc.get("ops", ()):
        kw = {k: v for k, v in d.items() if k in _OP_FIELDS}
        if "extra" in kw:
            kw["extra"] = tuple(tuple(p) for p in kw["extra"])
        ops.append(OpRecord(**kw))
    agent = AgentRef.parse(doc["agent"]) if doc.get("agent") else None
    return ResourceHistory(id=doc["id"], agent=agent, ops=tuple(ops), container=doc.get("container"))


def assemble_state(config: Configuration, members: Mapping[str, str],
                   histories: Mapping[str, Mapping[str, ResourceHistory]],
                   attributes: Mapping[str, Mapping[str, str]], dc: str | None,
                   have_quorum: bool = True) -> ClusterState:
    """The status section for these facts (see the module docstring for what membership means)."""
    ids: dict[str, str] = {n.uname: n.id for n in config.nodes}
    for uname, node_id in members.items():
        ids.setdefault(uname, node_id)
    nodes: dict[str, NodeState] = {}
    for uname, node_id in ids.items():
        if uname in members:
            hist = histories.get(uname, {})
            nodes[node_id] = NodeState(
                id=node_id, uname=uname, in_ccm="true", crmd="online", join="member", expected="member",
                resources=tuple(hist[k] for k in sorted(hist)), attributes=dict(attributes.get(uname, {})))
        else:
            nodes[node_id] = NodeState(id=node_id, uname=uname, in_ccm="false", crmd="offline", join="down",
                                       expected="down")
    dc_uuid = ids.get(dc) if dc else None
    return ClusterState(nodes=nodes, have_quorum=have_quorum, dc_uuid=dc_uuid,
                        header=(("crm_feature_set", FEATURE_SET),))
