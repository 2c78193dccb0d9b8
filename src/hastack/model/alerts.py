"""Alerts as immutable data: Pacemaker's <alerts> section.

An alert runs the agent at `path` for cluster events, once per recipient
(or once with none). `select` limits the events (nodes, fencing, resources,
attributes; `select_attributes` limits attribute events to those names, all
of them when empty); nothing selected means every event, as in Pacemaker.

Imports nothing of hastack beyond errors and model.attrsets.
"""

from __future__ import annotations

from dataclasses import dataclass

from hastack.errors import SourceLocation
from hastack.model.attrsets import LOC, AttrSet

SELECT_KINDS = ("nodes", "fencing", "resources", "attributes")


@dataclass(frozen=True)
class AlertRecipient:
    id: str
    value: str
    description: str | None = None
    attributes: tuple[AttrSet, ...] = ()  # <instance_attributes>
    meta: tuple[AttrSet, ...] = ()
    location: SourceLocation | None = LOC


@dataclass(frozen=True)
class SelectAttribute:
    id: str
    name: str


@dataclass(frozen=True)
class Alert:
    id: str
    path: str
    description: str | None = None
    attributes: tuple[AttrSet, ...] = ()  # <instance_attributes>
    meta: tuple[AttrSet, ...] = ()
    select: tuple[str, ...] = ()  # SELECT_KINDS in the order written
    select_attributes: tuple[SelectAttribute, ...] = ()
    recipients: tuple[AlertRecipient, ...] = ()
    location: SourceLocation | None = LOC

    kind = "alert"
