"""mypy, as .ci/run runs it (pyproject.toml's settings), fails on a badly typed module.

.ci/run type-checks src/hastack after the tests; here the same settings are
run on two small modules in a temporary directory: a clean one passes, and one
with a wrong return type and an untyped function fails with both errors named.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

PYPROJECT = Path(__file__).resolve().parents[2] / "pyproject.toml"


def mypy(path: Path, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "mypy", "--config-file", str(PYPROJECT),
                           "--cache-dir", str(tmp_path / ".mypy_cache"), str(path)],
                          capture_output=True, text=True, timeout=240, cwd=tmp_path)


def test_mypy_passes_a_clean_module(tmp_path: Path) -> None:
    good = tmp_path / "good.py"
    good.write_text("def double(x: int) -> int:\n    return 2 * x\n")
    r = mypy(good, tmp_path)
    assert r.returncode == 0, r.stdout + r.stderr


def test_mypy_fails_on_a_type_error_and_an_untyped_function(tmp_path: Path) -> None:
    bad = tmp_path / "bad.py"
    bad.write_text("def name(x: int) -> str:\n    return x\n\n\ndef untyped(x):\n    return x\n")
    r = mypy(bad, tmp_path)
    assert r.returncode == 1, r.stdout + r.stderr
    assert "bad.py:2: error" in r.stdout and "[return-value]" in r.stdout
    assert "bad.py:5: error" in r.stdout and "[no-untyped-def]" in r.stdout
