"""The <status> section and the <cib> header -> model.ClusterState.

Owns tickets (each ticket_state's attributes as written), node_state (membership fields typed, every other attribute kept in `extra`),
lrm_resource with every lrm_rsc_op (typed fields of model.state.OpRecord, the
rest in `extra`, in document order), transient_attributes (flattened into
NodeState.attributes), and the header facts: have-quorum, dc-uuid and
execution-date (the "now" crm_simulate uses); every other header attribute is
kept in `header` for export, with the schema's required version attributes
filled in (as `cibadmin --empty` sets them) when the document lacks them.

Status ids (lrm_rsc_op ids repeat across nodes) are not configuration ids and are
not indexed. Imports the model and the cib reader helpers only.
"""

from __future__ import annotations

from lxml import etree

from hastack.cib.ids import DEFAULT_SCHEMA
from hastack.cib.nvsets import read_transient
from hastack.cib.source import Reader, elements
from hastack.model.state import NodeState, OpRecord, ResourceHistory, TicketState
from hastack.model.values import AgentRef, is_true

HEADER_TYPED = ("have-quorum", "dc-uuid", "execution-date")
NODE_TYPED = ("id", "uname", "in_ccm", "crmd", "join", "expected", "ha", "shutdown")

# lrm_rsc_op attribute -> (OpRecord field, is integer)
OP_FIELDS: dict[str, tuple[str, bool]] = {
    "id": ("id", False), "operation": ("operation", False), "call-id": ("call_id", True),
    "rc-code": ("rc_code", True), "op-status": ("op_status", True), "interval": ("interval_ms", True),
    "operation_key": ("operation_key", False), "transition-key": ("transition_key", False),
    "transition-magic": ("transition_magic", False), "last-rc-change": ("last_rc_change", True),
    "last-run": ("last_run", True), "exec-time": ("exec_time", True), "queue-time": ("queue_time", True),
    "op-digest": ("op_digest", False), "op-restart-digest": ("op_restart_digest", False),
    "op-force-restart": ("op_force_restart", False), "op-secure-digest": ("op_secure_digest", False),
    "op-secure-params": ("op_secure_params", False), "on_node": ("on_node", False),
    "exit-reason": ("exit_reason", False), "crm_feature_set": ("crm_feature_set", False),
}
_OP_REQUIRED = ("id", "operation", "call-id", "rc-code", "op-status")
# The <cib> attributes the schema requires, with the values cibadmin --empty gives them.
HEADER_DEFAULTS = (("validate-with", DEFAULT_SCHEMA), ("epoch", "1"), ("num_updates", "0"), ("admin_epoch", "0"))


def read_header(r: Reader, cib: etree._Element) -> tuple[bool, str | None, int | None, tuple[tuple[str, str], ...]]:
    """(have_quorum, dc_uuid, execution_date, other header attributes) of a <cib> element."""
    # Pacemaker: quorum only when have-quorum says true; missing means no quorum.
    have_quorum = is_true(cib.get("have-quorum"), default=False)
    if cib.get("have-quorum") is not None:
        r.boolean(cib, "have-quorum")  # report a malformed value
    execution_date = r.integer(cib, "execution-date")
    header = [(str(k), str(v)) for k, v in cib.attrib.items() if k not in HEADER_TYPED]
    present = {k for k, _ in header}
    header.extend((k, v) for k, v in HEADER_DEFAULTS if k not in present)
    return have_quorum, cib.get("dc-uuid"), execution_date, tuple(header)


def read_status(r: Reader, status: etree._Element | None) -> dict[str, NodeState]:
    """Every node_state of a whole <status> element."""
    reading = StatusReading(r)
    if status is not None:
        for el in elements(status):
            reading.add(el)
    return reading.nodes


