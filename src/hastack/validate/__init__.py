"""Semantic checks of a Configuration, each finding located at the model object it is about.

    validate(config, sources=None) -> list[Diagnostic]     sources: file name -> text, for carets
    check_crm_text(text, source) -> CheckResult             parse + validate, never raises ConfigError

Modules: report (locating, masking secrets), references (undefined references,
duplicate ids and node names, containment), resources (agent classes, operations), meta
(values of meta attributes), constraints
(self-colocation, promotable roles, order cycles, patterns), cluster (properties,
quorum, fencing, ms), agents (installed agents and their parameters, through an
AgentCatalog the caller passes: validation itself does no I/O).

Imports the model, errors and hastack.crm (to parse text and spell fixes).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from hastack.crm import CrmSyntaxError, parse_sources
from hastack.errors import ConfigError, Diagnostic, Severity, in_order
from hastack.model.config import Configuration
from hastack.validate.agents import AgentCatalog, check_agents
from hastack.validate.cluster import check_cluster
from hastack.validate.constraints import check_constraints
from hastack.validate.meta import check_meta
from hastack.validate.references import check_duplicates, check_references
from hastack.validate.report import Reporter
from hastack.validate.resources import check_resources


def validate(config: Configuration, sources: Mapping[str, str] | None = None,
             agents: AgentCatalog | None = None) -> list[Diagnostic]:
    """Every semantic finding about `config`, errors and warnings, in source order.

    `agents`, when given, says which resource agents are installed (warnings for missing ones).
    """
    rep = Reporter(config, sources)
    if agents is not None:
        check_agents(config, rep, agents)
    check_duplicates(config, rep)
    check_references(config, rep)
    check_resources(config, rep)
    check_meta(config, rep)
    check_constraints(config, rep)
    check_cluster(config, rep)
    return in_order(rep.diagnostics, list(sources or ()))


@dataclass(frozen=True)
class CheckResult:
    config: Configuration | None
    diagnostics: list[Diagnostic] = field(default_factory=list)

    @property
    def errors(self) -> list[Diagnostic]:
        return [d for d in self.diagnostics if d.severity is Severity.ERROR]

    @property
    def warnings(self) -> list[Diagnostic]:
        return [d for d in self.diagnostics if d.severity is Severity.WARNING]

    @property
    def ok(self) -> bool:
        return self.config is not None and not self.errors

    def raise_if_errors(self) -> Configuration:
        if not self.ok or self.config is None:
            raise ConfigError(self.diagnostics)
        return self.config


def check_crm_text(text: str, source: str = "<stdin>", agents: AgentCatalog | None = None) -> CheckResult:
    """Parse and validate crm text (never raises ConfigError: see CheckResult.raise_if_errors)."""
    return check_crm_sources([(text, source)], agents)


def check_crm_sources(chunks: list[tuple[str, str]], agents: AgentCatalog | None = None) -> CheckResult:
    """Like check_crm_text for several (text, source) chunks read as one configuration.

    When the text does not parse, the semantic checks still run on what did
    parse, so one run reports every error; references to the ids of the
    statements that failed to parse are not reported again as undefined.
    """
    sources = {source: text for text, source in chunks}
    try:
        result = parse_sources(chunks)
    except CrmSyntaxError as err:
        semantic = [d for d in validate(err.partial, sources, agents)
                    if d.severity is Severity.ERROR and not _mentions(d, err.failed_ids)]
        return CheckResult(None, in_order(err.diagnostics + semantic, [source for _, source in chunks]))
    diags = result.warnings + validate(result.config, sources, agents)
    return CheckResult(result.config, in_order(diags, [source for _, source in chunks]))


def _mentions(d: Diagnostic, ids: set[str]) -> bool:
    return any(f"'{i}'" in d.message or f" {i} " in f" {d.message} " for i in ids)


__all__ = ["AgentCatalog", "CheckResult", "check_crm_sources", "check_crm_text", "validate"]
