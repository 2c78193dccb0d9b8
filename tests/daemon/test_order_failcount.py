"""A failed start's fail count follows the cluster's start-failure-is-fatal, which the DC's order carries to
the node that records the result (INFINITY by default, +1 when false, as Pacemaker's controller counts)."""

from __future__ import annotations

from hastack.daemon.orders import Order, recorded
from hastack.model.results import ExecStatus, OcfRc
from hastack.model.state import ClusterState
from hastack.model.values import AgentRef
from hastack.scheduler import Action


def failed_start(fatal: bool) -> dict[str, str]:
    a = Action(id=3, task="start", rsc="db", node="n1", agent=AgentRef.parse("ocf:heartbeat:Dummy"))
    order = Order.from_json(Order(5, 1, a, lease=0x10, start_failure_is_fatal=fatal).to_json())
    assert order.start_failure_is_fatal is fatal  # (through the JSON the node reads)
    _, attrs = recorded(ClusterState(), order, OcfRc.ERR_GENERIC, ExecStatus.DONE, 1_700_000_000)
    return attrs


def test_a_failed_start_is_fatal_by_default_and_counts_one_when_start_failure_is_fatal_is_false() -> None:
    assert failed_start(fatal=True)["fail-count-db#start_0"] == "INFINITY"
    assert failed_start(fatal=False)["fail-count-db#start_0"] == "1"
