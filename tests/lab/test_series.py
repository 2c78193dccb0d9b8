"""The failover series summary and table (lab.series), and the poller log reader (lab.trial.first_answer)."""

from __future__ import annotations

from hastack.lab.series import Series, per_trial, table
from hastack.lab.trial import Trial, first_answer


def trial(s: float | None, dc: bool = False, leader: bool = False) -> Trial:
    return Trial(1, s, "h2" if s is not None else None, dc, leader)


def test_table_rows_medians_roles_and_ratios() -> None:
    fenced = Series("hastack fenced", (trial(1.0), trial(2.0, leader=True), trial(3.0, dc=True)), 0, 1200)
    pcmk = Series("pacemaker", (trial(8.0), trial(9.0, dc=True), trial(None)), 0, 900)
    keep = Series("keepalived", (trial(3.0), trial(3.5)), 1, 300, has_roles=False)
    lines = table([pcmk, keep, fenced], "hastack fenced").splitlines()
    assert lines[0].startswith("| system | trials | median | min | max | victim DC/leader")
    assert lines[2] == "| pacemaker | 2 (+1 unanswered) | 8.50 s | 8.00 s | 9.00 s | 9.00 s (n=1) | 0 in 900 | 4.25x |"
    assert lines[3] == "| keepalived | 2 | 3.25 s | 3.00 s | 3.50 s | n/a | 1 in 300 | 1.62x |"
    assert lines[4] == "| hastack fenced | 3 | 2.00 s | 1.00 s | 3.00 s | 2.50 s (n=2) | 0 in 1,200 | 1.00x |"


def test_a_series_without_answers_or_reference() -> None:
    empty = Series("x", (trial(None),), 0, 0)
    assert table([empty], "absent").splitlines()[2] == "| x | 0 (+1 unanswered) | - | - | - | - (n=0) | 0 in 0 | - |"
    assert per_trial(Series("y", (trial(1.2345, dc=True), trial(None)), 0, 0)) == "y: 1.234*, -"


def test_first_answer_skips_the_victim_failures_and_requests_before_t0() -> None:
    lines = ["9.990000 9.995000 1 h2",  # before T0: does not count
             "10.000000 10.002000 1 h1",  # the victim, in the ms before the cut
             "10.025000 10.225000 0 -",
             "12.050000 12.060000 1 h2",
             "12.000000 12.055000 1 h3",  # completed earlier though started earlier: the earliest end wins
             "12.075000 12.080000 1 h2"]
    assert first_answer(lines, 10.0, "h1") == (12.055000 - 10.0, "h3")
    assert first_answer(lines[:3], 10.0, "h1") is None
