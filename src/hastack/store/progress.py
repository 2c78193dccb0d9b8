"""The DC's published progress, and what an operator's change is waiting for (pure).

The DC writes one small record after every decision (`{p}-log/progress`, outside
the snapshot prefix so it never wakes a planner): the store revision it
planned on, whether that plan left actions running, and which. An operator
command that committed a change at revision R then knows

- which transition acts on it: the first recorded transition planned on a
  revision >= R (or none, when the DC planned on R and had nothing to do);
- when it has settled: the DC is idle on a revision >= R -- every action the
  change caused, and every action those caused, has completed (what
  `crm_resource --wait` waits for).

Imports nothing of hastack.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Progress:
    dc: str
    term: int
    transition: int          # the DC's latest transition number in this term (0: none yet)
    revision: int            # the store revision of the snapshot it last planned on
    idle: bool               # that plan had nothing left to run
    pending: tuple[str, ...] = field(default=())  # actions sent and not yet answered

    def to_json(self) -> str:
        return json.dumps({"dc": self.dc, "term": self.term, "transition": self.transition,
                           "revision": self.revision, "idle": self.idle, "pending": list(self.pending)})

    @staticmethod
    def from_json(text: str) -> Progress:
        d = json.loads(text)
        return Progress(str(d["dc"]), int(d["term"]), int(d["transition"]), int(d["revision"]),
                        bool(d["idle"]), tuple(str(p) for p in d.get("pending", ())))


@dataclass(frozen=True)
class TransitionRef:
    term: int
    transition: int
    revision: int  # the store revision it was planned on

    def __str__(self) -> str:
        return f"{self.term}.{self.transition}"


def acting_transition(records: list[TransitionRef], revision: int) -> TransitionRef | None:
    """The first transition planned on a snapshot that includes the change committed at `revision`."""
    later = [r for r in records if r.revision >= revision]
    return min(later, key=lambda r: (r.term, r.transition)) if later else None


def seen(progress: Progress | None, revision: int) -> bool:
    """Has the DC planned on the change committed at `revision`?"""
    return progress is not None and progress.revision >= revision


def settled(progress: Progress | None, revision: int) -> bool:
    """Is the cluster done with the change committed at `revision` (the DC idle after it)?"""
    return seen(progress, revision) and progress is not None and progress.idle
