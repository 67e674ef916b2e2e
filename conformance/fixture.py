"""Loading control-plane request fixtures safely, and the :class:`Fixture` model.

Loading never raises anything but :class:`~conformance.problems.InputError`,
whose problems name the file, the JSON pointer, what was expected and what was
found. Everything a hostile or broken file can do (bytes that are not UTF-8,
invalid JSON, duplicate keys, nesting deeper than :data:`MAX_JSON_DEPTH`, a size far
beyond any real fixture, a symlink out of its directory, a FIFO or device in
place of a file, an integer too long for Python to convert, NaN or infinity,
a lone surrogate in a string) becomes such a problem; the JSON itself is
parsed by :mod:`conformance.strict_json`. Loading a directory for a run, with
the semantic rules, is :func:`conformance.fixture_discovery.discover`.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

from conformance import jsonpointer
from conformance.fixture_schema import schema_problems
from conformance.input_file import read_input_bytes
from conformance.problems import InputError, Problem
from conformance.shipped import shipped_dir
from conformance.strict_json import MAX_JSON_DEPTH, parse_json_bytes

FIXTURE_SCHEMA_ID = "durable-workflow.polyglot.control-plane-request-fixture"
SUPPORTED_VERSIONS = (1,)
#: Projection keys the shipped adapters read. Any other key of the fixture that
#: is not a known top-level key is treated as a (future) projection.
KNOWN_TOP_LEVEL_KEYS = frozenset(
    {"schema", "version", "operation", "request", "semantic_body", "response_body", "description"}
)
#: A ``request_body`` key ending so, holding an envelope beside a plain key of the same stem,
#: is the Avro envelope a client sends *beside* that plain value (a "companion").
ENVELOPE_SUFFIX = "_envelope"
#: Upper bound on a fixture file; real fixtures are a few kilobytes.
MAX_FIXTURE_BYTES = 8 * 1024 * 1024


def read_json_file(path: Path, *, max_bytes: int = MAX_FIXTURE_BYTES, max_depth: int | None = None) -> Any:
    """Read and parse one JSON file: a regular file only, size-capped and time-bounded
    (:func:`conformance.input_file.read_input_bytes`), then strictly parsed."""
    return parse_json_bytes(read_input_bytes(path, max_bytes=max_bytes), str(path), max_depth=max_depth)


def _is_envelope(value: Any) -> bool:
    return isinstance(value, dict) and "codec" in value and "blob" in value


@dataclass(frozen=True)
class PayloadEnvelope:
    """A projection's ``payload_envelope``: the body field its client sends as an envelope."""

    #: Dotted body field as written (``input``, ``action.input``).
    field: str
    codec: str
    #: The stated plain value, as written (may itself hold envelopes, decoded by the builder).
    decoded: Any
    #: The stated blob, or None when the fixture gives none.
    blob: Any
    #: Fixture pointer of the ``payload_envelope`` object (``/sdk_python/payload_envelope``).
    pointer: str

    @property
    def tokens(self) -> tuple[str, ...]:
        """The field as body tokens (``("action", "input")``)."""
        return tuple(self.field.split("."))


@dataclass(frozen=True)
class EnvelopeCompanion:
    """A ``<name>_envelope`` key of a ``request_body`` next to a plain ``<name>``: sent beside it."""

    #: Body tokens of the companion key (``("input_envelope",)``).
    tokens: tuple[str, ...]
    codec: str
    #: Fixture pointers of the companion and of its plain twin.
    pointer: str
    plain_pointer: str
    envelope: dict[str, Any] = field(repr=False)
    plain: Any = field(repr=False)

    @property
    def name(self) -> str:
        return self.tokens[-1]


@dataclass(frozen=True)
class Projection:
    """One projection of a fixture (``cli``, ``sdk_python``, ``sdk_go``...), typed.

    ``data`` is the raw object. ``expected_body`` / ``request_body`` keep the
    fixture's spelling (envelopes inside are decoded by the expectation
    builder); ``companions`` are the ``<name>_envelope`` keys of
    ``request_body`` that travel beside their plain twin, in the builder's order.
    """

    key: str
    data: dict[str, Any] = field(repr=False)
    expected_query: Any
    has_expected_query: bool
    expected_body: Any
    has_expected_body: bool
    request_body: Any
    has_request_body: bool
    body_match: Any
    payload_envelope: PayloadEnvelope | None
    companions: tuple[EnvelopeCompanion, ...]


