"""The <acls> section of a CIB <-> model ACLs (schema 2.0 and later).

Owns <acl_role> with its <acl_permission> elements, <acl_target> and
<acl_group> with their role references. Pacemaker 1.1's form (<acl_user>,
<role_ref>, <read>/<write>/<deny> children) is refused with a hint: Pacemaker 2
does not read it either. Permissions without an id are named as crmsh names
them (`<role>-0`, ...).

Imports the model and the cib reader/id helpers only.
"""

from __future__ import annotations

from lxml import etree

from hastack.cib.ids import WriteContext
from hastack.cib.source import Reader, elements
from hastack.model.acls import KINDS, AclPermission, AclRole, AclTarget

_OLD = ("acl_user", "role_ref", "read", "write", "deny")
_SPECS = (("xpath", "xpath"), ("reference", "reference"), ("object-type", "object_type"))


def read_acls(r: Reader, section: etree._Element) -> tuple[tuple[AclRole, ...], tuple[AclTarget, ...]]:
    roles: list[AclRole] = []
    targets: list[AclTarget] = []
    for el in elements(section):
        if el.tag == "acl_role":
            role = _read_role(r, el)
            if role is not None:
                roles.append(role)
        elif el.tag in ("acl_target", "acl_group"):
            target = _read_target(r, el)
            if target is not None:
                targets.append(target)
        elif el.tag in _OLD:
            r.error(el, f"<{el.tag}> is Pacemaker 1.1's ACL form, which Pacemaker 2 does not read",
                    hint="upgrade the CIB's ACLs (cibadmin --upgrade), or write <acl_target> and <acl_role> "
                         "with <acl_permission> elements")
        else:
            r.error(el, f"unexpected <{el.tag}> inside <acls>",
                    hint="acls holds <acl_role>, <acl_target> and <acl_group> elements")
    return tuple(roles), tuple(targets)


def _read_role(r: Reader, el: etree._Element) -> AclRole | None:
    rid = r.required(el, "id")
    r.known_attributes(el, ("id", "description"))
    permissions: list[AclPermission] = []
    for child in elements(el):
        if child.tag != "acl_permission":
            hint = "Pacemaker 1.1's form: upgrade the CIB (cibadmin --upgrade)" if child.tag in _OLD else \
                "an acl_role holds <acl_permission> elements"
            r.error(child, f"unexpected <{child.tag}> inside <acl_role> {rid!r}", hint=hint)
            continue
        p = _read_permission(r, child)
        if p is not None:
            permissions.append(p)
    if rid is None:
        return None
    return AclRole(rid, tuple(permissions), el.get("description"), location=r.where(el))


def _read_permission(r: Reader, el: etree._Element) -> AclPermission | None:
    pid = r.required(el, "id")
    r.known_attributes(el, ("id", "kind", "xpath", "reference", "object-type", "attribute", "description"))
    kind = r.choice(el, "kind", KINDS) if el.get("kind") is not None else r.required(el, "kind")
    given = [attr for attr, _ in _SPECS if el.get(attr) is not None]
    if len(given) != 1:
        r.error(el, f"acl_permission {pid!r} names {'nothing' if not given else ' and '.join(given)}",
                hint="a permission has one of xpath=, reference= and object-type= (with attribute=)")
    if el.get("attribute") is not None and el.get("object-type") is None:
        r.error(el, f"acl_permission {pid!r} has attribute= without object-type=", "attribute",
                hint="attribute= narrows an object-type= permission")
    if pid is None or kind is None or len(given) != 1:
        return None
    fields = {name: el.get(attr) for attr, name in _SPECS}
    return AclPermission(pid, kind, attribute=el.get("attribute"), description=el.get("description"),
                         location=r.where(el), **fields)


def _read_target(r: Reader, el: etree._Element) -> AclTarget | None:
    tid = r.required(el, "id")
    r.known_attributes(el, ("id", "name"))
    roles: list[str] = []
    for child in elements(el):
        if child.tag != "role":
            r.error(child, f"unexpected <{child.tag}> inside <{el.tag}> {tid!r}",
                    hint=f'an {el.tag} lists <role id="..."/> elements')
            continue
        role = r.required(child, "id")
        if role is not None:
            roles.append(role)
    if tid is None:
        return None
    return AclTarget(tid, tuple(roles), is_group=el.tag == "acl_group", name=el.get("name"), location=r.where(el))


def write_acls(parent: etree._Element, roles: tuple[AclRole, ...], targets: tuple[AclTarget, ...],
               ctx: WriteContext) -> None:
    section = etree.SubElement(parent, "acls")
    for t in targets:
        el = etree.SubElement(section, t.kind, id=t.id if not t.is_group else ctx.ids.take(t.id, "acl_group"))
        if t.name is not None:
            el.set("name", t.name)
        for name in t.roles:
            etree.SubElement(el, "role", id=name)
    for role in roles:
        rel = etree.SubElement(section, "acl_role", id=ctx.ids.take(role.id, "role", owner=True))
        if role.description is not None:
            rel.set("description", role.description)
        for p in role.permissions:
            pel = etree.SubElement(rel, "acl_permission", id=ctx.ids.take(p.id, role.id), kind=p.kind)
            for attr, name in _SPECS + (("attribute", "attribute"), ("description", "description")):
                value = getattr(p, name)
                if value is not None:
                    pel.set(attr, value)
