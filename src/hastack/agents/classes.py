"""Resource agent classes: where each kind of agent lives and how one action is invoked.

One table, one entry per class (ocf, lsb, systemd, service, stonith): each
entry turns (ActionRequest, Host) into an Invocation (argv, environment,
stdin) plus a pure function mapping the process's rc/stdout to an OCF rc.
Finding agents looks at the filesystem (that is all the I/O here); running
them is process.py's job.

Imports nothing of hastack beyond errors, model, agents.
"""

from __future__ import annotations

import os
import re
import stat
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from hastack.agents.action import ActionRequest
from hastack.agents.environment import OCF_ROOT, SYSTEM_PATH, ocf_env
from hastack.didyoumean import did_you_mean
from hastack.errors import AgentError
from hastack.model.values import AgentRef

PACKAGE_DIR = Path(__file__).resolve().parent
BUILTIN_OCF_ROOT = PACKAGE_DIR / "builtin"  # holds resource.d/hastack/<name>
SHIM_BIN = PACKAGE_DIR.parent / "shims" / "bin"
INIT_D = Path("/etc/init.d")
FENCE_DIR = Path("/usr/sbin")
SYSTEMD_UNIT_DIRS = (Path("/etc/systemd/system"), Path("/run/systemd/system"), Path("/lib/systemd/system"),
                     Path("/usr/lib/systemd/system"))
SUPPORTED_CLASSES = ("ocf", "lsb", "systemd", "service", "stonith")

# rc, stdout -> (OCF rc, exit reason or "")
RcMap = Callable[[int, str], tuple[int, str]]


def _identity(rc: int, _out: str) -> tuple[int, str]:
    return rc, ""


@dataclass(frozen=True)
class Host:
    """Facts about the local node the invocation depends on."""

    node: str
    ocf_root: str = OCF_ROOT
    provider_roots: tuple[Path, ...] = (BUILTIN_OCF_ROOT, Path(OCF_ROOT))
    shim_bin: Path = SHIM_BIN
    state_dir: str | None = None
    # What lives as long as the host's boot (fence device registrations, like the fencer's memory):
    # under /run for hastackd, so a rebooted node does not find devices it registered before.
    runtime_dir: str | None = None
    python: str = ""  # interpreter for hastack's shims and built-in agents
    systemd_running: bool = False
    fence_dir: Path = FENCE_DIR
    init_d: Path = INIT_D
    netns: str | None = None  # run agents inside this network namespace (lab nodes): `ip netns exec NS`
    # Which cluster store the shims write node attributes to (store.select's HASTACK_STORE variables).
    store_env: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class Invocation:
    argv: tuple[str, ...]
    env: dict[str, str]
    stdin: bytes | None = None
    map_rc: RcMap = _identity
    # Set when the class answers without running anything (e.g. stop of a stonith device).
    immediate: tuple[int, str] | None = None


def systemd_running() -> bool:
    """sd_booted(): systemd is PID 1 exactly when /run/systemd/system exists."""
    return Path("/run/systemd/system").is_dir()


def pid1_name() -> str:
    try:
        return Path("/proc/1/comm").read_text().strip()
    except OSError:
        return "unknown"


def hastack_env(host: Host) -> dict[str, str]:
    """What hastack's shims and built-in agents need besides the OCF variables."""
    env = {"HA_SBIN_DIR": str(host.shim_bin), "HASTACK_NODE": host.node}
    if host.python:
        env["HASTACK_PYTHON"] = host.python
    if host.state_dir:
        env["HASTACK_STATE_DIR"] = host.state_dir
    env.update(host.store_env)
    return env


def _check_executable(path: Path | str, agent: AgentRef) -> None:
    try:
        st = os.stat(path)
    except OSError:
        raise AgentError(f"{agent}: {path} does not exist") from None
    if not stat.S_ISREG(st.st_mode):
        raise AgentError(f"{agent}: {path} is not a regular file")
    if not os.access(path, os.X_OK):
        raise AgentError(f"{agent}: {path} is not executable", hint=f"chmod +x {path}")


def _unknown(agent: AgentRef, candidates: list[str], where: str) -> AgentError:
    hint = did_you_mean(agent.type, candidates) or f"`hastack agent list {agent.cls}` shows what is installed"
    return AgentError(f"unknown resource agent {agent}: no {where}", hint=hint)


# --- ocf ------------------------------------------------------------------------------

def ocf_providers(host: Host) -> dict[str, Path]:
    out: dict[str, Path] = {}
    for root in host.provider_roots:
        d = root / "resource.d"
        if d.is_dir():
            for p in sorted(d.iterdir()):
                if p.is_dir():
                    out.setdefault(p.name, p)
    return out


