"""``run --annotations github``: one workflow command per failing case, escaped by GitHub's rules."""

from __future__ import annotations

import re
from pathlib import Path

from conformance.annotations import escape_data, escape_property, github_annotations
from conformance.result import rebuild_document
from support.harness_run import FAKE_DW, ROOT, run_command
from support.results import ResultBuilder, difference


def _unescape(text: str) -> str:
    for code, char in (("%0A", "\n"), ("%0D", "\r"), ("%3A", ":"), ("%2C", ","), ("%25", "%")):
        text = text.replace(code, char)
    return text


def test_escaping_follows_the_workflow_command_rules() -> None:
    assert escape_data("50%\r\nnext::error") == "50%25%0D%0Anext::error"
    assert escape_property("a.json::cli,x=1\n") == "a.json%3A%3Acli%2Cx=1%0A"


def test_one_error_per_counting_failure_and_nothing_for_passes(tmp_path: Path) -> None:
    builder = ResultBuilder()
    builder.case("workflow-start-parity.json", "cli")
    builder.case(
        "workflow-signal-parity.json",
        "cli",
        "fail",
        differences=[
            difference("/body/a,b:c", expected="x", actual="100%\n::error::boom"),
            difference("/path"),
        ],
        fixture_path=str(tmp_path / "fixtures" / "workflow-signal-parity.json"),
    )
    builder.case("workflow-cancel-parity.json", "cli", "error", reason="timed out 100%\n::error::x")
    lines = github_annotations(builder.build(), root=tmp_path)
    assert len(lines) == 2
    signal, cancel = lines
    assert signal.startswith(
        "::error file=fixtures/workflow-signal-parity.json,"
        "title=workflow-signal-parity.json%3A%3Acli::fail: /body/a,b:c"
    )
    assert "\n" not in signal and signal.startswith("::error file=")
    message = signal.split("::", 2)[2]
    assert _unescape(message).startswith(
        'fail: /body/a,b:c: changed: expected "x", sent "100%\\n::error::boom"'
    )
    assert message.endswith("(+1 more)")
    assert cancel.endswith("::error: timed out 100%25%0A::error::x")  # no second line, no second command
    assert "\n" not in cancel


def test_known_and_fixed_cases_are_notices_and_warnings() -> None:
    builder = ResultBuilder()
    builder.case("workflow-start-parity.json", "cli", "fail", differences=[difference("/body")])
    builder.case("workflow-signal-parity.json", "cli")
    known = {
        "source": "k.yaml",
        "strict": False,
        "entries": [
            {"case": "workflow-start-parity.json::cli", "reason": "bug 1", "pointers": ["/body"]},
            {"case": "workflow-signal-parity.json::cli", "reason": "bug 2", "pointers": []},
        ],
    }
    lines = github_annotations(rebuild_document(builder.build(), known_failures=known))
    assert [line.split(" ", 1)[0] for line in lines] == ["::notice", "::warning"]
    strict = github_annotations(rebuild_document(builder.build(), known_failures={**known, "strict": True}))
    assert [line.split(" ", 1)[0] for line in strict] == ["::notice", "::error"]


def test_a_run_prints_the_annotation_of_its_failing_case(tmp_path: Path) -> None:
    done = run_command(
        tmp_path / "reports",
        "--adapter",
        f"cli={FAKE_DW}",
        "-k",
        "workflow-start,workflow-cancel",
        "--annotations",
        "github",
        FAKE_DW_DEFECT="double-for-long",
    )
    assert done.code == 1, done.stderr
    annotations = [line for line in done.stdout.splitlines() if line.startswith("::")]
    assert len(annotations) == 1, annotations
    assert re.fullmatch(
        # the shipped corpus: fixtures/control-plane in a checkout, conformance/corpus in an installed wheel
        r"::error file=\S*(?:fixtures/control-plane|conformance/corpus)/workflow-start-parity\.json,"
        r"title=workflow-start-parity\.json%3A%3Acli::fail: /body/input/0/order_id: type_changed: "
        r"expected 42, sent 42\.0 \(expected integer, found double\)",
        annotations[0],
    ), annotations
    if Path.cwd() == ROOT:  # paths under the working directory are made relative to it
        assert annotations[0].startswith("::error file=conformance/corpus/") or "file=/" not in annotations[0]
