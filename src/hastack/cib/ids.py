"""Id allocation and spelling choices for one CIB export.

Owns the rule that every id written to the document is unique: ids given by the
model are kept (the first holder wins), and missing or colliding ones are made
up the way crmsh names them (`<rsc>-instance_attributes`, `<rsc>-<op>-<interval>`,
`<set>-<name>`, `<con>-rule`, ...), with `-0`, `-1`... appended on collision (crmsh's numbering).
Also owns the per-schema spelling of roles (Master/Slave before pacemaker-3.7).

Imports only the model.
"""

from __future__ import annotations

import dataclasses
import re
from collections import Counter
from collections.abc import Iterable

from hastack.model.acls import AclTarget
from hastack.model.config import AttrSet, Configuration, Node, Primitive, Template
from hastack.model.values import Role

DEFAULT_SCHEMA = "pacemaker-3.9"
_NOT_NAME = re.compile(r"[^A-Za-z0-9_.-]")


def sanitize(text: str) -> str:
    """Make text usable as an XML ID (an NCName without colons)."""
    out = _NOT_NAME.sub("_", text) or "id"
    if not (out[0].isalpha() or out[0] == "_"):
        out = "_" + out
    return out


def schema_version(validate_with: str) -> tuple[int, int] | None:
    m = re.fullmatch(r"pacemaker-(\d+)\.(\d+)", validate_with.strip())
    return (int(m.group(1)), int(m.group(2))) if m else None


class Ids:
    """The ids of one document: explicit ones reserved up front, generated ones never stealing them."""

    def __init__(self, explicit: Iterable[str], protected: Iterable[str] = ()) -> None:
        self._reserved = Counter(i for i in explicit if i)
        self._used: set[str] = set()
        # Ids that others refer to (resources, tags): only their owner may have them.
        self._protected = set(protected)

    def take(self, explicit: str | None, base: str, owner: bool = False) -> str:
        """The explicit id if still free, else a fresh id derived from `base`.

        A protected id goes only to its owner; anything else that claims it gets a made-up id.
        """
        if explicit and explicit in self._protected and not owner:
            explicit = None
        if explicit and explicit not in self._used:
            self._used.add(explicit)
            return explicit
        stem = sanitize(explicit or base)
        candidate = stem
        n = 0
        while candidate in self._used or (candidate != explicit and candidate in self._reserved):
            candidate = f"{stem}-{n}"  # crmsh's suffixes count from 0: fencing, fencing-0, fencing-1
            n += 1
        self._used.add(candidate)
        return candidate

    def fresh(self, base: str) -> str:
        return self.take(None, base)


def explicit_ids(config: Configuration) -> list[str]:
    """Every id the model gives for configuration objects (node ids live in their own space)."""
    found: list[str] = []

    def walk(obj: object) -> None:
        if isinstance(obj, Node):
            for s in obj.attributes + obj.utilization:
                walk(s)
            return
        if isinstance(obj, AttrSet) and obj.id_ref:
            return  # a reference, not a definition
        if isinstance(obj, AclTarget) and not obj.is_group:
            return  # a user name, not an XML id
        if isinstance(obj, (Primitive, Template)) and obj.ops_id is not None and obj.ops_ref is None:
            found.append(obj.ops_id)
        if isinstance(obj, (Primitive, Template)) and obj.ops_ref is not None:
            found.append(obj.id)
            for s in obj.params + obj.meta + obj.utilization:
                walk(s)
            return  # the ops are the referenced ones
        if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
            for f in dataclasses.fields(obj):
                value = getattr(obj, f.name)
                if f.name == "id" and isinstance(value, str):
                    found.append(value)
                else:
                    walk(value)
        elif isinstance(obj, tuple):
            for item in obj:
                walk(item)

    for part in (config.nodes, tuple(config.resources.values()), config.constraints, config.properties,
                 config.rsc_defaults, config.op_defaults, config.fencing_topology, config.tags, config.acl_roles,
                 config.acl_targets, config.alerts):
        walk(part)
    return found


@dataclasses.dataclass
class WriteContext:
    """What one export decides once: ids and the schema-dependent spelling."""

    ids: Ids
    validate_with: str = DEFAULT_SCHEMA
    # id -> the rule or resource set written under it: a second, equal object with the same id
    # (an id-ref that the importer expanded) is written as a reference again.
    defined: dict[str, object] = dataclasses.field(default_factory=dict)

    def already_written(self, obj: object, obj_id: str) -> bool:
        """True when an equal object was written under obj_id: write an id-ref to it."""
        return bool(obj_id) and self.defined.get(obj_id) == obj

    def take_for(self, obj: object, explicit: str, base: str) -> str:
        """Allocate the id of a rule or resource set and remember what was written under it."""
        written = self.ids.take(explicit, base)
        self.defined.setdefault(written, obj)
        return written

    @property
    def new_role_names(self) -> bool:
        """Promoted/Unpromoted from pacemaker-3.7 on; Master/Slave before."""
        version = schema_version(self.validate_with)
        return version is None or version >= (3, 7)

    @property
    def master_allowed(self) -> bool:
        """<master> is in every schema up to pacemaker-3.x; pacemaker-4.0 drops it."""
        version = schema_version(self.validate_with)
        return version is None or version < (4, 0)

    def role(self, role: Role) -> str:
        return role.value if self.new_role_names else role.legacy
