"""Are the resource agents a configuration names installed, and do they take its parameters?

Missing agents are warnings with did-you-mean, but an agent that differs from an installed one only in
case (IPAddr2 for IPaddr2) is an error: the name was surely meant, and no node can run it; parameters the installed agent's meta-data does
not declare, and required ones not given, are errors (as crmsh has them).

The check is pure: the caller passes an AgentCatalog that knows what is
installed (the CLI builds one from hastack.agents; tests pass a fake). A
configuration may be written for other machines, so a missing agent is a
warning here; it becomes a hard error only when a node tries to run it.

Imports nothing of hastack but errors, the model and validate.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Protocol

from hastack.didyoumean import closest
from hastack.errors import Diagnostic, Severity
from hastack.model.config import Configuration, Primitive, Template, merged
from hastack.model.values import AgentRef
from hastack.validate.report import Reporter


class AgentCatalog(Protocol):
    def ocf_providers(self) -> list[str] | None:
        """Installed OCF providers, or None when unknown."""

    def types(self, cls: str, provider: str | None) -> list[str] | None:
        """Installed agent types of a class (and OCF provider), or None when unknown."""

    def check_params(self, agent: AgentRef, params: Mapping[str, str]) -> list[Diagnostic] | None:
        """Findings about `params` from the installed agent's meta-data (unknown parameter,
        missing required one, ...), or None when the meta-data cannot be had."""


def check_agents(config: Configuration, rep: Reporter, catalog: AgentCatalog) -> None:
    providers = catalog.ocf_providers()
    missing_providers: dict[str, list[str]] = {}
    for r in config.resources.values():
        if not isinstance(r, (Primitive, Template)) or r.agent is None:
            continue
        agent = r.agent
        if agent.cls == "ocf" and agent.provider and providers is not None and agent.provider not in providers:
            if agent.provider not in missing_providers:
                missing_providers[agent.provider] = []
                best = closest(agent.provider, providers)
                rep.warn(f"{r.id}: OCF provider {agent.provider!r} is not installed on this machine "
                         f"({agent} cannot run here)", r.location,
                         f"did you mean {best!r}?" if best else
                         f"install its agents into /usr/lib/ocf/resource.d/{agent.provider}/ on every node; "
                         f"installed providers: {', '.join(providers) or 'none'}", word=str(agent))
            missing_providers[agent.provider].append(r.id)
            continue
        known = catalog.types(agent.cls, agent.provider)
        if known and agent.type in known and isinstance(r, Primitive):
            _params(r, agent, rep, catalog)
        if not known or agent.type in known:
            continue
        same = [t for t in known if t.lower() == agent.type.lower()]
        if same:  # agent names are file names: IPAddr2 is not IPaddr2, and the cluster cannot run it
            right = str(agent).removesuffix(agent.type) + same[0]
            rep.error(f"{r.id}: resource agent {agent} is not installed; {right} is (agent names are "
                      f"case-sensitive)", r.location, f"did you mean {same[0]!r}? write {right}", word=str(agent))
            continue
        best = closest(agent.type, known)
        rep.warn(f"{r.id}: resource agent {agent} is not installed on this machine", r.location,
                 f"did you mean {best!r}?" if best else f"install it on every node, or check the name "
                 f"(`hastack agent list {agent.cls}` shows what is installed)", word=str(agent))


def _params(r: Primitive, agent: AgentRef, rep: Reporter, catalog: AgentCatalog) -> None:
    """crmsh's meta-data check: unknown and missing required parameters are errors."""
    if any(s.rule is not None or s.id_ref is not None for s in r.params):
        return  # conditional or referenced sets: which values apply depends on the node
    found = catalog.check_params(agent, merged(r.params))
    for d in found or []:
        name = d.message.rsplit("'", 2)[-2] if d.message.count("'") >= 2 else None
        message = f"{r.id}: {d.message}"
        if d.severity is Severity.ERROR:
            rep.error(message, r.location, d.hint, word=name)
        else:
            rep.warn(message, r.location, d.hint, word=name)
