"""The three things every message shares: one did-you-mean, one order of diagnostics, one mask."""

from __future__ import annotations

from hastack.crm import parse
from hastack.didyoumean import closest, did_you_mean
from hastack.errors import Diagnostic, Severity, SourceLocation, in_order
from hastack.model.secrets import MASK, mask_diagnostics, mask_text, masked_config, secret_values


# --- did you mean ----------------------------------------------------------------------------------

def test_closest_prefers_case_then_reordered_words_then_one_slip_then_spelling() -> None:
    assert closest("IP", ["ip", "IPaddr"]) == "ip"
    assert closest("neutron-dhcp-agent", ["neutron-agent-dhcp", "neutron-dhcp-agents"]) == "neutron-agent-dhcp"
    assert closest("p_neutron-metadata_agent", ["p_neutron-metadata-agent"]) == "p_neutron-metadata-agent"
    assert closest("osf", ["ocf", "lsb", "systemd"]) == "ocf"  # one key wrong
    assert closest("pirmitive", ["primitive", "group"]) == "primitive"  # two keys swapped
    assert closest("no-quorum-polcy", ["no-quorum-policy", "stonith-enabled"]) == "no-quorum-policy"


def test_closest_says_nothing_when_no_name_is_near() -> None:
    assert closest("bb", ["b"]) is None  # 'bb' is another name, not a typo of 'b'
    assert closest("node9", ["node9"]) is None  # never the word itself
    assert closest("frobnicate", ["start", "stop", "monitor"]) is None
    assert did_you_mean("frobnicate", ["start"], "use start") == "use start"
    assert did_you_mean("strat", ["start"]) == "did you mean 'start'?"


# --- the order of diagnostics ---------------------------------------------------------------------

def d(file: str | None, line: int = 0, column: int = 0, severity: Severity = Severity.ERROR,
      message: str = "") -> Diagnostic:
    loc = SourceLocation(file, line, column) if file is not None else None
    return Diagnostic(message or f"{file}:{line}:{column}:{severity.value}", loc, severity=severity)


def test_in_order_is_file_line_column_then_errors_before_warnings() -> None:
    diags = [d(None), d("b.crm", 1, 1), d("a.crm", 2, 5, Severity.WARNING), d("a.crm", 2, 5),
             d("a.crm", 2, 1), d("a.crm", 1, 9)]
    assert [x.message for x in in_order(diags)] == [
        "a.crm:1:9:error", "a.crm:2:1:error", "a.crm:2:5:error", "a.crm:2:5:warning", "b.crm:1:1:error", "None:0:0:error"]


def test_in_order_takes_the_files_in_the_order_given_and_is_stable() -> None:
    diags = [d("a.crm", 1, 1), d("b.crm", 1, 1), d("b.crm", 1, 1, message="second at the same place")]
    assert [x.location.file for x in in_order(diags, ["b.crm", "a.crm"]) if x.location] == ["b.crm", "b.crm", "a.crm"]
    assert in_order(diags, ["b.crm"])[1].message == "second at the same place"


# --- the mask -------------------------------------------------------------------------------------

CRM = """node n1 attributes ipmi_password=n0d3pass
primitive db ocf:heartbeat:mysql params user=admin password=s3cr3t \\
    op monitor interval=10s api_token=t0k3n
primitive fence stonith:fence_ipmilan params login=admin passwd=ipmipw
"""


def test_secret_values_are_the_values_of_secret_names_wherever_they_are() -> None:
    config = parse(CRM, "c.crm").config
    assert secret_values(config) == {"n0d3pass", "s3cr3t", "t0k3n", "ipmipw"}
    assert secret_values(config, extra_names={"user"}) == {"n0d3pass", "s3cr3t", "t0k3n", "ipmipw", "admin"}


def test_masked_config_hides_every_secret_value_and_keeps_the_rest() -> None:
    config = parse(CRM, "c.crm").config
    hidden = masked_config(config)
    assert secret_values(hidden) == {MASK}
    db = hidden.resources["db"]
    assert dict(db.params[0].pairs) == {"user": "admin", "password": MASK}  # type: ignore[union-attr]
    assert hidden.resources["fence"] != config.resources["fence"] and hidden.nodes[0].id == "n1"


def test_mask_text_and_diagnostics_replace_longest_values_first_and_skip_tiny_ones() -> None:
    assert mask_text("pw=abcdef, also abc, and 1", ["abc", "abcdef", "1"]) == f"pw={MASK}, also {MASK}, and 1"
    diag = Diagnostic("bad value s3cr3t", SourceLocation("c.crm", 2, 3), hint="not s3cr3t",
                      source_line="params password=s3cr3t")
    (masked,) = mask_diagnostics([diag], {"s3cr3t"})
    assert "s3cr3t" not in masked.message + masked.hint + masked.source_line
    assert masked.location == diag.location


def test_alert_attributes_are_masked_too() -> None:
    from hastack.crm import render
    config = parse("alert a /x.sh attributes smtp_password=hunter22 to { admin@x attributes api_token=t0k3nz }\n").config
    assert secret_values(config) == {"hunter22", "t0k3nz"}
    shown = render(masked_config(config))
    assert "hunter22" not in shown and "t0k3nz" not in shown and MASK in shown
