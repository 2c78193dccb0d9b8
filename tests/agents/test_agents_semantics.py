"""Pure decision code: rc interpretation, environment building, meta-data parsing, the monitor planner."""

from __future__ import annotations

import pytest

from hastack.agents.action import ActionRequest, CloneInfo, NotifyInfo
from hastack.agents.codes import ExecStatus, FailureKind, Reaction, default_on_fail, interpret, rc_meaning, rc_name
from hastack.agents.environment import notify_list, ocf_env
from hastack.agents.metadata import parse_metadata, validate_params
from hastack.agents.planner import RecurringOp, pick_runnable, plan_monitors
from hastack.errors import AgentError, Severity
from hastack.model.values import AgentRef, Role

DUMMY = AgentRef("ocf", "Dummy", "heartbeat")

# (action, interval, target_rc, rc, status) -> (ok, kind, reaction)
CASES = [
    ("monitor", 0, None, 7, ExecStatus.DONE, True, FailureKind.NONE, Reaction.NOT_HERE),
    ("monitor", 0, None, 5, ExecStatus.DONE, True, FailureKind.NONE, Reaction.NOT_HERE),
    ("monitor", 0, None, 0, ExecStatus.DONE, True, FailureKind.NONE, Reaction.NOTHING),
    ("monitor", 0, None, 6, ExecStatus.DONE, False, FailureKind.FATAL, Reaction.STOP_EVERYWHERE),
    ("monitor", 10_000, None, 0, ExecStatus.DONE, True, FailureKind.NONE, Reaction.NOTHING),
    ("monitor", 10_000, None, 7, ExecStatus.DONE, False, FailureKind.SOFT, Reaction.RECOVER_HERE),
    ("monitor", 10_000, None, 1, ExecStatus.DONE, False, FailureKind.SOFT, Reaction.RECOVER_HERE),
    ("monitor", 10_000, None, 190, ExecStatus.DONE, True, FailureKind.NONE, Reaction.NOTHING),
    ("monitor", 10_000, 8, 8, ExecStatus.DONE, True, FailureKind.NONE, Reaction.NOTHING),
    ("monitor", 10_000, 8, 191, ExecStatus.DONE, True, FailureKind.NONE, Reaction.NOTHING),
    ("monitor", 10_000, 8, 9, ExecStatus.DONE, False, FailureKind.SOFT, Reaction.RECOVER_HERE),
    ("monitor", 10_000, 8, 0, ExecStatus.DONE, False, FailureKind.SOFT, Reaction.RECOVER_HERE),
    ("start", 0, None, 2, ExecStatus.DONE, False, FailureKind.HARD, Reaction.MOVE_AWAY),
    ("start", 0, None, 4, ExecStatus.DONE, False, FailureKind.HARD, Reaction.MOVE_AWAY),
    ("start", 0, None, 5, ExecStatus.DONE, False, FailureKind.HARD, Reaction.MOVE_AWAY),
    ("start", 0, None, 6, ExecStatus.DONE, False, FailureKind.FATAL, Reaction.STOP_EVERYWHERE),
    ("start", 0, None, 1, ExecStatus.TIMEOUT, False, FailureKind.SOFT, Reaction.RECOVER_HERE),
    # A failed stop is a soft failure as Pacemaker classes it; its default on-fail (fence) is the reaction.
    ("stop", 0, None, 1, ExecStatus.DONE, False, FailureKind.SOFT, Reaction.FENCE_OR_BLOCK),
    ("stop", 0, None, 1, ExecStatus.TIMEOUT, False, FailureKind.SOFT, Reaction.FENCE_OR_BLOCK),
    ("stop", 0, None, 5, ExecStatus.DONE, False, FailureKind.HARD, Reaction.FENCE_OR_BLOCK),
    # A probe's "invalid parameter" is masked like "not installed": not running there.
    ("monitor", 0, None, 2, ExecStatus.DONE, True, FailureKind.NONE, Reaction.NOT_HERE),
    ("monitor", 0, None, 1, ExecStatus.NOT_INSTALLED, True, FailureKind.NONE, Reaction.NOT_HERE),
    ("start", 0, None, 1, ExecStatus.NOT_INSTALLED, False, FailureKind.HARD, Reaction.MOVE_AWAY),
    ("promote", 0, None, 0, ExecStatus.DONE, True, FailureKind.NONE, Reaction.NOTHING),
]


