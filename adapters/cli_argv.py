"""Building the ``dw`` command line from a fixture's ``cli.argv`` object.

The rules (the fixture format's, applied literally):

- keys are taken in the object's order (JSON objects keep their order when
  parsed by Python);
- a key without a leading ``-`` is a positional argument: its string value is
  one argument, a list of strings is one argument per item, in order;
- a key with a leading ``-`` is an option: a string becomes ``--opt=value``
  (one argument, whatever the value holds: spaces, quotes, ``=``, unicode,
  an empty string), ``true`` becomes the bare flag ``--opt``, a list becomes
  the option repeated once per item (``--opt=item``);
- nothing is added: no ``--json``, no ``--server``; the connection travels in
  the environment (see :mod:`conformance.adapters.child_env`).

Anything else (``false``, numbers, ``null``, objects, a positional ``true``,
an empty key) is refused with a :class:`~conformance.problems.Problem` naming
the file, the pointer and what was expected. The values are never given to a
shell, so no quoting is needed or done.
"""

from __future__ import annotations

from typing import Any

from conformance import jsonpointer
from conformance.problems import InputError, Problem

ARGV_POINTER = "/cli/argv"


def _describe(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    return f"a {type(value).__name__} value"


def build_arguments(argv_spec: Any, *, file: str, pointer: str = ARGV_POINTER) -> list[str]:
    """The arguments after the command name; :class:`InputError` for a malformed spec."""
    if not isinstance(argv_spec, dict):
        raise InputError([Problem(file, pointer, "an object of arguments", _describe(argv_spec))])
    arguments: list[str] = []
    problems: list[Problem] = []
    for key, value in argv_spec.items():
        where = jsonpointer.join(pointer, key)
        if not key or key == "-":
            problems.append(Problem(file, where, "a positional name or an --option", repr(key)))
            continue
        is_option = key.startswith("-")
        if isinstance(value, str):
            arguments.append(f"{key}={value}" if is_option else value)
        elif value is True and is_option:
            arguments.append(key)
        elif isinstance(value, list):
            for index, item in enumerate(value):
                if isinstance(item, str):
                    arguments.append(f"{key}={item}" if is_option else item)
                else:
                    problems.append(
                        Problem(file, jsonpointer.join(where, index), "a string", _describe(item))
                    )
        else:
            expected = (
                "a string, true, or a list of strings" if is_option else "a string or a list of strings"
            )
            problems.append(Problem(file, where, expected, _describe(value)))
    if problems:
        raise InputError(problems)
    return arguments


def build_argv(executable: str, command: str, argv_spec: Any, *, file: str) -> list[str]:
    """``[executable, command, *arguments]``."""
    return [executable, command, *build_arguments(argv_spec, file=file)]
