"""Differential tests of extended-suite features: tickets, live migration, rules on node
attributes and resource sets (tests/scheduler/cibgen_features.py) against crm_simulate.

Each feature runs half the differential budget (50 examples in CI, a few seconds each), derandomized and
without shrinking like the plain run, through the same check (test_scheduler_differential.
_check_scenario): a disagreement fails, or with HASTACK_DIFF_SAVE=1 is saved under found/;
known failures listed in found/known_failures.tsv are skipped here and replayed there.
Besides agreeing, each run must have exercised its feature (a migration test whose budget
never migrates anything proves nothing); and the generator is checked to write each feature.

Exploring one feature with a bigger, random budget:
    .venv/bin/python tests/scheduler/test_scheduler_differential.py --explore 300 migration
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

HERE = Path(__file__).resolve().parent
if str(HERE) not in sys.path:
    sys.path.insert(0, str(HERE))
import cibgen  # noqa: E402  (sibling modules; tests run in importlib mode)
import test_scheduler_differential as diff  # noqa: E402
from cibgen_features import FEATURES  # noqa: E402

FEATURE_BUDGET = max(diff.BUDGET // 2, 1)

# What a feature's CIBs must contain, and what Pacemaker's answers over a budget must show
# at least once for the run to have exercised the feature.
WRITTEN = {"tickets": "<rsc_ticket ", "migration": 'name="allow-migrate" value="true"',
           "node-attributes": "<expression ", "resource-sets": "<resource_set "}
EXERCISED = {"migration": "Migrate "}


def _run_feature(name: str) -> list[list[str]]:
    """Check FEATURE_BUDGET scenarios of one feature; Pacemaker's summary of each, in order."""
    answers: list[list[str]] = []

    @settings(max_examples=FEATURE_BUDGET, **diff.RANDOM_SETTINGS)  # type: ignore[arg-type]
    @given(FEATURES[name]())
    def check(scenario: cibgen.Scenario) -> None:
        answers.append(diff.check_scenario(scenario))

    check()
    return answers


@pytest.mark.parametrize("name", sorted(FEATURES))
def test_feature_cluster_matches_pacemaker(name: str) -> None:
    diff._require_oracle()
    diff.NEW_DISAGREEMENTS.clear()
    answers = _run_feature(name)
    assert not diff.NEW_DISAGREEMENTS, (
        f"{len(diff.NEW_DISAGREEMENTS)} new disagreements saved under {diff.FOUND}: "
        f"{', '.join(diff.NEW_DISAGREEMENTS)}; list the ones the scheduler cannot match yet in known_failures.tsv")
    assert len(answers) == FEATURE_BUDGET
    if name in EXERCISED:
        assert any(EXERCISED[name] in line for summary in answers for line in summary), (
            f"no summary of the {name} budget mentions {EXERCISED[name]!r}: the generator no longer exercises it")


@pytest.mark.parametrize("name", sorted(FEATURES))
def test_feature_generator_writes_it(name: str) -> None:
    """Without the scheduler or crm_simulate: every drawn CIB has the feature in it."""
    @settings(max_examples=10, derandomize=True, deadline=None, database=None, phases=[Phase.generate],
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
    @given(FEATURES[name]())
    def check(scenario: cibgen.Scenario) -> None:
        xml = cibgen.to_cib_xml(scenario, {})
        if name == "resource-sets" and len(scenario.units) < 2:
            return  # one unit: nothing to put in a set
        assert WRITTEN[name] in xml

    check()


@settings(max_examples=5, derandomize=True, deadline=None, database=None, phases=[Phase.generate],
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(st.sampled_from(sorted(FEATURES)).flatmap(lambda name: FEATURES[name]()))
def test_feature_cibs_pacemaker_accepts(scenario: cibgen.Scenario) -> None:
    """crm_simulate takes what the feature strategies write (it raises with its complaint if not)."""
    diff._require_oracle()
    with tempfile.TemporaryDirectory() as d:
        path = Path(d) / "cib.xml"
        path.write_text(cibgen.to_cib_xml(scenario, cibgen.learn_digests()))
        cibgen.run_oracle(path)
