"""``dw-conformance handbook``: the site's content checked against the corpus it was built from.

The browser checks (navigation, the matrix as rendered) are in
``test_handbook_browser.py``; the steps of the "start here" page are followed
literally in ``test_handbook_steps.py``.
"""

from __future__ import annotations

import base64
import io
import json
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from fastavro import parse_schema, schemaless_reader

from conformance.avro_codec import VALUE_SCHEMA, encode_bytes
from conformance.fixture import load_fixture, shipped_corpus_dir
from conformance.handbook.avro_walk import walk_datum
from support.harness_run import FAKE_DW, run_command
from support.real_clients import upstream_corpus

CONSOLE_SCRIPT = Path(sys.executable).parent / "dw-conformance"
HEADER_BYTES = 10


def handbook(out: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(CONSOLE_SCRIPT), "handbook", "--out", str(out), *args],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


class Elements(HTMLParser):
    """Every start tag with its attributes, and the text inside chosen elements."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, {name: value or "" for name, value in attrs}))

    def with_class(self, name: str) -> list[dict[str, str]]:
        return [attrs for _tag, attrs in self.tags if name in attrs.get("class", "").split()]


def elements(path: Path) -> Elements:
    parser = Elements()
    parser.feed(path.read_text(encoding="utf-8"))
    return parser


def plain(datum: Any) -> Any:
    """A decoded Value record as a plain value (written here, independently of the harness's codec)."""
    inner = datum["value"]
    if inner is None:
        return None
    ((kind, payload),) = inner.items()
    if kind == "items":
        return [plain(item) for item in payload]
    if kind == "entries":
        return {key: plain(item) for key, item in payload.items()}
    return payload


def fastavro_decode(blob: str) -> Any:
    raw = base64.b64decode(blob, validate=True)
    assert raw[:2] == b"\xc3\x01"
    return plain(schemaless_reader(io.BytesIO(raw[HEADER_BYTES:]), parse_schema(VALUE_SCHEMA), None))


def fixture_envelope_values(path: Path) -> dict[tuple[str, str], Any]:
    """(direction, dotted field) -> value, read straight from the fixture file."""
    data = json.loads(path.read_text(encoding="utf-8"))
    found: dict[tuple[str, str], Any] = {}
    for projection in data.values():
        if not isinstance(projection, dict):
            continue
        spec = projection.get("payload_envelope")
        if isinstance(spec, dict):
            found[("request", spec["field"])] = spec["decoded"]
        body = projection.get("request_body")
        if isinstance(body, dict):
            for name in body:
                stem = name.removesuffix("_envelope")
                if stem != name and stem in body:
                    found[("request", stem)] = body[stem]
    stack: list[tuple[Any, list[str]]] = [(data.get("response_body"), [])]
    while stack:
        node, tokens = stack.pop()
        if isinstance(node, dict) and "codec" in node and "blob" in node:
            found[("response", ".".join(tokens))] = fastavro_decode(node["blob"])
        elif isinstance(node, dict):
            stack.extend((value, [*tokens, key]) for key, value in node.items())
        elif isinstance(node, list):
            stack.extend((value, [*tokens, str(index)]) for index, value in enumerate(node))
    return found


@pytest.fixture(scope="module")
def upstream_handbook(tmp_path_factory: pytest.TempPathFactory) -> Path:
    corpus = upstream_corpus()
    out = tmp_path_factory.mktemp("handbook") / "site"
    completed = handbook(out, "--fixtures", str(corpus))
    assert completed.returncode == 0, completed.stderr
    return out


def test_covers_every_operation_of_the_upstream_corpus(upstream_handbook: Path) -> None:
    corpus = upstream_corpus()
    operations = {load_fixture(path).operation for path in corpus.glob("*.json")}
    assert len(operations) == 60
    coverage = next(
        attrs
        for tag, attrs in elements(upstream_handbook / "index.html").tags
        if attrs.get("id") == "coverage"
    )
    assert (coverage["data-covered"], coverage["data-total"]) == ("60", "60")
    pages = sorted((upstream_handbook / "operations").glob("*.html"))
    markdown = sorted((upstream_handbook / "md").glob("*.md"))
    assert len(pages) == 60
    assert len(markdown) == 62  # one per operation, the index and "start here"
    titled = set()
    for page in pages:
        heading = next(attrs for tag, attrs in elements(page).tags if tag == "h1")
        titled.add(heading["data-operation"])
    assert titled == operations
    data = json.loads((upstream_handbook / "handbook.json").read_text(encoding="utf-8"))
    assert {page["domain"] for page in data["pages"]} >= {
        "Workflows",
        "Schedules",
        "Namespaces",
        "Worker plane",
    }


def test_every_avro_example_decodes_with_fastavro_to_the_fixtures_value(upstream_handbook: Path) -> None:
    corpus = upstream_corpus()
    checked = 0
    data = json.loads((upstream_handbook / "handbook.json").read_text(encoding="utf-8"))
    sources = {page["slug"]: page["fixture_name"] for page in data["pages"]}
    for page in sorted((upstream_handbook / "operations").glob("*.html")):
        sections = elements(page).with_class("envelope")
        expected = fixture_envelope_values(corpus / sources[page.stem])
        assert len(sections) == len(expected), page.name
        for section in sections:
            decoded = fastavro_decode(section["data-base64"])
            wanted = expected[(section["data-direction"], section["data-field"])]
            assert decoded == wanted and json.dumps(decoded) == json.dumps(wanted), (
                page.name,
                section["data-field"],
            )
            assert json.loads(section["data-value"]) == wanted
            checked += 1
    assert checked == 9  # 8 request payloads (7 payload_envelope, 1 request_body companion) + 1 in a response


def test_operation_page_states_the_fixtures_request(upstream_handbook: Path) -> None:
    fixture = json.loads((upstream_corpus() / "workflow-signal-parity.json").read_text(encoding="utf-8"))
    page = upstream_handbook / "operations" / "workflow-signal.html"
    found = elements(page)
    line = found.with_class("request-line")[0]
    assert line["data-method"] == fixture["request"]["method"]
    assert line["data-path"] == fixture["request"]["path"]
    assert line["data-template"] == "/workflows/{workflow_id}/signal/{signal_name}"
    text = page.read_text(encoding="utf-8")
    assert "dw workflow:signal" in text  # the CLI side of the side-by-side
    assert "await client.signal_workflow(" in text  # the SDK side
    assert "Not specified by the corpus yet." in text  # paging and errors say so plainly
    markdown = (upstream_handbook / "md" / "workflow-signal.md").read_text(encoding="utf-8")
    assert "POST <server>/api/workflows/{workflow_id}/signal/{signal_name}" in markdown


def test_pages_are_self_contained(upstream_handbook: Path) -> None:
    for page in [upstream_handbook / "index.html", upstream_handbook / "start-here.html"]:
        text = page.read_text(encoding="utf-8")
        assert "<script" not in text and "src=" not in text
        for _tag, attrs in elements(page).tags:
            href = attrs.get("href", "")
            assert not href.startswith(("http:", "https:", "//")), href


def test_a_measured_run_shows_each_clients_differences_by_pointer(tmp_path: Path) -> None:
    """A result from the fake dw with an injected defect (integers sent as doubles), on the shipped corpus."""
    completed = run_command(
        tmp_path / "reports",
        "--adapter",
        "canonical",
        "--adapter",
        f"cli={FAKE_DW}",
        "--no-har",
        "-k",
        "storage",
        FAKE_DW_DEFECT="double-for-long",
    )
    assert completed.code in (0, 1), completed.stderr
    policy = tmp_path / "policy.yaml"
    policy.write_text(
        "- operation: storage.test\n  projection: cli\n  pointers: [/body/small_payload_bytes]\n"
        "  reason: the fake sends doubles on purpose\n",
        encoding="utf-8",
    )
    out = tmp_path / "site"
    result = handbook(out, "--result", str(tmp_path / "reports" / "result.json"), "--policy", str(policy))
    assert result.returncode == 0, result.stderr
    page = elements(out / "operations" / "storage-test.html")
    statuses = {
        attrs["data-adapter"]: attrs["data-status"]
        for tag, attrs in page.tags
        if tag == "tr" and "data-status" in attrs
    }
    assert statuses == {"canonical": "pass", "cli": "fail"}
    pointers = [attrs["data-pointer"] for tag, attrs in page.tags if tag == "tr" and "data-pointer" in attrs]
    assert pointers == ["/body/small_payload_bytes"]
    text = (out / "operations" / "storage-test.html").read_text(encoding="utf-8")
    assert "the fake sends doubles on purpose" in text
    index = elements(out / "index.html")
    cells = {
        (a["data-operation"], a["data-adapter"]): a["data-status"]
        for a in index.with_class("cell")
        if "data-adapter" in a
    }
    assert cells[("storage.test", "cli")] == "fail"
    assert cells[("workflow.start", "cli")] == "none"  # not selected by -k: no measurement, not a pass


def test_real_cli_workflow_repair_difference_is_on_its_page(real_dw_path: Path, tmp_path: Path) -> None:
    """The real ``dw`` sends ``[]`` where workflow.repair pins ``{}``: the page shows it by pointer."""
    corpus = upstream_corpus()
    completed = run_command(
        tmp_path / "reports", "--adapter", f"cli={real_dw_path}", "--fixtures", str(corpus), "--no-har"
    )
    assert completed.code in (0, 1), completed.stderr
    out = tmp_path / "site"
    result = handbook(out, "--fixtures", str(corpus), "--result", str(tmp_path / "reports" / "result.json"))
    assert result.returncode == 0, result.stderr
    page = out / "operations" / "workflow-repair.html"
    rows = [
        attrs for tag, attrs in elements(page).tags if tag == "tr" and attrs.get("data-pointer") == "/body"
    ]
    assert len(rows) == 1
    text = page.read_text(encoding="utf-8")
    assert '<code class="expected">{}</code>' in text and '<code class="actual">[]</code>' in text
    assert "| cli | dw 2.0.0" in (out / "md" / "workflow-repair.md").read_text(encoding="utf-8")


def test_bad_inputs_are_clear_errors(tmp_path: Path) -> None:
    broken = tmp_path / "corpus"
    broken.mkdir()
    source = shipped_corpus_dir() / "workflow-signal-parity.json"
    (broken / source.name).write_text(source.read_text(encoding="utf-8"), encoding="utf-8")
    (broken / "broken-parity.json").write_text("{not json", encoding="utf-8")
    result = handbook(tmp_path / "a", "--fixtures", str(broken))
    assert result.returncode == 1
    assert "broken-parity.json" in result.stderr
    assert "broken-parity.json" in (tmp_path / "a" / "index.html").read_text(encoding="utf-8")

    twice = handbook(tmp_path / "b", "--fixtures", str(broken), "--fixtures", str(shipped_corpus_dir()))
    assert twice.returncode == 2 and "workflow.signal" in twice.stderr and "two fixtures" in twice.stderr

    bad_result = tmp_path / "result.json"
    bad_result.write_text('{"schema": "something else"}', encoding="utf-8")
    refused = handbook(tmp_path / "c", "--result", str(bad_result))
    assert refused.returncode == 2 and str(bad_result) in refused.stderr
    assert not (tmp_path / "c").exists()


def test_byte_walk_reads_the_datum_item_by_item() -> None:
    raw = encode_bytes({"n": 42, "ok": True, "x": 1.5, "s": "hé", "none": None})
    lines = walk_datum(raw[HEADER_BYTES:])
    meanings = [line.meaning for line in lines]
    assert meanings[0] == "union index 7: MapValue"
    assert "long 42 (zig-zag varint)" in meanings
    assert "union index 1: BooleanValue true" in meanings
    assert "double 1.5 (8 bytes, little-endian IEEE 754)" in meanings
    assert "'hé'" in meanings and "length 3" in meanings  # UTF-8 bytes, not characters
    assert meanings[-1] == "end of the map"
    assert "".join(line.hex.replace(" ", "") for line in lines) == raw[HEADER_BYTES:].hex()
    truncated = walk_datum(raw[HEADER_BYTES:-3])
    assert truncated[-1].meaning == "the datum ends here, before the value is complete"


def test_the_answer_shown_is_the_answer_a_client_gets(tmp_path: Path) -> None:
    """Each page's answer equals what the canonical replay received from the stub in a real run."""
    corpus = upstream_corpus()
    completed = run_command(
        tmp_path / "reports", "--adapter", "canonical", "--fixtures", str(corpus), "--no-har"
    )
    assert completed.code == 0, completed.stderr
    received = {case["operation"]: case["client"]["output"] for case in completed.cases().values()}
    result = handbook(tmp_path / "site", "--fixtures", str(corpus))
    assert result.returncode == 0, result.stderr
    shown = {
        page["operation"]: page["response"]["body"]
        for page in json.loads((tmp_path / "site" / "handbook.json").read_text(encoding="utf-8"))["pages"]
    }
    assert len(shown) == 60
    different = sorted(operation for operation, body in shown.items() if body != received[operation])
    assert different == []
