"""index.html without a browser: structure, escaping, self-containment, the failing case's detail.

The page is parsed with the standard library's HTML parser into a small tree;
the browser test (test_html_browser.py) checks the same page in Chromium.
"""

from __future__ import annotations

import base64
import hashlib
import re
from dataclasses import dataclass, field
from html.parser import HTMLParser

import pytest

from conformance.reporting.html import esc, render_html, safe_relative_href
from conformance.result import validate_result
from support.results import HOSTILE_TEXT, ResultBuilder, difference, sample_document

VOID = {"meta", "br", "img", "link", "input", "hr"}


@dataclass
class Node:
    tag: str
    attrs: dict[str, str]
    children: list[Node] = field(default_factory=list)
    text: list[str] = field(default_factory=list)

    def iter(self) -> list[Node]:
        found, stack = [], [self]
        while stack:
            node = stack.pop()
            found.append(node)
            stack.extend(reversed(node.children))
        return found

    def find_all(self, tag: str, **attrs: str) -> list[Node]:
        def matches(node: Node) -> bool:
            return node.tag == tag and all(
                value in node.attrs.get(key.rstrip("_"), "").split()
                or node.attrs.get(key.rstrip("_")) == value
                for key, value in attrs.items()
            )

        return [node for node in self.iter() if matches(node)]

    def all_text(self) -> str:
        return "".join(piece for node in self.iter() for piece in node.text)


