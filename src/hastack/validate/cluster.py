"""Cluster-wide checks: property names (their values: validate/options.py), quorum policy, fencing,
deprecated `ms`.

Imports nothing of hastack but errors, the model, validate and crm.render
(to spell the modern equivalent of an `ms`).
"""

from __future__ import annotations

from dataclasses import replace

from hastack.didyoumean import closest
from hastack.crm.render import render
from hastack.model.config import AttrSet, Clone, Configuration, Primitive
from hastack.model.values import is_true
from hastack.validate.options import check_option_values
from hastack.validate.report import Reporter


def _property_set(config: Configuration, name: str) -> AttrSet | None:
    for s in config.properties:
        if s.get(name) is not None:
            return s
    return None


# Pacemaker 2.1's cluster options (pacemaker-controld/-schedulerd/-fenced metadata), plus the
# ones the cluster itself writes (dc-version, cluster-infrastructure, ...) and legacy names still read.
CLUSTER_PROPERTIES = frozenset("""
batch-limit cluster-delay cluster-infrastructure cluster-ipc-limit cluster-name cluster-recheck-interval
concurrent-fencing dc-deadtime dc-version election-timeout enable-acl enable-startup-probes fence-reaction
have-watchdog join-finalization-timeout join-integration-timeout load-threshold maintenance-mode migration-limit
no-quorum-policy node-action-limit node-health-base node-health-green node-health-red node-health-strategy
node-health-yellow node-pending-timeout pe-error-series-max pe-input-series-max pe-warn-series-max
placement-strategy priority-fencing-delay remove-after-stop shutdown-escalation shutdown-lock shutdown-lock-limit
start-failure-is-fatal startup-fencing stonith-action stonith-enabled stonith-max-attempts stonith-timeout
stonith-watchdog-timeout stop-all-resources stop-orphan-actions stop-orphan-resources symmetric-cluster
transition-delay last-lrm-refresh expected-quorum-votes default-resource-stickiness is-managed-default
default-action-timeout crmd-transition-delay crmd-integration-timeout crmd-finalization-timeout
""".split())


def check_cluster(config: Configuration, rep: Reporter) -> None:
    _properties(config, rep)
    _quorum(config, rep)
    _fencing(config, rep)
    for r in config.resources.values():
        if isinstance(r, Clone) and r.legacy_master:
            modern = replace(r, legacy_master=False, meta=_with_promotable(r))
            text = render(Configuration(resources={r.id: modern})).replace(" \\\n\t", " ").strip()
            rep.warn(f'"ms" is deprecated: {r.id} is a promotable clone', r.location,
                     f"write it as: {text}", word=r.id)


_MODERN_META = {"master-max": "promoted-max", "master-node-max": "promoted-node-max"}


def _with_promotable(c: Clone) -> tuple[AttrSet, ...]:
    """The clone's meta with promotable=true and Pacemaker 2.1's names for the legacy options."""
    if not c.meta:
        return (AttrSet(f"{c.id}-meta_attributes", (("promotable", "true"),)),)
    renamed = [replace(m, pairs=tuple((_MODERN_META.get(k, k), v) for k, v in m.pairs)) for m in c.meta]
    first = renamed[0]
    pairs = tuple(p for p in first.pairs if p[0] != "promotable") + (("promotable", "true"),)
    return (replace(first, pairs=pairs),) + tuple(renamed[1:])


def _properties(config: Configuration, rep: Reporter) -> None:
    for s in config.properties:
        for name, _value in s.pairs:
            if name not in CLUSTER_PROPERTIES:
                best = closest(name, sorted(CLUSTER_PROPERTIES))
                rep.warn(f"unknown cluster property {name!r}: Pacemaker ignores it", s.location,
                         f"did you mean {best!r}?" if best else "see `man pacemaker-schedulerd` for the options",
                         word=name)
    check_option_values(config, rep.error)


def _quorum(config: Configuration, rep: Reporter) -> None:
    policy = config.property("no-quorum-policy")
    if policy is None or policy.lower() != "ignore":
        return
    s = _property_set(config, "no-quorum-policy")
    loc = s.location if s else None
    count = len(config.nodes)
    size = f"a {count}-node cluster" if count else "a cluster"
    message = f"no-quorum-policy=ignore in {size}: every partition would keep running resources"
    if count > 2:
        message += " (the Guide itself says never to set it with more than two nodes)"
    rep.warn(message, loc,
             "hastack does not use it: quorum is the etcd majority, and a node that cannot reach the majority "
             "cannot renew its lease and stops its resources whatever no-quorum-policy says. In a two-node "
             "cluster add a witness (a third etcd member, the role of corosync-qdevice) as the third voter, so "
             "the surviving node keeps quorum; then remove no-quorum-policy=ignore",
             word="no-quorum-policy")


def _fencing(config: Configuration, rep: Reporter) -> None:
    enabled = config.property("stonith-enabled")
    if enabled is not None and not is_true(enabled, default=True):
        return
    devices = [r for r in config.resources.values()
               if isinstance(r, Primitive) and r.agent is not None and r.agent.cls == "stonith"]
    if devices:
        return
    if not config.resources:
        return
    s = _property_set(config, "stonith-enabled")
    loc = s.location if s else (config.properties[0].location if config.properties else None)
    rep.warn("Resource start-up disabled since no STONITH resources have been defined", loc,
             "either configure some fence devices (primitive st_node1 stonith:fence_ipmilan params ...) "
             "or disable STONITH with property stonith-enabled=false; without fencing a node that only "
             "looks dead may keep running services and shared data can be corrupted")
