"""Operator commands on a running cluster, Pacemaker's names where they exist.

    hastack resource stop|start RSC          target-role (crm resource stop/start)
    hastack resource move RSC NODE           cli-prefer-RSC (crm_resource --move)
    hastack resource ban RSC NODE            cli-ban-RSC-on-NODE (crm_resource --ban)
    hastack resource clear RSC               removes both (crm_resource --clear)
    hastack resource cleanup RSC [--node N]  forget its operation history (and fail counts): re-probe
    hastack resource restart RSC             stop, wait until stopped, start (crm resource restart)
    hastack node standby|online NODE         the node attribute standby
    hastack node maintenance|ready NODE      the node attribute maintenance

Each edit goes through the configuration service: validated, committed by
compare-and-swap, re-applied if another commit won. Each prints the id of the
transition that acts on it, and with --wait[=SECONDS] blocks until the
cluster has carried it out (cli.waiting). Every command takes the cluster's
--etcd (and --tls-dir) like `hastack status`.

Imports configsvc, store, cli.cluster, cli.waiting.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import click

from hastack.cli.cluster import etcd_option, open_store, prefix_option, tls_option
from hastack.cli.waiting import DEFAULT_WAIT_S, follow, wait_option
from hastack.configsvc import ConfigService, PortStore
from hastack.configsvc import edits
from hastack.model.config import Configuration


def _apply(endpoints: str, prefix: str, tls_dir: Path | None, change: Callable[[Configuration], Configuration],
           what: str, wait_s: float | None = None) -> None:
    store = open_store(endpoints, prefix, tls_dir)
    outcome = ConfigService(PortStore(store, where="the cluster's etcd")).edit(change, what)
    for d in outcome.diagnostics:
        click.echo(d.render(), err=True)
    if not outcome.committed:
        click.echo(f"{what}: refused; nothing was changed.", err=True)
        raise SystemExit(1)
    click.echo(f"{what}: committed at revision {outcome.version}")
    follow(store, int(outcome.version or 0), wait_s)


def _options(f: Callable[..., None]) -> Callable[..., None]:
    return etcd_option(prefix_option(tls_option(wait_option(f))))


@click.group()
def resource() -> None:
    """Stop, start, move, ban, clear, clean up resources."""


@resource.command()
@_options
@click.argument("rsc")
def stop(endpoints: str, prefix: str, tls_dir: Path | None, wait_s: float | None, rsc: str) -> None:
    _apply(endpoints, prefix, tls_dir, lambda c: edits.set_target_role(c, rsc, "Stopped"), f"stop {rsc}", wait_s)


@resource.command()
@_options
@click.argument("rsc")
def start(endpoints: str, prefix: str, tls_dir: Path | None, wait_s: float | None, rsc: str) -> None:
    _apply(endpoints, prefix, tls_dir, lambda c: edits.set_target_role(c, rsc, None), f"start {rsc}", wait_s)


@resource.command()
@_options
@click.argument("rsc")
@click.argument("node")
def move(endpoints: str, prefix: str, tls_dir: Path | None, wait_s: float | None, rsc: str, node: str) -> None:
    """Prefer NODE for RSC (until `hastack resource clear RSC`)."""
    _apply(endpoints, prefix, tls_dir, lambda c: edits.move(c, rsc, node), f"move {rsc} to {node}", wait_s)


@resource.command()
@_options
@click.argument("rsc")
@click.argument("node")
def ban(endpoints: str, prefix: str, tls_dir: Path | None, wait_s: float | None, rsc: str, node: str) -> None:
    """Keep RSC off NODE (until `hastack resource clear RSC`)."""
    _apply(endpoints, prefix, tls_dir, lambda c: edits.ban(c, rsc, node), f"ban {rsc} from {node}", wait_s)


@resource.command()
@_options
@click.argument("rsc")
def clear(endpoints: str, prefix: str, tls_dir: Path | None, wait_s: float | None, rsc: str) -> None:
    """Remove what move and ban added for RSC."""
    _apply(endpoints, prefix, tls_dir, lambda c: edits.clear(c, rsc), f"clear {rsc}", wait_s)


@resource.command()
@_options
@click.argument("rsc")
@click.option("--node", default=None, help="only on this node")
def cleanup(endpoints: str, prefix: str, tls_dir: Path | None, wait_s: float | None, rsc: str,
            node: str | None) -> None:
    """Forget RSC's operation history and fail counts, so the cluster probes it again."""
    store = open_store(endpoints, prefix, tls_dir)
    snap = store.snapshot()
    edits.known_resource(snap.configuration, rsc)
    forgot = []
    revision = 0
    for uname in ([node] if node else sorted(snap.members)):
        ns = snap.state.node_by_uname(uname)
        for h in ns.resources if ns else ():
            if h.id == rsc or h.id.split(":")[0] == rsc:
                revision = store.forget_history(uname, h.id)
                forgot.append(f"{h.id}@{uname}")
        for name in store.node_attributes(uname):
            if name.startswith((f"fail-count-{rsc}#", f"last-failure-{rsc}#")):
                revision = store.set_node_attribute(uname, name, None)
    click.echo(f"cleaned up {', '.join(forgot) or 'nothing (no history)'}")
    if revision:
        follow(store, revision, wait_s)


@resource.command()
@_options
@click.argument("rsc")
def restart(endpoints: str, prefix: str, tls_dir: Path | None, wait_s: float | None, rsc: str) -> None:
    """Stop RSC, wait until the cluster has stopped it, start it again (and wait, with --wait)."""
    _apply(endpoints, prefix, tls_dir, lambda c: edits.set_target_role(c, rsc, "Stopped"), f"stop {rsc}",
           wait_s if wait_s is not None else DEFAULT_WAIT_S)
    _apply(endpoints, prefix, tls_dir, lambda c: edits.set_target_role(c, rsc, None), f"start {rsc}", wait_s)


@click.group()
def node() -> None:
    """Put nodes in standby and back online, in maintenance and back."""


@node.command(name="standby")
@_options
@click.argument("name")
def node_standby(endpoints: str, prefix: str, tls_dir: Path | None, wait_s: float | None, name: str) -> None:
    _apply(endpoints, prefix, tls_dir, lambda c: edits.standby(c, name, True), f"standby {name}", wait_s)


@node.command(name="online")
@_options
@click.argument("name")
def node_online(endpoints: str, prefix: str, tls_dir: Path | None, wait_s: float | None, name: str) -> None:
    _apply(endpoints, prefix, tls_dir, lambda c: edits.standby(c, name, False), f"online {name}", wait_s)


@node.command(name="maintenance")
@_options
@click.argument("name")
def node_maintenance(endpoints: str, prefix: str, tls_dir: Path | None, wait_s: float | None, name: str) -> None:
    """Leave NAME's resources alone (no monitors, no recovery) until `hastack node ready NAME`."""
    _apply(endpoints, prefix, tls_dir, lambda c: edits.maintenance(c, name, True), f"maintenance {name}", wait_s)


@node.command(name="ready")
@_options
@click.argument("name")
def node_ready(endpoints: str, prefix: str, tls_dir: Path | None, wait_s: float | None, name: str) -> None:
    """End NAME's maintenance: the cluster probes and manages its resources again."""
    _apply(endpoints, prefix, tls_dir, lambda c: edits.maintenance(c, name, False), f"ready {name}", wait_s)
