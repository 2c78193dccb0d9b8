"""Fuzzing the importer: whatever the input, only HastackError subclasses come out.

Inputs are random bytes, random text, and real regression cases mutated the way
hand-edited or damaged CIBs go wrong (attributes deleted or given odd values,
elements dropped, duplicated, renamed or moved, the text truncated). When an
input is accepted, exporting it and importing the export must give it back.
"""

from __future__ import annotations

import os

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree

from hastack.cib import parse_cib, to_xml
from hastack.errors import HastackError
from testdata import PACEMAKER_CASES

CASES = sorted((PACEMAKER_CASES / "xml").glob("*.xml"))
# A spread of cases, each small enough to mutate quickly.
SOURCES = [p.read_bytes() for p in CASES[::9]]
ODD_VALUES = ["", " ", "0", "-1", "1", "yes", "no", "INFINITY", "+INFINITY", "-INFINITY", "inf", "1e9",
              "99999999999999999999", "10x", "PT", "P1D", "PT30S", "5min", "Master", "slave", "Bogus", "é",
              "a:b", "#uname", "id with space", "true", "FALSE", "start", "promote", "Optional", "mandatory"]
# HASTACK_FUZZ_EXAMPLES=5000 for a longer hunt; the default keeps the suite fast.
FUZZ = settings(max_examples=int(os.environ.get("HASTACK_FUZZ_EXAMPLES", "150")), deadline=None, suppress_health_check=[HealthCheck.too_slow])


def check(data: str | bytes) -> None:
    try:
        cib = parse_cib(data, "fuzz.xml")
    except HastackError as exc:
        assert exc.render()  # renders without failing
        return
    try:
        text = to_xml(cib.config, cib.state)
    except HastackError:
        return
    again = parse_cib(text, "export.xml")
    assert again.config == cib.config
    assert again.state == cib.state


@FUZZ
@given(st.binary(max_size=300))
def test_random_bytes(data: bytes) -> None:
    check(data)


@FUZZ
@given(st.text(alphabet=st.sampled_from(list("<>/=\"' abcdeiflmnoprstuvx-_:!?&;#\n")), max_size=200))
def test_random_markup(text: str) -> None:
    check("<cib>" + text)
    check(text)


@st.composite
def mutated_case(draw: st.DrawFn) -> bytes:
    root = etree.fromstring(draw(st.sampled_from(SOURCES)))
    all_elements = [e for e in root.iter() if isinstance(e.tag, str)]
    for _ in range(draw(st.integers(1, 4))):
        el = draw(st.sampled_from(all_elements))
        action = draw(st.sampled_from(["del-attr", "set-attr", "add-attr", "drop", "dup", "rename", "move"]))
        if action in ("del-attr", "set-attr") and el.attrib:
            name = draw(st.sampled_from(sorted(el.attrib.keys())))
            if action == "del-attr":
                del el.attrib[name]
            else:
                el.set(name, draw(st.sampled_from(ODD_VALUES)))
        elif action == "add-attr":
            el.set(draw(st.sampled_from(["id", "id-ref", "score", "role", "interval", "kind", "rsc", "value"])),
                   draw(st.sampled_from(ODD_VALUES)))
        elif action == "drop" and el.getparent() is not None:
            el.getparent().remove(el)
            all_elements = [e for e in root.iter() if isinstance(e.tag, str)]
        elif action == "dup" and el.getparent() is not None:
            el.addnext(etree.fromstring(etree.tostring(el)))
        elif action == "rename":
            el.tag = draw(st.sampled_from(["primitive", "group", "clone", "master", "rule", "nvpair", "op",
                                           "resource_set", "bogus", "expression", "date_expression"]))
        elif action == "move" and el.getparent() is not None:
            target = draw(st.sampled_from(all_elements))
            if el not in target.iterancestors() and target is not el:
                target.append(el)
    data = etree.tostring(root, xml_declaration=draw(st.booleans()), encoding="UTF-8")
    if draw(st.booleans()):
        at = draw(st.integers(0, len(data)))
        junk = draw(st.text(alphabet=st.sampled_from(list("<>/=\"' &;#x\u00e9\x00")), max_size=3))
        data = data[:at] + junk.encode() + data[at + draw(st.integers(0, 3)):]
    if draw(st.booleans()):
        data = data[: draw(st.integers(0, len(data)))]
    return data


@FUZZ
@given(mutated_case())
def test_mutated_cases_as_text(data: bytes) -> None:
    check(data.decode("utf-8", errors="replace"))


@FUZZ
@given(mutated_case())
def test_mutated_cases(data: bytes) -> None:
    check(data)


def check_running(data: bytes) -> None:
    """A running cluster's CIB (hastack simulate): what Pacemaker tolerates is read as its default, so the
    reading is a configuration a strict reading accepts as is (no tolerated value is written back)."""
    try:
        cib = parse_cib(data, "fuzz.xml", running=True)
    except HastackError as exc:
        assert exc.render()
        return
    try:
        strict = parse_cib(data, "fuzz.xml")
    except HastackError:
        strict = None
    if strict is not None:  # tolerance changes nothing that parses anyway
        assert strict.config == cib.config and len(cib.warnings) == len(strict.warnings)
    try:
        text = to_xml(cib.config, cib.state)
    except HastackError:
        return
    assert parse_cib(text, "export.xml").config == cib.config


@FUZZ
@given(mutated_case(), st.booleans())
def test_mutated_cases_read_as_a_running_cluster(data: bytes, unvalidated: bool) -> None:
    if unvalidated:  # values the schema refuses are tolerated only without validation
        data = data.replace(b'validate-with="pacemaker-', b'validate-with="none" x-was="', 1)
    check_running(data)

