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
