"""Test-wide setup: the helper modules at the top of tests/ are importable from every test.

Tests run in pytest's importlib mode, so tests/ is not on sys.path by itself;
`testdata` (where the vendored data lives), `oracle` (Pacemaker's
crm_simulate as a reference) and `etcd_fixture` (a real etcd on loopback) are
imported by name from any test directory.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

_HERE = str(Path(__file__).resolve().parent)
if _HERE not in sys.path:
    sys.path.insert(0, _HERE)

from etcd_fixture import run_etcd  # noqa: E402


@pytest.fixture(scope="session")
def etcd_endpoint(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The client URL of a real single-member etcd on loopback, for the whole test session."""
    yield from (url for url, _ in run_etcd(tmp_path_factory.mktemp("etcd") / "data"))
