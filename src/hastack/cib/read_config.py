"""The <configuration> section of a CIB -> model.Configuration.

Owns the section layout (crm_config, nodes, resources, constraints, rsc_defaults,
op_defaults, fencing-topology, tags, acls, alerts), the id index used to resolve
id-ref (and the nvpair ids an id-ref names), cluster property sets,
nodes, defaults, fencing levels and tags, and the warnings about references to
nothing (constraints naming no resource or tag, primitives naming no template).
Resources and constraints have their own modules.

Imports the model and the cib reader modules only.
"""

from __future__ import annotations

from dataclasses import replace

from lxml import etree

from hastack.cib.acls import read_acls
from hastack.cib.alerts import read_alerts
from hastack.cib.nvsets import read_sets
from hastack.cib.read_constraints import read_constraints
from hastack.cib.read_resources import declares_promotable, read_resources
from hastack.cib.source import Reader, elements
from hastack.model.config import (
    AttrSet, Clone, Colocation, Configuration, Constraint, FencingLevel, Node, Order, Primitive, Resource, Tag, Template,
)

NODE_TYPES = ("member", "remote", "ping", "normal")


def index_ids(r: Reader, configuration: etree._Element) -> None:
    """Index every id of the configuration section, for id-ref; duplicates are errors.

    Node ids are not XML IDs (they are corosync's numbers or uuids) and may repeat other ids; nor
    are ACL targets' (user names), nor the role references of ACL targets and groups.
    """
    for el in configuration.iter():
        if not isinstance(el.tag, str) or el.tag in ("node", "resource_ref", "obj_ref", "role", "acl_target"):
            continue
        if el.tag == "nvpair" and el.get("id-ref") is not None:
            r.referenced.add(str(el.get("id-ref")))
        eid = el.get("id")
        if eid is None:
            continue
        first = r.ids.get(eid)
        if first is None:
            r.ids[eid] = el
        else:
            r.error(el, f"id {eid!r} is used twice (first at line {first.sourceline})", "id",
                    hint="ids must be unique in the whole configuration")


def read_configuration(r: Reader, el: etree._Element) -> Configuration:
    index_ids(r, el)
    sections: dict[str, etree._Element] = {}
    for child in elements(el):
        tag = str(child.tag)
        if tag in sections:
            r.error(child, f"<{tag}> appears twice in <configuration>", hint="merge the two sections into one")
            continue
        sections[tag] = child
    known = ("crm_config", "nodes", "resources", "constraints", "rsc_defaults", "op_defaults",
             "fencing-topology", "tags", "acls", "alerts")
    for tag, child in sections.items():
        if tag not in known:
            r.error(child, f"unexpected <{tag}> inside <configuration>",
                    hint="expected crm_config, nodes, resources, constraints, rsc_defaults, op_defaults, "
                         "fencing-topology, tags, acls, alerts")
    for required in ("crm_config", "nodes", "resources", "constraints"):
        if required not in sections:
            r.warn(el, f"<configuration> has no <{required}> section; reading it as empty")
    properties = _read_crm_config(r, sections["crm_config"]) if "crm_config" in sections else ()
    nodes = _read_nodes(r, sections["nodes"]) if "nodes" in sections else ()
    resources: dict[str, Resource] = read_resources(r, sections["resources"]) if "resources" in sections else {}
    constraints = read_constraints(r, sections["constraints"]) if "constraints" in sections else ()
    rsc_defaults = _read_defaults(r, sections.get("rsc_defaults"))
    op_defaults = _read_defaults(r, sections.get("op_defaults"))
    fencing = _read_fencing(r, sections["fencing-topology"]) if "fencing-topology" in sections else ()
    tags = _read_tags(r, sections["tags"]) if "tags" in sections else ()
    roles, targets = read_acls(r, sections["acls"]) if "acls" in sections else ((), ())
    alerts = read_alerts(r, sections["alerts"]) if "alerts" in sections else ()
    if declares_promotable((), rsc_defaults):  # rsc_defaults promotable=true makes every clone promotable
        resources = {k: replace(v, promotable=True) if isinstance(v, Clone) else v for k, v in resources.items()}
    config = Configuration(nodes=nodes, resources=resources, constraints=constraints, properties=properties,
                           rsc_defaults=rsc_defaults, op_defaults=op_defaults, fencing_topology=fencing,
                           tags=tags, acl_roles=roles, acl_targets=targets, alerts=alerts)
    _warn_dangling(r, config)
    return config


def _warn_dangling(r: Reader, config: Configuration) -> None:
    """Warn (as Pacemaker does, ignoring the object) about references to nothing."""
    known = set(config.resources) | {t.id for t in config.tags}
    for rsc in config.resources.values():
        if isinstance(rsc, Primitive) and rsc.template is not None and \
                not isinstance(config.resources.get(rsc.template), Template):
            r.diag.warn(f"primitive {rsc.id!r} uses template {rsc.template!r}, which is not defined",
                        rsc.location, hint="define the <template> or give the primitive its own agent")
    for c in config.constraints:
        names: list[str] = [n for n in _single_refs(c) if n is not None]
        names.extend(ref for s in c.sets for ref in s.resources)
        for name in names:
            if name not in known:
                r.diag.warn(f"{c.kind} constraint {c.id!r} refers to {name!r}, which is neither a resource "
                            "nor a tag; Pacemaker ignores the constraint", c.location,
                            hint="check the spelling, or remove the constraint")


