"""Live migration as the operation history records it (Pacemaker's unpack_migrate_to_success,
unpack_migrate_to_failure and unpack_migrate_from_failure).

Owns: reading a resource's migrate_to/migrate_from records against its records on the other
node of the migration -- a partial migration (migrate_to done, migrate_from not yet), a
dangling one (both done, the source not yet stopped), a failed one (the resource may be
active on both nodes) -- and the age comparison of two records that this needs
(pe__is_newer_op). Pacemaker looks the other node's records up in the whole status section,
whatever order the nodes are unpacked in, so this module reads the raw ClusterState.

Imports only the model and the scheduler's working records.
"""

from __future__ import annotations

from collections.abc import Callable

from hastack.model.results import ExecStatus, OcfRc
from hastack.model.state import ClusterState, OpRecord
from hastack.scheduler.working import R, WNode, WRsc

_CHANGING = frozenset(("start", "stop", "migrate_to", "migrate_from"))

AddRunning = Callable[[WRsc, WNode], None]


class StatusIndex:
    """Every node's recorded operations by node name and recorded resource id, in document
    order (what Pacemaker's XPath lookups of the status section see)."""

    def __init__(self, state: ClusterState) -> None:
        self._by_node: dict[str, dict[str, tuple[OpRecord, ...]]] = {}
        for ns in state.nodes.values():
            table = self._by_node.setdefault(ns.uname, {})
            for h in ns.resources:
                table.setdefault(h.id, h.ops)

    def ops(self, rid: str, uname: str) -> tuple[OpRecord, ...] | None:
        """The resource's records on a node; None when the node has no entry for it."""
        return self._by_node.get(uname, {}).get(rid)

    def find(self, rid: str, task: str, uname: str, other: str | None = None,
             rc: int | None = None) -> OpRecord | None:
        """find_lrm_op: the first record of `task` on a node (a migrate_to towards `other`, a
        migrate_from coming from `other`); with `rc`, only if that first one completed with it."""
        for op in self.ops(rid, uname) or ():
            if op.operation != task:
                continue
            if other is not None and task == "migrate_to" and op.migrate_target != other:
                continue
            if other is not None and task == "migrate_from" and op.migrate_source != other:
                continue
            if rc is not None and (op.rc_code != rc or op.op_status != ExecStatus.DONE):
                return None
            return op
        return None

    def unknown_on(self, rid: str, uname: str) -> bool:
        """No record at all: the resource's state there is unknown (it will be probed)."""
        return not self.ops(rid, uname)


def _magic(op: OpRecord) -> tuple[str, int] | None:
    """(controller uuid, transition number) of transition-magic `status:rc;action:transition:rc:uuid`."""
    if not op.transition_magic:
        return None
    _, _, key = op.transition_magic.partition(";")
    parts = key.split(":", 3)
    if len(parts) < 4:
        return None
    try:
        return parts[3], int(parts[1])
    except ValueError:
        return None


def is_newer(a: OpRecord, b: OpRecord, same_node_default: bool) -> int:
    """pe__is_newer_op: >0 when record a is newer than b, <0 when older, 0 when undecided.
    Call ids only compare on one node; across nodes, or for the same call, last-rc-change
    decides; a pending record (call id -1) is placed by its transition."""
    same_node = same_node_default if a.on_node is None or b.on_node is None else a.on_node == b.on_node
    if same_node and a.id == b.id:
        return 0
    ac, bc = a.call_id, b.call_id
    if ac == -1 and bc == -1:
        return 0
    if same_node and 0 <= ac < bc:
        return -1
    if same_node and bc >= 0 and ac > bc:
        return 1
    if ac >= 0 and bc >= 0 and (not same_node or ac == bc):
        la = a.last_rc_change if a.last_rc_change is not None else -1
        lb = b.last_rc_change if b.last_rc_change is not None else -1
        if 0 <= la < lb:
            return -1
        if lb >= 0 and la > lb:
            return 1
        return 0
    ma, mb = _magic(a), _magic(b)
    if ma is None or mb is None:
        return 0
    if ma[0] != mb[0] or ma[1] == mb[1]:
        return -1 if bc == -1 else 1 if ac == -1 else 0
    if 0 <= ma[1] < mb[1] or mb[1] == -1:
        return -1
    if 0 <= mb[1] < ma[1] or ma[1] == -1:
        return 1
    return 0


