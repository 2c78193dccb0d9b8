"""What crmsh or crm_verify refuse is refused, located, with the culprit named and a fix (issue 13 item 3).

Each kind of mistake once, at its file:line:column; the ones that were already refused
before (duplicate node ids, a dangling and/or, attributes a set or constraint does not have)
are pinned here too, so that the list in the README stays true.
"""

from __future__ import annotations

from collections.abc import Mapping

import pytest
from click.testing import CliRunner

from hastack.cli.main import cli
from hastack.errors import Diagnostic
from hastack.model.values import AgentRef
from hastack.validate import check_crm_text

HEAD = "primitive a Dummy\nprimitive b Dummy\nproperty stonith-enabled=false\n"  # lines 1-3


def refused(text: str, catalog: object = None) -> Diagnostic:
    result = check_crm_text(HEAD + text, "r.crm", catalog)  # type: ignore[arg-type]
    assert not result.ok, [d.render() for d in result.diagnostics]
    [d] = result.errors
    return d


def where(d: Diagnostic) -> str:
    return str(d.location)


# (text after HEAD, line:column, the message names, the hint says)
CASES = [
    ("node 1: n1\nnode 1: n2\n", "r.crm:5:6", "duplicate id '1'", "must be unique"),
    ("node n1\nnode $id=x n1\n", "r.crm:5:12", "duplicate node name 'n1'", "delete one of them"),
    ("primitive p Dummy meta target-role=Strated\n", "r.crm:4:24", "'Strated' is not a valid target-role",
     "did you mean 'Started'?"),
    ("primitive p Dummy meta is-managed=maybe\n", "r.crm:4:24", "'maybe' is not a valid is-managed (Pacemaker reads "
     "it as false)", "write true or false"),
    ("rsc_defaults multiple-active=stop\n", "r.crm:4:30", "'stop' is not a valid multiple-active",
     "use one of block, stop_only"),
    ("clone c a meta clone-max=two\n", "r.crm:4:16", "'two' is not a valid clone-max", "whole number"),
    ("primitive p Dummy meta failure-timeout=5x\n", "r.crm:4:24", "'5x' is not a valid failure-timeout", "unit"),
    # cluster options: crm_verify's "Using default value for cluster option ... because ... is invalid"
    ("property p2: stonith-enabled=perhaps\n", "r.crm:4:14", "invalid stonith-enabled 'perhaps': Pacemaker uses the "
     "default, stonith-enabled=true", "write true or false"),
    ("property p2: no-quorum-policy=die\n", "r.crm:4:14", "invalid no-quorum-policy 'die'", "use one of stop, freeze"),
    ("property p2: stonith-action=Off\n", "r.crm:4:14", "invalid stonith-action 'Off'", "did you mean 'off'?"),
    ("property p2: stonith-timeout=abc\n", "r.crm:4:14", "stonith-timeout=60s", "a number with a unit"),
    ("property p2: batch-limit=many\n", "r.crm:4:14", "invalid batch-limit 'many'", "whole number"),
    ("property p2: node-health-strategy=migrate-on-rde\n", "r.crm:4:14", "node-health-strategy=none",
     "did you mean 'migrate-on-red'?"),
    ("location l a rule 100: #uname eq n1 and\n", "r.crm:4:37", "dangling `and`: no expression follows it",
     "or delete the `and`"),
    ("location l a rule 100: #uname eq n1 or\n", "r.crm:4:37", "dangling `or`: no expression follows it",
     "`or #uname eq node2`"),
    ("location l a rule 100: and #uname eq n1\n", "r.crm:4:24", "dangling `and`: no expression comes before it",
     "write the first one before it"),
    ("primitive p Dummy params rule #uname eq n1 and ip=1\n", "r.crm:4:44", "dangling `and`", ""),
    ("location l a rule 100: #uname eq n1 or rule -inf: #uname eq n2\n", "r.crm:4:37", "dangling `or`", ""),
    ("location l a rule 100: date spec hour=9-17\n", "r.crm:4:34", "unknown date spec field 'hour'",
     "did you mean 'hours'?"),
    ("location l a rule 100: date in strat=2024-01-01 years=1\n", "r.crm:4:32", "unknown date range field 'strat'",
     "did you mean 'start'?"),
    # a later field misspelt: the spec ends there, and the location ends where it cannot
    ("location l a rule 100: date spec hours=9-17 weekday=1-5\n", "r.crm:4:45", "unknown date field 'weekday'",
     "did you mean 'weekdays'?"),
    ("location l a rule 100: date in start=2024-01-01 ennd=2025-01-01\n", "r.crm:4:49", "unknown date field 'ennd'",
     "did you mean 'end'?"),
    ("location l a rule 100: date spec hours=9-17 zzzz=1\n", "r.crm:4:45", "unexpected 'zzzz=1'",
     "another `rule`"),
    ("order o Mandatory: ( a b ) foo=bar\n", "r.crm:4:28", "unexpected 'foo=bar'", ""),
    ("colocation c inf: ( a b sequential=false bogus=1 )\n", "r.crm:4:42", "unknown resource set attribute 'bogus'",
     ""),
    ("colocation c inf: a b symmetrical=true\n", "r.crm:4:23", "unexpected 'symmetrical=true'", ""),
    ("primitive p Dummy op monitor OCF_CHECK_LEVEL=10 interval=10s\n", "r.crm:4:49",
     "the op attribute interval= comes after the instance attribute OCF_CHECK_LEVEL=", "write interval= before"),
    ('primitive p Dummy params x="1"\\\n  op monitor interval=10s\n', "r.crm:4:31",
     "no space before the line-continuation backslash", "put a space before the backslash"),
    # (found by the fuzzer: it rendered as an op named "monitorinterval=30s", which did not parse back)
    ('primitive p Dummy op monitor\\interval="30s"\n', "r.crm:4:22", "`monitorinterval=30s` is not an operation name",
     "put a space between the name and its attributes"),
]


