"""The <resources> section of a CIB -> model resources.

Owns primitives (agent or template), rsc_templates (<template>), groups, clones,
promotable clones (<clone> with meta promotable=true), legacy <master>
elements, bundles (runtime, network, port and storage mappings, the primitive
inside), their attribute sets and their operations (an <operations id-ref> is
read as the referenced operations, kept as a reference for export). Resources come out in one
flat mapping in document pre-order: a group or clone before its children.

Attribute sets are stored as written, wherever they are: a meta attribute such as
target-role written in instance_attributes (old CIBs) stays there -- Pacemaker
2.1.5 ignores it there too (get_meta_attributes reads meta_attributes and
rsc_defaults only). Clone.promotable follows detect_promotable: <master>, or
promotable=true in the clone's meta attributes or in rsc_defaults (the latter is
applied by read_config once defaults are known).

Imports the model and the cib reader helpers only.
"""

from __future__ import annotations

from lxml import etree

from hastack.cib.nvsets import read_sets
from hastack.cib import tolerance
from hastack.cib.source import Reader, elements
from hastack.model import durations
from hastack.model.config import (
    AttrSet, Bundle, BundleMapping, Clone, Group, Op, Primitive, Resource, Template, merged,
)
from hastack.model.values import AgentRef, is_true

_OP_TYPED = ("id", "name", "interval", "timeout", "role", "on-fail", "enabled")
_PRIMITIVE_CHILDREN = ("instance_attributes", "meta_attributes", "utilization", "operations")
BUNDLE_RUNTIMES = ("docker", "podman", "rkt")


def read_resources(r: Reader, section: etree._Element) -> dict[str, Resource]:
    out: dict[str, Resource] = {}
    for child in elements(section):
        _read_resource(r, child, out, parent=None)
    return out


def _add(r: Reader, el: etree._Element, rsc: Resource, out: dict[str, Resource]) -> None:
    if rsc.id in out:
        r.error(el, f"resource id {rsc.id!r} is defined twice", "id", hint="every resource needs its own id")
        return
    out[rsc.id] = rsc


def _read_resource(r: Reader, el: etree._Element, out: dict[str, Resource], parent: str | None) -> str | None:
    """Read one resource element (and its children) into out; returns its id."""
    tag = el.tag
    if tag == "primitive":
        prim = _read_primitive(r, el)
        if prim is not None:
            _add(r, el, prim, out)
        return prim.id if prim else None
    if tag == "template" and parent is None:
        tmpl = _read_template(r, el)
        if tmpl is not None:
            _add(r, el, tmpl, out)
        return tmpl.id if tmpl else None
    if tag == "group" and parent in (None, "clone"):
        return _read_group(r, el, out)
    if tag in ("clone", "master") and parent is None:
        return _read_clone(r, el, out)
    if tag == "bundle" and parent is None:
        return _read_bundle(r, el, out)
    where = "inside a group" if parent == "group" else "inside a clone" if parent == "clone" else "here"
    r.error(el, f"unexpected <{tag}> where a resource is expected ({where})",
            hint="resources are <primitive>, <template>, <group>, <clone>, <master> or <bundle>; "
                 "groups hold primitives, clones hold one primitive or group, bundles one primitive")
    return None


def _read_agent(r: Reader, el: etree._Element) -> AgentRef | None:
    cls = el.get("class")
    rtype = el.get("type")
    if cls is None and rtype is None:
        return None
    if not cls:
        r.error(el, f"<{el.tag}> {el.get('id')!r} has a type but no class", "type",
                hint='add class="ocf" (with provider), "lsb", "systemd", "stonith", ...')
        return None
    if not rtype:
        r.error(el, f"<{el.tag}> {el.get('id')!r} has a class but no type", "class",
                hint="add type=\"...\" naming the resource agent")
        return None
    provider = el.get("provider")
    if cls.lower() == "ocf" and not provider:
        r.error(el, f"<{el.tag}> {el.get('id')!r}: an ocf resource needs a provider", "class",
                hint='add provider="heartbeat" (or pacemaker, linbit, ...)')
        return None
    return AgentRef(cls, rtype, provider)


def _check_children(r: Reader, el: etree._Element, allowed: tuple[str, ...]) -> None:
    for child in elements(el):
        if child.tag not in allowed:
            r.error(child, f"unexpected <{child.tag}> inside <{el.tag}> {el.get('id')!r}",
                    hint="allowed here: " + ", ".join(f"<{a}>" for a in allowed))


def _read_primitive(r: Reader, el: etree._Element) -> Primitive | None:
    rid = r.required(el, "id")
    r.known_attributes(el, ("id", "class", "provider", "type", "template", "description"))
    template = el.get("template")
    agent = _read_agent(r, el)
    if agent is None and template is None and el.get("class") is None and el.get("type") is None:
        r.error(el, f"<primitive> {rid!r} names neither an agent nor a template",
                hint='add class="..." provider="..." type="..." or template="..."')
    _check_children(r, el, _PRIMITIVE_CHILDREN)
    params = read_sets(r, el, "instance_attributes")
    meta = read_sets(r, el, "meta_attributes")
    utilization = read_sets(r, el, "utilization")
    ops, ops_id, ops_ref = _read_operations(r, el, rid or "")
    if rid is None:
        return None
    return Primitive(rid, agent, template=template, description=el.get("description"), params=params,
                     meta=meta, utilization=utilization, ops=ops, location=r.where(el), ops_id=ops_id, ops_ref=ops_ref)


