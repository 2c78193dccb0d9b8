"""parse(render(c)) == c for random valid configurations (Hypothesis)."""

from __future__ import annotations

import dataclasses
from typing import Any

from crm_strategies import configurations
from hypothesis import HealthCheck, given, settings

from hastack.crm import canonical, parse, render
from hastack.model.config import Configuration, DateExpression, Expression


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(configurations())
def test_parse_of_render_gives_the_configuration_back(config: Configuration) -> None:
    text = render(config)
    result = parse(text, "rendered.crm")
    assert result.config == config, text
    assert render(result.config) == text
    assert all("has no value" in w.message for w in result.warnings)  # the names written without one


@settings(max_examples=25, deadline=None)
@given(configurations())
def test_canonical_order_is_idempotent(config: Configuration) -> None:
    assert canonical(config) == config
    reordered = Configuration(config.nodes, dict(reversed(list(config.resources.items()))),
                              tuple(reversed(config.constraints)), config.properties, config.rsc_defaults,
                              config.op_defaults, config.fencing_topology, config.tags, config.acl_roles,
                              config.acl_targets, config.alerts)
    # A rule referred to by id is written out where it comes first: reordered, its expressions
    # may be named after another owner (crm cannot spell their ids).
    assert _expression_ids_aside(parse(render(reordered)).config) == _expression_ids_aside(canonical(reordered))


def _expression_ids_aside(x: Any) -> Any:
    if isinstance(x, (Expression, DateExpression)):
        return dataclasses.replace(x, id="-")
    if isinstance(x, tuple):
        return tuple(_expression_ids_aside(i) for i in x)
    if isinstance(x, Configuration):
        return tuple(_expression_ids_aside(getattr(x, f.name) if f.name != "resources" else tuple(x.resources.items()))
                     for f in dataclasses.fields(x))
    if dataclasses.is_dataclass(x) and not isinstance(x, type):
        return dataclasses.replace(x, **{f.name: _expression_ids_aside(getattr(x, f.name))  # type: ignore[arg-type]
                                         for f in dataclasses.fields(x) if f.init and f.compare})
    return x
