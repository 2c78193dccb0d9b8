"""Text renderings of a Transition: the summary, allocation scores, the action graph (text and dot).

Every function takes the scheduler's output values and returns a string; none
computes a decision. The formats follow crm_simulate where it has one:

- `summary_block`: "Transition Summary:" then one `  * ` line per change, in the
  normalized form of pacemaker-oracle.sh (no column padding).
- `score_lines`: `crm_simulate -s` lines, `RSC allocation score on NODE: SCORE`.
- `graph_text`: one action a line with its id and the ids it waits for.
- `graph_dot`: Graphviz, in the spirit of `crm_simulate -D`: real actions as
  solid boxes, pseudo actions dashed, optional ones grey.

Imports only the model and the scheduler's output types (by duck typing).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Protocol

from hastack.model import scores as score_math


class ActionLike(Protocol):
    id: int
    task: str
    rsc: str | None
    node: str | None
    interval_ms: int
    pseudo: bool
    optional: bool
    after: tuple[int, ...]
    reason: str


class TransitionLike(Protocol):
    actions: tuple[ActionLike, ...]
    scores: Mapping[str, Mapping[str, int]]
    summary: tuple[str, ...]


def summary_block(summary: Iterable[str]) -> str:
    lines = ["Transition Summary:"] + [f"  * {line}" for line in summary]
    return "\n".join(lines) + "\n"


def score_lines(scores: Mapping[str, Mapping[str, int]]) -> list[str]:
    """`RSC allocation score on NODE: SCORE`, resources in the scheduler's order, nodes by name."""
    out = []
    for rsc, per_node in scores.items():
        for node in sorted(per_node):
            out.append(f"{rsc} allocation score on {node}: {score_math.format(per_node[node])}")
    return out


def action_key(a: ActionLike) -> str:
    """Pacemaker's action name: RSC_TASK_INTERVAL (a fencing op names its target)."""
    if a.task in ("stonith", "fence", "reboot", "off", "on") and a.rsc is None:
        return f"stonith-{a.node}-{'off' if a.task == 'off' else 'reboot'}"
    if a.rsc is None:
        return a.task
    return f"{a.rsc}_{a.task}_{a.interval_ms}"


def action_label(a: ActionLike) -> str:
    """The text of one action: key, node, and flags."""
    text = action_key(a)
    if a.node and not text.startswith("stonith-"):
        text += f" {a.node}"
    flags = [f for f, on in (("pseudo", a.pseudo), ("optional", a.optional)) if on]
    if flags:
        text += f" ({', '.join(flags)})"
    return text


def graph_text(actions: Iterable[ActionLike]) -> str:
    """One line per action: `[id] label  <- after ids`, then the reason if given."""
    acts = list(actions)
    if not acts:
        return "Transition Graph: (no actions)\n"
    width = len(str(max(a.id for a in acts)))
    by_id = {a.id: a for a in acts}
    lines = ["Transition Graph:"]
    for a in acts:
        line = f"  [{a.id:>{width}}] {action_label(a)}"
        if a.after:
            line += "  <- " + ", ".join(f"[{i}]" if i in by_id else f"[{i}?]" for i in a.after)
        if a.reason:
            line += f"  # {a.reason}"
        lines.append(line)
    return "\n".join(lines) + "\n"


def _dot_quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def graph_dot(actions: Iterable[ActionLike], name: str = "transition") -> str:
    """Graphviz dot: one box per action, an edge from each prerequisite to what waits for it.

    Real actions are bold boxes (black when required, grey when optional);
    pseudo actions (a clone's "running", a group's "stopped"...) are dashed.
    """
    acts = list(actions)
    lines = [f"digraph {_dot_quote(name)} {{", "  rankdir=TB;", '  node [shape=box, fontname="sans"];']
    for a in acts:
        style = ["dashed"] if a.pseudo else ["bold"]
        color = "grey" if a.optional else ("blue" if a.pseudo else "black")
        lines.append(f"  a{a.id} [label={_dot_quote(action_label(a))}, style={_dot_quote(','.join(style))},"
                     f" color={color}, fontcolor={color}];")
    known = {a.id for a in acts}
    for a in acts:
        for before in a.after:
            if before in known:
                lines.append(f"  a{before} -> a{a.id};")
    lines.append("}")
    return "\n".join(lines) + "\n"