def _read_template(r: Reader, el: etree._Element) -> Template | None:
    rid = r.required(el, "id")
    r.known_attributes(el, ("id", "class", "provider", "type", "description"))
    agent = _read_agent(r, el)
    if agent is None and el.get("class") is None:
        r.error(el, f"<template> {rid!r} names no agent", hint='add class="..." provider="..." type="..."')
    _check_children(r, el, _PRIMITIVE_CHILDREN)
    params = read_sets(r, el, "instance_attributes")
    meta = read_sets(r, el, "meta_attributes")
    utilization = read_sets(r, el, "utilization")
    ops, ops_id, ops_ref = _read_operations(r, el, rid or "")
    if rid is None or agent is None:
        return None
    return Template(rid, agent, description=el.get("description"), params=params, meta=meta,
                    utilization=utilization, ops=ops, location=r.where(el), ops_id=ops_id, ops_ref=ops_ref)


def _read_group(r: Reader, el: etree._Element, out: dict[str, Resource]) -> str | None:
    rid = r.required(el, "id")
    r.known_attributes(el, ("id", "description"))
    _check_children(r, el, ("instance_attributes", "meta_attributes", "primitive"))
    params = read_sets(r, el, "instance_attributes")
    meta = read_sets(r, el, "meta_attributes")
    members: list[str] = []
    children: dict[str, Resource] = {}
    for child in elements(el):
        if child.tag == "primitive":
            cid = _read_resource(r, child, children, parent="group")
            if cid is not None:
                members.append(cid)
    if not members and not any(c.tag == "primitive" for c in elements(el)):
        r.error(el, f"group {rid!r} has no members", hint="a group holds one or more <primitive> elements")
    if rid is None:
        return None
    _add(r, el, Group(rid, tuple(members), description=el.get("description"), params=params, meta=meta,
                      location=r.where(el)), out)
    for cid, rsc in children.items():
        if cid in out:
            r.error(el, f"resource id {cid!r} is defined twice", hint="every resource needs its own id")
        else:
            out[cid] = rsc
    return rid


def _read_clone(r: Reader, el: etree._Element, out: dict[str, Resource]) -> str | None:
    rid = r.required(el, "id")
    r.known_attributes(el, ("id", "description"))
    _check_children(r, el, ("instance_attributes", "meta_attributes", "primitive", "group"))
    params = read_sets(r, el, "instance_attributes")
    meta = read_sets(r, el, "meta_attributes")
    children: dict[str, Resource] = {}
    child_ids: list[str] = []
    for child in elements(el):
        if child.tag in ("primitive", "group"):
            cid = _read_resource(r, child, children, parent="clone")
            if cid is not None:
                child_ids.append(cid)
    n_children = sum(1 for c in elements(el) if c.tag in ("primitive", "group"))
    if n_children != 1:
        r.error(el, f"{el.tag} {rid!r} must contain exactly one primitive or group (found {n_children})",
                hint="clone one resource; to clone several, put them in a group first")
    if rid is None or len(child_ids) != 1:
        return None
    legacy = el.tag == "master"
    promotable = legacy or declares_promotable(meta)
    _add(r, el, Clone(rid, child_ids[0], promotable=promotable, legacy_master=legacy,
                      description=el.get("description"), params=params, meta=meta, location=r.where(el)), out)
    for cid, rsc in children.items():
        if cid in out:
            r.error(el, f"resource id {cid!r} is defined twice", hint="every resource needs its own id")
        else:
            out[cid] = rsc
    return rid


def _read_bundle(r: Reader, el: etree._Element, out: dict[str, Resource]) -> str | None:
    rid = r.required(el, "id")
    r.known_attributes(el, ("id", "description"))
    _check_children(r, el, BUNDLE_RUNTIMES + ("network", "storage", "primitive", "meta_attributes",
                                              "instance_attributes"))
    runtimes = [c for c in elements(el) if c.tag in BUNDLE_RUNTIMES]
    if len(runtimes) != 1:
        r.error(el, f"bundle {rid!r} must name exactly one container runtime (found {len(runtimes)})",
                hint="a bundle holds one <docker>, <podman> or <rkt> element with the image")
    network: tuple[tuple[str, str], ...] = ()
    ports: list[BundleMapping] = []
    storage: list[BundleMapping] = []
    children: dict[str, Resource] = {}
    primitive: str | None = None
    for child in elements(el):
        if child.tag == "network":
            network = _attributes(child)
            ports += _mappings(r, child, "port-mapping")
        elif child.tag == "storage":
            storage += _mappings(r, child, "storage-mapping")
        elif child.tag == "primitive":
            if primitive is not None:
                r.error(child, f"bundle {rid!r} holds more than one primitive", hint="a bundle runs one primitive")
                continue
            primitive = _read_resource(r, child, children, parent="bundle")
    if rid is None or len(runtimes) != 1:
        return None
    runtime = runtimes[0]
    if runtime.get("image") is None:
        r.required(runtime, "image")
    _add(r, el, Bundle(rid, str(runtime.tag), _attributes(runtime), network, tuple(ports), tuple(storage), primitive,
                       el.get("description"), read_sets(r, el, "instance_attributes"),
                       read_sets(r, el, "meta_attributes"), location=r.where(el)), out)
    for cid, rsc in children.items():
        if cid in out:
            r.error(el, f"resource id {cid!r} is defined twice", hint="every resource needs its own id")
        else:
            out[cid] = rsc
    return rid


