"""The coordination keys on a real etcd: DC election with terms, writes guarded by the term, orders voided
by a new DC, eviction of a fenced member, and the transition log's bound."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator

import pytest

from hastack.store.etcd import EtcdStore, GuardLost
from hastack.store.etcdclient import EtcdClient
from hastack.store.port import StoreError


@pytest.fixture
def store(etcd_endpoint: str) -> Iterator[EtcdStore]:
    client = EtcdClient([etcd_endpoint])
    yield EtcdStore(client, prefix=f"/co-{uuid.uuid4().hex[:8]}")
    client.close()


def test_one_dc_per_term_and_a_deposed_dc_cannot_write(store: EtcdStore) -> None:
    l1, l2 = store.client.lease_grant(30), store.client.lease_grant(30)
    store.join("n1", "n1", l1)
    store.join("n2", "n2", l2)
    term = store.campaign("n1", l1)
    assert term is not None and store.campaign("n2", l2) is None
    assert store.current_dc() == ("n1", term)
    store.post_actions(term, "n2", {"k1": "{}"})
    assert set(store.actions_for("n2")[0]) == {"k1"}

    store.client.lease_revoke(l1)  # n1's membership ends: its DC key goes with it
    assert store.current_dc() is None
    with pytest.raises(GuardLost):
        store.post_actions(term, "n2", {"k2": "{}"})
    new = store.campaign("n2", l2)
    assert new is not None and new > term
    store.clear_orders(new)  # the new DC voids the old term's orders
    assert store.actions_for("n2")[0] == {}


def test_seniority_ranks_members_by_when_they_joined_so_a_rebooted_node_comes_last(store: EtcdStore) -> None:
    leases = {n: store.client.lease_grant(30) for n in ("n2", "n1", "n3")}
    for node, lease in leases.items():
        store.join(node, node, lease)
    assert store.seniority() == ["n2", "n1", "n3"]
    store.client.lease_revoke(leases["n2"])  # n2 resets and joins again on a new lease
    store.join("n2", "n2", store.client.lease_grant(30))
    assert store.seniority() == ["n1", "n3", "n2"]


def test_a_member_writes_only_while_it_holds_its_lease(store: EtcdStore) -> None:
    from hastack.model.state import ResourceHistory

    lease = store.client.lease_grant(30)
    store.join("n1", "n1", lease)
    mine = store.with_guard(store.member_guard("n1", lease))
    mine.record_result("n1", ResourceHistory(id="r1", agent=None))
    store.evict("n1", lease)  # fenced: membership revoked
    assert "n1" not in store.snapshot().members
    with pytest.raises(GuardLost):
        mine.record_result("n1", ResourceHistory(id="r2", agent=None))


def test_the_transition_log_keeps_the_newest_records(store: EtcdStore) -> None:
    lease = store.client.lease_grant(30)
    store.join("n1", "n1", lease)
    term = store.campaign("n1", lease)
    assert term is not None
    for n in range(1, 6):
        store.log_transition(term, term * 1_000_000 + n, f'{{"n": {n}, "cib": "{"x" * 1000}"}}', keep=3)
        store.log_outcome(term, term * 1_000_000 + n, f'{{"ran": {n}}}')
    kept = store.transitions()
    assert [seq % 1_000_000 for seq, _ in kept] == [3, 4, 5]
    assert kept[-1][1].startswith('{"n": 5')
    # each kept record's outcome is kept with it, the others went with their records
    assert sorted(seq % 1_000_000 for seq in store.outcomes()) == [3, 4, 5]
    # a smaller pe-input-series-max drops many at once (range deletes: no txn size limit to hit)
    for n in range(6, 206):
        store.log_transition(term, term * 1_000_000 + n, "{}", keep=300)
    store.log_transition(term, term * 1_000_000 + 206, "{}", keep=2)
    assert [seq % 1_000_000 for seq, _ in store.transitions()] == [205, 206]
    assert store.outcomes() == {}


def test_a_node_that_joins_again_finds_no_order_of_its_earlier_incarnation(store: EtcdStore) -> None:
    from hastack.daemon.orders import Order
    from hastack.scheduler import Action

    l1 = store.client.lease_grant(30)
    store.join("n1", "n1", l1)
    term = store.campaign("n1", l1)
    assert term is not None
    store.post_actions(term, "n1", {"k": Order(term, 1, Action(id=1, task="start", rsc="web", node="n1"),
                                               l1).to_json()})
    again = store.client.lease_grant(30)
    store.join("n1", "n1", again)  # a reset node joins with a new lease: the old queue is void
    assert store.actions_for("n1")[0] == {}
    order = Order.from_json(Order(term, 1, Action(id=1, task="start", rsc="web", node="n1"), l1).to_json())
    assert order.lease == l1 != again  # and an order that still arrives names the incarnation it was for


def test_a_repeated_snapshot_reads_only_changes_and_equals_a_fresh_read(store: EtcdStore) -> None:
    """snapshot() keeps the keys it read and asks only for what changed: after puts, rewrites and
    deletes it must give exactly what a store reading everything anew gives."""
    from hastack.crm import parse
    from hastack.model.state import OpRecord, ResourceHistory
    from hastack.model.values import AgentRef

    store.commit(parse("node n1\nnode n2\nprimitive d ocf:heartbeat:Dummy\n", "t.crm").config, 0)
    lease = store.client.lease_grant(30)
    store.join("n1", "n1", lease)

    def history(rc: int) -> ResourceHistory:
        return ResourceHistory("d", AgentRef.parse("ocf:heartbeat:Dummy"),
                               (OpRecord("d_last_0", "start", 3, rc, 0, operation_key="d_start_0"),))

    def fresh() -> object:
        return EtcdStore(store.client, store.prefix).snapshot()

    first = store.snapshot()
    store.record_result("n1", history(0))
    store.set_node_attribute("n1", "fail-count-d#start_0", "1")
    second = store.snapshot()
    assert second.state == fresh().state and second.state != first.state  # type: ignore[attr-defined]
    store.record_result("n1", history(1))  # rewritten
    store.set_node_attribute("n1", "fail-count-d#start_0", None)  # deleted
    third = store.snapshot()
    assert third.state == fresh().state  # type: ignore[attr-defined]
    ns = third.state.node_by_uname("n1")
    assert ns is not None and ns.history("d").ops[0].rc_code == 1 and "fail-count-d#start_0" not in ns.attributes
    store.forget_history("n1")
    assert store.snapshot().state == fresh().state  # type: ignore[attr-defined]


@pytest.fixture
def silent_member() -> Iterator[str]:
    """The URL of a 'member' that accepts connections and never answers (a member frozen or cut off after
    the client connected: the kernel completes the handshake, nothing replies)."""
    import socket

    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    sock.listen(16)
    yield f"http://127.0.0.1:{sock.getsockname()[1]}"
    sock.close()


def test_a_renewal_is_asked_of_the_next_member_when_the_first_does_not_answer(
        etcd_endpoint: str, silent_member: str) -> None:
    client = EtcdClient([silent_member, etcd_endpoint])
    try:
        client.endpoint_failed(0)  # noqa: SLF001 - a grant is never repeated: ask the live member
        lease = client.lease_grant(30)
        client._failed.clear()  # noqa: SLF001 - the silent member first, as the home member that froze
        budget = 0.29  # under a member's minimum share of a plain call: it waits out the silent one and fails
        with pytest.raises(StoreError, match="did not answer"):
            client.call("/v3/lease/keepalive", {"ID": str(lease)}, timeout=budget)
        client._failed.clear()  # noqa: SLF001
        assert client.lease_keepalive(lease, timeout=budget) == 30  # hedged: the live member answers
        time.sleep(budget)  # the silent member's try runs out ...
        assert client.endpoints[client.first_endpoint()] == etcd_endpoint  # noqa: SLF001 - ... and the live one goes first
    finally:
        client.close()


def test_a_watch_that_a_member_never_confirms_moves_the_client_to_the_next_member(
        etcd_endpoint: str, silent_member: str) -> None:
    client = EtcdClient([silent_member, etcd_endpoint])
    try:
        assert client.wait_for_change("/nothing-here/", 0, 0.3) == 0  # no change seen
        assert client.endpoints[client.first_endpoint()] == etcd_endpoint  # noqa: SLF001 - the next watch asks a live one
        rev = client.put("/watched/k", "v")
        assert client.wait_for_change("/watched/", rev - 1, 2.0) == rev
    finally:
        client.close()


def test_the_client_goes_back_to_its_first_member_once_that_one_has_had_time_to_recover() -> None:
    """hastackd lists its own host's member first: calls and watches go there, not to whichever member
    answered last (a watch left on another host's member went silent when that host lost power)."""
    from hastack.store.etcdclient import HOME_RETRY_S

    client = EtcdClient(["http://127.0.0.1:1", "http://127.0.0.1:2", "http://127.0.0.1:3"])
    try:
        assert client.first_endpoint() == 0  # noqa: SLF001
        client.endpoint_failed(0)  # noqa: SLF001
        assert client.first_endpoint() == 1  # noqa: SLF001 - the next in order while the first is recent trouble
        client.endpoint_failed(1)  # noqa: SLF001
        assert client.first_endpoint() == 2  # noqa: SLF001
        client.endpoint_failed(2)  # noqa: SLF001
        assert client.first_endpoint() == 0  # noqa: SLF001 - all failed: the one that failed longest ago
        client._failed[0] = time.monotonic() - HOME_RETRY_S  # noqa: SLF001
        client.endpoint_answered(1)  # noqa: SLF001
        assert client.first_endpoint() == 0  # noqa: SLF001 - home again once its time is up
    finally:
        client.close()


def test_a_member_proven_down_is_left_out_of_snapshots_before_its_revocation(store: EtcdStore) -> None:
    old, new = store.client.lease_grant(30), store.client.lease_grant(30)
    store.join("n1", "1", old)
    store.join("n2", "2", store.client.lease_grant(30))
    assert set(store.snapshot({"n1": old}).members) == {"n2"}  # the fence confirmed n1 off: plan without it
    assert set(store.snapshot().members) == {"n1", "n2"}  # (still a member in etcd)
    store.join("n1", "1", new)  # a new incarnation of n1: not the one proven down
    assert set(store.snapshot({"n1": old}).members) == {"n1", "n2"}


def test_several_reads_in_one_round_trip_see_one_revision(store: EtcdStore) -> None:
    c = store.client
    c.put(store.key("t", "a"), "1")
    c.put(store.key("t", "b", "x"), "2")
    rev = c.put(store.key("t", "b", "y"), "3")
    (single, under, none), at = c.read_many([(store.key("t", "a"), False), (store.key("t", "b") + "/", True),
                                             (store.key("t", "zz"), False)])
    assert [kv.value for kv in single] == [b"1"] and [kv.value for kv in under] == [b"2", b"3"] and none == []
    assert at == rev


def test_a_snapshot_carries_the_dc_term_the_leases_and_the_waiting_orders(store: EtcdStore) -> None:
    """What the DC reads between two waves of a transition: all from the one snapshot, at its revision."""
    l1, l2 = store.client.lease_grant(30), store.client.lease_grant(30)
    store.join("n1", "n1", l1)
    store.join("n2", "n2", l2)
    term = store.campaign("n1", l1)
    assert term is not None
    store.post_actions(term, "n2", {"k1": "{}", "k2": "{}"})
    snap = store.snapshot()
    assert (snap.dc, snap.dc_term) == ("n1", term)
    assert dict(snap.leases) == {"n1": l1, "n2": l2}
    assert dict(snap.orders) == {"n2": frozenset({"k1", "k2"})}
    store.done_action("n2", "k1", None)
    later = store.snapshot()  # (read incrementally: a deleted order must leave too)
    assert dict(later.orders) == {"n2": frozenset({"k2"})}
    assert dict(store.snapshot({"n2": l2}).leases) == {"n1": l1}  # a node proven down is left out
