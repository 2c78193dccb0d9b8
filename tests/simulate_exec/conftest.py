"""Shared setup for the executor tests: the regression cases and crm_simulate's own runs of them.

`pacemaker_runs` runs, once per session and only where crm_simulate is
installed, `crm_simulate -x CASE -S -O out.xml` (execute the transition) and
then `crm_simulate -x out.xml -S` (schedule the executed state again) for every
case, keeping out.xml and the second Transition Summary.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from testdata import PACEMAKER_CASES, case_names

CASES = PACEMAKER_CASES


def summary_lines(output: str) -> list[str]:
    """crm_simulate's Transition Summary block, normalized as hastack prints it, sorted."""
    out: list[str] = []
    inside = False
    for line in output.splitlines():
        if line.startswith("Transition Summary:"):
            inside = True
            continue
        if not inside:
            continue
        if not line.strip() or not line[0].isspace():
            break
        s = re.sub(r"\s+", " ", re.sub(r"^\s*\*\s*", "", line)).replace("ocf::", "ocf:")
        s = f" {s} ".replace(" Master ", " Promoted ").replace(" Slave ", " Unpromoted ").strip()
        out.append(s.replace("( ", "(").replace(" )", ")"))
    return sorted(out)


@dataclass(frozen=True)
class PacemakerRun:
    out_xml: Path  # the state after crm_simulate executed the case's transition
    next_summary: list[str]  # crm_simulate's summary when scheduling out_xml


def _run(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(args, capture_output=True, text=True, env=env, timeout=120)


@pytest.fixture(scope="session")
def pacemaker_runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, PacemakerRun]:
    exe = shutil.which("crm_simulate")
    if exe is None:
        pytest.fail("crm_simulate is not installed (Debian: pacemaker-cli-utils) (./run test installs it)")
    work = tmp_path_factory.mktemp("pcmk-exec")
    shadow = work / "shadow"
    shadow.mkdir()
    env = dict(os.environ, LC_ALL="C", CIB_shadow_dir=str(shadow))

    def one(name: str) -> PacemakerRun:
        out = work / f"{name}.xml"
        first = _run([exe, "-x", str(CASES / "xml" / f"{name}.xml"), "-S", "-O", str(out)], env)
        assert first.returncode == 0, f"{name}: crm_simulate -S -O failed: {first.stderr}"
        # The second run may end "Transition failed: terminated" (exit 1) when actions stay blocked.
        second = _run([exe, "-x", str(out), "-S"], env)
        assert "Transition Summary:" in second.stdout, f"{name}: {second.stderr}"
        return PacemakerRun(out, summary_lines(second.stdout))

    names = case_names()
    with ThreadPoolExecutor(max_workers=max(2, os.cpu_count() or 1)) as pool:
        return dict(zip(names, pool.map(one, names)))


@pytest.fixture(scope="session")
def summary_of() -> Any:
    """The normalizer of crm_simulate output, for tests that run crm_simulate themselves."""
    return summary_lines
