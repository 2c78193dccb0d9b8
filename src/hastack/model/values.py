"""Small value types shared by configuration and state: roles, booleans, agent references."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from hastack.errors import ValueSyntaxError


class Role(str, Enum):
    """A resource instance's role. Legacy names (Master/Slave) parse to the new ones."""

    STOPPED = "Stopped"
    STARTED = "Started"
    UNPROMOTED = "Unpromoted"
    PROMOTED = "Promoted"

    @classmethod
    def parse(cls, text: str) -> Role:
        key = text.strip().lower()
        role = _ROLE_NAMES.get(key)
        if role is None:
            raise ValueSyntaxError(
                f"invalid role {text!r}",
                hint="use one of Started, Stopped, Promoted, Unpromoted (Master/Slave are accepted as old names)",
            )
        return role

    @property
    def legacy(self) -> str:
        return {"Promoted": "Master", "Unpromoted": "Slave"}.get(self.value, self.value)


_ROLE_NAMES = {
    "stopped": Role.STOPPED, "started": Role.STARTED,
    "unpromoted": Role.UNPROMOTED, "slave": Role.UNPROMOTED,
    "promoted": Role.PROMOTED, "master": Role.PROMOTED,
}

_TRUE = {"true", "yes", "y", "on", "1"}
_FALSE = {"false", "no", "n", "off", "0"}


def parse_bool(text: str) -> bool:
    """Pacemaker's crm_is_true spelling of booleans."""
    key = text.strip().lower()
    if key in _TRUE:
        return True
    if key in _FALSE:
        return False
    raise ValueSyntaxError(f"invalid boolean {text!r}", hint="use true or false")


def is_bool(text: str) -> bool:
    """Whether `text` spells a boolean (crm_str_to_boolean reads it)."""
    return text.strip().lower() in _TRUE | _FALSE


def is_true(text: str | None, default: bool = False) -> bool:
    """Lenient boolean for attributes read from state: anything unknown is the default."""
    if text is None:
        return default
    key = text.strip().lower()
    if key in _TRUE:
        return True
    if key in _FALSE:
        return False
    return default


AGENT_CLASSES = ("ocf", "lsb", "service", "systemd", "stonith", "upstart", "nagios")


@dataclass(frozen=True)
class AgentRef:
    """class:provider:type, e.g. ocf:heartbeat:IPaddr2 or stonith:fence_ipmilan."""

    cls: str
    type: str
    provider: str | None = None

    def __str__(self) -> str:
        if self.provider:
            return f"{self.cls}:{self.provider}:{self.type}"
        return f"{self.cls}:{self.type}"

    @classmethod
    def parse(cls, text: str) -> AgentRef:
        """crmsh rules: TYPE alone is ocf:heartbeat:TYPE; ocf needs a provider."""
        parts = text.split(":")
        if len(parts) == 1:
            return cls("ocf", parts[0], "heartbeat")
        if len(parts) == 2:
            klass, rtype = parts
            if klass.lower() == "ocf":
                return cls("ocf", rtype, "heartbeat")
            return cls(klass.lower(), rtype)
        if len(parts) == 3:
            return cls(parts[0].lower(), parts[2], parts[1])
        raise ValueSyntaxError(f"invalid resource agent {text!r}",
                               hint="write CLASS:PROVIDER:TYPE (ocf:heartbeat:IPaddr2) or CLASS:TYPE (lsb:apache)")
