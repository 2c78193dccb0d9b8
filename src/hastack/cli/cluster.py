"""`hastack cluster ...` and `hastack status`: the live cluster through its etcd store.

    hastack cluster ping   --etcd URL,...         is the store reachable and writable?
    hastack cluster load   --etcd URL,... FILE    commit a crm configuration (compare-and-swap)
    hastack status         --etcd URL,...         crm_mon-style status: members, DC, resources
    hastack cluster transitions --etcd URL,...    the recorded transitions (summary per DC decision)

Imports crm, store, simulate (the one status view), cli helpers.
"""

from __future__ import annotations

import json
from pathlib import Path

import click

from hastack.crm import parse
from hastack.scheduler import schedule
from hastack.simulate import status as status_view
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
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def load(endpoints: str, prefix: str, tls_dir: Path | None, file: Path) -> None:
    """Replace the cluster's configuration with a crm file (refused if someone committed meanwhile)."""
    config = parse(file.read_text(), str(file)).config
    store = open_store(endpoints, prefix, tls_dir)
    snap = store.snapshot()
    rev = store.commit(config, snap.config_revision)
    click.echo(f"configuration committed at revision {rev}")


@cluster.command()
@etcd_option
@prefix_option
@tls_option
@click.option("-n", "--last", default=10, show_default=True)
def transitions(endpoints: str, prefix: str, tls_dir: Path | None, last: int) -> None:
    """The DC's recorded transitions, newest last."""
    store = open_store(endpoints, prefix, tls_dir)
    for seq, text in store.transitions()[-last:]:
        rec = json.loads(text)
        click.echo(f"term {rec['term']} transition {rec['transition']}: " + "; ".join(rec["orders"]))


@click.command()
@etcd_option
@prefix_option
@tls_option
def status(endpoints: str, prefix: str, tls_dir: Path | None) -> None:
    """Members, the DC and every resource, as crm_mon shows them."""
    store = open_store(endpoints, prefix, tls_dir)
    snap = store.snapshot()
    members = ", ".join(sorted(snap.members)) or "none"
    click.echo(f"Cluster: {len(snap.members)} member(s) ({members}); DC: {snap.dc or 'none'}; "
               f"store revision {snap.revision}")
    click.echo(status_view.render_status(status_view.observe(snap.configuration, snap.state),
                                         title="Cluster status:"), nl=False)
    import time
    pending = [s for s in schedule(snap.configuration, snap.state, int(time.time())).summary]
    if pending:
        click.echo("Pending decisions:")
        for line in pending:
            click.echo(f"  {line}")


@cluster.command(name="etcd")
@etcd_option
@prefix_option
@tls_option
def etcd_members(endpoints: str, prefix: str, tls_dir: Path | None) -> None:
    """The etcd members, and which one leads (asked of each member in turn)."""
    store = open_store(endpoints, prefix, tls_dir)
    members = {int(m["ID"]): m.get("name", "?") for m in store.client.members()}
    leader = None
    for url in store.client.endpoints:
        one = EtcdClient([url], tls=tls_in(tls_dir, "admin"), timeout=1.0)
        try:
            leader = int(one.status()["leader"])
            break
        except StoreError:
            continue
        finally:
            one.close()
    for mid, name in sorted(members.items(), key=lambda kv: kv[1]):
        click.echo(f"{name}{' leader' if mid == leader else ''}")
