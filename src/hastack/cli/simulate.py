"""`hastack simulate` and `hastack explain`: run the scheduler on a file, with what-if events.

The thin shell around hastack.simulate and hastack.scheduler: it reads the
input files, reads the wall clock when nothing else says what time it is
(the only place that does), applies the injections, runs the scheduler and
prints. Every user mistake is a HastackError (printed by the command group
without a traceback).
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import click

from hastack.bulkwork import bulk_work
from hastack.errors import Diagnostic, HastackError, in_order
from hastack.model.config import Configuration
from hastack.model.state import ClusterState
from hastack.simulate import clock, inject, render
from hastack.scheduler import current_facts
from hastack.status import render_simulate, view_of
from hastack.validate.meta import running_cluster_meta
from hastack.simulate.explain import explain as explain_text


@dataclass(frozen=True)
class Loaded:
    config: Configuration
    state: ClusterState
    notes: tuple[str, ...] = ()
    # What the CIB holds that Pacemaker tolerates with a default (hastack.cib.tolerance): printed as is.
    warnings: tuple[Diagnostic, ...] = ()


def _read_text(path: str, what: str) -> str:
    if not os.path.exists(path):
        raise HastackError(f"{what} {path!r} does not exist", hint="check the path")
    if os.path.isdir(path):
        raise HastackError(f"{what} {path!r} is a directory", hint="give a file")
    try:
        with open(path, encoding="utf-8") as f:
            return f.read()
    except (OSError, UnicodeDecodeError) as err:
        raise HastackError(f"cannot read {what} {path!r}: {err}") from None


def load_input(xml: str | None, crm: str | None, state_path: str | None) -> Loaded:
    """The configuration and state to simulate, from --xml, or --crm with an optional --state CIB."""
    from hastack import cib

    if (xml is None) == (crm is None):
        raise HastackError("give exactly one input: --xml CIB.xml or --crm FILE",
                           hint="--xml reads a full CIB (configuration and status); --crm reads a crm "
                                "shell configuration, with --state CIB.xml for the cluster state")
    if xml is not None:
        if state_path is not None:
            raise HastackError("--state goes with --crm", hint="a CIB given with --xml carries its own status")
        text = _read_text(xml, "CIB file")
        doc = cib.parse_cib(text, xml, running=True)
        meta = running_cluster_meta(doc.config, {xml: text})
        return Loaded(doc.config, doc.state, warnings=tuple(in_order(doc.warnings + tuple(meta), [xml])))
    assert crm is not None
    from hastack import crm as crm_shell

    parsed = crm_shell.parse(_read_text(crm, "crm file"), crm)
    notes = tuple(w.render() for w in getattr(parsed, "warnings", ()) or ())
    if state_path is not None:
        st = cib.parse_cib(_read_text(state_path, "state file"), state_path).state
        return Loaded(parsed.config, st, notes)
    st = ClusterState()
    for node in parsed.config.nodes:
        st = inject.node_up(parsed.config, st, node.uname)
    notes += ("no --state given: every configured node is taken as online with no history "
              "(resources are probed everywhere)",)
    return Loaded(parsed.config, st, notes)


def build_injections(node_fail: Sequence[str], node_up: Sequence[str], node_down: Sequence[str],
                     standby: Sequence[str], op_fail: Sequence[str], at: str | None) -> inject.Injections:
    return inject.Injections(
        standby=tuple(standby), node_up=tuple(node_up), node_down=tuple(node_down),
        node_fail=tuple(node_fail), op_results=tuple(inject.parse_op_spec(s) for s in op_fail),
        time=clock.parse_time(at) if at is not None else None,
    )


def choose_now(injections: inject.Injections, state: ClusterState, wall_clock: Callable[[], float]) -> int:
    """--time, else the CIB's execution-date, else the wall clock."""
    if injections.time is not None:
        return injections.time
    if state.execution_date is not None:
        return state.execution_date
    return int(wall_clock())


def _schedule(config: Configuration, state: ClusterState, now: int) -> Any:
    try:
        from hastack.scheduler import schedule
    except ImportError as err:
        raise HastackError(f"the scheduler is not available in this build ({err})") from None
    with bulk_work():  # a big cluster: see hastack.bulkwork
        return schedule(config, state, now)


def _schedule_with_facts(config: Configuration, state: ClusterState, now: int) -> Any:
    from hastack.scheduler import schedule_with_facts

    with bulk_work():  # a big cluster: see hastack.bulkwork
        return schedule_with_facts(config, state, now)


def prepare(xml: str | None, crm: str | None, state_path: str | None, injections: inject.Injections,
            wall_clock: Callable[[], float] = time.time) -> tuple[Loaded, Loaded, int]:
    """(input as read, input after the injections, now)."""
    loaded = load_input(xml, crm, state_path)
    now = choose_now(injections, loaded.state, wall_clock)
    config, state = inject.apply(loaded.config, loaded.state, injections, now)
    return loaded, Loaded(config, state, loaded.notes, loaded.warnings), now


