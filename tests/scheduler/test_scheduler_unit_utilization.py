"""Utilization and placement-strategy: the pure capacity arithmetic, GLib's orders, and placement.

The arithmetic and GLib tables are checked value by value; the placements are
small clusters written in the crm language (the way a user writes them) and
decided by schedule(). The regression cases balanced, utilization, minimal's
placement-capacity, colocated-utilization-* and utilization-order* check the
same against Pacemaker's own answers.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import random
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from test_scheduler_unit_models import node_state, started, state  # noqa: E402
from hastack.crm import parse  # noqa: E402
from hastack.scheduler import schedule  # noqa: E402
from hastack.scheduler.glib import glib_sort, hash_order, pcmk_str_hash, str_hash  # noqa: E402
from hastack.scheduler.utilization import (  # noqa: E402
    compare_capacities, consume, has_capacity, release, value_of,
)


@pytest.mark.parametrize(("text", "value"), [
    (None, 0), ("4", 4), ("-2", -2), (" 16", 16), ("8GB", 8),  # strtoll: the leading integer
    ("abc", 0), ("", 0),                                           # unreadable: 0, as Pacemaker warns
    ("99999999999", 2 ** 31 - 1),                                  # clamped to a C int
])
def test_utilization_values_read_like_pacemaker(text: str | None, value: int) -> None:
    assert value_of(text) == value


@pytest.mark.parametrize(("remaining", "used", "after"), [
    ({"cpu": 4, "mem": 8}, {"cpu": 1}, {"cpu": 3, "mem": 8}),
    ({"cpu": 1}, {"cpu": 2}, {"cpu": -1}),          # over-committed (a forced or unmanaged placement)
    ({"cpu": 4}, {"mem": 2}, {"cpu": 4, "mem": 0}),  # a capacity the node never had becomes 0, not -2
    ({}, {}, {}),
])
def test_consume_and_release(remaining: dict[str, int], used: dict[str, int], after: dict[str, int]) -> None:
    assert consume(remaining, used) == after
    if all(k in remaining for k in used):
        assert release(after, used) == remaining


@pytest.mark.parametrize(("remaining", "required", "fits"), [
    ({"cpu": 2, "mem": 4}, {"cpu": 2, "mem": 4}, True),   # exactly full is enough
    ({"cpu": 2, "mem": 4}, {"cpu": 3}, False),
    ({"cpu": 2}, {"mem": 1}, False),                      # a capacity the node lacks is 0
    ({"cpu": 2}, {"mem": 0}, True),
    ({}, {}, True),
])
def test_has_capacity(remaining: dict[str, int], required: dict[str, int], fits: bool) -> None:
    assert has_capacity(remaining, required) is fits


@pytest.mark.parametrize(("a", "b", "sign"), [
    ({"cpu": 4}, {"cpu": 2}, -1),                       # a has more free: a first
    ({"cpu": 4, "mem": 1}, {"cpu": 2, "mem": 8}, 0),    # one vote each, whatever the margins
    ({"cpu": 4, "mem": 1}, {"cpu": 2}, -2),
    ({"cpu": 1}, {"mem": 1}, 0),                        # missing counts as 0 on either side
    ({}, {"mem": 1}, 1),
])
def test_compare_capacities_counts_one_vote_per_attribute(a: dict[str, int], b: dict[str, int], sign: int) -> None:
    assert compare_capacities(a, b) == sign
    assert compare_capacities(b, a) == -sign


def test_glib_sort_is_a_stable_merge_sort_with_glibs_split() -> None:
    pairs = [(1, "a"), (0, "b"), (1, "c"), (0, "d"), (1, "e")]
    assert glib_sort(pairs, lambda x, y: x[0] - y[0]) == [(0, "b"), (0, "d"), (1, "a"), (1, "c"), (1, "e")]
    # A cycle (r beats p beats s beats r): the answer depends on the algorithm and its input.
    beats = {("r", "s"), ("p", "r"), ("s", "p")}

    def cmp(x: str, y: str) -> int:
        return -1 if (x, y) in beats else 1 if (y, x) in beats else 0
    assert glib_sort(["r", "p", "s"], cmp) == ["r", "s", "p"]  # [r] merged with [p, s] sorted: [s, p]
    assert glib_sort(["s", "r", "p"], cmp) == ["s", "p", "r"]  # [s] merged with [r, p] sorted: [p, r]


@pytest.mark.parametrize(("keys", "order"), [
    # Pacemaker's node tables (pcmk__str_hash on node ids), as crm_simulate's compare_nodes
    # traces show them: the sort's input is this order reversed
    (["1", "2", "3", "4", "5"], ["1", "3", "5", "2", "4"]),
    (["1", "2", "3", "4", "5", "6", "7", "8"], ["4", "3", "2", "8", "1", "7", "6", "5"]),  # grown to 16 slots
])
def test_hash_order_of_pacemaker_node_tables(keys: list[str], order: list[str]) -> None:
    assert hash_order(keys) == order
    assert pcmk_str_hash("1") == 49 and pcmk_str_hash("") == 0
    assert str_hash("") == 5381


def _libglib_order(keys: list[str]) -> list[str] | None:
    """The iteration order of a real GHashTable (g_str_hash), or None without libglib."""
    name = ctypes.util.find_library("glib-2.0")
    if name is None:
        return None
    g = ctypes.CDLL(name)
    g.g_hash_table_new.restype = ctypes.c_void_p
    g.g_hash_table_new.argtypes = [ctypes.c_void_p, ctypes.c_void_p]
    g.g_hash_table_insert.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_char_p]
    g.g_hash_table_get_keys.restype = ctypes.c_void_p
    g.g_hash_table_get_keys.argtypes = [ctypes.c_void_p]

    class GList(ctypes.Structure):
        pass
    GList._fields_ = [("data", ctypes.c_char_p), ("next", ctypes.POINTER(GList)), ("prev", ctypes.POINTER(GList))]
    table = g.g_hash_table_new(ctypes.cast(g.g_str_hash, ctypes.c_void_p).value,
                               ctypes.cast(g.g_str_equal, ctypes.c_void_p).value)
    buffers = [ctypes.create_string_buffer(k.encode()) for k in keys]  # kept alive with the table
    for b in buffers:
        g.g_hash_table_insert(table, ctypes.cast(b, ctypes.c_char_p), ctypes.cast(b, ctypes.c_char_p))
    out = []
    item = ctypes.cast(g.g_hash_table_get_keys(table), ctypes.POINTER(GList))
    while item:
        out.append(item.contents.data.decode())
        item = item.contents.next
    return out[::-1]  # g_hash_table_get_keys prepends: its list runs backwards


def test_hash_order_matches_libglib_including_growth() -> None:
    """The table itself (slots, probing, growth) against GLib's, with GLib's own string hash."""
    rnd = random.Random(13)
    for _ in range(200):
        keys = list(dict.fromkeys(rnd.choice(["node", "host-", "pcmk-", ""]) + str(rnd.randint(0, 80))
                                  for _ in range(rnd.randint(1, 40))))
        real = _libglib_order(keys)
        if real is None:
            pytest.skip("libglib-2.0 is not installed")
        assert hash_order(keys, str_hash) == real, keys


# --- placement ------------------------------------------------------------------------------

NODES = """node host1 utilization cpu=2 memory=2048
node host2 utilization cpu=4 memory=4096
"""


def decide(crm: str, *states: object) -> dict[str, str | None]:
    config = parse(crm).config
    names = [n.uname for n in config.nodes]
    st = state(*(states or [node_state(n) for n in names]))  # type: ignore[arg-type]
    t = schedule(config, st, 0)
    return {rid: p.node for rid, p in t.placement.items()}


def vm(rid: str, cpu: int, memory: int = 512, extra: str = "") -> str:
    return f"primitive {rid} ocf:pacemaker:Dummy utilization cpu={cpu} memory={memory}{extra}\n"


@pytest.mark.parametrize(("strategy", "expected"), [  # each as crm_simulate 2.1.5 places them
    # default ignores utilization: fewest resources, then name -- host1 is given 3 cpus of 2
    ("default", {"a": "host1", "b": "host2", "c": "host1"}),
    # utilization only refuses nodes too small: c (2 cpus) no longer fits on host1 beside a
    ("utilization", {"a": "host1", "b": "host2", "c": "host2"}),
    # minimal packs: equal scores go to the first node by name while it has room
    ("minimal", {"a": "host1", "b": "host1", "c": "host2"}),
    # balanced: the node with more free capacity first, and host2 keeps having more
    ("balanced", {"a": "host2", "b": "host2", "c": "host2"}),
])
def test_placement_strategies(strategy: str, expected: dict[str, str]) -> None:
    crm = NODES + vm("a", 1) + vm("b", 1) + vm("c", 2) + f"property stonith-enabled=false placement-strategy={strategy}\n"
    assert decide(crm) == expected


def test_a_resource_no_node_can_hold_stays_stopped() -> None:
    crm = NODES + vm("big", 8) + "property stonith-enabled=false placement-strategy=utilization\n"
    assert decide(crm) == {"big": None}


def test_an_unknown_strategy_is_the_default() -> None:
    crm = NODES + vm("big", 8) + "property stonith-enabled=false placement-strategy=Balance\n"
    assert decide(crm) == {"big": "host1"}


def test_a_group_needs_room_for_all_its_members() -> None:
    # Each member fits on host1 alone, the three together only on host2.
    crm = (NODES + vm("m1", 1) + vm("m2", 1) + vm("m3", 1) + "group g m1 m2 m3\n"
           "location prefer-host1 g 100: host1\nproperty stonith-enabled=false placement-strategy=utilization\n")
    assert decide(crm) == {"m1": "host2", "m2": "host2", "m3": "host2"}


def test_mandatory_colocation_adds_the_dependents_needs() -> None:
    crm = (NODES + vm("db", 1) + vm("app", 2) + "colocation app-with-db inf: app db\n"
           "location prefer-host1 db 100: host1\nproperty stonith-enabled=false placement-strategy=balanced\n")
    assert decide(crm) == {"db": "host2", "app": "host2"}


def test_higher_priority_is_assigned_first_and_takes_the_room() -> None:
    # 'new' (priority 10) is assigned before the running, sticky 'old' and takes host2's room;
    # host1 (2 cpus) cannot hold old's 3, so old stops.
    crm = (NODES + vm("old", 3, extra=" meta resource-stickiness=50")
           + vm("new", 3, extra=" meta priority=10")
           + "location new-prefers-host2 new 10: host2\nproperty stonith-enabled=false placement-strategy=utilization\n")
    placed = decide(crm, node_state("host1"), node_state("host2", started("old")))
    assert placed == {"old": None, "new": "host2"}


def test_a_start_waits_for_the_stops_that_free_its_nodes_capacity() -> None:
    # 'old' (3 cpus) must leave host2 for 'new' (priority 10): new's start on host2 waits for
    # old's stop there through load_stopped_host2; the node's other pseudo-action orders nothing.
    crm = (NODES + vm("old", 3, extra=" meta resource-stickiness=50") + vm("new", 3, extra=" meta priority=10")
           + "location new-prefers-host2 new 10: host2\nproperty stonith-enabled=false placement-strategy=utilization\n")
    config = parse(crm).config
    t = schedule(config, state(node_state("host1"), node_state("host2", started("old"))), 0)
    by_id = {a.id: a for a in t.actions}
    live = {(a.task, a.rsc, a.node): a for a in t.actions if not a.optional}
    start, stop = live[("start", "new", "host2")], live[("stop", "old", "host2")]
    load = live[("load_stopped_host2", None, "host2")]
    assert load.pseudo and [by_id[i] for i in load.after] == [stop]
    assert load.id in start.after
    assert live[("load_stopped_host1", None, "host1")].after == ()  # nothing stops on host1


def test_no_load_orderings_under_the_default_strategy() -> None:
    crm = NODES + vm("a", 1) + "property stonith-enabled=false\n"
    t = schedule(parse(crm).config, state(node_state("host1"), node_state("host2")), 0)
    assert not [a for a in t.actions if a.task.startswith("load_stopped")]
