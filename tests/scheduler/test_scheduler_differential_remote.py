"""Remote and guest nodes against Pacemaker's own scheduler (crm_simulate 2.1.5), on seeded random clusters.

Each seed builds a small cluster (2-3 cluster nodes, 1-2 ocf:pacemaker:remote connections,
maybe a guest node with fillers, plain resources, a clone, a group, location constraints on
remote nodes, resource-discovery) and a status (connections up, down or failed, a container up,
down or failed, cluster nodes offline, remote nodes in standby, maintenance or shutting down,
fenced since their connection was up), writes it as a CIB and compares hastack's sorted
Transition Summary with crm_simulate's, and the cluster status shown before it (byte for byte).
The seeds are fixed, so every run compares the same clusters; KNOWN would list the seeds whose
disagreement is understood but not fixed yet.

    .venv/bin/python tests/scheduler/test_scheduler_differential_remote.py FIRST COUNT
explores more seeds and prints every disagreement.
"""

from __future__ import annotations

import itertools
import os
import random
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
for _dir in (HERE, HERE.parent):  # cibgen and the oracle it uses
    if str(_dir) not in sys.path:
        sys.path.insert(0, str(_dir))
import cibgen  # noqa: E402  (a sibling module; tests run in importlib mode)
from test_scheduler_unit_models import DUMMY, op, state  # noqa: E402

from hastack.cib import to_xml  # noqa: E402
from hastack.crm import parse  # noqa: E402
from hastack.model.config import Configuration  # noqa: E402
from hastack.model.state import ClusterState, NodeState, OpRecord, ResourceHistory  # noqa: E402
from hastack.model.values import AgentRef  # noqa: E402
from hastack.scheduler import schedule  # noqa: E402
from hastack.status import build_view, render_simulate  # noqa: E402

REMOTE = AgentRef("ocf", "remote", "pacemaker")
FENCE = AgentRef("stonith", "fence_dummy")
# 2000-2079 in every run, and each seed found to disagree beyond them (run this file as a script to search):
# 5014 on the summary, 3124 on the status (a clone whose only active instance is unmanaged on an
# offline guest node in maintenance is not listed)
SEEDS = [*range(2000, 2080), 3124, 5014]
KNOWN: dict[int, str] = {}  # seed -> why hastack still disagrees (a strict xfail: fixed, it must come off)


def _config(rng: random.Random) -> tuple[Configuration, dict[str, object]]:
    fencing = rng.random() < 0.7
    lines = [f"property stonith-enabled={'true' if fencing else 'false'}"]
    if fencing:
        lines.append("primitive fence stonith:fence_dummy")
    cluster = [f"n{i}" for i in range(1, rng.randint(2, 3) + 1)]
    lines += [f"node {n}" for n in cluster]
    remotes = [f"rem{i}" for i in range(1, rng.randint(1, 2) + 1)]
    for r in remotes:
        extra = " params reconnect_interval=60s" if rng.random() < 0.2 else ""
        extra += " meta target-role=Stopped" if rng.random() < 0.15 else ""
        lines.append(f"primitive {r} ocf:pacemaker:remote{extra} op monitor interval=30s")
    guests = ["g1"] if rng.random() < 0.6 else []
    if guests:
        lines.append("primitive vm1 ocf:pacemaker:Dummy meta remote-node=g1 op monitor interval=10s")
    rnodes = remotes + guests
    rscs = [f"r{i}" for i in range(1, rng.randint(2, 5) + 1)]
    fillers = set()
    for r in rscs:
        meta = ""
        if guests and rng.random() < 0.15:
            meta = " meta container=vm1"
            fillers.add(r)
        lines.append(f"primitive {r} ocf:pacemaker:Dummy{meta} op monitor interval=10s")
        if r not in fillers and rng.random() < 0.6:
            lines.append(f"location l-{r} {r} {rng.choice(['100', 'inf', '50'])}: {rng.choice(rnodes + cluster)}")
    if rng.random() < 0.2:
        lines.append(f"location disc {rscs[0]} resource-discovery=exclusive 0: {rng.choice(cluster + rnodes)}")
    clone = rng.random() < 0.4
    if clone:
        lines.append("primitive c ocf:pacemaker:Dummy op monitor interval=11s")
        lines.append("clone cl c" + (" meta interleave=true" if rng.random() < 0.5 else ""))
    group = rng.random() < 0.3
    if group:
        lines += ["primitive gA ocf:pacemaker:Dummy", "primitive gB ocf:pacemaker:Dummy", "group grp gA gB",
                  f"location l-grp grp 200: {rng.choice(rnodes)}"]
    if rng.random() < 0.2:
        lines.append(f"order o1 {rng.choice(remotes)} {rscs[-1]}")
    shape = dict(fencing=fencing, cluster=cluster, remotes=remotes, guests=guests, rscs=rscs, fillers=fillers,
                 clone=clone, group=group)
    return parse("\n".join(lines)).config, shape


