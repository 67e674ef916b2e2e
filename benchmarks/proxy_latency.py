"""Recording-proxy figures: start-up time and the latency it adds per request.

Run from the repository root::

    .venv/bin/python benchmarks/proxy_latency.py [--requests 300] [--rounds 3] [--starts 5]

What it measures (everything on 127.0.0.1, bounded in count, stops by itself):

- **start-up**: ``RecordingProxy.start()`` until the listeners accept
  connections; the first start of the process and the median over
  ``--starts`` start/stop cycles (the import of mitmproxy is reported apart:
  it is paid once per process, not per run).
- **added latency**: a small local HTTP/1.1 keep-alive server runs in its own
  process; a client process (httpx, like the SDK) sends the same ``POST``
  (a ~90-byte JSON body) alternately directly to that server and through the
  proxy in live mode (forwarded to that very server), ``--requests`` pairs per
  round. Added latency = median(through proxy) - median(direct) per round;
  the figure printed is the median over the rounds. Client and server live in
  their own processes, as a CLI client does, so the proxy's loop does not
  share the interpreter lock with them.
- **stub mode** (the proxy answers itself) is reported for information.

Targets (on the project's 2-core machine): start-up < 1.5 s, added latency
< 2 ms median. The machine is shared: figures move with its load, which is
why several rounds are run and each one is printed. The script exits 0
either way (a benchmark is not a test).
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path

STARTUP_TARGET_S = 1.5
ADDED_LATENCY_TARGET_MS = 2.0
WARM_UP = 30
BODY = b'{"workflow_id":"wf-bench","workflow_type":"orders.process","input":[{"order_id":42}]}'
REPLY = b'{"workflow_id":"wf-bench","run_id":"run-1","workflow_type":"orders.process"}'
HERE = Path(__file__).resolve()
sys.path.insert(0, str(HERE.parents[1]))


# ---------------------------------------------------------------- child roles
def serve() -> int:
    """Child role: the upstream server. Prints its port, serves until killed."""
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        # headers and body are two writes: without TCP_NODELAY, Nagle + delayed ACK add ~40 ms
        disable_nagle_algorithm = True

        def log_message(self, format: str, *args: object) -> None:
            return

        def _reply(self) -> None:
            self.rfile.read(int(self.headers.get("Content-Length") or 0))
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(REPLY)))
            self.end_headers()
            self.wfile.write(REPLY)

        do_GET = do_POST = _reply

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    print(server.server_address[1], flush=True)
    server.serve_forever()
    return 0


def client(direct: str, proxied: str, requests: int, rounds: int) -> int:
    """Child role: alternate direct and proxied requests; print per-round medians (ms) as JSON."""
    import httpx

    results = []
    with httpx.Client(base_url=direct) as to_server, httpx.Client(base_url=proxied) as to_proxy:
        for _ in range(WARM_UP):
            to_server.post("/api/workflows", content=BODY)
            to_proxy.post("/api/workflows", content=BODY)
        for _ in range(rounds):
            direct_times, proxied_times = [], []
            for _ in range(requests):
                for session, times in ((to_server, direct_times), (to_proxy, proxied_times)):
                    started = time.perf_counter()
                    response = session.post("/api/workflows", content=BODY)
                    times.append(time.perf_counter() - started)
                    if response.status_code != 200:
                        print(json.dumps({"error": f"status {response.status_code}"}))
                        return 1
            direct_ms = statistics.median(direct_times) * 1000
            results.append({"direct": direct_ms, "proxied": statistics.median(proxied_times) * 1000})
    print(json.dumps(results))
    return 0


def stub_client(url: str, requests: int) -> int:
    """Child role: median time of the stub's handshake answer (ms)."""
    import httpx

    with httpx.Client(base_url=url) as session:
        for _ in range(WARM_UP):
            session.get("/api/cluster/info")
        times = []
        for _ in range(requests):
            started = time.perf_counter()
            session.get("/api/cluster/info")
            times.append(time.perf_counter() - started)
    print(json.dumps(statistics.median(times) * 1000))
    return 0


