"""Fuzz: whatever text comes in, parse and validate fail only with hastack's own errors."""

from __future__ import annotations

from pathlib import Path

from crm_strategies import configurations
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hastack.crm import parse, render
from hastack.errors import HastackError
from hastack.model.config import Configuration
from hastack.validate import check_crm_text, validate

DATA = Path(__file__).resolve().parents[1] / "data" / "guide"
CORPUS = [p.read_text() for p in sorted(DATA.glob("*.crm"))] + [
    "location l1 a rule $role=Promoted -inf: not_defined pingd or pingd number:lte 0\n",
    "colocation c inf: [ a b ] ( c:Master d:Master sequential=true ) e\norder o Serialize: a:promote ( b c )\n",
    "fencing_topology n1: d1,d2 d3 attr:rack=1 d4 pattern:n.* d5\nnode 1: n1 attributes a=1\ntag t: a b\n",
    "primitive p @t params 2: rule #uname eq n1 nic=eth1 op monitor interval=10s op_params x=1 op_meta y=2\n",
    "rsc_ticket t tk: a:Promoted b loss-policy=fence\nmonitor p:Slave 10s:20s\nrsc_defaults $id=r a=1\n",
    "role r write meta:d0:target-role read ref:d0 xpath://nodes deny p1: type:node attr:uname read cib\n"
    "acl_target alice r\nacl_group ops r\nuser bob role:r\n",
    "alert a /x.sh attributes a=1 meta timeout=10s select nodes attributes { standby } "
    "to { /log meta timeout=5s } to b@c\n",
    "bundle b docker image=x replicas=2 network ip-range-start=10.0.0.1 port-mapping port=80 "
    "storage storage-mapping id=s target-dir=/a source-dir=/b primitive p meta target-role=Started\n",
    "primitive a Dummy params $id=s $v:ip=1 $w=2 foo bar= meta m=1 op monitor interval=10s @v:x depth\n"
    "primitive b Dummy params $id-ref=s meta $id-ref=a operations $id-ref=ops\n"
    "primitive c Dummy operations $id=ops op start interval=0 op_params $id-ref=s\n"
    "location l a rule $id-ref=near\nlocation m b rule $id=near #uname eq param{host} or x version:gt 1\n",
    # the checks of issue 13 item 3: node names, meta values, op attribute order, glued backslash, and/or
    "node 1: n1\nnode 2: n2\nprimitive p Dummy meta target-role=Started is-managed=true \\\n"
    "  op monitor interval=10s timeout=20s OCF_CHECK_LEVEL=10\nrsc_defaults multiple-active=block\n"
    "location l p rule 10: #uname eq n1 and #uname ne n2\n",
    # cluster option values, `rule role=`, date-spec fields, control characters
    "property p: stonith-enabled=perhaps no-quorum-policy=Freeze batch-limit=5x stonith-action=Off\n"
    "location l a rule role=Promoted inf: date spec hours=9-17 and date in start=2024-01-01 years=1\n"
    "primitive a Dummy params \x1fnic=eth1\n",
]
PIECES = ["\\", "\\ # ", "#", " ", "\n", '"', "'", "(", ")", "[", "]", "{", "}", ":", "=", "$id=", "$id-ref=", "@",
          "inf:", "-inf:", "rule", "date", "in", "spec", "and", "or", "defined", "op", "params", "meta", "primitive",
          "group", "clone", "ms", "order", "colocation", "location", "property", "node", "tag", "monitor",
          "fencing_topology", "rsc_ticket", "Master", "promote", "x=", "/", "é", "\t", "\r", "\x00", "0:", "a:b:c",
          "role", "read", "write", "deny", "xpath:", "ref:", "meta:a:b", "acl_target", "acl_group", "user", "role:",
          "alert", "to", "select", "attributes", "bundle", "docker", "network", "port-mapping", "storage",
          "storage-mapping", "image=", "$a:b=", "@", "@x", "operations", "param{", "}", "target-role=", "Strated",
          "is-managed=maybe", "interval=", "OCF_CHECK_LEVEL=1", "\\\n", "x=1\\\n", "node 1: n1\n",
          "role=", "hour=", "stonith-enabled=", "no-quorum-policy=", "\x1f", "\x0c"]

SETTINGS = settings(max_examples=300, deadline=None, suppress_health_check=list(HealthCheck), database=None)


def exercise(text: str) -> None:
    try:
        result = parse(text, "fuzz.crm")
    except HastackError:
        pass
    else:
        validate(result.config, {"fuzz.crm": text})
        # whatever parses, renders, and the rendering parses back to the same configuration
        assert parse(render(result.config), "rendered.crm").config == result.config
    try:
        check_crm_text(text, "fuzz.crm")
    except HastackError:
        pass


@st.composite
def mutated(draw: st.DrawFn) -> str:
    text = draw(st.sampled_from(CORPUS))
    for _ in range(draw(st.integers(1, 6))):
        pos = draw(st.integers(0, len(text)))
        action = draw(st.sampled_from(["insert", "delete", "replace", "dupline"]))
        if action == "insert":
            text = text[:pos] + draw(st.sampled_from(PIECES) | st.text(max_size=3)) + text[pos:]
        elif action == "delete":
            text = text[:pos] + text[pos + draw(st.integers(1, 20)):]
        elif action == "replace":
            text = text[:pos] + draw(st.sampled_from(PIECES)) + text[pos + 1:]
        else:
            lines = text.split("\n")
            i = draw(st.integers(0, len(lines) - 1))
            lines.insert(i, lines[i])
            text = "\n".join(lines)
    return text


@SETTINGS
@given(st.text(max_size=200))
def test_random_text(text: str) -> None:
    exercise(text)


@SETTINGS
@given(st.lists(st.sampled_from(PIECES) | st.text(max_size=4), max_size=40).map("".join))
def test_random_crm_like_text(text: str) -> None:
    exercise(text)


@SETTINGS
@given(mutated())
def test_mutated_guide_and_crm_text(text: str) -> None:
    exercise(text)


@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck), database=None)
@given(configurations())
def test_validate_random_configurations(config: Configuration) -> None:
    for d in validate(config, {"rendered.crm": render(config)}):
        assert d.message and d.severity.value in ("error", "warning")


INVALID_META = st.sampled_from(["target-role", "is-managed", "multiple-active", "requires", "migration-threshold",
                                "failure-timeout", "clone-max", "resource-stickiness"])


@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck), database=None)
@given(configurations(), INVALID_META, st.text(alphabet="abcxyzQ_", min_size=1, max_size=6))
def test_an_invalid_meta_value_is_refused_at_its_line(config: Configuration, name: str, value: str) -> None:
    """Whatever else the configuration holds, a meta value that is not valid for its attribute is
    one more error, on the line of the resource that has it (words only: no valid number or duration)."""
    text = render(config)
    if value.lower() in ("default", "y", "n") or name == "resource-stickiness" and value.lower() in ("inf", "infinity",
                                                                                                   "mandatory",
                                                                                                   "advisory"):
        return
    bad = text + f"primitive zz_bad Dummy meta {name}={value}\n"
    line = bad.count("\n")
    found = [d for d in check_crm_text(bad, "m.crm").errors
             if d.location is not None and d.location.line == line and f"is not a valid {name}" in d.message]
    assert len(found) == 1, (bad, [d.render() for d in check_crm_text(bad, "m.crm").errors])

