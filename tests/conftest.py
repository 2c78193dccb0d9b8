"""Test-wide setup: the helper modules at the top of tests/ are importable from every test.

Tests run in pytest's importlib mode, so tests/ is not on sys.path by itself;
`testdata` (where the vendored data lives) and `oracle` (Pacemaker's
crm_simulate as a reference) are imported by name from any test directory.
"""

from __future__ import annotations

import sys
from pathlib import Path

_HERE = str(Path(__file__).resolve().parent)
if _HERE not in sys.path:
    sys.path.insert(0, _HERE)
