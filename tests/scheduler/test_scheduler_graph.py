"""The action graph: hastack's scheduled actions against crm_simulate's `-G` transition graph.

For every regression case (all 180, no sampling: crm_simulate runs in a thread pool and the whole
module takes about 10 s with the random clusters), the executable actions must be the same set of (task, resource, node,
interval): hastack's Transition.actions that are required, runnable and not pseudo, against the
graph's rsc_op and crm_event elements (a clone instance named as in internal_operation_key, the
interval from CRM_meta_interval; a notification's task is TYPE_notify_OPERATION, e.g.
pre_notify_start, as its CRM_meta_notify_type and _operation say). Cancels and notifications are
compared like every other action; outside the comparison, because hastack's Transition does not
model them: delete, clear_failcount and probe_again actions.

Each recurring monitor that both schedule must also wait (`after`) for what the graph makes it wait
for among the resource's own start, promote and demote on that node; and every executable action
both hold must carry what the graph gives the executor (operation key, parameters, CRM_meta_*).

KNOWN lists the cases where the action sets still differ, with the reason; the list is strict
(a listed case that agrees fails, asking for its removal). It is empty. Nothing is cached between runs.

The same comparison runs on 60 random clusters from the differential generator (cibgen.py,
derandomized, a few seconds); none may differ.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings

from hastack.cib import load_cib_file, parse_cib
from hastack.scheduler import Action, Transition, schedule
from testdata import PACEMAKER_CASES

HERE = Path(__file__).resolve().parent
if str(HERE) not in sys.path:
    sys.path.insert(0, str(HERE))
import cibgen  # noqa: E402  (a sibling module; tests run in importlib mode)

CASES = PACEMAKER_CASES
NOT_MODELLED = {"delete", "clear_failcount", "probe_again"}
ESTABLISHING = {"start", "promote", "demote"}

Key = tuple[str, str | None, str | None, int]  # task, resource (instance), node, interval in ms
# per executable rsc_op: the graph's operation_key, CRM_meta_* values (without the prefix), parameters
Details = dict[Key, tuple[str, dict[str, str], dict[str, str]]]
Graph = tuple[set[Key], dict[Key, set[Key]], Details]

KNOWN: dict[str, str] = {}


def case_names() -> list[str]:
    lines = (CASES / "INDEX.tsv").read_text().splitlines()[1:]
    return [ln.split("\t")[0] for ln in lines if ln.strip()]


def _graph_actions(root: ET.Element) -> Iterator[tuple[str, ET.Element, Key]]:
    """(graph id, element, key) of every executable action in a transition graph."""
    for el in root.iter():
        if el.tag == "rsc_op":
            prim = el.find("primitive")
            attrs = el.find("attributes")
            # the scheduler's instance name is in internal_operation_key (RSC_TASK_INTERVAL); the
            # primitive's long-id is the name the node's history uses for that instance
            internal = el.get("internal_operation_key")
            task = el.get("operation", "")
            if task == "notify" and attrs is not None:
                # one per instance, node, pre/post and notified action: the key tells them apart
                task = f"{attrs.get('CRM_meta_notify_type')}_notify_{attrs.get('CRM_meta_notify_operation')}"
                rsc: str | None = (internal or el.get("operation_key", "")).rsplit(f"_{task}_", 1)[0]
            elif internal and task not in NOT_MODELLED:
                rsc = internal.rsplit("_", 2)[0]
            else:
                rsc = (prim.get("long-id") or prim.get("id")) if prim is not None else None
            interval = int(attrs.get("CRM_meta_interval", "0")) if attrs is not None else 0
            yield el.get("id", ""), el, (task, rsc, el.get("on_node"), interval)
        elif el.tag == "crm_event":
            yield el.get("id", ""), el, (el.get("operation", ""), None, el.get("on_node"), 0)


def pacemaker_graph(name: str, work: str) -> Graph:
    """crm_simulate's executable actions for a case, and for each recurring monitor the start,
    promote and demote actions it waits for."""
    graph = crm_simulate_graph(CASES / "xml" / f"{name}.xml", Path(work) / f"{name}.graph.xml", work)
    assert graph is not None, f"crm_simulate wrote no graph for {name}"
    return graph


def crm_simulate_graph(cib: Path, out: Path, work: str) -> Graph | None:
    env = dict(os.environ, LC_ALL="C", CIB_shadow_dir=work)
    run = subprocess.run(["crm_simulate", "-x", str(cib), "-S", "-G", str(out)],
                         capture_output=True, env=env, timeout=120)
    if run.returncode != 0 or not out.exists():
        return None
    root = ET.parse(out).getroot()
    # an action is described in its own synapse's action_set; inputs name it by id only
    keys = {gid: key for action_set in root.iter("action_set") for gid, _, key in _graph_actions(action_set)}
    actions = {key for key in keys.values() if key[0] not in NOT_MODELLED}
    waits: dict[Key, set[Key]] = {}
    for synapse in root.findall("synapse"):
        action_set = synapse.find("action_set")
        inputs = synapse.find("inputs")
        if action_set is None or inputs is None:
            continue
        for _, _, key in _graph_actions(action_set):
            if key[0] != "monitor" or not key[3]:
                continue
            before = {keys[gid] for gid, _, _ in _graph_actions(inputs) if gid in keys}
            waits[key] = {b for b in before if b[0] in ESTABLISHING and b[1] == key[1] and b[2] == key[2]}
    details: Details = {}
    for action_set in root.iter("action_set"):
        for _, el, key in _graph_actions(action_set):
            attrs = el.find("attributes")
            if el.tag != "rsc_op" or attrs is None:
                continue
            values = {k: v for k, v in attrs.attrib.items() if k != "crm_feature_set"}
            details[key] = (el.get("operation_key", ""),
                            {k[len("CRM_meta_"):]: v for k, v in values.items() if k.startswith("CRM_meta_")},
                            {k: v for k, v in values.items() if not k.startswith("CRM_meta_")})
    return actions, waits, details


def hastack_graph(name: str) -> tuple[set[Key], dict[Key, set[Key]]]:
    cib = load_cib_file(CASES / "xml" / f"{name}.xml")
    return transition_graph(schedule(cib.config, cib.state, cib.state.execution_date or 0))


def transition_graph(t: Transition) -> tuple[set[Key], dict[Key, set[Key]]]:
    """A Transition's executable actions, and for each recurring monitor the actions it waits for."""
    by_id = {a.id: a for a in t.actions}
    live = [a for a in t.actions if not a.optional and a.runnable and not a.pseudo]
    actions = {_key(a) for a in live}
    waits = {_key(a): {_key(b) for b in map(by_id.__getitem__, a.after)}
             for a in live if a.task == "monitor" and a.interval_ms}
    return actions, waits


