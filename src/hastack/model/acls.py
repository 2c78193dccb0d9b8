"""Access control lists as immutable data: Pacemaker's <acls> section (schema 2.0 and later).

A role is a list of permissions; a permission grants `read` or `write`, or
`deny`s, the part of the CIB named by an XPath, by the id of an element
(`reference`), or by an element name (`object_type`, optionally narrowed to
one `attribute`). A target (a user, or with `is_group` a unix group) is given
roles by id.

Imports nothing of hastack beyond errors.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from hastack.errors import SourceLocation

LOC = field(default=None, compare=False, repr=False)
KINDS = ("read", "write", "deny")


@dataclass(frozen=True)
class AclPermission:
    id: str
    kind: str  # read write deny
    xpath: str | None = None
    reference: str | None = None
    object_type: str | None = None
    attribute: str | None = None  # with object_type only
    description: str | None = None
    location: SourceLocation | None = LOC


@dataclass(frozen=True)
class AclRole:
    id: str
    permissions: tuple[AclPermission, ...] = ()
    description: str | None = None
    location: SourceLocation | None = LOC


@dataclass(frozen=True)
class AclTarget:
    """<acl_target> (a user) or, with `is_group`, <acl_group> (a unix group); `roles` are role ids."""

    id: str
    roles: tuple[str, ...] = ()
    is_group: bool = False
    name: str | None = None  # the user or group name when it differs from the id (XML only)
    location: SourceLocation | None = LOC

    @property
    def kind(self) -> str:
        return "acl_group" if self.is_group else "acl_target"
