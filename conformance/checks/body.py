"""The body, compared decoded, and the envelopes it must travel in."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from conformance import jsonpointer
from conformance.checks.base import Subject
from conformance.checks.values import diff_values
from conformance.expectation_parts import BodyExpectation, BodyPart, Expectation, ExpectationSource
from conformance.expectation_rules import body_expectation
from conformance.findings import Difference
from conformance.mutant_edits import (
    ADDED_KEY,
    Edit,
    changed_payload,
    changed_value,
    is_integer,
    is_leaf,
    walk,
)
from conformance.normalize import NormalizedRequest

if TYPE_CHECKING:
    from conformance.mutation import MutantDeriver

__all__ = ["BodyCheck", "compare_body"]

_BODY_KINDS = ("body_value", "body_key_removed", "body_key_added", "int_to_string", "long_to_double")


def compare_body(body: BodyExpectation | None, request: NormalizedRequest) -> list[Difference]:
    """Value differences under ``/body`` (exact or subset), then unmet envelope requirements."""
    if body is None:
        return []
    if not request.body_present:
        return [
            Difference(
                "/body",
                "not_json",
                body.value,
                None,
                "failure",
                f"empty body; {body.source} expects a JSON body",
            )
        ]
    if not request.body_is_json:
        return []  # the normalization finding says it
    differences = diff_values(body.value, request.body, "/body", mode=body.mode)
    records = {str(record["pointer"]): record for record in request.envelopes}
    for requirement in body.envelopes:
        record = records.get(requirement.pointer)
        if record is not None:
            if record.get("decoded") and record.get("codec") != requirement.codec:
                differences.append(
                    Difference(
                        requirement.pointer,
                        "envelope_invalid",
                        f"a {requirement.codec!r} envelope",
                        {"codec": record.get("codec")},
                        "failure",
                        f"sent with another codec ({requirement.source})",
                    )
                )
            continue
        try:
            plain = jsonpointer.resolve({"body": request.body}, requirement.pointer)
        except jsonpointer.PointerError:
            continue  # absent: the body diff reports it as missing
        differences.append(
            Difference(
                requirement.pointer,
                "envelope_invalid",
                f"a {requirement.codec!r} payload envelope",
                plain,
                "failure",
                f"sent as plain JSON, not as a {requirement.codec} envelope ({requirement.source})",
            )
        )
    return differences


class BodyCheck:
    """The decoded body (exact or subset) and its envelope requirements."""

    name: ClassVar[str] = "body"
    subject: ClassVar[Subject] = "request"
    mutation_kinds: ClassVar[tuple[str, ...]] = (*_BODY_KINDS, "envelope_decoded")
    listing_rank: ClassVar[int] = 30

    def expect(self, source: ExpectationSource) -> BodyPart:
        return BodyPart(body_expectation(source.fixture, source.projection_key))

    def compare(self, expectation: Expectation, request: NormalizedRequest) -> list[Difference]:
        return compare_body(expectation.body, request)

    def mutants(self, deriver: MutantDeriver) -> None:
        self._value_mutants(deriver)
        self._envelope_mutants(deriver)

    @staticmethod
    def _value_mutants(deriver: MutantDeriver) -> None:
        body = deriver.base.body
        if body is None:
            for kind in _BODY_KINDS:
                deriver.not_applicable(kind, f"the fixture pins no body for {deriver.projection_key}")
            return
        counts = dict.fromkeys(_BODY_KINDS, 0)
        for tokens, node in walk(body.value):
            target = jsonpointer.from_tokens(("body", *tokens))
            if tokens and is_leaf(node):
                counts["body_value"] += 1
                new = changed_value(node)
                deriver.body_edit("body_value", tokens, target, Edit("replace", new), f"{node!r} -> {new!r}")
            if is_integer(node):
                counts["int_to_string"] += 1
                deriver.body_edit(
                    "int_to_string", tokens, target, Edit("replace", str(node)), f"{node} -> {str(node)!r}"
                )
                if abs(node) <= 2**53:
                    counts["long_to_double"] += 1
                    deriver.body_edit(
                        "long_to_double",
                        tokens,
                        target,
                        Edit("replace", float(node)),
                        f"{node} -> {float(node)!r}",
                    )
            if isinstance(node, dict):
                counts["body_key_added"] += 1
                key = ADDED_KEY
                while key in node:
                    key += "_"
                added = (*tokens, key)
                deriver.body_edit(
                    "body_key_added",
                    added,
                    jsonpointer.from_tokens(("body", *added)),
                    Edit("add", "dw-mutant"),
                    f"key {key!r} added",
                )
                for name in node:
                    removed = (*tokens, str(name))
                    pointer = jsonpointer.from_tokens(("body", *removed))
                    counts["body_key_removed"] += 1
                    if not tokens and body.mode == "subset":
                        deriver.not_applicable(
                            "body_key_removed",
                            f"{body.source} is a subset expectation: "
                            "top-level keys it does not list are open",
                            pointer,
                        )
                        continue
                    deriver.body_edit(
                        "body_key_removed", removed, pointer, Edit("remove"), f"key {name!r} removed"
                    )
        for kind, count in counts.items():
            if not count:
                what = {"int_to_string": "integer", "long_to_double": "integer"}.get(kind, "value")
                deriver.not_applicable(kind, f"the pinned body holds no {what} to mutate")

    @staticmethod
    def _envelope_mutants(deriver: MutantDeriver) -> None:
        body = deriver.base.body
        requirements = body.envelopes if body is not None else ()
        if body is None or not requirements:
            deriver.not_applicable(
                "envelope_decoded", f"{deriver.projection_key} requires no payload envelope"
            )
            return
        for requirement in requirements:
            tokens = tuple(jsonpointer.parse(requirement.pointer))[1:]
            try:
                decoded = jsonpointer.resolve(body.value, jsonpointer.from_tokens(tokens))
            except jsonpointer.PointerError:
                deriver.result.problems.append(
                    f"{deriver.fixture.name} [{deriver.projection_key}] envelope at {requirement.pointer}: "
                    "no decoded value in the expectation"
                )
                continue
            deriver.body_edit(
                "envelope_decoded",
                tokens,
                requirement.pointer,
                Edit("replace", changed_payload(decoded)),
                f"decoded value of {requirement.source} changed",
            )