@pytest.mark.parametrize("action,interval,target,rc,status,ok,kind,reaction", CASES)
def test_interpret(action: str, interval: int, target: int | None, rc: int, status: ExecStatus, ok: bool,
                   kind: FailureKind, reaction: Reaction) -> None:
    out = interpret(action, rc, status, interval_ms=interval, target_rc=target)
    assert (out.ok, out.kind, out.reaction) == (ok, kind, reaction)


def test_rc_names_and_defaults() -> None:
    assert (rc_name(8), rc_meaning(8)) == ("OCF_RUNNING_PROMOTED", "promoted")
    assert rc_meaning(7) == "not running" and rc_meaning(190) == "degraded"
    assert rc_name(42) == "rc 42" and rc_meaning(42) == "unknown error"
    assert default_on_fail("stop") == "fence" and default_on_fail("stop", False) == "block"
    assert default_on_fail("monitor") == "restart"
    assert interpret("monitor", 191, interval_ms=5000, target_rc=8).degraded


def test_environment_follows_pacemaker() -> None:
    req = ActionRequest(DUMMY, "monitor", "p:0", (("ip", "10.0.0.1"),), meta=(("target-role", "Started"),),
                        op_params=(("OCF_CHECK_LEVEL", "10"),), interval_ms=10_000, timeout_ms=30_000,
                        role=Role.PROMOTED, target_rc=8, node="n1",
                        clone=CloneInfo(instance=0, clone_max=3, clone_node_max=1, promoted_max=1),
                        migrate_source="n1", migrate_target="n2")
    env = ocf_env(req, path_prefix="/shims")
    m = "OCF_RESKEY_CRM_meta_"
    assert env["PATH"].startswith("/shims:") and env["OCF_ROOT"] == "/usr/lib/ocf"
    assert env["OCF_RESKEY_ip"] == "10.0.0.1" and env["OCF_RESKEY_OCF_CHECK_LEVEL"] == "10"
    assert env[m + "target_role"] == "Started"
    assert (env[m + "interval"], env[m + "timeout"], env[m + "name"]) == ("10000", "30000", "monitor")
    assert env[m + "role"] == "Promoted" and env[m + "op_target_rc"] == "8"
    assert env[m + "clone"] == "0" and env[m + "clone_max"] == "3" and env[m + "master_node_max"] == "1"
    assert env[m + "migrate_target"] == "n2" and env["OCF_RESOURCE_INSTANCE"] == "p:0"
    assert env["OCF_EXIT_REASON_PREFIX"] == "ocf-exit-reason:"
    assert "OCF_RESKEY_CRM_meta_notify_type" not in env


def test_notify_lists_empty_is_one_space() -> None:
    assert notify_list(()) == " " and notify_list(("a:0", "a:1")) == "a:0 a:1"
    req = ActionRequest(DUMMY, "start", "p:1", notify=NotifyInfo(start=(("p:1", "n2"),), inactive=("p:2",)))
    env = ocf_env(req)
    m = "OCF_RESKEY_CRM_meta_"
    assert env[m + "notify_start_resource"] == "p:1" and env[m + "notify_start_uname"] == "n2"
    assert env[m + "notify_slave_uname"] == " " and env[m + "notify_unpromoted_resource"] == " "
    assert env[m + "notify_inactive_resource"] == "p:2"
    assert "OCF_RESKEY_CRM_meta_notify_type" not in env  # only the notify action carries type/operation


OCF11 = """<?xml version="1.0"?>
<resource-agent name="x" version="2.0">
<version>1.1</version>
<shortdesc lang="en">X</shortdesc>
<parameters>
<parameter name="level" required="1" reloadable="1"><shortdesc lang="en">Level</shortdesc>
<content type="integer" default="3"/></parameter>
<parameter name="mode"><content type="select" default="a"><option value="a"/><option value="b"/></content></parameter>
<parameter name="db_password" unique="1"><content type="string"/></parameter>
<parameter name="old" deprecated="1"><content type="boolean"/></parameter>
</parameters>
<actions><action name="start" timeout="40s"/><action name="monitor" timeout="20s" interval="10s"/>
<action name="monitor" timeout="20s" interval="11s" role="Promoted"/></actions>
</resource-agent>"""


