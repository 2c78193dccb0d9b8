"""Differential tests: hastack's scheduler against Pacemaker's own (crm_simulate 2.1.5).

Three kinds of test:

- `test_random_cluster_matches_pacemaker`: Hypothesis builds random clusters
  (tests/scheduler/cibgen.py), writes each as a CIB, and compares the sorted
  Transition Summary of crm_simulate (tests/oracle.py) with hastack's. In CI it has a fixed
  budget (100 examples, derandomized, no shrinking, so the same examples run
  every time), and a third as many under placement strategies with node capacities and
  resource utilization (`cibgen.with_utilization`). A generated cluster that is a recorded known failure (same XML
  as a case in found/ listed in known_failures.tsv) is not compared again here;
  its replay below keeps it honest.
- `test_found_case_replays`: every case saved under found/ (NAME.xml and the
  oracle's NAME.summary) must match — or, if listed in known_failures.tsv,
  must still differ (a fixed case has to be taken off the list).
- `test_found_summaries_are_pacemakers`: the stored summaries are still what
  crm_simulate says.

Exploring with a bigger budget and saving what disagrees:
    .venv/bin/python tests/scheduler/test_scheduler_differential.py --explore 500 [FEATURE]
(FEATURE: tickets, migration, node-attributes or resource-sets, see
test_scheduler_differential_features.py) writes each disagreement to found/ (XML + oracle summary) for triage
(`--reduce CIB.xml` shrinks one by deleting elements while it still disagrees;
`--shrink N [FEATURE]` lets Hypothesis find and shrink the first disagreement instead); add a
line to known_failures.tsv (NAME<TAB>reason) for those the scheduler cannot
match yet. Environment: HASTACK_DIFF_EXAMPLES overrides the CI budget;
HASTACK_DIFF_SAVE=1 makes the random test save every disagreement of its
budget to found/ (it still fails, listing them) instead of stopping at the first.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import tempfile
import traceback
import warnings
from pathlib import Path

import pytest
from hypothesis import HealthCheck, Phase, given, settings

HERE = Path(__file__).resolve().parent
if str(HERE) not in sys.path:
    sys.path.insert(0, str(HERE))
import cibgen  # noqa: E402  (a sibling module; tests run in importlib mode)

FOUND = HERE / "found"
PCMK_CRASHES = FOUND / "pacemaker-crashes"  # CIBs on which crm_simulate 2.1.5 itself aborts
PCMK_ASSERTION = "Triggered fatal assertion"
KNOWN = FOUND / "known_failures.tsv"
BUDGET = int(os.environ.get("HASTACK_DIFF_EXAMPLES", "100"))


# --- helpers --------------------------------------------------------------------------------

def _require_oracle() -> None:
    if cibgen.crm_simulate_path() is None:
        pytest.fail("Pacemaker's crm_simulate is needed for differential tests (apt-get install pacemaker-cli-utils)")


def _schedule_fn():  # type: ignore[no-untyped-def]
    from hastack.scheduler import schedule
    return schedule


def hastack_summary(xml: str, source: str) -> list[str]:
    """hastack's Transition Summary for a CIB document, sorted like `cibgen.run_oracle`."""
    from hastack.cib import parse_cib

    schedule = _schedule_fn()
    cib = parse_cib(xml, source)
    now = cib.state.execution_date if cib.state.execution_date is not None else cibgen.EXECUTION_DATE
    return sorted(schedule(cib.config, cib.state, now).summary)


def known_failures() -> dict[str, str]:
    if not KNOWN.exists():
        return {}
    out: dict[str, str] = {}
    for line in KNOWN.read_text().splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        name, _, reason = line.partition("\t")
        out[name.strip()] = reason.strip()
    return out


def found_cases() -> list[str]:
    return sorted(p.stem for p in FOUND.glob("*.xml")) if FOUND.exists() else []


def case_name(xml: str) -> str:
    return "rand-" + hashlib.sha1(xml.encode()).hexdigest()[:12]


def diff_text(oracle: list[str], ours: list[str]) -> str:
    only_o = [x for x in oracle if x not in ours]
    only_h = [x for x in ours if x not in oracle]
    return ("  only Pacemaker:\n" + "".join(f"    {x}\n" for x in only_o)
            + "  only hastack:\n" + "".join(f"    {x}\n" for x in only_h))


