"""The import graph of the engine: no circles, and the imports inside functions are the documented ones.

The graph is read from the source with ``ast`` (:mod:`support.import_graph`): every
module of the ``conformance`` package, the adapters included, and every import
statement wherever it stands (module level, class body, inside a function); the
imports under ``if TYPE_CHECKING:`` load nothing and are left out.
``conformance/starters/`` is not part of the graph: it holds the templates
``init-adapter`` copies for a user's own client (``from my_client import Client``),
package data without an ``__init__.py`` that the engine never imports.

Two modules load others by name, which no import statement shows: ``cli.build_parser``
the sub-commands (``COMMAND_MODULES``) and the adapter registry the built-in
adapters (``BUILTIN``); those edges are added to the graph before looking for circles.

An import inside a function is a lazy load of heavy machinery, allowed only as a
row of the table in ``docs/architecture.md`` ("Imports"), at most ten of them.
"""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pytest

from conformance import cli
from conformance.adapters import registry
from support.import_graph import ImportGraph, circles_of, read_package

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "conformance"
DOC = ROOT / "docs" / "architecture.md"
MAX_LAZY_IMPORTS = 10
#: A row of the table: `module:function` | `loaded module` | why.
ROW = re.compile(r"^\| `([\w.]+):([\w.]+)` \| `([\w.]+)` \|", re.MULTILINE)


@pytest.fixture(scope="module")
def graph() -> ImportGraph:
    return read_package(PACKAGE)


def _documented() -> Counter[tuple[str, str]]:
    """The rows of the "Imports" table: (``module:function``, loaded module)."""
    text = DOC.read_text(encoding="utf-8")
    assert "\n## Imports\n" in text, "docs/architecture.md has no 'Imports' section"
    section = re.split(r"\n## ", text.split("\n## Imports\n", 1)[1], maxsplit=1)[0]
    return Counter((f"{module}:{function}", loaded) for module, function, loaded in ROW.findall(section))


def _inside_functions(graph: ImportGraph) -> Counter[tuple[str, str]]:
    return Counter((f"{item.importer}:{item.function}", item.target) for item in graph.function_level())


def _loaded_by_name() -> dict[str, set[str]]:
    """The modules loaded by name at run time (``importlib.import_module``), by the module loading them."""
    return {
        "conformance.cli": {f"conformance.commands.{name}" for name in cli.COMMAND_MODULES},
        "conformance.adapters.registry": {target.partition(":")[0] for target in registry.BUILTIN.values()},
    }


def test_the_import_graph_has_no_circles(graph: ImportGraph) -> None:
    edges = graph.edges()
    for importer, loaded in _loaded_by_name().items():
        assert loaded <= set(graph.modules), loaded - set(graph.modules)
        edges[importer] |= loaded
    described = [
        f"- {len(circle)} modules: {', '.join(circle)}\n"
        + "\n".join(f"    {module} -> {', '.join(sorted(edges[module] & set(circle)))}" for module in circle)
        for circle in circles_of(edges)
    ]
    assert not described, (
        "import circles (imports inside functions and modules loaded by name count):\n" + "\n".join(described)
    )


def test_imports_inside_functions_are_exactly_the_documented_lazy_loads(graph: ImportGraph) -> None:
    found, documented = _inside_functions(graph), _documented()
    undocumented = sorted((found - documented).elements())
    stale = sorted((documented - found).elements())
    assert not undocumented, (
        "imports inside functions missing from the table of docs/architecture.md ('Imports'); "
        f"move them to the top of the module, or document the lazy load: {undocumented}"
    )
    assert not stale, f"rows of the table in docs/architecture.md ('Imports') that no longer hold: {stale}"


def test_at_most_ten_imports_inside_functions(graph: ImportGraph) -> None:
    inside = graph.function_level()
    assert len(inside) <= MAX_LAZY_IMPORTS, [
        f"{item.importer}:{item.function} {item.target}" for item in inside
    ]


def test_the_graph_holds_the_whole_engine_and_not_the_starters(graph: ImportGraph) -> None:
    assert {"conformance", "conformance.cli", "conformance.checks.body", "conformance.adapters.base"} <= set(
        graph.modules
    )  # the adapters symlink (conformance/adapters -> ../adapters) is followed
    starters = PACKAGE / "starters"
    assert not (starters / "__init__.py").exists(), "starters/ became a package: it would join the graph"
    assert not [module for module in graph.modules if module.startswith("conformance.starters")]
    # the import the graph must not see: a template imports the user's own client
    assert "from my_client import Client" in (starters / "python" / "adapter.py").read_text(encoding="utf-8")
    assert not [item for item in graph.imports if item.target == "conformance.starters"]


def test_the_reader_counts_imports_inside_functions_and_skips_type_checking(tmp_path: Path) -> None:
    package = tmp_path / "pkg"
    (package / "sub").mkdir(parents=True)
    (package / "data").mkdir()  # no __init__.py: package data, not modules
    files = {
        "__init__.py": "",
        "a.py": "from pkg import b\n",
        "b.py": """
import json


class B:
    def run(self):
        from pkg.a import thing
        import json
""",
        "c.py": """
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pkg import a
else:
    from . import b
""",
        "sub/__init__.py": "from ..a import thing\n",
        "sub/d.py": "from .. import c\nfrom pkg.sub import e\n",
        "sub/e.py": "",
        "data/template.py": "from my_client import Client\n",
    }
    for name, text in files.items():
        (package / name).write_text(text, encoding="utf-8")
    graph = read_package(package)
    assert sorted(graph.modules) == ["pkg", "pkg.a", "pkg.b", "pkg.c", "pkg.sub", "pkg.sub.d", "pkg.sub.e"]
    assert graph.circles() == [["pkg.a", "pkg.b"]]  # through B.run's import
    edges = graph.edges()
    assert edges["pkg.c"] == {"pkg.b"}  # the TYPE_CHECKING branch is skipped, its else is not
    assert edges["pkg.sub"] == {"pkg.a"}
    assert edges["pkg.sub.d"] == {"pkg.c", "pkg.sub.e"}
    assert [(item.importer, item.function, item.target) for item in graph.function_level()] == [
        ("pkg.b", "B.run", "pkg.a"),
        ("pkg.b", "B.run", "json"),
    ]
    assert graph.rooms() == {"pkg", "pkg.sub"}
    with pytest.raises(ValueError):
        graph.floors()  # no floors while there is a circle
    module_level = ImportGraph(graph.modules, [item for item in graph.imports if item.function is None])
    assert module_level.circles() == []
    assert module_level.floors() == {
        "pkg": 0,
        "pkg.b": 0,
        "pkg.sub.e": 0,
        "pkg.a": 1,
        "pkg.c": 1,
        "pkg.sub": 2,
        "pkg.sub.d": 2,
    }
