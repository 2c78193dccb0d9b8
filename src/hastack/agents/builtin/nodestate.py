"""What the clustered built-in agents (galera, rabbitmq) keep about their node: its cluster name, node
attributes read and written through the crm_attribute shim (the cluster store, as a shell agent would
reach it), and the small state files they keep beside their server's pid file.

Stdlib only; imports nothing of hastack beyond the agent framework.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
from collections.abc import Iterable, Sequence

from hastack.agents.builtin.framework import Context

SHIM_TIMEOUT_S = 10.0


def local_node(ctx: Context) -> str:
    """The cluster's name for this node: what the executor passed, else HASTACK_NODE, else the host name."""
    env = ctx.environ
    return env.get("OCF_RESKEY_CRM_meta_on_node") or env.get("HASTACK_NODE") or socket.gethostname().split(".")[0]


def departed_peer(ctx: Context, peers: Sequence[str]) -> str | None:
    """The peer a node-gone action is about (meta departed_uname), or None after saying why: the notifier
    names one of the resource's configured peers, never this node."""
    node = ctx.departed
    if node in peers:
        return node
    ctx.reason(f"node-gone needs the departed peer's name (meta departed_uname), one of {', '.join(peers)}; "
               f"got {node!r}")
    return None


def is_number(text: str) -> bool:
    """A non-negative number (parameters in seconds, ports)."""
    try:
        return float(text) >= 0
    except ValueError:
        return False


# --- node attributes through the shims -------------------------------------------------------------

def shim(ctx: Context, name: str) -> str:
    """The Pacemaker command `name`: HA_SBIN_DIR's when executable there, else PATH's."""
    sbin = ctx.environ.get("HA_SBIN_DIR", "")
    path = os.path.join(sbin, name) if sbin else ""
    return path if path and os.access(path, os.X_OK) else (shutil.which(name, path=ctx.environ.get("PATH")) or name)


def set_attribute(ctx: Context, node: str, lifetime: str, args: Sequence[str]) -> bool:
    """`crm_attribute -N node -l lifetime ARGS` (a set or a delete); False, logged, when it failed."""
    try:
        proc = subprocess.run([shim(ctx, "crm_attribute"), "-N", node, "-l", lifetime, *args],
                              capture_output=True, text=True, timeout=SHIM_TIMEOUT_S, env=dict(ctx.environ))
    except (OSError, subprocess.TimeoutExpired) as err:
        ctx.log(f"crm_attribute {' '.join(args[:2])} failed: {err}")
        return False
    if proc.returncode not in (0, 105):  # 105: deleting what is not there
        ctx.log(f"crm_attribute {' '.join(args[:2])} exited {proc.returncode}: {proc.stderr.strip()}")
        return False
    return True


def read_attributes(ctx: Context, nodes: Iterable[str], name: str, lifetime: str) -> dict[str, str | None]:
    """Attribute `name` of every node, read in parallel (one shim process each, SHIM_TIMEOUT_S deadline);
    None where it is absent or could not be read."""
    running = {n: subprocess.Popen([shim(ctx, "crm_attribute"), "-N", n, "-l", lifetime, "-n", name, "-G", "-q"],
                                   stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, env=dict(ctx.environ))
               for n in nodes}
    out: dict[str, str | None] = {}
    for n, proc in running.items():
        try:
            text, _ = proc.communicate(timeout=SHIM_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.communicate()
            text = ""
        out[n] = text.strip() if proc.returncode == 0 else None
    return out


# --- small state files -----------------------------------------------------------------------------

def write(path: str, text: str) -> None:
    """Replace the file atomically (a reader sees the old text or the new, never half)."""
    tmp = f"{path}.tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        f.write(text)
    os.replace(tmp, path)


def unlink(path: str) -> None:
    try:
        os.unlink(path)
    except FileNotFoundError:
        pass


def read_since(path: str) -> float | None:
    """The monotonic time a monitor first saw the server unhealthy, kept in `path` (None: healthy)."""
    try:
        with open(path, encoding="utf-8") as f:
            return float(f.read())
    except (OSError, ValueError):
        return None


def keep_since(path: str, was: float | None, now: float | None) -> None:
    """Record the verdict's unhealthy_since, writing only when it changed."""
    if now is None:
        unlink(path)
    elif was != now:
        write(path, repr(now))
