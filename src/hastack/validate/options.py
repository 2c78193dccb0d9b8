"""Values of cluster options (crm_config properties) that Pacemaker's scheduler cannot read.

`stonith-enabled=perhaps`, `no-quorum-policy=die`, `stonith-timeout=abc`: Pacemaker 2.1.5
checks each of its scheduler's options with a validator (pe_opts in lib/pengine/common.c)
and, for a value that fails it, logs a configuration error ("Using default value for cluster
option ... because ... is invalid") and uses the option's default; crm_verify then says the
configuration is not valid. A configuration being loaded is refused, with did-you-mean; a
running cluster's CIB gets the same findings as warnings (`hastack simulate`), and the
scheduler reads such a value as Pacemaker does, as the default (scheduler/options.py).

Only the scheduler's options are checked: the controller's (cluster-recheck-interval,
dc-deadtime, ...) are not in crm_verify's list either. Unknown option names are
validate/cluster.py's.

Imports nothing of hastack but didyoumean, the model and validate.report.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from hastack.didyoumean import closest
from hastack.model import durations, scores
from hastack.model.config import AttrSet, Configuration
from hastack.model.values import is_bool
from hastack.validate.report import Report


@dataclass(frozen=True)
class Kind:
    """What values an option takes: its test, and how to say what to write instead."""

    valid: Callable[[str], bool]
    hint: str
    choices: tuple[str, ...] = ()  # a select's values, for did-you-mean


BOOLEAN = Kind(is_bool, "write true or false")
TIME = Kind(durations.is_duration, "write a number with a unit: 500ms, 30s, 1min, 2h, or ISO 8601 like PT30S")
NUMBER = Kind(scores.is_option_number, "write a whole number (or INFINITY, -INFINITY)")


def _select(*values: str, case: bool = False) -> Kind:
    def valid(text: str) -> bool:
        return text in values if case else text.lower() in values

    return Kind(valid, f"use one of {', '.join(values)}", values)


# Pacemaker 2.1.5's scheduler options: name -> (what it takes, the default it falls back to).
SCHEDULER_OPTIONS: dict[str, tuple[Kind, str]] = {
    "no-quorum-policy": (_select("stop", "freeze", "ignore", "demote", "suicide"), "stop"),
    "symmetric-cluster": (BOOLEAN, "true"),
    "maintenance-mode": (BOOLEAN, "false"),
    "start-failure-is-fatal": (BOOLEAN, "true"),
    "enable-startup-probes": (BOOLEAN, "true"),
    "shutdown-lock": (BOOLEAN, "false"),
    "shutdown-lock-limit": (TIME, "0"),
    "stonith-enabled": (BOOLEAN, "true"),
    "stonith-action": (_select("reboot", "off", "poweroff", case=True), "reboot"),
    "stonith-timeout": (TIME, "60s"),
    "have-watchdog": (BOOLEAN, "false"),
    "concurrent-fencing": (BOOLEAN, "false"),
    "startup-fencing": (BOOLEAN, "true"),
    "priority-fencing-delay": (TIME, "0"),
    "cluster-delay": (TIME, "60s"),
    "batch-limit": (NUMBER, "0"),
    "migration-limit": (NUMBER, "-1"),
    "stop-all-resources": (BOOLEAN, "false"),
    "stop-orphan-resources": (BOOLEAN, "true"),
    "stop-orphan-actions": (BOOLEAN, "true"),
    "remove-after-stop": (BOOLEAN, "false"),
    "pe-error-series-max": (NUMBER, "-1"),
    "pe-warn-series-max": (NUMBER, "5000"),
    "pe-input-series-max": (NUMBER, "4000"),
    "node-health-strategy": (_select("none", "migrate-on-red", "only-green", "progressive", "custom"), "none"),
    "node-health-base": (NUMBER, "0"),
    "node-health-green": (NUMBER, "0"),
    "node-health-yellow": (NUMBER, "0"),
    "node-health-red": (NUMBER, "-INFINITY"),
    "placement-strategy": (_select("default", "utilization", "minimal", "balanced"), "default"),
}


def check_option_values(config: Configuration, report: Report) -> None:
    """Every scheduler option whose value Pacemaker cannot read, at its nvpair."""
    for s in config.properties:
        _check_set(s, report)


def _check_set(s: AttrSet, report: Report) -> None:
    for name, value in s.pairs:
        known = SCHEDULER_OPTIONS.get(name)
        if known is None or known[0].valid(value):
            continue
        kind, default = known
        same = [c for c in kind.choices if c.lower() == value.lower()]  # a case-sensitive select
        best = same[0] if same else closest(value.lower(), list(kind.choices)) if kind.choices else None
        report(f"invalid {name} {value!r}: Pacemaker uses the default, {name}={default}", s.location,
               f"did you mean {best!r}?" if best else kind.hint, word=name)
