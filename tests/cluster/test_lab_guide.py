"""The Guide's patterns on a real 3-host lab (examples/lab-guide.crm): a promotable ocf:pacemaker:Stateful
(the DRBD stand-in) with the MySQL group colocated with its promoted side and ordered after the promotion,
and the API group -- run by hastackd with real agents (Stateful, Dummy, the built-in VIP and supervisor).

A checker polls every host every 50 ms for both VIPs and both servers throughout the module and must
never see one on two hosts. Bounded: one lab (about 5 s to boot); each test waits at most a minute.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from labkit import loaded_lab

from hastack.cli.lab import guide_config
from hastack.lab.chaos import kill_matching
from hastack.lab.cluster import Lab
from hastack.lab.net import Net, wait_until
from hastack.lab.trial import Checker, cluster_status, dc_host, holder

NET = Net(prefix=f"hg{os.getpid() % 10000}", subnet="10.213.97")  # unique: runs may overlap
API_VIP = f"{NET.subnet}.100"
DB_VIP = f"{NET.subnet}.101"
API_SERVER, DB_SERVER = "http.server 8080", "http.server 3306"


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Lab]:
    with loaded_lab(tmp_path_factory.mktemp("lab"), NET, guide_config()) as lab:
        yield lab


@pytest.fixture(scope="module")
def checker(lab: Lab) -> Iterator[Checker]:
    c = Checker(lab, API_VIP, more_vips=(DB_VIP,), needles=(API_SERVER, DB_SERVER)).start()
    yield c
    c.stop()
    assert c.violations == [], c.violations


def both_served(lab: Lab, timeout: float = 40) -> tuple[str | None, str | None]:
    wait_until(lambda: lab.http_get(API_VIP) is not None and lab.http_get(DB_VIP, 3306) is not None, timeout, 0.2)
    return lab.http_get(API_VIP), lab.http_get(DB_VIP, 3306)


def resource(doc: dict[str, Any], rid: str) -> dict[str, Any]:
    def walk(items: list[dict[str, Any]]) -> Iterator[dict[str, Any]]:
        for r in items:
            yield r
            yield from walk(r.get("children", []))
    return next(r for r in walk(doc["status"]["resources"]) if r["id"] == rid)


def promoted_on(lab: Lab) -> list[str]:
    doc = cluster_status(lab)
    if doc is None:
        return []
    clone = resource(doc, "ms_drbd_mysql")
    return sorted(n for c in clone.get("children", []) if c["role"] == "Promoted" for n in c["nodes"])


def sent_lines(lab: Lab) -> list[str]:
    """Every DC's 'action(s) sent' log lines of the whole run, in time order."""
    lines = []
    for i in range(1, lab.hosts + 1):
        log = lab.host_dir(i) / "hastackd.log"
        if log.exists():
            lines += [ln for ln in log.read_text().splitlines() if "action(s) sent" in ln]
    return sorted(lines)


def test_the_mysql_group_runs_where_the_clone_is_promoted_and_starts_after_the_promotion(
        lab: Lab, checker: Checker) -> None:
    api, db = both_served(lab)
    assert api is not None and db is not None, lab.hastack("status")
    assert promoted_on(lab) == [db]  # colocated with the promoted side (the demo's DRBD stand-in)
    assert lab.holders_of_vip(DB_VIP) == [int(db[1:])]
    lines = sent_lines(lab)
    promote = next(k for k, ln in enumerate(lines) if re.search(r"promote p_drbd_mysql:\d on " + db, ln))
    start = next(k for k, ln in enumerate(lines) if f"start p_ip_mysql on {db}" in ln)
    assert promote < start, lines  # ordered after the promotion: sent only once the promote completed
    # every notification of the promotion ran once: no transition re-sends actions that leave no record
    notifies = [ln for ln in lines if "notify p_drbd_mysql" in ln]
    assert 1 <= len(notifies) <= 4, notifies


def test_operator_changes_report_their_transition_and_wait_until_carried_out(lab: Lab, checker: Checker) -> None:
    api, _ = both_served(lab)
    assert api is not None
    target = next(f"h{i}" for i in (1, 2, 3) if f"h{i}" != api)
    out = lab.hastack("resource", "move", "g_services_api", target, "--wait=60")
    assert re.search(r"transition \d+\.\d+ acts on it", out) and "settled" in out, out
    assert lab.http_get(API_VIP) == target  # settled means done: no polling needed
    out = lab.hastack("resource", "clear", "g_services_api", "--wait=60")
    assert "settled" in out, out


