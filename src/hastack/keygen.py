"""`hastack keygen`: the cluster's certificate authority and one certificate per node (corosync-keygen's role).

etcd runs with TLS everywhere (clients and peers) and client-certificate
authentication, so only holders of a certificate signed by the cluster CA
can read or write the cluster. Layout of the directory (what hastackd's and
the CLI's `--tls-dir` read, store.select.tls_in):

    ca.crt ca.key          the cluster CA (keep ca.key off the nodes once certificates are made)
    NAME.crt NAME.key      one per node (server and client use, the node's addresses as SANs)
    admin.crt admin.key    for the operator's CLI

Keys are written with mode 0600 and are never printed. EC P-256, SHA-256.

Imports errors only (and the `cryptography` library).
"""

from __future__ import annotations

import datetime
import ipaddress
import os
from collections.abc import Sequence
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from hastack.errors import HastackError

VALID_DAYS = 3650


def _write_key(path: Path, key: ec.EllipticCurvePrivateKey) -> None:
    data = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption())
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as f:
        f.write(data)


def _write_cert(path: Path, cert: x509.Certificate) -> None:
    path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))


def _name(cn: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.ORGANIZATION_NAME, "hastack"),
                      x509.NameAttribute(NameOID.COMMON_NAME, cn)])


def make_ca(directory: Path, cluster: str = "hastack") -> tuple[x509.Certificate, ec.EllipticCurvePrivateKey]:
    key = ec.generate_private_key(ec.SECP256R1())
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(_name(f"{cluster} cluster CA"))
            .issuer_name(_name(f"{cluster} cluster CA")).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - datetime.timedelta(minutes=5))
            .not_valid_after(now + datetime.timedelta(days=VALID_DAYS))
            .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
            .add_extension(x509.KeyUsage(digital_signature=True, key_cert_sign=True, crl_sign=True,
                                         content_commitment=False, key_encipherment=False,
                                         data_encipherment=False, key_agreement=False, encipher_only=False,
                                         decipher_only=False), critical=True)
            .sign(key, hashes.SHA256()))
    directory.mkdir(parents=True, exist_ok=True)
    _write_key(directory / "ca.key", key)
    _write_cert(directory / "ca.crt", cert)
    return cert, key


def load_ca(directory: Path) -> tuple[x509.Certificate, ec.EllipticCurvePrivateKey]:
    try:
        cert = x509.load_pem_x509_certificate((directory / "ca.crt").read_bytes())
        key = serialization.load_pem_private_key((directory / "ca.key").read_bytes(), password=None)
    except (OSError, ValueError) as err:
        raise HastackError(f"cannot read the cluster CA in {directory}: {err}",
                           hint="run hastack keygen DIR once to create it") from None
    if not isinstance(key, ec.EllipticCurvePrivateKey):
        raise HastackError(f"{directory}/ca.key is not an EC key made by hastack keygen")
    return cert, key


def make_cert(directory: Path, name: str, addresses: Sequence[str] = (), dns: Sequence[str] = ()) -> None:
    """NAME.crt/NAME.key signed by the CA in `directory`, usable as TLS server and client."""
    if not name or "/" in name or name.startswith("."):
        raise HastackError(f"invalid certificate name {name!r}", hint="use the node's name, e.g. node1")
    ca_cert, ca_key = load_ca(directory)
    key = ec.generate_private_key(ec.SECP256R1())
    sans: list[x509.GeneralName] = [x509.DNSName(name), *(x509.DNSName(d) for d in dns)]
    for a in addresses:
        try:
            sans.append(x509.IPAddress(ipaddress.ip_address(a)))
        except ValueError:
            raise HastackError(f"{a!r} is not an IP address", hint="give addresses as 10.0.0.1 or ::1") from None
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(_name(name)).issuer_name(ca_cert.subject)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(minutes=5))
            .not_valid_after(now + datetime.timedelta(days=VALID_DAYS))
            .add_extension(x509.SubjectAlternativeName(sans), critical=False)
            .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH,
                                                  ExtendedKeyUsageOID.CLIENT_AUTH]), critical=False)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .sign(ca_key, hashes.SHA256()))
    _write_key(directory / f"{name}.key", key)
    _write_cert(directory / f"{name}.crt", cert)


def keygen(directory: Path, nodes: Sequence[tuple[str, Sequence[str]]], cluster: str = "hastack") -> list[str]:
    """A CA (unless one is there) and a certificate for every node and for `admin`; returns the names."""
    if not (directory / "ca.crt").exists():
        make_ca(directory, cluster)
    made = []
    for name, addrs in [*nodes, ("admin", ())]:
        make_cert(directory, name, [*addrs, "127.0.0.1"])
        made.append(name)
    return made
