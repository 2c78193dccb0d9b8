"""Pacemaker's words for the facts of a status view, shared by the text and XML renderings.

Times as crm_mon prints them (in the local time zone: formatting reads the zone, never a
clock), intervals in its readable form (`20s`, `1m30s`), exit codes and executor statuses,
a primitive's state, the node attributes shown, and the instance counts of the summary.

Imports only hastack.status.view and the model's result vocabulary.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from hastack.model.results import ExecStatus, OcfRc, is_probe, rc_meaning
from hastack.model.values import Role
from hastack.status.view import NodeStatus, ResourceStatus, StatusView

__all__ = ["InstanceCounts", "action_word", "exec_status", "instance_counts", "pending_word", "rc_text",
           "readable_interval", "shown_attributes", "shown_state", "when", "when_iso"]


def when(epoch: int) -> str:
    """An epoch as crm_mon prints it in text and most XML: `Thu Apr 12 14:51:53 2012`."""
    return time.asctime(time.localtime(epoch))


def when_iso(epoch: int) -> str:
    """An epoch with its zone, as crm_mon's XML failures carry it: `2012-04-12 14:51:53Z`."""
    t = time.localtime(epoch)
    offset = t.tm_gmtoff or 0
    if offset == 0:
        zone = "Z"
    else:
        sign = "+" if offset > 0 else "-"
        zone = f"{sign}{abs(offset) // 3600:02d}:{abs(offset) % 3600 // 60:02d}"
    return (f"{t.tm_year:04d}-{t.tm_mon:02d}-{t.tm_mday:02d} "
            f"{t.tm_hour:02d}:{t.tm_min:02d}:{t.tm_sec:02d}{zone}")


_MS_S, _MS_M, _MS_H, _MS_D = 1000, 60_000, 3_600_000, 86_400_000


def readable_interval(ms: int) -> str:
    """A duration as crm_mon words it: 20s, 30.160s, 1m30s, 2h, 500ms, 0s. A unit is used only
    for more than one of it (exactly a minute is 60s, exactly a second 1000ms)."""
    out = ""
    for size, unit in ((_MS_D, "d"), (_MS_H, "h"), (_MS_M, "m")):
        if ms > size:
            out += f"{ms // size}{unit}"
            ms %= size
    if ms > _MS_S:
        out += f"{ms // _MS_S}" + (f".{ms % _MS_S:03d}" if ms % _MS_S else "") + "s"
    elif ms > 0:
        out += f"{ms}ms"
    return out or "0s"


# Pacemaker's words for an executor status (what crm_mon prints)
_EXEC_STATUS: dict[int, str] = {
    ExecStatus.PENDING: "pending", ExecStatus.DONE: "complete", ExecStatus.CANCELLED: "Cancelled",
    ExecStatus.TIMEOUT: "Timed Out", ExecStatus.NOT_SUPPORTED: "NOT SUPPORTED", ExecStatus.ERROR: "Error",
    ExecStatus.ERROR_HARD: "Hard error", ExecStatus.ERROR_FATAL: "Fatal error",
    ExecStatus.NOT_INSTALLED: "Not installed", ExecStatus.NOT_CONNECTED: "Internal communication failure",
    ExecStatus.INVALID: "Cannot execute now", ExecStatus.NO_FENCE_DEVICE: "No fence device",
    ExecStatus.NO_SECRETS: "CIB secrets unavailable",
}


def exec_status(status: int) -> str:
    return _EXEC_STATUS.get(status, "UNKNOWN!")


# The codes crm_mon has a word for (services_ocf_exitcode_str); any other is "unknown"
_RC_WORDED = frozenset(range(0, 10)) | {OcfRc.DEGRADED_PROMOTED}


def rc_text(rc: int) -> str:
    """An operation's exit code as crm_mon words it: 'not running', 'OCF_DEGRADED', 'unknown'."""
    if rc == OcfRc.DEGRADED:
        return "OCF_DEGRADED"
    return rc_meaning(rc) if rc in _RC_WORDED else "unknown"


def action_word(task: str, interval_ms: int) -> str:
    """A one-shot monitor is a probe."""
    return "probe" if is_probe(task, interval_ms) else task


# A primitive with an action in flight is shown by it (native_pending_state)
_PENDING_WORDS = {"start": "Starting", "stop": "Stopping", "migrate_to": "Migrating",
                  "migrate_from": "Migrating", "promote": "Promoting", "demote": "Demoting"}


def shown_state(r: ResourceStatus) -> str:
    """A primitive's state as crm_mon words it: its action in flight (Starting), else its role."""
    return _PENDING_WORDS.get(r.pending or "") or r.role.value


def pending_word(r: ResourceStatus) -> str | None:
    """The action in flight crm_mon flags apart from the state (a recurring monitor)."""
    return "Monitoring" if r.pending == "monitor" else None


# Attributes crm_mon leaves out of the node attributes (by prefix): failures, and what the
# cluster itself sets (shutdown, terminate, standby, the #built-ins).
_HIDDEN_ATTRS = ("fail-count", "last-failure", "shutdown", "terminate", "standby", "#")


def shown_attributes(n: NodeStatus) -> list[tuple[str, str]]:
    """An online node's attributes as crm_mon lists them, by name; none for other nodes."""
    if not n.online:
        return []
    return sorted((k, v) for k, v in n.attributes.items() if not k.startswith(_HIDDEN_ATTRS))


@dataclass(frozen=True)
class InstanceCounts:
    configured: int
    disabled: int
    blocked: int


def instance_counts(view: StatusView) -> InstanceCounts:
    """The summary's resource instances: every primitive instance but an orphan that is stopped;
    how many of them are disabled, and how many blocked."""
    counted: list[ResourceStatus] = [p for top in view.resources for p in top.primitives()
                                     if not p.orphan or p.role is not Role.STOPPED]
    return InstanceCounts(len(counted), sum(1 for p in counted if p.disabled),
                          sum(1 for p in counted if p.blocked))
