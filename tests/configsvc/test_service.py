"""The configuration service on its own, with no CLI: parse, merge, validate, commit.

Stores: MemoryText (an in-memory text store with read()/commit(text, based_on),
the contract of hastack.store.local) and the real LocalStore in a temporary
directory; both behind CibTextStore, the service's one seam to a store.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import pytest

from hastack.configsvc import CibTextStore, ConfigService, Current, Input
from hastack.configsvc.installed import InstalledAgents
from hastack.errors import ConfigError, Diagnostic, HastackError, Severity
from hastack.model.config import Configuration, Primitive
from hastack.model.secrets import MASK
from hastack.model.values import AgentRef
from hastack.store.local import LocalStore, StaleCommit

CLUSTER = """node n1
node n2
primitive vip ocf:heartbeat:IPaddr2 params ip=10.0.0.10 op monitor interval=10s
primitive db ocf:heartbeat:Dummy params fake=1 op monitor interval=20s
colocation db-with-vip inf: db vip
property stonith-enabled=false
"""


@dataclass(frozen=True)
class Text:
    text: str
    digest: str


class MemoryText:
    """A text store with the compare-and-swap contract of hastack.store.local.LocalStore."""

    def __init__(self) -> None:
        self.stored: Text | None = None
        self.commits = 0

    def read(self) -> Text | None:
        return self.stored

    def commit(self, text: str, based_on: str | None) -> str:
        if (self.stored.digest if self.stored else None) != based_on:
            raise StaleCommit("the stored configuration changed since it was read; nothing was changed")
        self.stored = Text(text, hashlib.sha256(text.encode()).hexdigest())
        self.commits += 1
        return self.stored.digest


@pytest.fixture
def memory() -> MemoryText:
    return MemoryText()


@pytest.fixture
def svc(memory: MemoryText) -> ConfigService:
    return ConfigService(CibTextStore(memory, "memory"))


# --- load: parse, validate, commit ------------------------------------------------------------------

def test_a_clean_load_is_committed_and_reads_back(svc: ConfigService, memory: MemoryText) -> None:
    outcome = svc.load(Input(CLUSTER, "c.crm"))
    assert outcome.ok and outcome.committed and outcome.errors == []
    assert outcome.version == memory.stored.digest if memory.stored else False
    current = svc.current()
    assert current.version == outcome.version
    assert current.config is not None and list(current.config.resources) == ["vip", "db"]


def test_a_load_with_errors_commits_nothing_and_says_everything_in_order(svc: ConfigService,
                                                                         memory: MemoryText) -> None:
    bad = CLUSTER + "group g db vipp\nlocation l1 nosuch 100: n1\nproperty more: no-quorum-polcy=stop\n"
    outcome = svc.load(Input(bad, "bad.crm"))
    assert not outcome.ok and not outcome.committed and memory.commits == 0
    texts = [d.render() for d in outcome.diagnostics]
    assert any("'vipp', which is not defined" in t and "did you mean 'vip'?" in t for t in texts)
    assert any("'nosuch', which is not defined" in t for t in texts)
    assert any("did you mean 'no-quorum-policy'?" in t for t in texts)
    where = [(d.location.line, d.location.column) for d in outcome.diagnostics if d.location]
    assert where == sorted(where)
    with pytest.raises(ConfigError) as err:
        outcome.raise_if_errors()
    assert len(err.value.errors) == len(outcome.errors) >= 2


def test_a_text_that_does_not_parse_still_gets_its_semantic_errors(svc: ConfigService) -> None:
    outcome = svc.load(Input("primitive a ocf:heartbeat:Dummy\nprimitive\ngroup g a b\n", "p.crm"))
    assert outcome.config is None and not outcome.committed
    messages = " | ".join(d.message for d in outcome.errors)
    assert "'b', which is not defined" in messages  # the group, after the statement that failed
    assert len(outcome.errors) >= 2


def test_update_merges_into_the_stored_configuration(svc: ConfigService) -> None:
    first = svc.load(Input(CLUSTER, "c.crm"))
    second = svc.load(Input("primitive web ocf:heartbeat:Dummy\nproperty stonith-enabled=true\n", "u.crm"),
                      update=True)
    assert second.ok and second.version != first.version
    config = svc.current().config
    assert config is not None and list(config.resources) == ["vip", "db", "web"]
    assert dict(config.properties[0].pairs)["stonith-enabled"] == "true"


def test_replace_drops_what_the_input_does_not_have(svc: ConfigService) -> None:
    svc.load(Input(CLUSTER, "c.crm"))
    svc.load(Input("node n1\nprimitive only ocf:heartbeat:Dummy\nproperty stonith-enabled=false\n", "r.crm"))
    config = svc.current().config
    assert config is not None and list(config.resources) == ["only"]


def test_cib_xml_is_read_too(svc: ConfigService) -> None:
    svc.load(Input(CLUSTER, "c.crm"))
    xml = CibTextStore(svc.store.store).store.read().text  # type: ignore[union-attr]
    outcome = ConfigService().verify(Input(xml, "cib.xml"))
    assert outcome.ok and outcome.config == svc.current().config


def test_a_broken_cib_is_refused_with_its_location_and_no_secret(svc: ConfigService) -> None:
    xml = ('<cib><configuration><resources><primitive id="p" class="ocf" provider="heartbeat" type="Dummy">'
           '<instance_attributes id="ia"><nvpair id="x" name="password" value="hunter22"/>'
           '</instance_attributes></primitive><bogus></resources></configuration></cib>')
    outcome = svc.load(Input(xml, "broken.xml"))
    assert outcome.config is None and outcome.errors
    assert str(outcome.errors[0].location).startswith("broken.xml:1:")
    assert all("hunter22" not in d.render() for d in outcome.diagnostics)


# --- commit is compare-and-swap ----------------------------------------------------------------------

class Racing(CibTextStore):
    """A store another writer changes between the service's read and its commit."""

    def current(self) -> Current:
        seen = super().current()
        other = self.store.read()
        self.store.commit("<cib><configuration><crm_config/><nodes/><resources/><constraints/>"
                          "</configuration></cib>", other.digest if other else None)
        return seen


