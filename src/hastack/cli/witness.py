"""`hastack witness`: the third etcd voter of a two-node cluster, on a machine that runs no resources.

    hastack witness --name w --address 10.0.0.9 --nodes n1=10.0.0.1,n2=10.0.0.2 --tls-dir DIR

It runs only an etcd member (restarted if it dies) until stopped. With it,
the two nodes and the witness are three voters: the node that can still reach
the witness keeps quorum and the cluster, the other stops -- the role of
corosync-qdevice, instead of the Guide's `no-quorum-policy=ignore`. Every
hastackd of that cluster is started with the same `--nodes` and
`--witness w=10.0.0.9`.

Imports daemon.etcdmember (the voter plan hastackd uses too), store.
"""

from __future__ import annotations

import signal
import threading
from pathlib import Path

import click

from hastack.daemon.etcdmember import LocalMember, parse_nodes, plan
from hastack.etcdserver import ELECTION_MS
from hastack.store.select import tls_in


@click.command()
@click.option("--name", required=True, help="the witness's name (as in the nodes' --witness NAME=ADDR)")
@click.option("--address", required=True, help="the address its etcd member listens on")
@click.option("--nodes", required=True, metavar="NAME=ADDR,NAME=ADDR", help="the two nodes, as hastackd has them")
@click.option("--data-dir", type=click.Path(path_type=Path), default=Path("/var/lib/hastack-witness"),
              show_default=True)
@click.option("--tls-dir", type=click.Path(path_type=Path), default=None, help="ca.crt and NAME.crt/.key")
@click.option("--prefix", default="/hastack", show_default=True)
@click.option("--etcd-election-ms", type=int, default=ELECTION_MS, show_default=True,
              help="etcd's --election-timeout: the same as the nodes' hastackd --etcd-election-ms")
def witness(name: str, address: str, nodes: str, data_dir: Path, tls_dir: Path | None, prefix: str,
            etcd_election_ms: int) -> None:
    """Run the etcd witness of a two-node cluster (a voter that runs no resources)."""
    tls = tls_in(tls_dir, name)
    p = plan(name, parse_nodes(nodes), [(name, address)], tls=tls is not None)
    if p.me is None:
        raise click.UsageError("this witness is not a voter of that cluster")
    member = LocalMember(p, data_dir / "etcd", tls, token=prefix.strip("/") or "hastack",
                         election_ms=etcd_election_ms)
    done = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: done.set())
    signal.signal(signal.SIGINT, lambda *_: done.set())
    member.start()
    click.echo(f"witness {name}: etcd voter at {p.me.client_url}; voters: "
               + ", ".join(m.name for m in p.voters))
    done.wait()
    member.stop()
