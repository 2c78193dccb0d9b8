"""hastack's CIB export of crm text is what crmsh 4.6.2 writes for the same text.

tests/data/crmsh/forms.xml is crmsh's own output for forms.crm (see the README
there). The comparison is element by element, in document order within each
object (the nvpairs of a set as a sorted list: hastack writes the names without
a value last), with the top-level objects of each section matched by id; the
ids of nested objects are aside (each side makes them up: crmsh counts
differently for rule expressions), and so are attributes that only spell a
default.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest
from lxml import etree

from hastack.cib import parse_cib, to_xml
from hastack.crm import canonical, parse, render
from hastack.model import durations

DATA = Path(__file__).resolve().parents[1] / "data" / "crmsh"
# Elements whose id is the object's name (or a reference to one): compared.
NAMED = {"node", "primitive", "template", "group", "clone", "master", "bundle", "rsc_location", "rsc_colocation",
         "rsc_order", "rsc_ticket", "tag", "acl_role", "acl_target", "acl_group", "alert", "resource_ref",
         "obj_ref", "role"}
DEFAULTS = {("resource_set", "sequential", "true"), ("resource_set", "require-all", "true"),
            ("rule", "boolean-op", "and"), ("expression", "type", "string"), ("node", "type", "member")}


def shape(el: etree._Element) -> tuple[object, ...]:
    attrs = []
    for k, v in sorted(el.attrib.items()):
        if (k == "id" and el.tag not in NAMED) or (el.tag, k, v) in DEFAULTS:
            continue
        if k in ("interval", "timeout") and el.tag == "op":
            v = str(durations.parse_ms(v))
        if k == "score" and v == "+INFINITY":
            v = "INFINITY"
        attrs.append((k, v))
    if el.tag == "op" and "interval" not in el.attrib:
        attrs = sorted(attrs + [("interval", "0")])
    children = [shape(c) for c in el]
    nvpairs = sorted(c for c in children if c[0] == "nvpair")  # (a name without a value comes last here)
    return (el.tag, tuple(attrs), tuple([c for c in children if c[0] != "nvpair"] + nvpairs))


def sections(xml: etree._Element) -> dict[str, dict[str, tuple[object, ...]]]:
    """section -> the shape of each top-level object, by id (or by position when it has none)."""
    out: dict[str, dict[str, tuple[object, ...]]] = {}
    for section in xml:
        objects = section if section.tag in ("crm_config", "nodes", "resources", "constraints", "acls",
                                             "alerts") else [section]
        out[str(section.tag)] = {el.get("id") or f"#{i}": shape(el) for i, el in enumerate(objects)}
    return out


@pytest.fixture(scope="module")
def ours() -> etree._Element:
    config = parse((DATA / "forms.crm").read_text(), "forms.crm").config
    return etree.fromstring(to_xml(config).encode()).find("configuration")


@pytest.fixture(scope="module")
def crmsh() -> etree._Element:
    return etree.fromstring((DATA / "forms.xml").read_bytes())


def test_the_same_sections(ours: etree._Element, crmsh: etree._Element) -> None:
    assert sorted(sections(ours)) == sorted(sections(crmsh))


@pytest.mark.parametrize("section", ["crm_config", "nodes", "resources", "constraints", "rsc_defaults", "acls",
                                     "alerts"])
def test_each_object_as_crmsh_writes_it(section: str, ours: etree._Element, crmsh: etree._Element) -> None:
    mine, theirs = sections(ours)[section], sections(crmsh)[section]
    assert sorted(mine) == sorted(theirs)
    for key in theirs:
        assert mine[key] == theirs[key], key


def test_the_export_reads_back_and_renders_the_same_text() -> None:
    text = (DATA / "forms.crm").read_text()
    config = parse(text, "forms.crm").config
    again = parse_cib(to_xml(config))
    assert canonical(again.config) == config
    assert parse(render(config)).config == config


CRM_VERIFY = shutil.which("crm_verify") or "/usr/sbin/crm_verify"


@pytest.mark.skipif(not os.path.exists(CRM_VERIFY), reason="Pacemaker's crm_verify is not installed")
def test_pacemaker_accepts_the_export(tmp_path: Path) -> None:
    config = parse((DATA / "forms.crm").read_text(), "forms.crm").config
    (tmp_path / "forms.xml").write_text(to_xml(config))
    proc = subprocess.run([CRM_VERIFY, "-V", "--xml-file", str(tmp_path / "forms.xml")], capture_output=True,
                          text=True, timeout=30, env=dict(os.environ, LC_ALL="C", CIB_shadow_dir=str(tmp_path)))
    assert (proc.returncode, proc.stdout + proc.stderr) == (0, "")
