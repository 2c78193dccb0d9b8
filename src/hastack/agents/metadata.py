"""Agent meta-data: the XML an agent prints for `meta-data`, as typed data (pure).

Accepts OCF 1.0 (with the ra-api-1.dtd DOCTYPE) and OCF 1.1 (usually
without one) and the fence-agents dialect (shortdesc as an attribute,
`<getopt>` elements, no `<version>`). The DTD is never fetched or
validated: Pacemaker's own Stateful agent has none. `validate_params`
gives configure-time diagnostics: unknown parameters (with a did-you-mean),
missing required ones, values not matching a declared type.

Imports nothing of hastack beyond errors and the model.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from lxml import etree

from hastack.didyoumean import did_you_mean
from hastack.errors import AgentError, Diagnostic, Severity, ValueSyntaxError
from hastack.model.durations import parse_ms
from hastack.model.secrets import is_secret


@dataclass(frozen=True)
class ParameterSpec:
    name: str
    type: str = "string"
    required: bool = False
    unique: bool = False
    reloadable: bool = False
    deprecated: bool = False
    default: str | None = None
    shortdesc: str = ""
    longdesc: str = ""
    options: tuple[str, ...] = ()  # allowed values of a select
    unique_group: str | None = None
    obsoletes: str | None = None

    @property
    def secret(self) -> bool:
        return is_secret(self.name)


@dataclass(frozen=True)
class ActionSpec:
    name: str
    timeout_ms: int | None = None
    interval_ms: int | None = None
    depth: str | None = None
    role: str | None = None


@dataclass(frozen=True)
class AgentMetadata:
    name: str
    ocf_version: str = "1.0"  # API version the agent declares
    agent_version: str = ""
    shortdesc: str = ""
    longdesc: str = ""
    parameters: tuple[ParameterSpec, ...] = ()
    actions: tuple[ActionSpec, ...] = ()
    has_dtd: bool = False

    def parameter(self, name: str) -> ParameterSpec | None:
        for p in self.parameters:
            if p.name == name:
                return p
        return None

    def action(self, name: str, role: str | None = None) -> ActionSpec | None:
        """The declaration of `name` for `role` (None: the one without a role), else any."""
        named = [a for a in self.actions if a.name == name]
        for a in named:
            if (a.role or "").lower() == (role or "").lower():
                return a
        return named[0] if named else None

    @property
    def action_names(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(a.name for a in self.actions))

    @property
    def secret_names(self) -> frozenset[str]:
        return frozenset(p.name for p in self.parameters if p.secret)


def _desc(el: etree._Element, tag: str) -> str:
    child = el.find(tag)
    if child is not None and child.text:
        return " ".join(child.text.split())
    return " ".join((el.get(tag) or "").split())


def _flag(el: etree._Element, name: str) -> bool:
    return (el.get(name) or "0").strip().lower() in ("1", "true", "yes")


def _ms(text: str | None) -> int | None:
    if not text:
        return None
    try:
        return parse_ms(text)
    except ValueSyntaxError:
        return None


def parse_metadata(xml: str | bytes, source: str = "meta-data") -> AgentMetadata:
    """Parse an agent's meta-data; raises AgentError with the parser's reason if it is not XML."""
    data = xml.encode() if isinstance(xml, str) else xml
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, recover=False)
    try:
        root = etree.fromstring(data.strip(), parser)
    except etree.XMLSyntaxError as err:
        raise AgentError(f"{source}: meta-data is not valid XML: {err}",
                         hint="run the agent's meta-data action by hand to see what it prints") from None
    if root.tag != "resource-agent":
        raise AgentError(f"{source}: meta-data root element is <{root.tag}>, expected <resource-agent>")
    params = []
    for p in root.iterfind("parameters/parameter"):
        content = p.find("content")
        ptype, default, options = "string", None, ()
        if content is not None:
            ptype = content.get("type") or "string"
            default = content.get("default")
            options = tuple(o.get("value") or "" for o in content.iterfind("option"))
        params.append(ParameterSpec(
            name=p.get("name") or "", type=ptype, required=_flag(p, "required"), unique=_flag(p, "unique"),
            reloadable=_flag(p, "reloadable"), deprecated=_flag(p, "deprecated") or p.find("deprecated") is not None,
            default=default, shortdesc=_desc(p, "shortdesc"), longdesc=_desc(p, "longdesc"), options=options,
            unique_group=p.get("unique-group"), obsoletes=p.get("obsoletes")))
    actions = tuple(
        ActionSpec(name=a.get("name") or "", timeout_ms=_ms(a.get("timeout")), interval_ms=_ms(a.get("interval")),
                   depth=a.get("depth"), role=a.get("role"))
        for a in root.iterfind("actions/action"))
    version = root.findtext("version")
    tree = root.getroottree()
    return AgentMetadata(
        name=root.get("name") or "", ocf_version=(version or "1.0").strip(), agent_version=root.get("version") or "",
        shortdesc=_desc(root, "shortdesc"), longdesc=_desc(root, "longdesc"), parameters=tuple(params),
        actions=actions, has_dtd=tree.docinfo.system_url is not None)


# Parameters every stonith resource accepts (handled by the fencer, not the agent).
STONITH_COMMON = frozenset({
    "pcmk_host_map", "pcmk_host_list", "pcmk_host_check", "pcmk_host_argument", "pcmk_delay_max",
    "pcmk_delay_base", "pcmk_action_limit", "pcmk_reboot_action", "pcmk_reboot_timeout", "pcmk_reboot_retries",
    "pcmk_off_action", "pcmk_off_timeout", "pcmk_off_retries", "pcmk_list_action", "pcmk_list_timeout",
    "pcmk_list_retries", "pcmk_monitor_action", "pcmk_monitor_timeout", "pcmk_monitor_retries",
    "pcmk_status_action", "pcmk_status_timeout", "pcmk_status_retries", "priority",
})

_BOOL_WORDS = {"true", "false", "yes", "no", "on", "off", "1", "0", "y", "n"}


def _type_problem(spec: ParameterSpec, value: str) -> str | None:
    t = spec.type.lower()
    if t == "integer":
        v = value.strip()
        if v.lower() in ("infinity", "+infinity", "-infinity"):
            return None
        try:
            int(v)
        except ValueError:
            return f"expects an integer, got {value!r}"
    elif t == "boolean" and value.strip().lower() not in _BOOL_WORDS:
        return f"expects a boolean (true/false), got {value!r}"
    elif t == "select" and spec.options and value not in spec.options:
        return f"expects one of {', '.join(spec.options)}, got {value!r}"
    return None


def validate_params(agent: str, meta: AgentMetadata, params: Mapping[str, str], *,
                    stonith: bool = False) -> list[Diagnostic]:
    """Diagnostics for a resource's instance attributes against its agent's meta-data.

    Errors: unknown parameter, missing required parameter. Warnings: a value
    that does not match the declared type, a deprecated parameter.
    """
    known = {p.name for p in meta.parameters}
    allowed = known | (STONITH_COMMON if stonith else frozenset())
    out: list[Diagnostic] = []
    for name, value in params.items():
        spec = meta.parameter(name)
        if spec is None:
            if name in allowed:
                continue
            hint = did_you_mean(name, sorted(allowed)) or (
                f"{agent} accepts: {', '.join(sorted(known))}" if known else f"{agent} declares no parameters")
            out.append(Diagnostic(f"{agent}: unknown parameter {name!r}", hint=hint))
            continue
        problem = _type_problem(spec, value)
        if problem:
            out.append(Diagnostic(f"{agent}: parameter {name!r} {problem}", severity=Severity.WARNING))
        if spec.deprecated:
            out.append(Diagnostic(f"{agent}: parameter {name!r} is deprecated",
                                  hint=f"see `hastack agent info {agent}`", severity=Severity.WARNING))
    for spec in meta.parameters:
        if spec.required and spec.name not in params and not (stonith and spec.name in ("action", "port", "plug")):
            out.append(Diagnostic(f"{agent}: missing required parameter {spec.name!r}",
                                  hint=f"add {spec.name}=... ({spec.shortdesc or spec.type})"))
    return out
