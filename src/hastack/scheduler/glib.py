"""GLib's orders, where Pacemaker's decisions depend on them: g_list_sort and GHashTable iteration.

Pacemaker sorts nodes with comparators that are not always transitive (the
capacity votes of placement-strategy=balanced), so the result depends on the
sort algorithm and on the order of its input -- the iteration order of a
resource's allowed-node hash table (keyed by node id, hashed with Pacemaker's
own pcmk__str_hash). Emulating both (GLib 2.74, Debian 12's) gives the same
answer as Pacemaker where the comparison alone cannot decide.

Pure; imports nothing of hastack.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TypeVar

T = TypeVar("T")

_MIN_SHIFT = 3
# prime_mod[shift]: the prime just under 2**shift that the table reduces hashes by
_PRIME_MOD = (1, 2, 3, 7, 13, 31, 61, 127, 251, 509, 1021, 2039, 4093, 8191, 16381, 32749, 65521)
_MASK32 = 0xFFFFFFFF


def glib_sort(items: Sequence[T], cmp: Callable[[T, T], int]) -> list[T]:
    """g_list_sort: a stable top-down merge sort, the first half holding n//2 items."""
    if len(items) < 2:
        return list(items)
    mid = len(items) // 2
    left, right = glib_sort(items[:mid], cmp), glib_sort(items[mid:], cmp)
    out: list[T] = []
    i = j = 0
    while i < len(left) and j < len(right):
        if cmp(left[i], right[j]) <= 0:
            out.append(left[i])
            i += 1
        else:
            out.append(right[j])
            j += 1
    return out + left[i:] + right[j:]


def str_hash(key: str) -> int:
    """g_str_hash: djb2 over the bytes (as signed chars), 32-bit."""
    h = 5381
    for b in key.encode():
        h = (h * 33 + (b - 256 if b > 127 else b)) & _MASK32
    return h


def pcmk_str_hash(key: str) -> int:
    """Pacemaker's pcmk__str_hash (its string-keyed tables, node tables among them): h*31 + c
    from 0 over the bytes (as signed chars), 32-bit."""
    h = 0
    for b in key.encode():
        h = (h * 31 + (b - 256 if b > 127 else b)) & _MASK32
    return h


def _shift_for(size: int) -> int:
    shift = 0
    while size:
        size >>= 1
        shift += 1
    return max(shift, _MIN_SHIFT)


class _Table:
    """The slots of a string-keyed GHashTable, as far as the iteration order needs them."""

    def __init__(self, hash_func: Callable[[str], int]) -> None:
        self.hash = hash_func
        self.shift = _MIN_SHIFT
        self.slots: list[str | None] = [None] * (1 << self.shift)

    def home(self, key: str) -> int:
        h = self.hash(key)
        h = h if h >= 2 else 2  # 0 and 1 mark empty and deleted slots
        return ((h * 11) & _MASK32) % _PRIME_MOD[self.shift]

    def insert(self, key: str) -> None:
        i, step, mask = self.home(key), 0, len(self.slots) - 1
        while self.slots[i] is not None:
            if self.slots[i] == key:
                return
            step += 1
            i = (i + step) & mask
        self.slots[i] = key
        used = sum(s is not None for s in self.slots)
        if len(self.slots) <= used + used // 16:
            self._grow(used)

    def _grow(self, used: int) -> None:
        """g_hash_table_resize's in-place rehash: old slots in index order, each placed at its
        new home (or probed on); a key it displaces that was not yet moved is placed next."""
        old = self.slots
        self.shift = _shift_for(int(used * 1.333))
        self.slots = old + [None] * ((1 << self.shift) - len(old))
        moved = [False] * len(self.slots)
        mask = len(self.slots) - 1
        for i in range(len(old)):
            key = self.slots[i]
            if key is None or moved[i]:
                continue
            self.slots[i] = None
            while True:
                j, step = self.home(key), 0
                while moved[j]:
                    step += 1
                    j = (j + step) & mask
                moved[j] = True
                displaced, self.slots[j] = self.slots[j], key
                if displaced is None:
                    break
                key = displaced


def hash_order(keys: Sequence[str], hash_func: Callable[[str], int] = pcmk_str_hash) -> list[str]:
    """The iteration order of a GHashTable of strings that had `keys` inserted in this order
    and none removed (Pacemaker's tables hash with pcmk_str_hash, GLib's own with str_hash)."""
    t = _Table(hash_func)
    for k in keys:
        t.insert(k)
    return [k for k in t.slots if k is not None]