def test_a_commit_based_on_an_outdated_read_is_refused_and_changes_nothing(tmp_path: Path) -> None:
    local = LocalStore(tmp_path)
    ConfigService(CibTextStore(local)).load(Input(CLUSTER, "c.crm"))
    racing = ConfigService(Racing(local))
    with pytest.raises(HastackError, match="changed since it was read"):
        racing.load(Input("primitive web ocf:heartbeat:Dummy\n", "u.crm"), update=True)
    stored = local.read()
    assert stored is not None and "web" not in stored.text  # the other writer's version stands


def test_replace_repairs_an_unreadable_stored_configuration(tmp_path: Path) -> None:
    local = LocalStore(tmp_path)
    local.commit("this is not XML", None)
    svc = ConfigService(CibTextStore(local))
    with pytest.raises(HastackError):
        svc.current()
    assert svc.load(Input(CLUSTER, "c.crm")).committed
    assert svc.current().config is not None


# --- verify, show ------------------------------------------------------------------------------------

def test_verify_stores_nothing_and_needs_no_store_for_a_replace() -> None:
    outcome = ConfigService().verify(Input(CLUSTER, "c.crm"))
    assert outcome.ok and not outcome.committed
    with pytest.raises(HastackError, match="no store"):
        ConfigService().verify(Input(CLUSTER, "c.crm"), update=True)


def test_verify_current_and_show(svc: ConfigService) -> None:
    with pytest.raises(HastackError, match="no configuration is stored yet"):
        svc.verify_current()
    svc.load(Input(CLUSTER + "primitive st stonith:fence_ipmilan params passwd=ipmisecret\n", "c.crm"))
    assert svc.verify_current().ok
    shown = svc.show(["db", "st"], mask=True)
    assert list(shown.resources) == ["db", "st"] and shown.nodes == ()
    st = shown.resources["st"]
    assert isinstance(st, Primitive) and dict(st.params[0].pairs)["passwd"] == MASK
    with pytest.raises(HastackError) as err:
        svc.show(["dbb"])
    assert "did you mean 'db'?" in err.value.hint


