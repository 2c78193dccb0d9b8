"""Hypothesis strategies for the objects beyond resources and constraints: bundles, ACLs, alerts.

Ids the syntax cannot spell (alert recipients, selected attribute names) are the
ones crm/ids.py derives; the others are derived or explicit. Attribute sets come
from crm_strategies.attr_sets, passed in as `sets` (a strategy factory).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from hypothesis import strategies as st

from hastack.crm import ids
from hastack.crm.acls import SHORTCUTS, expand
from hastack.model.acls import AclPermission, AclRole, AclTarget
from hastack.model.alerts import Alert, AlertRecipient, SelectAttribute
from hastack.model.config import AttrSet, Bundle, BundleMapping

Sets = Callable[[str, str], st.SearchStrategy[tuple[AttrSet, ...]]]  # (owner, kind) -> sets
WORD = st.text("abcdefghijklmnopqrstuvwxyz0123456789_", min_size=1, max_size=6)
VALUE = st.text(st.characters(blacklist_categories=("Cc", "Cs")), min_size=1, max_size=10)
PATHS = st.sampled_from(["/usr/bin/alert.sh", "/var/lib/pacemaker/notify.sh"]) | VALUE


@st.composite
def bundles(draw: Any, bid: str, primitive: str | None, new_id: Callable[[str], str], sets: Sets) -> Bundle:
    runtime = draw(st.sampled_from(["docker", "podman", "rkt"]))
    options = [("image", draw(st.sampled_from(["pcmk:httpd", "registry.local/db:1.2"]) | VALUE))]
    if draw(st.booleans()):
        options.append(("replicas", str(draw(st.integers(1, 5)))))
    if draw(st.booleans()):
        options.append(("run-command", draw(VALUE)))
    network = []
    if primitive is not None or draw(st.booleans()):  # Pacemaker needs one of these to reach the primitive
        network.append(draw(st.sampled_from([("ip-range-start", "10.0.0.10"), ("control-port", "3121")])))
    if draw(st.booleans()):
        network.append(("host-netmask", str(draw(st.integers(8, 30)))))
    ports = [(("port", str(draw(st.integers(1, 65535)))),) if draw(st.booleans()) else (("range", "8000-8010"),)
             for _ in range(draw(st.integers(0, 2)))]
    storage = [(("source-dir" if draw(st.booleans()) else "source-dir-root", draw(st.sampled_from(["/srv", "/a b"]))),
                ("target-dir", "/var/www"))
               + ((("options", "rw"),) if draw(st.booleans()) else ())
               for _ in range(draw(st.integers(0, 2)))]
    given = [new_id("map") if draw(st.integers(0, 3)) == 0 else None for _ in ports + storage]
    named = ids.free_numbered(bid, given)
    maps = [BundleMapping(i, a) for i, a in zip(named, ports + storage)]
    return Bundle(bid, runtime, tuple(options), tuple(network), tuple(maps[:len(ports)]), tuple(maps[len(ports):]),
                  primitive, draw(st.none() | VALUE), draw(sets(bid, "instance_attributes")),
                  draw(sets(bid, "meta_attributes")))


@st.composite
def _permission(draw: Any, pid: str, references: list[str]) -> AclPermission:
    kind = draw(st.sampled_from(["read", "write", "deny"]))
    shape = draw(st.sampled_from(["xpath", "shortcut", "reference", "type"]))
    fields: dict[str, str | None] = {}
    if shape == "xpath":
        fields["xpath"] = draw(st.sampled_from(["//nodes//attributes", "/cib/configuration/resources",
                                                "//primitive[@id='a b']", "*[@name=\"karl\"]"]))
    elif shape == "shortcut":
        name = draw(st.sampled_from(sorted(SHORTCUTS)))
        args = [draw(st.sampled_from(references))] if "@@" in SHORTCUTS[name][0] else []
        if len(SHORTCUTS[name]) > 1 and draw(st.booleans()):
            args.append(draw(st.sampled_from(["target-role", "is-managed", "n1"])))
        fields["xpath"] = expand(name, args)
    elif shape == "reference":
        fields["reference"] = draw(st.sampled_from(references))
    else:
        fields["object_type"] = draw(st.sampled_from(["node", "nvpair", "primitive"]))
        if draw(st.booleans()):
            fields["attribute"] = draw(st.sampled_from(["uname", "type", "value"]))
    return AclPermission(pid, kind, description=draw(st.none() | VALUE), **fields)  # type: ignore[arg-type]


@st.composite
def acls(draw: Any, new_id: Callable[[str], str], references: list[str]
         ) -> tuple[tuple[AclRole, ...], tuple[AclTarget, ...]]:
    roles = []
    for _ in range(draw(st.integers(0, 2))):
        rid = new_id("role")
        n = draw(st.integers(0, 4))
        given = [new_id("perm") if draw(st.integers(0, 3)) == 0 else None for _ in range(n)]
        perms = tuple(draw(_permission(pid, references)) for pid in ids.free_numbered(rid, given))
        roles.append(AclRole(rid, perms, draw(st.none() | VALUE)))
    names = [r.id for r in roles]
    targets = tuple(AclTarget(new_id("grp" if group else "user"),
                              tuple(draw(st.lists(st.sampled_from(names), max_size=3))) if names else (), group)
                    for group in draw(st.lists(st.booleans(), max_size=3)))
    return tuple(roles), targets


@st.composite
def alerts(draw: Any, new_id: Callable[[str], str], sets: Sets) -> Alert:
    aid = new_id("alert")
    kinds = tuple(draw(st.lists(st.sampled_from(["nodes", "fencing", "resources", "attributes"]), unique=True,
                                max_size=4)))
    names = draw(st.lists(WORD, max_size=3)) if "attributes" in kinds else []
    selected = tuple(SelectAttribute(i, n) for i, n in zip(ids.free_numbered(aid, [None] * len(names)), names))
    recipients = []
    for i in range(draw(st.integers(0, 2))):
        rid = ids.recipient(aid, i)
        recipients.append(AlertRecipient(rid, draw(PATHS), draw(st.none() | VALUE),
                                          draw(sets(rid, "instance_attributes")), draw(sets(rid, "meta_attributes"))))
    return Alert(aid, draw(PATHS), draw(st.none() | VALUE), draw(sets(aid, "instance_attributes")),
                 draw(sets(aid, "meta_attributes")), kinds, selected, tuple(recipients))
