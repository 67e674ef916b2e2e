"""Secrets: no bearer token or other credential in any report, HAR, log line or exception text.

One ``dw-conformance run`` (a real subprocess) with a recognisable token runs
every kind of adapter: the canonical replay, the real Python SDK, a fake
``dw`` that prints its token (stderr and JSON output), an ``exec`` program
that echoes its whole request (which holds the token) on stdout and stderr,
one that reports a client error whose message and output carry the token,
and one that sends other credentials (an API key header, a cookie, an
``access_token`` query parameter). Every file under the report directory and
everything the command printed is then searched.

Also: the proxy listens on 127.0.0.1 only, and live mode verifies an https
upstream's certificate unless ``--insecure-upstream`` is given.
"""

from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest

from conformance.cli import main
from conformance.runner import RunSettings, Session
from support.harness_run import FAKE_DW, Completed, misbehaving_adapter, run_command
from support.tls import tls_server

TOKEN = "tok-SECRET-4242-xyz"
NEEDLES = (TOKEN.encode(), b"Bearer tok", b"SECRET", base64.b64encode(TOKEN.encode()))
EXEC_MODES = ("echo", "echo-result", "extra-credentials")


@pytest.fixture(scope="module")
def secret_run(tmp_path_factory: pytest.TempPathFactory) -> Completed:
    pytest.importorskip("durable_workflow")
    base = tmp_path_factory.mktemp("secrets")
    adapters = ["--adapter", "canonical", "--adapter", "python-sdk", "--adapter", f"cli={FAKE_DW}"]
    for mode in EXEC_MODES:
        adapters += ["--adapter", f"exec={misbehaving_adapter(base / 'manifests', mode)}"]
    return run_command(
        base / "reports",
        *adapters,
        "--token", TOKEN,
        "-k", "workflow-start,storage-test",
        "--jobs", "2",
        FAKE_DW_DEFECT="leak-token",
    )


def _outputs(run: Completed) -> dict[str, bytes]:
    files = {str(path.relative_to(run.report_dir)): path.read_bytes()
             for path in sorted(run.report_dir.rglob("*")) if path.is_file()}
    return {**files, "<stdout>": run.stdout.encode(), "<stderr>": run.stderr.encode()}


def test_every_adapter_ran_with_the_token(secret_run: Completed) -> None:
    cases = secret_run.cases()
    adapters = {case["adapter"] for case in cases.values()}
    assert adapters == {"canonical", "python-sdk", "cli", *(f"mb-{mode}" for mode in EXEC_MODES)}
    assert len(cases) == 12
    behaving = {case["status"] for case in cases.values() if case["adapter"] in ("canonical", "python-sdk")}
    assert behaving == {"pass"}


def test_the_clients_did_print_their_token_and_it_was_replaced(secret_run: Completed) -> None:
    cases = secret_run.cases()
    dw = cases["storage-test-parity.json::cli"]["client"]  # its argv asks for --json: the output is JSON
    assert "debug: token=[REDACTED] Authorization: Bearer [REDACTED]" in dw["stderr"]
    assert dw["output"]["debug_token"] == "[REDACTED]"
    echo = cases["workflow-start-parity.json::mb-echo"]
    assert '"token": "[REDACTED]"' in echo["client"]["stdout"] and echo["status"] == "error"
    refused = cases["workflow-start-parity.json::mb-echo-result"]
    assert refused["client"]["exception"] == "refused token [REDACTED] (Authorization: Bearer [REDACTED])"
    assert refused["client"]["output"]["token"] == "[REDACTED]"


def test_no_file_and_no_printed_line_holds_a_credential(secret_run: Completed) -> None:
    outputs = _outputs(secret_run)
    assert {"result.json", "junit.xml", "summary.md", "index.html"} <= set(outputs)
    assert len([name for name in outputs if name.endswith(".har")]) == 12
    leaks = [(name, needle) for name, data in outputs.items() for needle in NEEDLES if needle in data]
    assert leaks == []


def test_other_credentials_are_hidden_by_name(secret_run: Completed) -> None:
    case = secret_run.cases()["workflow-start-parity.json::mb-extra-credentials"]
    headers = case["request"]["headers"]
    assert headers["x-api-key"] == ["[REDACTED]"] and headers["cookie"] == ["[REDACTED]"]
    assert case["request"]["query"]["access_token"] == ["[REDACTED]"]
    entries = json.loads((secret_run.report_dir / case["har"]).read_text(encoding="utf-8"))["log"]["entries"]
    (operation,) = [entry for entry in entries if entry["request"]["method"] == "POST"]
    assert {"name": "access_token", "value": "[REDACTED]"} in operation["request"]["queryString"]


# ---------------------------------------------------------------- where the proxy listens


def _listening(port: int) -> list[tuple[str, str]]:
    """(table, local address in /proc/net hex) of the LISTEN sockets on ``port``."""
    found = []
    for table in ("tcp", "tcp6"):
        for line in Path(f"/proc/net/{table}").read_text().splitlines()[1:]:
            fields = line.split()
            address, hex_port = fields[1].rsplit(":", 1)
            if int(hex_port, 16) == port and fields[3] == "0A":
                found.append((table, address))
    return found


def test_the_proxy_listens_on_loopback_only(tmp_path: Path) -> None:
    settings = RunSettings(adapter_specs=["canonical"], report_dir=tmp_path / "r", jobs=3, token=TOKEN)
    with Session(settings) as session:
        assert session.proxy is not None
        ports = session.proxy.ports
        listening = {port: _listening(port) for port in ports}
    assert len(ports) == 3
    assert listening == {port: [("tcp", "0100007F")] for port in ports}  # 127.0.0.1, no IPv6, no 0.0.0.0


# ---------------------------------------------------------------- live mode, https upstream


@pytest.mark.parametrize("insecure", [False, True], ids=["verified", "insecure-upstream"])
def test_an_https_upstream_certificate_is_verified_unless_insecure(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], insecure: bool
) -> None:
    report_dir = tmp_path / "reports"
    with tls_server(tmp_path) as url:
        args = ["run", "--adapter", "canonical", "-k", "schedule", "--upstream", url, "--token", TOKEN,
                "--report-dir", str(report_dir), *(["--insecure-upstream"] if insecure else [])]
        # verified: the proxy refuses the self-signed upstream and answers 502 itself; the client's
        # refusal of that answer is a harness error (never the client's), so the self-check gate is red
        assert main(args) == (0 if insecure else 1)
    capsys.readouterr()
    document = json.loads((report_dir / "result.json").read_text(encoding="utf-8"))
    assert document["run"]["mode"] == "live"
    (case,) = document["cases"]
    entries = json.loads((report_dir / case["har"]).read_text(encoding="utf-8"))["log"]["entries"]
    if insecure:
        assert [entry["_answered_by"] for entry in entries] == ["upstream", "upstream"]
        assert case["client"]["status"] == "completed" and case["client"]["output"] == {"tls": True}
    else:
        assert [entry["_answered_by"] for entry in entries] == ["proxy", "proxy"]
        assert [entry["response"]["status"] for entry in entries] == [502, 502]
        assert "certificate" in entries[0]["_error"].lower()
        assert case["client"]["status"] == "client_error"
        assert "the client raised HTTPError" in case["response_diagnostics"][0]
        assert case["status"] == "error" and case["response"]["status"] == "error"
        assert "the upstream could not be reached" in case["reason"]
