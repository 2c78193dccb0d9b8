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

from hastack.agents.builtin import inprocess
from hastack.agents.executor import Executor, local_host
from hastack.daemon.controller import Controller
from hastack.daemon.etcdmember import LocalMember, parse_nodes, plan
from hastack.daemon.fencer import Fencer
from hastack.daemon.health import NodeFacts
from hastack.daemon.hbprocess import HeartbeatProcess
from hastack.daemon.heartbeat import MIN_SUSPECT_AFTER_S, heartbeat_interval
from hastack.daemon.lrm import LocalResourceManager
from hastack.daemon.leaseprocess import LeaseProcess, LeaseSpec
from hastack.daemon.notifier import Notifier
from hastack.daemon.rest import DEFAULT_PORT, RestListener, TopologyWatch, parse_rest_address
from hastack.daemon.timing import for_ttl
from hastack.daemon.watchdog import FileWatchdog
from hastack.errors import HastackError
from hastack.etcdserver import ELECTION_MS, watch_silence_s
from hastack.store.etcd import EtcdStore
from hastack.store.etcdclient import WATCH_READ_S, EtcdClient
from hastack.store.select import tls_in


ETCD_DEFAULT_ELECTION_MS = 1000  # etcd's own default --election-timeout


@click.command()
@click.option("--node", required=True, help="this node's name")
@click.option("--node-id", default=None, help="this node's id (default: its name)")
@click.option("--etcd", "endpoints", default=None,
              help="an existing etcd cluster's client URLs, comma separated (then hastack starts no etcd)")
@click.option("--nodes", default=None, metavar="NAME=ADDR,...",
              help="every node of the cluster, in order: without --etcd, hastack runs etcd itself, a voting "
                   "member on each of the first 3 (5 from 7 nodes up)")
@click.option("--witness", default="", metavar="NAME=ADDR", help="the witness of a two-node cluster")
@click.option("--data-dir", type=click.Path(path_type=Path), default=Path("/var/lib/hastack"),
              show_default=True, help="where this node's etcd member keeps its data")
@click.option("--prefix", default="/hastack", show_default=True)
@click.option("--ttl", default=2, show_default=True, help="membership lease TTL in seconds (Corosync's token)")
@click.option("--etcd-election-ms", type=int, default=None,
              help="etcd's --election-timeout: what this node's own etcd member runs with (the same on every "
                   "node; default 100), or, with --etcd, what that cluster runs with (default 1000, etcd's "
                   "own); the lease TTL must outlast an election")
@click.option("--etcd-voters", type=int, default=None,
              help="how many of --nodes run an etcd voter (the same on every node; default: 3, and 5 from 7 "
                   "nodes). Every voter applies and syncs every write: on a small machine 3 leave more CPU")
@click.option("--tls-dir", type=click.Path(path_type=Path), default=None, help="CA and node certificates")
@click.option("--state-dir", type=click.Path(path_type=Path), default=None)
@click.option("--runtime-dir", type=click.Path(path_type=Path), default=Path("/run/hastack"), show_default=True,
              help="what lasts one boot only: fence device registrations (a tmpfs such as /run)")
@click.option("--stop-on-exit/--keep-on-exit", default=True, show_default=True)
@click.option("--watchdog-file", type=click.Path(path_type=Path), default=None,
              help="pet a file watchdog with the self-fence deadline (the lab's watchdog reads it)")
@click.option("--address", default=None,
              help="this node's cluster address: peer heartbeats (UDP 5405) and fast fencing use it")
@click.option("--suspect-after", default=0.3, show_default=True,
              help="seconds of heartbeat silence before a peer is fenced (needs a stonith device)")
@click.option("--rest-address", default="", metavar="HOST:PORT|off",
              help=f"the REST health endpoints (/health, /active/R, /promoted/R, /unpromoted/R) that load "
                   f"balancers check; default: --address (else every address), port {DEFAULT_PORT}")
