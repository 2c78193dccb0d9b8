"""Why a resource runs where it runs, in plain words.

Reads the scheduler's output (placement, final scores, and the per-node
contributions that made them) and writes, for one resource or each instance
of a clone: every node with each contribution and the total, then the
verdict — why it runs here and not there, or why it runs nowhere. Nothing is
recomputed here; a total that the listed contributions do not add up to is
shown as such rather than papered over.

Imports only the model and errors; the transition is duck-typed.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Protocol

from hastack.didyoumean import did_you_mean
from hastack.errors import HastackError
from hastack.model import scores as score_math
from hastack.model.config import Clone, Configuration, Group, merged
from hastack.model.values import Role


class PlacementLike(Protocol):
    node: str | None
    role: Role


class ContributionLike(Protocol):
    node: str
    delta: int
    source: str
    text: str


class ExplainableTransition(Protocol):
    placement: Mapping[str, PlacementLike]
    scores: Mapping[str, Mapping[str, int]]
    contributions: Mapping[str, tuple[ContributionLike, ...]]
    summary: tuple[str, ...]


def _fmt(score: int) -> str:
    if score >= score_math.INFINITY:
        return "+INFINITY"
    if score <= score_math.MINUS_INFINITY:
        return "-INFINITY"
    return f"{score:+d}"


def _instances(t: ExplainableTransition, config: Configuration, rsc: str) -> list[str]:
    """The placement keys that `rsc` names: itself, its clone instances, or its members' instances."""
    keys = list(t.placement)
    if rsc in t.placement:
        return [rsc]
    found = [k for k in keys if k.split(":", 1)[0] == rsc]
    if found:
        return found
    r = config.resources.get(rsc)
    children: list[str] = []
    if isinstance(r, Group):
        children = list(r.members)
    elif isinstance(r, Clone):
        children = [r.child]
    out: list[str] = []
    for c in children:
        out += _instances(t, config, c)
    return out


def resolve(t: ExplainableTransition, config: Configuration, rsc: str) -> list[str]:
    """Placement keys for `rsc`, or a HastackError naming the resources there are."""
    targets = _instances(t, config, rsc)
    if targets:
        return targets
    known = sorted(set(config.resources) | {k.split(":", 1)[0] for k in t.placement})
    if rsc in config.resources:
        raise HastackError(f"resource {rsc!r} has no placement in this transition",
                           hint="templates and orphaned history are not placed")
    hint = did_you_mean(rsc, known)
    hint += " " if hint else ""
    shown = ", ".join(known[:20]) + (" ..." if len(known) > 20 else "")
    raise HastackError(f"unknown resource {rsc!r}", hint=f"{hint}resources: {shown or '(none)'}")


def _where(p: PlacementLike | None) -> str:
    if p is None or p.node is None:
        return "stays stopped" if p is None or p.role is Role.STOPPED else f"stopped ({p.role.value})"
    if p.role is Role.PROMOTED:
        return f"runs promoted on {p.node}"
    if p.role is Role.UNPROMOTED:
        return f"runs unpromoted on {p.node}"
    return f"runs on {p.node}"


def _node_totals(t: ExplainableTransition, key: str) -> dict[str, int]:
    totals = dict(t.scores.get(key, {}))
    for c in t.contributions.get(key, ()):
        totals.setdefault(c.node, score_math.total(*(x.delta for x in t.contributions.get(key, ())
                                                     if x.node == c.node)))
    return totals


def _target_role_stopped(config: Configuration, key: str) -> bool:
    cur: str | None = key.split(":", 1)[0]
    parents = config.parent_of
    while cur is not None:
        r = config.resources.get(cur)
        if r is not None and merged(getattr(r, "meta", ())).get("target-role", "").lower() == "stopped":
            return True
        cur = parents.get(cur)
    return False


