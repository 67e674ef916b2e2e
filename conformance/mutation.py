"""Mutants of a fixture's *expectation*: the raw material of the drift-detection self-test.

:func:`derive_mutants` takes one fixture, one projection (the adapter's
``cli``, ``sdk_python``, ``canonical``...) and the run's judge settings, and
returns every mutant of what that projection expects, each with the pointer
of the normalized request where a correct judge must now report a failure.
Nothing here runs a client or judges anything (:mod:`conformance.selftest`
does); this module only edits fixture data.

Design decisions:

* **What is mutated is derived from the expectation, where it lands in the
  fixture is data.** The candidates come from
  :func:`conformance.expectations.build_expectation` of the *unmutated*
  fixture (its method, path segments, query parameters, body leaves, body
  objects, integers, envelope requirements), so a mutant always concerns
  something the projection really pins. The edit is then written at *every*
  place of the fixture that pins that part of the request: ``request.*``
  and, for the body, ``request.body`` plus each projection's
  ``expected_body``, ``request_body`` (its ``<name>_envelope`` companions are
  re-encoded) and ``payload_envelope.decoded`` (its ``blob`` is re-encoded
  with the harness's codec); for the query ``request.query`` and each
  ``expected_query``. Writing them all keeps the mutant self-consistent
  (otherwise the expectation builder rightly refuses a fixture that
  contradicts itself) and guarantees no other place still pins the old
  value. Envelopes written inline on the expected side are decoded, edited
  and re-encoded. The clients' inputs (``argv``, ``args``, ``kwargs``,
  ``semantic_body``) are never touched: only the judge sees a mutant.
* **Every mutant is checked before use.** Its expectation is rebuilt; a
  mutant the builder refuses, or whose expectation does not change, or
  changes somewhere other than the target, is a *mutator problem*
  (:attr:`MutantSet.problems`), never silently counted.
* **Not applicable** (:class:`NotApplicable`) is recorded when the fixture
  cannot express a kind for this projection (no query, no body, no integer,
  no envelope, no token), and for each top-level key of a ``subset`` body
  expectation under ``body_key_removed``: a subset expectation explicitly
  leaves unlisted top-level keys open, so removing one yields an expectation
  that is still true of the client's request; nothing can be caught there by
  design. Below the top level a subset compares exactly, so nested key
  removals are real mutants.
* **Values.** A changed string gets a ``-dw-mutant`` suffix, an integer
  moves by one (inward at the 64-bit edge), a double by 1.5, a boolean
  flips; ``null`` becomes a string, an empty list gains an item and an empty
  object becomes a list. ``int_to_string`` writes the decimal string,
  ``long_to_double`` the same number as a double (``42`` -> ``42.0``). Query
  values change in the same way, typed or not. Changed envelope payloads
  gain an item (list), a key (object) or change like a scalar.
* **Settings mutants** (namespace, token) leave the fixture alone and
  change the :class:`~conformance.expectations.JudgeSettings` the judge uses.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from typing import Any

from conformance import jsonpointer
from conformance.avro_codec import AVRO_CODEC, AvroCodecError, decode_blob, encode_blob, is_envelope
from conformance.diff import diff_values
from conformance.expectations import (
    CANONICAL,
    ENVELOPE_SUFFIX,
    Expectation,
    JudgeSettings,
    build_expectation,
)
from conformance.fixture import Fixture
from conformance.normalize import decoded_copy
from conformance.problems import InputError

__all__ = [
    "MUTATION_KINDS",
    "Mutant",
    "MutantSet",
    "NotApplicable",
    "changed_value",
    "derive_mutants",
    "is_under",
]

#: Every kind of mutant, in report order.
MUTATION_KINDS: tuple[str, ...] = (
    "method",
    "path_segment",
    "query_value",
    "query_removed",
    "body_value",
    "body_key_removed",
    "body_key_added",
    "int_to_string",
    "long_to_double",
    "envelope_decoded",
    "namespace",
    "token",
)

SUFFIX = "-dw-mutant"
ADDED_KEY = "dw_mutant_added"
_INT64_MAX = 2**63 - 1
_OTHER_METHOD = {"GET": "POST", "POST": "PUT", "PUT": "POST", "PATCH": "PUT", "DELETE": "GET"}


@dataclass(frozen=True)
class Mutant:
    """One mutant of one projection's expectation.

    ``target`` is the pointer of the normalized request where the judge must
    report a failure; ``fixture`` / ``settings`` are what to judge with
    (``None``: the unmutated one).
    """

    kind: str
    target: str
    description: str
    fixture: Fixture | None = None
    settings: JudgeSettings | None = None
    #: Fixture pointers the mutant edited.
    sites: tuple[str, ...] = ()
    #: Other pointers where the expectation changes as a direct consequence (see ``path_segment``).
    consequences: tuple[str, ...] = ()


@dataclass(frozen=True)
class NotApplicable:
    kind: str
    reason: str
    target: str = ""


@dataclass
class MutantSet:
    mutants: list[Mutant] = field(default_factory=list)
    not_applicable: list[NotApplicable] = field(default_factory=list)
    #: Mutants that could not be built faithfully (a bug of this module, never counted as caught).
    problems: list[str] = field(default_factory=list)


def is_under(pointer: str, base: str) -> bool:
    """Whether ``pointer`` is ``base`` or lies below it."""
    return pointer == base or pointer.startswith(base + "/")


# --------------------------------------------------------------------------- values


def changed_value(value: Any) -> Any:
    """A different value, of the same type where the type allows it (see the module docstring)."""
    if value is None:
        return "dw-mutant"
    if isinstance(value, bool):
        return not value
    if isinstance(value, int):
        return value - 1 if value >= _INT64_MAX else value + 1
    if isinstance(value, float):
        return value + 1.5 if abs(value) < 1e15 else value * 2
    if isinstance(value, str):
        return value + SUFFIX
    if isinstance(value, bytes):
        return value + b"\x00"
    if isinstance(value, list):
        return [*value, "dw-mutant"]
    if isinstance(value, dict):
        return [] if not value else {**value, ADDED_KEY: "dw-mutant"}
    return "dw-mutant"


def _changed_payload(value: Any) -> Any:
    if isinstance(value, dict):
        return {**value, ADDED_KEY: "dw-mutant"}
    return changed_value(value)


def _is_integer(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _walk(value: Any, tokens: tuple[str, ...] = ()) -> Iterator[tuple[tuple[str, ...], Any]]:
    """Every node of ``value`` with its tokens, in document order (iterative)."""
    stack: list[tuple[tuple[str, ...], Any]] = [(tokens, value)]
    while stack:
        where, node = stack.pop()
        yield where, node
        if isinstance(node, dict):
            stack.extend(reversed([((*where, str(key)), item) for key, item in node.items()]))
        elif isinstance(node, list):
            stack.extend(reversed([((*where, str(index)), item) for index, item in enumerate(node)]))


def _is_leaf(node: Any) -> bool:
    return not isinstance(node, dict | list) or not node


# --------------------------------------------------------------------------- editing fixture data


class _NoPlace(Exception):
    """The edit does not apply to this site (the place does not exist there)."""


@dataclass(frozen=True)
class _Edit:
    action: str  # "replace", "remove" or "add"
    value: Any = None


def _edit(node: Any, tokens: tuple[str, ...], edit: _Edit, companions: bool = False) -> Any:
    """``node`` with ``edit`` applied at ``tokens`` (a new value; ``node`` is not changed).

    With ``companions`` (a ``request_body``), removing ``<name>`` also removes its
    ``<name>_envelope`` companion, which would otherwise become a plain expected key.
    """
    if is_envelope(node) and node.get("codec") == AVRO_CODEC:
        try:
            inner = decode_blob(node["blob"])
        except AvroCodecError as error:
            raise _NoPlace from error
        return {**node, "blob": encode_blob(_edit(inner, tokens, edit))}  # caller data: no companions
    head, rest = tokens[0], tokens[1:]
    if isinstance(node, dict):
        if rest:
            if head not in node:
                raise _NoPlace
            return {**node, head: _edit(node[head], rest, edit, companions)}
        if edit.action == "add":
            if head in node:
                raise _NoPlace
            return {**node, head: edit.value}
        if head not in node:
            raise _NoPlace
        if edit.action == "remove":
            companion = (
                head + ENVELOPE_SUFFIX
                if companions and is_envelope(node.get(head + ENVELOPE_SUFFIX))
                else ""
            )
            return {key: item for key, item in node.items() if key not in (head, companion)}
        return {**node, head: edit.value}
    if isinstance(node, list):
        if not (head.isascii() and head.isdigit()) or int(head) >= len(node):
            raise _NoPlace
        index = int(head)
        copied = list(node)
        if rest:
            copied[index] = _edit(node[index], rest, edit, companions)
        elif edit.action == "replace":
            copied[index] = edit.value
        else:
            raise _NoPlace
        return copied
    raise _NoPlace



def _resync_companions(node: Any) -> Any:
    """Re-encode every ``<name>_envelope`` companion from its plain sibling ``<name>`` (request_body)."""
    if isinstance(node, list):
        return [_resync_companions(item) for item in node]
    if not isinstance(node, dict) or is_envelope(node):
        return node
    result = {key: _resync_companions(item) for key, item in node.items()}
    for key, item in node.items():
        name = key[: -len(ENVELOPE_SUFFIX)] if key.endswith(ENVELOPE_SUFFIX) else ""
        if name and name in node and is_envelope(item) and item.get("codec") == AVRO_CODEC:
            result[key] = {**item, "blob": encode_blob(decoded_copy(result[name]))}
    return result


@dataclass(frozen=True)
class _Site:
    """A place of the fixture that pins the body (or part of it)."""

    tokens: tuple[str, ...]  # where the value sits in the fixture
    anchor: tuple[str, ...]  # where that value lands in the body
    envelope: tuple[str, ...] | None = None  # the payload_envelope object holding it
    companions: bool = False  # a request_body: re-encode its <name>_envelope companions


def _projections_for(fixture: Fixture, projection_key: str) -> list[str]:
    return list(fixture.projection_keys) if projection_key == CANONICAL else [projection_key]


def _body_sites(fixture: Fixture, projection_key: str) -> list[_Site]:
    sites = [_Site(("request", "body"), ())]
    for key in _projections_for(fixture, projection_key):
        projection = fixture.projection(key) or {}
        sites.append(_Site((key, "expected_body"), ()))
        sites.append(_Site((key, "request_body"), (), companions=True))
        spec = projection.get("payload_envelope")
        if isinstance(spec, dict) and isinstance(spec.get("field"), str):
            anchor = tuple(spec["field"].split("."))
            sites.append(
                _Site((key, "payload_envelope", "decoded"), anchor, envelope=(key, "payload_envelope"))
            )
    return sites


def _has(data: Any, tokens: tuple[str, ...]) -> bool:
    try:
        jsonpointer.resolve(data, jsonpointer.from_tokens(tokens))
    except jsonpointer.PointerError:
        return False
    return True


def _set(data: dict[str, Any], tokens: tuple[str, ...], value: Any) -> None:
    node: Any = data
    for token in tokens[:-1]:
        node = node[token]
    node[tokens[-1]] = value


def _delete(data: dict[str, Any], tokens: tuple[str, ...]) -> None:
    node: Any = data
    for token in tokens[:-1]:
        node = node[token]
    del node[tokens[-1]]


def _edit_body(
    fixture: Fixture, projection_key: str, target: tuple[str, ...], edit: _Edit
) -> tuple[dict[str, Any], list[str]]:
    """The fixture data with ``edit`` applied at body tokens ``target`` on every site; the sites edited."""
    data = copy.deepcopy(fixture.data)
    edited: list[str] = []
    for site in _body_sites(fixture, projection_key):
        if not _has(data, site.tokens) or target[: len(site.anchor)] != site.anchor:
            continue
        relative = target[len(site.anchor) :]
        root = jsonpointer.resolve(data, jsonpointer.from_tokens(site.tokens))
        if not relative:  # the site's whole value is the target (a payload envelope's field)
            if edit.action == "remove" and site.envelope is not None:
                _delete(data, site.envelope)
                edited.append(jsonpointer.from_tokens(site.envelope))
                continue
            if edit.action != "replace":
                continue
            new_root = edit.value
        else:
            try:
                new_root = _edit(root, relative, edit, site.companions)
            except _NoPlace:
                continue
        if site.companions:
            new_root = _resync_companions(new_root)
        _set(data, site.tokens, new_root)
        edited.append(jsonpointer.from_tokens(site.tokens))
        if site.envelope is not None:
            spec = jsonpointer.resolve(data, jsonpointer.from_tokens(site.envelope))
            if isinstance(spec, dict) and "blob" in spec:
                spec["blob"] = encode_blob(decoded_copy(new_root))
    if not edited and edit.action == "add" and len(target) == 1:
        # Only a payload_envelope pins this body: the added key needs an expected_body to live in.
        for key in _projections_for(fixture, projection_key):
            projection = data.get(key)
            if (
                isinstance(projection, dict)
                and "payload_envelope" in projection
                and "expected_body" not in projection
            ):
                projection["expected_body"] = {target[0]: edit.value}
                edited.append(jsonpointer.from_tokens((key, "expected_body")))
    return data, edited


def _edit_query(
    fixture: Fixture, projection_key: str, name: str, edit: _Edit
) -> tuple[dict[str, Any], list[str]]:
    data = copy.deepcopy(fixture.data)
    sites = [("request", "query")] + [
        (key, "expected_query") for key in _projections_for(fixture, projection_key)
    ]
    edited: list[str] = []
    for tokens in sites:
        if not _has(data, tokens):
            continue
        query = jsonpointer.resolve(data, jsonpointer.from_tokens(tokens))
        if not isinstance(query, dict) or name not in query:
            continue
        if edit.action == "remove":
            del query[name]
        else:
            query[name] = edit.value
        edited.append(jsonpointer.from_tokens((*tokens, name)))
    return data, edited


# --------------------------------------------------------------------------- checking a mutant


def _view(expectation: Expectation) -> dict[str, Any]:
    """The parts of an expectation a fixture mutant can change, laid out on the request's pointers."""
    view: dict[str, Any] = {"method": expectation.method, "path_segments": list(expectation.path_segments)}
    if expectation.query is not None:
        view["query"] = {
            name: [value.declared for value in values] for name, values in expectation.query.params.items()
        }
    if expectation.body is not None:
        view["body"] = expectation.body.value
    view["headers"] = {header.name: [header.match, header.shown] for header in expectation.headers}
    return view


