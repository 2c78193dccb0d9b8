"""Memory shared between hastackd and a helper process of its own (daemon.hbprocess, daemon.leaseprocess).

An anonymous file (memfd) mapped in both: the parent creates it and passes its
descriptor to the child, which maps the same pages. What each board holds, and
who writes which part, is the board's own business. Imports nothing of hastack.
"""

from __future__ import annotations

import mmap
import os


def shared_memory(name: str, size: int, fd: int | None = None) -> tuple[mmap.mmap, int]:
    """(mapping, descriptor) of `size` zeroed bytes -- new, or the parent's through `fd` (in the child)."""
    if fd is None:
        fd = os.memfd_create(name, os.MFD_CLOEXEC)  # (pass_fds keeps it open in the child)
        os.ftruncate(fd, size)
    return mmap.mmap(fd, size), fd
