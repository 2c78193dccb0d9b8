"""The status view as crm_mon's XML (`crm_mon --output-as=xml`), rendered from the one view.

The document follows Pacemaker's API schema crm_mon-2.25 (Pacemaker 2.1.5; the schema
files are api-result-2.25.rng and what it includes, in Debian's pacemaker-common):

    <pacemaker-result api-version="2.25" request="...">
      <summary>         stack, current DC and quorum, times, counts, cluster options
      <nodes>           every node and its state
      <resources>       every resource (inactive ones too, not inactive orphans), nested; a
                        bundle by replica: address, instance, container, connection
      <node_attributes> online nodes' attributes (view built with attributes=True)
      <node_history>    online nodes' resource histories (view built with history=True)
      <failures>        the failed actions
      <status code="0" message="OK"/>

`legacy=True` gives the deprecated form (`crm_mon -X`, what ha_cluster_exporter reads): the
same sections under `<crm_mon version="2.1.5">`, without the status element.

Not rendered: bans, tickets, fencing history (the view has none of them yet) and the
optional feature set and ping "expected" values. Values crm_mon takes from
the CIB header (last change, DC version) are the caller's to give.

Everything here formats a StatusView; nothing is looked up or decided.
Imports only lxml, hastack.status.view and hastack.status.words.
"""

from __future__ import annotations

from dataclasses import dataclass

from lxml import etree

from hastack import __version__
from hastack.status.view import FailedAction, HistoryEntry, ResourceStatus, StatusView
from hastack.status.words import (
    action_word, exec_status, instance_counts, pending_word, rc_text, shown_attributes, shown_state, when, when_iso,
)

__all__ = ["API_VERSION", "LEGACY_VERSION", "LastChange", "render_crm_mon_xml"]

API_VERSION = "2.25"  # the crm_mon API schema this output follows (crm_mon-2.25.rng)
LEGACY_VERSION = "2.1.5"  # the crm_mon whose output this is, as the legacy form names it



@dataclass(frozen=True)
class LastChange:
    """Who last changed the configuration, and when (crm_mon reads it from the CIB header)."""

    time: str = ""
    user: str = ""
    client: str = ""
    origin: str = ""


def _b(flag: bool) -> str:
    return "true" if flag else "false"


def _sub(parent: etree._Element, tag: str, **attrs: str | None) -> etree._Element:
    """A child element with the attributes given, in order; None leaves one out."""
    el = etree.SubElement(parent, tag)
    for k, v in attrs.items():
        if v is not None:
            el.set(k, v)
    return el


def render_crm_mon_xml(view: StatusView, *, request: str, stack: str = "hastack", version: str = __version__,
                       updated: str = "", last_change: LastChange | None = None, legacy: bool = False) -> str:
    """crm_mon's XML document for the view. `request` is the command line it answers, `version`
    the DC's software version, `updated` the time of the reading, already worded (rendering
    reads no clock; without it the summary has no times)."""
    if legacy:
        root = etree.Element("crm_mon")
        root.set("version", LEGACY_VERSION)
    else:
        root = etree.Element("pacemaker-result")
        root.set("api-version", API_VERSION)
        root.set("request", request)
    _summary(root, view, stack, version, updated, last_change or LastChange())
    _nodes(root, view)
    resources = _sub(root, "resources")
    for r in view.resources:
        if r.listed:
            _resource(resources, r, view)
    _attributes(root, view)
    if any(n.online for n in view.nodes):
        _history(_sub(root, "node_history"), view.history)
    if view.failed_actions:
        failures = _sub(root, "failures")
        for f in view.failed_actions:
            _failure(failures, f)
    if not legacy:
        _sub(root, "status", code="0", message="OK")
    return str(etree.tostring(root, pretty_print=True, encoding="unicode"))


def _summary(root: etree._Element, view: StatusView, stack: str, version: str, updated: str,
             change: LastChange) -> None:
    summary = _sub(root, "summary")
    _sub(summary, "stack", type=stack)
    dc = view.node(view.dc) if view.dc else None
    if dc is None:
        _sub(summary, "current_dc", present="false")
    else:
        _sub(summary, "current_dc", present="true", version=version, name=dc.uname, id=dc.id,
             with_quorum=_b(view.have_quorum), mixed_version="false")
    if updated:
        _sub(summary, "last_update", time=updated)
        _sub(summary, "last_change", time=change.time, user=change.user, client=change.client,
             origin=change.origin)
    counts = instance_counts(view)
    _sub(summary, "nodes_configured", number=str(len(view.nodes)))
    _sub(summary, "resources_configured", number=str(counts.configured), disabled=str(counts.disabled),
         blocked=str(counts.blocked))
    _sub(summary, "cluster_options", **{
        "stonith-enabled": _b(view.stonith_enabled), "symmetric-cluster": _b(view.symmetric),
        "no-quorum-policy": view.no_quorum_policy, "maintenance-mode": _b(view.maintenance_mode),
        "stop-all-resources": _b(view.stop_all), "stonith-timeout-ms": str(view.stonith_timeout_ms),
        "priority-fencing-delay-ms": str(view.priority_fencing_delay_ms)})