def test_a_failing_resource_restarts_in_place_then_moves_after_migration_threshold(
        lab: Lab, checker: Checker, tmp_path: Path) -> None:
    update = lab.directory / "threshold.crm"
    update.write_text("rsc_defaults rsc-options: resource-stickiness=100 migration-threshold=2\n")
    out = lab.hastack("configure", "load", "--no-agents", "update", str(update), "--wait=60")
    assert "settled" in out, out
    api, _ = both_served(lab)
    assert api is not None
    host = int(api[1:])
    # the server dies behind the agent's back: its monitor fails, the cluster restarts it in place
    assert kill_matching(lab, host, API_SERVER.encode())
    assert wait_until(lambda: fail_count(lab, api) == 1, 20), lab.hastack("status")
    assert wait_until(lambda: lab.http_get(API_VIP) is not None, 20)
    assert lab.http_get(API_VIP) == api  # restarted where it was
    # a second failure reaches migration-threshold=2: the group moves away from that host
    assert wait_until(lambda: lab.running(host, API_SERVER), 10)
    assert kill_matching(lab, host, API_SERVER.encode())
    assert wait_until(lambda: lab.http_get(API_VIP) not in (None, api), 30), lab.hastack("status")
    out = lab.hastack("resource", "cleanup", "p_keystone", "--wait=60")
    assert "settled" in out, out
    assert fail_count(lab, api) == 0


def diagnostics(lab: Lab) -> str:
    """What the fencers and the power switch did (for a failure message)."""
    lines = []
    for i in range(1, lab.hosts + 1):
        log = lab.host_dir(i) / "hastackd.log"
        if log.exists():
            lines += [ln for ln in log.read_text().splitlines()
                      if any(w in ln for w in ("fenc", "revoked", "DC", "self-fence", "left"))]
    pdu = lab.directory / "pdu.log"
    return "\n".join(sorted(lines)[-30:]) + "\npower switch: " + (pdu.read_text() if pdu.exists() else "-")


def fail_count(lab: Lab, node: str) -> int:
    doc = cluster_status(lab)
    if doc is None:
        return -1
    attrs = next((n["attributes"] for n in doc["status"]["nodes"] if n["name"] == node), {})
    return sum(int(v) for k, v in attrs.items() if k.startswith("fail-count-p_keystone#"))


def test_standby_drains_a_node_and_online_lets_it_run_resources_again(lab: Lab, checker: Checker) -> None:
    _, db = both_served(lab)
    assert db is not None
    out = lab.hastack("node", "standby", db, "--wait=60")
    assert "settled" in out, out
    host = int(db[1:])
    assert not lab.net.has_address(host, DB_VIP) and not lab.net.has_address(host, API_VIP)
    assert not lab.running(host, DB_SERVER) and not lab.running(host, API_SERVER)
    _, db2 = both_served(lab)
    assert db2 not in (None, db) and promoted_on(lab) == [db2]
    out = lab.hastack("node", "online", db, "--wait=60")
    assert "settled" in out, out
    doc = cluster_status(lab)
    assert doc is not None and not next(n for n in doc["status"]["nodes"] if n["name"] == db)["standby"]


def test_killing_the_dc_elects_another_and_nothing_runs_twice(lab: Lab, checker: Checker) -> None:
    assert all(both_served(lab))
    dc = dc_host(lab)
    assert dc is not None
    lab.kill_hastackd(dc)  # its host resets (the lab's PID 1 does what a watchdog would)
    assert wait_until(lambda: (d := dc_host(lab)) is not None and d != dc, 20)
    api, db = both_served(lab)
    assert api is not None and db is not None, lab.hastack("status")
    assert holder(lab, API_VIP) is not None and holder(lab, DB_VIP) is not None
    assert wait_until(lambda: len(promoted_on(lab)) == 1, 20)


def test_a_partitioned_host_is_fenced_and_its_services_recovered_once(lab: Lab, checker: Checker) -> None:
    api, _ = both_served(lab)
    assert api is not None
    victim = int(api[1:])
    assert wait_until(lab.etcd_ready, 60, 0.5)  # the earlier reset host's etcd member is back
    lab.partition([victim], True)
    try:
        # the survivors fence it through the power switch (the switch is on their side) and take over
        assert wait_until(lambda: (h := holder(lab, API_VIP)) is not None and h != victim, 20), \
            lab.hastack("status", check=False) + diagnostics(lab)
        assert wait_until(lambda: lab.http_get(API_VIP) not in (None, api), 15)
    finally:
        lab.partition([victim], False)
    assert wait_until(lambda: f"h{victim}" in (cluster_status(lab) or {}).get("members", []), 30)
