"""Ticket constraints: rsc_ticket and what losing (or never having) a ticket does.

Owns the reading of rsc_ticket constraints (single resource or resource sets; tag and
template references are expanded beforehand, see refs.py) against the status section's ticket states, and their effect
(Pacemaker's pcmk_sched_tickets.c): a resource whose ticket is not granted, or is in
standby, is banned from every node -- unless only its Promoted role needs the ticket
and the loss-policy is not `stop`, in which case only promotion is banned
(`Unpacked.promotion_needs_ticket`, read when promotable instances are sorted). A resource still
active when its ticket is lost follows the loss-policy: `stop` (the ban), `demote`,
`fence` (its nodes are fenced: "deadman ticket was lost") or `freeze` (left
unmanaged and blocked where it is).

A ticket no ticket_state mentions is not granted. Imports only the model and the
scheduler's own modules.
"""

from __future__ import annotations

from dataclasses import dataclass

from hastack.model import scores
from hastack.model.config import Configuration, ResourceSet, Ticket
from hastack.model.state import TicketState
from hastack.model.values import Role
from hastack.scheduler.nodes import fence_node
from hastack.scheduler.unpack import Ban, Unpacked
from hastack.scheduler.working import R, WRsc

INF = scores.INFINITY
LOSS_POLICIES = ("stop", "demote", "fence", "freeze")


@dataclass(frozen=True)
class TicketRule:
    """One resource's dependency on one ticket (a set yields one per resource)."""

    id: str
    rsc: WRsc
    ticket: str
    granted: bool
    standby: bool
    role: R  # UNKNOWN: any role (rsc-role absent or Started)
    loss_policy: str  # stop demote fence freeze

    @property
    def usable(self) -> bool:
        return self.granted and not self.standby


def loss_policy(configured: str | None, role: R, fencing: bool) -> str:
    """The effective loss-policy: `fence` needs fencing (else `stop`); the default is
    `demote` for a Promoted-only dependency and `stop` otherwise; unknown values as the default."""
    text = (configured or "").lower()
    if text == "fence" and not fencing:
        text = "stop"
    if text in LOSS_POLICIES:
        return text
    return "demote" if role == R.PROMOTED else "stop"


def _role(role: Role | None) -> R:
    return R.UNKNOWN if role is None or role is Role.STARTED else R.of(role)


def ticket_rules(config: Configuration, tickets: dict[str, TicketState], u: Unpacked) -> list[TicketRule]:
    """Every (resource, ticket) dependency of the configuration, in configuration order."""
    out: list[TicketRule] = []
    fencing = u.options.stonith_enabled
    for c in config.constraints:
        if not isinstance(c, Ticket):
            continue
        state = tickets.get(c.ticket)
        granted = state.granted if state is not None else False
        standby = state.standby if state is not None else False
        sets: tuple[ResourceSet, ...] = c.sets
        if not sets and c.rsc is not None:
            sets = (ResourceSet(c.id, (c.rsc,), role=c.rsc_role),)
        for s in sets:
            role = _role(s.role)
            for rid in s.resources:
                r = u.constraint_rsc(rid)
                if r is not None:
                    out.append(TicketRule(s.id if c.sets else c.id, r, c.ticket, granted, standby, role,
                                          loss_policy(c.loss_policy, role, fencing)))
    return out


def apply_tickets(config: Configuration, u: Unpacked) -> None:
    """Every ticket constraint's effect, right after unpacking: bans (u.bans, applied with
    the other scores), fencing, freezing, and the promotable clones that may not promote."""
    rules = ticket_rules(config, u.tickets, u)
    for rule in rules:
        if not rule.usable:
            for p in rule.rsc.primitives():
                _primitive(rule, p, u)
    u.promotion_needs_ticket.update(
        rule.rsc.id for rule in rules if rule.rsc.variant == "clone" and rule.role == R.PROMOTED and not rule.usable)


def _ban(rule: TicketRule, p: WRsc, u: Unpacked, why: str) -> None:
    u.bans.append(Ban(p, None, -INF, f"ticket:{rule.id}", f"ticket {rule.ticket} {why} ({rule.id})"))


def _primitive(rule: TicketRule, p: WRsc, u: Unpacked) -> None:
    if not rule.granted and p.running_on:
        policy = rule.loss_policy
        if policy == "stop" or (policy == "demote" and rule.role != R.PROMOTED):
            _ban(rule, p, u, "was lost")
        elif policy == "fence" and rule.role in (R.UNKNOWN, p.role):
            _ban(rule, p, u, "was lost")
            for n in list(p.running_on):
                fence_node(u, n, "deadman ticket was lost")
        elif policy == "freeze" and rule.role in (R.UNKNOWN, p.role):
            p.managed = False
            p.block = True
    elif rule.role != R.PROMOTED or rule.loss_policy == "stop":
        _ban(rule, p, u, "is not granted" if not rule.granted else "is in standby")
