"""The "start here" page: the rules every operation shares, and the steps for a new client's author.

One Markdown source (:func:`markdown`) gives both the HTML page and the
Markdown file. The values in it (handshake, versions, header names, the
schema fingerprint, the worked example, the corpus directories) come from the
server profile, the codec and the corpus the handbook was built from, never
from memory.
"""

from __future__ import annotations

import json
import shlex

from conformance import avro_codec
from conformance.handbook.avro_walk import walk_datum
from conformance.handbook.model import Handbook
from conformance.handbook.textmark import to_html

EXAMPLE_VALUE: list[dict[str, object]] = [{"order_id": 42, "priority": "gold"}]


def _walk_lines() -> str:
    raw = avro_codec.encode_bytes(EXAMPLE_VALUE)
    lines = [
        f"{raw[:2].hex(' '):<24} magic: single-object encoding",
        f"{raw[2:10].hex(' '):<24} fingerprint of the Value schema",
    ]
    lines += [
        f"{'  ' * line.depth}{line.hex:<{24 - 2 * line.depth}} {line.meaning}"
        for line in walk_datum(raw[10:])
    ]
    return "\n".join(lines)


def markdown(handbook: Handbook, *, schema: str) -> str:
    corpus = (
        " ".join(f"--fixtures {shlex.quote(directory)}" for directory in handbook.fixture_dirs)
        or "--fixtures CORPUS"
    )
    handshake = json.dumps(handbook.handshake, indent=2)
    prefix = handbook.api_prefix
    blob = avro_codec.encode_blob(EXAMPLE_VALUE)
    paging_ops = [page.operation for page in handbook.pages if len(page.paging) > 1]
    paging_list = (
        ", ".join(
            f"[{op}](operations/{next(p.slug for p in handbook.pages if p.operation == op)}.html#paging)"
            for op in paging_ops
        )
        or "none"
    )
    return f"""# Start here

This handbook is for the author of a new Durable Workflow client, in any language. It is generated from the
fixture corpus: each fixture pins one operation of the v2 control plane, and the harness judges a client by
the HTTP request it really sends. Everything below is what that judge checks, stated once; each
[operation page](index.html) then gives the specifics.

## From an empty directory to a judged run {{#steps}}

You need Python 3.11 or newer with `dw-conformance` installed (`pip install dw-conformance`, or
`pip install -e .` in a checkout), and the runtime of your language (Node.js 18+, Python 3.8+, or Go
1.19+). Five steps, in an empty directory:

### 1. Write a starter adapter

It speaks the harness's exec protocol and replays each fixture's canonical request (use `python` or `go`
for `--language` as you prefer):

```
dw-conformance init-adapter --language node --out my-client
```

### 2. Run it over the corpus

The corpus this handbook was built from:

```
dw-conformance run --adapter exec=my-client/adapter.yaml {corpus} --report-dir reports
```

Every fixture case should pass: the starter sends exactly what each fixture pins. When one does not,
the run prints each difference by JSON pointer (for example `/headers/x-namespace: missing`).

The run also plays the shipped scenarios (sequences of server answers: paging walks and error answers,
see the Paging and Errors sections below). The unmodified starter skips the walks (its manifest does not
declare `drives: [walk]`) and fails `non-json-body.scenario.yaml` (it does not read the answer, so it
reports success for an answer that is not JSON). Both are yours to fix as your client takes over.

### 3. Put your measurements in this handbook

```
dw-conformance handbook {corpus} --result reports/result.json --out handbook
```

Open `handbook/index.html`: your adapter is a column of the matrix.

### 4. Replace the replay with your client, one operation at a time

In the adapter, the table marked `REPLACE` routes an operation id to a function that calls your client.
Add one entry, run step 2 again, and look at that operation's cell. A cell that turns red links to the
operation's page, which says what was expected and what your client sent.

### 5. Repeat until every operation calls your client

Until then the starter replays every operation you have not registered, so those cases pass on the
starter's behalf. Once your client covers most operations, set `REPLAY_UNLISTED` to false in the
adapter: the operations your client lacks then report `skipped`, and the matrix shows the truth.

The starter reads the exec request's `canonical_request` (method, path, query, body), which the harness
computes from the fixture. A fixture without your projection key is judged against that same canonical
request, so you need not edit any fixture to start.

## The handshake {{#handshake}}

Before its first operation a client calls `GET <server>{prefix}/cluster/info`. The harness's stub answers:

```
{handshake}
```

A client should check three things in it and refuse to go on otherwise: `control_plane.version` is
`"{handbook.control_plane_version}"`; `control_plane.request_contract` names the schema
`durable-workflow.v2.control-plane-request.contract` at version `1`; `worker_protocol.version` has major
version `{handbook.worker_protocol_version.split(".")[0]}` if you implement the worker plane. The handshake
itself is recorded but never judged, and it does not count as the operation's request.

## Headers {{#headers}}

On every request:

- `Authorization: Bearer <token>`: the token the client is configured with, compared exactly (the scheme
  word case-insensitively). Reports never show it.
- `X-Namespace: <namespace>`: the configured namespace, exactly.
- On control-plane paths (everything outside `{prefix}/worker/`):
  `X-Durable-Workflow-Control-Plane-Version: {handbook.control_plane_version}`.
- On worker-plane paths (`{prefix}/worker/...`): `X-Durable-Workflow-Protocol-Version` with major version
  `{handbook.worker_protocol_version.split(".")[0]}` (`{handbook.worker_protocol_version}` here); another
  minor version is only a diagnostic.
- `Content-Type: application/json` with a JSON body, and `Accept: application/json`: sensible, not judged.

## Version negotiation {{#versions}}

There are two version numbers. The control plane's (`{handbook.control_plane_version}`) is a whole-number
contract: send it on every control-plane request, and stop when the handshake advertises another. The
worker protocol's is `MAJOR.MINOR` (`{handbook.worker_protocol_version}`): a client speaks one major
version and may send any minor of it; the server's answers carry the version it speaks in the same header.
The server's answers also carry the version headers, which a careful client checks.

## Paths, queries and bodies {{#wire}}

- The path is `{prefix}` followed by the operation's path. Encode each segment on its own (an id with a
  `/` becomes one segment `a%2Fb`); the judge compares percent-decoded segments.
- A query, when a fixture declares one, is exact: nothing missing, nothing extra. Integers travel as their
  decimal text, booleans as `true` or `false`.
- A body is JSON. Types are exact: `42`, `42.0` and `"42"` are three different values, and `true` is not
  `1`. Each operation page says whether its body is pinned exactly or only by the keys it lists.
- Exactly one request besides the handshake: a retry or a follow-up read is a failure of the case.

## Avro payload envelopes {{#envelopes}}

Some payloads (workflow input, signal and update arguments, activity results...) may travel as an
envelope `{{"codec": "avro", "blob": "<base64>"}}` instead of plain JSON. The Python SDK sends them so; the
CLI sends plain JSON. The judge decodes every envelope it finds before comparing, so either form is
judged on its value; where a projection of a fixture requires the envelope, plain JSON there fails.

The blob is standard base64 of: the two bytes `c3 01` (Avro single-object encoding), the eight bytes
`{avro_codec.value_schema_fingerprint().hex(" ")}` (the CRC-64-AVRO fingerprint of the schema below),
then one Avro binary datum of the record `durable_workflow.protocol.Value`. Its one field is a union;
the branch index says the JSON type: 0 null, 1 boolean, 2 long (any integer), 3 double (any number with a
fraction or exponent), 4 bytes, 5 string, 6 array of Value, 7 map of Value.

```
{schema}
```

Worked example: `{json.dumps(EXAMPLE_VALUE)}` becomes the blob `{blob}`, whose bytes read:

```
{_walk_lines()}
```

Every operation page lists its own envelope payloads with the value, the bytes, the base64 and this
item-by-item reading. Two traps: a JSON parser that turns `42.0` into `42` sends a long where a double was
meant, and integers above 2^53 lose precision in a double-based number type.

## Paging {{#paging}}

No fixture says how to ask for the next page or when to stop; the shipped walk scenarios do
(`schedule-history-walk.scenario.yaml`, `workflow-history-walk.scenario.yaml`): the stub serves three
pages, and your client must send each page's paging parameters, stop after the last page and report
every item. Declare `drives: [walk]` in your manifest once your client can walk. Some fixtures send
paging parameters or answer with paging fields; their pages list them: {paging_list}.

## Errors {{#errors}}

The fixtures pin successful exchanges only; the shipped error scenarios answer with the server's real
errors (401, 403, 404, 409, 422 with `errors`, 429 with `Retry-After`, 500, a body that is not JSON, a
dropped connection). Your client must report each as an error, must not retry a 429 before its
`Retry-After`, and must not put a language's own shapes (a class name, a file path, a stack trace) in
its machine-readable error output; report what it surfaced as `error_surface` (the adapters README
says how). For a fixture's own answer the rule is the judge's, which looks at both sides. A client that
sends the right request and
then rejects the fixture's answer fails on the response side, with its own message in the report (an answer
the harness invented, for a fixture without `response_body`, makes that refusal a harness error instead);
a client that fails before sending anything fails the case (`operation_count`).

## Reading a verdict {{#verdicts}}

Each case (a fixture run by one client) ends as pass, fail, error (the client could not be exercised:
time limit, crash, a broken result, or it refused an answer the harness invented), skipped (the client
said it cannot do this operation) or interrupted (the run was stopped before the case finished). A
case has two sides: the request (what the client sent) and the response (what it did with the answer:
accepted it, surfaced the values it holds and no value nobody gave it, printed JSON its own schema
accepts); a failure on either side fails the case, and a side that checked nothing says "not asserted".
A failure lists each difference with a JSON pointer into the request as the harness saw it (`/method`,
`/path_segments/2`, `/query/limit`, `/headers/x-namespace`, `/body/input/0/order_id`), the kind (missing,
unexpected, changed, type_changed, envelope_invalid, not_json, operation_count), what was expected and
what was sent.
"""


def html(handbook: Handbook, *, schema: str) -> str:
    return to_html(markdown(handbook, schema=schema))
