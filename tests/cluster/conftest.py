"""Lab tests keep their evidence: when a test that used a lab fails, the lab's logs (every host's
hastackd, etcd and init log, the power switch's and the watchdog's) are copied to
/var/tmp/hastack-lab-failures/TEST-TIME/ -- pytest's temporary directories rotate too fast for a
post-mortem -- and the path is printed with the failure."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from labkit import keep_logs

KEEP = Path("/var/tmp/hastack-lab-failures")


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[None]:
    outcome = yield
    report = outcome.get_result()
    if report.when == "call" and report.failed and "lab" in getattr(item, "fixturenames", ()):
        lab = item.funcargs.get("lab")  # type: ignore[attr-defined]
        directory = getattr(lab, "directory", None)
        if directory is not None:
            dest = keep_logs(Path(directory), KEEP / f"{item.name}-{time.strftime('%H%M%S')}")
            report.sections.append(("lab logs", f"kept in {dest}"))
