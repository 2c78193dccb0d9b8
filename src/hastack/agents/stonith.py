"""The stonith class: fence_* agents driven as Pacemaker's fencer drives them.

A fence agent reads `key=value` lines on stdin (action, the device
parameters, and the target as `port`/`plug` when the agent takes one, plus
`nodename`) and exits 0 for success; for `status`, 0 = on, 2 = off.
Pacemaker parameters (`pcmk_*`) are the fencer's and never reach the agent.

Resource actions: `start` checks the device (its monitor) and registers it
on this node, `stop` unregisters it, `monitor` checks a registered device
(a probe of an unregistered one is "not running", rc 7). The registration is
a marker file under the host's runtime directory (lost at reboot, as the fencer's
memory is; the state directory when there is none). Fencing actions
(on/off/reboot/status/list/metadata) run the agent directly.

Imports nothing of hastack beyond errors, model, agents.
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import TYPE_CHECKING

from hastack.agents.action import ActionRequest
from hastack.agents.environment import SYSTEM_PATH
from hastack.agents.metadata import AgentMetadata, parse_metadata
from hastack.agents.process import run
from hastack.errors import AgentError

if TYPE_CHECKING:
    from hastack.agents.classes import Host, Invocation, RcMap

BUILTIN_FENCE_DIR = Path(__file__).resolve().parent / "builtin" / "fence"
FENCE_ACTIONS = ("on", "off", "reboot", "status", "list", "list-status", "monitor", "metadata", "validate-all")
# Resource-level actions and the agent action they run.
_RESOURCE_ACTIONS = {"start": "monitor", "monitor": "monitor", "meta-data": "metadata", "metadata": "metadata",
                     "validate-all": "validate-all", "status": "status"}


def fence_agent_path(req: ActionRequest, host: Host) -> Path:
    from hastack.agents.classes import _check_executable, _unknown
    name = req.agent.type
    if "/" in name or not name:
        raise AgentError(f"invalid fence agent name {name!r}")
    path = host.fence_dir / name
    if not path.exists() and (BUILTIN_FENCE_DIR / name).exists():
        path = BUILTIN_FENCE_DIR / name  # hastack's own (the lab's power switch)
    if not path.exists():
        raise _unknown(req.agent, [p.name for p in host.fence_dir.glob("fence_*")], f"{path}")
    _check_executable(path, req.agent)
    return path


@functools.lru_cache(maxsize=64)
def _metadata_cached(path: str, mtime: float) -> AgentMetadata | None:
    out = run((path, "-o", "metadata"), {"PATH": SYSTEM_PATH, "LC_ALL": "C"}, 10.0)
    if out.returncode != 0:
        return None
    try:
        return parse_metadata(out.stdout, path)
    except AgentError:
        return None


def fence_metadata(path: Path) -> AgentMetadata | None:
    return _metadata_cached(str(path), path.stat().st_mtime)


def host_argument(meta: AgentMetadata | None, params: dict[str, str]) -> str | None:
    """The stdin key that names the target: pcmk_host_argument, else port/plug if the agent has one."""
    configured = params.get("pcmk_host_argument")
    if configured:
        return None if configured == "none" else configured
    if meta is None:
        return None
    for name in ("port", "plug"):
        if meta.parameter(name) is not None:
            return name
    return None


def target_port(target: str, params: dict[str, str]) -> str:
    """pcmk_host_map `node1:port1;node2:port2` maps a node to the device's name for it."""
    for entry in params.get("pcmk_host_map", "").replace(";", " ").split():
        if ":" in entry:
            node, port = entry.split(":", 1)
            if node == target:
                return port
    return target


def stdin_lines(action: str, params: dict[str, str], target: str | None, host_arg: str | None) -> bytes:
    """The key=value lines a fence agent reads; pcmk_* parameters are the fencer's own."""
    lines = [f"action={action}"]
    lines += [f"{k}={v}" for k, v in params.items() if not k.startswith("pcmk_") and k not in ("action", "priority")]
    if target:
        lines.append(f"nodename={target}")
        if host_arg:
            lines.append(f"{host_arg}={target_port(target, params)}")
    return ("\n".join(lines) + "\n").encode()


def fence_rc(action: str) -> RcMap:
    """Fence agent exit codes -> OCF: success is 0; for status 0 = on (running), 2 = off (7)."""
    def mapping(rc: int, _out: str) -> tuple[int, str]:
        if action == "status":
            return {0: (0, ""), 2: (7, "target is powered off")}.get(rc, (1, f"fence agent status failed (rc {rc})"))
        if rc == 0:
            return 0, ""
        return 1, f"fence agent {action} failed (rc {rc})"
    return mapping


def _marker(req: ActionRequest, host: Host) -> Path | None:
    base = host.runtime_dir or host.state_dir
    if not base:
        return None
    return Path(base) / "stonith-devices" / (req.resource_id or req.agent.type)


def stonith_invocation(req: ActionRequest, host: Host) -> Invocation:
    from hastack.agents.classes import Invocation
    path = fence_agent_path(req, host)
    env = {"PATH": SYSTEM_PATH, "LC_ALL": "C"}
    params = dict(req.params)
    target = params.pop("target", None) or params.pop("nodename", None)
    marker = _marker(req, host)
    if req.action == "stop":
        if marker is not None:
            marker.unlink(missing_ok=True)
        return Invocation((), env, immediate=(0, ""))
    if req.action == "monitor" and marker is not None and not marker.exists():
        return Invocation((), env, immediate=(7, "" if req.interval_ms == 0 else "fence device is not registered"))
    agent_action = _RESOURCE_ACTIONS.get(req.action, req.action)
    if agent_action not in FENCE_ACTIONS:
        return Invocation((), env, immediate=(3, f"fence agents have no {req.action!r} action"))
    if agent_action == "metadata":
        return Invocation((str(path), "-o", "metadata"), env)
    if agent_action in ("on", "off", "reboot", "status") and not target and "port" not in params \
            and "plug" not in params and agent_action != "status":
        raise AgentError(f"{req.agent} {agent_action}: which node? give target=NODE")
    meta = fence_metadata(path)
    if meta is not None and agent_action == "monitor" and meta.action("monitor") is None:
        agent_action = "status" if meta.action("status") else "list"
    data = stdin_lines(agent_action, params, target, host_argument(meta, params))
    mapping = fence_rc(agent_action)
    if req.action == "start" and marker is not None:
        mapping = _register_on_success(mapping, marker)
    return Invocation((str(path),), env, stdin=data, map_rc=mapping)


def _register_on_success(mapping: RcMap, marker: Path) -> RcMap:
    def wrapped(rc: int, out: str) -> tuple[int, str]:
        ocf_rc, reason = mapping(rc, out)
        if ocf_rc == 0:
            marker.parent.mkdir(parents=True, exist_ok=True)
            marker.touch()
        return ocf_rc, reason
    return wrapped
