"""Durations as Pacemaker reads them, in milliseconds.

`30s`, `1min`, `5m`, `2h`, `500ms`, `PT30S` (ISO 8601), and a bare number,
which Pacemaker reads as seconds (crm_get_msec) for op timeouts/intervals
and cluster properties.
"""

from __future__ import annotations

import re

from hastack.errors import ValueSyntaxError

_UNITS_MS: dict[str, float] = {
    "": 1000, "s": 1000, "sec": 1000, "secs": 1000,
    "ms": 1, "msec": 1, "msecs": 1,
    "us": 0.001, "usec": 0.001, "usecs": 0.001,
    "m": 60_000, "min": 60_000, "mins": 60_000,
    "h": 3_600_000, "hr": 3_600_000, "hrs": 3_600_000,
}
_PLAIN = re.compile(r"^\s*(\d+)\s*([a-zA-Z]*)\s*$")
_ISO_PART = re.compile(r"T|(\d+(?:\.\d+)?)([YMWDHS])")
# seconds per ISO 8601 unit; M is months before the T and minutes after it
_ISO_SECONDS = {"Y": 365 * 86400, "W": 7 * 86400, "D": 86400, "H": 3600, "S": 1}

_HINT = "write a number with a unit: 500ms, 30s, 1min, 2h, or ISO 8601 like PT30S"


def parse_ms(text: str) -> int:
    """Parse a duration into milliseconds; raises ValueSyntaxError if malformed."""
    t = text.strip()
    m = _PLAIN.match(t)
    if m:
        unit = m.group(2).lower()
        if unit not in _UNITS_MS:
            raise ValueSyntaxError(f"invalid duration {text!r}: unknown unit {m.group(2)!r}", hint=_HINT)
        return int(int(m.group(1)) * _UNITS_MS[unit])
    seconds = _iso_seconds(t.upper()) if t[:1] in ("p", "P") else None
    if seconds is not None:
        return int(round(seconds * 1000))
    raise ValueSyntaxError(f"invalid duration {text!r}", hint=_HINT)


def _iso_seconds(text: str) -> float | None:
    """An ISO 8601 duration read as Pacemaker's crm_time_parse_duration reads it: amounts with
    units in any order, the T only telling minutes from months (so P10S is ten seconds)."""
    pos, total, in_time, amounts = 1, 0.0, False, 0
    while pos < len(text):
        m = _ISO_PART.match(text, pos)
        if m is None:
            return None
        pos = m.end()
        if m.group(0) == "T":
            in_time = True
            continue
        value, unit = float(m.group(1)), m.group(2)
        total += value * (60 if in_time else 30 * 86400) if unit == "M" else value * _ISO_SECONDS[unit]
        amounts += 1
    return total if amounts else None


def is_duration(text: str) -> bool:
    try:
        parse_ms(text)
    except ValueSyntaxError:
        return False
    return True


def format_ms(ms: int) -> str:
    """Shortest exact spelling: 0, 500ms, 30s, 5min, 2h."""
    if ms == 0:
        return "0"
    if ms % 3_600_000 == 0:
        return f"{ms // 3_600_000}h"
    if ms % 60_000 == 0:
        return f"{ms // 60_000}min"
    if ms % 1000 == 0:
        return f"{ms // 1000}s"
    return f"{ms}ms"


def parse_ms_or(text: str | None, default: int) -> int:
    """A duration Pacemaker tolerates when it is wrong (a cluster property, an op's timeout):
    unset or unreadable -- too long for a number too -- it is the default."""
    if text is None:
        return default
    try:
        return parse_ms(text)
    except (ValueSyntaxError, OverflowError):
        return default
