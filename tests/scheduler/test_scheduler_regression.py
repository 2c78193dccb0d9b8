"""Pacemaker's scheduler regression cases: hastack's Transition Summary must match crm_simulate's.

Every case not listed in known_failures.tsv must pass; every listed case must
still fail (so the list stays honest). Comparison is order-insensitive and
uses pacemaker-oracle.sh's normalization, reasons included.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from hastack.cib import load_cib_file
from hastack.scheduler import schedule

# tests/conftest.py sets HASTACK_SHARED (../shared beside the checkout unless overridden).
CASES = Path(os.environ.get("HASTACK_SHARED") or Path(__file__).resolve().parents[2].parent / "shared") / "pacemaker-cases"
KNOWN = Path(__file__).with_name("known_failures.tsv")


def expected_summary(path: Path) -> list[str]:
    out: list[str] = []
    inblk = False
    for line in path.read_text().splitlines():
        if line.startswith("Transition Summary:"):
            inblk = True
            continue
        if not inblk:
            continue
        if not line.strip() or not line[0].isspace():
            break
        s = re.sub(r"^\s*\*\s*", "", line)
        s = re.sub(r"\s+", " ", s).replace("ocf::", "ocf:")
        s = s.replace("Masters:", "Promoted:").replace("Slaves:", "Unpromoted:")
        s = f" {s} ".replace(" Master ", " Promoted ").replace(" Slave ", " Unpromoted ")
        s = s.replace(" Master[", " Promoted[").strip()
        s = s.replace("( ", "(").replace(" )", ")")
        out.append(s)
    return sorted(out)


def case_names() -> list[str]:
    lines = (CASES / "INDEX.tsv").read_text().splitlines()[1:]
    return [ln.split("\t")[0] for ln in lines if ln.strip()]


def known_failures() -> dict[str, str]:
    out = {}
    if KNOWN.exists():
        for ln in KNOWN.read_text().splitlines():
            if ln.strip() and not ln.startswith("#"):
                name, _, reason = ln.partition("\t")
                out[name.strip()] = reason
    return out


def run_case(name: str) -> tuple[list[str], list[str]]:
    cib = load_cib_file(str(CASES / "xml" / f"{name}.xml"))
    now = cib.state.execution_date if cib.state.execution_date is not None else 0
    t = schedule(cib.config, cib.state, now)
    return sorted(t.summary), expected_summary(CASES / "summary" / f"{name}.summary")


def outcome(name: str) -> tuple[bool, str]:
    try:
        got, want = run_case(name)
    except Exception as e:  # noqa: BLE001 - a crash is a failure of the case
        return False, f"crash: {type(e).__name__}: {e}"
    if got == want:
        return True, ""
    missing = [x for x in want if x not in got]
    extra = [x for x in got if x not in want]
    return False, f"missing={missing} extra={extra}"


def test_regression_cases() -> None:
    known = known_failures()
    names = case_names()
    unexpected_fail, unexpected_pass = [], []
    passed = 0
    for name in names:
        ok, detail = outcome(name)
        passed += ok
        if not ok and name not in known:
            unexpected_fail.append(f"{name}: {detail}")
        if ok and name in known:
            unexpected_pass.append(name)
    print(f"\nscheduler regression: {passed}/{len(names)} cases pass")
    assert not unexpected_fail, "cases failing that are not in known_failures.tsv:\n" + "\n".join(unexpected_fail)
    assert not unexpected_pass, "cases in known_failures.tsv that now pass (remove them):\n" + "\n".join(
        unexpected_pass)


if __name__ == "__main__":  # quick report: python test_scheduler_regression.py [names...]
    import sys
    sel = sys.argv[1:] or case_names()
    n = 0
    for nm in sel:
        ok, det = outcome(nm)
        n += ok
        if not ok or len(sel) < 5:
            print(("PASS " if ok else "FAIL ") + nm + ("" if ok else "  " + det[:400]))
    print(f"{n}/{len(sel)}")
