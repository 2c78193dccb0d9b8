"""After an operator's change: which transition acts on it, and `--wait` until it has settled.

A change committed at store revision R is acted on by the first transition the
DC planned on a snapshot that includes R (store.progress). Every change command
reports that transition's id (term.number) -- it waits up to LEARN_S for the DC
to plan -- and with `--wait[=SECONDS]` blocks until the DC is idle after R, as
`crm_resource --wait` does; on timeout it lists the actions still pending and
exits non-zero.

A thin shell over store.progress; imports store and click.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable

import click

from hastack.errors import HastackError
from hastack.store.etcd import EtcdStore
from hastack.store.port import StoreError
from hastack.store.progress import Progress, TransitionRef, acting_transition, seen, settled

LEARN_S = 10.0  # without --wait: how long to wait to learn the acting transition's id
POLL_S = 0.2
DEFAULT_WAIT_S = 60.0

wait_option = click.option(
    "--wait", "wait_s", type=float, is_flag=False, flag_value=DEFAULT_WAIT_S, default=None, metavar="[SECONDS]",
    help=f"block until the cluster has carried the change out (default {DEFAULT_WAIT_S:.0f} s); "
         "on timeout list what is still pending and exit 1")


class WaitTimeout(HastackError):
    """The cluster had not carried a change out when --wait ran out."""


def _progress(store: EtcdStore) -> Progress | None:
    try:
        text = store.progress()
    except StoreError:
        return None
    return Progress.from_json(text) if text else None


def _transitions(store: EtcdStore) -> list[TransitionRef]:
    refs = []
    for _, text in store.transitions():
        rec = json.loads(text)
        if "revision" in rec:
            refs.append(TransitionRef(int(rec["term"]), int(rec["transition"]), int(rec["revision"])))
    return refs


def follow(store: EtcdStore, revision: int, wait_s: float | None,
           echo: Callable[[str], None] = click.echo, clock: Callable[[], float] = time.monotonic) -> None:
    """Report the transition acting on the change at `revision`; with `wait_s`, wait until settled."""
    deadline = clock() + (wait_s if wait_s is not None else LEARN_S)
    reported = False
    progress: Progress | None = None
    while True:
        progress = _progress(store)
        if not reported and seen(progress, revision):
            ref = acting_transition(_transitions(store), revision)
            echo(f"transition {ref} acts on it" if ref else "no transition needed: the cluster already matches")
            reported = True
            if wait_s is None:
                return
        if wait_s is not None and settled(progress, revision):
            echo("settled: every action it caused has completed")
            return
        if clock() >= deadline:
            break
        time.sleep(POLL_S)
    if wait_s is None:
        echo("no DC has planned on it yet (`hastack status` shows when it has)")
        return
    pending = ", ".join(progress.pending) if progress and progress.pending else None
    what = (f"still pending: {pending}" if pending else
            "no DC has planned on it yet" if not seen(progress, revision) else "the DC is still planning")
    raise WaitTimeout(f"the change is not carried out after {wait_s:g} s: {what}",
                      hint="hastack status shows the cluster; wait longer with --wait=SECONDS")
