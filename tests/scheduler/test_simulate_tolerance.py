"""A running cluster's CIB with values Pacemaker tolerates: `hastack simulate` warns and decides as
crm_simulate does; `hastack configure load xml` refuses the same values (issue 13 item 4)."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from hastack.cli.main import cli
from oracle import crm_simulate, transition_summary

CIB = """<cib validate-with="{schema}" epoch="1" num_updates="1" admin_epoch="0" have-quorum="1">
  <configuration>
    <crm_config>
      <cluster_property_set id="opts">
        <nvpair id="opts-stonith-enabled" name="stonith-enabled" value="false"/><nvpair id="opts-{option}" name="{option}" value="{setting}"/>
      </cluster_property_set>
    </crm_config>
    <nodes>
      <node id="1" uname="node1"/>
      <node id="2" uname="node2"/>
    </nodes>
    <resources>
      <primitive id="a" class="ocf" provider="pacemaker" type="Dummy">
        <operations>
          <op id="a-monitor" name="monitor" interval="{interval}" timeout="{timeout}"/>
        </operations>
      </primitive>
      <primitive id="b" class="ocf" provider="pacemaker" type="Dummy">
        <meta_attributes id="b-meta">
          <nvpair id="b-meta-{meta}" name="{meta}" value="{value}"/>
        </meta_attributes>
      </primitive>
    </resources>
    <constraints>
      <rsc_location id="loc" rsc="a" node="node2" score="{score}"/>
      <rsc_order id="ord" first="a" then="b" kind="{kind}"/>
      <rsc_colocation id="col" rsc="b" with-rsc="a" score="{colocation}"/>
    </constraints>
  </configuration>
  <status>
    <node_state id="1" uname="node1" in_ccm="true" crmd="online" join="member" expected="member"/>
    <node_state id="2" uname="node2" in_ccm="true" crmd="online" join="member" expected="member"/>
  </status>
