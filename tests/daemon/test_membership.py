"""The membership's renewal rules that make a node's self-fence deadline knowable from outside (daemon.expiry):
no renewal sent at or past the deadline, a renewal answered later than the call timeout does not count, and
the promise is published only by a node whose watchdog enforces it."""

from __future__ import annotations

import threading
import time
import uuid

from hastack.daemon.expiry import Promise
from hastack.daemon.membership import Guard, Membership
from hastack.daemon.timing import for_ttl
from hastack.store.etcd import EtcdStore
from hastack.store.etcdclient import EtcdClient


class SlowEtcd:
    """A store whose renewals all answer `delay` seconds late (a fake: this test is about the node's rules)."""

    def __init__(self, delay: float) -> None:
        self.delay = delay
        self.client = self
        self.lock = threading.Lock()
        self.sent: list[tuple[float, int]] = []  # (monotonic send, lease) of every renewal
        self.granted: list[tuple[float, int]] = []  # (monotonic grant, lease)

    def lease_grant(self, ttl: int, timeout: float | None = None) -> int:
        with self.lock:
            lease = len(self.granted) + 1
            self.granted.append((time.monotonic(), lease))
        return lease

    def lease_keepalive(self, lease: int, timeout: float | None = None) -> int:
        with self.lock:
            self.sent.append((time.monotonic(), lease))
        time.sleep(self.delay)
        return 2

    def join(self, *args: object, **kwargs: object) -> int:
        return 1


def test_a_late_answer_does_not_count_and_no_renewal_goes_out_past_the_deadline() -> None:
    timing = for_ttl(2)
    fake = SlowEtcd(delay=timing.call_timeout + 0.05)  # every renewal "succeeds", each too late
    fenced = threading.Event()
    m = Membership(fake, "n1", "n1", timing, self_fence=fenced.set)  # type: ignore[arg-type]
    m.start()
    try:
        assert fenced.wait(5), "the late answers kept the node in"
    finally:
        m.stop(revoke=False)
    first_grant, first_lease = fake.granted[0]
    deadline = first_grant + timing.self_fence_after
    renewals = [t for t, lease in fake.sent if lease == first_lease]
    assert renewals, "no renewal was tried"
    assert max(renewals) < deadline, f"a renewal went out {max(renewals) - deadline:.3f} s past the deadline"


def test_the_promise_is_published_only_with_a_watchdog(etcd_endpoint: str) -> None:
    prefix = f"/promise-{uuid.uuid4().hex[:8]}"
    timing = for_ttl(3)
    nodes = {"w": Membership(EtcdStore(EtcdClient([etcd_endpoint], timeout=1.0), prefix), "w", "w", timing,
                             self_fence=lambda: None, pet=lambda _deadline: None, address="127.0.0.1"),
             "n": Membership(EtcdStore(EtcdClient([etcd_endpoint], timeout=1.0), prefix), "n", "n", timing,
                             self_fence=lambda: None, address="127.0.0.1")}
    for m in nodes.values():
        m.start()
    try:
        assert all(m.wait_joined(10) for m in nodes.values())
        records = EtcdStore(EtcdClient([etcd_endpoint], timeout=1.0), prefix).member_records()
        assert Promise.parse(records["w"].promise) == Promise(**timing.promise())
        assert records["n"].promise is None and records["n"].address == "127.0.0.1"
    finally:
        for m in nodes.values():
            m.stop()


def test_the_guard_fires_once_for_a_deadline_it_never_saw_when_someone_saw_the_lease_held() -> None:
    """A guard that was starved (or stopped with its process) while the node held its lease must still stop
    everything after: holds() arms it, since whoever asked may have started a resource."""
    fired: list[float] = []
    guard = Guard(lambda: time.monotonic() - 1.0, lambda: fired.append(time.monotonic()))  # always past
    stop = threading.Event()
    t = threading.Thread(target=guard.run, args=(stop,), daemon=True)
    t.start()
    try:
        time.sleep(0.2)
        assert fired == []  # nobody saw the lease held: nothing to stop
        guard.arm()
        deadline = time.monotonic() + 2
        while not fired and time.monotonic() < deadline:
            time.sleep(0.01)
        time.sleep(0.2)
        assert len(fired) == 1
    finally:
        stop.set()
        t.join(2)
