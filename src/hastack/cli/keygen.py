"""`hastack keygen DIR --node NAME=IP[,IP...] ...`: the cluster CA and node certificates (see hastack.keygen)."""

from __future__ import annotations

from pathlib import Path

import click

from hastack.keygen import keygen as make_keys


@click.command()
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
@click.option("--node", "nodes", multiple=True, required=True, metavar="NAME=IP[,IP...]",
              help="a node and the addresses its etcd member listens on (repeat per node)")
@click.option("--cluster", default="hastack", show_default=True, help="the cluster's name (in the CA's name)")
def keygen(directory: Path, nodes: tuple[str, ...], cluster: str) -> None:
    """Create the cluster CA (once) and a certificate for every node and for the admin CLI."""
    parsed = []
    for spec in nodes:
        name, _, addrs = spec.partition("=")
        parsed.append((name.strip(), [a.strip() for a in addrs.split(",") if a.strip()]))
    made = make_keys(directory, parsed, cluster)
    click.echo(f"{directory}: ca.crt and certificates for {', '.join(made)} (keys are mode 0600; "
               "copy each node's NAME.crt/NAME.key and ca.crt to it, keep ca.key elsewhere)")