def test_metadata_parse_and_validate() -> None:
    meta = parse_metadata(OCF11)
    assert (meta.ocf_version, meta.has_dtd, meta.agent_version) == ("1.1", False, "2.0")
    level = meta.parameter("level")
    assert level and level.required and level.reloadable and level.default == "3"
    assert meta.action("start").timeout_ms == 40_000
    assert meta.action("monitor").interval_ms == 10_000
    assert meta.action("monitor", "Promoted").interval_ms == 11_000
    assert meta.secret_names == {"db_password"}
    diags = validate_params("ocf:t:x", meta, {"levle": "1", "mode": "c", "old": "maybe"})
    errors = [d for d in diags if d.severity is Severity.ERROR]
    warnings = [d.message for d in diags if d.severity is Severity.WARNING]
    assert any("unknown parameter 'levle'" in d.message and "'level'" in d.hint for d in errors)
    assert any("missing required parameter 'level'" in d.message for d in errors)
    assert any("expects one of a, b" in w for w in warnings)
    assert any("expects a boolean" in w for w in warnings) and any("deprecated" in w for w in warnings)
    assert not validate_params("ocf:t:x", meta, {"level": "INFINITY"})
    with pytest.raises(AgentError, match="not valid XML"):
        parse_metadata("<resource-agent")
    with pytest.raises(AgentError, match="expected <resource-agent>"):
        parse_metadata("<foo/>")


def test_stonith_params_allowed() -> None:
    meta = parse_metadata('<resource-agent name="fence_x"><parameters><parameter name="ip" required="1">'
                          "<content/></parameter></parameters></resource-agent>")
    assert not validate_params("stonith:fence_x", meta, {"ip": "1", "pcmk_host_list": "n1"}, stonith=True)
    assert validate_params("stonith:fence_x", meta, {"ip": "1", "pcmk_hots_list": "n1"}, stonith=True)


# --- planner ------------------------------------------------------------------------------

OPS = [RecurringOp("db", 10_000, Role.PROMOTED), RecurringOp("db", 11_000, Role.UNPROMOTED),
       RecurringOp("ip", 5_000)]


def test_monitors_follow_roles() -> None:
    plan = plan_monitors(OPS, {"db": Role.UNPROMOTED, "ip": Role.STARTED}, {}, (), now=100.0)
    assert [(o.resource_id, o.interval_ms) for o in plan.due] == [("db", 11_000), ("ip", 5_000)]
    assert [(o.resource_id, o.interval_ms) for o in plan.idle] == [("db", 10_000)]
    assert plan.next_at == 105.0
    promoted = plan_monitors(OPS, {"db": Role.PROMOTED}, {}, (), now=100.0)
    assert [(o.resource_id, o.interval_ms) for o in promoted.due] == [("db", 10_000)]
    stopped = plan_monitors(OPS, {}, {}, (), now=100.0)
    assert stopped.due == () and stopped.next_at is None


def test_monitors_by_interval_and_busy_resources() -> None:
    last = {("ip", "monitor", 5_000): 100.0, ("db", "monitor", 11_000): 100.0}
    roles = {"db": Role.UNPROMOTED, "ip": Role.STARTED}
    assert plan_monitors(OPS, roles, last, (), now=104.9).due == ()
    assert plan_monitors(OPS, roles, last, (), now=104.9).next_at == pytest.approx(105.0)
    assert [o.resource_id for o in plan_monitors(OPS, roles, last, (), now=105.0).due] == ["ip"]
    blocked = plan_monitors(OPS, roles, last, ("ip",), now=106.0)
    assert blocked.due == () and blocked.next_at == 106.0


def test_pick_runnable_limit_and_one_per_resource() -> None:
    q = [ActionRequest(DUMMY, "start", r) for r in ("a", "a", "b", "c", "d")]
    assert pick_runnable(q, (), 3) == [0, 2, 3]
    assert pick_runnable(q, ("a",), 3) == [2, 3]
    assert pick_runnable(q, ("x", "y", "z"), 3) == []
    assert pick_runnable(q, (), 0) == [0, 2, 3, 4]  # 0 = no limit


def test_validate_agent_params_for_configure(executor) -> None:  # type: ignore[no-untyped-def]
    from hastack.agents.executor import validate_agent_params

    diags = validate_agent_params("ocf:heartbeat:IPaddr2", {"ipp": "10.0.0.1", "cidr_netmask": "24"}, executor)
    assert [d.message for d in diags] == ["ocf:heartbeat:IPaddr2: unknown parameter 'ipp'",
                                          "ocf:heartbeat:IPaddr2: missing required parameter 'ip'"]
    assert diags[0].hint == "did you mean 'ip'?"
    assert validate_agent_params("ocf:heartbeat:IPaddr2", {"ip": "10.0.0.1"}, executor) == []
    missing = validate_agent_params("ocf:heartbeat:IPadr2", {}, executor)
    assert len(missing) == 1 and "did you mean 'IPaddr2'" in missing[0].hint
