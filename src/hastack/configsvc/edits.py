"""Operator edits of a configuration, as pure functions (crm_resource / crm_attribute / crm node's role).

Each takes a Configuration and returns the changed one, or raises a
HastackError naming what is wrong (an unknown resource or node, with "did you
mean"). The ids are Pacemaker's, so an operator coming from crm_resource
finds what they expect: `--move` adds `cli-prefer-RSC` (score INFINITY on the
node), `--ban` adds `cli-ban-RSC-on-NODE` (-INFINITY), `--clear` removes both
kinds; stop/start set the `target-role` meta attribute; standby is the node
attribute `standby`. `ConfigService.edit` commits them (compare-and-swap,
re-read and re-applied when another commit won).

Imports the model, didyoumean and errors.
"""

from __future__ import annotations

from dataclasses import replace

from hastack.didyoumean import did_you_mean
from hastack.errors import HastackError
from hastack.model.config import AttrSet, Configuration, Location
from hastack.model.scores import INFINITY

MOVE_PREFIX = "cli-prefer-"
BAN_PREFIX = "cli-ban-"


def known_resource(config: Configuration, rsc: str) -> None:
    if rsc not in config.resources:
        hint = did_you_mean(rsc, list(config.resources))
        raise HastackError(f"no resource {rsc!r} in the configuration",
                           hint=hint or "hastack status lists the resources")


def _known_node(config: Configuration, node: str) -> None:
    if config.node_named(node) is None:
        hint = did_you_mean(node, [n.uname for n in config.nodes])
        raise HastackError(f"no node {node!r} in the configuration", hint=hint or "hastack status lists the nodes")


def _set_pair(sets: tuple[AttrSet, ...], default_id: str, name: str, value: str | None) -> tuple[AttrSet, ...]:
    """`name` set (None: removed) in the first rule-less set, created when there is none."""
    out = list(sets)
    idx = next((i for i, s in enumerate(out) if s.rule is None), None)
    if idx is None:
        if value is None:
            return sets
        out.append(AttrSet(id=default_id))
        idx = len(out) - 1
    pairs = [(k, v) for k, v in out[idx].pairs if k != name]
    if value is not None:
        pairs.append((name, value))
    out[idx] = replace(out[idx], pairs=tuple(pairs))
    return tuple(out)


def set_target_role(config: Configuration, rsc: str, role: str | None) -> Configuration:
    """stop (Stopped), start (None: the attribute goes), or any role name."""
    known_resource(config, rsc)
    r = config.resources[rsc]
    meta = _set_pair(r.meta, f"{rsc}-meta_attributes", "target-role", role)
    resources = dict(config.resources)
    resources[rsc] = replace(r, meta=meta)
    return replace(config, resources=resources)


def move(config: Configuration, rsc: str, node: str) -> Configuration:
    known_resource(config, rsc)
    _known_node(config, node)
    kept = tuple(c for c in config.constraints if c.id != MOVE_PREFIX + rsc)
    return replace(config, constraints=kept + (Location(id=MOVE_PREFIX + rsc, rsc=rsc, score=INFINITY, node=node),))


def ban(config: Configuration, rsc: str, node: str) -> Configuration:
    known_resource(config, rsc)
    _known_node(config, node)
    cid = f"{BAN_PREFIX}{rsc}-on-{node}"
    kept = tuple(c for c in config.constraints if c.id != cid)
    return replace(config, constraints=kept + (Location(id=cid, rsc=rsc, score=-INFINITY, node=node),))


def clear(config: Configuration, rsc: str) -> Configuration:
    """Remove what move and ban added for `rsc`."""
    known_resource(config, rsc)
    mine = {MOVE_PREFIX + rsc}
    kept = tuple(c for c in config.constraints
                 if c.id not in mine and not c.id.startswith(f"{BAN_PREFIX}{rsc}-on-"))
    return replace(config, constraints=kept)


def _node_attribute(config: Configuration, node: str, name: str, value: str | None) -> Configuration:
    """The permanent node attribute `name` of `node` set (None: removed)."""
    _known_node(config, node)
    nodes = tuple(replace(n, attributes=_set_pair(n.attributes, f"nodes-{n.id}", name, value)) if n.uname == node
                  else n for n in config.nodes)
    return replace(config, nodes=nodes)


def standby(config: Configuration, node: str, on: bool) -> Configuration:
    return _node_attribute(config, node, "standby", "on" if on else None)


def maintenance(config: Configuration, node: str, on: bool) -> Configuration:
    """`crm node maintenance|ready NODE`: the node attribute maintenance (its resources are left
    alone: not monitored, not stopped, not moved, until the node is ready again)."""
    return _node_attribute(config, node, "maintenance", "true" if on else None)


def set_property(config: Configuration, name: str, value: str | None) -> Configuration:
    """`crm configure property NAME=VALUE` (None: the property goes back to its default)."""
    if not name or "=" in name or any(c.isspace() for c in name):
        raise HastackError(f"{name!r} is not a property name", hint="e.g. stonith-enabled=false")
    return replace(config, properties=_set_pair(config.properties, "cib-bootstrap-options", name, value))
