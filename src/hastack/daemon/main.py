"""The `hastackd` command: one cluster node (membership, local resource manager, controller).

    hastackd --node n1 --etcd https://10.0.0.1:2379,... [--ttl 2] [--tls-dir DIR]

Runs until SIGTERM/SIGINT; then stops its threads and gives up its lease
(its resources keep running only if the node is about to come back before
the lease runs out -- a clean shutdown stops them first with --stop-on-exit).

Imports agents, store, daemon.
"""

from __future__ import annotations

import logging
import signal
import sys
import threading
from dataclasses import replace
from pathlib import Path

import click

from hastack.agents.executor import Executor, local_host
from hastack.daemon.controller import Controller
from hastack.daemon.lrm import LocalResourceManager
from hastack.daemon.membership import Membership
from hastack.daemon.timing import for_ttl
from hastack.daemon.watchdog import FileWatchdog
from hastack.errors import HastackError
from hastack.store.etcd import EtcdStore
from hastack.store.etcdclient import EtcdClient
from hastack.store.select import tls_in


@click.command()
@click.option("--node", required=True, help="this node's name")
@click.option("--node-id", default=None, help="this node's id (default: its name)")
@click.option("--etcd", "endpoints", required=True, help="etcd client URLs, comma separated")
@click.option("--prefix", default="/hastack", show_default=True)
@click.option("--ttl", default=2, show_default=True, help="membership lease TTL in seconds (Corosync's token)")
@click.option("--tls-dir", type=click.Path(path_type=Path), default=None, help="CA and node certificates")
@click.option("--state-dir", type=click.Path(path_type=Path), default=None)
@click.option("--stop-on-exit/--keep-on-exit", default=True, show_default=True)
@click.option("--watchdog-file", type=click.Path(path_type=Path), default=None,
              help="pet a file watchdog with the self-fence deadline (the lab's watchdog reads it)")
def main(node: str, node_id: str | None, endpoints: str, prefix: str, ttl: int, tls_dir: Path | None,
         state_dir: Path | None, stop_on_exit: bool, watchdog_file: Path | None) -> None:
    logging.basicConfig(level=logging.INFO, stream=sys.stderr,  # httpx logs every request at INFO: not ours
                        format=f"%(asctime)s.%(msecs)03d {node} %(name)s: %(message)s", datefmt="%H:%M:%S")
    logging.getLogger("httpx").setLevel(logging.WARNING)
    try:
        timing = for_ttl(ttl)
        tls = tls_in(tls_dir, node)
        urls = [u for u in endpoints.split(",") if u]
        client = EtcdClient(urls, tls=tls, timeout=timing.call_timeout * 3)
        lease_client = EtcdClient(urls, tls=tls, timeout=timing.call_timeout)  # its own connections
    except HastackError as err:
        click.echo(err.render(), err=True)
        sys.exit(2)
    store = EtcdStore(client, prefix)
    store_env = [("HASTACK_STORE", "etcd"), ("HASTACK_ETCD_ENDPOINTS", ",".join(urls)),
                 ("HASTACK_ETCD_PREFIX", prefix)]
    if tls:
        store_env += [("HASTACK_ETCD_CA", tls.ca), ("HASTACK_ETCD_CERT", tls.cert), ("HASTACK_ETCD_KEY", tls.key)]
    host = replace(local_host(node=node, state_dir=str(state_dir) if state_dir else None),
                   store_env=tuple(store_env))
    executor = Executor(host)
    lrm_box: list[LocalResourceManager] = []
    watchdog = FileWatchdog(watchdog_file) if watchdog_file else None
    membership = Membership(EtcdStore(lease_client, prefix), node, node_id or node, timing,
                            self_fence=lambda: lrm_box[0].stop_everything(timing.stop_budget),
                            pet=watchdog.pet if watchdog else None)
    lrm = LocalResourceManager(store, node, membership, executor)
    lrm_box.append(lrm)
    controller = Controller(store, node, membership)
    done = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: done.set())
    signal.signal(signal.SIGINT, lambda *_: done.set())
    membership.start()
    lrm.start()
    controller.start()
    done.wait()
    controller.stop()
    lrm.stop()
    if stop_on_exit:
        lrm.stop_everything(timing.stop_budget * 5)
    membership.stop(revoke=True)
    if watchdog and stop_on_exit:
        watchdog.disarm()
    executor.close()


if __name__ == "__main__":
    main()