def _single_refs(c: Constraint) -> tuple[str | None, ...]:
    if isinstance(c, Colocation):
        return (c.rsc, c.with_rsc)
    if isinstance(c, Order):
        return (c.first, c.then)
    return (c.rsc,)


def _read_crm_config(r: Reader, el: etree._Element) -> tuple[AttrSet, ...]:
    for child in elements(el):
        if child.tag != "cluster_property_set":
            r.error(child, f"unexpected <{child.tag}> inside <crm_config>",
                    hint="cluster properties go in <cluster_property_set> elements")
    return read_sets(r, el, "cluster_property_set")


def _read_defaults(r: Reader, el: etree._Element | None) -> tuple[AttrSet, ...]:
    if el is None:
        return ()
    for child in elements(el):
        if child.tag not in ("meta_attributes", "instance_attributes"):
            r.error(child, f"unexpected <{child.tag}> inside <{el.tag}>",
                    hint="defaults go in <meta_attributes> elements")
        elif child.tag == "instance_attributes":
            r.warn(child, f"<instance_attributes> inside <{el.tag}> is ignored",
                   hint="defaults go in <meta_attributes>")
    return read_sets(r, el, "meta_attributes")


def _read_nodes(r: Reader, el: etree._Element) -> tuple[Node, ...]:
    out: list[Node] = []
    seen: set[str] = set()
    for child in elements(el):
        if child.tag != "node":
            r.error(child, f"unexpected <{child.tag}> inside <nodes>", hint="nodes are <node> elements")
            continue
        nid = r.required(child, "id")
        r.known_attributes(child, ("id", "uname", "type", "description", "score"))
        uname = r.required(child, "uname")
        ntype = r.choice(child, "type", NODE_TYPES) if child.get("type") is not None else "member"
        if ntype == "normal":  # the pre-3.0 spelling; Pacemaker reads it as member, so does the model
            ntype = "member"
        for sub in elements(child):
            if sub.tag not in ("instance_attributes", "utilization"):
                r.error(sub, f"unexpected <{sub.tag}> inside <node> {nid!r}",
                        hint="a node holds <instance_attributes> and <utilization>")
        attributes = read_sets(r, child, "instance_attributes")
        utilization = read_sets(r, child, "utilization")
        if nid is None or uname is None or ntype is None:
            continue
        if nid in seen:
            r.error(child, f"node id {nid!r} is defined twice", "id", hint="every node needs its own id")
            continue
        seen.add(nid)
        out.append(Node(nid, uname, type=ntype, description=child.get("description"), attributes=attributes,
                        utilization=utilization, location=r.where(child)))
    return tuple(out)


def _read_fencing(r: Reader, el: etree._Element) -> tuple[FencingLevel, ...]:
    out: list[FencingLevel] = []
    for child in elements(el):
        if child.tag != "fencing-level":
            r.error(child, f"unexpected <{child.tag}> inside <fencing-topology>",
                    hint="fencing-topology holds <fencing-level> elements")
            continue
        fid = r.required(child, "id")
        r.known_attributes(child, ("id", "index", "devices", "target", "target-pattern", "target-attribute",
                                   "target-value"))
        index = r.integer(child, "index") if child.get("index") is not None else r.required(child, "index")
        devices = r.required(child, "devices")
        targets = [a for a in ("target", "target-pattern", "target-attribute") if child.get(a) is not None]
        if not targets:
            r.error(child, f"fencing-level {fid!r} names no target",
                    hint='add target="node", target-pattern="regex", or target-attribute with target-value')
        if child.get("target-attribute") is not None and child.get("target-value") is None:
            r.required(child, "target-value")
        if fid is None or not isinstance(index, int) or devices is None:
            continue
        out.append(FencingLevel(fid, index, tuple(d for d in devices.split(",") if d),
                                target=child.get("target"), target_pattern=child.get("target-pattern"),
                                target_attribute=child.get("target-attribute"),
                                target_value=child.get("target-value"), location=r.where(child)))
    return tuple(out)


def _read_tags(r: Reader, el: etree._Element) -> tuple[Tag, ...]:
    out: list[Tag] = []
    for child in elements(el):
        if child.tag != "tag":
            r.error(child, f"unexpected <{child.tag}> inside <tags>", hint="tags holds <tag> elements")
            continue
        tid = r.required(child, "id")
        refs: list[str] = []
        for ref in elements(child):
            if ref.tag != "obj_ref":
                r.error(ref, f"unexpected <{ref.tag}> inside <tag> {tid!r}", hint='a tag lists <obj_ref id="..."/>')
                continue
            rid = r.required(ref, "id")
            if rid is not None:
                refs.append(rid)
        if tid is not None:
            out.append(Tag(tid, tuple(refs), location=r.where(child)))
    return tuple(out)
