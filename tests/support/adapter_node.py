"""The ``sdk_node`` projection of the example Node.js exec adapter, generated from a fixture.

The example adapter (``adapters/examples/node``) reads its own projection,
``sdk_node``: ``method``, raw ``path`` segments, ``query``, ``body`` and an
optional ``payload_envelope`` to send as an Avro envelope. The tests give each
shipped fixture such a projection, derived from what the fixture pins
(:func:`conformance.canonical_request.canonical_request`) and, where the SDK
projection has one, the same ``payload_envelope``. ``expected_body`` is added
when the fixture has no ``request.body``, so the verdict asserts the body.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

from conformance.canonical_request import canonical_request
from conformance.fixture import Fixture
from conformance.normalize import split_path

NODE_EXAMPLE = Path(__file__).resolve().parents[2] / "adapters" / "examples" / "node"
NODE_MANIFEST = NODE_EXAMPLE / "adapter.yaml"


def node_projection(fixture: Fixture) -> dict[str, Any]:
    request = canonical_request(fixture)
    projection: dict[str, Any] = {"method": request.method, "path": split_path(request.path)}
    if request.query:
        projection["query"] = {
            name: values[0] if len(values) == 1 else values for name, values in request.query.items()
        }
    body = copy.deepcopy(request.body) if request.has_body else None
    envelope = (fixture.projection("sdk_python") or {}).get("payload_envelope")
    wrapped = isinstance(envelope, dict) and isinstance(body, dict) and "." not in envelope["field"]
    if wrapped:
        body.pop(envelope["field"], None)
    if body is not None and (body or not wrapped):
        projection["body"] = body
    if wrapped:
        projection["payload_envelope"] = {
            "field": envelope["field"], "codec": envelope["codec"], "decoded": envelope["decoded"]
        }
    if request.has_body and not fixture.has_request_body:
        projection["expected_body"] = request.body
    return projection


def with_node_projection(fixture: Fixture) -> dict[str, Any]:
    data = copy.deepcopy(fixture.data)
    data["sdk_node"] = node_projection(fixture)
    return data


def write_node_corpus(fixtures: list[Fixture], directory: Path) -> list[Path]:
    """Copies of ``fixtures`` with an ``sdk_node`` projection, one file each, in ``directory``."""
    directory.mkdir(parents=True, exist_ok=True)
    paths = []
    for fixture in fixtures:
        path = directory / fixture.name
        path.write_text(json.dumps(with_node_projection(fixture), indent=2) + "\n", encoding="utf-8")
        paths.append(path)
    return paths