def _payload_envelope(file: str, key: str, projection: dict[str, Any]) -> PayloadEnvelope | None:
    spec = projection.get("payload_envelope")
    if spec is None:
        return None
    base = jsonpointer.join("", key, "payload_envelope")
    if not isinstance(spec, dict) or not isinstance(spec.get("field"), str) or "decoded" not in spec:
        raise InputError([Problem(file, base, "an object with field, codec and decoded", repr(spec)[:80])])
    dotted: str = spec["field"]
    if not all(dotted.split(".")):
        raise InputError(
            [Problem(file, base + "/field", "a dotted field such as input or action.input", dotted)]
        )
    return PayloadEnvelope(dotted, str(spec.get("codec", "avro")), spec["decoded"], spec.get("blob"), base)


def _companions(key: str, request_body: Any) -> tuple[EnvelopeCompanion, ...]:
    """The companions of a ``request_body``: objects visited depth-last (a stack), keys in order."""
    if not isinstance(request_body, dict):
        return ()
    base = jsonpointer.join("", key, "request_body")
    found: list[EnvelopeCompanion] = []
    stack: list[tuple[dict[str, Any], str, tuple[str, ...]]] = [(request_body, base, ())]
    while stack:
        source, where, tokens = stack.pop()
        for name, item in source.items():
            stem = name[: -len(ENVELOPE_SUFFIX)] if name.endswith(ENVELOPE_SUFFIX) else None
            if stem and stem in source and _is_envelope(item):
                found.append(
                    EnvelopeCompanion(
                        (*tokens, name),
                        str(item.get("codec")),
                        jsonpointer.join(where, name),
                        jsonpointer.join(where, stem),
                        item,
                        source[stem],
                    )
                )
            elif isinstance(item, dict) and not _is_envelope(item):
                stack.append((item, jsonpointer.join(where, name), (*tokens, name)))
    return tuple(found)


def parse_projection(file: str, key: str, data: dict[str, Any]) -> Projection:
    """The typed view of one projection object; a malformed ``payload_envelope`` is an :class:`InputError`."""
    return Projection(
        key=key,
        data=data,
        expected_query=data.get("expected_query"),
        has_expected_query="expected_query" in data,
        expected_body=data.get("expected_body"),
        has_expected_body="expected_body" in data,
        request_body=data.get("request_body"),
        has_request_body="request_body" in data,
        body_match=data.get("body_match"),
        payload_envelope=_payload_envelope(file, key, data),
        companions=_companions(key, data.get("request_body")),
    )


