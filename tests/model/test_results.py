"""What a result means (hastack.model.results.classify), as Pacemaker's scheduler reads its history.

A table, written by hand from Pacemaker's remap_operation / unpack_rsc_op (lib/pengine/unpack.c,
2.1.5): every kind of action, with the rc the cluster expected, against every exit code. Letters:
S success, N not running (no failure), M masked probe failure (not running there, and banned from
the node), s soft failure, H hard failure, F fatal failure.
"""

from __future__ import annotations

import pytest

from hastack.model.results import ExecStatus, OcfRc, ResultKind, classify, default_target_rc, effective_rc
from hastack.model.values import Role

RCS = (0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 189, 190, 191, 193, 42)

# (label, task, interval_ms, target_rc): meanings of RCS in that order
TABLE: dict[tuple[str, str, int, int | None], str] = {
    # one-shot actions expected to succeed: 2/3/4/5 never again here, 6 nowhere, the rest soft
    ("start", "start", 0, 0): "S s H H H H F s s s s s s s s",
    ("stop", "stop", 0, 0): "S s H H H H F s s s s s s s s",
    ("promote", "promote", 0, 0): "S s H H H H F s s s s s s s s",
    ("demote", "demote", 0, 0): "S s H H H H F s s s s s s s s",
    ("migrate_to", "migrate_to", 0, 0): "S s H H H H F s s s s s s s s",
    # a probe expecting "not running": every state report is a fact; 2 and 5 are masked
    ("probe", "monitor", 0, 7): "S s M H H M F N S s s S S s s",
    # a probe of a resource the scheduler knows active there
    ("probe-active", "monitor", 0, 0): "S s M H H M F N S s s S S s s",
    # a probe from a history entry without a transition key: only state facts other than 0 pass
    ("probe-unknown", "monitor", 0, None): "s s M H H M F N S s s s S s s",
    # recurring monitors: 3 is "not supported" (soft), degraded codes count as their plain ones
    ("monitor", "monitor", 10_000, 0): "S s H s H H F s s s s S s s s",
    ("monitor-promoted", "monitor", 10_000, 8): "s s H s H H F s S s s s S s s",
    ("monitor-stopped", "monitor", 10_000, 7): "s s H s H H F N s s s s s s s",
}

_LETTERS = {"S": ResultKind.SUCCESS, "N": ResultKind.NOT_RUNNING, "M": ResultKind.NOT_RUNNING,
            "s": ResultKind.SOFT, "H": ResultKind.HARD, "F": ResultKind.FATAL}


def _rows() -> list[tuple[str, str, int, int | None, int, str]]:
    rows = []
    for (label, task, interval, target), letters in TABLE.items():
        meanings = letters.split()
        assert len(meanings) == len(RCS), label
        rows += [(label, task, interval, target, rc, m) for rc, m in zip(RCS, meanings)]
    return rows


@pytest.mark.parametrize("label,task,interval,target,rc,meaning", _rows(),
                         ids=[f"{r[0]}-rc{r[4]}" for r in _rows()])
def test_every_action_and_rc_means_what_pacemaker_says(label: str, task: str, interval: int, target: int | None,
                                                        rc: int, meaning: str) -> None:
    reading = classify(task, interval, rc, ExecStatus.DONE, target)
    assert reading.kind is _LETTERS[meaning]
    assert reading.masked == (meaning == "M")
    assert reading.failed == (meaning in "sHF")
    if meaning == "M":
        assert (reading.rc, reading.status) == (OcfRc.NOT_RUNNING, ExecStatus.DONE)


