"""The store port: what the cluster keeps, in the cluster's own words (the role of Patroni's DCS).

Everything that reads or writes shared cluster data goes through a
`ClusterStore`: the configuration (replaced whole, by compare-and-swap on its
revision), each node's operation history (written only by that node's
executor), transient node attributes (fail counts, promotion scores written
by agents through the crm_master/crm_attribute shims), and membership.
Adapters: `store.memory.MemoryStore` (tests, simulation), `store.memory.FileStore`
(one machine, no daemon), `store.etcd.EtcdStore` (the cluster). One contract
test suite (tests/store/) runs against all three.

A snapshot is one consistent read: the configuration, the `ClusterState` the
scheduler reads, and the store revision it was taken at. Revisions only grow;
`watch(after)` returns as soon as anything newer exists, so loops are
level-triggered (wake, take a fresh snapshot, recompute).

Imports the model, errors and cib (the configuration travels as CIB XML).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Protocol

from hastack.errors import HastackError, StaleCommit
from hastack.model.config import Configuration
from hastack.model.state import ClusterState, ResourceHistory


__all__ = ["ClusterStore", "Snapshot", "StaleCommit", "StoreError"]


class StoreError(HastackError):
    """The store could not be read or written (unreachable, timed out, refused)."""


@dataclass(frozen=True)
class Snapshot:
    """One consistent read of the cluster.

    `config_revision` is what a commit must name as `based_on` (0: nothing was
    ever committed); `revision` is the store's revision of the whole read.
    """

    configuration: Configuration
    state: ClusterState
    revision: int
    config_revision: int
    members: Mapping[str, str]  # uname -> node id of the nodes that hold their membership now
    dc: str | None = None  # uname of the elected DC, if any
    # what a DC needs between two waves of a transition, so that it reads nothing else (each read a
    # round trip between a result and the orders it frees): its own term, the members' leases (orders
    # name them) and the orders still waiting on each node
    dc_term: int = 0  # the DC key's create revision (0: no DC, or a store without terms)
    leases: Mapping[str, int] = field(default_factory=dict)  # uname -> membership lease
    orders: Mapping[str, frozenset[str]] = field(default_factory=dict)  # uname -> keys of its waiting orders


class ClusterStore(Protocol):
    def snapshot(self) -> Snapshot:
        """The configuration, the cluster state and membership, read at one revision."""
        ...

    def commit(self, configuration: Configuration, based_on: int) -> int:
        """Replace the configuration if it is still at revision `based_on`; raise StaleCommit if not.
        Returns the new configuration revision."""
        ...

    def record_result(self, node: str, history: ResourceHistory) -> int:
        """Replace `node`'s history entry `history.id` (an executor records its own results)."""
        ...

    def forget_history(self, node: str, history_id: str | None = None) -> int:
        """Drop one history entry of `node`, or all of them (a node rejoining starts clean)."""
        ...

    def set_node_attribute(self, node: str, name: str, value: str | None) -> int:
        """Set (None: delete) a transient node attribute."""
        ...

    def node_attributes(self, node: str) -> Mapping[str, str]:
        """The transient attributes of `node` now."""
        ...

    def watch(self, after: int, timeout: float) -> int:
        """Block until the store holds a revision newer than `after`, or `timeout` seconds pass;
        return the newest revision known."""
        ...
