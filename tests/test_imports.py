"""The package's import structure: no import cycles, every import declared.

- A static import graph of ``src/hipcheck`` (imports at module level *and* inside
  functions, which are the usual way to hide a cycle; ``if TYPE_CHECKING`` blocks
  excluded; importing ``a.b`` counts as importing the package ``a`` too) has no cycle
  except the known ones listed below, each with who removes it.
- The CLI modules import in a fresh interpreter each (a cycle that the graph check
  missed would fail there with "partially initialized module").
- Every third-party module imported by ``src/`` belongs to a distribution that
  pyproject.toml declares (core dependencies or the app/distributed extras).
"""

from __future__ import annotations

import ast
import subprocess
import sys
import tomllib
from importlib import metadata
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SRC = REPO / "src"

#: cycles that exist on main and belong to other work; a new cycle fails the test
KNOWN_CYCLES: set[frozenset[str]] = {
    # the app's state <-> views cycle (issue 15, the app rework)
    frozenset({"hipcheck.app.state", "hipcheck.app.views"}),
}


def _modules() -> dict[str, Path]:
    mods = {}
    for f in (SRC / "hipcheck").rglob("*.py"):
        parts = list(f.relative_to(SRC).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        mods[".".join(parts)] = f
    return mods


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


class _Imports(ast.NodeVisitor):
    """Collect imported module names (absolute), skipping ``if TYPE_CHECKING`` bodies."""

    def __init__(self, module: str, is_package: bool) -> None:
        self.package = module if is_package else module.rpartition(".")[0]
        self.names: list[tuple[str, ast.AST]] = []
        self._guarded = 0

    def visit_If(self, node: ast.If) -> None:
        if _is_type_checking(node.test):
            for child in node.orelse:
                self.visit(child)
            return
        self.generic_visit(node)

    def visit_Try(self, node: ast.Try) -> None:
        handles_import_error = any(
            isinstance(h.type, ast.Name) and h.type.id in ("ImportError", "ModuleNotFoundError")
            for h in node.handlers
        )
        self._guarded += handles_import_error
        for child in [*node.body, *node.handlers]:  # the fallback import is optional too
            self.visit(child)
        self._guarded -= handles_import_error
        for child in [*node.orelse, *node.finalbody]:
            self.visit(child)

    def visit_Import(self, node: ast.Import) -> None:
        for alias in node.names:
            self.names.append((alias.name, node if not self._guarded else None))

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        base = node.module or ""
        if node.level:
            pkg = self.package
            for _ in range(node.level - 1):
                pkg = pkg.rpartition(".")[0]
            base = pkg + ("." + base if base else "")
        for alias in node.names:
            self.names.append((f"{base}.{alias.name}", node if not self._guarded else None))
            self.names.append((base, node if not self._guarded else None))


def _imports(module: str, path: Path) -> _Imports:
    visitor = _Imports(module, path.name == "__init__.py")
    visitor.visit(ast.parse(path.read_text(encoding="utf-8")))
    return visitor


def import_graph() -> dict[str, set[str]]:
    """hipcheck module -> hipcheck modules (and their packages) it imports."""
    mods = _modules()
    graph: dict[str, set[str]] = {m: set() for m in mods}
    for module, path in mods.items():
        for name, _node in _imports(module, path).names:
            if not name.startswith("hipcheck"):
                continue
            while name and name not in mods:
                name = name.rpartition(".")[0]
            parts = name.split(".")
            for target in (".".join(parts[:i]) for i in range(1, len(parts) + 1)):
                if target != module and not module.startswith(target + "."):
                    graph[module].add(target)
    return graph


def cycles(graph: dict[str, set[str]]) -> list[frozenset[str]]:
    """Strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[frozenset[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in graph[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = set()
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.add(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(frozenset(component))

    for v in graph:
        if v not in index:
            visit(v)
    return found


def test_the_cycle_finder_finds_a_cycle() -> None:
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert cycles(graph) == [frozenset({"a", "b", "c"})]
    assert cycles({"a": {"b"}, "b": set()}) == []


def test_no_new_import_cycles() -> None:
    graph = import_graph()
    assert graph["hipcheck.history.cli"] >= {"hipcheck.cli.present", "hipcheck.cli"}
    new = [sorted(c) for c in cycles(graph) if c not in KNOWN_CYCLES]
    assert not new, f"import cycles: {new}"


@pytest.mark.parametrize(
    "module",
    [
        "hipcheck.cli",
        "hipcheck.cli.commands",
        "hipcheck.cli.present",
        "hipcheck.cli.serve",
        "hipcheck.history.cli",
        "hipcheck.batch.cli",
        "hipcheck.program.cli",
        "hipcheck.synth.cli",
        "hipcheck.outputs.writers",
        "hipcheck.outputs.load",
    ],
)
def test_module_imports_in_a_fresh_interpreter(module: str) -> None:
    code = f"import {module}; from hipcheck.cli import app, main; import hipcheck.cli.commands"
    res = subprocess.run(
        [sys.executable, "-c", code],
        env={"PYTHONPATH": str(SRC), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert res.returncode == 0, res.stderr[-2000:]


def _declared() -> set[str]:
    """Distribution names pyproject declares (core, app and distributed extras)."""
    from packaging.requirements import Requirement

    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    reqs = [*project["dependencies"]]
    for extra in ("app", "distributed"):
        reqs += project["optional-dependencies"][extra]
    names: set[str] = set()
    for text in reqs:
        req = Requirement(text)
        names.add(req.name.lower())
        for extra in req.extras:  # e.g. dask[distributed] declares what that extra pulls
            for dep in metadata.requires(req.name) or []:
                dep_req = Requirement(dep)
                if dep_req.marker and dep_req.marker.evaluate({"extra": extra}):
                    names.add(dep_req.name.lower())
    return {n.replace("_", "-") for n in names}


def test_every_third_party_import_is_declared() -> None:
    declared = _declared()
    owners = metadata.packages_distributions()
    missing = {}
    for module, path in _modules().items():
        for name, node in _imports(module, path).names:
            top = name.split(".")[0]
            if node is None or not top or top == "hipcheck" or top in sys.stdlib_module_names:
                continue  # guarded by `except ImportError`, ours, or the standard library
            dists = {d.lower().replace("_", "-") for d in owners.get(top, [])}
            if not dists & declared:
                missing.setdefault(top, set()).add(module)
    assert not missing, f"imported but not declared in pyproject.toml: {missing}"
