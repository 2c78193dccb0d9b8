"""Pacemaker's scheduler regression CIBs, through crm syntax and back.

Every configuration of the vendored regression cases (tests/data/pacemaker/cases, imported with hastack.cib)
renders to crm text that parses back to the same configuration — except
what crm syntax cannot spell (crmsh regenerates these too): the ids of rule
expressions, the boolean-op of a rule with a single expression, and a rule
without a score (crm text without one means INFINITY; `0:` says what Pacemaker
reads).
"""

from __future__ import annotations

import functools
import importlib
from pathlib import Path

import pytest

from crm_spellable import spellable

from hastack.crm import canonical, parse, render
from hastack.model.config import Configuration
from testdata import PACEMAKER_CASES

CASES = sorted((PACEMAKER_CASES / "xml").glob("*.xml"))


@functools.lru_cache(maxsize=None)
def round_trip(path: Path) -> tuple[Configuration, Configuration]:
    """(the case's configuration, canonical; the same rendered to crm and parsed back)."""
    cib = importlib.import_module("hastack.cib")
    config = canonical(cib.load_cib_file(str(path)).config)
    return config, parse(render(config), path.name).config


def test_the_regression_cases_are_there() -> None:
    assert len(CASES) == 180, f"{PACEMAKER_CASES}/xml should hold the 180 regression cases"


@pytest.mark.parametrize("path", CASES, ids=lambda p: p.stem)
def test_regression_cib_survives_crm_round_trip(path: Path) -> None:
    config, back = round_trip(path)
    assert list(back.resources) == list(config.resources)
    for key in config.resources:
        assert spellable(back.resources[key]) == spellable(config.resources[key]), key
    for field in ("nodes", "constraints", "properties", "rsc_defaults", "op_defaults", "fencing_topology", "tags"):
        assert spellable(getattr(back, field)) == spellable(getattr(config, field)), field


def test_most_regression_cibs_round_trip_exactly() -> None:
    exact = sum(back == config for config, back in map(round_trip, CASES))
    assert exact >= 150, f"only {exact} of {len(CASES)} round-trip exactly"
