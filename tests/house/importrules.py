"""The import checker behind tests/house/test_import_rules.py: a small AST pass over a source tree.

For every module of a top-level package it finds (1) the modules of that
package it imports — at module level or inside a function, absolute or
relative — and (2) every private name (`_x`, not a dunder) it takes from
another module, whether by `from m import _x` or by `m._x` on an imported
module. It reads the source only; nothing is imported or run.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True, order=True)
class Edge:
    """`importer` imports `imported` (both dotted module names) at `line` of the importer's file."""

    importer: str
    imported: str
    line: int


@dataclass(frozen=True, order=True)
class PrivateUse:
    """`importer` uses the private `name` of the module `owner`."""

    importer: str
    owner: str
    name: str
    line: int


def is_private(name: str) -> bool:
    return name.startswith("_") and not (name.startswith("__") and name.endswith("__"))


def modules(src: Path, package: str) -> Iterator[tuple[str, Path]]:
    """(dotted name, file) of every module of `package` under the source root `src`."""
    for path in sorted((src / package).rglob("*.py")):
        parts = path.relative_to(src).with_suffix("").parts
        if parts[-1] == "__init__":
            parts = parts[:-1]
        yield ".".join(parts), path


def _absolute(module: str, is_package: bool, level: int, name: str | None) -> str:
    """The absolute target of a relative `from ... import` written in `module`."""
    base = module.split(".") if is_package else module.split(".")[:-1]
    base = base[: len(base) - level + 1]
    return ".".join(base + ([name] if name else []))


def scan(src: Path, package: str) -> tuple[list[Edge], list[PrivateUse]]:
    """Every import of `package`'s own modules inside `package`, and every private name taken across modules."""
    known = dict(modules(src, package))
    edges: list[Edge] = []
    private: list[PrivateUse] = []
    for module, path in known.items():
        tree = ast.parse(path.read_text(), str(path))
        aliases: dict[str, str] = {}  # local name -> the package module it is bound to
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                for alias in node.names:
                    if alias.name == package or alias.name.startswith(package + "."):
                        edges.append(Edge(module, alias.name, node.lineno))
                        if alias.asname:
                            aliases[alias.asname] = alias.name
            elif isinstance(node, ast.ImportFrom):
                target = (_absolute(module, path.name == "__init__.py", node.level, node.module)
                          if node.level else node.module or "")
                if not (target == package or target.startswith(package + ".")):
                    continue
                for alias in node.names:
                    full = f"{target}.{alias.name}"
                    if full in known:  # `from pkg import module`: an import of that module
                        edges.append(Edge(module, full, node.lineno))
                        aliases[alias.asname or alias.name] = full
                        continue
                    edges.append(Edge(module, target, node.lineno))
                    if is_private(alias.name) and target != module:
                        private.append(PrivateUse(module, target, alias.name, node.lineno))
        for node in ast.walk(tree):
            if (isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name)
                    and node.value.id in aliases and is_private(node.attr) and aliases[node.value.id] != module):
                private.append(PrivateUse(module, aliases[node.value.id], node.attr, node.lineno))
    return sorted(set(edges)), sorted(set(private))


def unit(module: str, package: str) -> str:
    """The unit of the layer table a module belongs to: `pkg.model.config` -> `model`, `pkg.errors` -> `errors`."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else ""


def layer_violations(edges: list[Edge], package: str, may_import: dict[str, set[str]],
                     everyone: set[str]) -> list[Edge]:
    """Edges that cross units against the table: `A -> B` where B is neither in may_import[A] nor in everyone.

    An edge from a unit missing from the table is a violation too (the table must name every unit).
    """
    found = []
    for e in edges:
        a, b = unit(e.importer, package), unit(e.imported, package)
        if a == b or b in everyone or b == "":  # b == "": the package itself (its version string)
            continue
        if b not in may_import.get(a, set()):
            found.append(e)
    return found
