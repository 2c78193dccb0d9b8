"""model.ClusterState -> the CIB <status> section and the <cib> header attributes.

Owns node_state elements, the <tickets> ticket states (typed fields, then `extra` as kept), their lrm history
(lrm_rsc_op attributes in Pacemaker's order, then `extra`), transient attributes
(one instance_attributes set `status-<node>` as the attribute manager names it),
and the header: kept attributes first, then have-quorum, dc-uuid and
execution-date; the schema's required version attributes are filled in when the
state has none (a state that was never imported from a full CIB).

Status ids are not configuration ids: lrm_rsc_op ids repeat across nodes and are
written exactly as recorded. Imports the model and the cib helpers only.
"""

from __future__ import annotations

from lxml import etree

from hastack.cib.ids import sanitize
from hastack.cib.read_status import HEADER_DEFAULTS
from hastack.model.state import ClusterState, NodeState, OpRecord

# OpRecord field -> lrm_rsc_op attribute, in the order Pacemaker writes them.
_OP_ATTRS = (
    ("id", "id"), ("operation_key", "operation_key"), ("operation", "operation"),
    ("crm_feature_set", "crm_feature_set"), ("transition_key", "transition-key"),
    ("transition_magic", "transition-magic"), ("exit_reason", "exit-reason"), ("on_node", "on_node"),
    ("call_id", "call-id"), ("rc_code", "rc-code"), ("op_status", "op-status"), ("interval_ms", "interval"),
    ("last_rc_change", "last-rc-change"), ("last_run", "last-run"), ("exec_time", "exec-time"),
    ("queue_time", "queue-time"), ("op_digest", "op-digest"), ("op_force_restart", "op-force-restart"),
    ("op_restart_digest", "op-restart-digest"), ("op_secure_params", "op-secure-params"),
    ("op_secure_digest", "op-secure-digest"),
)


def header_attributes(state: ClusterState) -> list[tuple[str, str]]:
    """The <cib> element's attributes for a state."""
    attrs = list(state.header)
    have = {k for k, _ in attrs}
    for k, v in HEADER_DEFAULTS:
        if k not in have:
            attrs.append((k, v))
    attrs.append(("have-quorum", "1" if state.have_quorum else "0"))
    if state.dc_uuid is not None:
        attrs.append(("dc-uuid", state.dc_uuid))
    if state.execution_date is not None:
        attrs.append(("execution-date", str(state.execution_date)))
    return attrs


def write_status(cib: etree._Element, state: ClusterState | None) -> None:
    status = etree.SubElement(cib, "status")
    if state is None:
        return
    for node in state.nodes.values():
        _write_node_state(status, node)
    if state.tickets:
        tickets = etree.SubElement(status, "tickets")
        for t in state.tickets:
            etree.SubElement(tickets, "ticket_state", dict((("id", t.id),) + t.attributes))


def _write_node_state(parent: etree._Element, node: NodeState) -> None:
    el = etree.SubElement(parent, "node_state", id=node.id)
    for name, value in (("uname", node.uname or None), ("in_ccm", node.in_ccm), ("crmd", node.crmd),
                        ("join", node.join), ("expected", node.expected), ("ha", node.ha),
                        ("shutdown", node.shutdown)):
        if value is not None:
            el.set(name, value)
    for k, v in node.extra:
        if k not in el.attrib:
            el.set(k, v)
    if node.attributes:
        transient = etree.SubElement(el, "transient_attributes", id=node.id)
        set_id = f"status-{node.id}"
        attrs = etree.SubElement(transient, "instance_attributes", id=set_id)
        for name, value in node.attributes.items():
            etree.SubElement(attrs, "nvpair", id=sanitize(f"{set_id}-{name}"), name=name, value=value)
    lrm = etree.SubElement(el, "lrm", id=node.id)
    resources = etree.SubElement(lrm, "lrm_resources")
    for hist in node.resources:
        rel = etree.SubElement(resources, "lrm_resource", id=hist.id)
        if hist.agent is not None:
            rel.set("type", hist.agent.type)
            rel.set("class", hist.agent.cls)
            if hist.agent.provider is not None:
                rel.set("provider", hist.agent.provider)
        if hist.container is not None:
            rel.set("container", hist.container)
        if hist.shutdown_lock is not None:
            rel.set("shutdown-lock", str(hist.shutdown_lock))
        for op in hist.ops:
            _write_op(rel, op)


def _write_op(parent: etree._Element, op: OpRecord) -> None:
    # The hot loop of a big status: build the attributes first, create the element once.
    attrs: dict[str, str] = {}
    for field_name, attr in _OP_ATTRS:
        value = getattr(op, field_name)
        if value is not None:
            attrs[attr] = value if isinstance(value, str) else str(value)
    for k, v in op.extra:
        attrs.setdefault(k, v)
    etree.SubElement(parent, "lrm_rsc_op", attrs)