# ---------------------------------------------------------------- the benchmark
def child(*args: str) -> list[str]:
    return [sys.executable, str(HERE), *args]


def measure_startup(starts: int) -> tuple[float, float, float]:
    started = time.perf_counter()
    from conformance.proxy.profile import load_profile
    from conformance.proxy.recorder import RecordingProxy

    import_seconds = time.perf_counter() - started
    profile = load_profile(None)
    samples = []
    for _ in range(starts):
        proxy = RecordingProxy(profile, slots=2)
        started = time.perf_counter()
        proxy.start()
        samples.append(time.perf_counter() - started)
        proxy.stop()
    return import_seconds, samples[0], statistics.median(samples)


def measure_latency(requests: int, rounds: int) -> tuple[list[dict[str, float]], float]:
    from conformance.proxy.profile import load_profile
    from conformance.proxy.recorder import RecordingProxy

    profile = load_profile(None)
    server = subprocess.Popen(child("--serve"), stdout=subprocess.PIPE, text=True)
    try:
        assert server.stdout is not None
        upstream = f"http://127.0.0.1:{int(server.stdout.readline())}"
        with (
            RecordingProxy(profile, upstream=upstream, slots=1) as proxy,
            proxy.open_case("bench", None) as case,
        ):
            output = subprocess.run(
                child("--client", upstream, case.server_url, str(requests), str(rounds)),
                capture_output=True,
                text=True,
                timeout=600,
                check=True,
            ).stdout
        expected = WARM_UP + requests * rounds
        if len(case.exchanges) != expected:
            raise SystemExit(f"the proxy recorded {len(case.exchanges)} exchanges, expected {expected}")
    finally:
        server.kill()
        server.wait(10)
    with RecordingProxy(profile, slots=1) as proxy, proxy.open_case("bench-stub", None) as case:
        command = child("--stub-client", case.server_url, str(requests))
        stub_output = subprocess.run(command, capture_output=True, text=True, timeout=600, check=True).stdout
    return json.loads(output), float(json.loads(stub_output))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Recording-proxy start-up time and added latency.")
    parser.add_argument("--requests", type=int, default=300, help="request pairs per round (default 300)")
    parser.add_argument("--rounds", type=int, default=3, help="rounds (default 3)")
    parser.add_argument("--starts", type=int, default=5, help="start/stop cycles (default 5)")
    parser.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--client", nargs=4, help=argparse.SUPPRESS)
    parser.add_argument("--stub-client", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.serve:
        return serve()
    if args.client:
        direct, proxied, requests, rounds = args.client
        return client(direct, proxied, int(requests), int(rounds))
    if args.stub_client:
        return stub_client(args.stub_client[0], int(args.stub_client[1]))

    requests = max(10, min(args.requests, 5000))
    rounds = max(1, min(args.rounds, 10))
    starts = max(1, min(args.starts, 50))
    import_seconds, first_start, startup = measure_startup(starts)
    per_round, stub_ms = measure_latency(requests, rounds)
    added = [item["proxied"] - item["direct"] for item in per_round]
    added_median = statistics.median(added)

    def verdict(ok: bool) -> str:
        return "meets the target" if ok else "MISSES the target"

    print(f"import of the proxy modules (once per process): {import_seconds:.3f} s")
    print(f"proxy start-up, first in this process:          {first_start:.3f} s")
    print(
        f"proxy start-up, median of {starts}:                  {startup:.3f} s"
        f"  ({verdict(max(first_start, startup) < STARTUP_TARGET_S)} < {STARTUP_TARGET_S} s)"
    )
    for index, (item, extra) in enumerate(zip(per_round, added, strict=True), start=1):
        print(
            f"round {index}: median direct {item['direct']:.3f} ms, "
            f"through the proxy {item['proxied']:.3f} ms, added {extra:.3f} ms ({requests} request pairs)"
        )
    print(
        f"median added latency per request (live mode):   {added_median:.3f} ms"
        f"  ({verdict(added_median < ADDED_LATENCY_TARGET_MS)} < {ADDED_LATENCY_TARGET_MS} ms)"
    )
    print(f"median request answered by the stub (for information): {stub_ms:.3f} ms")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
