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
_ISO = re.compile(
    r"^P(?:(?P<y>\d+)Y)?(?:(?P<mo>\d+)M)?(?:(?P<w>\d+)W)?(?:(?P<d>\d+)D)?"
    r"(?:T(?:(?P<h>\d+)H)?(?:(?P<mi>\d+)M)?(?:(?P<s>\d+(?:\.\d+)?)S)?)?$"
)

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
    iso = _ISO.match(t.upper()) if t[:1] in ("p", "P") else None
    if iso and any(iso.groupdict().values()):
        g = {k: float(v) if v else 0.0 for k, v in iso.groupdict().items()}
        seconds = (g["y"] * 365 * 86400 + g["mo"] * 30 * 86400 + g["w"] * 7 * 86400 + g["d"] * 86400
                   + g["h"] * 3600 + g["mi"] * 60 + g["s"])
        return int(round(seconds * 1000))
    raise ValueSyntaxError(f"invalid duration {text!r}", hint=_HINT)


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