def _nodes(root: etree._Element, view: StatusView) -> None:
    """Every node; a guest node is of type remote too, told apart by its container (id_as_resource)."""
    nodes = _sub(root, "nodes")
    for n in view.nodes:
        _sub(nodes, "node", name=n.uname, id=n.id, online=_b(n.online), standby=_b(n.standby),
             standby_onfail=_b(n.standby_onfail), maintenance=_b(n.maintenance), pending=_b(n.pending),
             unclean=_b(n.unclean), health=n.health, shutdown=_b(n.shutdown), expected_up=_b(n.expected_up),
             is_dc=_b(n.is_dc), resources_running=str(n.active_resources), type="remote" if n.kind == "guest" else n.kind,
             id_as_resource=n.container if n.kind == "guest" else None)


def _resource(parent: etree._Element, r: ResourceStatus, view: StatusView) -> None:
    if r.kind == "primitive":
        _primitive(parent, r, view)
    elif r.kind == "group":
        if r.children:
            group = _sub(parent, "group", id=r.id, number_resources=str(len(r.children)), managed=_b(r.managed),
                         disabled=_b(r.disabled))
            for c in r.children:
                _resource(group, c, view)
    elif r.kind == "bundle":
        bundle = _sub(parent, "bundle", id=r.id, type=r.runtime, image=r.image, unique=_b(r.unique),
                      managed=_b(r.managed), failed=_b(r.failed))
        for rep in r.replicas:
            replica = _sub(bundle, "replica", id=str(rep.offset))
            for p in rep.parts():
                _primitive(replica, p, view)
    elif r.children:
        clone = _sub(parent, "clone", id=r.id, multi_state=_b(r.promotable), unique=_b(r.unique),
                     managed=_b(r.managed), disabled=_b(r.disabled), failed=_b(r.failed),
                     failure_ignored=_b(r.failure_ignored), target_role=r.configured_role)
        for c in r.children:
            _resource(clone, c, view)


def _primitive(parent: etree._Element, r: ResourceStatus, view: StatusView) -> None:
    el = _sub(parent, "resource", id=r.name, resource_agent=r.agent or "unknown:unknown",
              role=shown_state(r), target_role=r.target_role,
              active=_b(r.active), orphaned=_b(r.orphan), blocked=_b(r.blocked), managed=_b(r.managed),
              failed=_b(r.failed), failure_ignored=_b(r.failure_ignored), nodes_running_on=str(len(r.nodes)),
              pending=pending_word(r), locked_to=r.locked_to)
    for uname in r.nodes:
        node = view.node(uname)
        _sub(el, "node", name=uname, id=node.id if node else uname, cached=_b(node is not None and node.online))


def _attributes(root: etree._Element, view: StatusView) -> None:
    section = None
    for n in view.nodes:
        shown = shown_attributes(n)
        if not shown:
            continue
        if section is None:
            section = _sub(root, "node_attributes")
        node = _sub(section, "node", name=n.uname)
        for k, v in shown:
            _sub(node, "attribute", name=k, value=v)


def _history(section: etree._Element, history: tuple[HistoryEntry, ...]) -> None:
    """Per online node, each resource with operations worth listing: its threshold and fail
    count, then the operations in call order."""
    node: etree._Element | None = None
    for h in history:
        if not h.ops:
            continue
        if node is None or node.get("name") != h.node:
            node = _sub(section, "node", name=h.node)
        if h.rsc is None:
            rsc = _sub(node, "resource_history", id=h.id, orphan="true")
        else:
            rsc = _sub(node, "resource_history", id=h.rsc, orphan="false",
                       **{"migration-threshold": str(h.migration_threshold),
                          "fail-count": str(h.fail_count) if h.fail_count > 0 else None,
                          "last-failure": when(h.last_failure) if h.last_failure > 0 else None})
        for op in h.ops:
            _sub(rsc, "operation_history", call=str(op.call_id), task=action_word(op.operation, op.interval_ms),
                 rc=str(max(op.rc_code, 0)), rc_text=rc_text(max(op.rc_code, 0)),
                 **{"interval": f"{op.interval_ms}ms" if op.interval_ms else None,
                    "last-rc-change": when(op.last_rc_change) if op.last_rc_change else None,
                    "exec-time": f"{op.exec_time}ms" if op.exec_time is not None else None,
                    "queue-time": f"{op.queue_time}ms" if op.queue_time is not None else None})


def _failure(parent: etree._Element, f: FailedAction) -> None:
    key = {"op_key": f.key} if f.key_recorded else {"id": f.key}
    rc = max(f.rc, 0)  # crm_mon reads a negative code (a pending record's) as 0
    el = _sub(parent, "failure", **key, node=f.node, exitstatus=rc_text(rc),
              exitreason=f.exit_reason if f.exit_reason is not None else "none", exitcode=str(rc),
              call=str(f.call_id), status=exec_status(f.status))
    # crm_mon adds the timing when the record says when it changed; the schema wants all of it
    if f.last_rc_change and f.queue_time is not None and f.exec_time is not None:
        for k, v in (("last-rc-change", when_iso(f.last_rc_change)), ("queued", str(f.queue_time)),
                     ("exec", str(f.exec_time)), ("interval", str(f.interval_ms)), ("task", f.task)):
            el.set(k, v)
