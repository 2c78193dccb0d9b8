"""Checks of single resources: agent class and provider, operations.

Imports nothing of hastack but errors, the model and validate.report.
"""

from __future__ import annotations

from hastack.didyoumean import closest
from hastack.model import durations
from hastack.model.config import Configuration, Op, Primitive, Template
from hastack.model.values import AGENT_CLASSES, Role
from hastack.validate.report import Reporter


def promotable_ids(config: Configuration) -> set[str]:
    """Promotable clones and everything inside them."""
    out: set[str] = set()
    for r in config.resources.values():
        if getattr(r, "promotable", False):
            out.add(r.id)
            child = config.resources.get(r.children[0]) if r.children else None
            if child is not None:
                out.add(child.id)
                out.update(child.children)
    return out


def check_resources(config: Configuration, rep: Reporter) -> None:
    promotable = promotable_ids(config)
    for r in config.resources.values():
        if not isinstance(r, (Primitive, Template)):
            continue
        agent = r.agent
        if agent is not None:
            if agent.cls not in AGENT_CLASSES:
                best = closest(agent.cls, list(AGENT_CLASSES))
                rep.error(f"{r.id}: unknown resource agent class {agent.cls!r}", r.location,
                          f"did you mean {best!r}?" if best else f"use one of {', '.join(AGENT_CLASSES)}",
                          word=str(agent))
            elif agent.cls == "ocf" and not agent.provider:
                rep.error(f"{r.id}: an ocf agent needs a provider", r.location,
                          f"write ocf:PROVIDER:{agent.type}, e.g. ocf:heartbeat:{agent.type}", word=str(agent))
        _ops(r, rep, r.id in promotable)


def _ops(r: Primitive | Template, rep: Reporter, promotable: bool) -> None:
    seen: dict[tuple[str, int], Op] = {}
    for op in r.ops:
        key = (op.name, op.interval_ms)
        if key in seen and op.enabled and seen[key].enabled:
            rep.error(f"{r.id} has two {op.name} operations with the same interval "
                      f"({durations.format_ms(op.interval_ms)})", op.location or r.location,
                      "Pacemaker identifies an operation by name and interval: give each a different interval "
                      "(the Guide uses 30s for Slave and 29s for Master)", word=op.name)
        seen.setdefault(key, op)
        if op.name == "monitor" and op.interval_ms == 0:
            rep.warn(f"{r.id}: this monitor has no interval, so it is not a recurring check", op.location or r.location,
                     "with interval 0 Pacemaker runs it only once, like a probe: failures of the running "
                     "resource are never noticed. Add interval=, e.g. op monitor interval=30s timeout=20s",
                     word=op.name)
        needs_promotable = op.role in (Role.PROMOTED, Role.UNPROMOTED) or op.name in ("promote", "demote")
        if needs_promotable and not promotable and isinstance(r, Primitive):
            what = f"role={op.role.value}" if op.role in (Role.PROMOTED, Role.UNPROMOTED) else f"a {op.name} operation"
            rep.warn(f"{r.id} has {what}, but it is not in a promotable clone, so it never runs",
                     op.location or r.location,
                     f"put {r.id} in a promotable clone: clone c_{r.id} {r.id} meta promotable=true", word=op.name)
