"""`hastack configure`: load, show and verify the cluster configuration.

    hastack configure load [xml] [replace|update] FILE|-
    hastack configure show [--xml] [--mask] [ID...]
    hastack configure verify [FILE]

Input is crm shell text (or CIB XML with `load xml`, or any file that starts
with `<`). Every load is parsed and validated first; on any error every
diagnostic is printed and nothing is changed. The configuration is stored as
CIB XML in the local store by compare-and-swap on its digest.
"""

from __future__ import annotations

import sys
from collections.abc import Mapping
from dataclasses import dataclass

import click

from hastack.crm import CrmSyntaxError, canonical, parse, render
from hastack.crm.merge import merge_update
from hastack.errors import ConfigError, Diagnostic, HastackError, Severity
from hastack.model.config import AttrSet, Configuration
from hastack.model.values import AgentRef
from hastack.model.secrets import MASK, is_secret
from hastack.store.local import LocalStore
from hastack.validate import CheckResult, check_crm_text, validate

METHODS = ("replace", "update")


@dataclass(frozen=True)
class Input:
    text: str
    source: str


def _read_input(path: str) -> Input:
    if path == "-":
        return Input(sys.stdin.read(), "<stdin>")
    try:
        with open(path, encoding="utf-8") as f:
            return Input(f.read(), path)
    except OSError as err:
        raise HastackError(f"cannot read {path}: {err.strerror}", hint="give an existing file, or - for stdin") \
            from None
    except UnicodeDecodeError:
        raise HastackError(f"{path} is not UTF-8 text", hint="crm and CIB XML files are text files") from None


def _is_xml(inp: Input) -> bool:
    return inp.text.lstrip().startswith("<")


def _parse_input(inp: Input, as_xml: bool, agents: InstalledAgents | None = None
                 ) -> tuple[Configuration | None, list[Diagnostic]]:
    """The configuration in a file and the parser's warnings; (None, errors) when it does not parse."""
    try:
        if not (as_xml or _is_xml(inp)):
            result = parse(inp.text, inp.source)
            return result.config, list(result.warnings)
    except CrmSyntaxError:
        # report the semantic errors of what did parse too: one run, every error
        return None, check_crm_text(inp.text, inp.source, agents).diagnostics
    try:
        from hastack import cib
        loaded = cib.parse_cib(inp.text.encode("utf-8"), inp.source)
        return loaded.config, list(loaded.warnings)
    except ConfigError as err:
        return None, err.diagnostics


class InstalledAgents:
    """What hastack.agents finds installed on this machine, for validate's agent warnings."""

    def __init__(self) -> None:
        from hastack.agents.classes import Host
        from hastack.agents.executor import Executor
        self.host = Host(node="localhost", python=sys.executable)
        self.executor = Executor(self.host)

    def ocf_providers(self) -> list[str] | None:
        from hastack.agents.classes import ocf_providers
        return list(ocf_providers(self.host)) or None

    def types(self, cls: str, provider: str | None) -> list[str] | None:
        from hastack.agents.classes import list_agents
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


def _catalog(enabled: bool) -> InstalledAgents | None:
    if not enabled:
        return None
    try:
        return InstalledAgents()
    except ImportError:
        return None


def _ordered(diags: list[Diagnostic]) -> list[Diagnostic]:
    return sorted(diags, key=lambda d: (str(d.location.file), d.location.line, d.location.column)
                  if d.location else ("~", 0, 0))


def _stored_config(store: LocalStore) -> tuple[Configuration | None, str | None]:
    stored = store.read()
    if stored is None:
        return None, None
    from hastack import cib
    return cib.parse_cib(stored.text.encode("utf-8"), str(stored.path)).config, stored.digest


def _print_diagnostics(diags: list[Diagnostic]) -> None:
    for d in diags:
        click.echo(d.render(), err=True)


