"""The package table of DESIGN.md (as README's Layout lists the real packages), checked on every run.

MAY_IMPORT says which of hastack's units each unit may import; EVERYONE may
be imported by all (the one error hierarchy, the one did-you-mean). Imports
inside functions count as much as those at the top. No module takes a private
name (`_x`) of another module. What breaks a rule today is listed in ALLOWED
and PRIVATE_ALLOWED with the reason; those lists only shrink: a new
violation fails, and so does an entry that no longer happens.

Why our own AST pass (tests/house/importrules.py) and not import-linter: the
private-name rule is not a contract import-linter has, so an AST pass was
needed anyway, and one pass for both rules keeps them in the same words; it
runs in well under a second with no dependency, and the same checker is
shown failing on a synthetic package below.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from importrules import Edge, PrivateUse, layer_violations, scan

SRC = Path(__file__).resolve().parents[2] / "src"

EVERYONE = {"errors", "didyoumean"}
_ALL = {"model", "crm", "cib", "validate", "scheduler", "simulate", "agents", "shims", "store", "configsvc",
        "bulkwork", "examples", "graphrun", "record", "etcdserver", "lab", "keygen", "status"}
MAY_IMPORT: dict[str, set[str]] = {
    "errors": set(),
    "didyoumean": set(),
    "bulkwork": set(),  # interpreter settings for the programs that do bulk work
    "examples": set(),  # data files only
    "model": set(),
    "crm": {"model"},
    "cib": {"model", "bulkwork"},
    "validate": {"model", "crm"},
    "scheduler": {"model"},
    "simulate": {"model", "scheduler", "graphrun", "record"},
    "agents": {"model"},
    "shims": {"model", "store", "status", "cib"},  # crm_mon renders the status view; reads the stored CIB
    "status": {"model", "scheduler"},  # the one status view: the scheduler's public facts, rendered
    "store": {"model", "cib"},  # the configuration travels as CIB XML
    "etcdserver": {"store"},
    "keygen": set(),  # the cluster CA and node certificates
    "graphrun": {"model", "scheduler"},  # the one graph runner: the scheduler's public names only
    "record": {"model"},  # writes an operation result into the cluster state  # etcd members' command lines; readiness through the store's client
    # parse, merge, validate, commit (agents: the installed agents' meta-data); the store is passed in
    "configsvc": {"model", "crm", "cib", "validate", "agents"},
    "cli": _ALL | {"daemon"},  # daemon's public pieces only (the etcd voter plan for `hastack witness`)
    # DESIGN.md's units still to come, checked as soon as they exist
    "daemon": _ALL - {"cli", "web", "lab"},
    "web": {"store", "model", "scheduler", "simulate", "configsvc"},
    "lab": {"store", "cli", "etcdserver", "daemon", "keygen"},  # daemon: the watchdog deadline and timing it emulates
}

# (importer, imported) -> why it is allowed for now. Remove an entry when the import goes.
ALLOWED: dict[tuple[str, str], str] = {
    ("hastack.agents.executor", "hastack.store.paths"):
        "the executor gives agents the shims' local state directory; goes when the shims write through the "
        "store port (issue 9, item 5)",
    ("hastack.shims.stonith_admin", "hastack.agents.action"):
        "stonith_admin runs a fence agent itself (as Pacemaker's does through the fencer); goes when fencing "
        "is the daemon's",
    ("hastack.shims.stonith_admin", "hastack.agents.executor"): "as above",
}

# (importer, owner, name) -> why. Remove an entry when the private name is no longer used across modules.
PRIVATE_ALLOWED: dict[tuple[str, str, str], str] = {
    ("hastack.agents.stonith", "hastack.agents.classes", "_check_executable"):
        "agent-class helpers shared by classes.py and stonith.py; to become public names of classes.py",
    ("hastack.agents.stonith", "hastack.agents.classes", "_unknown"): "as above",
}


def units(src: Path, package: str) -> set[str]:
    return {p.stem if p.is_file() else p.name for p in (src / package).iterdir()
            if (p.is_dir() and (p / "__init__.py").exists()) or (p.suffix == ".py" and p.stem != "__init__")}


def test_every_unit_is_in_the_table() -> None:
    missing = units(SRC, "hastack") - set(MAY_IMPORT)
    assert not missing, f"add {sorted(missing)} to MAY_IMPORT (and README's Layout, DESIGN.md's table)"


def test_imports_follow_the_table() -> None:
    edges, _ = scan(SRC, "hastack")
    found = {(e.importer, e.imported): e for e in layer_violations(edges, "hastack", MAY_IMPORT, EVERYONE)}
    new = [f"{e.importer} imports {e.imported} (line {e.line})" for k, e in sorted(found.items()) if k not in ALLOWED]
    gone = sorted(k for k in ALLOWED if k not in found)
    assert not new, "imports against DESIGN.md's table:\n" + "\n".join(new)
    assert not gone, f"no longer imported, remove from ALLOWED: {gone}"


def test_no_private_names_across_modules() -> None:
    _, private = scan(SRC, "hastack")
    found = {(p.importer, p.owner, p.name): p for p in private}
    new = [f"{p.importer} uses {p.owner}.{p.name} (line {p.line})" for k, p in sorted(found.items())
           if k not in PRIVATE_ALLOWED]
    gone = sorted(k for k in PRIVATE_ALLOWED if k not in found)
    assert not new, "private names used across modules (make them public, or move them):\n" + "\n".join(new)
    assert not gone, f"no longer used, remove from PRIVATE_ALLOWED: {gone}"


def test_the_scheduler_flips_no_process_wide_switch() -> None:
    """No module of the decision imports gc, threading or bulkwork, or calls sys.setrecursionlimit."""
    offenders = []
    for path in sorted((SRC / "hastack" / "scheduler").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            names = ([a.name for a in node.names] if isinstance(node, ast.Import) else
                     [node.module or ""] if isinstance(node, ast.ImportFrom) else [])
            if any(n in ("gc", "threading") or n.endswith("bulkwork") for n in names):
                offenders.append(f"{path.relative_to(SRC)}:{node.lineno}: imports {names}")
            if isinstance(node, ast.Attribute) and node.attr in ("setrecursionlimit", "setswitchinterval"):
                offenders.append(f"{path.relative_to(SRC)}:{node.lineno}: {node.attr}")
    assert not offenders, offenders


# --- the checker itself, on a synthetic package: it must fail on each kind of violation ------------

def _package(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = root / "pkg" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return root


@pytest.fixture
def synthetic(tmp_path: Path) -> Path:
    return _package(tmp_path, {
        "__init__.py": "",
        "errors.py": "",
        "model/__init__.py": "from pkg.errors import *\n",
        "model/data.py": "def _helper(): pass\ndef public(): pass\n",
        "scheduler/__init__.py": "from pkg.model.data import public\n",
        # a deliberate layer violation, inside a function and relative
        "scheduler/run.py": "def f():\n    from ..cli import main\n    return main\n",
        # deliberate private uses: by name, and through a module alias
        "scheduler/peek.py": "from pkg.model.data import _helper\nfrom pkg.model import data\nx = data._helper\n",
        "cli/__init__.py": "import pkg.scheduler\nfrom pkg.model import data as d\nmain = d.public\n",
    })


def test_the_checker_finds_a_forbidden_import(synthetic: Path) -> None:
    table = {"model": set(), "scheduler": {"model"}, "cli": {"model", "scheduler"}}
    edges, _ = scan(synthetic, "pkg")
    assert layer_violations(edges, "pkg", table, {"errors"}) == [Edge("pkg.scheduler.run", "pkg.cli", 2)]
    # with the import allowed, nothing is left
    assert layer_violations(edges, "pkg", {**table, "scheduler": {"model", "cli"}}, {"errors"}) == []


def test_the_checker_finds_private_names_taken_across_modules(synthetic: Path) -> None:
    _, private = scan(synthetic, "pkg")
    assert private == [PrivateUse("pkg.scheduler.peek", "pkg.model.data", "_helper", 1),
                       PrivateUse("pkg.scheduler.peek", "pkg.model.data", "_helper", 3)]


def test_a_unit_missing_from_the_table_fails(synthetic: Path) -> None:
    edges, _ = scan(synthetic, "pkg")
    found = layer_violations(edges, "pkg", {"model": set(), "scheduler": {"model", "cli"}}, {"errors"})
    assert {e.importer for e in found} == {"pkg.cli"}
