"""parse(render(c)) == c, and the CIB export reads back to c, for random valid configurations (Hypothesis)."""

from __future__ import annotations

from crm_strategies import configurations
from hypothesis import HealthCheck, assume, given, settings

from hastack.cib import parse_cib, to_xml
from hastack.crm import canonical, parse, render
from hastack.model.config import Configuration


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
    assert parse(render(reordered)).config == canonical(reordered)


@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(configurations())
def test_the_cib_export_of_a_configuration_reads_back_to_it(config: Configuration) -> None:
    for r in config.resources.values():  # an op attribute given twice: XML has room for one
        for op in getattr(r, "ops", ()):
            assume(len({k for k, _ in op.attributes}) == len(op.attributes))
    assert canonical(parse_cib(to_xml(config)).config) == config