# (status, task, interval, rc, target) -> meaning: the executor's status comes first
STATUSES = [
    (ExecStatus.PENDING, "start", 0, OcfRc.UNKNOWN, 0, ResultKind.PENDING),
    (ExecStatus.CANCELLED, "monitor", 10_000, 0, 0, ResultKind.CANCELLED),
    (ExecStatus.TIMEOUT, "start", 0, 1, 0, ResultKind.SOFT),
    (ExecStatus.TIMEOUT, "stop", 0, 1, 0, ResultKind.SOFT),
    (ExecStatus.TIMEOUT, "monitor", 0, 1, 7, ResultKind.SOFT),
    (ExecStatus.NOT_SUPPORTED, "monitor", 10_000, 3, 0, ResultKind.SOFT),
    (ExecStatus.ERROR, "start", 0, 1, 0, ResultKind.SOFT),
    (ExecStatus.ERROR, "start", 0, 0, 0, ResultKind.SUCCESS),  # judged against the expected rc
    (ExecStatus.ERROR_HARD, "start", 0, 1, 0, ResultKind.HARD),
    (ExecStatus.ERROR_FATAL, "start", 0, 1, 0, ResultKind.FATAL),
    (ExecStatus.NOT_INSTALLED, "start", 0, 5, 0, ResultKind.HARD),
    (ExecStatus.NOT_INSTALLED, "monitor", 0, 1, 7, ResultKind.NOT_RUNNING),  # masked
    (ExecStatus.NOT_CONNECTED, "start", 0, 1, 0, ResultKind.SOFT),
    (ExecStatus.INVALID, "start", 0, 1, 0, ResultKind.SOFT),
    (ExecStatus.NO_FENCE_DEVICE, "start", 0, 1, 0, ResultKind.HARD),
    (ExecStatus.NO_SECRETS, "monitor", 10_000, 1, 0, ResultKind.HARD),
]


@pytest.mark.parametrize("status,task,interval,rc,target,kind", STATUSES, ids=[
    f"{s[0].name}-{s[1]}{'' if s[2] else '-0'}" for s in STATUSES])
def test_executor_status_decides_before_the_rc(status: ExecStatus, task: str, interval: int, rc: int,
                                               target: int, kind: ResultKind) -> None:
    assert classify(task, interval, rc, status, target).kind is kind


def test_unmanaged_not_running_is_a_fact() -> None:
    assert classify("start", 0, OcfRc.NOT_RUNNING, target_rc=0).kind is ResultKind.SOFT
    unmanaged = classify("start", 0, OcfRc.NOT_RUNNING, target_rc=0, managed=False)
    assert (unmanaged.kind, unmanaged.role) == (ResultKind.NOT_RUNNING, Role.STOPPED)


def test_what_a_result_shows_of_the_role() -> None:
    assert classify("monitor", 0, OcfRc.NOT_RUNNING, target_rc=7).role is Role.STOPPED
    assert classify("monitor", 0, OcfRc.ERR_INSTALLED, target_rc=7).role is Role.STOPPED  # masked
    assert classify("monitor", 10_000, OcfRc.RUNNING_PROMOTED, target_rc=0).role is Role.PROMOTED
    assert classify("monitor", 10_000, OcfRc.FAILED_PROMOTED, target_rc=8).role is Role.PROMOTED
    assert classify("promote", 0, OcfRc.DEGRADED_PROMOTED, target_rc=0).role is Role.PROMOTED
    assert classify("monitor", 10_000, OcfRc.OK, target_rc=0).role is None
    # an error status says nothing of the role
    assert classify("monitor", 10_000, OcfRc.ERR_GENERIC, ExecStatus.TIMEOUT, 8).role is None


def test_degraded_monitors_and_defaults() -> None:
    degraded = classify("monitor", 10_000, OcfRc.DEGRADED_PROMOTED, target_rc=8)
    assert (degraded.kind, degraded.rc, degraded.degraded) == (ResultKind.SUCCESS, OcfRc.RUNNING_PROMOTED, True)
    assert not classify("start", 0, OcfRc.DEGRADED, target_rc=0).degraded  # only monitors are remapped
    assert (effective_rc(190), effective_rc(191), effective_rc(7)) == (0, 8, 7)
    assert default_target_rc("monitor", 0) == OcfRc.NOT_RUNNING
    assert default_target_rc("monitor", 5000) == default_target_rc("start", 0) == OcfRc.OK
    # the old spellings are the same codes
    assert OcfRc.SUCCESS is OcfRc.OK and OcfRc.RUNNING_MASTER is OcfRc.RUNNING_PROMOTED