@pytest.mark.parametrize("text,at,message,hint", CASES, ids=[c[2][:40] for c in CASES])
def test_refused_with_location_culprit_and_fix(text: str, at: str, message: str, hint: str) -> None:
    d = refused(text)
    assert where(d) == at and message in d.message and hint in d.hint, d.render()


@pytest.mark.parametrize("text", [
    "primitive p Dummy meta target-role=promoted is-managed=default\n",
    "primitive p Dummy meta target-role=Stopped is-managed=no maintenance=on multiple-active=stop_start\n",
    "rsc_defaults resource-stickiness=inf migration-threshold=3 failure-timeout=60s requires=fencing\n",
    "primitive p Dummy op monitor interval=10s OCF_CHECK_LEVEL=10\n",
    "primitive p Dummy params x=1 \\\n  op monitor interval=10s\n",
    "node 1: n1\nnode 2: n2\n",
    # after a spec in an nvpair set's rule, name=value is the set's first pair (as crmsh reads it)
    "primitive p Dummy params rule 10: date spec hours=9-16 weekday=1-5\n",
    "location l a rule 100: date spec hours=9-17 weekdays=1-5 rule -inf: #uname eq n1\n",
    # what Pacemaker's validators accept: any case for a select, a leading integer, the controller's options unchecked
    "property p2: no-quorum-policy=Freeze placement-strategy=Balanced batch-limit=5x migration-limit=INFINITY "
    "node-health-red=-INFINITY stonith-timeout=PT1M cluster-recheck-interval=15x stonith-action=poweroff\n",
])
def test_their_valid_neighbours_pass(text: str) -> None:
    result = check_crm_text(HEAD + text, "r.crm")
    assert result.errors == [], [d.render() for d in result.errors]


class Installed:
    def ocf_providers(self) -> list[str] | None:
        return ["heartbeat"]

    def types(self, cls: str, provider: str | None) -> list[str] | None:
        return ["IPaddr2", "Dummy"] if (cls, provider) == ("ocf", "heartbeat") else None

    def check_params(self, agent: AgentRef, params: Mapping[str, str]) -> list[Diagnostic] | None:
        return None


def test_agent_differing_only_in_case_is_refused() -> None:
    d = refused("primitive vip ocf:heartbeat:IPAddr2 params ip=10.0.0.1\n", Installed())
    assert where(d) == "r.crm:4:15"
    assert d.message == ("vip: resource agent ocf:heartbeat:IPAddr2 is not installed; ocf:heartbeat:IPaddr2 is "
                         "(agent names are case-sensitive)")
    assert d.hint == "did you mean 'IPaddr2'? write ocf:heartbeat:IPaddr2"
    # a name that is not installed in any case stays a warning (the file may be for other machines)
    result = check_crm_text(HEAD + "primitive vip ocf:heartbeat:IPaddr3\n", "r.crm", Installed())  # type: ignore[arg-type]
    assert result.ok and any("is not installed on this machine" in w.message for w in result.warnings)


def test_configure_load_refuses_and_changes_nothing(tmp_path: object, monkeypatch: pytest.MonkeyPatch) -> None:
    from pathlib import Path

    base = Path(str(tmp_path))
    monkeypatch.setenv("HASTACK_STATE_DIR", str(base / "state"))
    good = base / "good.crm"
    good.write_text(HEAD)
    assert CliRunner().invoke(cli, ["configure", "load", "--no-agents", "replace", str(good)]).exit_code == 0
    bad = base / "bad.crm"
    bad.write_text(HEAD + "primitive p Dummy meta target-role=Strated\n")
    r = CliRunner().invoke(cli, ["configure", "load", "--no-agents", "update", str(bad)])
    assert r.exit_code == 1 and "Traceback" not in r.output
    assert f"{bad}:4:24: error: p: 'Strated' is not a valid target-role" in r.output
    assert "did you mean 'Started'?" in r.output and "nothing was changed" in r.output
    shown = CliRunner().invoke(cli, ["configure", "show"])
    assert "primitive p " not in shown.output and "primitive a " in shown.output
