"""Are the resource agents a configuration names installed? (warnings, with did-you-mean)

The check is pure: the caller passes an AgentCatalog that knows what is
installed (the CLI builds one from hastack.agents; tests pass a fake). A
configuration may be written for other machines, so a missing agent is a
warning here; it becomes a hard error only when a node tries to run it.

Imports nothing of hastack but errors, the model and validate.
"""

from __future__ import annotations

from typing import Protocol

from hastack.model.config import Configuration, Primitive, Template
from hastack.validate.references import near
from hastack.validate.report import Reporter


class AgentCatalog(Protocol):
    def ocf_providers(self) -> list[str] | None:
        """Installed OCF providers, or None when unknown."""

    def types(self, cls: str, provider: str | None) -> list[str] | None:
        """Installed agent types of a class (and OCF provider), or None when unknown."""


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
                best = near(agent.provider, providers)
                rep.warn(f"{r.id}: OCF provider {agent.provider!r} is not installed on this machine "
                         f"({agent} cannot run here)", r.location,
                         f"did you mean {best!r}?" if best else
                         f"install its agents into /usr/lib/ocf/resource.d/{agent.provider}/ on every node; "
                         f"installed providers: {', '.join(providers) or 'none'}", word=str(agent))
            missing_providers[agent.provider].append(r.id)
            continue
        known = catalog.types(agent.cls, agent.provider)
        if not known or agent.type in known:
            continue
        best = near(agent.type, known)
        rep.warn(f"{r.id}: resource agent {agent} is not installed on this machine", r.location,
                 f"did you mean {best!r}?" if best else f"install it on every node, or check the name "
                 f"(`hastack agent list {agent.cls}` shows what is installed)", word=str(agent))
