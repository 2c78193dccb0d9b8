"""Test-wide setup: where the shared reference data lives.

`../shared` beside the checkout holds Pacemaker's regression cases, the Guide
and the oracle script (CI has it there too). HASTACK_SHARED overrides it.
Tests read the location from the environment so module-level case lists work.
"""

from __future__ import annotations

import os
from pathlib import Path

_default = Path(__file__).resolve().parents[1].parent / "shared"
os.environ.setdefault("HASTACK_SHARED", str(_default))
if not (Path(os.environ["HASTACK_SHARED"]) / "pacemaker-cases").is_dir():
    raise RuntimeError(
        f"shared reference data not found at {os.environ['HASTACK_SHARED']}: "
        "check out ../shared beside this repository or set HASTACK_SHARED")


import sys  # noqa: E402

import pytest  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))
from etcd_fixture import run_etcd  # noqa: E402


@pytest.fixture(scope="session")
def etcd_endpoint(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    """The client URL of a real single-member etcd on loopback, for the whole test session."""
    yield from (url for url, _ in run_etcd(tmp_path_factory.mktemp("etcd") / "data"))
