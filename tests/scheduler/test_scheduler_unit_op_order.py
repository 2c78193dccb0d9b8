"""The order of a resource's recorded operations on a node (pe__is_newer_op), pending ones too."""

from __future__ import annotations

from hastack.model.state import OpRecord
from hastack.scheduler.op_order import in_call_order, newer_op

UUID = "6b4d5c5e-0000-4000-8000-000000000001"


def _op(rid: str, task: str, call: int, magic: str | None, changed: int | None = None) -> OpRecord:
    return OpRecord(id=rid, operation=task, call_id=call, rc_code=0 if call >= 0 else -1,
                    op_status=0 if call >= 0 else -1, transition_magic=magic, last_rc_change=changed)


def test_completed_records_go_by_call_id_then_last_change() -> None:
    start, monitor = _op("r_start_0", "start", 3, None), _op("r_monitor_10000", "monitor", 5, None)
    assert newer_op(start, monitor) == -1 and newer_op(monitor, start) == 1
    failed = _op("r_last_failure_0", "monitor", 5, None, changed=200)
    assert newer_op(_op("r_monitor_10000", "monitor", 5, None, changed=100), failed) == -1
    assert in_call_order([monitor, start]) == (start, monitor)
    ordered = [start, monitor]
    assert in_call_order(ordered) is ordered  # already in order: the records as given


def test_a_pending_start_older_than_a_stop_goes_first() -> None:
    """A start still pending from transition 8, then the stop transition 9 ran: stopped (case 735)."""
    pending = _op("r_start_0", "start", -1, f"-1:-1;-1:8:0:{UUID}")
    stop = _op("r_stop_0", "stop", 8, f"0:0;0:9:0:{UUID}")
    assert newer_op(pending, stop) == -1
    assert in_call_order([pending, stop]) == [pending, stop]
    later = _op("r_start_0", "start", -1, f"-1:-1;-1:10:0:{UUID}")
    assert in_call_order([later, stop]) == (stop, later)


def test_a_pending_record_that_cannot_be_placed_is_last() -> None:
    stop = _op("r_stop_0", "stop", 8, f"0:0;0:9:0:{UUID}")
    other_dc = _op("r_start_0", "start", -1, "-1:-1;-1:3:0:another-controller")
    assert newer_op(other_dc, stop) == 1 and newer_op(stop, other_dc) == -1
    assert newer_op(_op("r_start_0", "start", -1, None), stop) == 0  # no magic: cannot tell
    assert newer_op(_op("a", "start", -1, None), _op("b", "stop", -1, None)) == 0  # both pending
