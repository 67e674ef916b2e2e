"""The harness's own YAML files: parsed fast (libyaml) at run time, and proven strict here.

``load_shipped_yaml`` trusts the files shipped in the package and skips the
strict loader's checks (repeated keys, NaN, over-long integers, alias bounds).
These tests are what makes that trust safe: every shipped file must load
through the strict loader without a problem, and libyaml must give exactly the
same document, types included.
"""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path
from typing import Any

import pytest
import yaml

from conformance import strict_yaml
from conformance.problems import InputError
from conformance.strict_yaml import load_shipped_yaml, load_yaml_text


def _shipped_files() -> list[Path]:
    package = Path(str(resources.files("conformance")))
    return sorted((package / "data").glob("*.yaml")) + sorted((package / "proxy" / "profiles").glob("*.yaml"))


SHIPPED = _shipped_files()


def test_the_package_ships_the_yaml_files_the_run_reads() -> None:
    names = {path.name for path in SHIPPED}
    assert {"surfaced-facts.yaml", "operations.yaml", "variant-fields.yaml", "error-kinds.yaml"} <= names
    assert any(path.parent.name == "profiles" for path in SHIPPED)


@pytest.mark.parametrize("path", SHIPPED, ids=lambda path: f"{path.parent.name}/{path.name}")
def test_each_shipped_file_is_strict_and_loads_the_same_both_ways(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    strict = load_yaml_text(text, str(path))  # raises InputError on any strictness problem
    assert _typed(load_shipped_yaml(text, str(path))) == _typed(strict)


@pytest.mark.skipif(not yaml.__with_libyaml__, reason="PyYAML was built without libyaml here")
@pytest.mark.parametrize("path", SHIPPED, ids=lambda path: f"{path.parent.name}/{path.name}")
def test_libyaml_itself_gives_each_shipped_file_the_strict_document(path: Path) -> None:
    # The loader directly, so that the strict fallback inside load_shipped_yaml cannot hide a libyaml error.
    text = path.read_text(encoding="utf-8")
    fast = yaml.load(text, Loader=strict_yaml._ShippedLoader)  # a CSafeLoader subclass
    assert _typed(fast) == _typed(load_yaml_text(text, str(path)))


def _typed(document: Any) -> str:
    """The document as canonical JSON: ``True`` and ``1``, ``1`` and ``1.0`` stay different."""
    return json.dumps(document, sort_keys=True)


@pytest.mark.skipif(not yaml.__with_libyaml__, reason="PyYAML was built without libyaml here")
def test_the_fast_path_keeps_dates_as_strings_like_the_strict_loader() -> None:
    document = load_shipped_yaml("released: 2026-01-02\ncount: 3\n", "inline.yaml")
    assert document == {"released": "2026-01-02", "count": 3}
    assert yaml.safe_load("released: 2026-01-02\n")["released"] != "2026-01-02"  # what it guards against


@pytest.mark.skipif(not yaml.__with_libyaml__, reason="PyYAML was built without libyaml here")
def test_the_fast_path_would_take_a_repeated_key_which_is_why_the_files_are_tested() -> None:
    text = "a: 1\na: 2\n"
    assert load_shipped_yaml(text, "inline.yaml") == {"a": 2}
    with pytest.raises(InputError, match="repeated at line 2"):
        load_yaml_text(text, "inline.yaml")


def test_a_broken_shipped_file_is_reported_by_the_strict_loader_with_its_name() -> None:
    with pytest.raises(InputError) as caught:
        load_shipped_yaml("a: [1, 2\n", "conformance/data/broken.yaml")
    assert "conformance/data/broken.yaml" in str(caught.value)
    assert "valid YAML" in str(caught.value)


def test_without_libyaml_the_strict_loader_parses_shipped_files(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(yaml, "__with_libyaml__", False)  # the module strict_yaml reads it from
    with pytest.raises(InputError, match="repeated at line 2"):
        load_shipped_yaml("a: 1\na: 2\n", "inline.yaml")
