"""`hastack cluster ...` and `hastack status`: the live cluster through its etcd store.

    hastack cluster ping   --etcd URL,...         is the store reachable and writable?
    hastack cluster load   --etcd URL,... FILE    commit a crm configuration (compare-and-swap)
    hastack status         --etcd URL,...         crm_mon's status (text or XML), then pending decisions
    hastack cluster transitions --etcd URL,...    the recorded transitions (summary per DC decision)

Imports crm, store, the scheduler, the one status view (hastack.status), cli helpers.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import click

from hastack.errors import HastackError
from hastack.scheduler import schedule
from hastack.status import build_view, render_crm_mon, render_crm_mon_xml, to_dict, with_membership
from hastack.store.etcd import EtcdStore
from hastack.store.etcdclient import EtcdClient
from hastack.store.port import StoreError
from hastack.store.select import tls_in

etcd_option = click.option("--etcd", "endpoints", required=True, envvar="HASTACK_ETCD",
                           help="etcd client URLs, comma separated ($HASTACK_ETCD)")
prefix_option = click.option("--prefix", default="/hastack", show_default=True)
tls_option = click.option("--tls-dir", type=click.Path(path_type=Path), default=None,
                          help="directory with ca.crt and this client's certificate (hastack keygen)")


def open_store(endpoints: str, prefix: str, tls_dir: Path | None = None, name: str = "admin") -> EtcdStore:
    client = EtcdClient([u for u in endpoints.split(",") if u], tls=tls_in(tls_dir, name), timeout=3.0)
    return EtcdStore(client, prefix)


@click.group()
def cluster() -> None:
    """Operate a running cluster through its etcd store."""


@cluster.command()
@etcd_option
@prefix_option
@tls_option
def ping(endpoints: str, prefix: str, tls_dir: Path | None) -> None:
    """Exit 0 when the store answers a write (a majority of etcd is up)."""
    store = open_store(endpoints, prefix, tls_dir)
    store.client.put(f"{prefix}-log/ping", "1")
    click.echo("ok")


@cluster.command()
@etcd_option
@prefix_option
@tls_option
@click.option("--update", is_flag=True, help="merge into the stored configuration (crm's load update)")
@click.option("--no-agents", is_flag=True, help="skip the installed agents' meta-data check")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def load(endpoints: str, prefix: str, tls_dir: Path | None, update: bool, no_agents: bool, file: Path) -> None:
    """Check a crm (or CIB XML) file and commit it to the cluster: all or nothing, refused if someone
    committed since it was read."""
    store = open_store(endpoints, prefix, tls_dir)
    # imported here: the crm parser and validation are most of the CLI's start-up, and `status` -- which
    # the lab and operators' scripts call in loops -- needs neither
    from hastack.cli.configure import agent_catalog
    from hastack.configsvc import ConfigService, Input, PortStore

    svc = ConfigService(PortStore(store, where="the cluster's etcd"), agent_catalog(not no_agents))
    outcome = svc.load(Input(file.read_text(), str(file)), update=update)
    for d in outcome.diagnostics:
        click.echo(d.render(), err=True)
    if not outcome.committed:
        n = len(outcome.errors)
        click.echo(f"{n} error{'s' if n != 1 else ''}; nothing was changed.", err=True)
        raise SystemExit(1)
    click.echo(f"configuration committed at revision {outcome.version}")


@cluster.command()
@etcd_option
@prefix_option
@tls_option
@click.option("-n", "--last", default=10, show_default=True)
@click.option("--save", "save_dir", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="also write each shown transition's input as DIR/pe-input-TERM-N.xml (a CIB that "
                   "hastack simulate --xml and Pacemaker's crm_simulate -x read)")
def transitions(endpoints: str, prefix: str, tls_dir: Path | None, last: int, save_dir: Path | None) -> None:
    """The DC's recorded transitions, newest last: what it decided, on which input, and what it ran."""
    store = open_store(endpoints, prefix, tls_dir)
    if save_dir is not None:
        save_dir.mkdir(parents=True, exist_ok=True)
    outcomes = store.outcomes()
    for seq, text in store.transitions()[-last:]:
        rec = json.loads(text)
        line = f"term {rec['term']} transition {rec['transition']}: " + "; ".join(rec["orders"])
        if save_dir is not None:
            path = save_dir / f"pe-input-{rec['term']}-{rec['transition']}.xml"
            path.write_text(rec["cib"])
            line += f"  [{path}]"
        done = json.loads(outcomes[seq]) if seq in outcomes else None
        if done is not None:  # what it ran (absent while it runs, or when its DC died first)
            line += (f"\n  ran in {done['seconds']} s: " + "; ".join(done["results"])
                     + (f"\n  aborted: {done['aborted']}" if done.get("aborted") else ""))
        click.echo(line)


