"""Mutants of a fixture's *expectation*: the raw material of the drift-detection self-test.

:func:`derive_mutants` takes one fixture, one projection (the adapter's
``cli``, ``sdk_python``, ``canonical``...) and the run's judge settings, and
returns every mutant of what that projection expects, each with the pointer
of the normalized request where a correct judge must now report a failure.
Nothing here runs a client or judges anything (:mod:`conformance.selftest`
does); this module only edits fixture data.

Design decisions:

* **Each check derives its own mutants.** :func:`derive_mutants` asks every
  registered check (:data:`conformance.checks.CHECKS`, in listing order) to
  add its mutants to a :class:`MutantDeriver`; this module holds the
  machinery they share (editing fixture data at every site, checking each
  mutant) and :data:`MUTATION_KINDS` is the registry's list of kinds. What a
  mutant is made of (:class:`Mutant`, :class:`Edit`, :func:`changed_value`...)
  is :mod:`conformance.mutant_edits`, below the checks, re-exported here.
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
from dataclasses import dataclass, field
from typing import Any

from conformance import jsonpointer
from conformance.avro_codec import AVRO_CODEC, AvroCodecError, decode_blob, encode_blob, is_envelope
from conformance.checks import listed, mutation_kinds
from conformance.checks.values import diff_values, is_under
from conformance.expectations import (
    CANONICAL,
    ENVELOPE_SUFFIX,
    REFERENCE_PROJECTIONS,
    Expectation,
    JudgeSettings,
    body_shared_with,
    build_expectation,
)
from conformance.fixture import Fixture
from conformance.mutant_edits import (
    ADDED_KEY,
    SUFFIX,
    Edit,
    Mutant,
    changed_payload,
    changed_value,
    is_integer,
    is_leaf,
    walk,
)
from conformance.normalize import decoded_copy
from conformance.problems import InputError

__all__ = [
    "ADDED_KEY",
    "MUTATION_KINDS",
    "SUFFIX",
    "Edit",
    "Mutant",
    "MutantDeriver",
    "MutantSet",
    "NotApplicable",
    "changed_payload",
    "changed_value",
    "derive_mutants",
    "is_integer",
    "is_leaf",
    "is_under",
    "mutant_expectation",
    "walk",
]

#: Every kind of mutant, in report order: the registered checks' kinds
#: (:func:`conformance.checks.mutation_kinds`) when this module was imported.
MUTATION_KINDS: tuple[str, ...] = mutation_kinds()


def mutant_expectation(
    mutant: Mutant, fixture: Fixture, projection_key: str, settings: JudgeSettings
) -> Expectation:
    """The expectation to judge ``mutant`` with (``fixture`` and ``settings`` are the unmutated ones)."""
    if mutant.expectation is not None:
        return mutant.expectation
    return build_expectation(mutant.fixture or fixture, projection_key, mutant.settings or settings)


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


# --------------------------------------------------------------------------- editing fixture data


class _NoPlace(Exception):
    """The edit does not apply to this site (the place does not exist there)."""


def _edit(node: Any, tokens: tuple[str, ...], edit: Edit, companions: bool = False) -> Any:
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
                head + ENVELOPE_SUFFIX if companions and is_envelope(node.get(head + ENVELOPE_SUFFIX)) else ""
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
    if projection_key == CANONICAL:
        return list(fixture.projection_keys)
    shared = body_shared_with(fixture, projection_key)  # one body for both reference clients: edit both
    return [projection_key] if shared is None else [projection_key, shared]


def _body_sites(fixture: Fixture, projection_key: str) -> list[_Site]:
    sites = [_Site(("request", "body"), ())]
    for key in _projections_for(fixture, projection_key):
        projection = fixture.typed_projection(key)
        sites.append(_Site((key, "expected_body"), ()))
        sites.append(_Site((key, "request_body"), (), companions=True))
        envelope = projection.payload_envelope if projection is not None else None
        if envelope is not None:
            sites.append(
                _Site(
                    (key, "payload_envelope", "decoded"), envelope.tokens, envelope=(key, "payload_envelope")
                )
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
    fixture: Fixture, projection_key: str, target: tuple[str, ...], edit: Edit
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
    fixture: Fixture, projection_key: str, name: str, edit: Edit
) -> tuple[dict[str, Any], list[str]]:
    data = copy.deepcopy(fixture.data)
    keys = _projections_for(fixture, projection_key)
    if projection_key in REFERENCE_PROJECTIONS:  # its query may be the other reference client's
        keys += sorted(REFERENCE_PROJECTIONS - {projection_key} - set(keys))
    sites = [("request", "query")] + [(key, "expected_query") for key in keys]
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


def _companion_stem(pointer: str) -> str:
    """``pointer`` with every ``<name>_envelope`` token read as ``<name>`` (a companion's twin)."""
    tokens = jsonpointer.parse(pointer) if pointer else []
    return jsonpointer.from_tokens(
        token[: -len(ENVELOPE_SUFFIX)]
        if token.endswith(ENVELOPE_SUFFIX) and token != ENVELOPE_SUFFIX
        else token
        for token in tokens
    )


class MutantDeriver:
    """Collects the mutants of one fixture/projection, checking each one; the checks add to it.

    ``base`` is the unmutated expectation. A check calls :meth:`add` (a fixture
    edit), :meth:`add_expectation` (an edit of the expectation itself),
    :meth:`body_edit` / :meth:`edit_query` (the edit written at every place of
    the fixture that pins that part), :meth:`not_applicable`, or appends a
    settings mutant to ``result.mutants``.
    """

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
        changes = diff_values(self.base.view(), mutated.view(), "")
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

    def add_expectation(self, kind: str, target: str, description: str, expectation: Expectation) -> None:
        """A mutant made on the expectation itself; it must change its view at ``target`` only."""
        where = f"{self.fixture.name} [{self.projection_key}] {kind} at {target}"
        changes = diff_values(self.base.view(), expectation.view(), "")
        if not changes:
            self.result.problems.append(f"{where}: the mutant did not change the expectation")
            return
        stray = [change.pointer for change in changes if not is_under(change.pointer, target)]
        if stray:
            self.result.problems.append(
                f"{where}: the edit also changed the expectation at {', '.join(stray)}"
            )
            return
        self.result.mutants.append(Mutant(kind, target, description, expectation=expectation))

    def body_edit(
        self, kind: str, tokens: tuple[str, ...], target: str, edit: Edit, description: str
    ) -> None:
        """Apply ``edit`` at body ``tokens`` on every site that pins the body, and add the mutant."""
        data, sites = _edit_body(self.fixture, self.projection_key, tokens, edit)
        self.add(kind, target, description, data, sites)

    def edit_query(self, name: str, edit: Edit) -> tuple[dict[str, Any], list[str]]:
        """The fixture data with ``edit`` applied to parameter ``name`` wherever a query is declared."""
        return _edit_query(self.fixture, self.projection_key, name, edit)


def derive_mutants(fixture: Fixture, projection_key: str, settings: JudgeSettings) -> MutantSet:
    """Every mutant of ``projection_key``'s expectation of ``fixture`` (see the module docstring).

    Raises :class:`~conformance.problems.InputError` when the unmutated
    fixture itself cannot give an expectation.
    """
    deriver = MutantDeriver(fixture, projection_key, settings)
    for check in listed():
        check.mutants(deriver)
    return deriver.result