def ocf_path(agent: AgentRef, host: Host) -> str:
    """The agent's executable: in the first provider root that has the provider (as ocf_providers
    orders them). Runs before every action, so it looks there directly, on strings; every provider
    is listed only to explain a miss."""
    if not agent.provider:
        raise AgentError(f"{agent}: ocf agents need a provider", hint=f"write ocf:heartbeat:{agent.type}")
    pdir = next((d for d in (os.path.join(root, "resource.d", agent.provider) for root in host.provider_roots)
                 if os.path.isdir(d)), None)
    if pdir is None:
        providers = ocf_providers(host)
        hint = did_you_mean(agent.provider, list(providers)) or f"providers here: {', '.join(providers)}"
        raise AgentError(f"unknown OCF provider {agent.provider!r} in {agent}", hint=hint)
    path = os.path.join(pdir, agent.type)
    if not os.path.exists(path):
        raise _unknown(agent, os.listdir(pdir), path)
    _check_executable(path, agent)
    return path


# Built-in agents: resource.d/hastack/<name> runs `python -m hastack.agents.builtin.<module>`.
BUILTIN_MODULES = {"IPaddr": "vip", "anything": "supervisor", "HealthCheck": "healthcheck", "haproxy": "haproxy",
                   "memcached": "memcached", "OpenStackService": "openstack", "Dummy": "dummy", "galera": "galera",
                   "rabbitmq": "rabbitmq"}
BUILTIN_PROVIDER_DIR = str(BUILTIN_OCF_ROOT / "resource.d" / "hastack")


def _ocf(req: ActionRequest, host: Host) -> Invocation:
    path = ocf_path(req.agent, host)
    ocf_root = host.ocf_root
    env = ocf_env(req, ocf_root=ocf_root, path_prefix=str(host.shim_bin), extra=hastack_env(host))
    module = BUILTIN_MODULES.get(req.agent.type)
    if module and host.python and os.path.dirname(path) == BUILTIN_PROVIDER_DIR:
        # Skip the sh wrapper (two forks and a shell) and start the interpreter directly.
        return Invocation((host.python, "-m", f"hastack.agents.builtin.{module}", req.action), env)
    return Invocation((path, req.action), env)


# --- lsb ------------------------------------------------------------------------------

_LSB_ACTIONS = {"monitor": "status", "status": "status", "start": "start", "stop": "stop",
                "reload": "force-reload", "restart": "restart", "meta-data": "meta-data"}


def lsb_status_rc(rc: int, _out: str) -> tuple[int, str]:
    """LSB `status` codes -> OCF: 0 running; 1 dead+pid file, 2 dead+lock, 3 stopped -> 7; 4 unknown -> error."""
    if rc == 0:
        return 0, ""
    if rc in (1, 2, 3):
        return 7, "" if rc == 3 else ("stopped, but a pid file exists" if rc == 1 else "stopped, but a lock file exists")
    if rc == 4:
        return 1, "status unknown (LSB 4)"
    return 1, f"unexpected LSB status code {rc}"


def lsb_action_rc(rc: int, _out: str) -> tuple[int, str]:
    """Non-status LSB codes 0-7 mean what the OCF ones do; anything else is a generic error."""
    return (rc, "") if 0 <= rc <= 7 else (1, f"unexpected LSB exit code {rc}")


def lsb_metadata(path: Path) -> str:
    """OCF-style meta-data from the script's LSB header, as Pacemaker builds it."""
    desc = short = ""
    try:
        text = path.read_text(errors="replace")
    except OSError:
        text = ""
    m = re.search(r"### BEGIN INIT INFO(.*?)### END INIT INFO", text, re.S)
    if m:
        for line in m.group(1).splitlines():
            line = line.lstrip("# ").rstrip()
            if line.startswith("Short-Description:"):
                short = line.split(":", 1)[1].strip()
            elif line.startswith("Description:"):
                desc = line.split(":", 1)[1].strip()
    from xml.sax.saxutils import escape
    actions = "".join(f'<action name="{a}" timeout="15s"/>' for a in ("meta-data", "start", "stop", "status"))
    actions += '<action name="monitor" timeout="15s" interval="15s"/>'
    return (f'<?xml version="1.0"?><resource-agent name="{escape(path.name)}" version="0.1">'
            f"<version>1.0</version><longdesc lang=\"en\">{escape(desc)}</longdesc>"
            f"<shortdesc lang=\"en\">{escape(short)}</shortdesc><parameters/>"
            f"<actions>{actions}</actions></resource-agent>")


def _lsb(req: ActionRequest, host: Host) -> Invocation:
    path = host.init_d / req.agent.type
    if not path.exists():
        names = [p.name for p in host.init_d.iterdir()] if host.init_d.is_dir() else []
        raise _unknown(req.agent, names, f"{path}")
    _check_executable(path, req.agent)
    verb = _LSB_ACTIONS.get(req.action)
    env = {"PATH": SYSTEM_PATH, "LC_ALL": "C"}
    if verb is None:
        return Invocation((), env, immediate=(3, f"lsb agents have no {req.action!r} action"))
    if verb == "meta-data":
        return Invocation((), env, immediate=(0, ""))
    mapping = lsb_status_rc if verb == "status" else lsb_action_rc
    return Invocation((str(path), verb), env, map_rc=mapping)


# --- systemd --------------------------------------------------------------------------

def _unit(name: str) -> str:
    return name if "." in name else f"{name}.service"


def systemd_unit_exists(name: str) -> bool:
    return any((d / _unit(name)).exists() for d in SYSTEMD_UNIT_DIRS)


