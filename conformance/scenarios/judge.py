"""The verdict of one scenario case: the client's request sequence against the expected one.

``judge_scenario(scenario, exchanges, outcome, ...)`` checks, in this order:

1. **The walk** (``expect.requests``): each request's paging parameters (a
   listed query name with a value must be sent with that value, one listed
   as null must be absent; listed body keys must equal), the number of
   requests (a walk that stops early: ``missing_request``; a request after
   the last page: ``extra_request``), a page asked for twice after it was
   answered whole (``repeated_page``).
2. **Attempts** (``expect.attempts``): how many operation requests the
   client sent in all, retries included.
3. **Retry-After** (``expect.retry_after: honour``, the default): a request
   that follows an answer carrying ``Retry-After: N`` (seconds) must come at
   least N seconds (less a 50 ms allowance for clocks) after that answer.
4. **The bound**: a sequence the stub had to stop (``route == "bound"``) is
   a failure: the walk or the retries did not end by themselves. Likewise a
   request the scenario held unanswered (``hold``) until the hold ran out: the
   client's own timeout did not end the wait.
5. **The outcome** (``expect.outcome``): ``completed`` or ``client_error``.
6. **The collapsed result** (``expect.items``): the items the client
   surfaced (the CLI's envelope at the pointer, the SDK iterator's list)
   against the items of the pages, by ``key`` when given.
7. **The error surface**: what the client surfaced on an error, recorded;
   a language-specific leak in machine-readable output (a PHP class name, a
   file path, a stack trace) is a failure
   (:mod:`conformance.scenarios.error_surface`).
8. **The error kind**: the kind the last answer implies (a 401, a 404 for a
   workflow, a 422 with its ``errors``...) against the kind the client's
   surface names, by the client's entry in ``data/error-kinds.yaml``
   (:mod:`conformance.scenarios.error_kinds`); what its map does not list is
   "not asserted" in the verdict's notes.
9. **Declared retries**: where the policy file declares the client's own
   retry behaviour (``declared_retries``), the retries it made against that
   declaration (:mod:`conformance.scenarios.declared_retries`).

Every difference is a :class:`~conformance.findings.Difference` whose
pointer addresses the sequence (``/requests/2/query/after_sequence``,
``/requests/3``, ``/outcome``, ``/items/4``, ``/error_surface/json/...``) and
whose message reads on its own for someone who does not know the harness:
it says what the server sent and what the client did (``request 3: after
the server's page answered to request 2, the next page is asked for with
after_sequence=200; the client sent after_sequence=100``; ``the server
answered request 1 (the last) with a 200 whose body is not JSON (...); the
client reported success ...``). The retry behaviour (attempts, delays, which
statuses were retried) is recorded whether or not anything is expected of it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from itertools import pairwise
from typing import TYPE_CHECKING, Any, Literal

from conformance import jsonpointer
from conformance.adapters.walks import walk_for
from conformance.capture import CapturedExchange
from conformance.findings import Difference
from conformance.scenarios import error_kinds, error_surface
from conformance.scenarios.model import ExpectedRequest, Scenario
from conformance.scenarios.sequence import SentRequest, operation_sequence, retry_after_seconds
from conformance.textsafe import json_safe

if TYPE_CHECKING:
    from conformance.adapters.base import ClientOutcome
    from conformance.proxy.profile import ServerProfile
    from conformance.scenarios.policy import ScenarioPolicy

__all__ = [
    "RETRY_AFTER_ALLOWANCE",
    "SCENARIO_NOT_ASSERTED",
    "SCENARIO_RESPONSE_NOTE",
    "SEQUENCE_KINDS",
    "RetryBehaviour",
    "ScenarioVerdict",
    "judge_scenario",
    "scenario_not_asserted",
]

#: Clock allowance when a delay is compared with Retry-After (proxy timestamps, one clock).
RETRY_AFTER_ALLOWANCE = 0.05
#: Difference kinds of a scenario verdict (besides the request diff's own).
SEQUENCE_KINDS: tuple[str, ...] = (
    "paging_parameter",
    "missing_request",
    "extra_request",
    "repeated_page",
    "attempts",
    "retry_after",
    "bound",
    "hold",
    "outcome",
    "collapsed_result",
    "error_leak",
    "error_kind",
    "declared_retry",
)
ScenarioStatus = Literal["pass", "fail", "error", "skipped"]

#: What a scenario case does not judge (the fixture's own single-request case judges each request).
SCENARIO_NOT_ASSERTED = ("scenario requests beyond their paging parameters and attempts",)
#: An error scenario checks what the client did and leaks; its error facts are compared across clients.
SCENARIO_ERROR_FACTS = (
    "error facts of one client alone (status, code, errors: compared between clients, see parity)"
)
#: A walk the adapter drives page by page itself (the SDK has no iterator for it).
SCENARIO_ADAPTER_PAGED = "the client's own paging loop (the adapter paged a one-page method; no iterator)"
#: The response side of a scenario case: its verdict covers what the client did with the answers.
SCENARIO_RESPONSE_NOTE = (
    "a scenario's answers are judged by its scenario verdict (outcome, collapsed items, error surface)"
)


def scenario_not_asserted(scenario: Scenario, projection_key: str) -> list[str]:
    """What a scenario case leaves unchecked: the rest of each request; error facts alone; adapter paging."""
    notes = list(SCENARIO_NOT_ASSERTED)
    if not scenario.walk:
        notes.append(SCENARIO_ERROR_FACTS)
        return notes
    walk = walk_for(scenario.fixture.operation) if scenario.fixture is not None else None
    sdk = walk.sdk_python if walk is not None else None
    if sdk is not None and sdk.pages is not None and projection_key == "sdk_python":
        notes.append(SCENARIO_ADAPTER_PAGED)
    return notes


@dataclass(frozen=True)
class RetryBehaviour:
    """What the client did after each answer: retried it, or stopped."""

    attempts: int
    #: Answer labels ("429", "500", "dropped") the client sent another request after.
    retried: tuple[str, ...]
    #: The failed answer the client stopped on ("" when the last answer was a success or there was none).
    stopped_on: str
    #: Seconds between each answer and the next request.
    delays: tuple[float, ...]
    #: True/False when some answer carried Retry-After and was retried; None otherwise.
    honoured_retry_after: bool | None

    def to_json(self) -> dict[str, Any]:
        return {
            "attempts": self.attempts,
            "retried": list(self.retried),
            "stopped_on": self.stopped_on,
            "delays_seconds": [round(delay, 3) for delay in self.delays],
            "honoured_retry_after": self.honoured_retry_after,
        }


@dataclass(frozen=True)
class ScenarioVerdict:
    """The verdict of one scenario for one client (``to_json()`` for the result document)."""

    scenario: str
    fixture: str
    adapter: str
    status: ScenarioStatus
    requests: tuple[SentRequest, ...]
    differences: tuple[Difference, ...]
    retry: RetryBehaviour
    outcome_status: str
    bound_reached: bool
    #: The items the client surfaced for a walk (None when not a walk or none could be read).
    items: list[Any] | None = None
    #: What the client surfaced on an error (the adapter's ``error_surface``), JSON-safe.
    error_surface: dict[str, Any] | None = None
    #: The error surface's facts in one shape for every client (status, code, message, errors...).
    error_summary: dict[str, Any] | None = None
    reason: str = ""
    notes: tuple[str, ...] = field(default=())

    @property
    def failures(self) -> list[Difference]:
        return [difference for difference in self.differences if difference.is_failure]

    def case_id(self) -> str:
        return f"{self.scenario}::{self.adapter}"

    def sequence_diff(self) -> list[str]:
        """The readable lines of the sequence diff (one per difference, failures first)."""
        ordered = sorted(self.differences, key=lambda difference: not difference.is_failure)
        return [
            f"{difference.pointer or '(sequence)'}: {difference.message}"
            + ("" if difference.is_failure else " [diagnostic]")
            for difference in ordered
        ]

    def to_json(self) -> dict[str, Any]:
        return {
            "case_id": self.case_id(),
            "scenario": self.scenario,
            "fixture": self.fixture,
            "adapter": self.adapter,
            "status": self.status,
            "reason": self.reason,
            "outcome_status": self.outcome_status,
            "requests": [request.to_json() for request in self.requests],
            "differences": [difference.to_json() for difference in self.differences],
            "sequence_diff": self.sequence_diff(),
            "retry": self.retry.to_json(),
            "bound_reached": self.bound_reached,
            "items": json_safe(self.items),
            "error_surface": json_safe(self.error_surface),
            "error_summary": json_safe(self.error_summary),
            "notes": list(self.notes),
        }


def _describe(params: dict[str, Any]) -> str:
    if not params:
        return "no paging parameters"
    return ", ".join(f"{name}={'(absent)' if value is None else value}" for name, value in params.items())


def _expected_params(expected: ExpectedRequest) -> dict[str, Any]:
    values: dict[str, Any] = dict(expected.query)
    values.update({f"body.{name}": value for name, value in expected.body})
    return values


def _sent_params(request: SentRequest, expected: ExpectedRequest) -> dict[str, Any]:
    values: dict[str, Any] = {name: request.param(name) for name, _ in expected.query}
    body = request.body if isinstance(request.body, dict) else {}
    values.update({f"body.{name}": body.get(name) for name, _ in expected.body})
    return values


def _paging_differences(request: SentRequest, expected: ExpectedRequest) -> list[Difference]:
    differences: list[Difference] = []
    number = request.index + 1
    # what the server's pages said: the first page is asked for as the fixture does, each next one with the
    # token or sequence the previous answer gave
    after = (
        "the walk's first page is asked for"
        if request.index == 0
        else f"after the server's page answered to request {request.index}, the next page is asked for"
    )
    for name, wanted in expected.query:
        sent = request.param(name)
        if sent == wanted:
            continue
        pointer = jsonpointer.join(f"/requests/{request.index}/query", name)
        if wanted is None:
            message = f"request {number}: {after} without {name}; the client sent {name}={sent}"
        elif sent is None:
            message = f"request {number}: {after} with {name}={wanted}; the client sent no {name}"
        else:
            message = f"request {number}: {after} with {name}={wanted}; the client sent {name}={sent}"
        differences.append(Difference(pointer, "paging_parameter", wanted, sent, "failure", message))
    body = request.body if isinstance(request.body, dict) else {}
    for name, wanted in expected.body:
        sent_value = body.get(name)
        if name in body and sent_value == wanted and type(sent_value) is type(wanted):
            continue
        pointer = jsonpointer.join(f"/requests/{request.index}/body", name)
        shown = "nothing" if name not in body else f"{name}={json_safe(sent_value)!r}"
        message = f"request {number}: {after} with body {name}={wanted!r}; the client sent {shown}"
        differences.append(Difference(pointer, "paging_parameter", wanted, sent_value, "failure", message))
    return differences


def _walk_differences(sequence: list[SentRequest], expected: tuple[ExpectedRequest, ...]) -> list[Difference]:
    differences: list[Difference] = []
    for request, wanted in zip(sequence, expected, strict=False):
        differences.extend(_paging_differences(request, wanted))
    if len(sequence) < len(expected):
        missing = expected[len(sequence)]
        last = f"request {len(sequence)}" if sequence else "the start"
        differences.append(
            Difference(
                f"/requests/{len(sequence)}",
                "missing_request",
                _expected_params(missing),
                None,
                "failure",
                f"the client stopped the walk after {last}: the server's pages make {len(expected)} "
                f"requests; request {len(sequence) + 1} ({_describe(_expected_params(missing))}) "
                "was never sent",
            )
        )
    for request in sequence[len(expected) :]:
        if request.bound:
            continue  # reported once as the bound
        differences.append(
            Difference(
                f"/requests/{request.index}",
                "extra_request",
                None,
                _describe({name: request.param(name) for name in request.query}),
                "failure",
                f"request {request.index + 1}: the client asked for more after the last page (the "
                f"server's answer to request {len(expected)} said there was no next page)",
            )
        )
    if expected:
        template = ExpectedRequest(
            query=tuple(dict.fromkeys(name for wanted in expected for name, _ in wanted.query).items()),
            body=tuple(dict.fromkeys(name for wanted in expected for name, _ in wanted.body).items()),
        )
        differences.extend(_repeats(sequence, template))
    return differences


def _repeats(sequence: list[SentRequest], template: ExpectedRequest) -> list[Difference]:
    """A page asked for again after it was answered whole (a retry after a failed answer is not one)."""
    differences: list[Difference] = []
    answered: dict[tuple[Any, ...], int] = {}
    for request in sequence:
        params = _sent_params(request, template)
        signature = tuple(sorted((name, repr(value)) for name, value in params.items()))
        earlier = answered.get(signature)
        if earlier is not None and not request.bound:
            differences.append(
                Difference(
                    f"/requests/{request.index}",
                    "repeated_page",
                    None,
                    _describe(params),
                    "failure",
                    f"request {request.index + 1}: the client asks again for the page of request "
                    f"{earlier + 1} ({_describe(params)}), which the server had answered whole",
                )
            )
        if not request.failed and signature not in answered:
            answered[signature] = request.index
    return differences


def _retry_behaviour(sequence: list[SentRequest]) -> RetryBehaviour:
    retried: list[str] = []
    delays: list[float] = []
    honoured: bool | None = None
    for previous, current in pairwise(sequence):
        if current.delay_seconds is not None:
            delays.append(current.delay_seconds)
        if previous.failed:
            retried.append(previous.outcome_label())
            wait = retry_after_seconds(previous.retry_after)
            if wait is not None and current.delay_seconds is not None:
                ok = current.delay_seconds + RETRY_AFTER_ALLOWANCE >= wait
                honoured = ok if honoured is None else honoured and ok
    stopped_on = sequence[-1].outcome_label() if sequence and sequence[-1].failed else ""
    return RetryBehaviour(len(sequence), tuple(retried), stopped_on, tuple(delays), honoured)


def _retry_after_differences(sequence: list[SentRequest]) -> list[Difference]:
    differences: list[Difference] = []
    for previous, current in pairwise(sequence):
        wait = retry_after_seconds(previous.retry_after)
        if wait is None or current.delay_seconds is None:
            continue
        if current.delay_seconds + RETRY_AFTER_ALLOWANCE >= wait:
            continue
        # The measured delay is a duration (``/requests/N/delay_seconds``); the difference states the
        # comparison only, so that the same behaviour gives the same result document at every run.
        differences.append(
            Difference(
                f"/requests/{current.index}/delay_seconds",
                "retry_after",
                f"at least {wait:g} s after the answer",
                f"less than {wait:g} s after the answer",
                "failure",
                f"request {current.index + 1}: the server answered request {previous.index + 1} with "
                f"{previous.outcome_label()} and Retry-After: {previous.retry_after}; the client sent "
                f"request {current.index + 1} less than {wait:g} s later, before that wait had passed",
            )
        )
    return differences


def _attempt_differences(sequence: list[SentRequest], scenario: Scenario) -> list[Difference]:
    low, high = scenario.expect.attempts_min, scenario.expect.attempts_max
    count = len(sequence)
    if high is not None and count > high:
        return [
            Difference(
                f"/requests/{high}",
                "attempts",
                high,
                count,
                "failure",
                f"request {high + 1}: the client sent {count} requests in all (the server answered "
                f"{', '.join(request.outcome_label() for request in sequence)}); at most {high} "
                f"{'is' if high == 1 else 'are'} acceptable for this answer sequence",
            )
        ]
    if low is not None and count < low:
        return [
            Difference(
                "/requests",
                "attempts",
                low,
                count,
                "failure",
                f"{count} attempt{'s' if count != 1 else ''} in all; at least {low} expected",
            )
        ]
    return []


def _page_items(scenario: Scenario, pages: int) -> list[Any] | None:
    """The items of the first ``pages`` JSON answers at ``expect.items.at``, joined."""
    spec = scenario.expect.items
    if spec is None:
        return None
    items: list[Any] = []
    for answer in scenario.answers[:pages]:
        if not answer.has_json_body:
            continue
        try:
            found = jsonpointer.resolve(answer.json_body, spec.at)
        except jsonpointer.PointerError:
            continue
        if isinstance(found, list):
            items.extend(found)
    return items


def surfaced_items(output: Any, at: str) -> list[Any] | None:
    """The items a client surfaced: a list as it is (SDK iterator), else the list at ``at`` (CLI envelope)."""
    if isinstance(output, list):
        return output
    if isinstance(output, dict):
        try:
            found = jsonpointer.resolve(output, at)
        except jsonpointer.PointerError:
            return None
        return found if isinstance(found, list) else None
    return None


def _item_key(item: Any, key: str | None) -> Any:
    if key is None:
        return item
    return item.get(key) if isinstance(item, dict) else None


def _items_differences(
    scenario: Scenario, outcome: ClientOutcome
) -> tuple[list[Any] | None, list[Difference]]:
    spec = scenario.expect.items
    if spec is None:
        return None, []
    pages = len(scenario.expect.requests) if scenario.expect.requests is not None else len(scenario.answers)
    expected = _page_items(scenario, pages) or []
    surfaced = surfaced_items(outcome.output, spec.at)
    if surfaced is None:
        if outcome.status != "completed":
            return None, []  # the outcome check says why
        return None, [
            Difference(
                "/items",
                "collapsed_result",
                len(expected),
                None,
                "failure",
                "the server's pages held items, and the client completed the walk but surfaced no "
                f"list of items (looked at {spec.at or 'the output'})",
            )
        ]
    wanted = [_item_key(item, spec.key) for item in expected]
    got = [_item_key(item, spec.key) for item in surfaced]
    if wanted == got:
        return surfaced, []
    label = spec.key or "item"
    return surfaced, [
        Difference(
            "/items",
            "collapsed_result",
            json_safe(wanted),
            json_safe(got),
            "failure",
            f"the server's pages held {label}s {json_safe(wanted)}; the client's collapsed result "
            f"holds {json_safe(got)}",
        )
    ]


#: How an expected outcome reads after "where this scenario expects it to".
_OUTCOME_WORDS = {"completed": "complete the operation", "client_error": "fail with an error"}
#: How much of a non-JSON body an outcome message quotes.
_QUOTED_BODY_CHARS = 40


def _answer_words(exchanges: list[CapturedExchange], request: SentRequest) -> str:
    """What the server sent to ``request``, for a reader: status, and whether the body was JSON."""
    if request.error is not None or request.status is None:
        return "no whole answer (the connection dropped)"
    exchange = next(
        (item for item in exchanges if item.started_at == request.started_at and item.path == request.path),
        None,
    )
    words = f"a {request.status}"
    if request.retry_after:
        words += f" with Retry-After: {request.retry_after}"
    if exchange is None:
        return words
    if not exchange.response_body:
        return f"{words} with an empty body"
    content_type = next(
        (value for name, value in exchange.response_headers if name.lower() == "content-type"), "none"
    )
    try:
        json.loads(exchange.response_body)
    except ValueError:
        start = exchange.response_body.decode("utf-8", errors="replace").strip()
        quoted = " ".join(start.split())[:_QUOTED_BODY_CHARS]
        return f"{words} whose body is not JSON (Content-Type: {content_type}; it starts {quoted!r})"
    return f"{words} with a JSON body"


def _outcome_differences(
    scenario: Scenario, outcome: ClientOutcome, sequence: list[SentRequest], exchanges: list[CapturedExchange]
) -> list[Difference]:
    wanted = scenario.expect.outcome
    if wanted == "any" or outcome.status == wanted:
        return []
    answered = "the server was sent no operation request"
    if sequence:
        last = _answer_words(exchanges, sequence[-1])
        answered = f"the server answered request {len(sequence)} (the last) with {last}"
    expects = f"where this scenario expects it to {_OUTCOME_WORDS.get(wanted, f'end with {wanted}')}"
    if outcome.status == "completed":
        did = "the client reported success (it completed the operation)"
    else:
        why = outcome.exception or outcome.detail or outcome.exit_code
        did = f"the client ended with {outcome.status}" + (f" ({why})" if why not in (None, "") else "")
    message = f"{answered}; {did}, {expects}"
    return [Difference("/outcome", "outcome", wanted, outcome.status, "failure", message)]


def _last_answer_body(exchanges: list[CapturedExchange], sequence: list[SentRequest]) -> Any:
    """The body of the last operation answer (JSON when it parses, else text): what a leak may echo."""
    if not sequence:
        return None
    last = sequence[-1]
    for exchange in exchanges:
        if exchange.started_at == last.started_at and exchange.path == last.path:
            raw = exchange.response_body
            try:
                return json.loads(raw) if raw else None
            except ValueError:
                return raw.decode("utf-8", errors="replace")
    return None


def _error_surface(
    outcome: ClientOutcome, server_body: Any
) -> tuple[dict[str, Any] | None, dict[str, Any] | None, list[Difference]]:
    """The surface, its summary and one difference per leak (a leak echoed from the answer: diagnostic)."""
    surface = outcome.error_surface
    if surface is None:
        return None, None, []
    differences: list[Difference] = []
    for leak in error_surface.leaks(surface, server_body=server_body):
        echoed = (
            " (the server's answer holds it too: the client passed it on)" if leak.echoed_from_server else ""
        )
        differences.append(
            Difference(
                jsonpointer.join("/error_surface", *jsonpointer.parse(leak.pointer)),
                "error_leak",
                None,
                leak.found,
                "diagnostic" if leak.echoed_from_server else "failure",
                f"{leak.message}{echoed}",
            )
        )
    return surface, error_surface.summarize(surface).to_json(), differences


def judge_scenario(
    scenario: Scenario,
    exchanges: list[CapturedExchange],
    outcome: ClientOutcome,
    *,
    adapter: str = "",
    api_prefix: str = "/api",
    profile: ServerProfile | None = None,
    policy: ScenarioPolicy | None = None,
    projection_key: str = "",
) -> ScenarioVerdict:
    """The verdict of ``scenario`` for the client whose case recorded ``exchanges``, ended in ``outcome``.

    ``projection_key`` names the client in the error-kinds map and in the
    policy's declared retries (``""``: neither applies).
    """
    fixture = scenario.fixture
    sequence = (
        operation_sequence(exchanges, fixture, api_prefix=api_prefix, profile=profile)
        if fixture is not None
        else []
    )
    retry = _retry_behaviour(sequence)
    bound_reached = any(request.bound for request in sequence)

    def verdict(
        status: ScenarioStatus,
        differences: tuple[Difference, ...] = (),
        reason: str = "",
        **extra: Any,
    ) -> ScenarioVerdict:
        return ScenarioVerdict(
            scenario=scenario.name,
            fixture=scenario.fixture_name,
            adapter=adapter,
            status=status,
            requests=tuple(sequence),
            differences=differences,
            retry=retry,
            outcome_status=outcome.status,
            bound_reached=bound_reached,
            reason=reason,
            **extra,
        )

    if fixture is None:
        return verdict("skipped", reason=scenario.not_applicable_reason)
    if outcome.status == "skipped":
        return verdict("skipped", reason=outcome.detail)
    if outcome.status in ("timeout", "harness_error", "drift") and not bound_reached:
        return verdict(
            "error", reason=f"{outcome.status}: {outcome.detail or outcome.exception or ''}".strip()
        )
    differences: list[Difference] = []
    if scenario.expect.requests is not None:
        differences.extend(_walk_differences(sequence, scenario.expect.requests))
    differences.extend(_attempt_differences(sequence, scenario))
    if scenario.expect.retry_after == "honour":
        differences.extend(_retry_after_differences(sequence))
    if bound_reached:
        first = next(request for request in sequence if request.bound)
        differences.append(
            Difference(
                f"/requests/{first.index}",
                "bound",
                first.index,
                len(sequence),
                "failure",
                f"request {first.index + 1}: the sequence did not end by itself; the stub refused it "
                f"(the scenario answers at most {first.index} operation requests)",
            )
        )
    differences.extend(
        Difference(
            f"/requests/{request.index}",
            "hold",
            "the client gives up by its own timeout",
            "still waiting when the hold ran out",
            "failure",
            f"request {request.index + 1}: the server never answered and the client was still waiting when "
            "the scenario's hold ran out: no timeout of its own ended the wait",
        )
        for request in sequence
        if request.hold_ran_out
    )
    differences.extend(_outcome_differences(scenario, outcome, sequence, exchanges))
    items, item_differences = _items_differences(scenario, outcome)
    differences.extend(item_differences)
    last_body = _last_answer_body(exchanges, sequence)
    surface, summary, leak_differences = _error_surface(outcome, last_body)
    differences.extend(leak_differences)
    last_status = sequence[-1].status if sequence else None
    if outcome.status == "client_error":
        differences.extend(error_kinds.kind_differences(last_status, last_body, surface, projection_key))
        notes = error_kinds.kind_not_asserted(last_status, last_body, projection_key)
    else:
        notes = []
    if policy is not None:
        differences.extend(policy.retry_differences(projection_key, sequence, outcome))
        differences = policy.apply(scenario.name, adapter, differences)
    status: ScenarioStatus = "fail" if any(difference.is_failure for difference in differences) else "pass"
    return verdict(
        status,
        tuple(differences),
        items=items,
        error_surface=surface,
        error_summary=summary,
        notes=tuple(notes),
    )