def _companion_stem(pointer: str) -> str:
    """``pointer`` with every ``<name>_envelope`` token read as ``<name>`` (a companion's twin)."""
    tokens = jsonpointer.parse(pointer) if pointer else []
    return jsonpointer.from_tokens(
        token[: -len(ENVELOPE_SUFFIX)] if token.endswith(ENVELOPE_SUFFIX) and token != ENVELOPE_SUFFIX
        else token
        for token in tokens
    )


class _Builder:
    """Collects mutants of one fixture/projection, checking each one."""

    def __init__(self, fixture: Fixture, projection_key: str, settings: JudgeSettings) -> None:
        self.fixture = fixture
        self.projection_key = projection_key
        self.settings = settings
        self.base = build_expectation(fixture, projection_key, settings)
        self.result = MutantSet()

    def not_applicable(self, kind: str, reason: str, target: str = "") -> None:
        self.result.not_applicable.append(NotApplicable(kind, reason, target))

    def _companion_of(self, target: str) -> str | None:
        """The request_body companion pointer ``target`` lies under, if any."""
        body = self.base.body
        for requirement in body.envelopes if body is not None else ():
            companion = requirement.pointer.endswith(ENVELOPE_SUFFIX)
            if companion and "/request_body/" in requirement.source and is_under(target, requirement.pointer):
                return requirement.pointer
        return None

    def add(self, kind: str, target: str, description: str, data: dict[str, Any], sites: list[str]) -> None:
        where = f"{self.fixture.name} [{self.projection_key}] {kind} at {target}"
        companion = self._companion_of(target)
        if companion is not None:
            reason = f"{companion} is a companion envelope: it follows its plain twin, whose mutants cover it"
            self.not_applicable(kind, reason, target)
            return
        if not sites:
            self.result.problems.append(f"{where}: no place of the fixture holds it")
            return
        mutant_fixture = self.fixture.with_data(data)
        try:
            mutated = build_expectation(mutant_fixture, self.projection_key, self.settings)
        except InputError as error:
            self.result.problems.append(f"{where}: the mutant contradicts itself: {error}")
            return
        changes = diff_values(_view(self.base), _view(mutated), "")
        if not changes:
            self.result.problems.append(f"{where}: editing {', '.join(sites)} did not change the expectation")
            return
        stray = [change.pointer for change in changes if not is_under(change.pointer, target)]
        # A path segment decides the plane (``/worker/...``), hence which version header is expected.
        # A request_body's <name>_envelope companion travels beside <name> and always decodes to it:
        # editing one edits its twin (the expected body holds both).
        consequences = tuple(
            p
            for p in stray
            if (kind == "path_segment" and is_under(p, "/headers"))
            or (p.startswith("/body") and is_under(_companion_stem(p), _companion_stem(target)))
        )
        stray = [pointer for pointer in stray if pointer not in consequences]
        if stray:
            self.result.problems.append(
                f"{where}: the edit also changed the expectation at {', '.join(stray)}"
            )
            return
        self.result.mutants.append(
            Mutant(kind, target, description, mutant_fixture, None, tuple(sites), consequences)
        )

    # ------------------------------------------------------------ kinds
    def method(self) -> None:
        method = self.base.method
        other = _OTHER_METHOD.get(method, "POST" if method != "POST" else "GET")
        data = copy.deepcopy(self.fixture.data)
        data["request"]["method"] = other
        self.add("method", "/method", f"{method} -> {other}", data, ["/request/method"])

    def path_segments(self) -> None:
        path = self.fixture.path_template
        trimmed = path[1:] if path.startswith("/") else path
        if not trimmed:
            self.not_applicable("path_segment", "the path has no segment")
            return
        parts = trimmed.split("/")
        for index, part in enumerate(parts):
            changed = [*parts[:index], part + SUFFIX, *parts[index + 1 :]]
            data = copy.deepcopy(self.fixture.data)
            data["request"]["path"] = "/" + "/".join(changed)
            self.add(
                "path_segment",
                f"/path_segments/{index}",
                f"segment {index}: {part!r} -> {part + SUFFIX!r}",
                data,
                ["/request/path"],
            )

    def query(self) -> None:
        query = self.base.query
        if query is None:
            reason = f"the fixture declares no query for {self.projection_key}"
            self.not_applicable("query_value", reason)
            self.not_applicable("query_removed", reason)
            return
        if not query.params:
            self.not_applicable("query_value", "the declared query is empty")
        for name, values in query.params.items():
            target = jsonpointer.join("/query", name)
            declared = values[0].declared if len(values) == 1 else [value.declared for value in values]
            new = (
                [changed_value(declared[0]), *declared[1:]]
                if isinstance(declared, list)
                else changed_value(declared)
            )
            data, sites = _edit_query(self.fixture, self.projection_key, name, _Edit("replace", new))
            self.add("query_value", target, f"{declared!r} -> {new!r}", data, sites)
            data, sites = _edit_query(self.fixture, self.projection_key, name, _Edit("remove"))
            self.add("query_removed", target, f"{name} no longer expected", data, sites)

    def body(self) -> None:
        body = self.base.body
        body_kinds = ("body_value", "body_key_removed", "body_key_added", "int_to_string", "long_to_double")
        if body is None:
            for kind in body_kinds:
                self.not_applicable(kind, f"the fixture pins no body for {self.projection_key}")
            return
        counts = dict.fromkeys(body_kinds, 0)
        for tokens, node in _walk(body.value):
            target = jsonpointer.from_tokens(("body", *tokens))
            if tokens and _is_leaf(node):
                counts["body_value"] += 1
                new = changed_value(node)
                self._body_edit("body_value", tokens, target, _Edit("replace", new), f"{node!r} -> {new!r}")
            if _is_integer(node):
                counts["int_to_string"] += 1
                self._body_edit(
                    "int_to_string", tokens, target, _Edit("replace", str(node)), f"{node} -> {str(node)!r}"
                )
                if abs(node) <= 2**53:
                    counts["long_to_double"] += 1
                    self._body_edit(
                        "long_to_double",
                        tokens,
                        target,
                        _Edit("replace", float(node)),
                        f"{node} -> {float(node)!r}",
                    )
            if isinstance(node, dict):
                counts["body_key_added"] += 1
                key = ADDED_KEY
                while key in node:
                    key += "_"
                added = (*tokens, key)
                self._body_edit(
                    "body_key_added",
                    added,
                    jsonpointer.from_tokens(("body", *added)),
                    _Edit("add", "dw-mutant"),
                    f"key {key!r} added",
                )
                for name in node:
                    removed = (*tokens, str(name))
                    pointer = jsonpointer.from_tokens(("body", *removed))
                    counts["body_key_removed"] += 1
                    if not tokens and body.mode == "subset":
                        self.not_applicable(
                            "body_key_removed",
                            f"{body.source} is a subset expectation: "
                            "top-level keys it does not list are open",
                            pointer,
                        )
                        continue
                    self._body_edit(
                        "body_key_removed", removed, pointer, _Edit("remove"), f"key {name!r} removed"
                    )
        for kind, count in counts.items():
            if not count:
                what = {"int_to_string": "integer", "long_to_double": "integer"}.get(kind, "value")
                self.not_applicable(kind, f"the pinned body holds no {what} to mutate")

    def _body_edit(
        self, kind: str, tokens: tuple[str, ...], target: str, edit: _Edit, description: str
    ) -> None:
        data, sites = _edit_body(self.fixture, self.projection_key, tokens, edit)
        self.add(kind, target, description, data, sites)

    def envelopes(self) -> None:
        body = self.base.body
        requirements = body.envelopes if body is not None else ()
        if not requirements:
            self.not_applicable("envelope_decoded", f"{self.projection_key} requires no payload envelope")
            return
        assert body is not None
        for requirement in requirements:
            tokens = tuple(jsonpointer.parse(requirement.pointer))[1:]
            try:
                decoded = jsonpointer.resolve(body.value, jsonpointer.from_tokens(tokens))
            except jsonpointer.PointerError:
                self.result.problems.append(
                    f"{self.fixture.name} [{self.projection_key}] envelope at {requirement.pointer}: "
                    "no decoded value in the expectation"
                )
                continue
            new = _changed_payload(decoded)
            self._body_edit(
                "envelope_decoded",
                tokens,
                requirement.pointer,
                _Edit("replace", new),
                f"decoded value of {requirement.source} changed",
            )

    def settings_mutants(self) -> None:
        namespace = self.settings.namespace + SUFFIX
        self.result.mutants.append(
            Mutant(
                "namespace",
                "/headers/x-namespace",
                f"namespace {self.settings.namespace!r} -> {namespace!r}",
                None,
                replace(self.settings, namespace=namespace),
            )
        )
        if not self.settings.token:
            self.not_applicable("token", "the run has no token")
            return
        self.result.mutants.append(
            Mutant(
                "token",
                "/headers/authorization",
                "another bearer token",
                None,
                replace(self.settings, token=self.settings.token + SUFFIX),
            )
        )


_STEPS: tuple[Callable[[_Builder], None], ...] = (
    _Builder.method,
    _Builder.path_segments,
    _Builder.query,
    _Builder.body,
    _Builder.envelopes,
    _Builder.settings_mutants,
)


def derive_mutants(fixture: Fixture, projection_key: str, settings: JudgeSettings) -> MutantSet:
    """Every mutant of ``projection_key``'s expectation of ``fixture`` (see the module docstring).

    Raises :class:`~conformance.problems.InputError` when the unmutated
    fixture itself cannot give an expectation.
    """
    builder = _Builder(fixture, projection_key, settings)
    for step in _STEPS:
        step(builder)
    return builder.result