def compare(xml: str, name: str, directory: Path) -> tuple[list[str], list[str] | str]:
    """(oracle summary, hastack summary or the traceback of its crash); the XML is left in `directory`."""
    path = directory / f"{name}.xml"
    path.write_text(xml)
    oracle = cibgen.run_oracle(path)
    try:
        ours: list[str] | str = hastack_summary(xml, str(path))
    except Exception:  # a crash is a disagreement too, shown with its traceback
        ours = traceback.format_exc()
    return oracle, ours


def save_case(name: str, xml: str, oracle: list[str]) -> Path:
    FOUND.mkdir(exist_ok=True)
    (FOUND / f"{name}.xml").write_text(xml)
    (FOUND / f"{name}.summary").write_text("".join(f"{line}\n" for line in oracle))
    return FOUND / f"{name}.xml"


# --- the random differential test --------------------------------------------------------------

NEW_DISAGREEMENTS: list[str] = []


RANDOM_SETTINGS = dict(derandomize=True, deadline=None, database=None, phases=[Phase.explicit, Phase.generate],
                       suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                              HealthCheck.filter_too_much])


@settings(max_examples=BUDGET, **RANDOM_SETTINGS)  # type: ignore[arg-type]
@given(cibgen.scenarios())
def _check_random_cluster(scenario: cibgen.Scenario) -> None:
    check_scenario(scenario)


