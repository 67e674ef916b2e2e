"""The ``canonical`` adapter: replays the fixture's own request through the proxy.

It is the harness's self-check: it exercises the proxy, the stub, the
normalizer and the judge with a request that is right by construction, so on
a valid corpus every case must pass; a failure points at the harness or at a
fixture that contradicts itself. It needs no client installed, which is why
``tox -e conformance`` can always run it.

Design decisions:

- **A replay by nature, shown as the self-check, not as a replayed client.**
  Its outcomes carry no ``replayed`` mark (:mod:`conformance.replays`): the
  adapter claims no conformance target, ``implementations`` lists it with
  ``self_check: true``, the reports label its column "self-check", and it is
  left out of the level as soon as a real client ran. The mark is for a
  client program that stands in for a client and replays instead.
- The request is :func:`conformance.canonical_request.canonical_request`
  (plain JSON, no envelopes). It can run any fixture, so :meth:`skip_reason`
  does not look for a projection; it skips only a fixture whose canonical
  request cannot be built (the reason names the file and pointer).
- It behaves on the wire like the real clients: ``GET <prefix>/cluster/info``
  first, then the operation, on one keep-alive connection, with
  ``Authorization: Bearer``, ``X-Namespace``, ``Accept`` and
  ``Content-Type: application/json`` (with a body), and both version headers
  (``X-Durable-Workflow-Control-Plane-Version: 2`` and
  ``X-Durable-Workflow-Protocol-Version: 1.0``, as the CLI sends them
  everywhere). The prefix is the case's ``api_prefix``.
- ``http.client`` rather than a higher-level library: it sends the request
  target byte for byte as given, so the fixture's percent-encoding is what
  arrives.
- A walk (``case.drive.walk``) is ``skipped``: the replay knows the first
  request only; the pages after it depend on the answers, which a fixture
  does not hold.
- A handshake answer is not checked (the replay has no compatibility rules).
  A non-2xx answer to the operation is ``client_error`` (a response-side
  diagnostic); a connection failure too; running out of time is ``timeout``.
"""

from __future__ import annotations

import http.client
import json
import time
from typing import Any
from urllib.parse import urlsplit

from conformance import __version__
from conformance.adapters.base import Adapter, CaseInput, ClientIdentity, ClientOutcome
from conformance.canonical_request import CanonicalRequest, canonical_request
from conformance.fixture import Fixture
from conformance.problems import InputError

CONTROL_PLANE_VERSION = "2"
WORKER_PROTOCOL_VERSION = "1.0"
USER_AGENT = "dw-conformance-canonical"
WALK_SKIP_REASON = (
    "the canonical replay cannot walk pages: it knows the fixture's first request only, "
    "and the next pages' parameters come from the answers"
)


class _Deadline(Exception):
    pass


def request_headers(case: CaseInput, has_body: bool) -> dict[str, str]:
    """The headers of every request the replay sends."""
    headers = {
        "Accept": "application/json",
        "Authorization": f"Bearer {case.token}",
        "X-Namespace": case.namespace,
        "X-Durable-Workflow-Control-Plane-Version": CONTROL_PLANE_VERSION,
        "X-Durable-Workflow-Protocol-Version": WORKER_PROTOCOL_VERSION,
        "User-Agent": USER_AGENT,
    }
    if has_body:
        headers["Content-Type"] = "application/json"
    return headers


def _parse(body: bytes) -> Any:
    try:
        return json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        return body.decode("utf-8", errors="replace")


class CanonicalAdapter(Adapter):
    name = "canonical"
    projection = "canonical"
    target = "canonical_replay"

    def identity(self) -> ClientIdentity:
        return ClientIdentity("dw-conformance canonical replay", __version__, "built in")

    def skip_reason(self, fixture: Fixture) -> str | None:
        """Only a body JSON cannot carry (bytes from a generated variant) is a skip.

        A fixture that contradicts itself (an envelope whose blob does not
        decode to its ``decoded`` value...) is not skipped: :meth:`run` makes
        it a ``harness_error``, so the case is an ``error`` and a run with the
        self-check alone cannot call a broken corpus conforming.
        """
        try:
            canonical_request(fixture).body_bytes()
        except InputError:
            return None
        except (TypeError, ValueError) as error:
            return f"the fixture's canonical body is not plain JSON: {error}"
        return None

    def run(self, case: CaseInput) -> ClientOutcome:
        if case.drive.walk:
            return ClientOutcome("skipped", detail=WALK_SKIP_REASON)
        started = time.monotonic()
        try:
            request = canonical_request(case.fixture)
            body = request.body_bytes()
        except InputError as error:
            detail = f"the fixture contradicts itself; its canonical request cannot be built: {error}"
            return ClientOutcome("harness_error", duration=time.monotonic() - started, detail=detail)
        except (TypeError, ValueError) as error:
            return ClientOutcome("skipped", detail=f"the canonical body is not plain JSON: {error}")
        outcome = self._send(case, request, body, started + case.timeout)
        outcome.duration = time.monotonic() - started
        return outcome.redacted([case.token])

    @staticmethod
    def _connection(server_url: str, timeout: float) -> tuple[http.client.HTTPConnection, str] | None:
        """A connection to ``server_url`` and the URL's own base path; ``None`` for a non-http URL."""
        url = urlsplit(server_url)
        if url.scheme not in ("http", "https") or not url.hostname:
            return None
        if url.scheme == "https":
            return http.client.HTTPSConnection(url.hostname, url.port, timeout=timeout), url.path.rstrip("/")
        return http.client.HTTPConnection(url.hostname, url.port, timeout=timeout), url.path.rstrip("/")

    def _send(
        self, case: CaseInput, request: CanonicalRequest, body: bytes | None, deadline: float
    ) -> ClientOutcome:
        opened = self._connection(case.server_url, max(0.001, deadline - time.monotonic()))
        if opened is None:
            detail = f"server URL {case.server_url!r} is not an http(s) URL"
            return ClientOutcome("harness_error", detail=detail)
        connection, base_path = opened
        api_prefix = case.api_prefix.strip("/")
        prefix = f"{base_path}/{api_prefix}" if api_prefix else base_path
        steps: list[dict[str, Any]] = []
        try:
            for method, target, payload in (
                ("GET", f"{prefix}/cluster/info", None),
                (request.method, request.target(prefix), body),
            ):
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise _Deadline
                connection.timeout = remaining
                if connection.sock is not None:
                    connection.sock.settimeout(remaining)
                headers = request_headers(case, payload is not None)
                connection.request(method, target, body=payload, headers=headers)
                response = connection.getresponse()
                answer = _parse(response.read())
                steps.append({"request": f"{method} {target}", "status": response.status, "body": answer})
        except (_Deadline, TimeoutError):
            return ClientOutcome(
                "timeout", output={"exchanges": steps}, detail=f"no answer within {case.timeout:g} s"
            )
        except (OSError, http.client.HTTPException) as error:
            return ClientOutcome(
                "client_error",
                exception=f"{type(error).__name__}: {error}",
                output={"exchanges": steps},
                detail=f"the replay could not reach {case.server_url}",
            )
        finally:
            connection.close()
        operation = steps[-1]
        outcome = ClientOutcome("completed", output=operation["body"])
        outcome.detail = "; ".join(f"{step['request']} -> {step['status']}" for step in steps)
        if not 200 <= int(operation["status"]) < 300:
            outcome.status = "client_error"
            outcome.exception = f"HTTPError: {operation['request']} answered {operation['status']}"
        return outcome