def _key(a: Action) -> Key:
    task = a.task
    if task == "notify" and not a.pseudo:
        task = f"{a.meta.get('notify_type')}_notify_{a.meta.get('notify_operation')}"
    return task, a.rsc, a.node, a.interval_ms


@pytest.fixture(scope="module")
def graphs() -> dict[str, Graph]:
    if shutil.which("crm_simulate") is None:
        pytest.fail("crm_simulate is not installed (Debian: pacemaker-cli-utils) (./run test installs it)")
    names = case_names()
    with tempfile.TemporaryDirectory(prefix="graph-") as work, \
            ThreadPoolExecutor(max_workers=max(2, os.cpu_count() or 1)) as pool:
        return dict(zip(names, pool.map(lambda n: pacemaker_graph(n, work), names)))


def test_known_list_names_real_cases() -> None:
    names = set(case_names())
    assert len(names) == 180
    assert set(KNOWN) <= names


@pytest.mark.parametrize("name", case_names(), ids=str)
def test_actions_match_crm_simulate_graph(graphs: dict[str, Graph], name: str) -> None:
    theirs = graphs[name][0]
    ours = hastack_graph(name)[0]
    if name in KNOWN:
        assert ours != theirs, f"{name} now agrees with crm_simulate's graph: remove it from KNOWN"
    else:
        assert ours == theirs, (f"only crm_simulate {sorted(theirs - ours, key=str)} "
                                f"only hastack {sorted(ours - theirs, key=str)}")


