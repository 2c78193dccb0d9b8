"""A real agent's promotion score reaches the scheduler through the cluster store.

ocf:pacemaker:Stateful calls `crm_attribute --promotion` (the shim) when it
starts; run with the store environment hastackd gives agents, the score lands
in etcd as a transient node attribute, and the next snapshot makes
`schedule()` promote the instance on that node -- and only there.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest

from hastack.agents.action import ActionRequest, CloneInfo
from hastack.agents.executor import Executor, local_host
from hastack.crm import parse
from hastack.model.values import AgentRef
from hastack.scheduler import schedule
from hastack.simulate.execute import execute
from hastack.store.etcd import EtcdStore
from hastack.store.etcdclient import EtcdClient

CRM = """node node1
node node2
primitive st ocf:pacemaker:Stateful params state=STATE \\
    op monitor interval=10s role=Promoted op monitor interval=11s role=Unpromoted
clone ms_st st meta promotable=true promoted-max=1 clone-max=2 notify=false
property stonith-enabled=false
"""
NOW = 1_700_000_000


@pytest.fixture
def store(etcd_endpoint: str) -> Iterator[EtcdStore]:
    client = EtcdClient([etcd_endpoint])
    yield EtcdStore(client, prefix=f"/promo-{uuid.uuid4().hex[:8]}")
    client.close()


def promotes(store: EtcdStore) -> list[tuple[str | None, str | None]]:
    snap = store.snapshot()
    t = schedule(snap.configuration, snap.state, NOW)
    return [(a.rsc, a.node) for a in t.actions if a.task == "promote" and not a.optional and not a.pseudo]


def test_stateful_promotion_score_flows_through_the_store(store: EtcdStore, etcd_endpoint: str,
                                                          tmp_path: Path) -> None:
    state_file = str(tmp_path / "st.state")
    config = parse(CRM.replace("STATE", state_file), "promo.crm").config
    store.commit(config, based_on=0)
    for n in ("node1", "node2"):
        store.join(n, n, store.client.lease_grant(60))

    # Both instances started (as the executor would have recorded it); no promotion score yet.
    snap = store.snapshot()
    first = schedule(snap.configuration, snap.state, NOW)
    after = execute(snap.configuration, snap.state, first, NOW).state
    for ns in after.nodes.values():
        for h in ns.resources:
            store.record_result(ns.uname, h)
    assert promotes(store) == []  # no node has a score: nothing may be promoted

    # The real agent starts on node2 with the store environment: its crm_attribute call writes the score.
    env = (("HASTACK_STORE", "etcd"), ("HASTACK_ETCD_ENDPOINTS", etcd_endpoint),
           ("HASTACK_ETCD_PREFIX", store.prefix))
    host = replace(local_host(node="node2", state_dir=str(tmp_path)), store_env=env)
    executor = Executor(host)
    try:
        req = ActionRequest(AgentRef("ocf", "Stateful", "pacemaker"), "start", "st",  # an anonymous clone instance runs under its base name
                            (("state", state_file),), node="node2",
                            clone=CloneInfo(instance=1, clone_max=2, promoted_max=1, promoted_node_max=1))
        result = executor.execute(req)
    finally:
        executor.close()
    assert result.rc == 0, result.output
    attrs = dict(store.node_attributes("node2"))
    assert attrs.get("master-st") == "5", attrs  # Stateful's unpromoted score
    assert store.node_attributes("node1") == {}

    promoted = promotes(store)
    assert len(promoted) == 1 and promoted[0][1] == "node2", promoted
