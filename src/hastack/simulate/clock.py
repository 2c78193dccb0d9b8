"""Reading a point in time as the operator writes it: epoch seconds or ISO 8601.

`parse_time` is pure (no clock); the CLI is the only place that reads the
wall clock, and only when neither --time nor the CIB's execution-date says
what time it is.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

from hastack.errors import HastackError

_ORDINAL = re.compile(r"^(?P<y>\d{4})-(?P<d>\d{3})(?:[T ](?P<rest>.*))?$")
_HINT = ("give seconds since the epoch (1700000000) or ISO 8601: 2026-11-25T10:00:00Z, "
         "2026-11-25 10:00, 2026-330T10:00 (a time without a zone is UTC)")


def parse_time(text: str) -> int:
    """Epoch seconds for `text`; naive times are UTC (as crm_simulate's -t reads them)."""
    t = text.strip()
    if re.fullmatch(r"-?\d+", t):
        return int(t)
    m = _ORDINAL.match(t)
    if m:
        base = datetime(int(m.group("y")), 1, 1, tzinfo=timezone.utc) + timedelta(days=int(m.group("d")) - 1)
        rest = m.group("rest")
        if rest:
            try:
                tod = datetime.fromisoformat(f"{base.date().isoformat()}T{rest}")
            except ValueError:
                raise HastackError(f"invalid time {text!r}", hint=_HINT) from None
            base = tod if tod.tzinfo else tod.replace(tzinfo=timezone.utc)
        return int(base.timestamp())
    try:
        dt = datetime.fromisoformat(t)
    except ValueError:
        raise HastackError(f"invalid time {text!r}", hint=_HINT) from None
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=timezone.utc)
    return int(dt.timestamp())


def format_time(epoch: int) -> str:
    return datetime.fromtimestamp(epoch, tz=timezone.utc).strftime("%Y-%m-%d %H:%M:%SZ")