def _injection_options(f: Callable[..., Any]) -> Callable[..., Any]:
    options = [
        click.option("--xml", "xml", metavar="CIB.xml", help="A full CIB: configuration and status."),
        click.option("--crm", "crm", metavar="FILE", help="A crm shell configuration."),
        click.option("--state", "state_path", metavar="CIB.xml",
                     help="With --crm: the cluster state (status section) of this CIB."),
        click.option("--node-fail", multiple=True, metavar="NODE",
                     help="NODE leaves the cluster uncleanly (it must be fenced)."),
        click.option("--node-up", multiple=True, metavar="NODE",
                     help="NODE joins (with no history if it had none: probes needed)."),
        click.option("--node-down", multiple=True, metavar="NODE", help="NODE shuts down cleanly."),
        click.option("--standby", multiple=True, metavar="NODE", help="Put NODE in standby."),
        click.option("--op-fail", multiple=True, metavar="RSC_TASK_INTERVAL@NODE=RC",
                     help="Record an operation result, e.g. db_monitor_10000@node1=7."),
        click.option("--time", "at", metavar="ISO|EPOCH",
                     help="Evaluate at this time (default: the CIB's execution-date, else now)."),
    ]
    for opt in reversed(options):
        f = opt(f)
    return f


def _echo_notes(loaded: Loaded) -> None:
    for d in loaded.warnings:
        click.echo(d.render(), err=True)
    for n in loaded.notes:
        click.echo(f"note: {n}", err=True)


@click.command()
@_injection_options
@click.option("--scores", is_flag=True, help="Show allocation scores.")
@click.option("--graph", is_flag=True, help="Show the action graph as text.")
@click.option("--dot", "dot_path", metavar="FILE", help="Write the action graph as Graphviz dot.")
@click.option("--save", "save_path", metavar="CIB.xml", help="Write the input with the injections applied.")
@click.argument("cib", required=False, metavar="[CIB.xml]")
def simulate(xml: str | None, crm: str | None, state_path: str | None, node_fail: tuple[str, ...],
             node_up: tuple[str, ...], node_down: tuple[str, ...], standby: tuple[str, ...],
             op_fail: tuple[str, ...], at: str | None, scores: bool, graph: bool, dot_path: str | None,
             save_path: str | None, cib: str | None) -> None:
    """Show what the scheduler would do with a configuration and state, after what-if events.

    \b
    hastack simulate cib.xml --node-fail node2       (as crm_simulate -x cib.xml)
    hastack simulate --crm cluster.crm --state cib.xml --op-fail db_monitor_10000@node1=7
    """
    if cib is not None:
        if xml is not None or crm is not None:
            raise HastackError(f"two inputs: {cib} and {xml or crm}",
                               hint="give the CIB once: `hastack simulate cib.xml` or `--xml cib.xml`")
        xml = cib
    injections = build_injections(node_fail, node_up, node_down, standby, op_fail, at)
    before, after, now = prepare(xml, crm, state_path, injections)
    _echo_notes(after)
    if not (injections.standby or injections.node_up or injections.node_down or injections.node_fail
            or injections.op_results):
        # the cluster is as read (at most the time is set, which is `now`): the status and the
        # decision share one unpacking
        facts, transition = _schedule_with_facts(after.config, after.state, now)
    else:
        with bulk_work():
            facts, transition = current_facts(before.config, before.state, now), None
    click.echo(render_simulate(view_of(facts)), nl=False)
    if injections:
        click.echo("\nPerforming requested modifications")
        for line in injections.describe():
            click.echo(f"  + {line}")
    if save_path is not None:
        _save(save_path, after)
    if transition is None:
        transition = _schedule(after.config, after.state, now)
    if scores:
        click.echo("\nAllocation scores:")
        for line in render.score_lines(transition.scores):
            click.echo(f"  {line}")
    click.echo("\n" + render.summary_block(transition.summary), nl=False)
    if graph:
        click.echo("\n" + render.graph_text(transition.actions), nl=False)
    if dot_path is not None:
        _write(dot_path, render.graph_dot(transition.actions), "dot file")
        click.echo(f"\nAction graph written to {dot_path}")
    if transition.recheck_at is not None:
        click.echo(f"\nRecheck at: {clock.format_time(transition.recheck_at)}")


def _write(path: str, text: str, what: str) -> None:
    try:
        with open(path, "w", encoding="utf-8") as f:
            f.write(text)
    except OSError as err:
        raise HastackError(f"cannot write {what} {path!r}: {err}") from None


def _save(path: str, loaded: Loaded) -> None:
    try:
        from hastack.cib import to_xml
    except ImportError as err:
        raise HastackError(f"saving a CIB is not available in this build ({err})") from None
    _write(path, to_xml(loaded.config, loaded.state), "CIB file")
    click.echo(f"\nModified CIB written to {path}")


@click.command()
@click.argument("resource")
@_injection_options
def explain(resource: str, xml: str | None, crm: str | None, state_path: str | None,
            node_fail: tuple[str, ...], node_up: tuple[str, ...], node_down: tuple[str, ...],
            standby: tuple[str, ...], op_fail: tuple[str, ...], at: str | None) -> None:
    """Explain in plain words where RESOURCE runs and why (per node: each score and the verdict).

    \b
    hastack explain p_mysql --xml cib.xml
    hastack explain p_mysql --xml cib.xml --standby node1
    """
    injections = build_injections(node_fail, node_up, node_down, standby, op_fail, at)
    _, after, now = prepare(xml, crm, state_path, injections)
    _echo_notes(after)
    transition = _schedule(after.config, after.state, now)
    click.echo(explain_text(after.config, transition, resource), nl=False)
