"""Values of resource meta attributes (and rsc_defaults) that are not valid for their attribute.

`target-role=Strated`, `is-managed=maybe`, `multiple-active=stop`: crm_verify reports them
("Ignoring 'target-role' ... because 'Strated' is not valid") and Pacemaker then quietly
does something else (it ignores the target role; it reads `maybe` as false, so the resource
becomes unmanaged). A configuration being loaded is refused, with did-you-mean. A running
cluster's CIB gets the same findings as warnings (running_cluster_meta, with the values of
cluster options): the scheduler reads such values as Pacemaker does.

Imports nothing of hastack but errors, the model and validate.report.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import replace

from hastack.didyoumean import closest
from hastack.errors import Diagnostic, ValueSyntaxError
from hastack.model import durations, scores
from hastack.model.config import AttrSet, Configuration
from hastack.model.values import parse_bool
from hastack.validate.options import check_option_values
from hastack.validate.report import Report, Reporter

ROLES = ("Started", "Stopped", "Promoted", "Unpromoted", "Master", "Slave")
BOOLEAN_META = ("is-managed", "maintenance", "notify", "globally-unique", "interleave", "ordered", "promotable",
                "critical", "allow-migrate", "allow-unhealthy-nodes")
INTEGER_META = ("migration-threshold", "priority", "clone-max", "clone-node-max", "clone-min", "promoted-max",
                "promoted-node-max", "master-max", "master-node-max")
DURATION_META = ("failure-timeout", "remote-connect-timeout")
# Attributes with a fixed set of words (case-insensitive, as Pacemaker compares them).
ENUM_META: dict[str, tuple[str, ...]] = {
    "target-role": ROLES,
    "multiple-active": ("block", "stop_only", "stop_start", "stop_unexpected"),
    "requires": ("nothing", "quorum", "fencing", "unfencing"),
}

# Pacemaker reads "default" as "not set" for these.
_DEFAULT_WORD = ("target-role", "is-managed")


def _integer(text: str) -> None:
    try:
        int(text.strip(), 10)
    except ValueError:
        raise ValueSyntaxError(f"invalid integer {text!r}", hint="write a whole number, e.g. 3") from None


def _checker(name: str) -> Callable[[str], object] | None:
    if name in BOOLEAN_META:
        return parse_bool
    if name in INTEGER_META:
        return _integer
    if name in DURATION_META:
        return durations.parse_ms
    if name == "resource-stickiness":
        return scores.parse
    return None


def check_meta(config: Configuration, rep: Reporter) -> None:
    """A configuration being loaded: every invalid value is an error."""
    _check(config, rep.error)


def running_cluster_meta(config: Configuration, sources: Mapping[str, str] | None = None) -> list[Diagnostic]:
    """A running cluster's CIB (hastack simulate): the same findings as warnings, since Pacemaker
    decides on such a CIB (ignoring the value or reading it otherwise) and so does hastack. The
    values of cluster options (validate/options.py) too."""
    rep = Reporter(config, sources)
    _check(config, rep.warn)
    check_option_values(config, rep.warn)
    return [replace(d, hint=f"{d.hint} (a new configuration with this value is refused)") for d in rep.diagnostics]


def _check(config: Configuration, report: Report) -> None:
    for r in config.resources.values():
        for s in r.meta:
            _check_set(s, r.id, report)
    for s in config.rsc_defaults:
        _check_set(s, "rsc_defaults", report)


def _check_set(s: AttrSet, owner: str, report: Report) -> None:
    if s.id_ref is not None:
        return  # the set it names is checked where it is defined
    for name, value in s.pairs:
        key = name.lower()
        if key in _DEFAULT_WORD and value.lower() == "default":
            continue
        word = value or name
        if key in ENUM_META:
            allowed = ENUM_META[key]
            if value.lower() not in (a.lower() for a in allowed):
                best = closest(value, list(allowed))
                report(f"{owner}: {value!r} is not a valid {name}: Pacemaker ignores it (and uses the default)",
                       s.location, f"did you mean {best!r}?" if best else f"use one of {', '.join(allowed)}", word=word)
            continue
        check = _checker(key)
        if check is None:
            continue
        try:
            check(value)
        except ValueSyntaxError as err:
            fallback = " (Pacemaker reads it as false)" if key in BOOLEAN_META else ""
            hint = "write true or false" if key in BOOLEAN_META else err.hint
            report(f"{owner}: {value!r} is not a valid {name}{fallback}", s.location, hint, word=word)
