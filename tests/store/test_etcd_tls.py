"""TLS everywhere: etcd with client-certificate authentication and certificates from `hastack keygen`.

A client with a certificate of the cluster CA reads and writes; one without a
certificate, or with a certificate of another CA, is refused with a message
that says why -- and never gets to see a key.
"""

from __future__ import annotations

import stat
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from etcd_fixture import run_etcd
from hastack.cli.main import cli
from hastack.keygen import keygen
from hastack.store.etcdclient import EtcdClient, TlsFiles
from hastack.store.port import StoreError
from hastack.store.select import tls_in


@pytest.fixture(scope="module")
def tls_etcd(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    keys = tmp_path_factory.mktemp("pki")
    keygen(keys, [("t1", ["127.0.0.1"])])
    tls = tls_in(keys, "t1")
    assert tls is not None
    data = tmp_path_factory.mktemp("etcd-tls") / "data"
    yield from ((url, keys) for url, _ in run_etcd(data, tls=tls))


def test_a_client_with_a_cluster_certificate_reads_and_writes(tls_etcd: tuple[str, Path]) -> None:
    url, keys = tls_etcd
    assert url.startswith("https://")
    client = EtcdClient([url], tls=tls_in(keys, "admin"))
    client.put("/tls/x", "1")
    kv = client.get("/tls/x")
    assert kv is not None and kv.value == b"1"


def test_a_client_without_a_certificate_is_refused(tls_etcd: tuple[str, Path]) -> None:
    url, keys = tls_etcd
    client = EtcdClient([url], tls=TlsFiles(str(keys / "ca.crt"), "", ""))
    with pytest.raises(StoreError, match="TLS"):
        client.get("/tls/x")


def test_a_certificate_of_another_ca_is_refused(tls_etcd: tuple[str, Path], tmp_path: Path) -> None:
    url, keys = tls_etcd
    keygen(tmp_path, [("intruder", ["127.0.0.1"])])
    client = EtcdClient([url], tls=TlsFiles(str(keys / "ca.crt"), str(tmp_path / "intruder.crt"),
                                            str(tmp_path / "intruder.key")))
    with pytest.raises(StoreError, match="TLS"):
        client.get("/tls/x")


def test_keygen_command_writes_private_keys_only_for_the_owner(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["keygen", str(tmp_path / "pki"), "--node", "n1=10.0.0.1",
                                      "--node", "n2=10.0.0.2,fd00::2"])
    assert result.exit_code == 0, result.output
    for name in ("ca", "n1", "n2", "admin"):
        assert (tmp_path / "pki" / f"{name}.crt").exists()
        mode = stat.S_IMODE((tmp_path / "pki" / f"{name}.key").stat().st_mode)
        assert mode == 0o600
    assert "PRIVATE" not in result.output
    bad = CliRunner().invoke(cli, ["keygen", str(tmp_path / "pki"), "--node", "n3=not-an-ip"])
    assert bad.exit_code != 0 and "not an IP address" in bad.output and "Traceback" not in bad.output
