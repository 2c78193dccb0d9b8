"""What the tier's clients saw, judged: error windows per client, and whether an acknowledged write was lost.

Pure: events in (lab.tierload's JSON lines), verdicts out; no I/O, no clock.

The rule is Jepsen's for a set: a write the server acknowledged (COMMIT returned / the broker confirmed)
must be in the final state exactly once; a write whose outcome the client did not learn (an error, a
timeout, a dropped connection) may be there once or not at all; nothing may be there that no client
wrote, and nothing twice -- each id is written by one attempt only, so a second copy is the system's.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Event:
    t: float  # wall clock, seconds
    kind: str  # mysql-write | mysql-read | amqp | http
    id: int
    ok: bool
    err: str = ""


def parse_events(lines: Iterable[str]) -> list[Event]:
    """The client's JSON lines (a line cut short by the client's death is skipped)."""
    out = []
    for line in lines:
        try:
            d = json.loads(line)
            out.append(Event(float(d["t"]), str(d["kind"]), int(d["id"]), bool(d["ok"]), str(d.get("err", ""))))
        except (ValueError, KeyError, TypeError):
            continue
    return out


@dataclass(frozen=True)
class Outage:
    kind: str
    first_error: float  # time of the first failed operation
    back: float | None  # time of the next success (None: never, within the events)
    failed: int
    sample_error: str

    @property
    def seconds(self) -> float | None:
        return None if self.back is None else self.back - self.first_error


def outages(events: Iterable[Event], kind: str) -> list[Outage]:
    """Each run of failed operations of `kind`, from its first failure to the next success."""
    out: list[Outage] = []
    run: list[Event] = []
    for e in sorted((e for e in events if e.kind == kind), key=lambda e: e.t):
        if not e.ok:
            run.append(e)
        elif run:
            out.append(Outage(kind, run[0].t, e.t, len(run), run[0].err))
            run = []
    if run:
        out.append(Outage(kind, run[0].t, None, len(run), run[0].err))
    return out


@dataclass(frozen=True)
class Verdict:
    kind: str  # mysql | amqp
    acknowledged: int
    indeterminate: int
    present: int  # distinct ids in the final state
    lost: tuple[int, ...]  # acknowledged, absent
    duplicated: tuple[int, ...]  # present more than once
    unexpected: tuple[int, ...]  # present, never attempted
    indeterminate_present: int = 0  # of the indeterminate ones, how many did happen

    @property
    def ok(self) -> bool:
        return not (self.lost or self.duplicated or self.unexpected)

    def sentence(self) -> str:
        head = (f"{self.kind}: {self.acknowledged} acknowledged, all present exactly once" if self.ok else
                f"{self.kind}: {self.acknowledged} acknowledged; LOST {len(self.lost)} {list(self.lost[:10])}, "
                f"DUPLICATED {len(self.duplicated)} {list(self.duplicated[:10])}, "
                f"UNEXPECTED {len(self.unexpected)} {list(self.unexpected[:10])}")
        return (f"{head}; {self.indeterminate} indeterminate ({self.indeterminate_present} of them applied), "
                f"{self.present} distinct ids in the final state")


@dataclass(frozen=True)
class Attempts:
    acknowledged: frozenset[int] = field(default_factory=frozenset)
    indeterminate: frozenset[int] = field(default_factory=frozenset)


def attempts(events: Iterable[Event], kind: str) -> Attempts:
    """The ids of `kind` writes the server acknowledged, and those whose outcome the client never learned."""
    acked = {e.id for e in events if e.kind == kind and e.ok}
    tried = {e.id for e in events if e.kind == kind}
    return Attempts(frozenset(acked), frozenset(tried - acked))


def judge(kind: str, tried: Attempts, final: Mapping[int, int]) -> Verdict:
    """Compare what the clients were told with the final state (`final`: id -> copies)."""
    present = {k for k, n in final.items() if n > 0}
    return Verdict(kind=kind, acknowledged=len(tried.acknowledged), indeterminate=len(tried.indeterminate),
                   present=len(present), lost=tuple(sorted(tried.acknowledged - present)),
                   duplicated=tuple(sorted(k for k, n in final.items() if n > 1)),
                   unexpected=tuple(sorted(present - tried.acknowledged - tried.indeterminate)),
                   indeterminate_present=len(present & tried.indeterminate))