@dataclass(frozen=True)
class Fixture:
    """One loaded fixture file. ``data`` is the parsed document, untouched.

    :attr:`projections` is the typed view of its projections, parsed on first
    use (a malformed one raises :class:`InputError`). A fixture that
    :func:`conformance.fixture_discovery.discover` returns has passed the
    schema and the semantic rules of :mod:`conformance.fixture_rules`; one made
    by :meth:`with_data` (mutants, variants) has not, and the expectation
    builder checks it as it goes.
    """

    path: Path
    data: dict[str, Any] = field(repr=False)

    @property
    def name(self) -> str:
        """The file name, e.g. ``workflow-start-parity.json`` (how reports name a fixture)."""
        return self.path.name

    @property
    def operation(self) -> str:
        return str(self.data["operation"])

    @property
    def request(self) -> dict[str, Any]:
        request = self.data.get("request")
        return request if isinstance(request, dict) else {}

    @property
    def method(self) -> str:
        return str(self.request.get("method", "")).upper()

    @property
    def path_template(self) -> str:
        """``request.path`` as written (percent-encoded, without the API prefix)."""
        return str(self.request.get("path", ""))

    @property
    def request_query(self) -> dict[str, Any] | None:
        query = self.request.get("query")
        return query if isinstance(query, dict) else None

    @property
    def has_request_body(self) -> bool:
        return "body" in self.request

    @property
    def request_body(self) -> Any:
        return self.request.get("body")

    @property
    def semantic_body(self) -> dict[str, Any]:
        body = self.data.get("semantic_body")
        return body if isinstance(body, dict) else {}

    @property
    def has_response_body(self) -> bool:
        return "response_body" in self.data

    @property
    def response_body(self) -> Any:
        return self.data.get("response_body")

    @property
    def projection_keys(self) -> list[str]:
        """Every projection in the fixture (``cli``, ``sdk_python``, future ``sdk_*``...)."""
        return [
            key
            for key, value in self.data.items()
            if key not in KNOWN_TOP_LEVEL_KEYS and isinstance(value, dict)
        ]

    def projection(self, key: str) -> dict[str, Any] | None:
        """The raw projection object (see :meth:`typed_projection` for the typed view)."""
        value = self.data.get(key)
        return value if isinstance(value, dict) and key not in KNOWN_TOP_LEVEL_KEYS else None

    @cached_property
    def projections(self) -> Mapping[str, Projection]:
        """Every projection, typed, by key (in the file's order)."""
        return {key: parse_projection(str(self.path), key, self.data[key]) for key in self.projection_keys}

    def typed_projection(self, key: str) -> Projection | None:
        """The typed projection ``key``, or None when the fixture has none by that key."""
        return self.projections.get(key)

    def with_data(self, data: dict[str, Any], path: Path | None = None) -> Fixture:
        """A copy with other content (used by mutation and fuzzing)."""
        return Fixture(path or self.path, data)


def load_fixture(path: Path, *, check_schema: bool = True) -> Fixture:
    """Load one fixture; :class:`InputError` lists every problem found."""
    document = read_json_file(path, max_depth=MAX_JSON_DEPTH)
    file = str(path)
    if not isinstance(document, dict):
        raise InputError([Problem(file, "", "a JSON object", type(document).__name__)])
    if check_schema:
        problems = schema_problems(document, file)
        if problems:
            raise InputError(problems)
    return Fixture(path, document)


def fixture_paths(directory: Path) -> tuple[list[Path], list[Problem]]:
    """The ``*.json`` files directly in ``directory``, sorted by name.

    A symlink whose target lies outside ``directory`` is refused (a problem),
    so that a corpus cannot make the harness read arbitrary files.
    """
    problems: list[Problem] = []
    if not directory.exists():
        return [], [Problem(str(directory), "", "an existing fixtures directory", "no such directory")]
    if not directory.is_dir():
        return [], [Problem(str(directory), "", "a fixtures directory", "a file")]
    root = directory.resolve()
    paths: list[Path] = []
    try:
        entries = sorted(directory.iterdir(), key=lambda entry: entry.name)
    except OSError as error:
        return [], [Problem(str(directory), "", "a readable directory", error.strerror or str(error))]
    for entry in entries:
        if not entry.name.endswith(".json"):
            continue
        try:
            str(entry).encode("utf-8")
        except UnicodeEncodeError:
            # Reports are UTF-8 documents that name each fixture by its file name.
            shown = os.fsencode(entry).decode("utf-8", errors="backslashreplace")
            problems.append(Problem(shown, "", "a file name in UTF-8", "bytes that are not UTF-8"))
            continue
        if entry.is_symlink():
            try:
                target = entry.resolve()
            except (OSError, RuntimeError) as error:  # a symlink loop (RuntimeError before Python 3.13)
                found = "a symlink that cannot be resolved: " + str(getattr(error, "strerror", None) or error)
                problems.append(Problem(str(entry), "", "a file inside the fixtures directory", found))
                continue
            if root not in target.parents:
                problems.append(
                    Problem(str(entry), "", "a file inside the fixtures directory", f"a symlink to {target}")
                )
                continue
        paths.append(entry)
    if not paths and not problems:
        problems.append(Problem(str(directory), "", "at least one *.json fixture", "none"))
    return paths, problems


def shipped_corpus_dir() -> Path:
    """The shipped canonical corpus: a wheel's or a checkout's (:mod:`conformance.shipped`)."""
    return shipped_dir("corpus", "fixtures/control-plane", "*.json", "canonical fixtures")
