// A dw-conformance exec adapter for a new Node.js client: the starter.
//
// The harness runs this program once per case (fixture x adapter), writes one
// JSON request on stdin, and reads one JSON result from stdout. Out of the
// box the program does not use your client at all: it replays the fixture's
// canonical request (the exact HTTP request the fixture pins), so a first run
// over the whole corpus passes. Then, operation by operation, register a
// function in OPERATIONS below that makes *your client* perform the
// operation; the harness judges whatever your client sends.
//
// Protocol: adapters/README.md of dw-conformance. Operation by operation
// details: the handbook (dw-conformance handbook --out handbook).
// Needs Node.js 18 or newer; no dependencies.

import { readFileSync } from "node:fs";
import http from "node:http";
import https from "node:https";

const CONTROL_PLANE_VERSION = "2";
const WORKER_PROTOCOL_VERSION = "1.0";
const API_PREFIX = "/api";

// ---------------------------------------------------------------------------
// REPLACE: one entry per operation your client implements.
//
// Key: the operation id (the handbook's page title, e.g. "workflow.signal").
// Value: an async function receiving the case context and making YOUR client
// perform the operation. Return what your client returned (it is kept in the
// report); throw when your client fails. An operation without an entry is
// replayed by the starter itself, and its result says "replayed": true.
//
// ctx.config   { serverUrl, namespace, token, timeoutSeconds }  configure your client with these
// ctx.semantic the fixture's semantic_body: the operation's facts (ids, input...)
// ctx.projection  your manifest's projection of the fixture ({} when the fixture has none)
// ctx.fixture  the whole fixture document
// ---------------------------------------------------------------------------
// While true, an operation without an entry is replayed by the starter (so it
// passes without your client). Set it to false once your client covers most
// operations: the others then report `skipped`, and the matrix shows the truth.
const REPLAY_UNLISTED = true;

const OPERATIONS = {
  // "workflow.signal": async (ctx) => {
  //   const client = new MyClient(ctx.config.serverUrl, { namespace: ctx.config.namespace, token: ctx.config.token });
  //   return await client.signalWorkflow(ctx.semantic.workflow_id, ctx.semantic.signal_name, ctx.semantic.input);
  // },
};

// ---------------------------------------------------------------------------
// The starter's replay: the canonical request over plain HTTP.
// ---------------------------------------------------------------------------

/** The canonical request: the harness computes it and sends it in the exec request. */
function canonicalRequest(request) {
  if (request.canonical_request) return request.canonical_request;
  // An older harness without `canonical_request`: the fixture's own request,
  // completed by the CLI projection's exact body and query where it has them.
  const fixture = request.fixture || {};
  const declared = fixture.request || {};
  const cli = fixture.cli || {};
  const query = {};
  for (const [name, value] of Object.entries(declared.query || cli.expected_query || {})) {
    query[name] = (Array.isArray(value) ? value : [value]).map(String);
  }
  const hasBody = "body" in declared || "expected_body" in cli;
  return {
    method: declared.method,
    path: declared.path,
    query,
    has_body: hasBody,
    body: "body" in declared ? declared.body : cli.expected_body,
  };
}

class StarterHttp {
  constructor(config) {
    this.base = new URL(config.serverUrl);
    this.config = config;
    this.transport = this.base.protocol === "https:" ? https : http;
  }

  headers(path, hasBody) {
    const headers = {
      Accept: "application/json",
      Authorization: `Bearer ${this.config.token}`,
      "X-Namespace": this.config.namespace,
    };
    if (path.startsWith("/worker/")) headers["X-Durable-Workflow-Protocol-Version"] = WORKER_PROTOCOL_VERSION;
    else headers["X-Durable-Workflow-Control-Plane-Version"] = CONTROL_PLANE_VERSION;
    if (hasBody) headers["Content-Type"] = "application/json";
    return headers;
  }

