"""Cluster options: the crm_config properties the scheduler decides by (Pacemaker's unpack_config).

Owns: the Options record -- fencing, symmetry, quorum policy, maintenance and stop-all,
orphans, placement strategy, probes, timeouts, node health strategy, unfencing and
shutdown locks -- and reading it from the configuration's properties and the CIB header,
with Pacemaker's defaults for values it cannot read.

Imports only the model and the scheduler's health policy.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from hastack.model import durations
from hastack.model.config import Configuration, merged
from hastack.model.state import ClusterState
from hastack.model.values import is_true
from hastack.scheduler.health import HealthPolicy, health_policy


@dataclass
class Options:
    stonith_enabled: bool = True
    stonith_action: str = "reboot"
    symmetric: bool = True
    no_quorum_policy: str = "stop"
    have_quorum: bool = True
    stop_orphans: bool = True
    stop_orphan_actions: bool = True
    maintenance: bool = False
    stop_all: bool = False
    startup_fencing: bool = True
    have_stonith_resource: bool = False
    placement_strategy: str = "default"  # lower case: default, utilization, minimal or balanced
    start_failure_is_fatal: bool = True
    probes: bool = True
    stonith_timeout_ms: int = 60_000
    priority_fencing_delay_ms: int = 0
    health: HealthPolicy = field(default_factory=HealthPolicy)
    enable_unfencing: bool = False  # some resource provides or requires unfencing
    shutdown_lock: bool = False  # resources stopped by a clean shutdown stay with their node
    shutdown_lock_limit_s: int = 0  # ... for this long (0: until the node is back)


def unpack_options(config: Configuration, state: ClusterState) -> Options:
    props = merged(config.properties)

    def flag(name: str, default: bool) -> bool:
        return is_true(props.get(name), default)

    o = Options()
    o.stonith_enabled = flag("stonith-enabled", True)
    action = props.get("stonith-action", "reboot")
    # anything but these (case-sensitive, as pcmk__is_fencing_action) is the default, reboot
    o.stonith_action = "off" if action == "poweroff" else action if action in ("reboot", "off") else "reboot"
    o.symmetric = flag("symmetric-cluster", True)
    o.have_quorum = state.have_quorum
    policy = props.get("no-quorum-policy", "stop").lower()
    if policy == "suicide" and not o.stonith_enabled:
        policy = "stop"
    elif policy == "suicide" and not (o.have_quorum or _quorum_panic(state)):
        policy = "stop"  # a cluster that never had quorum does not panic (unless the CIB asks to)
    o.no_quorum_policy = policy if policy in ("stop", "freeze", "ignore", "demote", "suicide") else "stop"
    o.stop_orphans = flag("stop-orphan-resources", True)
    o.stop_orphan_actions = flag("stop-orphan-actions", True)
    o.maintenance = flag("maintenance-mode", False)
    o.stop_all = flag("stop-all-resources", False)
    o.startup_fencing = flag("startup-fencing", True) if o.stonith_enabled else False
    strategy = props.get("placement-strategy", "default").lower()
    # An unknown strategy is Pacemaker's default (which ignores utilization), not an error.
    o.placement_strategy = strategy if strategy in ("utilization", "minimal", "balanced") else "default"
    o.start_failure_is_fatal = flag("start-failure-is-fatal", True)
    # SBD's watchdog self-fencing counts as a fencing device (fencing is possible without one)
    o.have_stonith_resource = flag("have-watchdog", False)
    o.probes = flag("enable-startup-probes", True)
    o.stonith_timeout_ms = durations.parse_ms_or(props.get("stonith-timeout"), 60_000)
    o.priority_fencing_delay_ms = durations.parse_ms_or(props.get("priority-fencing-delay"), 0)
    o.health = health_policy(props)
    o.enable_unfencing = _unfencing_enabled(config)
    o.shutdown_lock = flag("shutdown-lock", False)
    o.shutdown_lock_limit_s = durations.parse_ms_or(props.get("shutdown-lock-limit"), 0) // 1000
    return o


def _unfencing_enabled(config: Configuration) -> bool:
    """pe_flag_enable_unfencing: some resource's meta-attributes (or the resource defaults) say
    provides=unfencing or requires=unfencing. Read from the configuration as written, as
    Pacemaker's XPath query does (rules not evaluated)."""
    sets = [s for rsc in config.resources.values() for s in rsc.meta] + list(config.rsc_defaults)
    return any(name in ("provides", "requires") and value == "unfencing"
               for s in sets for name, value in s.pairs)


def _quorum_panic(state: ClusterState) -> bool:
    """The CIB header's no-quorum-panic (an integer, nonzero: panic)."""
    try:
        return int(dict(state.header).get("no-quorum-panic", "0")) != 0
    except ValueError:
        return False