def main(node: str, node_id: str | None, endpoints: str | None, nodes: str | None, witness: str,
         data_dir: Path, prefix: str, ttl: int, etcd_election_ms: int | None, etcd_voters: int | None,
         tls_dir: Path | None, state_dir: Path | None, runtime_dir: Path,
         stop_on_exit: bool,
         watchdog_file: Path | None, address: str | None, suspect_after: float, rest_address: str) -> None:
    logging.basicConfig(level=logging.INFO, stream=sys.stderr,  # httpx logs every request at INFO: not ours
                        format=f"%(asctime)s.%(msecs)03d {node} %(name)s: %(message)s", datefmt="%H:%M:%S")
    logging.getLogger("httpx").setLevel(logging.WARNING)
    member: LocalMember | None = None
    try:
        election_ms = etcd_election_ms or (ETCD_DEFAULT_ELECTION_MS if endpoints else ELECTION_MS)
        timing = for_ttl(ttl, election_ms / 1000)
        if suspect_after < MIN_SUSPECT_AFTER_S:
            raise HastackError(f"--suspect-after {suspect_after} s is below {MIN_SUSPECT_AFTER_S} s",
                               hint="a shorter silence is within the machine's scheduling noise: peers "
                                    "would fence healthy nodes")
        rest_at = parse_rest_address(rest_address, address)
        tls = tls_in(tls_dir, node)
        if endpoints:
            urls = [u for u in endpoints.split(",") if u]
        elif nodes:
            etcd_plan = plan(node, parse_nodes(nodes), parse_nodes(witness, "--witness"), tls=tls is not None,
                             voters=etcd_voters)
            urls = etcd_plan.endpoints_for(node)
            if etcd_plan.me is not None:
                member = LocalMember(etcd_plan, data_dir / "etcd", tls, token=prefix.strip("/") or "hastack",
                                     election_ms=election_ms)
                member.start()
        else:
            raise HastackError("which etcd? give --etcd URL,... (an existing cluster) or --nodes NAME=ADDR,... "
                               "(hastack runs etcd on the first nodes)")
        # hastack's own members send a quiet watch progress lines (etcdserver.progress_notify_ms): a watch
        # silent for longer is on a dead member; an existing etcd at its defaults sends none
        silence = WATCH_READ_S if endpoints else watch_silence_s(election_ms)
        client = EtcdClient(urls, tls=tls, timeout=timing.call_timeout * 3, watch_read_s=silence)
    except HastackError as err:
        click.echo(err.render(), err=True)
        sys.exit(2)
    store = EtcdStore(client, prefix)
    store_env = [("HASTACK_STORE", "etcd"), ("HASTACK_ETCD_ENDPOINTS", ",".join(urls)),
                 ("HASTACK_ETCD_PREFIX", prefix)]
    if tls:
        store_env += [("HASTACK_ETCD_CA", tls.ca), ("HASTACK_ETCD_CERT", tls.cert), ("HASTACK_ETCD_KEY", tls.key)]
    host = replace(local_host(node=node, state_dir=str(state_dir) if state_dir else None),
                   store_env=tuple(store_env), runtime_dir=str(runtime_dir))
    executor = Executor(host)
    inprocess.preload()
    lrm_box: list[LocalResourceManager] = []
    watchdog = FileWatchdog(watchdog_file) if watchdog_file else None
    # the lease in a process of its own: nothing hastackd does can starve its renewal (daemon.leaseprocess)
    membership = LeaseProcess(LeaseSpec(node, node_id or node, tuple(urls), prefix, timing, tls, watchdog_file,
                                        address),
                              self_fence=lambda: lrm_box[0].stop_everything(timing.stop_budget))
    lrm = LocalResourceManager(store, node, membership, executor)
    lrm_box.append(lrm)
    # its own etcd client: sharing the LRM's, the DC's writes waited on the connection pool's lock behind 8
    # action threads (half of its loop in the 8-host lab, by py-spy), so results freed the next orders late
    controller = Controller(EtcdStore(EtcdClient(urls, tls=tls, timeout=timing.call_timeout * 3,
                                                 watch_read_s=client.watch_read_s), prefix), node, membership)
    # its own etcd client: its watch on the departure records must not hold a connection the LRM waits for
    notifier = Notifier(EtcdStore(EtcdClient(urls, tls=tls, timeout=timing.call_timeout * 3,
                                             watch_read_s=client.watch_read_s), prefix), node,
                        membership, executor, lambda: lrm.active)
    fencer: Fencer | None = None
    heartbeat: HeartbeatProcess | None = None
    if address:
        fence_client = EtcdClient(urls, tls=tls, timeout=timing.call_timeout * 3, watch_read_s=client.watch_read_s)
        heartbeat = HeartbeatProcess(node, address, peers=lambda: fencer.peers if fencer else {},
                                     interval=heartbeat_interval(suspect_after),
                                     slow=lambda: fencer.slow_peers if fencer else frozenset())
        fencer = Fencer(EtcdStore(fence_client, prefix), node, membership, heartbeat, executor, suspect_after,
                        on_evicted=controller.poke, on_down=controller.node_down)
        try:
            heartbeat.start()  # (its own process: it binds the heartbeat port, which may be taken)
        except HastackError as err:
            click.echo(err.render(), err=True)
            sys.exit(2)
    rest: RestListener | None = None
    topology: TopologyWatch | None = None
    if rest_at is not None:
        # its own etcd client: a configuration watch must not hold a connection the LRM or DC wait for
        topology = TopologyWatch(EtcdStore(EtcdClient(urls, tls=tls, timeout=timing.call_timeout * 3,
                                                      watch_read_s=client.watch_read_s), prefix))
        watch = topology
        try:
            rest = RestListener(rest_at, lambda: NodeFacts(node, membership.holds(), lrm.roles(), watch.topology,
                                                           membership.fenced_count))
        except HastackError as err:
            click.echo(err.render(), err=True)
            sys.exit(2)
    done = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: done.set())
    signal.signal(signal.SIGINT, lambda *_: done.set())
    try:
        membership.start()
    except HastackError as err:
        click.echo(err.render(), err=True)
        sys.exit(2)
    lrm.start()
    controller.start()
    notifier.start()
    if fencer:
        fencer.start()
    if rest and topology:
        topology.start()
        rest.start()
    done.wait()
    if rest and topology:
        rest.stop()
        topology.stop()
    if heartbeat and fencer:
        fencer.stop()
        heartbeat.stop()
    notifier.stop()
    controller.stop()
    lrm.stop()
    if stop_on_exit:
        lrm.stop_everything(timing.stop_budget * 5)
    membership.stop(revoke=True)
    if watchdog and stop_on_exit:
        watchdog.disarm()
    executor.close()
    if member is not None:
        member.stop()


if __name__ == "__main__":
    main()