class StatusReading:
    """The children of one <status> element read one at a time, in document order.

    A streaming parse hands over each node_state as soon as it is complete, so its tree can
    be freed before the next one is read. Values that repeat across nodes and operations
    (operation names, digests, op ids, node names, numbers, agents) are shared rather than
    kept once per record: lxml makes a new string for every attribute value it returns.
    """

    def __init__(self, r: Reader) -> None:
        self.r = r
        self.nodes: dict[str, NodeState] = {}
        self.tickets: dict[str, TicketState] = {}
        self._strings: dict[str, str] = {}
        self._numbers = _Numbers()
        self._extras: dict[tuple[tuple[str, str], ...], tuple[tuple[str, str], ...]] = {}
        self._agents: dict[tuple[str, str, str | None], AgentRef] = {}

    def add(self, el: etree._Element) -> None:
        """One child element of <status>."""
        r = self.r
        if el.tag == "tickets":
            self._tickets(el)
            return
        if el.tag != "node_state":
            # Pacemaker reads only these two and passes over anything else (Pacemaker's own
            # regression input resource-discovery has a stray <lrm> there)
            r.warn(el, f"unexpected <{el.tag}> inside <status> is ignored: status holds <node_state> and "
                       f"<tickets> elements")
            return
        ns = self._node_state(el)
        if ns is None:
            return
        if ns.id in self.nodes:
            r.error(el, f"node_state {ns.id!r} appears twice", "id", hint="one node_state per node")
            return
        self.nodes[ns.id] = ns

    def _tickets(self, el: etree._Element) -> None:
        """<tickets>: one ticket_state per ticket; a repeated ticket's later state wins, as in Pacemaker."""
        for t in elements(el):
            if t.tag != "ticket_state":
                self.r.warn(t, f"unexpected <{t.tag}> inside <tickets> is ignored")
                continue
            tid = self.r.required(t, "id")
            if tid is None:
                continue
            attrs = tuple((str(k), str(v)) for k, v in t.attrib.items() if k != "id")
            self.tickets[tid] = TicketState(tid, attrs)

    def _node_state(self, el: etree._Element) -> NodeState | None:
        r = self.r
        nid = el.get("id")
        if nid is None:  # Pacemaker ignores such an entry with a warning (unpack_node_state)
            r.warn(el, "<node_state> without an id is ignored",
                   hint="a node_state names its node by id (and uname)")
            return None
        resources: list[ResourceHistory] = []
        attributes: dict[str, str] = {}
        for child in elements(el):
            if child.tag == "lrm":
                resources.extend(self._lrm(child))
            elif child.tag == "transient_attributes":
                attributes.update(read_transient(r, child))
            else:
                r.warn(child, f"unexpected <{child.tag}> inside <node_state> is ignored")
        extra = tuple((str(k), str(v)) for k, v in el.attrib.items() if k not in NODE_TYPED)
        return NodeState(nid, el.get("uname") or "", in_ccm=el.get("in_ccm"), crmd=el.get("crmd"),
                         join=el.get("join"), expected=el.get("expected"), ha=el.get("ha"),
                         shutdown=el.get("shutdown"), resources=tuple(resources), attributes=attributes,
                         extra=extra)

    def _lrm(self, lrm: etree._Element) -> list[ResourceHistory]:
        r = self.r
        out: list[ResourceHistory] = []
        for section in elements(lrm):
            if section.tag != "lrm_resources":
                r.warn(section, f"unexpected <{section.tag}> inside <lrm> is ignored")
                continue
            for el in elements(section):
                if el.tag != "lrm_resource":
                    r.warn(el, f"unexpected <{el.tag}> inside <lrm_resources> is ignored")
                    continue
                history = self._lrm_resource(el)
                if history is not None:
                    out.append(history)
        return out

    def _lrm_resource(self, el: etree._Element) -> ResourceHistory | None:
        r = self.r
        rid = r.required(el, "id")
        ops: list[OpRecord] = []
        for o in elements(el):
            if o.tag != "lrm_rsc_op":
                r.warn(o, f"unexpected <{o.tag}> inside <lrm_resource> is ignored")
                continue
            op = self._op(o)
            if op is not None:
                ops.append(op)
        if rid is None:
            return None
        # Pacemaker unpacks a repeated lrm_resource as well (inc6 has some): kept as written.
        strings = self._strings
        cls, rtype, provider = el.get("class"), el.get("type"), el.get("provider")
        agent = None
        if cls and rtype:
            key = (cls, rtype, provider)
            agent = self._agents.get(key)
            if agent is None:
                agent = self._agents[key] = AgentRef(cls, rtype, provider)
        container = el.get("container")
        if container is not None:
            container = strings.setdefault(container, container)
        lock = el.get("shutdown-lock")
        return ResourceHistory(strings.setdefault(rid, rid), agent, tuple(ops), container=container,
                               shutdown_lock=int(lock) if lock is not None and lock.isdigit() else None)

    def _op(self, el: etree._Element) -> OpRecord | None:
        # The hot loop of a big status section: one pass over the attributes, expecting a
        # well-formed operation; anything missing or malformed goes the checked way, which
        # reports it. Repeated values (names, digests, op ids, numbers) are shared.
        strings, numbers = self._strings, self._numbers
        values: dict[str, object] = {}
        extra: list[tuple[str, str]] = []
        for key, raw in el.items():
            spec = OP_FIELDS.get(key)
            if spec is None:
                extra.append((strings.setdefault(key, key), strings.setdefault(raw, raw)))
            elif not spec[1]:
                values[spec[0]] = strings.setdefault(raw, raw)
            else:
                number = numbers[raw]
                if number is None:
                    return self._op_checked(el)
                values[spec[0]] = number
        if not (values.get("id") and values.get("operation") and "call_id" in values and "rc_code" in values
                and "op_status" in values):
            return self._op_checked(el)
        if extra:
            kept = tuple(extra)
            values["extra"] = self._extras.setdefault(kept, kept)
        return OpRecord(**values)  # type: ignore[arg-type]

    def _op_checked(self, el: etree._Element) -> OpRecord | None:
        """One lrm_rsc_op, reporting every missing or malformed value."""
        attrib = el.attrib
        ok = True
        for name in _OP_REQUIRED:
            if not attrib.get(name):
                self.r.required(el, name)
                ok = False
        strings, numbers = self._strings, self._numbers
        values: dict[str, object] = {}
        extra: list[tuple[str, str]] = []
        for key, raw in attrib.items():
            spec = OP_FIELDS.get(key)
            if spec is None:
                extra.append((strings.setdefault(key, key), strings.setdefault(raw, raw)))
            elif not spec[1]:
                values[spec[0]] = strings.setdefault(raw, raw)
            else:
                number = numbers[raw]
                if number is None:
                    self.r.integer(el, key)  # reports the malformed value
                    ok = False
                else:
                    values[spec[0]] = number
        if not ok:
            return None
        if extra:
            kept = tuple(extra)
            values["extra"] = self._extras.setdefault(kept, kept)
        return OpRecord(**values)  # type: ignore[arg-type]


class _Numbers(dict[str, "int | None"]):
    """Integer attribute values by their text, converted once; None for a malformed one."""

    def __missing__(self, raw: str) -> int | None:
        number = _int_or_none(raw)
        if number is not None:
            self[raw] = number
        return number


def _int_or_none(raw: str) -> int | None:
    if "_" in raw:
        return None
    try:
        return int(raw, 10)
    except ValueError:
        return None
