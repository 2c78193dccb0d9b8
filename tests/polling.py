"""Waiting for a condition in tests that watch real processes: poll until it holds or the time is up."""

from __future__ import annotations

import time
from collections.abc import Callable


def until(check: Callable[[], object], timeout: float, step: float = 0.02) -> bool:
    """Whether `check()` came true within `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(step)
    return False