  /** One request; `path` is already percent-encoded and has no API prefix. */
  send(method, path, query, hasBody, body) {
    const pairs = [];
    for (const [name, values] of Object.entries(query || {})) {
      for (const value of values) pairs.push(`${encodeURIComponent(name)}=${encodeURIComponent(value)}`);
    }
    const basePath = this.base.pathname.replace(/\/+$/, "");
    const target = `${basePath}${API_PREFIX}${path}` + (pairs.length ? `?${pairs.join("&")}` : "");
    const payload = hasBody ? Buffer.from(JSON.stringify(body), "utf8") : null;
    const headers = this.headers(path, hasBody);
    if (payload) headers["Content-Length"] = String(payload.length);
    return new Promise((resolve, reject) => {
      const outgoing = this.transport.request(
        { hostname: this.base.hostname, port: this.base.port, method, path: target, headers },
        (response) => {
          const chunks = [];
          let ended = false;
          response.on("data", (chunk) => chunks.push(chunk));
          response.on("error", reject);
          // a connection closed before the whole answer arrived is an error, not a hang
          response.on("close", () => {
            if (!ended) reject(new Error(`${method} ${path}: the connection closed before the whole answer arrived`));
          });
          response.on("end", () => {
            ended = true;
            const text = Buffer.concat(chunks).toString("utf8");
            try {
              resolve({ status: response.statusCode, body: text ? JSON.parse(text) : null });
            } catch {
              // an HTML page from a proxy is an error, never a result
              reject(new Error(`${method} ${path} answered ${response.statusCode} with a body that is not JSON`));
            }
          });
        },
      );
      outgoing.on("error", reject);
      if (payload) outgoing.write(payload);
      outgoing.end();
    });
  }

  /** GET /api/cluster/info, and refuse a server that does not speak control plane version 2. */
  async handshake() {
    const answer = await this.send("GET", "/cluster/info", {}, false, null);
    const version = answer.body && answer.body.control_plane && answer.body.control_plane.version;
    if (answer.status !== 200 || String(version) !== CONTROL_PLANE_VERSION) {
      throw new Error(`incompatible server: cluster/info answered ${answer.status} with control_plane.version ${version}`);
    }
    return answer.body;
  }
}

async function replayCanonical(ctx, canonical) {
  const starter = new StarterHttp(ctx.config);
  await starter.handshake();
  const answer = await starter.send(canonical.method, canonical.path, canonical.query, canonical.has_body, canonical.body);
  if (answer.status < 200 || answer.status >= 300) {
    const error = new Error(`${canonical.method} ${canonical.path} answered ${answer.status}`);
    error.name = "HTTPError";
    throw error;
  }
  return answer.body;
}

async function main() {
  const request = JSON.parse(readFileSync(0, "utf8"));
  const ctx = {
    config: {
      serverUrl: request.server_url,
      namespace: request.namespace,
      token: request.token,
      timeoutSeconds: request.timeout_seconds,
    },
    semantic: request.semantic_body || (request.fixture || {}).semantic_body || {},
    projection: request.projection || {},
    fixture: request.fixture || {},
    operation: request.operation,
  };
  let result;
  // A case the starter answers with its own replay says so ("replayed": true): the harness marks it, and a
  // run with replayed cases reads "replayed", never "full", until your client does every operation.
  let replayed = false;
  try {
    const handler = OPERATIONS[request.operation];
    if (request.drive && request.drive.walk) {
      // A walk: read every page to the end, report the items as `output`. Not written yet.
      result = { status: "skipped", error: `walking every page of ${request.operation} is not implemented yet` };
    } else if (!handler && !REPLAY_UNLISTED) {
      result = { status: "skipped", error: `${request.operation} is not implemented by this client yet` };
    } else {
      replayed = !handler;
      const output = handler ? await handler(ctx) : await replayCanonical(ctx, canonicalRequest(request));
      result = { status: "completed", output: output === undefined ? null : output };
    }
  } catch (error) {
    result = { status: "client_error", error: `${error.name || "Error"}: ${error.message}` };
  }
  if (replayed) result.replayed = true;
  process.stdout.write(JSON.stringify({ protocol_version: 1, ...result }) + "\n");
}

main().catch((error) => {
  process.stderr.write(`${error.stack || error}\n`);
  process.stdout.write(JSON.stringify({ protocol_version: 1, status: "client_error", error: `${error.name}: ${error.message}` }) + "\n");
});