@pytest.mark.parametrize("name", case_names(), ids=str)
def test_monitors_wait_for_what_establishes_their_role(graphs: dict[str, Graph], name: str) -> None:
    _, our_waits = hastack_graph(name)
    problems = [f"{mon} does not wait for {sorted(needed - our_waits[mon], key=str)}"
                for mon, needed in graphs[name][1].items() if mon in our_waits and not needed <= our_waits[mon]]
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("name", case_names(), ids=str)
def test_what_executors_are_given_matches_crm_simulate_graph(graphs: dict[str, Graph], name: str) -> None:
    """Every executable action both graphs hold carries Pacemaker's operation key, parameters and
    CRM_meta_* values (expected rc, timeout, clone and notify variables ...), and target_rc and
    timeout_ms agree with them. Two values cannot be compared: CRM_meta_enabled="true" (the
    configuration model keeps only a disabled op's flag) and a start delay computed from an
    interval-origin in a CIB without execution-date (crm_simulate then uses its own clock)."""
    theirs = graphs[name][2]
    cib = load_cib_file(CASES / "xml" / f"{name}.xml")
    t = schedule(cib.config, cib.state, cib.state.execution_date or 0)
    problems = []
    for a in t.actions:
        key = _key(a)
        if a.optional or not a.runnable or a.pseudo or key not in theirs:
            continue
        op_key, meta, params = theirs[key]
        ours = dict(a.meta)
        if meta.get("enabled") == "true":
            ours.setdefault("enabled", "true")
        if cib.state.execution_date is None and "interval_origin" in meta:
            ours["start_delay"] = meta.get("start_delay", "")
        wrong = [f"key {a.key!r} (Pacemaker {op_key!r})"] if a.key != op_key else []
        wrong += [f"meta {k}={ours.get(k)!r} (Pacemaker {meta.get(k)!r})"
                  for k in sorted(set(meta) | set(ours)) if meta.get(k) != ours.get(k)]
        if dict(a.params) != params:
            wrong.append(f"params {dict(a.params)} (Pacemaker {params})")
        if a.target_rc != int(meta.get("op_target_rc", "0")) or str(a.timeout_ms) != meta.get("timeout"):
            wrong.append(f"target_rc {a.target_rc} timeout_ms {a.timeout_ms}")
        if wrong:
            problems.append(f"{key}: " + "; ".join(wrong))
    assert not problems, "\n".join(problems)


def test_executor_details_are_compared_on_every_executable_action(graphs: dict[str, Graph]) -> None:
    """The comparison above is not vacuous: the graphs hold this many executable rsc_ops."""
    assert sum(len(g[2]) for g in graphs.values()) > 1300


@settings(max_examples=60, derandomize=True, deadline=None, database=None,
          suppress_health_check=list(HealthCheck))
@given(cibgen.scenarios(max_nodes=5, max_prims=12))
def test_random_clusters_match_crm_simulate_graph(scenario: cibgen.Scenario) -> None:
    if shutil.which("crm_simulate") is None:
        pytest.fail("crm_simulate is not installed (Debian: pacemaker-cli-utils) (./run test installs it)")
    xml = cibgen.to_cib_xml(scenario, cibgen.learn_digests())
    with tempfile.TemporaryDirectory(prefix="graph-") as work:
        src = Path(work) / "cib.xml"
        src.write_text(xml)
        theirs = crm_simulate_graph(src, Path(work) / "graph.xml", work)
    if theirs is None:
        return  # an input crm_simulate rejects says nothing about the graph
    cib = parse_cib(xml)
    ours = transition_graph(schedule(cib.config, cib.state, cib.state.execution_date or 0))
    assert ours[0] == theirs[0], (f"only crm_simulate {sorted(theirs[0] - ours[0], key=str)} "
                                  f"only hastack {sorted(ours[0] - theirs[0], key=str)}")
    for mon, needed in theirs[1].items():
        if mon in ours[1]:
            assert needed <= ours[1][mon], f"{mon} does not wait for {sorted(needed - ours[1][mon], key=str)}"
