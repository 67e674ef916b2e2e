"""The import graph of a package, read from its source with :mod:`ast` (nothing is imported).

A *module* is a ``.py`` file in a package directory (one with an ``__init__.py``,
every directory up to the root being one too); symlinked package directories are
followed (``conformance/adapters -> ../adapters``). A directory without an
``__init__.py`` (``conformance/starters/``: templates that ``init-adapter`` copies
for a user's own client) is package data, not a module of the package.

An *edge* ``a -> b`` is an import statement of ``a`` that loads module ``b`` of the
same package, wherever the statement stands: at module level, in a class body or
inside a function. Imports under ``if TYPE_CHECKING:`` load nothing at run time
and are left out. ``from p import name`` is an edge to ``p.name`` when that is a
module, else to ``p``. The parent packages Python initialises on the way
(``conformance/checks/__init__.py`` for ``conformance.checks.values``) are not
edges of their own.

An import *inside a function* (:attr:`Import.function`) is recorded whatever it
loads (a module of the package, the standard library, a third-party one).
"""

from __future__ import annotations

import ast
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

__all__ = ["Import", "ImportGraph", "circles_of", "read_package"]


@dataclass(frozen=True)
class Import:
    """One module loaded by one import statement."""

    importer: str
    #: The module loaded: resolved to a module of the package, else as written (``hypothesis``).
    target: str
    line: int
    #: The qualified name of the enclosing function (``Fuzzer.run``), or None at module level.
    function: str | None
    #: Whether ``target`` is a module of the package (an edge of the graph).
    internal: bool


@dataclass
class ImportGraph:
    """The modules of one package and the imports between them."""

    modules: dict[str, Path]
    imports: list[Import] = field(default_factory=list)

    def edges(self) -> dict[str, set[str]]:
        """Module -> the modules of the package it imports (run-time imports only)."""
        graph: dict[str, set[str]] = {module: set() for module in self.modules}
        for item in self.imports:
            if item.internal and item.target != item.importer:
                graph[item.importer].add(item.target)
        return graph

    def function_level(self) -> list[Import]:
        """Every import made inside a function, in module and line order."""
        return sorted(
            (item for item in self.imports if item.function is not None),
            key=lambda item: (item.importer, item.line, item.target),
        )

    def circles(self) -> list[list[str]]:
        """The strongly connected components of more than one module (each sorted), sorted."""
        return circles_of(self.edges())

    def floors(self) -> dict[str, int]:
        """Module -> its floor: 0 for a module importing no module of the package, else one above
        the highest floor it imports. Only defined without circles (``ValueError`` otherwise)."""
        if self.circles():
            raise ValueError("the graph has circles: no floors")
        edges = self.edges()
        floor: dict[str, int] = {}
        for module in sorted(edges):
            stack = [module]
            while stack:
                current = stack[-1]
                pending = [target for target in edges[current] if target not in floor]
                if pending:
                    stack.extend(pending)
                    continue
                stack.pop()
                floor[current] = 1 + max((floor[target] for target in edges[current]), default=-1)
        return floor

    def rooms(self) -> set[str]:
        """The packages the modules live in (``conformance``, ``conformance.checks``...)."""
        return {
            module if path.name == "__init__.py" else module.rpartition(".")[0]
            for module, path in self.modules.items()
        }


def read_package(package_dir: Path) -> ImportGraph:
    """The import graph of the package at ``package_dir`` (its name is the directory's)."""
    modules = dict(_modules(package_dir, package_dir.name))
    graph = ImportGraph(modules)
    for module, path in sorted(modules.items()):
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        graph.imports.extend(_imports(module, path.name == "__init__.py", tree, modules))
    return graph


def _modules(directory: Path, name: str) -> Iterator[tuple[str, Path]]:
    for root, dirs, files in os.walk(directory, followlinks=True):
        here = Path(root)
        relative = here.relative_to(directory)
        # a module only where every directory from the root down is a package
        chain = [directory.joinpath(*relative.parts[:depth]) for depth in range(len(relative.parts) + 1)]
        if not all((folder / "__init__.py").is_file() for folder in chain):
            dirs.clear()
            continue
        dirs[:] = sorted(entry for entry in dirs if entry != "__pycache__")
        package = ".".join([name, *relative.parts])
        for file in sorted(files):
            if file.endswith(".py"):
                stem = file[: -len(".py")]
                yield (package if stem == "__init__" else f"{package}.{stem}"), here / file


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _imports(module: str, is_package: bool, tree: ast.Module, modules: dict[str, Path]) -> Iterator[Import]:
    # (node, enclosing function's qualified name, the qualified name prefix of the scope)
    stack: list[tuple[ast.AST, str | None, str]] = [(tree, None, "")]
    while stack:
        node, function, scope = stack.pop()
        if isinstance(node, ast.Import | ast.ImportFrom):
            loaded: dict[str, bool] = {}  # one entry per module, in the statement's order
            for candidate, written in _targets(module, is_package, node):
                internal = _resolve(candidate, modules)
                loaded.setdefault(internal or written, internal is not None)
            for target, is_internal in loaded.items():
                yield Import(module, target, node.lineno, function, is_internal)
            continue
        children: list[ast.AST] = list(ast.iter_child_nodes(node))
        if isinstance(node, ast.If) and _is_type_checking(node.test):
            children = list(node.orelse)  # the TYPE_CHECKING branch loads nothing at run time
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            function = scope + node.name
            scope = function + "."
        elif isinstance(node, ast.ClassDef):
            scope = scope + node.name + "."
        stack.extend((child, function, scope) for child in reversed(children))


def _targets(module: str, is_package: bool, node: ast.Import | ast.ImportFrom) -> list[tuple[str, str]]:
    """(candidate, written) per imported name: ``p.name`` (a module, or a name of module ``p``) and
    ``p`` for ``from p import name``; the module's own name twice for ``import p``."""
    if isinstance(node, ast.Import):
        return [(alias.name, alias.name) for alias in node.names]
    base = node.module or ""
    if node.level:
        parts = module.split(".")
        package = parts if is_package else parts[:-1]
        package = package[: len(package) - (node.level - 1)]
        base = ".".join([*package, *([base] if base else [])])
    return [(f"{base}.{alias.name}" if alias.name != "*" else base, base) for alias in node.names]


def _resolve(name: str, modules: dict[str, Path]) -> str | None:
    """The module of the package ``name`` loads (the longest known prefix), or None."""
    while name:
        if name in modules:
            return name
        name = name.rpartition(".")[0]
    return None


def circles_of(edges: dict[str, set[str]]) -> list[list[str]]:
    """The circles of a graph: its strongly connected components of more than one node (sorted)."""
    return sorted(sorted(component) for component in _components(edges) if len(component) > 1)


def _components(edges: dict[str, set[str]]) -> list[list[str]]:
    """Tarjan's strongly connected components."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    components: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in sorted(edges[node]):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component: list[str] = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            components.append(component)

    for node in sorted(edges):
        if node not in index:
            visit(node)
    return components
