"""Node health: the `#health*` node attributes turned into location scores.

Owns: reading node-health-strategy (and its base/green/yellow/red scores),
each node's overall health score, as Pacemaker's pe_health.c and
pcmk__apply_node_health compute them, and the colour crm_mon shows for a node. Placing those scores on resources is
scores.py's job; this module only says which score each node gets.

Imports only the model.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from hastack.errors import ValueSyntaxError
from hastack.model import scores
from hastack.model.values import is_true

STRATEGIES = ("none", "migrate-on-red", "only-green", "progressive", "custom")


@dataclass(frozen=True)
class HealthPolicy:
    """The strategy and the score each colour stands for."""

    strategy: str = "none"
    base: int = 0  # progressive only: every node starts from it
    red: int = 0
    yellow: int = 0
    green: int = 0

    def value(self, text: str) -> int:
        """Pacemaker's char2score: a colour is its strategy score; unreadable text is 0."""
        low = text.strip().lower()
        colours = {"red": self.red, "yellow": self.yellow, "green": self.green}
        if low in colours:
            return colours[low]
        try:
            return scores.parse(text)
        except ValueSyntaxError:
            return 0


def health_policy(props: Mapping[str, str]) -> HealthPolicy:
    """The cluster options' policy. An unknown strategy is `none`, as Pacemaker falls back to it."""
    strategy = props.get("node-health-strategy", "none").strip().lower()
    if strategy not in STRATEGIES or strategy == "none":
        return HealthPolicy()
    if strategy == "migrate-on-red":
        return HealthPolicy(strategy, red=-scores.INFINITY)
    if strategy == "only-green":
        return HealthPolicy(strategy, red=-scores.INFINITY, yellow=-scores.INFINITY)
    plain = HealthPolicy(strategy)  # colours are not scores in the options themselves

    def option(name: str, default: str) -> int:
        text = props.get(name, default)  # Pacemaker uses the default for a value it cannot read
        return plain.value(text if scores.is_option_number(text) else default)

    return HealthPolicy(
        strategy,
        base=option("node-health-base", "0") if strategy == "progressive" else 0,
        red=option("node-health-red", "-INFINITY"),
        yellow=option("node-health-yellow", "0"),
        green=option("node-health-green", "0"),
    )


def node_health(policy: HealthPolicy, attrs: Mapping[str, str]) -> int:
    """The node's overall health score: the base plus every `#health*` attribute's score.

    0 means the node's health places no constraint at all.
    """
    if policy.strategy == "none":
        return 0
    total = policy.base
    for name, value in attrs.items():
        if name.startswith("#health"):
            total = scores.add(policy.value(value), total)
    return total


def health_colour(policy: HealthPolicy, attrs: Mapping[str, str]) -> str:
    """The node's health as crm_mon shows it (pe__node_health): red when any `#health*`
    attribute is red or scores at most red's score, else yellow when any is yellow or scores at
    most yellow's (while yellow and green score differently), else green; green under `none`."""
    if policy.strategy == "none":
        return "green"
    colour = "green"
    for name, value in attrs.items():
        if not name.startswith("#health"):
            continue
        word = value.lower()  # a colour's name first: red's and yellow's scores may be green's
        if word == "red":
            return "red"
        if word == "yellow":
            colour = "yellow"
            continue
        score = policy.value(value)
        if score <= policy.red:
            return "red"
        if score <= policy.yellow and policy.yellow != policy.green:
            colour = "yellow"
    return colour


def constrains(health: int, meta: Mapping[str, str]) -> bool:
    """Whether a node's health score applies to a resource with these meta-attributes:
    allow-unhealthy-nodes=true makes a resource immune to negative health only."""
    return health > 0 or not is_true(meta.get("allow-unhealthy-nodes"))
