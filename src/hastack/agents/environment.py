"""The environment an OCF agent runs with, built from an ActionRequest (pure).

Exactly the variables Pacemaker's executor passes (shared/reference/ocf-api.md
§4-5): OCF_ROOT and API version, OCF_RESOURCE_*, one OCF_RESKEY_<param> per
instance attribute, OCF_RESKEY_CRM_meta_* for op and resource meta
attributes (dashes become underscores, legacy and new spellings both),
clone facts and notification lists, where an empty list is a single space.

Imports nothing of hastack beyond the model and agents.action.
"""

from __future__ import annotations

from collections.abc import Mapping

from hastack.agents.action import ActionRequest, NotifyInfo

OCF_ROOT = "/usr/lib/ocf"
CRM_FEATURE_SET = "3.16.2"
SYSTEM_PATH = "/usr/sbin:/usr/bin:/sbin:/bin"
EXIT_REASON_PREFIX = "ocf-exit-reason:"
META = "OCF_RESKEY_CRM_meta_"


def meta_key(name: str) -> str:
    """Meta attribute name -> environment variable: target-role -> OCF_RESKEY_CRM_meta_target_role."""
    return META + name.replace("-", "_")


def notify_list(items: tuple[str, ...]) -> str:
    """Pacemaker's list rendering: space separated, and an empty list is a single space."""
    return " ".join(items) if items else " "


def notify_env(info: NotifyInfo) -> dict[str, str]:
    env: dict[str, str] = {}
    if info.type is not None:
        env[META + "notify_type"] = info.type
        env[META + "notify_key_type"] = info.type
    if info.operation is not None:
        env[META + "notify_operation"] = info.operation
        env[META + "notify_key_operation"] = info.operation

    def pair(name: str, entries: tuple[tuple[str, str], ...], *legacy: str) -> None:
        for n in (name, *legacy):
            env[f"{META}notify_{n}_resource"] = notify_list(tuple(r for r, _ in entries))
            env[f"{META}notify_{n}_uname"] = notify_list(tuple(u for _, u in entries))

    pair("start", info.start)
    pair("stop", info.stop)
    pair("promote", info.promote)
    pair("demote", info.demote)
    pair("active", info.active)
    pair("promoted", info.promoted, "master")
    pair("unpromoted", info.unpromoted, "slave")
    env[META + "notify_inactive_resource"] = notify_list(info.inactive)
    env[META + "notify_available_uname"] = notify_list(info.available_nodes)
    env[META + "notify_all_uname"] = notify_list(info.all_nodes)
    return env


def ocf_env(req: ActionRequest, *, ocf_root: str = OCF_ROOT, path_prefix: str = "",
            extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """The complete environment of one OCF action (nothing inherited from the caller)."""
    path = f"{path_prefix}:{SYSTEM_PATH}" if path_prefix else SYSTEM_PATH
    env: dict[str, str] = {
        "PATH": path,
        "OCF_ROOT": ocf_root,
        "OCF_RA_VERSION_MAJOR": "1",
        "OCF_RA_VERSION_MINOR": "1",
        "OCF_RESOURCE_INSTANCE": req.resource_id or req.agent.type,
        "OCF_RESOURCE_TYPE": req.agent.type,
        "OCF_RESOURCE_PROVIDER": req.agent.provider or "",
        "OCF_OUTPUT_FORMAT": "text",
        "OCF_EXIT_REASON_PREFIX": EXIT_REASON_PREFIX,
        "LC_ALL": "C",
    }
    if extra:
        env.update(extra)
    if req.action == "meta-data":
        return env  # meta-data gets no parameters (observed from Pacemaker)

    env["OCF_RESKEY_crm_feature_set"] = CRM_FEATURE_SET
    for name, value in req.params:
        env[f"OCF_RESKEY_{name}"] = value
    for name, value in req.meta:
        env[meta_key(name)] = value
    for name, value in req.op_params:
        # Op instance attributes are RESKEYs too: OCF_RESKEY_OCF_CHECK_LEVEL (ocf-shellfuncs reads it).
        env[f"OCF_RESKEY_{name}"] = value
    env[META + "name"] = req.action
    env[META + "interval"] = str(req.interval_ms)
    env[META + "timeout"] = str(req.timeout_ms)
    if req.role is not None:
        env[META + "role"] = req.role.value
    if req.target_rc is not None:
        env[META + "op_target_rc"] = str(req.target_rc)
    if req.node:
        env[META + "on_node"] = req.node
        env[META + "on_node_uuid"] = req.node
    if req.clone is not None:
        c = req.clone
        env[META + "clone"] = str(c.instance)
        env[META + "clone_max"] = str(c.clone_max)
        env[META + "clone_node_max"] = str(c.clone_node_max)
        env[META + "globally_unique"] = "true" if c.globally_unique else "false"
        env[META + "notify"] = "true" if c.notify else "false"
        if c.promoted_max is not None:
            for n in ("promoted_max", "master_max"):
                env[META + n] = str(c.promoted_max)
            node_max = c.promoted_node_max if c.promoted_node_max is not None else 1
            for n in ("promoted_node_max", "master_node_max"):
                env[META + n] = str(node_max)
    if req.notify is not None:
        env.update(notify_env(req.notify))
    if req.migrate_source:
        env[META + "migrate_source"] = req.migrate_source
    if req.migrate_target:
        env[META + "migrate_target"] = req.migrate_target
    return env
