"""Fencing decisions of the pure scheduler: unfencing before resources that need it, and
no-quorum-policy=suicide."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from test_scheduler_unit_models import node_state, state
from hastack.crm import parse
from hastack.model.config import Configuration
from hastack.model.state import ClusterState
from hastack.scheduler import Transition, schedule

FENCE_SCSI = "primitive fence stonith:fence_scsi meta provides=unfencing\n"


def cfg(text: str) -> Configuration:
    return parse("node n1\nnode n2\n" + text).config


def fences(t: Transition) -> list[str]:
    return sorted(x for x in t.summary if x.startswith("Fence"))


def test_a_node_never_unfenced_is_unfenced_before_the_first_probe_there() -> None:
    st = state(node_state("n1", attrs={"#node-unfenced": "1"}), node_state("n2"))
    t = schedule(cfg(FENCE_SCSI + "primitive r ocf:pacemaker:Dummy\n"), st, 0)
    assert fences(t) == ["Fence (on) n2 'required by fence monitor'"]


def test_unfenced_nodes_are_left_alone() -> None:
    st = state(node_state("n1", attrs={"#node-unfenced": "1"}), node_state("n2", attrs={"#node-unfenced": "7"}))
    assert fences(schedule(cfg(FENCE_SCSI + "primitive r ocf:pacemaker:Dummy\n"), st, 0)) == []


def test_without_a_device_providing_unfencing_nobody_is_unfenced() -> None:
    st = state(node_state("n1"), node_state("n2"))
    t = schedule(cfg("primitive fence stonith:fence_xvm\nprimitive r ocf:pacemaker:Dummy\n"), st, 0)
    assert fences(t) == []


def test_suicide_without_quorum_fences_every_node_that_is_up() -> None:
    st: ClusterState = state(node_state("n1"), node_state("n2"), quorum=False)
    st = ClusterState(nodes=st.nodes, have_quorum=False, header=(("no-quorum-panic", "1"),))
    t = schedule(cfg("property no-quorum-policy=suicide\nprimitive fence stonith:fence_xvm\n"), st, 0)
    assert fences(t) == ["Fence (reboot) n1 'cluster does not have quorum'",
                         "Fence (reboot) n2 'cluster does not have quorum'"]


def test_a_failed_stop_that_fencing_cannot_recover_blocks_the_resource() -> None:
    # no quorum: the offline node cannot be fenced, so its failed stop is left alone
    # (check_recoverable) instead of being scheduled again as a blocked stop
    from test_scheduler_unit_models import DUMMY, op
    from hastack.model.state import ResourceHistory

    failed = ResourceHistory("r", DUMMY, (op("start", call=1), op("stop", rc=5, call=2)))
    st = state(node_state("n1"), node_state("n2", failed, online=False), quorum=False)
    t = schedule(cfg("property no-quorum-policy=stop\nprimitive fence stonith:fence_xvm\n"
                     "primitive r ocf:pacemaker:Dummy\n"), st, 0)
    assert not [x for x in t.summary if " r " in x]
