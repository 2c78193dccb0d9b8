"""Model -> a whole CIB document: the <cib> element, its <configuration> and <status>.

Owns the document layout (acls and alerts are written by cib.acls and
cib.alerts) and the sections with no module of their own: cluster
property sets (`cib-bootstrap-options`), nodes (`nodes-<id>` sets), rsc_defaults
(`rsc-options`), op_defaults (`op-options`), fencing-topology and tags. Chooses
the schema (the state's validate-with, else pacemaker-3.9) once for the whole
export, so roles are spelled as that schema wants them.

Imports the model and the cib writer modules only.
"""

from __future__ import annotations

from lxml import etree

from hastack.cib.acls import write_acls
from hastack.cib.alerts import write_alerts
from hastack.cib.ids import DEFAULT_SCHEMA, Ids, WriteContext, explicit_ids
from hastack.cib.nvsets import write_set
from hastack.cib.write_constraints import write_constraints
from hastack.cib.write_resources import check_writable, write_resources
from hastack.cib.write_status import header_attributes, write_status
from hastack.errors import HastackError
from hastack.model.config import AttrSet, Configuration, FencingLevel, Node, Tag
from hastack.model.state import ClusterState


def write_cib(config: Configuration, state: ClusterState | None = None) -> str:
    """The pretty-printed document; a model that XML cannot express raises a HastackError."""
    check_writable(config)
    shown = state if state is not None else ClusterState()
    validate_with = dict(shown.header).get("validate-with", DEFAULT_SCHEMA)
    protected = [r.id for r in config.resources.values()] + [t.id for t in config.tags] + \
        [r.id for r in config.acl_roles]
    ctx = WriteContext(Ids(explicit_ids(config), protected), validate_with)
    try:
        cib = etree.Element("cib")
        for k, v in header_attributes(shown):
            cib.set(k, v)
        _write_configuration(cib, config, ctx)
        write_status(cib, state)
    except ValueError as exc:  # lxml refuses names/values that XML cannot carry (control characters, ...)
        raise HastackError(f"cannot write the CIB: {exc}",
                           hint="remove control characters and other non-XML text from names and values") from None
    text: str = etree.tostring(cib, pretty_print=True, encoding="unicode")
    return text


def _write_configuration(cib: etree._Element, config: Configuration, ctx: WriteContext) -> None:
    conf = etree.SubElement(cib, "configuration")
    crm_config = etree.SubElement(conf, "crm_config")
    _write_named_sets(crm_config, "cluster_property_set", config.properties, ctx, "cib-bootstrap-options")
    nodes = etree.SubElement(conf, "nodes")
    for node in config.nodes:
        _write_node(nodes, node, ctx)
    write_resources(conf, config, ctx)
    write_constraints(conf, config.constraints, ctx)
    if config.fencing_topology:
        _write_fencing(conf, config.fencing_topology, ctx)
    if config.rsc_defaults:
        _write_named_sets(etree.SubElement(conf, "rsc_defaults"), "meta_attributes", config.rsc_defaults, ctx,
                          "rsc-options")
    if config.op_defaults:
        _write_named_sets(etree.SubElement(conf, "op_defaults"), "meta_attributes", config.op_defaults, ctx,
                          "op-options")
    if config.tags:
        _write_tags(conf, config.tags, ctx)
    if config.acl_roles or config.acl_targets:
        write_acls(conf, config.acl_roles, config.acl_targets, ctx)
    if config.alerts:
        write_alerts(conf, config.alerts, ctx)


def _write_named_sets(parent: etree._Element, tag: str, sets: tuple[AttrSet, ...], ctx: WriteContext,
                      base: str) -> None:
    for s in sets:
        write_set(parent, tag, s, ctx, base)


def _write_node(parent: etree._Element, node: Node, ctx: WriteContext) -> None:
    el = etree.SubElement(parent, "node", id=node.id, uname=node.uname, type=node.type)
    if node.description is not None:
        el.set("description", node.description)
    _write_named_sets(el, "instance_attributes", node.attributes, ctx, f"nodes-{node.id}")
    _write_named_sets(el, "utilization", node.utilization, ctx, f"nodes-{node.id}-utilization")


def _write_fencing(parent: etree._Element, levels: tuple[FencingLevel, ...], ctx: WriteContext) -> None:
    section = etree.SubElement(parent, "fencing-topology")
    for level in levels:
        el = etree.SubElement(section, "fencing-level", id=ctx.ids.take(level.id, "fencing"))
        for name, value in (("target", level.target), ("target-pattern", level.target_pattern),
                            ("target-attribute", level.target_attribute), ("target-value", level.target_value)):
            if value is not None:
                el.set(name, value)
        el.set("index", str(level.index))
        el.set("devices", ",".join(level.devices))


def _write_tags(parent: etree._Element, tags: tuple[Tag, ...], ctx: WriteContext) -> None:
    section = etree.SubElement(parent, "tags")
    for tag in tags:
        el = etree.SubElement(section, "tag", id=ctx.ids.take(tag.id, "tag", owner=True))
        for ref in tag.refs:
            etree.SubElement(el, "obj_ref", id=ref)
