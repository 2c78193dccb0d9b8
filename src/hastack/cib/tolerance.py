"""What Pacemaker 2.1.5 does with a malformed value in a running cluster's CIB.

A configuration being loaded is refused when a value does not parse. A CIB read
from a running cluster (`hastack simulate cib.xml`) is already in effect there:
Pacemaker's scheduler does not refuse it but logs a configuration error and
uses a default, and hastack must decide as it does. Each `Tolerance` says what
value Pacemaker uses instead and whether the CIB schema lets the value through
at all: with `validate-with` naming a schema, crm_simulate and the CIB manager
refuse a document the schema refuses, so only `validate-with="none"` brings such
a value to the scheduler.

Imports nothing of hastack but the model.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Generic, TypeVar

from hastack.model import scores

T = TypeVar("T")

# CRM_DEFAULT_OP_TIMEOUT_S: unpack_timeout() uses it for a timeout crm_get_msec cannot read.
DEFAULT_OP_TIMEOUT_MS = 20_000

_LEADING_INTEGER = re.compile(r"\s*([+-]?\d+)")


@dataclass(frozen=True)
class Tolerance(Generic[T]):
    """Pacemaker's reading of a value it cannot parse."""

    instead: Callable[[str], T]  # the value Pacemaker uses, given the text
    says: str  # what Pacemaker does, for the warning ("uses 0", "resets it to Mandatory")
    schema_admits: bool  # the schema's type for the attribute is text: nothing refuses it before the scheduler


def pacemaker_score(text: str) -> int:
    """char2score's reading of a word that is not INFINITY: strtoll's leading integer (clipped), else 0."""
    m = _LEADING_INTEGER.match(text)
    return scores.clamp(int(m.group(1))) if m else 0


SCORE: Tolerance[int] = Tolerance(pacemaker_score, "reads the leading integer, or 0 when there is none "
                                  "(char2score)", schema_admits=False)
# crm_parse_interval_spec: "Using 0 instead of '10x'" -- the operation becomes a one-off (interval 0).
INTERVAL: Tolerance[int] = Tolerance(lambda _text: 0, "uses interval 0 (crm_parse_interval_spec)", schema_admits=True)
TIMEOUT: Tolerance[int] = Tolerance(lambda _text: DEFAULT_OP_TIMEOUT_MS, "uses the default timeout, 20s "
                                    "(unpack_timeout)", schema_admits=True)
# get_ordering_type: "Resetting 'kind' for constraint ... to 'Mandatory' because ... is not valid".
ORDER_KIND: Tolerance[str] = Tolerance(lambda _text: "Mandatory", "resets it to Mandatory (get_ordering_type)",
                                       schema_admits=False)
# pe_eval_rules: only "or" (any case) makes a rule disjunctive; any other word is "and", silently.
BOOLEAN_OP: Tolerance[str] = Tolerance(lambda _text: "and", "reads any word but 'or' as 'and' (pe_test_rule)",
                                       schema_admits=False)
# unpack_influence: "Constraint ... has invalid value for influence (using default)" -- the default
# being the dependent's critical meta-attribute. The schema's influence is text.
INFLUENCE: Tolerance[bool | None] = Tolerance(lambda _text: None, "uses the default, the dependent's critical "
                                              "meta-attribute (unpack_influence)", schema_admits=True)
