"""The <alerts> section of a CIB <-> model alerts.

Owns <alert> with its instance and meta attributes, <select> (select_nodes,
select_fencing, select_resources, select_attributes with <attribute>
children) and <recipient> elements with their own attribute sets. An empty
<select> selects nothing more than no <select> (Pacemaker then sends every
event) and is read as none. Missing ids are made up as crmsh makes them.

Imports the model and the cib reader/id helpers only.
"""

from __future__ import annotations

from lxml import etree

from hastack.cib.ids import WriteContext
from hastack.cib.nvsets import read_sets, write_sets
from hastack.cib.source import Reader, elements
from hastack.model.alerts import SELECT_KINDS, Alert, AlertRecipient, SelectAttribute

_SETS = ("instance_attributes", "meta_attributes")


def read_alerts(r: Reader, section: etree._Element) -> tuple[Alert, ...]:
    out: list[Alert] = []
    for el in elements(section):
        if el.tag != "alert":
            r.error(el, f"unexpected <{el.tag}> inside <alerts>", hint="alerts holds <alert> elements")
            continue
        alert = _read_alert(r, el)
        if alert is not None:
            out.append(alert)
    return tuple(out)


def _read_alert(r: Reader, el: etree._Element) -> Alert | None:
    aid = r.required(el, "id")
    path = r.required(el, "path")
    r.known_attributes(el, ("id", "path", "description"))
    select: list[str] = []
    names: list[SelectAttribute] = []
    recipients: list[AlertRecipient] = []
    for child in elements(el):
        if child.tag == "select":
            _read_select(r, child, select, names)
        elif child.tag == "recipient":
            rec = _read_recipient(r, child)
            if rec is not None:
                recipients.append(rec)
        elif child.tag not in _SETS:
            r.error(child, f"unexpected <{child.tag}> inside <alert> {aid!r}",
                    hint="an alert holds instance_attributes, meta_attributes, select and recipient elements")
    if aid is None or path is None:
        return None
    return Alert(aid, path, el.get("description"), read_sets(r, el, "instance_attributes"),
                 read_sets(r, el, "meta_attributes"), tuple(select), tuple(names), tuple(recipients),
                 location=r.where(el))


def _read_select(r: Reader, el: etree._Element, select: list[str], names: list[SelectAttribute]) -> None:
    if select:
        r.error(el, "an alert has one <select>", hint="put every select_* element in one <select>")
        return
    for child in elements(el):
        kind = str(child.tag).removeprefix("select_")
        if not str(child.tag).startswith("select_") or kind not in SELECT_KINDS or kind in select:
            r.error(child, f"unexpected <{child.tag}> inside <select>",
                    hint="select holds select_nodes, select_fencing, select_resources and select_attributes, once each")
            continue
        select.append(kind)
        for attr in elements(child):
            if kind != "attributes" or attr.tag != "attribute":
                r.error(attr, f"unexpected <{attr.tag}> inside <{child.tag}>",
                        hint='select_attributes lists <attribute id="..." name="..."/>; the others are empty')
                continue
            aid, name = r.required(attr, "id"), r.required(attr, "name")
            if aid is not None and name is not None:
                names.append(SelectAttribute(aid, name))


def _read_recipient(r: Reader, el: etree._Element) -> AlertRecipient | None:
    rid = r.required(el, "id")
    value = r.required(el, "value")
    r.known_attributes(el, ("id", "value", "description"))
    for child in elements(el):
        if child.tag not in _SETS:
            r.error(child, f"unexpected <{child.tag}> inside <recipient> {rid!r}",
                    hint="a recipient holds instance_attributes and meta_attributes")
    if rid is None or value is None:
        return None
    return AlertRecipient(rid, value, el.get("description"), read_sets(r, el, "instance_attributes"),
                          read_sets(r, el, "meta_attributes"), location=r.where(el))


def write_alerts(parent: etree._Element, alerts: tuple[Alert, ...], ctx: WriteContext) -> None:
    section = etree.SubElement(parent, "alerts")
    for a in alerts:
        aid = ctx.ids.take(a.id, "alert", owner=True)
        el = etree.SubElement(section, "alert", id=aid, path=a.path)
        if a.description is not None:
            el.set("description", a.description)
        write_sets(el, "instance_attributes", a.attributes, ctx, aid)
        write_sets(el, "meta_attributes", a.meta, ctx, aid)
        if a.select:
            sel = etree.SubElement(el, "select")
            for kind in a.select:
                kel = etree.SubElement(sel, f"select_{kind}")
                if kind == "attributes":
                    for s in a.select_attributes:
                        etree.SubElement(kel, "attribute", id=ctx.ids.take(s.id, aid), name=s.name)
        for i, rec in enumerate(a.recipients):
            rid = ctx.ids.take(rec.id, f"{aid}-recipient-{i + 1}")
            rel = etree.SubElement(el, "recipient", id=rid, value=rec.value)
            if rec.description is not None:
                rel.set("description", rec.description)
            write_sets(rel, "instance_attributes", rec.attributes, ctx, rid)
            write_sets(rel, "meta_attributes", rec.meta, ctx, rid)
