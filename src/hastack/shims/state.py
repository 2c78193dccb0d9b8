"""The local state file the shims read and write until the cluster runtime exists.

One JSON document, `$HASTACK_STATE_DIR/shim-state.json` (store.paths.state_dir):

    {"nodes": {"node1": {"id": "1", "transient": {...}, "permanent": {...}, "utilization": {...}}},
     "crm_config": {...}, "rsc_defaults": {...}, "op_defaults": {...}, "tickets": {...},
     "resources": {"ip1": {"nodes": ["node1"], "role": "Started", "agent": "ocf:heartbeat:IPaddr2",
                           "params": {...}, "utilization": {...}}},
     "stonith_devices": {...}, "quorum": true}

Updates take an exclusive flock on a sidecar lock file, re-read, change,
write a temporary file and rename it over the old one: a reader never sees
half a file and two writers never lose each other's change.

Imports nothing of hastack beyond store.paths and errors.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import socket
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from hastack.errors import StateError
from hastack.store.paths import state_dir

FILE_NAME = "shim-state.json"


def state_path() -> Path:
    return state_dir() / FILE_NAME


def empty_state() -> dict[str, Any]:
    return {"nodes": {}, "crm_config": {}, "rsc_defaults": {}, "op_defaults": {}, "tickets": {},
            "resources": {}, "stonith_devices": {}, "quorum": True}


def local_node() -> str:
    """The name the cluster uses for this node: what the executor passed, else the host name."""
    return (os.environ.get("OCF_RESKEY_CRM_meta_on_node") or os.environ.get("HASTACK_NODE")
            or socket.gethostname().split(".")[0])


def _read(path: Path) -> dict[str, Any]:
    try:
        text = path.read_text()
    except FileNotFoundError:
        return empty_state()
    except OSError as err:
        raise StateError(f"cannot read {path}: {err.strerror}") from None
    if not text.strip():
        return empty_state()
    try:
        data = json.loads(text)
    except json.JSONDecodeError as err:
        raise StateError(f"{path}: not valid JSON ({err})", hint="remove the file to start from an empty state") from None
    base = empty_state()
    base.update(data)
    return base


def load() -> dict[str, Any]:
    """A consistent snapshot (the file is only ever replaced by rename)."""
    return _read(state_path())


@contextlib.contextmanager
def update() -> Iterator[dict[str, Any]]:
    """Lock, read, let the caller change the dict, write atomically."""
    path = state_path()
    lock_path = path.with_suffix(".lock")
    with open(lock_path, "a+") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        data = _read(path)
        node_entry(data, local_node())  # the node running the shims is a member
        yield data
        fd, tmp = tempfile.mkstemp(prefix=".shim-state.", dir=path.parent)
        try:
            with os.fdopen(fd, "w") as f:
                json.dump(data, f, indent=1, sort_keys=True)
                f.flush()
                os.fsync(f.fileno())
            os.replace(tmp, path)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            raise


def node_entry(data: dict[str, Any], node: str) -> dict[str, Any]:
    nodes = data.setdefault("nodes", {})
    if node not in nodes:
        nodes[node] = {"id": str(len(nodes) + 1), "transient": {}, "permanent": {}, "utilization": {}}
    entry = nodes[node]
    for k in ("transient", "permanent", "utilization"):
        entry.setdefault(k, {})
    return entry


def ensure_local_node(data: dict[str, Any]) -> str:
    node = local_node()
    node_entry(data, node)
    return node
