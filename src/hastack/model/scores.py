"""Scores with Pacemaker's saturating arithmetic.

A score is a plain int in [-INFINITY, +INFINITY]. Pacemaker's rules
(pcmk__add_scores): -INFINITY absorbs everything (a ban always wins), then
+INFINITY absorbs finite values, and finite sums clamp at the bounds.
"""

from __future__ import annotations

import re

from hastack.errors import ValueSyntaxError

INFINITY = 1_000_000
MINUS_INFINITY = -INFINITY

_INF_WORDS = {"inf", "infinity"}


def clamp(value: int) -> int:
    return max(MINUS_INFINITY, min(INFINITY, value))


def add(a: int, b: int) -> int:
    if a <= MINUS_INFINITY or b <= MINUS_INFINITY:
        return MINUS_INFINITY
    if a >= INFINITY or b >= INFINITY:
        return INFINITY
    return clamp(a + b)


def total(*scores: int) -> int:
    result = 0
    for s in scores:
        result = add(result, s)
    return result


def parse(text: str) -> int:
    """Parse a score as crmsh and Pacemaker spell it.

    Accepts integers, inf/INFINITY with an optional sign, and crmsh's keywords
    mandatory (= INFINITY) and advisory (= 0). Out-of-range integers clamp.
    """
    t = text.strip()
    low = t.lower()
    sign = 1
    body = low
    if body[:1] in ("+", "-"):
        sign = -1 if body[0] == "-" else 1
        body = body[1:]
    if body in _INF_WORDS:
        return sign * INFINITY
    if low == "mandatory":
        return INFINITY
    if low == "advisory":
        return 0
    try:
        return clamp(int(t, 10))
    except ValueError:
        raise ValueSyntaxError(
            f"invalid score {text!r}",
            hint="a score is an integer or inf/-inf/INFINITY/-INFINITY (e.g. 100, -inf)",
        ) from None


def is_score(text: str) -> bool:
    try:
        parse(text)
    except ValueSyntaxError:
        return False
    return True


_LEADING_INTEGER = re.compile(r"\s*[+-]?\d+")


def is_option_number(text: str) -> bool:
    """Whether a cluster option of type integer reads (pcmk__valid_number): INFINITY, +INFINITY or
    -INFINITY as spelt, else a leading integer that fits 64 bits (strtoll; what follows the digits
    is only warned about). Pacemaker uses the option's default for anything else."""
    if text in ("INFINITY", "+INFINITY", "-INFINITY"):
        return True
    m = _LEADING_INTEGER.match(text)
    return m is not None and -(2**63) <= int(m.group()) < 2**63


def format(score: int) -> str:  # noqa: A001 - the natural name for the inverse of parse
    if score >= INFINITY:
        return "INFINITY"
    if score <= MINUS_INFINITY:
        return "-INFINITY"
    return str(score)


def format_crm(score: int) -> str:
    """The crm shell spelling: inf / -inf / integer."""
    if score >= INFINITY:
        return "inf"
    if score <= MINUS_INFINITY:
        return "-inf"
    return str(score)