class MigrationReader:
    """What a resource's migrate_to/migrate_from records mean, given the whole status section."""

    def __init__(self, state: ClusterState, nodes: dict[str, WNode], add_running: AddRunning) -> None:
        self.state = state
        self.nodes = nodes
        self.add_running = add_running
        self._index: StatusIndex | None = None

    @property
    def index(self) -> StatusIndex:
        """Built on the first migration record: most histories have none."""
        if self._index is None:
            self._index = StatusIndex(self.state)
        return self._index

    def _changed_after(self, rid: str, uname: str, op: OpRecord, same_node: bool) -> bool:
        """non_monitor_after: a newer start, stop or migration on the node."""
        return any(o is not op and o.operation in _CHANGING and is_newer(o, op, same_node) > 0
                   for o in self.index.ops(rid, uname) or ())

    def _stopped_after(self, rid: str, uname: str, op: OpRecord, same_node: bool) -> bool:
        """monitor_not_running_after: the node's first monitor found it not running, later."""
        mon = self.index.find(rid, "monitor", uname, rc=OcfRc.NOT_RUNNING)
        return mon is not None and is_newer(mon, op, same_node) > 0

    def _newer_state(self, rid: str, uname: str, migrate_to: OpRecord | None,
                     migrate_from: OpRecord | None) -> bool:
        """newer_state_after_migrate: the migration no longer says anything about the node."""
        ref = migrate_from if migrate_from is not None else migrate_to
        assert ref is not None
        # compare with the migration's record on this node when there is one: call ids are
        # reliable there (without one, the other node's record, already in ref, is used)
        same_node = False
        if uname == ref.migrate_target and migrate_from is not None:
            ref, same_node = migrate_from, True
        elif uname == ref.migrate_source and migrate_to is not None:
            ref, same_node = migrate_to, True
        return self._changed_after(rid, uname, ref, same_node) or self._stopped_after(rid, uname, ref, same_node)

    def _online(self, uname: str | None) -> WNode | None:
        node = self.nodes.get(uname) if uname is not None else None
        return node if node is not None and node.online else None

    def migrate_to_done(self, r: WRsc, node: WNode, op: OpRecord) -> None:
        """A successful migrate_to on its source: partial, dangling, or failed at the target."""
        source, target = op.migrate_source, op.migrate_target
        if source is None or target is None or source != node.uname:
            return
        source_newer = self._changed_after(r.id, source, op, True)
        migrate_from = self.index.find(r.id, "migrate_from", target, source)
        if source_newer and migrate_from is not None:
            return
        target_newer = self._newer_state(r.id, target, op, migrate_from)
        if source_newer and target_newer:
            return
        r.role = R.STARTED  # clones cannot migrate: never promoted
        target_node = self._online(target)
        if migrate_from is not None and migrate_from.rc_code == OcfRc.OK \
                and migrate_from.op_status == ExecStatus.DONE:
            r.role = R.STOPPED  # it runs on the target now; the source still needs its stop
            r.dangling_migrations.insert(0, node)
        elif migrate_from is not None and migrate_from.op_status != ExecStatus.PENDING:
            if not target_newer and target_node is not None:
                self.add_running(r, target_node)
            else:
                self._forbid(r)
        elif target_node is not None and self.index.unknown_on(r.id, target):
            # an online target with no record of it at all: Pacemaker counts it neither running
            # there (a probe will tell) nor as a partial migration; it still runs on the source
            # (an offline target is the aborted migration below, as in migrate-partial-3)
            return
        elif not target_newer and target_node is not None:
            self.add_running(r, target_node)
            source_node = self._online(source)
            if source_node is not None:
                # the migration may continue if the target stays the same
                r.partial_migration_source, r.partial_migration_target = source_node, target_node
                r.partial_at_unpack = True
        elif not source_newer:
            self._forbid(r)

    @staticmethod
    def _forbid(r: WRsc) -> None:
        """The migration failed where it still matters: recover by stop and start, not migration."""
        r.failed = True
        r.stop_flag = True
        r.allow_migrate = False

    def _may_still_run(self, r: WRsc, other: str, migrate_to: OpRecord | None,
                       migrate_from: OpRecord | None) -> bool:
        """After a failed migration step: unless the other node's state is unknown (a probe will
        tell) or newer than the migration, the resource may be active there too (if it is up)."""
        if self.index.unknown_on(r.id, other) or self._newer_state(r.id, other, migrate_to, migrate_from):
            return False
        other_node = self._online(other)
        if other_node is not None:
            self.add_running(r, other_node)
        return True

    def migrate_to_failed(self, r: WRsc, node: WNode, op: OpRecord) -> None:
        source, target = op.migrate_source, op.migrate_target
        if source is None or target is None or source != node.uname:
            return
        r.role = R.STARTED
        migrate_from = self.index.find(r.id, "migrate_from", target, source, rc=OcfRc.OK)
        if not self._may_still_run(r, target, op, migrate_from) and not self._changed_after(r.id, source, op, True):
            r.dangling_migrations.insert(0, node)  # stop it on the source

    def migrate_from_failed(self, r: WRsc, node: WNode, op: OpRecord) -> None:
        source, target = op.migrate_source, op.migrate_target
        if source is None or target is None or target != node.uname:
            return
        r.role = R.STARTED
        self._may_still_run(r, source, self.index.find(r.id, "migrate_to", source, target, rc=OcfRc.OK), op)
