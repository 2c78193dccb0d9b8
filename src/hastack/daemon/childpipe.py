"""The pipe between hastackd and a helper process of its own (daemon.hbprocess, daemon.leaseprocess).

Each helper reads one JSON line per request on its standard input and exits
when that input closes -- hastackd died, however it died -- so no helper
outlives the daemon it serves. Imports nothing of hastack.
"""

from __future__ import annotations

import select
import subprocess
from typing import IO


def read_line(stream: IO[str] | None, timeout: float) -> str:
    """One line from a child's pipe within `timeout` (TimeoutError otherwise; '' at its end)."""
    if stream is None:
        raise OSError("no pipe")
    ready, _, _ = select.select([stream], [], [], timeout)
    if not ready:
        raise TimeoutError(f"no answer within {timeout} s")
    return stream.readline()


def close(proc: subprocess.Popen[str], timeout: float = 2.0) -> None:
    """Close the child's input (its cue to exit) and reap it; killed if it has not gone in `timeout`."""
    try:
        if proc.stdin:
            proc.stdin.close()
        proc.wait(timeout=timeout)
    except (OSError, subprocess.TimeoutExpired):
        proc.kill()
        proc.wait()
