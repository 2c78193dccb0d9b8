"""Live migration's actions and orderings (Pacemaker's pcmk_sched_migration.c).

Owns: whether a moving resource may migrate (allow-migrate, managed, not failed, no pending
start, both nodes clean); whether a partial migration found in history continues or is
abandoned for a full recovery; the migrate_to (on the source) and migrate_from (on the
target) actions that replace a move's start, with the start turned into a pseudo-action;
the stops that end dangling migrations; and the migration equivalents of orderings between
two resources ("A start then B start" also orders B's migrate_to, and so on).

What the migrate_runnable flag then does along orderings is propagation.py's business.

Imports only the scheduler's own modules.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from hastack.scheduler.graph import Act, O
from hastack.scheduler.working import WNode, WRsc

# custom(rsc, task, node, optional) -> the action (created or found), as ActionBuilder.custom
Custom = Callable[[WRsc, str, "WNode | None", bool], Act]
# (first resource or action, its task, then resource or action, its task, flags)
Ordering = tuple["WRsc | Act", str, "WRsc | Act", str, O]


def can_migrate(r: WRsc, current: WNode | None) -> bool:
    """pcmk__rsc_can_migrate."""
    if not r.allow_migrate or not r.managed or r.failed or r.start_pending:
        return False
    if current is None or current.unclean:
        return False
    return r.allocated_to is not None and not r.allocated_to.unclean


@dataclass
class MigrationPlan:
    """What create_primitive needs to know about a resource's migration."""

    allow: bool  # migrate instead of stop and start
    need_stop: bool  # a partial migration is abandoned: stop it wherever it is active
    multiply_checked: bool  # the partial-migration branch decided; no multiply-active check


def plan(r: WRsc, current: WNode | None, is_moving: bool, n_all: int) -> MigrationPlan:
    """The partial-migration part of pcmk__primitive_create_actions: a partial migration
    continues only from the same source to the same target; otherwise it is abandoned."""
    allow = is_moving and can_migrate(r, current)
    source, target = r.partial_migration_source, r.partial_migration_target
    if source is not None and target is not None and allow and n_all == 2 \
            and current is source and r.allocated_to is target:
        return MigrationPlan(True, False, True)
    if source is not None or target is not None:
        r.partial_migration_source = r.partial_migration_target = None
        return MigrationPlan(False, True, True)
    return MigrationPlan(allow, False, False)


def abort_dangling(r: WRsc, custom: Custom) -> None:
    """pcmk__abort_dangling_migration: stop the resource on each source whose migration
    completed; this stop does not make the resource's start required."""
    for source in r.dangling_migrations:
        stop = custom(r, "stop", source, False)
        stop.dangle = True


def create_actions(r: WRsc, current: WNode, custom: Custom, orders: list[Ordering]) -> None:
    """pcmk__create_migration_actions: migrate_to on the source (unless a partial migration
    already did it), migrate_from on the target; the start becomes a pseudo-action."""
    target = r.allocated_to
    assert target is not None
    partial = r.partial_migration_target is not None
    start = custom(r, "start", target, True)
    stop = custom(r, "stop", current, True)
    migrate_to = None if partial else custom(r, "migrate_to", current, True)
    migrate_from = custom(r, "migrate_from", target, True)
    start.migrate_runnable = stop.migrate_runnable = True
    start.pseudo = True  # easier than taking it out of the graph
    migrate_from.migrate_runnable = True
    if migrate_to is not None:
        migrate_to.migrate_runnable = True
        migrate_to.needs = start.needs
        orders.append((r, "monitor", r, "migrate_to", O.OPTIONAL))  # after any probe
        orders.append((r, "migrate_to", r, "migrate_from", O.OPTIONAL | O.IMPLIES_FIRST_MIGRATABLE))
    else:
        migrate_from.needs = start.needs
        orders.append((r, "monitor", r, "migrate_from", O.OPTIONAL))
    orders.append((r, "migrate_from", r, "stop", O.OPTIONAL | O.IMPLIES_FIRST_MIGRATABLE))
    orders.append((r, "migrate_from", r, "start",
                   O.OPTIONAL | O.IMPLIES_FIRST_MIGRATABLE | O.PSEUDO_LEFT))
    where = {"migrate_source": current.uname, "migrate_target": target.uname}
    migrate_from.add_meta(where)
    if migrate_to is not None:
        migrate_to.add_meta(where)
        # the source may leave the cluster while migrate_to runs: record it as pending
        migrate_to.add_meta({"record_pending": "true"})


def _related(a: WRsc, b: WRsc) -> bool:
    """One is the other or contains it."""
    for x, y in ((a, b), (b, a)):
        p: WRsc | None = x
        while p is not None:
            if p is y:
                return True
            p = p.parent
    return False


def _side(x: WRsc | Act, task: str) -> tuple[WRsc | None, str]:
    if isinstance(x, Act):
        return x.rsc, x.task
    return x, task


def equivalents(first: WRsc | Act, ftask: str, then: WRsc | Act, ttask: str,
                then_partial: bool) -> list[Ordering]:
    """pcmk__order_migration_equivalents: orderings of starts, stops, promotes and demotes
    between two unrelated resources must hold for their migration actions too.
    `then_partial`: 'then' is partially migrated (as Pacemaker saw it when the ordering was made)."""
    frsc, f = _side(first, ftask)
    trsc, t = _side(then, ttask)
    if frsc is None or trsc is None or _related(frsc, trsc):
        return []
    fm, tm = frsc.allow_migrate, trsc.allow_migrate
    if not fm and not tm:
        return []
    out: list[Ordering] = []
    non_migratable = O.OPTIONAL | O.APPLY_FIRST_NON_MIGRATABLE if fm else O.OPTIONAL
    if f == "start" and t == "start":
        if fm and tm:
            out.append((frsc, "migrate_from", trsc, "migrate_to", O.OPTIONAL))
        if tm:
            out.append((frsc, "start", trsc, "migrate_to", non_migratable))
    elif tm and f == "stop" and t == "stop":
        # stop A then stop B: B's migrate_to waits for A's stop when A moves by restart
        out.append((frsc, "stop", trsc, "migrate_to", non_migratable))
        if then_partial:
            out.append((frsc, "stop", trsc, "migrate_from", non_migratable))
    elif tm and f == "promote" and t == "start":
        out.append((frsc, "promote", trsc, "migrate_to", O.OPTIONAL))
    elif tm and f == "demote" and t == "stop":
        out.append((frsc, "demote", trsc, "migrate_to", O.OPTIONAL))
        if then_partial:
            out.append((frsc, "demote", trsc, "migrate_from", O.OPTIONAL))
    return out