def test_no_secret_value_in_any_diagnostic(svc: ConfigService) -> None:
    text = ("primitive db ocf:heartbeat:mysql params password=s3cr3tpw \\\n    unknown_thing=s3cr3tpw\n"
            "group g db s3cr3tpw\n")
    outcome = svc.load(Input(text, "s.crm"))
    assert outcome.errors
    assert all("s3cr3tpw" not in d.render() for d in outcome.diagnostics)


# --- the agent meta-data check -----------------------------------------------------------------------

class OneAgent:
    """An AgentCatalog that knows one agent, ocf:heartbeat:Dummy, taking only `state` and `fake`."""

    def ocf_providers(self) -> list[str] | None:
        return ["heartbeat"]

    def types(self, cls: str, provider: str | None) -> list[str] | None:
        return ["Dummy"] if (cls, provider) == ("ocf", "heartbeat") else None

    def check_params(self, agent: AgentRef, params: Mapping[str, str]) -> list[Diagnostic] | None:
        return [Diagnostic(f"{agent} has no parameter {k!r}", hint="parameters: state, fake")
                for k in params if k not in ("state", "fake")]


def test_parameters_the_agent_does_not_take_refuse_the_load(memory: MemoryText) -> None:
    svc = ConfigService(CibTextStore(memory), agents=OneAgent())
    outcome = svc.load(Input("primitive d ocf:heartbeat:Dummy params fake=1 colour=blue\n"
                             "primitive e ocf:heartbeat:Dummmy\n", "a.crm"))
    assert not outcome.committed and memory.commits == 0
    assert [d.severity for d in outcome.diagnostics if "colour" in d.message] == [Severity.ERROR]
    assert any("Dummmy" in d.message and "did you mean 'Dummy'?" in d.hint for d in outcome.warnings)


def test_the_installed_dummy_agent_is_checked_against_its_real_meta_data() -> None:
    svc = ConfigService(agents=InstalledAgents())
    good = svc.verify(Input("primitive d ocf:heartbeat:Dummy params fake=1\n", "d.crm"))
    assert good.ok, [d.render() for d in good.diagnostics]
    bad = svc.verify(Input("primitive d ocf:heartbeat:Dummy params fakee=1\n", "d.crm"))
    assert [d.location.column for d in bad.errors if d.location] and "fakee" in bad.errors[0].message


def test_the_outcome_config_is_a_configuration(svc: ConfigService) -> None:
    assert isinstance(svc.verify(Input(CLUSTER, "c.crm")).raise_if_errors(), Configuration)


# --- the same service over the store port ------------------------------------------------------------

def test_the_service_runs_over_the_store_port_unchanged() -> None:
    from hastack.configsvc import PortStore
    from hastack.store.memory import MemoryStore
    from hastack.store.port import StaleCommit as PortStale

    port = MemoryStore()
    svc = ConfigService(PortStore(port))
    assert svc.current() == Current(None, None)
    first = svc.load(Input(CLUSTER, "c.crm"))
    assert first.committed and port.snapshot().config_revision == int(first.version or 0)
    second = svc.load(Input("primitive web ocf:heartbeat:Dummy\n", "u.crm"), update=True)
    assert list(port.snapshot().configuration.resources) == ["vip", "db", "web"]
    # a commit based on the first version, after the second: refused, nothing changed
    stale = second.config
    assert stale is not None
    with pytest.raises(PortStale):
        PortStore(port).commit(stale, first.version)
    assert list(port.snapshot().configuration.resources) == ["vip", "db", "web"]


def test_an_update_may_refer_to_what_is_stored(svc: ConfigService) -> None:
    svc.load(Input(CLUSTER + "primitive web ocf:heartbeat:Dummy params $id=web-params $port:fake=8080\n", "c.crm"))
    outcome = svc.load(Input("primitive web2 ocf:heartbeat:Dummy params $id-ref=web-params\n"
                             "primitive web3 ocf:heartbeat:Dummy params @port\n", "u.crm"), update=True)
    assert outcome.ok, [d.render() for d in outcome.diagnostics]
    config = svc.current().config
    assert config is not None
    assert config.resources["web2"].params[0].pairs == config.resources["web3"].params[0].pairs == (("fake", "8080"),)
    with pytest.raises(ConfigError, match="refers to no attribute set"):
        svc.load(Input("primitive web4 ocf:heartbeat:Dummy params $id-ref=nothing\n", "u.crm"), update=True)
