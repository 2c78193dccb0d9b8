"""Embedded etcd: who votes (daemon.etcdmember.plan), pure."""

from __future__ import annotations

import pytest

from hastack.daemon.etcdmember import parse_nodes, plan
from hastack.errors import HastackError


def nodes(n: int) -> list[tuple[str, str]]:
    return [(f"n{i}", f"10.0.0.{i}") for i in range(1, n + 1)]


@pytest.mark.parametrize("count,voters", [(1, 1), (3, 3), (4, 3), (6, 3), (7, 5), (32, 5), (100, 5)])
def test_three_voters_five_from_seven_nodes_never_more(count: int, voters: int) -> None:
    p = plan("n1", nodes(count))
    assert len(p.voters) == voters
    assert [m.name for m in p.voters] == [f"n{i}" for i in range(1, voters + 1)]  # the first nodes


def test_a_voter_runs_its_member_and_a_client_node_runs_none() -> None:
    assert plan("n2", nodes(4)).me is not None
    p = plan("n4", nodes(4))
    assert p.me is None and p.voters[0].client_url == "https://10.0.0.1:2379"
    assert p.voters[0].peer_url == "https://10.0.0.1:2380"


def test_each_node_talks_to_its_own_member_first() -> None:
    p = plan("n2", nodes(3))
    assert p.endpoints_for("n2")[0] == "https://10.0.0.2:2379"
    assert sorted(p.endpoints_for("n2")) == sorted(m.client_url for m in p.voters)


def test_two_nodes_need_a_witness_and_get_it_as_third_voter() -> None:
    with pytest.raises(HastackError, match="two-node cluster needs a witness") as err:
        plan("n1", nodes(2))
    assert "hastack witness" in err.value.hint
    p = plan("n1", nodes(2), [("w", "10.0.0.9")])
    assert [m.name for m in p.voters] == ["n1", "n2", "w"]
    assert plan("w", nodes(2), [("w", "10.0.0.9")]).me is not None


def test_bad_node_lists_are_refused_clearly() -> None:
    with pytest.raises(HastackError, match="not NAME=ADDRESS"):
        parse_nodes("n1=10.0.0.1,n2")
    with pytest.raises(HastackError, match="listed twice"):
        parse_nodes("n1=10.0.0.1,n1=10.0.0.2")
    with pytest.raises(HastackError, match="not in the node list"):
        plan("n9", nodes(3))


def test_pe_input_series_max_bounds_the_kept_transitions() -> None:
    from hastack.crm import parse
    from hastack.daemon.controller import PE_INPUT_KEEP_MAX, series_max

    def keep(value: str | None) -> int:
        text = "property stonith-enabled=false" + (f" pe-input-series-max={value}" if value else "")
        return series_max(parse(text + "\n", "t.crm").config)

    assert keep(None) == PE_INPUT_KEEP_MAX  # Pacemaker's 4000, capped for etcd
    assert keep("10") == 10 and keep("0") == 0 and keep("-1") == PE_INPUT_KEEP_MAX


def test_batch_limit_bounds_the_actions_in_flight() -> None:
    from hastack.crm import parse
    from hastack.daemon.controller import BATCH_LIMIT_AUTO, batch_limit

    assert batch_limit(parse("property batch-limit=30\n", "t.crm").config) == 30
    assert batch_limit(parse("property batch-limit=0\n", "t.crm").config) == BATCH_LIMIT_AUTO
    assert batch_limit(parse("node n1\n", "t.crm").config) == BATCH_LIMIT_AUTO


def test_the_voter_count_can_be_chosen_odd_and_within_the_nodes() -> None:
    assert [m.name for m in plan("n9", nodes(16), voters=3).voters] == ["n1", "n2", "n3"]
    assert len(plan("n1", nodes(5), voters=5).voters) == 5
    for bad in (0, 2, 4, 7):
        with pytest.raises(HastackError, match=f"--etcd-voters {bad}"):
            plan("n1", nodes(5), voters=bad)
