"""Pacemaker's scheduler regression CIBs, through crm syntax and back.

Every configuration in shared/pacemaker-cases (imported with hastack.cib)
renders to crm text that parses back to the same configuration — except
what crm syntax cannot spell (crmsh regenerates these too): the ids of rule
expressions, and the boolean-op of a rule with a single expression.
"""

from __future__ import annotations

import dataclasses
import importlib
import os
from pathlib import Path

import pytest

from hastack.crm import canonical, parse, render
from hastack.model.config import DateExpression, Expression, Rule

CASES = sorted((Path(os.environ["HASTACK_SHARED"]) / "pacemaker-cases/xml").glob("*.xml"))


def _spellable(x: object) -> object:
    """x with what crm cannot spell normalised away."""
    if isinstance(x, (Expression, DateExpression)):
        return dataclasses.replace(x, id="-")
    if isinstance(x, Rule):
        return dataclasses.replace(x, expressions=tuple(_spellable(e) for e in x.expressions),
                                   boolean_op=x.boolean_op if len(x.expressions) > 1 else "and")
    if isinstance(x, tuple):
        return tuple(_spellable(i) for i in x)
    if dataclasses.is_dataclass(x) and not isinstance(x, type):
        return dataclasses.replace(x, **{f.name: _spellable(getattr(x, f.name))  # type: ignore[arg-type]
                                         for f in dataclasses.fields(x) if f.init and f.compare})
    return x


def test_every_regression_cib_survives_crm_round_trip() -> None:
    cib = importlib.import_module("hastack.cib")
    assert len(CASES) == 180, "shared/pacemaker-cases/xml should hold the 180 regression cases"
    exact = 0
    for path in CASES:
        config = canonical(cib.load_cib_file(str(path)).config)
        back = parse(render(config), path.name).config
        exact += back == config
        assert list(back.resources) == list(config.resources), path.name
        for key in config.resources:
            assert _spellable(back.resources[key]) == _spellable(config.resources[key]), (path.name, key)
        for field in ("nodes", "constraints", "properties", "rsc_defaults", "op_defaults", "fencing_topology", "tags"):
            assert _spellable(getattr(back, field)) == _spellable(getattr(config, field)), (path.name, field)
    assert exact >= 150, f"only {exact} of {len(CASES)} round-trip exactly"
