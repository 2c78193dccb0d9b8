"""Model resources -> the CIB <resources> section.

Owns the nesting (each group, clone or bundle written with its children inside it,
in the order of `Configuration.resources`), primitives, templates, groups, clones,
legacy <master> elements and bundles, their attribute sets and operations
(written as an <operations id-ref> where the model refers to others'), and the checks
that make a model writable at all (a group member or clone child that is not
defined, or contained twice, is a ConfigError: Pacemaker could not express it).

Clone.legacy_master is written as <master> while the schema allows it (every
schema Pacemaker 2.1.5 reads does; pacemaker-4.0 does not, and there it becomes a
promotable <clone>); any other promotable clone is a <clone> whose meta
attributes say promotable=true -- added to its first unconditional meta set if
the model lacks it. Importing either form gives the model back.

Imports the model and the cib writer helpers only.
"""

from __future__ import annotations

from lxml import etree

from hastack.cib.ids import WriteContext
from hastack.cib.nvsets import write_set, write_sets
from hastack.cib.read_resources import declares_promotable
from hastack.errors import Collector, ValueSyntaxError
from hastack.model import durations
from hastack.model.config import (
    AttrSet, Bundle, BundleMapping, Clone, Configuration, Group, Op, Primitive, Resource, Template,
)
from hastack.model.values import AgentRef


def check_writable(config: Configuration) -> None:
    """Refuse models whose containment cannot be written as XML."""
    diag = Collector()
    seen_in: dict[str, str] = {}
    for rsc in config.resources.values():
        for child in rsc.children:
            target = config.resources.get(child)
            if target is None:
                diag.error(f"{rsc.kind} {rsc.id!r} contains {child!r}, which is not defined", rsc.location,
                           hint=f"define {child!r} or remove it from {rsc.id!r}")
                continue
            if child in seen_in:
                diag.error(f"{child!r} is contained in both {seen_in[child]!r} and {rsc.id!r}", rsc.location,
                           hint="a resource can belong to one group or clone only")
                continue
            seen_in[child] = rsc.id
            if isinstance(rsc, Group) and not isinstance(target, Primitive):
                diag.error(f"group {rsc.id!r} contains {target.kind} {child!r}; groups hold primitives only",
                           rsc.location)
            if isinstance(rsc, Clone) and not isinstance(target, (Primitive, Group)):
                diag.error(f"clone {rsc.id!r} contains {target.kind} {child!r}; clones hold a primitive or a group",
                           rsc.location)
            if isinstance(rsc, Bundle) and not isinstance(target, Primitive):
                diag.error(f"bundle {rsc.id!r} runs {target.kind} {child!r}; bundles run a primitive", rsc.location)
        if isinstance(rsc, Group) and not rsc.members:
            diag.error(f"group {rsc.id!r} has no members", rsc.location, hint="a group needs one or more primitives")
    diag.raise_if_errors()


def write_resources(parent: etree._Element, config: Configuration, ctx: WriteContext) -> None:
    section = etree.SubElement(parent, "resources")
    contained = set(config.parent_of)
    for rsc in config.resources.values():
        if rsc.id not in contained:
            _write_resource(section, rsc, config, ctx)


def _write_resource(parent: etree._Element, rsc: Resource, config: Configuration, ctx: WriteContext) -> None:
    if isinstance(rsc, (Primitive, Template)):
        _write_primitive(parent, rsc, ctx)
    elif isinstance(rsc, Bundle):
        _write_bundle(parent, rsc, config, ctx)
    elif isinstance(rsc, Group):
        el = _container(parent, "group", rsc.id, rsc.description, ctx)
        write_sets(el, "instance_attributes", rsc.params, ctx, rsc.id)
        write_sets(el, "meta_attributes", rsc.meta, ctx, rsc.id)
        for member in rsc.members:
            _write_resource(el, config.resources[member], config, ctx)
    else:
        _write_clone(parent, rsc, config, ctx)


def _container(parent: etree._Element, tag: str, rid: str, description: str | None,
               ctx: WriteContext) -> etree._Element:
    el = etree.SubElement(parent, tag, id=ctx.ids.take(rid, tag, owner=True))
    if description is not None:
        el.set("description", description)
    return el