@click.command()
@etcd_option
@prefix_option
@tls_option
@click.option("--output-as", "fmt", type=click.Choice(["text", "json", "xml"]), default="text", show_default=True,
              help="text: crm_mon -1 -r -f's layout, then the pending decisions; json: hastack's view as "
                   "data; xml: crm_mon --output-as=xml (Pacemaker's crm_mon-2.25 schema)")
@click.option("--watch", "watch_s", type=float, default=None, metavar="SECONDS",
              help="print again whenever the cluster changes (at most every SECONDS), until interrupted")
def status(endpoints: str, prefix: str, tls_dir: Path | None, fmt: str, watch_s: float | None) -> None:
    """The cluster as crm_mon shows it: summary (DC, quorum), nodes, every resource, fail counts,
    failed actions; then what the scheduler would still do."""
    store = open_store(endpoints, prefix, tls_dir)
    rev = _print_status(store, fmt)
    while watch_s is not None:
        rev = store.watch(rev, 30.0)
        time.sleep(watch_s)
        click.echo("")
        rev = _print_status(store, fmt)


def _print_status(store: EtcdStore, fmt: str) -> int:
    snap = store.snapshot()
    now = int(time.time())
    view = with_membership(build_view(snap.configuration, snap.state, now, history=True,
                                      attributes=fmt != "text"), snap.members, snap.dc)
    updated = time.asctime(time.localtime(now))
    if fmt == "xml":
        click.echo(render_crm_mon_xml(view, request="hastack status --output-as xml", updated=updated), nl=False)
        return snap.revision
    pending = list(schedule(snap.configuration, snap.state, now).summary)
    if fmt == "json":
        doc = {"members": sorted(snap.members), "dc": snap.dc, "revision": snap.revision,
               "status": to_dict(view), "pending": pending}
        click.echo(json.dumps(doc, indent=1, sort_keys=True))
        return snap.revision
    click.echo(render_crm_mon(view, updated=updated, inactive=True, failcounts=True), nl=False)
    # hastack's own sections after crm_mon's layout: the store's view of membership, and what
    # the scheduler would do next from this snapshot
    members = ", ".join(sorted(snap.members)) or "none"
    click.echo(f"\nCluster Store:\n  * {len(snap.members)} member(s) ({members}); DC: {snap.dc or 'none'}; "
               f"store revision {snap.revision}")
    click.echo("\nPending Decisions:")
    for line in pending or ["none"]:
        click.echo(f"  * {line}")
    return snap.revision


@cluster.command(name="etcd")
@etcd_option
@prefix_option
@tls_option
@click.option("--move-leader", "move_to", default=None, metavar="NAME",
              help="hand etcd's leadership to member NAME (before taking the leader's host down: a planned "
                   "election instead of one after a timeout)")
def etcd_members(endpoints: str, prefix: str, tls_dir: Path | None, move_to: str | None) -> None:
    """The etcd members, and which one leads (asked of each member in turn)."""
    store = open_store(endpoints, prefix, tls_dir)
    members = {int(m["ID"]): m.get("name", "?") for m in store.client.members()}
    leader, leader_url = None, None
    for url in store.client.endpoints:
        one = EtcdClient([url], tls=tls_in(tls_dir, "admin"), timeout=1.0)
        try:
            leader = int(one.status()["leader"])
            break
        except StoreError:
            continue
        finally:
            one.close()
    if move_to is not None:
        target = next((mid for mid, name in members.items() if name == move_to), None)
        if target is None:
            raise HastackError(f"no etcd member named {move_to!r}",
                               hint=f"members: {', '.join(sorted(members.values()))}")
        if target != leader:
            urls = [u for m in store.client.members() if int(m["ID"]) == leader for u in m.get("clientURLs", ())]
            if not urls:
                raise HastackError("etcd has no leader now to hand its leadership over", hint="try again")
            at_leader = EtcdClient(urls, tls=tls_in(tls_dir, "admin"), timeout=3.0)
            try:
                at_leader.move_leader(target)
            finally:
                at_leader.close()
            leader = target
    for mid, name in sorted(members.items(), key=lambda kv: kv[1]):
        click.echo(f"{name}{' leader' if mid == leader else ''}")
