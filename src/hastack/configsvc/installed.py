"""The agents installed on this machine, as the validator's AgentCatalog: the agent meta-data check.

Which OCF providers and agent types exist here, and what an agent's meta-data
says about a resource's parameters (unknown or missing required ones). Any
failure to find or run an agent means "unknown" (None), never an error: the
configuration may be meant for other machines.

Imports hastack.agents (the executor reads meta-data) and the model.
"""

from __future__ import annotations

import sys
from collections.abc import Mapping

from hastack.agents.classes import Host, list_agents, ocf_providers
from hastack.agents.executor import Executor
from hastack.errors import Diagnostic, HastackError
from hastack.model.values import AgentRef


class InstalledAgents:
    """validate.AgentCatalog over the local machine's agents."""

    def __init__(self) -> None:
        self.host = Host(node="localhost", python=sys.executable)
        self.executor = Executor(self.host)

    def ocf_providers(self) -> list[str] | None:
        return list(ocf_providers(self.host)) or None

    def types(self, cls: str, provider: str | None) -> list[str] | None:
        try:
            found = [a.rsplit(":", 1)[-1] for a in list_agents(cls, provider, self.host)]
        except HastackError:
            return None
        return found or None

    def check_params(self, agent: AgentRef, params: Mapping[str, str]) -> list[Diagnostic] | None:
        try:
            return self.executor.check_params(agent, params)
        except HastackError:
            return None  # no usable meta-data: nothing to say
