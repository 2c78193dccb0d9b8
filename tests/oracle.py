"""Pacemaker's own scheduler as the tests' oracle: its Transition Summary, one action a line.

Runs the installed `crm_simulate` (Debian's pacemaker-cli-utils; `CRM_SIMULATE`
may name another binary) on a CIB file with no cluster and returns the lines of
its "Transition Summary:" block, normalised so they compare with hastack's:
the bullet and column padding dropped, Pacemaker 2.0's role names written as
2.1's (Master/Slave -> Promoted/Unpromoted), `ocf::` as `ocf:`.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

# 2.0-compat spellings crm_simulate may still print, and what 2.1 calls them.
_ROLE_WORDS = ((re.compile(r"\bMasters:"), "Promoted:"), (re.compile(r"\bSlaves:"), "Unpromoted:"),
               (re.compile(r"(?<= )Master(?=[ \[])"), "Promoted"), (re.compile(r"(?<= )Slave(?=[ \[])"), "Unpromoted"))


def crm_simulate() -> str | None:
    """The crm_simulate binary, or None when Pacemaker's tools are not installed."""
    return shutil.which(os.environ.get("CRM_SIMULATE", "crm_simulate"))


def normalise(line: str) -> str:
    """One summary line as hastack prints it: `Move rsc (node1 -> node2) due to ...`."""
    text = " ".join(line.strip().removeprefix("*").split())
    text = f" {text.replace('ocf::', 'ocf:')} "  # padded, so a role word at either end is a word too
    for pattern, name in _ROLE_WORDS:
        text = pattern.sub(name, text)
    return text.strip().replace("( ", "(").replace(" )", ")")


def summary_block(output: str) -> list[str]:
    """The normalised lines of the Transition Summary in crm_simulate's output.

    The block ends at the first blank or unindented line.
    """
    lines = output.splitlines()
    try:
        start = lines.index("Transition Summary:") + 1
    except ValueError:
        raise RuntimeError(f"no Transition Summary in crm_simulate's output:\n{output[-3000:]}") from None
    block = []
    for line in lines[start:]:
        if not line.strip() or not line[0].isspace():
            break
        block.append(normalise(line))
    return block


def transition_summary(path: str | os.PathLike[str], *extra: str, sort: bool = False,
                       timeout: float = 60) -> list[str]:
    """Pacemaker's Transition Summary for the CIB at `path`; `extra` goes to crm_simulate as is."""
    exe = crm_simulate()
    if exe is None:
        raise RuntimeError("crm_simulate not found (apt-get install pacemaker-cli-utils)")
    with tempfile.TemporaryDirectory(prefix="oracle.") as scratch:
        # CIB_shadow_dir: crm_simulate's scratch copy of the CIB goes here, not to
        # /var/lib/pacemaker/cib (its default as root) or ~/.cib.
        env = {**os.environ, "LC_ALL": "C", "CIB_shadow_dir": scratch}
        r = subprocess.run([exe, "-x", str(Path(path)), "-R", *extra], capture_output=True, text=True,
                           env=env, timeout=timeout)
    if r.returncode != 0:
        raise RuntimeError(f"crm_simulate failed on {path} (rc {r.returncode}):\n{(r.stdout + r.stderr)[-3000:]}")
    block = summary_block(r.stdout)
    return sorted(block) if sort else block
