"""The configuration service: parse, merge, validate and commit a cluster configuration.

One implementation behind every front end — the `hastack configure` command
now, the daemon and the REST API next — so a configuration is accepted or
refused for the same reasons, with the same diagnostics, wherever it comes in:

    svc = ConfigService(CibTextStore(LocalStore()), agents=InstalledAgents())
    outcome = svc.load(Input(text, "cluster.crm"), update=True)
    outcome.ok, outcome.diagnostics, outcome.version

- parse: crm shell text, or CIB XML (`as_xml`, or text that starts with `<`);
  a crm text that does not parse is still validated as far as it parsed, so
  one run reports every error;
- merge: `update` folds the input into the stored configuration (crm's
  `load update`); otherwise the input replaces it;
- validate: hastack.validate, with the installed agents' meta-data when an
  AgentCatalog is given;
- commit: only when there is no error, conditioned on the version that was
  read (a concurrent change makes the commit fail, never merge).

Results are values (Outcome) whose diagnostics are in hastack.errors.in_order
order and carry no secret value; what the service cannot do at all (an
unreadable stored configuration, a stale commit) raises a HastackError.

The store is reached through one seam, ConfigurationStore (read the current
configuration with its version; commit one based on a version). Two adapters:
CibTextStore over a text store (hastack.store.local: `read()`, `commit(text,
based_on)`, keeping CIB XML), and PortStore over the store port
(hastack.store.port.ClusterStore: `snapshot()`, `commit(configuration,
based_on)`), which the daemon and the REST API use.

Imports the model, crm, cib, validate and errors; nothing of the store.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from typing import Protocol

from hastack import cib
from hastack.crm import CrmSyntaxError, parse
from hastack.crm.merge import merge_update
from hastack.didyoumean import did_you_mean
from hastack.errors import ConfigError, Diagnostic, HastackError, Severity, StaleCommit, in_order
from hastack.model.config import Configuration
from hastack.model.secrets import is_secret, mask_diagnostics, masked_config, secret_values
from hastack.validate import AgentCatalog, check_crm_text, validate

__all__ = ["CibTextStore", "ConfigService", "ConfigurationStore", "Current", "Input", "Outcome", "PortStore"]


# --- the store seam ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class Current:
    """The stored configuration and the version it was read at (None, None: nothing stored yet)."""

    config: Configuration | None
    version: str | None


class ConfigurationStore(Protocol):
    """Where the service reads and commits the configuration: the only thing it needs of a store."""

    @property
    def where(self) -> str:
        """Where the configuration lives, for messages (a path, an etcd key...)."""

    def current(self) -> Current:
        """The stored configuration and its version; HastackError when it cannot be read."""

    def version(self) -> str | None:
        """The stored version alone, readable even when the configuration is not (a replace repairs it)."""

    def commit(self, config: Configuration, based_on: str | None) -> str:
        """Store `config` if the stored version is still `based_on`; return the new version.
        Raises a HastackError (never merges) when it is not."""


class TextStore(Protocol):
    """A store of one document with a version: hastack.store.local.LocalStore."""

    def read(self) -> "StoredText | None": ...

    def commit(self, text: str, based_on: str | None) -> str: ...


class StoredText(Protocol):
    @property
    def text(self) -> str: ...

    @property
    def digest(self) -> str: ...


class CibTextStore:
    """ConfigurationStore over a text store that keeps the configuration as CIB XML."""

    def __init__(self, store: TextStore, where: str = "") -> None:
        self.store = store
        self._where = where or str(getattr(store, "path", "the configuration store"))

    @property
    def where(self) -> str:
        return self._where

    def current(self) -> Current:
        stored = self.store.read()
        if stored is None:
            return Current(None, None)
        return Current(cib.parse_cib(stored.text.encode("utf-8"), self.where).config, stored.digest)

    def version(self) -> str | None:
        stored = self.store.read()
        return stored.digest if stored is not None else None

    def commit(self, config: Configuration, based_on: str | None) -> str:
        return self.store.commit(cib.to_xml(config), based_on)


class PortSnapshot(Protocol):
    @property
    def configuration(self) -> Configuration: ...

    @property
    def config_revision(self) -> int: ...


class Port(Protocol):
    """The part of hastack.store.port.ClusterStore the service uses."""

    def snapshot(self) -> PortSnapshot: ...

    def commit(self, configuration: Configuration, based_on: int) -> int: ...


class PortStore:
    """ConfigurationStore over the store port; a configuration revision of 0 means nothing stored yet."""

    def __init__(self, port: Port, where: str = "the cluster store") -> None:
        self.port = port
        self._where = where

    @property
    def where(self) -> str:
        return self._where

    def current(self) -> Current:
        snap = self.port.snapshot()
        if snap.config_revision == 0:
            return Current(None, None)
        return Current(snap.configuration, str(snap.config_revision))

    def version(self) -> str | None:
        return self.current().version

    def commit(self, config: Configuration, based_on: str | None) -> str:
        return str(self.port.commit(config, int(based_on) if based_on is not None else 0))


# --- inputs and outcomes ----------------------------------------------------------------------------

@dataclass(frozen=True)
class Input:
    """A configuration as a front end received it: its text and the name to locate diagnostics by."""

    text: str
    source: str = "<stdin>"
    as_xml: bool = False  # CIB XML; text starting with `<` is read as XML anyway

    @property
    def is_xml(self) -> bool:
        return self.as_xml or self.text.lstrip().startswith("<")


@dataclass(frozen=True)
class Outcome:
    """What the service did with one input.

    `config` is the configuration that was (or would be) stored — merged, for an
    update — or None when the input does not parse. `version` is the new
    version when a load committed, else None.
    """

    config: Configuration | None
    diagnostics: tuple[Diagnostic, ...] = ()
    source: str = ""
    version: str | None = None

    @property
    def errors(self) -> list[Diagnostic]:
        return [d for d in self.diagnostics if d.severity is Severity.ERROR]

    @property
    def warnings(self) -> list[Diagnostic]:
        return [d for d in self.diagnostics if d.severity is Severity.WARNING]

    @property
    def ok(self) -> bool:
        return self.config is not None and not self.errors

    @property
    def committed(self) -> bool:
        return self.version is not None

    def raise_if_errors(self) -> Configuration:
        """The configuration, or ConfigError with every diagnostic when there is an error."""
        if not self.ok or self.config is None:
            raise ConfigError(list(self.diagnostics))
        return self.config


# --- the service ------------------------------------------------------------------------------------

class ConfigService:
    """Parse, merge, validate and commit configurations against one store."""

    def __init__(self, store: ConfigurationStore | None = None, agents: AgentCatalog | None = None) -> None:
        self.store = store
        self.agents = agents

    # parse
    def parse(self, inp: Input, update: bool = False) -> Outcome:
        """The configuration in `inp` with the parser's findings (config None when it does not parse).

        For an update, crm references are left for merge_update, as they may name what is stored."""
        if not inp.is_xml:
            try:
                result = parse(inp.text, inp.source, resolve=not update)
            except CrmSyntaxError:
                # report the semantic errors of what did parse too: one run, every error
                checked = check_crm_text(inp.text, inp.source, self.agents)
                return Outcome(None, tuple(checked.diagnostics), inp.source)
            return Outcome(result.config, tuple(result.warnings), inp.source)
        try:
            loaded = cib.parse_cib(inp.text.encode("utf-8"), inp.source)
        except ConfigError as err:
            return Outcome(None, tuple(_masked_by_text(err.diagnostics, inp.text)), inp.source)
        return Outcome(loaded.config, tuple(loaded.warnings), inp.source)

    # merge + validate
    def verify(self, inp: Input, *, update: bool = False) -> Outcome:
        """Everything `load` would check, and the configuration it would store; stores nothing."""
        outcome, _ = self._prepare(inp, update)
        return outcome

    def verify_current(self) -> Outcome:
        """The stored configuration, validated as it is."""
        current = self._store().current()
        if current.config is None:
            raise HastackError("no configuration is stored yet", hint="verify a file: hastack configure verify FILE")
        return self._checked(current.config, [], {}, self._store().where)

    # commit
    def load(self, inp: Input, *, update: bool = False) -> Outcome:
        """Parse, merge (update) or replace, validate, and commit when there is no error."""
        outcome, based_on = self._prepare(inp, update, for_commit=True)
        if not outcome.ok or outcome.config is None:
            return outcome
        version = self._store().commit(outcome.config, based_on)
        return replace(outcome, version=version)

    def edit(self, change: Callable[[Configuration], Configuration], what: str, tries: int = 10) -> Outcome:
        """Apply an operator edit (configsvc.edits) to the stored configuration, validate the result and
        commit it; when another commit won the race, read again and re-apply (the edit is a function of
        the configuration, never a merge of two versions)."""
        for _ in range(tries):
            current = self._store().current()
            if current.config is None:
                raise HastackError("no configuration is stored yet", hint="load one first")
            outcome = self._checked(change(current.config), [], {}, what)
            if not outcome.ok or outcome.config is None:
                return outcome
            try:
                return replace(outcome, version=self._store().commit(outcome.config, current.version))
            except StaleCommit:
                continue
        raise HastackError(f"{what}: the configuration kept changing under {tries} attempts", hint="try again")

    # read
    def current(self) -> Current:
        return self._store().current()

    def show(self, ids: Sequence[str] = (), *, mask: bool = False) -> Configuration:
        """The stored configuration, or only the objects named; secret values hidden with `mask`."""
        config = self.current().config
        if config is None:
            raise HastackError("no configuration is stored yet", hint="load one: hastack configure load FILE")
        if ids:
            config = select(config, ids)
        return masked_config(config) if mask else config

    # --- steps ---
    def _store(self) -> ConfigurationStore:
        if self.store is None:
            raise HastackError("this configuration service has no store", hint="give ConfigService a store")
        return self.store

    def _prepare(self, inp: Input, update: bool, for_commit: bool = False) -> tuple[Outcome, str | None]:
        """(the outcome of parse + merge + validate, the store version it is based on)."""
        parsed = self.parse(inp, update)
        if parsed.config is None:
            return parsed, None
        config, based_on = parsed.config, None
        if update:
            current = self._store().current()
            based_on = current.version
            if current.config is not None:
                config = merge_update(current.config, config)
        elif for_commit:
            # replace needs only the version it replaces, so it also repairs an unreadable store
            based_on = self._store().version()
        return self._checked(config, list(parsed.diagnostics), {inp.source: inp.text}, inp.source), based_on

    def _checked(self, config: Configuration, found: list[Diagnostic], sources: dict[str, str],
                 source: str) -> Outcome:
        diags = found + validate(config, sources, self.agents)
        # the validator masks what it says; the parser's warnings are masked here with the same values
        diags = mask_diagnostics(in_order(diags, list(sources)), secret_values(config))
        return Outcome(config, tuple(diags), source)


def select(config: Configuration, ids: Iterable[str]) -> Configuration:
    """Only the objects of `config` with the given ids; a HastackError (with a did-you-mean) for an unknown one."""
    wanted = list(ids)
    known = ([n.id for n in config.nodes] + list(config.resources) + [c.id for c in config.constraints]
             + [t.id for t in config.tags]
             + [s.id for s in config.properties + config.rsc_defaults + config.op_defaults]
             + [r.id for r in config.acl_roles] + [t.id for t in config.acl_targets] + [a.id for a in config.alerts])
    for name in wanted:
        if name not in known:
            raise HastackError(f"no object with id {name!r} in the configuration",
                               hint=did_you_mean(name, known, "hastack configure show lists every object"))
    keep = set(wanted)
    return Configuration(
        nodes=tuple(n for n in config.nodes if n.id in keep),
        resources={k: v for k, v in config.resources.items() if k in keep},
        constraints=tuple(c for c in config.constraints if c.id in keep),
        properties=tuple(s for s in config.properties if s.id in keep),
        rsc_defaults=tuple(s for s in config.rsc_defaults if s.id in keep),
        op_defaults=tuple(s for s in config.op_defaults if s.id in keep),
        tags=tuple(t for t in config.tags if t.id in keep),
        acl_roles=tuple(r for r in config.acl_roles if r.id in keep),
        acl_targets=tuple(t for t in config.acl_targets if t.id in keep),
        alerts=tuple(a for a in config.alerts if a.id in keep))


_NVPAIR = re.compile(r"<nvpair\b[^>]*>")
_ATTR = re.compile(r"""\b(name|value)\s*=\s*(?:"([^"]*)"|'([^']*)')""")


def _masked_by_text(diags: list[Diagnostic], text: str) -> list[Diagnostic]:
    """Diagnostics of an XML document that did not import: there is no configuration to take the
    secrets from, so the values of secret-named nvpairs are read from the text itself."""
    secrets = set()
    for tag in _NVPAIR.findall(text):
        attrs = {m.group(1): m.group(2) if m.group(2) is not None else m.group(3) for m in _ATTR.finditer(tag)}
        if is_secret(attrs.get("name", "")) and attrs.get("value"):
            secrets.add(attrs["value"])
    return mask_diagnostics(diags, secrets)