def systemd_state_rc(rc: int, out: str) -> tuple[int, str]:
    """`systemctl show -p LoadState,ActiveState` -> OCF rc (Pacemaker's systemd mapping)."""
    props = dict(line.split("=", 1) for line in out.splitlines() if "=" in line)
    if props.get("LoadState") == "not-found":
        return 5, "unit not found"
    state = props.get("ActiveState", "")
    if state in ("active", "reloading"):
        return 0, ""
    if state in ("inactive", "failed"):
        return 7, "" if state == "inactive" else "unit failed"
    if state in ("activating", "deactivating"):
        return 1, f"unit is {state} (pending)"
    return 1, f"systemctl failed (rc {rc})" if rc else f"unknown ActiveState {state!r}"


def _require_systemd(agent: AgentRef, host: Host) -> None:
    if not host.systemd_running:
        raise AgentError(f"{agent}: systemd is not running on this host (PID 1 is {pid1_name()!r})",
                         hint="use an lsb: or ocf: agent, or run hastack on a systemd host")


def _systemd(req: ActionRequest, host: Host) -> Invocation:
    _require_systemd(req.agent, host)
    unit = _unit(req.agent.type)
    env = {"PATH": SYSTEM_PATH, "LC_ALL": "C"}
    if req.action in ("monitor", "status"):
        return Invocation(("systemctl", "show", "-p", "LoadState,ActiveState", unit), env, map_rc=systemd_state_rc)
    if req.action in ("start", "stop", "reload"):
        verb = "reload-or-restart" if req.action == "reload" else req.action
        return Invocation(("systemctl", verb, unit), env, map_rc=lambda rc, _o: (0, "") if rc == 0 else (1, f"systemctl {verb} failed"))
    if req.action == "meta-data":
        return Invocation((), env, immediate=(0, ""))
    return Invocation((), env, immediate=(3, f"systemd agents have no {req.action!r} action"))


def _service(req: ActionRequest, host: Host) -> Invocation:
    if host.systemd_running and systemd_unit_exists(req.agent.type):
        return _systemd(req, host)
    if (host.init_d / req.agent.type).exists():
        return _lsb(req, host)
    raise _unknown(req.agent, [p.name for p in host.init_d.iterdir()] if host.init_d.is_dir() else [],
                   f"systemd unit or {host.init_d / req.agent.type}")


# --- dispatch -------------------------------------------------------------------------

def _stonith(req: ActionRequest, host: Host) -> Invocation:
    from hastack.agents.stonith import stonith_invocation
    return stonith_invocation(req, host)


CLASS_TABLE: dict[str, Callable[[ActionRequest, Host], Invocation]] = {
    "ocf": _ocf, "lsb": _lsb, "systemd": _systemd, "service": _service, "stonith": _stonith,
}


def invocation(req: ActionRequest, host: Host) -> Invocation:
    """How to run req on host; raises AgentError for an unknown/unusable agent or class."""
    handler = CLASS_TABLE.get(req.agent.cls)
    if handler is None:
        hint = did_you_mean(req.agent.cls, list(SUPPORTED_CLASSES)) or f"classes: {', '.join(SUPPORTED_CLASSES)}"
        raise AgentError(f"unsupported resource agent class {req.agent.cls!r} in {req.agent}", hint=hint)
    return handler(req, host)


def list_agents(cls: str, provider: str | None, host: Host) -> list[str]:
    """Agents of a class (and OCF provider) installed here, as CLASS:[PROVIDER:]TYPE."""
    out: list[str] = []
    if cls == "ocf":
        providers = ocf_providers(host)
        if provider and provider not in providers:
            hint = did_you_mean(provider, list(providers)) or f"providers here: {', '.join(providers)}"
            raise AgentError(f"unknown OCF provider {provider!r}", hint=hint)
        for name, pdir in providers.items():
            if provider in (None, name):
                out += [f"ocf:{name}:{p.name}" for p in sorted(pdir.iterdir())
                        if p.is_file() and not p.name.startswith(".") and os.access(p, os.X_OK)]
    elif cls in ("lsb", "service") and host.init_d.is_dir():
        out += [f"{cls}:{p.name}" for p in sorted(host.init_d.iterdir()) if p.is_file() and os.access(p, os.X_OK)]
    elif cls == "systemd":
        _require_systemd(AgentRef("systemd", "*"), host)
        for d in SYSTEMD_UNIT_DIRS:
            if d.is_dir():
                out += [f"systemd:{p.name[:-8]}" for p in sorted(d.glob("*.service"))]
    elif cls == "stonith":
        from hastack.agents.stonith import BUILTIN_FENCE_DIR  # hastack's own (the lab's power switch)
        for d in (host.fence_dir, BUILTIN_FENCE_DIR):
            out += [f"stonith:{p.name}" for p in sorted(d.glob("fence_*")) if os.access(p, os.X_OK)]
    else:
        hint = did_you_mean(cls, list(SUPPORTED_CLASSES)) or f"classes: {', '.join(SUPPORTED_CLASSES)}"
        raise AgentError(f"unsupported resource agent class {cls!r}", hint=hint)
    return sorted(dict.fromkeys(out))