def _status(rng: random.Random, shape: dict[str, object]) -> ClusterState:
    cluster: list[str] = shape["cluster"]  # type: ignore[assignment]
    remotes: list[str] = shape["remotes"]  # type: ignore[assignment]
    guests: list[str] = shape["guests"]  # type: ignore[assignment]
    rnodes = remotes + guests
    online = {n: rng.random() < 0.85 for n in cluster}
    online[cluster[0]] = online[cluster[0]] or not any(online.values())
    hist: dict[str, list[ResourceHistory]] = {n: [] for n in cluster + rnodes}
    call = itertools.count(11).__next__  # call ids in the order the operations are written

    def ran(rid: str, agent: AgentRef, interval: int, failed: bool = False) -> ResourceHistory:
        ops: tuple[OpRecord, ...] = (op("start", call=call()),)
        if interval:
            ops += (op("monitor", rc=1 if failed else 0, call=call(), interval=interval),)
        return ResourceHistory(rid, agent, ops)

    if shape["fencing"]:
        hist[rng.choice(cluster)].append(ran("fence", FENCE, 0))
    for r in remotes:
        kind = rng.choice(["up", "up", "up", "down", "failed"])
        if kind != "down":
            hist[rng.choice(cluster)].append(ran(r, REMOTE, 30_000, kind == "failed"))
    if guests:
        kind = rng.choice(["up", "up", "down", "failed"])
        host = rng.choice(cluster)
        if kind != "down":
            hist[host].append(ran("vm1", DUMMY, 10_000, kind == "failed"))
            hist[host].append(ran("g1", REMOTE, 0))
            hist[host] += [ran(r, DUMMY, 0) for r in sorted(shape["fillers"]) if rng.random() < 0.7]  # type: ignore
    for r in shape["rscs"]:  # type: ignore[attr-defined]
        where = rng.choice(cluster + rnodes + [None, None])
        if r not in shape["fillers"] and where is not None:  # type: ignore[operator]
            hist[where].append(ran(r, DUMMY, 10_000, rng.random() < 0.15))
    if shape["clone"]:
        for n in cluster + rnodes:
            if rng.random() < 0.5:
                hist[n].append(ran("c", DUMMY, 0))
    if shape["group"] and rng.random() < 0.5:
        w = rng.choice(rnodes)
        hist[w] += [ran("gA", DUMMY, 0), ran("gB", DUMMY, 0)]
    nodes = [NodeState(id=n, uname=n, in_ccm="true" if online[n] else "false",
                       crmd="online" if online[n] else "offline", join="member" if online[n] else "down",
                       expected="member", resources=tuple(hist[n])) for n in cluster]
    for n in rnodes:
        if rng.random() < 0.85:
            x = rng.random()
            attrs = {"standby": "on"} if x < 0.07 else {"maintenance": "true"} if x < 0.12 else \
                {"shutdown": "1234"} if x < 0.17 else {}
            extra = (("remote_node", "true"),) + ((("node_fenced", "1"),) if rng.random() < 0.1 else ())
            nodes.append(NodeState(id=n, uname=n, in_ccm="true", resources=tuple(hist[n]), extra=extra,
                                   attributes=attrs))
    return state(*nodes)


def cluster(seed: int) -> tuple[Configuration, ClusterState]:
    rng = random.Random(seed)
    cfg, shape = _config(rng)
    return cfg, _status(rng, shape)


def compare(seed: int) -> tuple[list[str], list[str]]:
    """(Pacemaker's, hastack's) sorted Transition Summary of a seed's cluster."""
    cfg, st = cluster(seed)
    with tempfile.NamedTemporaryFile("w", suffix=".xml") as f:
        f.write(to_xml(cfg, st))
        f.flush()
        theirs = cibgen.run_oracle(f.name)
    return theirs, sorted(schedule(cfg, st, 0).summary)


@pytest.mark.parametrize("seed", [pytest.param(s, marks=pytest.mark.xfail(reason=KNOWN[s], strict=True))
                                  if s in KNOWN else s for s in SEEDS])
def test_remote_cluster_matches_pacemaker(seed: int) -> None:
    if cibgen.crm_simulate_path() is None:
        pytest.fail("Pacemaker's crm_simulate is needed for differential tests (apt-get install pacemaker-cli-utils)")
    theirs, ours = compare(seed)
    assert ours == theirs, (f"seed {seed}: only Pacemaker: {[x for x in theirs if x not in ours]}, "
                            f"only hastack: {[x for x in ours if x not in theirs]}")


def _their_status(cib_xml: str) -> str:
    """crm_simulate's "Current cluster status" block for a CIB."""
    with tempfile.TemporaryDirectory(prefix="oracle.") as scratch:
        path = Path(scratch) / "cib.xml"
        path.write_text(cib_xml)
        run = subprocess.run([cibgen.crm_simulate_path() or "crm_simulate", "-x", str(path)], capture_output=True,
                             text=True, timeout=60, env=dict(os.environ, LC_ALL="C", CIB_shadow_dir=scratch))
    return run.stdout[run.stdout.index("Current cluster status:"):].rstrip("\n")


@pytest.mark.parametrize("seed", SEEDS)
def test_remote_cluster_status_matches_crm_simulate(seed: int) -> None:
    """The status shown before the decision: remote and guest nodes listed as crm_simulate lists them."""
    if cibgen.crm_simulate_path() is None:
        pytest.fail("Pacemaker's crm_simulate is needed for differential tests (apt-get install pacemaker-cli-utils)")
    cfg, st = cluster(seed)
    assert render_simulate(build_view(cfg, st, 0)).rstrip("\n") == _their_status(to_xml(cfg, st))


if __name__ == "__main__":
    first, count = int(sys.argv[1]), int(sys.argv[2])
    for s in range(first, first + count):
        want, got = compare(s)
        if want != got:
            print(s, "only Pacemaker:", [x for x in want if x not in got], "only hastack:", [x for x in got if x not in want])
