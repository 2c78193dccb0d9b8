"""`hastack configure`: load, show and verify the cluster configuration.

    hastack configure load [xml] [replace|update] FILE|-
    hastack configure show [--xml] [--mask] [ID...]
    hastack configure verify [FILE]
    hastack configure property NAME=VALUE...   (NAME= : back to the default)

With --etcd URL,... (or $HASTACK_ETCD) load, show and property work on a
running cluster's configuration instead of the local store; there a change
prints the transition that acts on it, and --wait blocks until it is carried
out (cli.waiting).

Input is crm shell text (or CIB XML with `load xml`, or any file that starts
with `<`). Every load is parsed and validated first; on any error every
diagnostic is printed and nothing is changed. The configuration is stored as
CIB XML in the local store by compare-and-swap on its digest.

A thin shell: reading files, printing, and the local store are here; parsing,
merging, validating (with the installed agents' meta-data) and committing are
hastack.configsvc's, which the daemon and the REST API share.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterable
from pathlib import Path

import click

from hastack.cli.waiting import follow, wait_option
from hastack.configsvc import CibTextStore, ConfigService, ConfigurationStore, Input, PortStore
from hastack.configsvc import edits
from hastack.crm import canonical, render
from hastack.errors import Diagnostic, HastackError
from hastack.model.config import Configuration
from hastack.store.local import LocalStore
from hastack.validate import AgentCatalog

METHODS = ("replace", "update")


def _read_input(path: str, as_xml: bool = False) -> Input:
    if path == "-":
        return Input(sys.stdin.read(), "<stdin>", as_xml)
    try:
        with open(path, encoding="utf-8") as f:
            return Input(f.read(), path, as_xml)
    except OSError as err:
        raise HastackError(f"cannot read {path}: {err.strerror}", hint="give an existing file, or - for stdin") \
            from None
    except UnicodeDecodeError:
        raise HastackError(f"{path} is not UTF-8 text", hint="crm and CIB XML files are text files") from None


def agent_catalog(enabled: bool) -> AgentCatalog | None:
    """The installed agents (the meta-data check), unless --no-agents."""
    if not enabled:
        return None
    try:
        from hastack.configsvc.installed import InstalledAgents
    except ImportError:  # a build without the agents: no agent checks
        return None
    return InstalledAgents()


class Target:
    """Where `configure` reads and commits: the local store, or a live cluster's etcd (--etcd)."""

    def __init__(self, endpoints: str | None, prefix: str, tls_dir: Path | None) -> None:
        from hastack.cli.cluster import open_store  # cli.cluster imports this module's agent_catalog

        self.etcd = open_store(endpoints, prefix, tls_dir) if endpoints else None
        self.store: ConfigurationStore = (PortStore(self.etcd, where="the cluster's etcd") if self.etcd
                                          else CibTextStore(LocalStore()))

    def service(self, check_agents: bool = False) -> ConfigService:
        return ConfigService(self.store, agent_catalog(check_agents))

    def follow(self, version: str | None, wait_s: float | None) -> None:
        if self.etcd is not None and version:
            follow(self.etcd, int(version), wait_s)


def _target(f: Callable[..., None]) -> Callable[..., None]:
    f = click.option("--etcd", "endpoints", default=None, envvar="HASTACK_ETCD",
                     help="a running cluster's etcd client URLs instead of the local store ($HASTACK_ETCD)")(f)
    f = click.option("--prefix", default="/hastack", show_default=True)(f)
    return click.option("--tls-dir", type=click.Path(path_type=Path), default=None,
                        help="with --etcd: ca.crt and this client's certificate (hastack keygen)")(f)


def _service(check_agents: bool = False) -> tuple[ConfigService, CibTextStore]:
    store = CibTextStore(LocalStore())
    return ConfigService(store, agent_catalog(check_agents)), store