@settings(max_examples=max(BUDGET // 3, 1), **RANDOM_SETTINGS)  # type: ignore[arg-type]
@given(cibgen.with_utilization())
def _check_random_cluster_with_utilization(scenario: cibgen.Scenario) -> None:
    check_scenario(scenario)


def check_scenario(scenario: cibgen.Scenario) -> list[str]:
    """Fail unless hastack's summary is Pacemaker's (or save the case, with HASTACK_DIFF_SAVE=1);
    Pacemaker's summary, empty when nothing was compared (a known failure, a Pacemaker abort)."""
    xml = cibgen.to_cib_xml(scenario, cibgen.learn_digests())
    name = case_name(xml)
    if name in known_failures() and (FOUND / f"{name}.xml").exists():
        return []  # a recorded known failure: test_found_case_replays checks it still fails
    try:
        with tempfile.TemporaryDirectory(prefix="hastack-diff-") as d:
            oracle, ours = compare(xml, name, Path(d))
    except RuntimeError as err:
        if PCMK_ASSERTION not in str(err):
            raise
        kept = Path(tempfile.gettempdir()) / f"hastack-pcmk-crash-{name}.xml"
        kept.write_text(xml)
        warnings.warn(f"crm_simulate aborted on a generated CIB (a Pacemaker bug; nothing to compare): {kept}; "
                      f"keep it under {PCMK_CRASHES}", stacklevel=1)
        return []
    if ours == oracle:
        return oracle
    if os.environ.get("HASTACK_DIFF_SAVE") == "1":
        save_case(name, xml, oracle)  # triage: record every disagreement, fail once at the end
        NEW_DISAGREEMENTS.append(name)
        return oracle
    kept = Path(tempfile.gettempdir()) / f"hastack-diff-{name}.xml"
    kept.write_text(xml)
    detail = ours if isinstance(ours, str) else diff_text(oracle, ours)
    pytest.fail(f"hastack and Pacemaker disagree on {scenario.describe()}\n{detail}"
                f"CIB kept at {kept}; record it with: .venv/bin/python tests/scheduler/"
                f"test_scheduler_differential.py --save {kept} (or rerun with HASTACK_DIFF_SAVE=1 "
                "to record every disagreement of this budget)")


@pytest.mark.parametrize("check", [_check_random_cluster, _check_random_cluster_with_utilization],
                         ids=["plain", "utilization"])
def test_random_cluster_matches_pacemaker(check) -> None:  # type: ignore[no-untyped-def]
    """plain: the budget's clusters; utilization: a third as many, under placement strategies
    with capacities and utilization (cibgen.with_utilization)."""
    _require_oracle()
    _schedule_fn()
    NEW_DISAGREEMENTS.clear()
    check()
    assert not NEW_DISAGREEMENTS, (
        f"{len(NEW_DISAGREEMENTS)} new disagreements saved under {FOUND}: {', '.join(NEW_DISAGREEMENTS)}; "
        "list the ones the scheduler cannot match yet in known_failures.tsv with the reason")


# --- saved cases --------------------------------------------------------------------------------

@pytest.mark.parametrize("name", found_cases())
def test_found_case_replays(name: str) -> None:
    xml = (FOUND / f"{name}.xml").read_text()
    expected = sorted(line for line in (FOUND / f"{name}.summary").read_text().splitlines() if line.strip())
    try:
        ours: list[str] | str = hastack_summary(xml, str(FOUND / f"{name}.xml"))
    except Exception:
        ours = traceback.format_exc()
    reason = known_failures().get(name)
    if reason is not None:
        assert ours != expected, (f"{name} now matches Pacemaker: take it off known_failures.tsv "
                                  f"(it was listed as: {reason})")
    else:
        detail = ours if isinstance(ours, str) else diff_text(expected, ours)
        assert ours == expected, f"{name} differs from Pacemaker's summary:\n{detail}"


def _pcmk_crash_cases() -> list[str]:
    return sorted(p.stem for p in PCMK_CRASHES.glob("*.xml")) if PCMK_CRASHES.exists() else []


@pytest.mark.parametrize("name", _pcmk_crash_cases())
def test_pacemaker_aborts_where_hastack_answers(name: str) -> None:
    """crm_simulate 2.1.5 hits a fatal assertion on these (add_sort_index_to_node_weight, promotable
    clone with history but no allowed node); hastack must still answer. If a Pacemaker upgrade
    stops aborting, move the case to found/ with its summary."""
    _require_oracle()
    path = PCMK_CRASHES / f"{name}.xml"
    with tempfile.TemporaryDirectory() as d:
        r = subprocess.run([cibgen.crm_simulate_path() or "crm_simulate", "-x", str(path), "-R"], capture_output=True,
                           text=True, env=dict(os.environ, LC_ALL="C", CIB_shadow_dir=d), timeout=60)
    assert r.returncode != 0 and PCMK_ASSERTION in r.stderr, "crm_simulate no longer aborts on this CIB"
    summary = hastack_summary(path.read_text(), str(path))
    assert all(isinstance(line, str) and line for line in summary)


def test_known_failures_list_is_honest() -> None:
    cases = set(found_cases())
    for name, reason in known_failures().items():
        assert name in cases, f"known_failures.tsv names {name}, but found/{name}.xml does not exist"
        assert (FOUND / f"{name}.summary").exists(), f"found/{name}.summary is missing"
        assert reason, f"known_failures.tsv gives no reason for {name}"
    for name in cases:
        assert (FOUND / f"{name}.summary").exists(), f"found/{name}.xml has no .summary beside it"


@pytest.mark.parametrize("name", found_cases())
def test_found_summaries_are_pacemakers(name: str) -> None:
    _require_oracle()
    expected = sorted(line for line in (FOUND / f"{name}.summary").read_text().splitlines() if line.strip())
    assert cibgen.run_oracle(FOUND / f"{name}.xml") == expected


@settings(max_examples=10, derandomize=True, deadline=None, database=None, phases=[Phase.generate],
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(cibgen.scenarios())
def test_generator_writes_cibs_pacemaker_accepts(scenario: cibgen.Scenario) -> None:
    """The generator itself, without the scheduler: crm_simulate takes what it writes."""
    _require_oracle()
    with tempfile.TemporaryDirectory() as d:
        path = Path(d) / "cib.xml"
        path.write_text(cibgen.to_cib_xml(scenario, cibgen.learn_digests()))
        cibgen.run_oracle(path)  # raises with crm_simulate's complaint if it refuses the CIB


# --- exploration (not a test) ------------------------------------------------------------------

def _explore(count: int, feature: str | None = None) -> int:
    """Run `count` random (not derandomized) examples, of plain clusters or of one feature of
    cibgen_features; save every disagreement under found/."""
    from cibgen_features import FEATURES

    strategy = cibgen.scenarios() if feature is None else FEATURES[feature]()
    digests = cibgen.learn_digests()
    saved: list[str] = []
    seen = 0

    @settings(max_examples=count, deadline=None, database=None, phases=[Phase.generate],
              suppress_health_check=list(HealthCheck))
    @given(strategy)
    def run(scenario: cibgen.Scenario) -> None:
        nonlocal seen
        seen += 1
        xml = cibgen.to_cib_xml(scenario, digests)
        name = case_name(xml)
        with tempfile.TemporaryDirectory() as d:
            oracle, ours = compare(xml, name, Path(d))
        if ours != oracle:
            save_case(name, xml, oracle)
            saved.append(name)
            first = ours.strip().splitlines()[-1] if isinstance(ours, str) else diff_text(oracle, ours)
            print(f"{name}: {scenario.describe()}\n{first}", flush=True)

    run()
    print(f"{seen} examples, {len(saved)} disagreements saved under {FOUND}")
    return 0


def _shrink(count: int, feature: str | None = None) -> int:
    """Run up to `count` random examples until one disagrees, let Hypothesis shrink it to the
    smallest scenario that still disagrees (its own shrinking, which keeps the CIB one the
    generator could write, unlike --reduce), and save that one under found/. Recorded known
    failures count as agreeing, so a second run finds the next family."""
    from hypothesis import find
    from hypothesis.errors import NoSuchExample

    from cibgen_features import FEATURES

    strategy = cibgen.scenarios() if feature is None else FEATURES[feature]()
    digests = cibgen.learn_digests()
    known = known_failures()

    def disagrees(scenario: cibgen.Scenario) -> bool:
        xml = cibgen.to_cib_xml(scenario, digests)
        name = case_name(xml)
        if name in known:
            return False
        with tempfile.TemporaryDirectory() as d:
            try:
                oracle, ours = compare(xml, name, Path(d))
            except RuntimeError:
                return False  # Pacemaker refuses or aborts: nothing to compare
        return ours != oracle

    try:
        smallest = find(strategy, disagrees, settings=settings(max_examples=count, deadline=None, database=None,
                                                                suppress_health_check=list(HealthCheck)))
    except NoSuchExample:
        print(f"no disagreement in {count} examples")
        return 1
    xml = cibgen.to_cib_xml(smallest, digests)
    name = case_name(xml)
    with tempfile.TemporaryDirectory() as d:
        oracle, ours = compare(xml, name, Path(d))
    print(save_case(name, xml, oracle), smallest.describe())
    print(diff_text(oracle, ours) if isinstance(ours, list) else ours)
    return 0


def _reduce(path: str) -> int:
    """Delta-debug a disagreeing CIB: drop resources, constraints, history and nodes while the same
    kind of disagreement (decision or reason-only) remains; save the result under found/."""
    import re

    from lxml import etree

    def strip(line: str) -> str:
        return re.sub(r" (due to .*|blocked|'.*')$", "", line)

    def kind(xml: str) -> str | None:
        with tempfile.TemporaryDirectory() as d:
            try:
                oracle, ours = compare(xml, "reduce", Path(d))
            except RuntimeError:
                return None  # Pacemaker refuses the reduced CIB
        if isinstance(ours, str):
            return "crash"
        if ours == oracle:
            return None
        return "reason" if sorted(map(strip, ours)) == sorted(map(strip, oracle)) else "decision"

    xml = Path(path).read_text()
    target = kind(xml)
    if target is None:
        print("no disagreement in", path)
        return 1
    xpaths = ["//resources/*", "//resources//group/primitive", "//constraints/*", "//lrm_resource",
              "//transient_attributes//nvpair", "//nodes/node", "//node_state", "//meta_attributes/nvpair"]
    changed = True
    while changed:
        changed = False
        for xp in xpaths:
            i = 0
            while True:
                root = etree.fromstring(xml.encode())
                found = root.xpath(xp)
                if i >= len(found):
                    break
                el = found[i]
                el.getparent().remove(el)
                candidate = etree.tostring(root, encoding="unicode")
                if kind(candidate) == target:
                    xml, changed = candidate, True
                else:
                    i += 1
    name = case_name(xml)
    with tempfile.TemporaryDirectory() as d:
        oracle, ours = compare(xml, name, Path(d))
    print(save_case(name, xml, oracle))
    print(diff_text(oracle, ours) if isinstance(ours, list) else ours)
    return 0


def _save(path: str) -> int:
    xml = Path(path).read_text()
    name = case_name(xml)
    with tempfile.TemporaryDirectory() as d:
        oracle, _ = compare(xml, name, Path(d))
    print(save_case(name, xml, oracle))
    return 0


if __name__ == "__main__":
    if len(sys.argv) in (3, 4) and sys.argv[1] == "--explore":
        sys.exit(_explore(int(sys.argv[2]), *sys.argv[3:]))
    if len(sys.argv) in (3, 4) and sys.argv[1] == "--shrink":
        sys.exit(_shrink(int(sys.argv[2]), *sys.argv[3:]))
    if len(sys.argv) == 3 and sys.argv[1] == "--save":
        sys.exit(_save(sys.argv[2]))
    if len(sys.argv) == 3 and sys.argv[1] == "--reduce":
        sys.exit(_reduce(sys.argv[2]))
    print("usage: test_scheduler_differential.py --explore N [FEATURE] | --shrink N [FEATURE] | --save CIB.xml"
          " | --reduce CIB.xml",
          file=sys.stderr)
    sys.exit(2)