def _verdict(config: Configuration, key: str, p: PlacementLike | None, totals: Mapping[str, int],
             worst: Mapping[str, str]) -> list[str]:
    ranked = sorted(totals.items(), key=lambda kv: (-kv[1], kv[0]))
    allowed = [(n, s) for n, s in ranked if s >= 0]
    lines: list[str] = []
    if p is not None and p.node is not None:
        here = totals.get(p.node)
        others = [(n, s) for n, s in ranked if n != p.node]
        if here is None:
            lines.append(f"It {_where(p)}; the scheduler reported no score for {p.node}.")
        else:
            best_other = others[0] if others else None
            if best_other is None:
                lines.append(f"It {_where(p)}: the only node it may run on (score {score_math.format(here)}).")
            elif here > best_other[1]:
                lines.append(f"It {_where(p)}: {p.node} has the highest score ({score_math.format(here)}); "
                             f"next best is {best_other[0]} ({score_math.format(best_other[1])}).")
            elif here == best_other[1]:
                tied = [n for n, s in ranked if s == here]
                lines.append(f"It {_where(p)}: {', '.join(tied)} tie at {score_math.format(here)}; "
                             "Pacemaker breaks the tie by node order and by how many resources each "
                             "node already holds.")
            else:
                lines.append(f"It {_where(p)} although {best_other[0]} scores higher "
                             f"({score_math.format(best_other[1])} > {score_math.format(here)}): "
                             "the assignment of resources placed before it (colocations, clone "
                             "instances, utilization) left that node unavailable to it.")
        for n, s in others:
            if s < 0:
                why = f" ({worst[n]})" if n in worst else ""
                lines.append(f"Not on {n}: score {score_math.format(s)} forbids it{why}.")
        return lines
    # It runs nowhere.
    if _target_role_stopped(config, key):
        lines.append("It runs nowhere: it is disabled (target-role=Stopped on it or a parent).")
    elif not totals:
        lines.append("It runs nowhere: no node was considered for it (no node is available to host it).")
    elif not allowed:
        lines.append("It runs nowhere: every node scores below 0, and a resource may only run where its "
                     "score is 0 or more.")
        for n, s in ranked:
            why = f" ({worst[n]})" if n in worst else ""
            lines.append(f"Not on {n}: score {score_math.format(s)}{why}.")
    else:
        lines.append(f"It runs nowhere although {', '.join(n for n, _ in allowed)} would allow it: "
                     "something outside its scores keeps it stopped — a mandatory order or colocation "
                     "with a resource that cannot run, lost quorum, a failure that blocks it, or "
                     "startup held back until fencing is possible.")
    return lines


def explain_one(config: Configuration, t: ExplainableTransition, key: str) -> list[str]:
    p = t.placement.get(key)
    totals = _node_totals(t, key)
    contribs = t.contributions.get(key, ())
    lines = [f"{key} {_where(p)}."]
    worst: dict[str, str] = {}
    if totals:
        lines.append("Scores by node (a resource may run only where its score is 0 or more; "
                     "the highest wins):")
    for node, total in sorted(totals.items(), key=lambda kv: (-kv[1], kv[0])):
        mark = "  <- chosen" if p is not None and p.node == node else ""
        lines.append(f"  {node}: {score_math.format(total)}{mark}")
        mine = [c for c in contribs if c.node == node]
        for c in mine:
            lines.append(f"    {_fmt(c.delta):>10}  {c.text}" + (f"  [{c.source}]" if c.source else ""))
        if mine:
            summed = score_math.total(*(c.delta for c in mine))
            if summed != total:
                lines.append(f"    {'':>10}  (these add up to {score_math.format(summed)}; the rest, "
                             f"{score_math.format(total - summed) if abs(total) < score_math.INFINITY else '?'}, "
                             "comes from the scheduler's assignment steps)")
            neg = min(mine, key=lambda c: c.delta)
            if neg.delta < 0:
                worst[node] = neg.text
        elif total != 0:
            lines.append(f"    {'':>10}  (no recorded contributions: {score_math.format(total)} comes from the "
                         "scheduler's assignment steps — colocations, group and clone placement)")
            if total <= score_math.MINUS_INFINITY:
                worst[node] = "set while assigning: a colocation, or the node is taken by another instance"
        else:
            lines.append(f"    {'':>10}  (no recorded contributions)")
    lines += _verdict(config, key, p, totals, worst)
    return lines


def explain(config: Configuration, t: ExplainableTransition, rsc: str) -> str:
    """The whole explanation for `rsc` (each instance of a clone or member of a group in turn)."""
    targets = resolve(t, config, rsc)
    blocks = ["\n".join(explain_one(config, t, key)) for key in targets]
    planned = _planned(t.summary, targets)
    text = "\n\n".join(blocks)
    if planned:
        text += "\n\nPlanned in this transition:\n" + "\n".join(f"  * {line}" for line in planned)
    return text + "\n"


def _planned(summary: Sequence[str], targets: Sequence[str]) -> list[str]:
    names = set(targets)
    out = []
    for line in summary:
        words = line.split(" ")
        if len(words) > 1 and words[1] in names:
            out.append(line)
    return out
