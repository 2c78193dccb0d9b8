"""What etcd's JSON gateway needs of keys and values: base64 on the wire, and the range end of a prefix.

Imports nothing of hastack.
"""

from __future__ import annotations

import base64
from typing import Any


def b64(data: bytes | str) -> str:
    raw = data.encode() if isinstance(data, str) else data
    return base64.b64encode(raw).decode("ascii")


def unb64(text: str | None) -> bytes:
    return base64.b64decode(text) if text else b""


def prefix_end(prefix: bytes | str) -> bytes:
    """The range end that selects every key starting with `prefix`."""
    raw = bytearray(prefix.encode() if isinstance(prefix, str) else prefix)
    while raw:
        if raw[-1] < 0xFF:
            raw[-1] += 1
            return bytes(raw)
        raw.pop()
    return b"\0"


def watch_request(prefix: bytes | str, start_revision: int) -> dict[str, Any]:
    """The gateway's request for a watch on every key under `prefix` from `start_revision`, asking for
    progress lines (hastack's members send them: a live member's quiet watch is told it is alive)."""
    return {"create_request": {"key": b64(prefix), "range_end": b64(prefix_end(prefix)),
                               "start_revision": str(start_revision), "progress_notify": True}}
