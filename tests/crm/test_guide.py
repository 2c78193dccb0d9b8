"""The OpenStack HA Guide's crm snippets as acceptance input.

Each verbatim snippet is checked the way an operator meets it: pasted after
the (fixed) snippets that come before it in the Guide. It must give exactly
the errors it really has, located in the snippet, with the specific hint.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

from hastack.cli.demo import fixed_sections
from hastack.crm import parse, render
from hastack.errors import ConfigError, Diagnostic, Severity
from hastack.validate import check_crm_sources, check_crm_text
from testdata import GUIDE_TEXT

DATA = Path(__file__).resolve().parents[1] / "data" / "guide"
PACKAGE = Path(__file__).resolve().parents[2] / "src" / "hastack" / "examples"
SNIPPETS = sorted(p.name for p in DATA.glob("[0-9][0-9]-*.crm"))
FIXED = (DATA / "guide-fixed.crm").read_text()


def errors_in_context(name: str) -> list[Diagnostic]:
    sections = fixed_sections(FIXED)
    order = [k for k in sections if k != "header"]
    before = "".join(sections[k] for k in order[:order.index(name[:-4])])
    result = check_crm_sources([(before, "fixed.crm"), ((DATA / name).read_text(), name)])
    assert all(d.location is None or d.location.file == name for d in result.errors), "context must be clean"
    return result.errors


def where(d: Diagnostic) -> tuple[int, int]:
    assert d.location is not None
    return d.location.line, d.location.column


def test_fourteen_snippets_extracted() -> None:
    assert len(SNIPPETS) == 14
    text = GUIDE_TEXT.read_text()
    for name in SNIPPETS:
        assert (DATA / name).read_text().rstrip("\n") in text, f"{name} is not verbatim"


def test_shipped_examples_match_test_data() -> None:
    assert (PACKAGE / "guide.crm").read_text() == FIXED
    for name in SNIPPETS:
        assert (PACKAGE / "guide-verbatim" / name).read_text() == (DATA / name).read_text()


def test_property_block_callouts() -> None:
    errors = errors_in_context("01-property.crm")
    assert [where(d) for d in errors] == [(1, 36), (2, 27), (5, 33)]
    assert "backslash is not the last character on its line" in errors[0].message
    assert "callout" in errors[0].hint and "callout" in errors[1].hint
    assert "`#` starts a comment only at the beginning of a line" in errors[2].message


def test_mysql_params_without_backslash() -> None:
    [d] = errors_in_context("02-mysql-drbd.crm")
    assert where(d) == (21, 60)
    assert "line 21 does not end with a backslash, so line 22 starts a new statement" in d.message
    assert "config=" in d.message and "end line 21 with ` \\`" in d.hint and "p_mysql" in d.hint


def test_rabbitmq_vip_typo() -> None:
    [d] = errors_in_context("03-rabbitmq-drbd.crm")
    assert where(d) == (23, 18)
    assert "g_rabbitmq refers to 'p_ip_rabbitmq', which is not defined" in d.message
    assert "did you mean 'p_ip_rabbitmp'?" in d.hint


@pytest.mark.parametrize("name", [s for s in SNIPPETS if s[:2] in ("04", "05", "06", "07", "08", "09", "11", "12", "13")])
def test_snippets_without_crm_level_errors(name: str) -> None:
    # 12 and 13 name an agent / a parameter that does not exist: only agent meta-data can tell.
    assert errors_in_context(name) == []


def test_glance_registry_never_defined() -> None:
    [d] = errors_in_context("10-g_services_api.crm")
    assert where(d) == (2, 18)
    assert "g_services_api refers to 'p_glance-registry', which is not defined" in d.message
    assert "did you mean" not in d.hint and "remove it from the group" in d.hint


def test_metadata_agent_underscore() -> None:
    [d] = errors_in_context("14-g_services_network.crm")
    assert where(d) == (2, 1)
    assert "'p_neutron-metadata_agent', which is not defined" in d.message
    assert "did you mean 'p_neutron-metadata-agent'?" in d.hint


def test_whole_verbatim_guide_pasted_at_once() -> None:
    text = "".join((DATA / n).read_text() for n in SNIPPETS)
    with pytest.raises(ConfigError) as err:
        parse(text, "guide.crm")
    assert len(err.value.errors) == 4  # 3 callout/stray-# lines + the missing backslash
    # verify runs the semantic checks on what did parse: one run shows all of the Guide's crm errors
    found = check_crm_text(text, "guide.crm").errors
    assert [(d.location.line, d.location.column) for d in found if d.location] == [
        (1, 36), (2, 27), (5, 33), (26, 60), (61, 18), (87, 18), (101, 1)]
    assert "did you mean 'p_ip_rabbitmp'?" in found[4].hint
    assert "did you mean 'p_neutron-metadata-agent'?" in found[6].hint


def test_a_failed_statement_is_not_reported_again_as_undefined() -> None:
    found = check_crm_text("primtive p_x Dummy\nprimitive p_y Dummy op monitor interval=x\ngroup g p_x p_y p_z\n").errors
    assert [d.message.split(",")[0] for d in found] == [
        "unknown command 'primtive'", "interval: invalid duration 'x'", "group g refers to 'p_z'"]


def test_fixed_guide_loads_cleanly_with_the_expected_warnings() -> None:
    result = check_crm_text(FIXED, "guide-fixed.crm")
    assert result.ok and result.config is not None
    warnings = [d.message for d in result.diagnostics if d.severity is Severity.WARNING]
    assert len(warnings) == 3
    assert "no-quorum-policy=ignore in a 2-node cluster" in warnings[0]
    assert all('"ms" is deprecated' in w for w in warnings[1:])
    assert len(result.config.resources) == 23 and len(result.config.constraints) == 4


def test_fixed_guide_show_reparses_identically() -> None:
    config = parse(FIXED).config
    shown = render(config)
    again = parse(shown, "shown.crm").config
    assert again == config and render(again) == shown


def _cib():  # type: ignore[no-untyped-def]
    import hastack.cib
    return hastack.cib


def test_fixed_guide_xml_export_passes_crm_verify_and_crm_simulate() -> None:
    cib = _cib()
    config = parse(FIXED).config
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "guide.xml")
        Path(path).write_text(cib.to_xml(config))
        env = dict(os.environ, CIB_shadow_dir=tmp, LC_ALL="C")
        verify = subprocess.run(["crm_verify", "--xml-file", path, "-V"], capture_output=True, text=True, env=env,
                                timeout=60)
        assert verify.returncode == 0, verify.stdout + verify.stderr
        assert "error" not in (verify.stdout + verify.stderr).lower()
        sim = subprocess.run(["crm_simulate", "-x", path, "-S", "-u", "node1", "-u", "node2"], capture_output=True,
                             text=True, env=env, timeout=60)
        assert sim.returncode == 0, sim.stderr
        assert "Start      p_api-ip" in sim.stdout and "Start      p_drbd_mysql:0" in sim.stdout


def test_fixed_guide_survives_cib_xml_round_trip() -> None:
    cib = _cib()
    from hastack.crm import canonical
    config = parse(FIXED).config
    back = cib.parse_cib(cib.to_xml(config).encode(), "guide.xml").config
    assert canonical(back) == config
