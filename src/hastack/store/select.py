"""Which store a process talks to, from its environment (agents and shims run as child processes).

`HASTACK_STORE` names it: `etcd` (with `HASTACK_ETCD_ENDPOINTS`, a comma list,
`HASTACK_ETCD_PREFIX`, and `HASTACK_ETCD_CA`/`_CERT`/`_KEY` for TLS),
`file:DIRECTORY`, or nothing (None: the caller keeps its local default).
hastackd sets these for every agent it runs, so a real agent's `crm_master`
writes the promotion score into the cluster store the scheduler reads.

Also the node-attribute change helpers the shims share: a transient attribute
is one store write; a permanent one (`-l forever`) lives in the configuration's
node section, so it is a configuration commit, retried when another commit won
the race.

Imports the model and store adapters.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path

from hastack.model.config import AttrSet, Configuration, Node
from hastack.store.etcd import EtcdStore
from hastack.store.etcdclient import EtcdClient, TlsFiles
from hastack.store.memory import FileStore
from hastack.store.port import ClusterStore, StaleCommit, StoreError

ENV_KEYS = ("HASTACK_STORE", "HASTACK_ETCD_ENDPOINTS", "HASTACK_ETCD_PREFIX", "HASTACK_ETCD_CA",
            "HASTACK_ETCD_CERT", "HASTACK_ETCD_KEY")


def tls_from(env: Mapping[str, str]) -> TlsFiles | None:
    ca, cert, key = env.get("HASTACK_ETCD_CA"), env.get("HASTACK_ETCD_CERT"), env.get("HASTACK_ETCD_KEY")
    return TlsFiles(ca, cert, key) if ca and cert and key else None


def tls_in(directory: Path | None, name: str) -> TlsFiles | None:
    """The TLS files of `name` in a directory laid out as `ca.crt`, `NAME.crt`, `NAME.key`."""
    if directory is None:
        return None
    return TlsFiles(str(directory / "ca.crt"), str(directory / f"{name}.crt"), str(directory / f"{name}.key"))


def store_from_env(env: Mapping[str, str] | None = None) -> ClusterStore | None:
    env = os.environ if env is None else env
    spec = env.get("HASTACK_STORE", "")
    if not spec:
        return None
    if spec.startswith("file:"):
        return FileStore(Path(spec[5:]))
    if spec == "etcd":
        endpoints = [e for e in env.get("HASTACK_ETCD_ENDPOINTS", "").split(",") if e]
        client = EtcdClient(endpoints, tls=tls_from(env), timeout=5.0)
        return EtcdStore(client, env.get("HASTACK_ETCD_PREFIX", "/hastack"))
    raise StoreError(f"HASTACK_STORE={spec!r} is not a store", hint="use etcd or file:DIRECTORY")


def _with_permanent(config: Configuration, node: str, name: str, value: str | None) -> Configuration:
    nodes = list(config.nodes)
    idx = next((i for i, n in enumerate(nodes) if n.uname == node), None)
    if idx is None:
        if value is None:
            return config
        nodes.append(Node(id=node, uname=node))
        idx = len(nodes) - 1
    n = nodes[idx]
    sets = list(n.attributes) or [AttrSet(id=f"nodes-{n.id}")]
    pairs = [(k, v) for k, v in sets[0].pairs if k != name]
    if value is not None:
        pairs.append((name, value))
    sets[0] = replace(sets[0], pairs=tuple(pairs))
    nodes[idx] = replace(n, attributes=tuple(sets))
    return replace(config, nodes=tuple(nodes))


def set_permanent_attribute(store: ClusterStore, node: str, name: str, value: str | None, tries: int = 10) -> None:
    """Change a node attribute in the configuration, by compare-and-swap, re-reading after a lost race."""
    for _ in range(tries):
        snap = store.snapshot()
        try:
            store.commit(_with_permanent(snap.configuration, node, name, value), snap.config_revision)
            return
        except StaleCommit:
            continue
    raise StoreError(f"could not set {name} on {node}: the configuration kept changing",
                     hint="try again")


def permanent_attributes(store: ClusterStore, node: str) -> dict[str, str]:
    n = store.snapshot().configuration.node_named(node)
    if n is None:
        return {}
    out: dict[str, str] = {}
    for s in n.attributes:
        out.update(dict(s.pairs))
    return out
