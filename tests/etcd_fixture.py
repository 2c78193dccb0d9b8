"""A real etcd (Debian's etcd-server) on loopback for tests: one member, random free ports, a temp data dir.

Tests that need etcd take the `etcd_endpoint` fixture (session scoped, see
tests/conftest.py) and use a prefix of their own, so they never see each
other's keys.
"""

from __future__ import annotations

import socket
import subprocess
from collections.abc import Iterator
from pathlib import Path

from hastack.etcdserver import Member, start_member, stop, wait_ready
from hastack.store.etcdclient import EtcdClient, TlsFiles


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def run_etcd(data_dir: Path, tls: TlsFiles | None = None) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    scheme = "https" if tls else "http"
    me = Member("t1", f"{scheme}://127.0.0.1:{free_port()}", f"{scheme}://127.0.0.1:{free_port()}")
    proc = start_member(me, [me], data_dir, tls=tls, log=data_dir.parent / f"{data_dir.name}.log")
    try:
        client = EtcdClient([me.client_url], tls=tls)
        try:
            wait_ready(client)
        finally:
            client.close()
        yield me.client_url, proc
    finally:
        stop(proc)