def _write_clone(parent: etree._Element, clone: Clone, config: Configuration, ctx: WriteContext) -> None:
    as_master = clone.legacy_master and ctx.master_allowed
    el = _container(parent, "master" if as_master else "clone", clone.id, clone.description, ctx)
    write_sets(el, "instance_attributes", clone.params, ctx, clone.id)
    meta = clone.meta
    needs_flag = clone.promotable and not as_master and not declares_promotable(meta, config.rsc_defaults)
    if needs_flag:
        plain = next((i for i, s in enumerate(meta) if s.rule is None and not s.id_ref), None)
        if plain is None:
            meta = meta + (AttrSet("", (("promotable", "true"),)),)
        else:
            s = meta[plain]
            meta = meta[:plain] + (AttrSet(s.id, s.pairs + (("promotable", "true"),), s.score, s.rule, s.id_ref),) \
                + meta[plain + 1:]
    for s in meta:
        write_set(el, "meta_attributes", s, ctx, f"{clone.id}-meta_attributes")
    _write_resource(el, config.resources[clone.child], config, ctx)


def _write_agent(el: etree._Element, agent: AgentRef) -> None:
    el.set("class", agent.cls)
    if agent.provider is not None:
        el.set("provider", agent.provider)
    el.set("type", agent.type)


def _write_primitive(parent: etree._Element, rsc: Primitive | Template, ctx: WriteContext) -> None:
    tag = "template" if isinstance(rsc, Template) else "primitive"
    el = etree.SubElement(parent, tag, id=ctx.ids.take(rsc.id, tag, owner=True))
    if rsc.agent is not None:
        _write_agent(el, rsc.agent)
    if isinstance(rsc, Primitive) and rsc.template is not None:
        el.set("template", rsc.template)
    if rsc.description is not None:
        el.set("description", rsc.description)
    write_sets(el, "instance_attributes", rsc.params, ctx, rsc.id)
    write_sets(el, "meta_attributes", rsc.meta, ctx, rsc.id)
    write_sets(el, "utilization", rsc.utilization, ctx, rsc.id)
    if rsc.ops_ref is not None:
        etree.SubElement(el, "operations", {"id-ref": rsc.ops_ref})
    elif rsc.ops or rsc.ops_id is not None:
        ops = etree.SubElement(el, "operations")
        if rsc.ops_id is not None:
            ops.set("id", ctx.ids.take(rsc.ops_id, f"{rsc.id}-operations"))
        for op in rsc.ops:
            _write_op(ops, op, rsc.id, ctx)


def _write_bundle(parent: etree._Element, b: Bundle, config: Configuration, ctx: WriteContext) -> None:
    el = _container(parent, "bundle", b.id, b.description, ctx)
    etree.SubElement(el, b.runtime, dict(b.runtime_options))
    if b.network or b.port_mappings:
        network = etree.SubElement(el, "network", dict(b.network))
        for m in b.port_mappings:
            _write_mapping(network, "port-mapping", m, b.id, ctx)
    if b.storage_mappings:
        storage = etree.SubElement(el, "storage")
        for m in b.storage_mappings:
            _write_mapping(storage, "storage-mapping", m, b.id, ctx)
    if b.primitive is not None:
        _write_resource(el, config.resources[b.primitive], config, ctx)
    write_sets(el, "meta_attributes", b.meta, ctx, b.id)
    write_sets(el, "instance_attributes", b.params, ctx, b.id)


def _write_mapping(parent: etree._Element, tag: str, m: BundleMapping, owner: str, ctx: WriteContext) -> None:
    el = etree.SubElement(parent, tag, id=ctx.ids.take(m.id, owner))
    for k, v in m.attributes:
        el.set(k, v)


def _spelling(text: str | None, ms: int) -> str:
    """The duration as the operator typed it, if that still means `ms`; else the shortest exact form."""
    if text is not None:
        try:
            if durations.parse_ms(text) == ms:
                return text
        except ValueSyntaxError:
            pass
    return durations.format_ms(ms)


def _write_op(parent: etree._Element, op: Op, rsc_id: str, ctx: WriteContext) -> None:
    interval = _spelling(op.interval_text, op.interval_ms)
    oid = ctx.ids.take(op.id, f"{rsc_id}-{op.name}-{interval}")
    el = etree.SubElement(parent, "op", id=oid, name=op.name, interval=interval)
    if op.timeout_ms is not None:
        el.set("timeout", _spelling(op.timeout_text, op.timeout_ms))
    if op.role is not None:
        el.set("role", ctx.role(op.role))
    if op.on_fail is not None:
        el.set("on-fail", op.on_fail)
    if not op.enabled:
        el.set("enabled", "false")
    for k, v in op.attributes:
        if k not in el.attrib:
            el.set(k, v)
    write_sets(el, "instance_attributes", op.params, ctx, oid)
    write_sets(el, "meta_attributes", op.meta, ctx, oid)
