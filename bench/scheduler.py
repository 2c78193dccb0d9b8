#!/usr/bin/env python3
"""Scheduler benchmark: hastack's schedule() side by side with Pacemaker's crm_simulate.

For each size NODESxPRIMITIVES a synthetic CIB is generated with
/work/shared/tools/gen_cib.py (cached in a temp directory), then, N times each:

- hastack, in a fresh child process (bench/scheduler.py --worker): time to read
  and parse the CIB XML, time of schedule(config, state, now), and the child's
  peak RSS (ru_maxrss, interpreter included);
- `crm_simulate -x FILE -R -Q` (parse + schedule, no output), its wall time and
  peak RSS from /usr/bin/time -v (else getrusage of the children).

Medians are printed as a table with hastack/crm_simulate ratios, and the
decisions are compared: hastack's Transition Summary against
pacemaker-oracle.sh's (sorted).

    .venv/bin/python bench/scheduler.py                       # 4x100 and 16x1000
    .venv/bin/python bench/scheduler.py --sizes 4x100,16x1000,32x5000,32x10000 --runs 3
    .venv/bin/python bench/scheduler.py --history running     # probes needed everywhere

A benchmark prints; it never asserts timings.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("HASTACK_SHARED", REPO.parent / "shared"))
GEN_CIB = SHARED / "tools" / "gen_cib.py"
ORACLE = SHARED / "tools" / "pacemaker-oracle.sh"
GNU_TIME = "/usr/bin/time"
DEFAULT_SIZES = "4x100,16x1000"
ALL_SIZES = "4x100,16x1000,32x5000,32x10000"
# gen_cib.py's transitions are independent of the clock; fix one so runs compare.
NOW = 1_700_000_000


# --- the worker (runs in a child process) ---------------------------------------------------------

def worker(path: str) -> int:
    t0 = time.perf_counter()
    from hastack.cib import parse_cib
    t_import = time.perf_counter() - t0

    t0 = time.perf_counter()
    data = Path(path).read_bytes()
    cib = parse_cib(data, path)
    t_parse = time.perf_counter() - t0
    result: dict[str, object] = {"import_s": t_import, "parse_s": t_parse}
    try:
        from hastack.scheduler import schedule
    except ImportError as err:
        result["error"] = f"no scheduler ({err})"
    else:
        now = cib.state.execution_date if cib.state.execution_date is not None else NOW
        from hastack.bulkwork import bulk_work
        t0 = time.perf_counter()
        with bulk_work():  # as `hastack simulate` runs it
            transition = schedule(cib.config, cib.state, now)
        result["schedule_s"] = time.perf_counter() - t0
        result["summary"] = sorted(transition.summary)
        result["actions"] = len(transition.actions)
    result["maxrss_kb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    json.dump(result, sys.stdout)
    return 0


# --- measuring ---------------------------------------------------------------------------------

@dataclass
class Runs:
    wall: list[float] = field(default_factory=list)
    parse: list[float] = field(default_factory=list)
    schedule: list[float] = field(default_factory=list)
    rss_kb: list[int] = field(default_factory=list)
    summary: list[str] | None = None
    error: str | None = None


def _gnu_time_rss(stderr: str) -> int | None:
    for line in stderr.splitlines():
        if "Maximum resident set size" in line:
            return int(line.rsplit(":", 1)[1].strip())
    return None


def _timed(cmd: list[str], env: dict[str, str], timeout: float) -> tuple[float, int | None, subprocess.CompletedProcess[str]]:
    """Run cmd; (wall seconds, peak RSS kB of the child or None, result)."""
    use_time = os.path.exists(GNU_TIME)
    full = [GNU_TIME, "-v"] + cmd if use_time else cmd
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    t0 = time.perf_counter()
    r = subprocess.run(full, capture_output=True, text=True, env=env, timeout=timeout)
    wall = time.perf_counter() - t0
    rss = _gnu_time_rss(r.stderr) if use_time else None
    if rss is None:
        after = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
        rss = after if after > before else None  # max over all children so far: an upper bound
    return wall, rss, r


def run_crm_simulate(path: Path, runs: int, timeout: float) -> Runs:
    out = Runs()
    sim = shutil.which("crm_simulate")
    if sim is None:
        out.error = "crm_simulate not installed (apt-get install pacemaker-cli-utils)"
        return out
    for _ in range(runs):
        with tempfile.TemporaryDirectory(prefix="bench-sim-") as shadow:
            env = dict(os.environ, LC_ALL="C", CIB_shadow_dir=shadow)
            try:
                wall, rss, r = _timed([sim, "-x", str(path), "-R", "-Q"], env, timeout)
            except subprocess.TimeoutExpired:
                out.error = f"timed out after {timeout:.0f}s"
                return out
        if r.returncode != 0:
            out.error = f"crm_simulate exited {r.returncode}: {r.stderr.strip()[-300:]}"
            return out
        out.wall.append(wall)
        if rss is not None:
            out.rss_kb.append(rss)
    return out


def run_hastack(path: Path, runs: int, timeout: float) -> Runs:
    out = Runs()
    env = dict(os.environ)
    env["PYTHONPATH"] = str(REPO / "src") + os.pathsep + env.get("PYTHONPATH", "")
    for _ in range(runs):
        try:
            wall, rss, r = _timed([sys.executable, str(Path(__file__).resolve()), "--worker", str(path)], env, timeout)
        except subprocess.TimeoutExpired:
            out.error = f"timed out after {timeout:.0f}s"
            return out
        if r.returncode != 0:
            tail = [ln for ln in r.stderr.splitlines()
                    if ln.strip() and not ln.startswith("\t") and not ln.startswith("Command exited")]
            out.error = "worker failed: " + (" | ".join(tail[-3:]) or f"exit {r.returncode}")
            return out
        data = json.loads(r.stdout)
        out.wall.append(wall)
        out.parse.append(data["parse_s"])
        out.rss_kb.append(max(data["maxrss_kb"], rss or 0))
        if "error" in data:
            out.error = data["error"]
            continue
        out.schedule.append(data["schedule_s"])
        out.summary = data["summary"]
    return out


def oracle_summary(path: Path, timeout: float) -> list[str] | str:
    try:
        r = subprocess.run([str(ORACLE), "-s", str(path)], capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return "oracle timed out"
    if r.returncode != 0:
        return f"oracle failed: {r.stderr.strip()[-200:]}"
    return [ln for ln in r.stdout.splitlines() if ln.strip()]


def cib_for(size: tuple[int, int], history: str, cache: Path) -> Path:
    nodes, prims = size
    path = cache / f"cib-{nodes}x{prims}-{history}.xml"
    if not path.exists():
        tmp = path.with_suffix(".tmp")
        subprocess.run([sys.executable, str(GEN_CIB), "-n", str(nodes), "-m", str(prims), "--history", history,
                        "-o", str(tmp)], check=True, capture_output=True)
        tmp.rename(path)
    return path


# --- the table ----------------------------------------------------------------------------------

def _med(xs: list[float]) -> float | None:
    return statistics.median(xs) if xs else None


def _s(x: float | None) -> str:
    return "-" if x is None else f"{x:.3f}" if x < 10 else f"{x:.1f}"


def _mb(kb: float | None) -> str:
    return "-" if kb is None else f"{kb / 1024:.0f}"


def _ratio(a: float | None, b: float | None) -> str:
    return "-" if a is None or b is None or b == 0 else f"{a / b:.2f}x"


def agreement(h: Runs, oracle: list[str] | str) -> str:
    if h.summary is None:
        return "n/a"
    if isinstance(oracle, str):
        return oracle
    if h.summary == oracle:
        return f"yes ({len(oracle)} lines)"
    only_o = len([x for x in oracle if x not in h.summary])
    only_h = len([x for x in h.summary if x not in oracle])
    if sorted(map(_no_reason, h.summary)) == sorted(map(_no_reason, oracle)):
        return f"actions yes, reasons differ on {only_o} of {len(oracle)} lines"
    return f"NO ({only_o} only Pacemaker, {only_h} only hastack, of {len(oracle)})"


def _no_reason(line: str) -> str:
    """A summary line without its trailing reason ("due to ...", "blocked", a fencing reason)."""
    return re.sub(r" (due to .*|blocked|'.*')$", "", line)


HEADER = ("size", "hastack parse s", "hastack schedule s", "hastack parse+schedule s", "hastack process s",
          "crm_simulate s", "ratio (p+s)/crm", "hastack peak MB", "crm_simulate peak MB", "mem ratio",
          "decisions agree")


def row(label: str, h: Runs, c: Runs, agree: str) -> tuple[str, ...]:
    parse, sched = _med(h.parse), _med(h.schedule)
    total = _med([p + s for p, s in zip(h.parse, h.schedule)])
    crm = _med(c.wall)
    h_rss, c_rss = _med([float(x) for x in h.rss_kb]), _med([float(x) for x in c.rss_kb])
    if h.error:
        agree = f"hastack: {h.error}"
    if c.error:
        agree += f"; crm_simulate: {c.error}"
    return (label, _s(parse), _s(sched), _s(total), _s(_med(h.wall)), _s(crm), _ratio(total, crm),
            _mb(h_rss), _mb(c_rss), _ratio(h_rss, c_rss), agree)


def print_table(rows: list[tuple[str, ...]]) -> None:
    widths = [max(len(r[i]) for r in [HEADER] + rows) for i in range(len(HEADER))]
    line = " | ".join(h.ljust(w) for h, w in zip(HEADER, widths))
    print(line)
    print("-+-".join("-" * w for w in widths))
    for r in rows:
        print(" | ".join(v.ljust(w) for v, w in zip(r, widths)))


def parse_sizes(text: str) -> list[tuple[int, int]]:
    out = []
    for part in text.split(","):
        n, _, m = part.strip().lower().partition("x")
        if not (n.isdigit() and m.isdigit()):
            raise SystemExit(f"bad size {part!r}: write NODESxPRIMITIVES, e.g. 16x1000")
        out.append((int(n), int(m)))
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sizes", default=DEFAULT_SIZES,
                    help=f"comma-separated NODESxPRIMITIVES (default {DEFAULT_SIZES}; all: {ALL_SIZES})")
    ap.add_argument("--runs", type=int, default=3, help="runs of each side per size (median is shown)")
    ap.add_argument("--history", choices=("full", "running"), default="full",
                    help="gen_cib.py history: full (steady state) or running (probes needed)")
    ap.add_argument("--cache", default=os.path.join(tempfile.gettempdir(), "hastack-bench-cibs"),
                    help="where generated CIBs are kept between runs")
    ap.add_argument("--timeout", type=float, default=1800, help="seconds allowed for one run")
    ap.add_argument("--worker", metavar="CIB", help=argparse.SUPPRESS)
    a = ap.parse_args(argv)
    if a.worker:
        return worker(a.worker)
    cache = Path(a.cache)
    cache.mkdir(parents=True, exist_ok=True)
    rows = []
    print(f"python {sys.version.split()[0]}, {a.runs} run(s) each, history={a.history}, "
          f"peak memory via {'/usr/bin/time -v' if os.path.exists(GNU_TIME) else 'getrusage'}; CIBs in {cache}",
          flush=True)
    for size in parse_sizes(a.sizes):
        label = f"{size[0]}x{size[1]}"
        path = cib_for(size, a.history, cache)
        print(f"  {label}: {path.stat().st_size / 1e6:.1f} MB of XML ...", flush=True)
        c = run_crm_simulate(path, a.runs, a.timeout)
        h = run_hastack(path, a.runs, a.timeout)
        agree = agreement(h, oracle_summary(path, a.timeout) if h.summary is not None else "n/a")
        rows.append(row(label, h, c, agree))
    print()
    print_table(rows)
    return 0


if __name__ == "__main__":
    sys.exit(main())
