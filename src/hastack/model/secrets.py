"""Which parameter values are secrets, and how they are shown: never.

The one place that masks: every place that prints or logs parameters
(diagnostics of the parser and the validator, agent output, the demo,
`configure show --mask`) goes through these functions. A parameter is secret
when its name says so (password, passwd, secret, token, key material) or when
the agent's meta-data marks it (callers pass extra names).

    is_secret(name)                      a secret parameter name?
    secret_values(config, extra_names)   the values to hide for a configuration
    mask_text(text, secrets)             free text with every secret value replaced by MASK
    mask_diagnostics(diags, secrets)     the same for message, hint and quoted source line
    masked_config(config, extra_names)   the configuration with secret values replaced by MASK

Imports nothing of hastack beyond the model and errors.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import replace

from hastack.errors import Diagnostic
from hastack.model.config import AttrSet, Configuration, Node, Op, Primitive, Resource, Template

MASK = "******"
# cookie: an Erlang cookie (ocf:hastack:rabbitmq's erlang_cookie) lets its holder run code on every node
_SECRET_NAME = re.compile(r"(pass(word|wd|phrase)?|secret|token|credential|private[_-]?key|api[_-]?key|auth[_-]?key"
                          r"|cookie)$|^(passwd|pw)$", re.IGNORECASE)
_SHORTEST = 3  # shorter values would mask ordinary words ("1", "on") all over the text


def is_secret(name: str, extra_names: Iterable[str] = ()) -> bool:
    return name in extra_names or bool(_SECRET_NAME.search(name.replace("-", "_")))


def _attr_sets(config: Configuration) -> Iterator[AttrSet]:
    """Every name=value set that may carry a secret: instance attributes of resources and their
    operations, node attributes, and the attributes of alerts and their recipients."""
    for r in config.resources.values():
        yield from getattr(r, "params", ())
        for op in getattr(r, "ops", ()):
            yield from op.params
    for n in config.nodes:
        yield from n.attributes
    for a in config.alerts:
        yield from a.attributes
        for rec in a.recipients:
            yield from rec.attributes


def secret_values(config: Configuration, extra_names: Iterable[str] = ()) -> set[str]:
    names = frozenset(extra_names)
    return {v for s in _attr_sets(config) for k, v in s.pairs if is_secret(k, names)}


def mask_text(text: str, secrets: Iterable[str]) -> str:
    """Replace every occurrence of each secret value (of at least 3 characters) in free text."""
    for value in sorted({s for s in secrets if s and len(s) >= _SHORTEST}, key=len, reverse=True):
        text = text.replace(value, MASK)
    return text


def mask_diagnostics(diags: Iterable[Diagnostic], secrets: Iterable[str]) -> list[Diagnostic]:
    values = {s for s in secrets if s and len(s) >= _SHORTEST}
    if not values:
        return list(diags)
    return [replace(d, message=mask_text(d.message, values), hint=mask_text(d.hint, values),
                    source_line=mask_text(d.source_line, values)) for d in diags]


def masked_config(config: Configuration, extra_names: Iterable[str] = ()) -> Configuration:
    """`config` with the value of every secret parameter replaced by MASK (ids and names kept)."""
    names = frozenset(extra_names)

    def hide(sets: tuple[AttrSet, ...]) -> tuple[AttrSet, ...]:
        return tuple(replace(s, pairs=tuple((k, MASK if is_secret(k, names) else v) for k, v in s.pairs))
                     for s in sets)

    def hide_ops(ops: tuple[Op, ...]) -> tuple[Op, ...]:
        return tuple(replace(op, params=hide(op.params)) for op in ops)

    resources: dict[str, Resource] = {}
    for key, r in config.resources.items():
        if isinstance(r, (Primitive, Template)):
            resources[key] = replace(r, params=hide(r.params), ops=hide_ops(r.ops))
        else:
            resources[key] = replace(r, params=hide(r.params))
    nodes: tuple[Node, ...] = tuple(replace(n, attributes=hide(n.attributes)) for n in config.nodes)
    alerts = tuple(replace(a, attributes=hide(a.attributes),
                           recipients=tuple(replace(r, attributes=hide(r.attributes)) for r in a.recipients))
                   for a in config.alerts)
    return replace(config, resources=resources, nodes=nodes, alerts=alerts)