class _TreeBuilder(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = Node("#root", {})
        self.stack = [self.root]

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        node = Node(tag, {key: value or "" for key, value in attrs})
        self.stack[-1].children.append(node)
        if tag not in VOID:
            self.stack.append(node)

    def handle_endtag(self, tag: str) -> None:
        for index in range(len(self.stack) - 1, 0, -1):
            if self.stack[index].tag == tag:
                del self.stack[index:]
                return

    def handle_data(self, data: str) -> None:
        self.stack[-1].text.append(data)


def parse(page: str) -> Node:
    builder = _TreeBuilder()
    builder.feed(page)
    builder.close()
    return builder.root


@pytest.fixture(scope="module")
def page() -> str:
    document = sample_document()
    assert validate_result(document) == []
    return render_html(document)


def test_matrix_has_one_row_per_fixture_and_one_column_per_adapter(page: str) -> None:
    tree = parse(page)
    (matrix,) = tree.find_all("table", class_="matrix")
    columns = [th.attrs["data-adapter"] for th in matrix.find_all("th") if "data-adapter" in th.attrs]
    assert columns == ["canonical", "python-sdk", "cli"]
    rows = [tr for tr in matrix.find_all("tr") if "data-fixture" in tr.attrs]
    assert [tr.attrs["data-fixture"] for tr in rows] == [
        "workflow-cancel-parity.json",
        "workflow-query-parity.json",
        "workflow-signal-parity.json",
        "workflow-start-parity.json",
    ]
    for row in rows:
        assert [td.attrs["data-adapter"] for td in row.find_all("td")] == columns
    start = rows[3].find_all("td")
    assert [td.attrs["data-status"] for td in start] == ["pass", "fail", "pass"]
    # the sample's level is partial (exit 0): the SDK's failure is shown as one that does not gate
    assert "status-not_gating" in start[1].attrs["class"].split()
    assert [td.attrs["data-gate"] for td in start] == ["pass", "not_gating", "pass"]
    assert [td.attrs["data-status"] for td in rows[1].find_all("td")] == ["pass", "error", "none"]


def test_each_cell_links_to_its_case_detail(page: str) -> None:
    tree = parse(page)
    articles = {a.attrs["id"]: a for a in tree.find_all("article")}
    links = [a.attrs["href"] for td in tree.find_all("td", class_="cell") for a in td.find_all("a")]
    assert len(links) == 11
    assert all(link.startswith("#") and link[1:] in articles for link in links)
    fail_cell = next(td for td in tree.find_all("td", class_="cell") if td.attrs["data-status"] == "fail")
    target = articles[fail_cell.find_all("a")[0].attrs["href"][1:]]
    assert target.attrs["data-case-id"] == "workflow-start-parity.json::python-sdk"


def test_failing_case_detail_explains_what_was_sent_and_expected(page: str) -> None:
    tree = parse(page)
    (article,) = [a for a in tree.find_all("article") if a.attrs.get("data-status") == "fail"]
    pointers = [tr.attrs["data-pointer"] for tr in article.find_all("tr") if "data-pointer" in tr.attrs]
    assert pointers == [
        "/body/input/0/order_id",
        "/body/task_queue",
        "/headers/x-hostile",
        "/body/execution_timeout_seconds",
    ]
    (expected,) = article.find_all("div", class_="expected")
    (sent,) = article.find_all("div", class_="sent")

    def line(pane: Node, pointer: str) -> Node:
        return next(n for n in pane.find_all("div", class_="ln") if n.attrs["data-pointer"] == pointer)

    assert "sev-failure" in line(expected, "/body/input/0/order_id").attrs["class"]
    assert "42" in line(expected, "/body/input/0/order_id").all_text()
    assert "43" in line(sent, "/body/input/0/order_id").all_text()
    # the key the client did not send shows as a ghost line in the sent pane
    ghost = line(sent, "/body/task_queue")
    assert "ghost" in ghost.attrs["class"] and 'not sent; expected "orders"' in ghost.all_text()
    # a tolerated difference is highlighted as a diagnostic, not a failure
    assert "sev-diagnostic" in line(sent, "/body/execution_timeout_seconds").attrs["class"]
    # the Avro envelope is marked and decoded
    assert "Avro envelope" in line(sent, "/body/input").all_text()
    text = article.all_text()
    assert "Decoded payload envelopes" in text
    assert "/api/cluster/info" in text  # the handshake
    assert "KeyError: 'run_id'" in text  # exception and response-side diagnostic
    assert "Traceback (most recent call last)" in text  # stderr
    (har,) = article.find_all("a", class_="har")
    assert har.attrs["href"] == "har/workflow-start-parity.json__python-sdk.har"


def test_error_and_skipped_cases_say_why(page: str) -> None:
    tree = parse(page)
    by_status = {a.attrs["data-status"]: a for a in tree.find_all("article")}
    assert "could not be exercised: fixture and client disagree" in by_status["error"].all_text()
    assert "query_workflow() has no parameter 'args'" in by_status["error"].all_text()  # drift listed
    assert "Skipped: fixture has no 'sdk_python'" in by_status["skipped"].all_text()


def test_hostile_client_text_is_escaped_and_only_our_script_exists(page: str) -> None:
    tree = parse(page)
    scripts = tree.find_all("script")
    assert len(scripts) == 1
    assert "__pwned" not in scripts[0].all_text()
    assert tree.find_all("img") == []
    assert "<script>window" not in page and "<img" not in page
    assert esc("</script><script>window.__pwned=1</script>") in page
    assert "\x00" not in page and "\x1b" not in page
    page.encode("utf-8")  # no lone surrogate survives
    assert HOSTILE_TEXT.split("]]>")[0][:9] == "</script>"  # the test text really is hostile


def test_page_is_self_contained_and_locked_by_its_content_security_policy(page: str) -> None:
    tree = parse(page)
    assert tree.find_all("link") == [] and tree.find_all("iframe") == []
    for node in tree.iter():
        for attribute in ("src", "href", "action", "srcset"):
            value = node.attrs.get(attribute, "")
            assert not re.match(r"^[a-z][a-z0-9+.-]*:|^//", value, re.I), (node.tag, value)
    (meta,) = [m for m in tree.find_all("meta") if m.attrs.get("http-equiv") == "Content-Security-Policy"]
    csp = meta.attrs["content"]
    assert "default-src 'none'" in csp
    (style,) = tree.find_all("style")
    (script,) = tree.find_all("script")
    for kind, node in (("style-src", style), ("script-src", script)):
        digest = base64.b64encode(hashlib.sha256(node.all_text().encode("utf-8")).digest()).decode()
        assert f"{kind} 'sha256-{digest}'" in csp
    assert "url(" not in style.all_text() and "@import" not in style.all_text()


def test_har_links_only_for_plain_relative_paths() -> None:
    assert safe_relative_href("har/a.json__cli.har") == "har/a.json__cli.har"
    for bad in (
        "javascript:alert(1)",
        "/etc/passwd",
        "../x.har",
        "har/../../x",
        "https://x/y",
        "//x/y",
        "a b",
    ):
        assert safe_relative_href(bad) is None, bad
    builder = ResultBuilder()
    builder.case("workflow-start-parity.json", "cli", har="javascript:alert(1)")
    html = render_html(builder.build())
    assert 'href="javascript' not in html and "javascript:alert(1)" in html


def test_not_asserted_parts_and_missing_request_are_explained() -> None:
    builder = ResultBuilder()
    builder.case(
        "workflow-start-parity.json",
        "cli",
        "fail",
        request=None,
        not_asserted=["body"],
        differences=[difference("", "operation_count", expected=1, actual=0, message="no operation request")],
    )
    tree = parse(render_html(builder.build()))
    (article,) = tree.find_all("article")
    text = article.all_text()
    assert "no operation request was captured" in text
    assert "Not compared for this client: body" in text
    assert "(whole request)" in text


def test_empty_run_renders_a_page_that_says_so() -> None:
    tree = parse(render_html(ResultBuilder().build()))
    assert tree.find_all("table", class_="matrix") == []
    assert "No case ran." in tree.all_text()
    (level,) = [n for n in tree.find_all("span") if n.attrs.get("id") == "level"]
    assert level.all_text() == "nonconforming"


def test_expectation_is_laid_out_on_the_requests_pointers() -> None:
    from conformance.reporting.html import expected_view

    engine_shape = {
        "fixture": "x.json",
        "operation": "schedule.history",
        "projection": "cli",
        "method": "GET",
        "path": "/schedules/s/history",
        "path_segments": ["schedules", "s", "history"],
        "plane": "control",
        "query": {"source": "cli.expected_query", "params": {"limit": [100], "tag": ["a", "b"]}},
        "body": {"mode": "subset", "source": "sdk_python.expected_body", "value": {"a": 1}, "envelopes": []},
        "headers": [
            {"name": "x-namespace", "expected": "default", "match": "exact"},
            {"name": "x-durable-workflow-protocol-version", "expected": "1.0", "match": "same_major"},
        ],
        "not_asserted": [],
    }
    view, notes = expected_view(engine_shape)
    assert view["query"] == {"limit": 100, "tag": ["a", "b"]}
    assert view["headers"] == {"x-namespace": "default", "x-durable-workflow-protocol-version": "1.0"}
    assert view["body"] == {"a": 1}
    assert "fixture" not in view and view["plane"] == "control"
    assert "body: at least the keys listed (subset) (from sdk_python.expected_body)" in notes
    assert "header x-durable-workflow-protocol-version: compared as same_major" in notes
    request_shape = {"method": "POST", "body": {"mode": "fast"}, "query": None}
    assert expected_view(request_shape) == (request_shape, [])


def test_decoded_envelopes_come_from_the_body_or_the_record() -> None:
    from conformance.reporting.html import envelope_values

    request = {
        "body": {"input": [1, 2], "bad": {"codec": "avro", "blob": "!!"}},
        "envelopes": [
            {"pointer": "/body/input", "codec": "avro", "decoded": True},
            {"pointer": "/body/bad", "codec": "avro", "decoded": False, "error": "bad_base64"},
            {"pointer": "/body/result", "codec": "avro", "decoded": {"x": 1}},
            {"pointer": "/body/gone", "codec": "avro", "decoded": True},
        ],
    }
    found = [(record["pointer"], value, ok) for record, value, ok in envelope_values(request)]
    assert found == [
        ("/body/input", [1, 2], True),
        ("/body/bad", None, False),
        ("/body/result", {"x": 1}, True),
        ("/body/gone", None, False),
    ]
    assert envelope_values(None) == []


def test_an_unavailable_adapter_keeps_its_column_and_says_why() -> None:
    builder = ResultBuilder()
    builder.case("workflow-start-parity.json", "python-sdk", duration_seconds=0.047523)
    builder.implementation("cli", available=False, reason="no dw on PATH")
    tree = parse(render_html(builder.build()))
    (matrix,) = tree.find_all("table", class_="matrix")
    cli = next(th for th in matrix.find_all("th") if th.attrs.get("data-adapter") == "cli")
    (note,) = [n for n in cli.find_all("small") if n.attrs.get("title") == "no dw on PATH"]
    assert note.all_text() == "not available"
    cells = [td.attrs["data-status"] for td in matrix.find_all("td")]
    assert cells == ["pass", "none"]
    assert "0.048 s" in tree.all_text()
