"""Finding adapters by name: the built-in ones and those of Python entry points.

A third party adds an adapter by declaring, in its own distribution::

    [project.entry-points."dw_conformance.adapters"]
    my-client = "my_package.module:MyAdapter"

where ``MyAdapter`` subclasses :class:`conformance.adapters.base.Adapter`.
"""

from __future__ import annotations

import re
from importlib import import_module
from importlib.metadata import entry_points
from typing import Any

from conformance.adapters.base import Adapter, AdapterError

ENTRY_POINT_GROUP = "dw_conformance.adapters"

#: Built-in adapters, in the order a default run lists them.
BUILTIN: dict[str, str] = {
    "canonical": "conformance.adapters.canonical:CanonicalAdapter",
    "python-sdk": "conformance.adapters.python_sdk:PythonSdkAdapter",
    "cli": "conformance.adapters.dw_cli:DwCliAdapter",
    "exec": "conformance.adapters.exec_protocol:ExecAdapter",
}


def _load(target: str) -> type[Adapter]:
    module_name, _, attribute = target.partition(":")
    adapter_class = getattr(import_module(module_name), attribute)
    if not (isinstance(adapter_class, type) and issubclass(adapter_class, Adapter)):
        raise AdapterError(f"{target} is not an Adapter subclass")
    return adapter_class


def available_names() -> list[str]:
    names = list(BUILTIN)
    for entry in entry_points(group=ENTRY_POINT_GROUP):
        if entry.name not in names:
            names.append(entry.name)
    return names


def adapter_class(name: str) -> type[Adapter]:
    """The class registered as ``name``; :class:`AdapterError` when unknown."""
    if name in BUILTIN:
        return _load(BUILTIN[name])
    for entry in entry_points(group=ENTRY_POINT_GROUP):
        if entry.name == name:
            try:
                loaded = entry.load()
            except Exception as error:
                raise AdapterError(f"adapter {name!r} ({entry.value}) failed to load: {error}") from error
            if not (isinstance(loaded, type) and issubclass(loaded, Adapter)):
                raise AdapterError(f"adapter {name!r} ({entry.value}) is not an Adapter subclass")
            return loaded
    known = ", ".join(available_names())
    raise AdapterError(f"unknown adapter {name!r}; known adapters: {known}")


#: What an instance label may hold (``python-sdk@2.12``, ``cli@rc35``): it becomes part of case ids.
_INSTANCE_LABEL = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,39}$")


def create(spec: str, **options: Any) -> Adapter:
    """Build an adapter from ``NAME``, ``NAME=ARG``, ``NAME@LABEL`` or ``NAME@LABEL=ARG`` (``--adapter``)."""
    head, sep, arg = spec.partition("=")
    name, at, label = head.strip().partition("@")
    if at and not _INSTANCE_LABEL.match(label):
        raise AdapterError(
            f"--adapter {head.strip()!r}: expected an instance label of letters, digits, '.', '_' or '-' "
            f"after '@' (at most 40); found {label!r}"
        )
    adapter = adapter_class(name.strip())(arg if sep else None, **options)
    if at:
        adapter.instance_label = f"{name.strip()}@{label}"
    return adapter
