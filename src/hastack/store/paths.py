"""The local state directory shared by the configuration store and the agent shims.

$HASTACK_STATE_DIR wins; otherwise /var/lib/hastack for root and
~/.local/state/hastack for anyone else. Tests point it at a temporary dir.
"""

from __future__ import annotations

import os
from pathlib import Path


def state_dir() -> Path:
    env = os.environ.get("HASTACK_STATE_DIR")
    if env:
        path = Path(env)
    elif os.geteuid() == 0:
        path = Path("/var/lib/hastack")
    else:
        path = Path.home() / ".local" / "state" / "hastack"
    path.mkdir(parents=True, exist_ok=True)
    return path