def _attributes(el: etree._Element) -> tuple[tuple[str, str], ...]:
    return tuple((str(k), str(v)) for k, v in el.attrib.items())


def _mappings(r: Reader, el: etree._Element, tag: str) -> list[BundleMapping]:
    out = []
    for child in elements(el):
        if child.tag != tag:
            r.error(child, f"unexpected <{child.tag}> inside <{el.tag}>", hint=f"<{el.tag}> holds <{tag}> elements")
            continue
        mid = r.required(child, "id")
        if mid is not None:
            out.append(BundleMapping(mid, tuple((k, v) for k, v in _attributes(child) if k != "id"),
                                     location=r.where(child)))
    return out


def declares_promotable(meta: tuple[AttrSet, ...], rsc_defaults: tuple[AttrSet, ...] = ()) -> bool:
    """Pacemaker 2.1.5's detect_promotable: `promotable` in the clone's meta attributes, which
    rsc_defaults fill in (instance attributes do not count)."""
    value = merged(meta).get("promotable")
    if value is None:
        value = merged(rsc_defaults).get("promotable")
    return is_true(value)


# --- operations ----------------------------------------------------------------------------------

def _read_operations(r: Reader, el: etree._Element, rsc_id: str) -> tuple[tuple[Op, ...], str | None, str | None]:
    """The ops of a resource, the <operations> id, and the id it refers to (ops then are the referenced ones)."""
    ops: list[Op] = []
    ops_id = ops_ref = None
    for section in elements(el):
        if section.tag != "operations":
            continue
        ref = section.get("id-ref")
        if ref is not None and section.get("id") is None:
            target = r.ids.get(ref)
            if target is None or target.tag != "operations" or target.get("id-ref") is not None:
                r.error(section, f"<operations id-ref={ref!r}> refers to no operations", "id-ref",
                        hint="id-ref must name the id of an <operations> element of another resource")
                continue
            ops_ref, section = ref, target
        else:
            ops_id = section.get("id")
        for op_el in elements(section):
            if op_el.tag != "op":
                r.error(op_el, f"unexpected <{op_el.tag}> inside <operations> of {rsc_id!r}",
                        hint="operations holds <op> elements")
                continue
            op = _read_op(r, op_el)
            if op is not None:
                ops.append(op)
    if ops_ref is not None and ops_id is not None:
        r.error(el, f"{rsc_id!r} has operations of its own and refers to others",
                hint="keep one <operations> element: its own ops or an id-ref")
    return tuple(ops), ops_id, ops_ref


def _read_op(r: Reader, el: etree._Element) -> Op | None:
    oid = r.required(el, "id")
    name = r.required(el, "name")
    interval_text = el.get("interval")
    interval_ms = r.duration_ms(el, "interval", tolerance.INTERVAL) if interval_text is not None else 0
    timeout_text = el.get("timeout")
    timeout_ms = r.duration_ms(el, "timeout", tolerance.TIMEOUT) if timeout_text is not None else None
    # A text Pacemaker could not read (tolerated: its default is taken) is not written back.
    if interval_text is not None and not durations.is_duration(interval_text):
        interval_text = None
    if timeout_text is not None and not durations.is_duration(timeout_text):
        timeout_text = None
    role = r.role(el, "role")
    enabled = r.boolean(el, "enabled")
    _check_children(r, el, ("instance_attributes", "meta_attributes"))
    params = read_sets(r, el, "instance_attributes")
    meta = read_sets(r, el, "meta_attributes")
    attributes = tuple((str(k), str(v)) for k, v in el.attrib.items() if k not in _OP_TYPED)
    if oid is None or name is None or interval_ms is None or (timeout_text is not None and timeout_ms is None):
        return None
    return Op(oid, name, interval_ms=interval_ms, timeout_ms=timeout_ms, role=role, on_fail=el.get("on-fail"),
              enabled=True if enabled is None else enabled, attributes=attributes, params=params, meta=meta,
              interval_text=interval_text, timeout_text=timeout_text, location=r.where(el))
