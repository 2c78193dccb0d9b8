"""Attribute sets in CIB XML <-> model: instance_attributes, meta_attributes, utilization,
cluster_property_set, with their nvpairs, optional score and rule.

Owns Pacemaker's reading of a set: a set written as `id-ref` is the referenced set
(kept as a reference for export); an nvpair written as `id-ref` takes the name and
value of the referenced nvpair unless it gives its own (populate_hash), and is kept
as a reference (PairRef) for export; an nvpair keeps its id (PairId) when a
reference names it or when it is not the `<set>-<name>` the export would make up;
an nvpair without a value is ignored, as Pacemaker ignores it,
and kept by name (AttrSet.unset) for export. Writing gives the other nvpairs the
ids crmsh gives them: `<set>-<name>`.

Imports the model and the cib reader/id/rule helpers only.
"""

from __future__ import annotations

import re

from lxml import etree

from hastack.cib.ids import WriteContext, sanitize
from hastack.cib.rules import read_rule, write_rule
from hastack.cib.source import Reader, elements
from hastack.model import scores
from hastack.model.config import AttrSet, PairId, PairRef, Rule

SET_TAGS = ("instance_attributes", "meta_attributes", "utilization", "cluster_property_set")


def read_set(r: Reader, el: etree._Element, depth: int = 0) -> AttrSet | None:
    """One attribute set element; None after reporting an error."""
    ref = el.get("id-ref")
    if ref is not None and el.get("id") is None:
        target = r.ids.get(ref)
        if target is None or target.tag not in SET_TAGS or target.get("id-ref") is not None or depth > 0:
            r.error(el, f"<{el.tag} id-ref={ref!r}> refers to no attribute set", "id-ref",
                    hint="id-ref must name the id of an attribute set defined elsewhere")
            return None
        resolved = read_set(r.with_own_diagnostics(), target, depth + 1)  # its own place reports its problems
        if resolved is None:
            return None
        return AttrSet(resolved.id, resolved.pairs, resolved.score, resolved.rule, id_ref=ref,
                       location=r.where(el))
    sid = r.required(el, "id")
    r.known_attributes(el, ("id", "score"))
    score = r.score(el, "score")
    rule: Rule | None = None
    pairs: list[tuple[str, str]] = []
    pair_ids: list[PairId] = []
    pair_refs: list[PairRef] = []
    unset: list[str] = []
    for child in elements(el):
        if child.tag == "nvpair":
            _read_nvpair(r, child, sid or "", pairs, pair_ids, pair_refs, unset)
        elif child.tag == "rule":
            if rule is not None:
                r.error(child, f"<{el.tag}> {sid!r} has more than one <rule>",
                        hint="combine the conditions in one rule with boolean-op")
            rule = read_rule(r, child)
        else:
            r.error(child, f"unexpected <{child.tag}> inside <{el.tag}>",
                    hint="an attribute set contains <nvpair> elements and at most one <rule>")
    if sid is None:
        return None
    return AttrSet(sid, tuple(pairs), score=score, rule=rule, location=r.where(el), pair_ids=tuple(pair_ids),
                   pair_refs=tuple(pair_refs), unset=tuple(unset))


def _read_nvpair(r: Reader, el: etree._Element, sid: str, pairs: list[tuple[str, str]], pair_ids: list[PairId],
                 pair_refs: list[PairRef], unset: list[str]) -> None:
    r.known_attributes(el, ("id", "id-ref", "name", "value"))
    name = el.get("name")
    value = el.get("value")
    ref = el.get("id-ref")
    own_value = value is not None
    if ref is not None:
        target = r.ids.get(ref)
        if target is None or target.tag != "nvpair":
            r.error(el, f"<nvpair id-ref={ref!r}> refers to no nvpair", "id-ref",
                    hint="id-ref must name the id of an <nvpair> defined elsewhere")
            return
        renamed = name is not None and name != target.get("name")
        name = name if name is not None else target.get("name")
        value = value if value is not None else target.get("value")
        if name and value is not None and not own_value:
            pair_refs.append(PairRef(name, ref, renamed, location=r.where(el)))
    elif el.get("id") is None:
        r.error(el, "<nvpair> is missing the required attribute 'id'", hint='add id="..."')
    if name is None or name == "":
        r.error(el, "<nvpair> has no name", hint='add name="..."')
        return
    if value is None:
        r.warn(el, f"nvpair {name!r} has no value and is ignored (as Pacemaker ignores it)")
        if ref is None:
            unset.append(name)
        return
    pid = el.get("id")
    if pid and ref is None and (pid in r.referenced or not _made_up(pid, f"{sid}-{name}")):
        pair_ids.append(PairId(name, pid))  # an id of its own (not one the export makes up) is kept
    pairs.append((name, value))


def _made_up(pid: str, base: str) -> bool:
    """Whether pid is an id the export would make up from base (cib.ids.Ids.take)."""
    stem = sanitize(base)
    return pid == stem or re.fullmatch(re.escape(stem) + r"-\d+", pid) is not None


def read_sets(r: Reader, parent: etree._Element, tag: str) -> tuple[AttrSet, ...]:
    """All child sets of one kind under parent, in document order."""
    out = []
    for child in elements(parent):
        if child.tag == tag:
            s = read_set(r, child)
            if s is not None:
                out.append(s)
    return tuple(out)


def read_transient(r: Reader, el: etree._Element) -> dict[str, str]:
    """transient_attributes: its instance_attributes flattened, later values winning."""
    out: dict[str, str] = {}
    for child in elements(el):
        if child.tag != "instance_attributes":
            r.warn(child, f"unexpected <{child.tag}> inside <transient_attributes> is ignored")
            continue
        for nv in elements(child):
            if nv.tag != "nvpair":
                continue
            name, value = nv.get("name"), nv.get("value")
            if name and value is not None:
                out[name] = value
    return out


# --- writing ---------------------------------------------------------------------------------

def write_sets(parent: etree._Element, tag: str, sets: tuple[AttrSet, ...], ctx: WriteContext,
               owner: str) -> None:
    """Append one element per set; missing ids become `<owner>-<tag>` as crmsh names them."""
    for s in sets:
        write_set(parent, tag, s, ctx, f"{owner}-{tag}")


def write_set(parent: etree._Element, tag: str, s: AttrSet, ctx: WriteContext, base: str,
              extra: tuple[tuple[str, str], ...] = ()) -> None:
    if s.id_ref:
        etree.SubElement(parent, tag, {"id-ref": s.id_ref})
        return
    sid = ctx.ids.take(s.id, base)
    el = etree.SubElement(parent, tag, id=sid)
    if s.score is not None:
        el.set("score", scores.format(s.score))
    if s.rule is not None:
        write_rule(el, s.rule, ctx, sid)
    marks = s.marks() + [(None, None)] * len(extra)
    for (name, value), (pair_id, ref) in zip(s.pairs + extra, marks):
        if ref is not None:
            nv = etree.SubElement(el, "nvpair", {"id-ref": ref.ref})
            if ref.renamed:
                nv.set("name", name)
            continue
        etree.SubElement(el, "nvpair", id=ctx.ids.take(pair_id, f"{sid}-{name}"), name=name, value=value)
    for name in s.unset:
        etree.SubElement(el, "nvpair", id=ctx.ids.fresh(f"{sid}-{name}"), name=name)