</cib>
"""
GOOD = dict(schema="pacemaker-3.9", interval="10s", timeout="20s", score="100", kind="Mandatory",
            colocation="INFINITY", meta="priority", value="0", option="placement-strategy", setting="default")

# (what is malformed, the attribute's line:column in CIB, what Pacemaker does); "none": the schema would
# refuse the value, so only a CIB that is not validated carries it to the scheduler.
TOLERATED = [
    (dict(interval="10x"), "15:45", "uses interval 0"),
    (dict(timeout="abc"), "15:60", "uses the default timeout, 20s"),
    (dict(schema="none", kind="Bogus"), "26:46", "resets it to Mandatory"),
    (dict(schema="none", score="bogus"), "25:51", "or 0 when there is none"),
    (dict(schema="none", score="50abc"), "25:51", "reads the leading integer"),
    (dict(schema="none", colocation="infinityy"), "27:53", "or 0 when there is none"),
    # meta attributes: any text for the schema; checked when a configuration is loaded, not by the CIB reader
    (dict(meta="is-managed", value="maybe"), "20:67", "Pacemaker reads it as false"),
    (dict(meta="target-role", value="Strated"), "20:69", "Pacemaker ignores it"),
    # cluster options: any text for the schema; Pacemaker's scheduler uses the option's default
    (dict(option="symmetric-cluster", setting="nope"), "5:123", "uses the default, symmetric-cluster=true"),
    (dict(option="no-quorum-policy", setting="die"), "5:122", "uses the default, no-quorum-policy=stop"),
    (dict(option="stonith-action", setting="Off"), "5:120", "uses the default, stonith-action=reboot"),
    (dict(option="placement-strategy", setting="fastest"), "5:124", "uses the default, placement-strategy=default"),
]


def write(tmp_path: Path, **changes: str) -> Path:
    path = tmp_path / "cib.xml"
    path.write_text(CIB.format(**{**GOOD, **changes}))
    return path


def simulate(path: Path) -> tuple[int, str, str]:
    r = CliRunner().invoke(cli, ["simulate", str(path)])
    assert r.exception is None or isinstance(r.exception, SystemExit), repr(r.exception)
    return r.exit_code, r.stdout, r.stderr


def summary(out: str) -> list[str]:
    block = out.split("Transition Summary:\n", 1)[1]
    return [line[4:] for line in block.splitlines() if line.startswith("  * ")]


@pytest.mark.skipif(crm_simulate() is None, reason="crm_simulate not installed")
@pytest.mark.parametrize("changes,where,says", TOLERATED, ids=[next(iter(c.values())) if len(c) == 1 else
                                                                   "-".join(c.values()) for c, _, _ in TOLERATED])
def test_simulate_warns_and_decides_as_crm_simulate(tmp_path: Path, changes: dict[str, str], where: str,
                                                    says: str) -> None:
    path = write(tmp_path, **changes)
    code, out, err = simulate(path)
    assert code == 0, err
    assert f"{path}:{where}: warning: " in err and says in err and "Traceback" not in err
    assert "a new configuration with this value is refused" in err
    assert summary(out) == transition_summary(path)


@pytest.mark.skipif(crm_simulate() is None, reason="crm_simulate not installed")
@pytest.mark.parametrize("score,node", [("7x", "node2"), ("bogus", "node1")])
def test_a_rule_score_word_is_read_as_char2score_reads_it(tmp_path: Path, score: str, node: str) -> None:
    path = write(tmp_path, schema="none")
    rule = (f'<rsc_location id="loc" rsc="a"><rule id="loc-r" score="{score}"><expression id="loc-e" '
            'attribute="#uname" operation="eq" value="node2"/></rule></rsc_location>')
    path.write_text(path.read_text().replace('<rsc_location id="loc" rsc="a" node="node2" score="100"/>', rule))
    code, out, err = simulate(path)
    assert code == 0 and f"{path}:25:55: warning: <rule> attribute score: invalid score {score!r}" in err
    assert summary(out) == transition_summary(path) == [f"Start a ({node})", f"Start b ({node})"]


@pytest.mark.skipif(crm_simulate() is None, reason="crm_simulate not installed")
def test_a_boolean_op_other_than_or_is_and(tmp_path: Path) -> None:
    path = write(tmp_path, schema="none")
    rule = ('<rsc_location id="loc" rsc="a"><rule id="loc-r" score="-INFINITY" boolean-op="xor">'
            '<expression id="loc-e1" attribute="#uname" operation="eq" value="node2"/>'
            '<expression id="loc-e2" attribute="#uname" operation="eq" value="node1"/></rule></rsc_location>')
    path.write_text(path.read_text().replace('<rsc_location id="loc" rsc="a" node="node2" score="100"/>', rule))
    code, out, err = simulate(path)
    assert code == 0 and "<rule> attribute boolean-op: invalid value 'xor'" in err and "as 'and'" in err
    # "and": no node matches both, so nothing is banned; "or" would ban a (and b with it) from both nodes
    assert summary(out) == transition_summary(path) == ["Start a (node1)", "Start b (node1)"]


def test_the_scores_change_the_decision(tmp_path: Path) -> None:
    """Not a vacuous comparison: the tolerated score 'bogus' (0) moves a off node2, as in crm_simulate."""
    _, good, _ = simulate(write(tmp_path))
    _, bad, _ = simulate(write(tmp_path, schema="none", score="bogus"))
    assert summary(good) == ["Start a (node2)", "Start b (node2)"]
    assert summary(bad) == ["Start a (node1)", "Start b (node1)"]


@pytest.mark.parametrize("changes", [dict(kind="Bogus"), dict(score="bogus"), dict(colocation="infinityy")])
def test_values_the_schema_refuses_are_refused_even_by_simulate(tmp_path: Path, changes: dict[str, str]) -> None:
    """With validate-with naming a schema, crm_simulate refuses these too (Relax-NG validity error)."""
    code, out, err = simulate(write(tmp_path, **changes))
    assert code == 1 and "error: " in err and "nothing was changed" in err and "Transition Summary" not in out


@pytest.mark.parametrize("changes,where,says", TOLERATED)
def test_configure_load_refuses_them(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, changes: dict[str, str],
                                     where: str, says: str) -> None:
    monkeypatch.setenv("HASTACK_STATE_DIR", str(tmp_path / "state"))
    path = write(tmp_path, **changes)
    r = CliRunner().invoke(cli, ["configure", "load", "xml", "replace", str(path)])
    assert r.exit_code == 1 and "Traceback" not in r.output, r.output
    assert f"{path}:{where}: error: " in r.output and "nothing was changed" in r.output
    assert "a new configuration with this value is refused" not in r.output  # an error here, not tolerated
    assert not (tmp_path / "state").exists() or not any((tmp_path / "state").iterdir())
