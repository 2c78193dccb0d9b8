"""Pacemaker's scheduler regression cases: hastack's Transition Summary must match crm_simulate's.

Every case not listed in known_failures.tsv must pass; every listed case must
still fail (so the list stays honest). Comparison is order-insensitive and
uses tests/oracle.py's normalisation, reasons included. Each case is its own
test, named after the case.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from hastack.cib import load_cib_file
from hastack.scheduler import schedule
from testdata import PACEMAKER_CASES

CASES = PACEMAKER_CASES
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


def _case_params() -> list[object]:
    """One param per case, its id the case's name; a listed known failure must still fail (strict xfail)."""
    known = known_failures()
    return [pytest.param(name, marks=pytest.mark.xfail(reason=known[name], strict=True)) if name in known
            else name for name in case_names()]


def test_known_failures_name_real_cases() -> None:
    assert len(case_names()) == 180
    assert set(known_failures()) <= set(case_names())


@pytest.mark.parametrize("name", _case_params(), ids=str)
def test_regression_case(name: str) -> None:
    got, want = run_case(name)
    missing = [x for x in want if x not in got]
    extra = [x for x in got if x not in want]
    assert got == want, f"{name}: missing={missing} extra={extra}"


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
