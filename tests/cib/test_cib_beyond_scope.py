"""The regression cases with bundles, alerts and shared operations: read, written and shown.

Every case of tests/data/pacemaker/cases-extended that has a <bundle>, an <alert>
or an <operations id-ref> (and nothing else hastack cannot read) imports;
import -> export -> import is the identity and the export a fixed point; the
crm text of the configuration parses back to it (up to what crm cannot spell:
see tests/crm/test_pacemaker_cases.py, and the ids of fencing levels and
location resource sets); crm_verify says the same about the export as about
the original; and the scheduler places every replica's container.
"""

from __future__ import annotations

import dataclasses
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from hastack.cib import load_cib_file, parse_cib, to_xml
from hastack.crm import canonical, parse, render
from hastack.errors import ConfigError, HastackError
from hastack.model import Bundle, Configuration, FencingLevel, Location
from hastack.scheduler import schedule
from testdata import PACEMAKER_CASES_EXTENDED

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "crm"))
from crm_spellable import spellable  # noqa: E402  (what crm text cannot spell, normalised away)

FEATURES = ("<bundle", "<alert ", "operations id-ref", "<acl_")


def _readable(path: Path) -> bool:
    text = path.read_text()
    if not any(f in text for f in FEATURES):
        return False
    try:
        load_cib_file(path)
    except ConfigError:  # needs something else (tickets in the status, ...)
        return False
    return True


CASES = [p for p in sorted((PACEMAKER_CASES_EXTENDED / "xml").glob("*.xml")) if _readable(p)]
BUNDLES = [p for p in CASES if "<bundle" in p.read_text()]


def test_there_are_such_cases() -> None:
    assert len(CASES) >= 40 and len(BUNDLES) >= 20


@pytest.mark.parametrize("path", CASES, ids=lambda p: p.stem)
def test_import_export_import_is_the_identity(path: Path) -> None:
    cib = load_cib_file(path)
    text = to_xml(cib.config, cib.state)
    again = parse_cib(text, "export.xml")
    assert again.config == cib.config and again.state == cib.state
    assert to_xml(again.config, again.state) == text


def _crm_spellable(config: Configuration) -> tuple[object, ...]:
    """What crm text keeps of a configuration: see the module docstring."""
    def fix(x: object) -> object:
        if isinstance(x, FencingLevel):
            return dataclasses.replace(x, id="-")
        if isinstance(x, Location):
            return dataclasses.replace(x, sets=tuple(dataclasses.replace(s, id="-") for s in x.sets))
        return x
    fields = [getattr(config, f.name) for f in dataclasses.fields(config)]
    fields[1] = tuple(config.resources.items())
    return tuple(spellable(tuple(fix(x) for x in f)) for f in fields)


@pytest.mark.parametrize("path", CASES, ids=lambda p: p.stem)
def test_the_crm_text_reads_back(path: Path) -> None:
    config = canonical(load_cib_file(path).config)
    try:
        text = render(config)
    except HastackError as err:  # a rule nested in a rule: crm cannot spell it (nor can crmsh)
        assert "nested rule" in str(err)
        return
    if any(n.id in config.resources for n in config.nodes):  # a remote node named as its connection
        pytest.skip("crm text here keeps node and resource ids in one namespace")
    assert _crm_spellable(parse(text, path.name).config) == _crm_spellable(config)


CRM_VERIFY = shutil.which("crm_verify") or "/usr/sbin/crm_verify"


@pytest.mark.skipif(not os.path.exists(CRM_VERIFY), reason="Pacemaker's crm_verify is not installed")
@pytest.mark.parametrize("path", BUNDLES[::4], ids=lambda p: p.stem)
def test_crm_verify_says_the_same_about_the_export(path: Path, tmp_path: Path) -> None:
    def verify(file: Path) -> tuple[int, str]:
        proc = subprocess.run([CRM_VERIFY, "-V", "--xml-file", str(file)], capture_output=True, text=True, timeout=30,
                              env=dict(os.environ, LC_ALL="C", CIB_shadow_dir=str(tmp_path)))
        return proc.returncode, (proc.stdout + proc.stderr).replace(str(file), "<file>")

    cib = load_cib_file(path)
    exported = tmp_path / path.name
    exported.write_text(to_xml(cib.config, cib.state))
    assert verify(exported) == verify(path)


@pytest.mark.parametrize("path", BUNDLES[:3], ids=lambda p: p.stem)
def test_the_scheduler_places_each_bundle_replica(path: Path) -> None:
    cib = load_cib_file(path)
    bundles = [r for r in cib.config.resources.values() if isinstance(r, Bundle)]
    t = schedule(cib.config, cib.state, 1_700_000_000)
    for b in bundles:
        replicas = int(b.option("replicas") or b.option("promoted-max") or 1)
        containers = [f"{b.id}-{b.runtime}-{i}" for i in range(replicas)]
        assert all(c in t.placement for c in containers), (b.id, sorted(t.placement))
        assert f"{b.id}-{b.runtime}-{replicas}" not in t.placement
