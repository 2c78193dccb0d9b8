"""The resource tree: each configured resource's working record, with its clone instances.

Owns: building the records in configuration order (a primitive with its template resolved,
a group with its members, a clone with clone-max instances numbered ":0", ":1" ...; a
bundle's record and those beside it through bundle.py), their resolved meta attributes
(meta.py), the ids a configured child goes by (its clone), and which records make remote
nodes. Records for orphans and for instances found in the history are added by history.py
through the same builder.

Imports only the model and the scheduler's working records, bundle.py, remote.py, meta.py
and options.py (the unpack phase's record only for its type).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from hastack.model.config import Bundle, Clone, Configuration, Group, Primitive, Resource, Template
from hastack.model.values import is_true
from hastack.scheduler import bundle, remote
from hastack.scheduler.bundle_parts import BundleParts
from hastack.scheduler.meta import apply_meta, inherit_meta, meta_of, meta_score, utilization_of
from hastack.scheduler.options import Options
from hastack.scheduler.rules import Subject
from hastack.scheduler.working import WRsc

if TYPE_CHECKING:
    from hastack.scheduler.unpack import Unpacked


def _resolve_template(p: Primitive, config: Configuration) -> Primitive:
    if p.template is None:
        return p
    t = config.resources.get(p.template)
    if not isinstance(t, Template):
        return p
    return Primitive(id=p.id, agent=p.agent or t.agent, template=p.template,
                     params=t.params + p.params, meta=t.meta + p.meta,
                     utilization=t.utilization + p.utilization,
                     ops=p.ops + tuple(o for o in t.ops if all(
                         (o.name, o.interval_ms) != (x.name, x.interval_ms) for x in p.ops)))


class TreeBuilder:
    def __init__(self, config: Configuration, opts: Options, u: Unpacked) -> None:
        self.config = config
        self.opts = opts
        self.u = u
        self._defaults: dict[Subject, dict[str, str]] = {}
        self.counter = 0
        # definitions by id: the configuration's, and those a bundle's parts add (bundle.py)
        self.defs: dict[str, Resource] = dict(config.resources)
        # the guest nodes made for bundles not built yet: Pacemaker makes them as it reads each
        # bundle, so a clone read before counts none of them among the nodes (clone-max's default)
        self.unread_guests = set(u.bundle_nodes)

    def defaults(self, subject: Subject) -> dict[str, str]:
        """rsc_defaults for a resource: their rules may test its agent."""
        got = self._defaults.get(subject)
        if got is None:
            got = self._defaults[subject] = meta_of(self.config.rsc_defaults, self.u.now, subject)
        return got

    def build(self, rid: str, parent: WRsc | None, suffix: str = "", inherit: WRsc | None = None) -> WRsc | None:
        """The working record of resource `rid` (and its members or instances) under `parent`;
        meta attributes are inherited from `inherit` (by default the parent)."""
        d = self.defs.get(rid)
        if d is None or isinstance(d, (Template, Bundle)):
            return None
        if inherit is None:
            inherit = parent
        self.counter += 1
        if isinstance(d, Primitive):
            p = _resolve_template(d, self.config)
            r = WRsc(id=rid + suffix, variant="primitive", meta={}, parent=parent, definition=p,
                     agent=p.agent, order=self.counter)
            subject = Subject.of(p.agent)
            r.meta = inherit_meta(meta_of(p.meta, self.u.now, subject), inherit, self.defaults(subject))
            r.is_fence_device = p.agent is not None and p.agent.cls == "stonith"
            r.utilization = utilization_of(p.utilization, self.u.now)
            if r.is_fence_device:
                self.opts.have_stonith_resource = True
        elif isinstance(d, Group):
            r = WRsc(id=rid + suffix, variant="group", meta={}, parent=parent, order=self.counter, params=d.params)
            r.meta = inherit_meta(meta_of(d.meta, self.u.now, Subject()), inherit, self.defaults(Subject()))
        else:
            assert isinstance(d, Clone)
            r = WRsc(id=rid, variant="clone", meta={}, parent=parent, order=self.counter, params=d.params)
            r.meta = inherit_meta(meta_of(d.meta, self.u.now, Subject()), inherit, self.defaults(Subject()))
            r.meta.setdefault("resource-stickiness", "1")
        apply_meta(r, self.opts)
        if isinstance(d, Primitive) and remote.is_connection_agent(r.agent):
            assert r.definition is not None
            remote.apply_connection_meta(r, meta_of(r.definition.params, self.u.now))
        self.u.by_id[r.id] = r
        if suffix and parent is not None:
            self.u.aliases.setdefault(rid, parent.top())
        if isinstance(d, Group):
            for member in d.members:
                c = self.build(member, r, suffix)
                if c is not None:
                    r.children.append(c)
        elif isinstance(d, Clone):
            m = r.meta
            r.promotable = d.promotable or is_true(m.get("promotable"))
            r.unique = is_true(m.get("globally-unique"))
            r.clone_max = meta_score(m.get("clone-max"), len(self.u.nodes) - len(self.unread_guests))
            r.clone_node_max = meta_score(m.get("clone-node-max"), 1)
            r.promoted_max = meta_score(m.get("promoted-max") or m.get("master-max"), 1)
            r.promoted_node_max = meta_score(m.get("promoted-node-max") or m.get("master-node-max"), 1)
            r.interleave = is_true(m.get("interleave"))
            r.ordered = is_true(m.get("ordered"))
            r.notify = is_true(m.get("notify"))
            # With clone-max=0 one instance still exists, so history can find the clone.
            for i in range(max(r.clone_max, 1)):
                self.add_instance(r, i)
        return r

    def build_bundle(self, parts: BundleParts) -> list[WRsc]:
        """A bundle's record (a clone of its containers) and the records beside it."""
        b = parts.bundle
        self.counter += 1
        r = WRsc(id=b.id, variant="clone", meta={}, order=self.counter, params=b.params)
        r.meta = inherit_meta(meta_of(b.meta, self.u.now, Subject()), None, self.defaults(Subject()))
        apply_meta(r, self.opts)
        self.u.by_id[r.id] = r
        beside = bundle.build(self, parts, r)
        self.unread_guests -= {rp.remote.id for rp in parts.replicas if rp.remote is not None}
        self.u.bundles.append(r)
        return [r, *beside]

    def add_instance(self, clone: WRsc, i: int) -> WRsc | None:
        d = self.defs.get(clone.id)
        assert isinstance(d, Clone)
        c = self.build(d.child, clone, f":{i}")
        if c is not None:
            clone.children.append(c)
        return c