def _print_diagnostics(diags: Iterable[Diagnostic]) -> None:
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
@_target
@wait_option
@click.argument("words", nargs=-1, required=True, metavar="[xml] [replace|update] FILE|-")
def load(check_agents: bool, endpoints: str | None, prefix: str, tls_dir: Path | None, wait_s: float | None,
         words: tuple[str, ...]) -> None:
    """Parse, validate and store a configuration; on any error change nothing."""
    args = list(words)
    as_xml = bool(args) and args[0] == "xml"
    if as_xml:
        args.pop(0)
    method = args.pop(0) if args and args[0] in METHODS else "replace"
    if len(args) != 1:
        raise HastackError("usage: hastack configure load [xml] [replace|update] FILE|-",
                           hint="e.g. hastack configure load update cluster.crm")
    inp = _read_input(args[0], as_xml)
    target = Target(endpoints, prefix, tls_dir)
    outcome = target.service(check_agents).load(inp, update=method == "update")
    config = outcome.raise_if_errors()
    _print_diagnostics(outcome.diagnostics)
    version = f"revision {outcome.version}" if target.etcd else f"digest {(outcome.version or '')[:12]}"
    click.echo(f"loaded {inp.source} ({method}): {_summary(config)}; stored in {target.store.where} ({version})")
    target.follow(outcome.version, wait_s)


@configure.command(name="property")
@_target
@wait_option
@click.argument("assignments", nargs=-1, required=True, metavar="NAME=VALUE...")
def property_(endpoints: str | None, prefix: str, tls_dir: Path | None, wait_s: float | None,
              assignments: tuple[str, ...]) -> None:
    """Set cluster properties (crm configure property); NAME= puts one back to its default."""
    pairs = []
    for a in assignments:
        name, eq, value = a.partition("=")
        if not eq:
            raise HastackError(f"{a!r} is not NAME=VALUE", hint="e.g. hastack configure property stonith-enabled=false")
        pairs.append((name.strip(), value.strip() or None))

    def change(config: Configuration) -> Configuration:
        for name, value in pairs:
            config = edits.set_property(config, name, value)
        return config

    target = Target(endpoints, prefix, tls_dir)
    what = "property " + " ".join(assignments)
    outcome = target.service().edit(change, what)
    config = outcome.raise_if_errors()
    _print_diagnostics(outcome.diagnostics)
    click.echo(f"{what}: committed in {target.store.where}; {_summary(config)}")
    target.follow(outcome.version, wait_s)


@configure.command()
@_target
@click.option("--xml", "as_xml", is_flag=True, help="print CIB XML instead of crm syntax")
@click.option("--mask", is_flag=True, help="hide secret parameter values (passwords, tokens)")
@click.argument("ids", nargs=-1)
def show(endpoints: str | None, prefix: str, tls_dir: Path | None, as_xml: bool, mask: bool,
         ids: tuple[str, ...]) -> None:
    """Print the stored configuration, or only the objects named."""
    config = Target(endpoints, prefix, tls_dir).service().show(ids, mask=mask)
    if as_xml:
        from hastack import cib
        click.echo(cib.to_xml(config), nl=False)
    else:
        click.echo(render(canonical(config)), nl=False)


@configure.command()
@AGENTS_OPTION
@click.option("--update", "as_update", is_flag=True,
              help="check FILE merged into the stored configuration, as `load update FILE` would")
@click.argument("path", required=False, metavar="[FILE]")
def verify(check_agents: bool, as_update: bool, path: str | None) -> None:
    """Check a file (crm or CIB XML), or the stored configuration, without storing anything."""
    svc, store = _service(check_agents)
    if path is None:
        outcome = svc.verify_current()
        name = store.where
    else:
        inp = _read_input(path)
        outcome = svc.verify(inp, update=as_update)
        name = inp.source
    config = outcome.raise_if_errors()
    _print_diagnostics(outcome.diagnostics)
    n = len(outcome.warnings)
    click.echo(f"{name}: no errors, {n} warning{'s' if n != 1 else ''}; {_summary(config)}")
