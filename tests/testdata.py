"""Where the data the tests read lives: inside the repository, under tests/data/.

A clone of the repository alone runs every test; nothing is read from beside
the checkout. `case_names()` lists a regression set in INDEX.tsv order, so a
parametrized test gets one id per case, named after the case.
"""

from __future__ import annotations

from pathlib import Path

DATA = Path(__file__).resolve().parent / "data"
PACEMAKER_CASES = DATA / "pacemaker" / "cases"                # 180 in hastack's scope
PACEMAKER_CASES_EXTENDED = DATA / "pacemaker" / "cases-extended"  # 444 beyond it
GUIDE = DATA / "guide"
GUIDE_TEXT = GUIDE / "openstack-ha-guide.txt"
HEALTHY_CIB = DATA / "cib" / "healthy.xml"

# "Now" for a case whose CIB has no execution-date. crm_simulate then reads the wall clock,
# and the expected outputs were made with Pacemaker 2.1.5 (released late 2022), so any time
# after that gives them: failures with a failure-timeout recorded years before have expired.
CASE_WALL_CLOCK = 1_670_000_000  # 2022-12-02


def case_names(cases: Path = PACEMAKER_CASES) -> list[str]:
    """The case names of a regression set, from its INDEX.tsv (header skipped)."""
    lines = (cases / "INDEX.tsv").read_text().splitlines()[1:]
    return [line.split("\t", 1)[0] for line in lines if line.strip()]


def known_cases(path: Path) -> dict[str, str]:
    """case name -> why it is listed, from a tracked list (`case<TAB>reason` a line, `#` comments)."""
    out = {}
    for ln in path.read_text().splitlines():
        if ln.strip() and not ln.startswith("#"):
            name, _, reason = ln.partition("\t")
            out[name.strip()] = reason.strip()
    return out


def status_block(summary: str) -> str:
    """crm_simulate's "Current cluster status" block in a case's summary, up to "Transition Summary"."""
    return summary[summary.index("Current cluster status:"):summary.index("\nTransition Summary:")].rstrip("\n")


def case_xml(name: str, cases: Path = PACEMAKER_CASES) -> Path:
    return cases / "xml" / f"{name}.xml"


def case_summary(name: str, cases: Path = PACEMAKER_CASES) -> Path:
    return cases / "summary" / f"{name}.summary"
