"""A failover series (one system's trials and its checker's count) and the benchmark's markdown table.

Pure: bench/failover.py runs the trials; this module only summarizes them.
"Victim held a role" means the power loss also took the cluster's
coordinator: Pacemaker's DC; hastack's DC or its etcd leader. keepalived has
no such role.

Imports lab.trial.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass

from hastack.lab.trial import Trial


@dataclass(frozen=True)
class Series:
    system: str  # the row's label
    trials: tuple[Trial, ...]
    violations: int  # double-active instants the checker saw
    samples: int  # checker rounds
    has_roles: bool = True  # False: the system has no DC or leader (keepalived)

    @property
    def times(self) -> list[float]:
        return [t.failover_s for t in self.trials if t.failover_s is not None]

    @property
    def role_times(self) -> list[float]:
        return [t.failover_s for t in self.trials
                if t.failover_s is not None and (t.victim_was_dc or t.victim_was_leader)]

    @property
    def unanswered(self) -> int:
        return sum(1 for t in self.trials if t.failover_s is None)

    def median(self) -> float | None:
        return statistics.median(self.times) if self.times else None


def _s(x: float | None) -> str:
    return "-" if x is None else f"{x:.2f} s"


def row(s: Series, reference: float | None) -> str:
    times = s.times
    count = f"{len(times)}" if not s.unanswered else f"{len(times)} (+{s.unanswered} unanswered)"
    if s.has_roles:
        roles = s.role_times
        role = f"{_s(statistics.median(roles))} (n={len(roles)})" if roles else "- (n=0)"
    else:
        role = "n/a"
    med = s.median()
    ratio = f"{med / reference:.2f}x" if med is not None and reference else "-"
    return (f"| {s.system} | {count} | {_s(med)} | {_s(min(times) if times else None)} "
            f"| {_s(max(times) if times else None)} | {role} | {s.violations} in {s.samples:,} | {ratio} |")


def table(series: list[Series], reference: str, short: str = "") -> str:
    """The markdown table, one row per series; the last column is each median over the median of the series
    labelled `reference` (named `short` in the header)."""
    ref = next((s.median() for s in series if s.system == reference), None)
    lines = [f"| system | trials | median | min | max | victim DC/leader: median | double-active instants "
             f"| median / {short or reference} |",
             "|---|---:|---:|---:|---:|---:|---:|---:|"]
    return "\n".join(lines + [row(s, ref) for s in series])


def per_trial(s: Series) -> str:
    """`label: 1.23, 4.56*, ...` in trial order; * marks a victim that held the DC or etcd leader role."""
    marks = [("-" if t.failover_s is None else f"{t.failover_s:.3f}")
             + ("*" if t.victim_was_dc or t.victim_was_leader else "") for t in s.trials]
    return f"{s.system}: {', '.join(marks) or 'no trial'}"