def _count(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def _summary(config: Configuration) -> str:
    return (f"{_count(len(config.nodes), 'node')}, {_count(len(config.resources), 'resource')}, "
            f"{_count(len(config.constraints), 'constraint')}")


@click.group()
def configure() -> None:
    """Load, show and verify the cluster configuration (crm shell syntax or CIB XML)."""


AGENTS_OPTION = click.option("--agents/--no-agents", "check_agents", default=True,
                             help="check resource agents against what is installed here: missing agents "
                                  "(warnings), parameters their meta-data does not take (errors); default: on")


@configure.command()
@AGENTS_OPTION
@click.argument("words", nargs=-1, required=True, metavar="[xml] [replace|update] FILE|-")
def load(check_agents: bool, words: tuple[str, ...]) -> None:
    """Parse, validate and store a configuration; on any error change nothing."""
    args = list(words)
    as_xml = bool(args) and args[0] == "xml"
    if as_xml:
        args.pop(0)
    method = args.pop(0) if args and args[0] in METHODS else "replace"
    if len(args) != 1:
        raise HastackError("usage: hastack configure load [xml] [replace|update] FILE|-",
                           hint="e.g. hastack configure load update cluster.crm")
    inp = _read_input(args[0])
    agents = _catalog(check_agents)
    config, diags = _parse_input(inp, as_xml, agents)
    if config is None:
        raise ConfigError(diags)
    store = LocalStore()
    if method == "update":
        old, digest = _stored_config(store)
        config = merge_update(old, config) if old is not None else config
    else:  # replace needs only the version it replaces, so it also repairs an unreadable store
        stored = store.read()
        digest = stored.digest if stored else None
    diags = _ordered(diags + validate(config, {inp.source: inp.text}, agents))
    if any(d.severity is Severity.ERROR for d in diags):
        raise ConfigError(diags)
    _print_diagnostics(diags)
    from hastack import cib
    new_digest = store.commit(cib.to_xml(config), digest)
    click.echo(f"loaded {inp.source} ({method}): {_summary(config)}; stored as {store.path} "
               f"(digest {new_digest[:12]})")


@configure.command()
@click.option("--xml", "as_xml", is_flag=True, help="print CIB XML instead of crm syntax")
@click.option("--mask", is_flag=True, help="hide secret parameter values (passwords, tokens)")
@click.argument("ids", nargs=-1)
def show(as_xml: bool, mask: bool, ids: tuple[str, ...]) -> None:
    """Print the stored configuration, or only the objects named."""
    config, _ = _stored_config(LocalStore())
    if config is None:
        raise HastackError("no configuration is stored yet", hint="load one: hastack configure load FILE")
    if ids:
        config = _select(config, ids)
    if mask:
        config = _masked(config)
    if as_xml:
        from hastack import cib
        click.echo(cib.to_xml(config), nl=False)
    else:
        click.echo(render(canonical(config)), nl=False)


def _select(config: Configuration, ids: tuple[str, ...]) -> Configuration:
    known = ([n.id for n in config.nodes] + list(config.resources) + [c.id for c in config.constraints]
             + [t.id for t in config.tags] + [s.id for s in config.properties + config.rsc_defaults + config.op_defaults])
    for wanted in ids:
        if wanted not in known:
            from hastack.crm.stream import did_you_mean
            raise HastackError(f"no object with id {wanted!r} in the configuration",
                               hint=did_you_mean(wanted, known, "hastack configure show lists every object"))
    keep = set(ids)
    return Configuration(
        nodes=tuple(n for n in config.nodes if n.id in keep),
        resources={k: v for k, v in config.resources.items() if k in keep},
        constraints=tuple(c for c in config.constraints if c.id in keep),
        properties=tuple(s for s in config.properties if s.id in keep),
        rsc_defaults=tuple(s for s in config.rsc_defaults if s.id in keep),
        op_defaults=tuple(s for s in config.op_defaults if s.id in keep),
        tags=tuple(t for t in config.tags if t.id in keep))


def _masked(config: Configuration) -> Configuration:
    from dataclasses import replace

    def hide(sets: tuple[AttrSet, ...]) -> tuple[AttrSet, ...]:
        return tuple(replace(s, pairs=tuple((k, MASK if is_secret(k) else v) for k, v in s.pairs)) for s in sets)

    resources = {k: replace(r, params=hide(r.params)) if hasattr(r, "params") else r
                 for k, r in config.resources.items()}
    return replace(config, resources=resources)


@configure.command()
@AGENTS_OPTION
@click.option("--update", "as_update", is_flag=True,
              help="check FILE merged into the stored configuration, as `load update FILE` would")
@click.argument("path", required=False, metavar="[FILE]")
def verify(check_agents: bool, as_update: bool, path: str | None) -> None:
    """Check a file (crm or CIB XML), or the stored configuration, without storing anything."""
    if path is None:
        store = LocalStore()
        config, _ = _stored_config(store)
        if config is None:
            raise HastackError("no configuration is stored yet", hint="verify a file: hastack configure verify FILE")
        result = CheckResult(config, validate(config, agents=_catalog(check_agents)))
        name = str(store.path)
    else:
        inp = _read_input(path)
        agents = _catalog(check_agents)
        config, diags = _parse_input(inp, False, agents)
        if config is None:
            raise ConfigError(diags)
        if as_update:
            old, _ = _stored_config(LocalStore())
            config = merge_update(old, config) if old is not None else config
        result = CheckResult(config, _ordered(diags + validate(config, {inp.source: inp.text}, agents)))
        name = inp.source
    if result.errors or result.config is None:
        raise ConfigError(result.diagnostics)
    _print_diagnostics(result.diagnostics)
    n = len(result.warnings)
    click.echo(f"{name}: no errors, {n} warning{'s' if n != 1 else ''}; {_summary(result.config)}")
