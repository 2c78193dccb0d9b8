"""Process-wide interpreter settings for bulk work: owned by the callers, never by decision code.

Importing a big CIB or scheduling thousands of resources allocates hundreds of
thousands of small acyclic objects, which Python's cyclic garbage collector
would rescan over and over (measured: a 160k-operation CIB reads ~3x slower
with it on; schedule() spent ~0.4 s of ~1.8 s in it at 32 nodes x 5,000
primitives). And the scheduler's flag propagation recurses along ordering
chains as Pacemaker's does, so a chain of a few hundred ordered resources
needs more than Python's default recursion limit of 1,000 frames.

Both settings belong to the whole process: a library function that flipped
them would surprise every other thread (the daemon runs several). So
`schedule()` touches neither; the programs that run it on big inputs — the
`hastack simulate` command, the benchmark, later the controller loop — wrap
the call in `bulk_work()`, and `parse_cib()` pauses the collector around its
own parse with `paused_gc()`. Both restore what they found on the way out.

Imports nothing of hastack.
"""

from __future__ import annotations

import gc
import sys
from collections.abc import Iterator
from contextlib import contextmanager

# Deep enough for ordering chains of several thousand resources (a few frames per link).
RECURSION_LIMIT = 20_000


@contextmanager
def paused_gc() -> Iterator[None]:
    """The cyclic collector off for the block, then as it was."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


@contextmanager
def bulk_work() -> Iterator[None]:
    """The collector paused and the recursion limit at least RECURSION_LIMIT for the block."""
    old_limit = sys.getrecursionlimit()
    sys.setrecursionlimit(max(old_limit, RECURSION_LIMIT))
    try:
        with paused_gc():
            yield
    finally:
        sys.setrecursionlimit(old_limit)
