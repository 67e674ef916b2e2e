// Example dw-conformance adapter for Node.js 18+ (uses the built-in fetch).
//
// The harness runs this program once per case. It reads ONE JSON request on
// stdin, performs the fixture's operation against request.server_url, and
// prints ONE JSON result on stdout. Logs go to stderr. See adapters/README.md.
//
// There is no official Node.js SDK to drive here, so this file carries a tiny
// client of its own (MiniClient) that behaves like the real clients on the
// wire: handshake first, the /api prefix, the auth / namespace / version
// headers, JSON bodies, caller payloads in Avro envelopes. An adapter for a
// real SDK replaces MiniClient with calls into that SDK.
//
// The projection this adapter reads, "sdk_node", looks like:
//   {
//     "method": "POST",
//     "path": ["workflows", "wf-1", "signal", "go"],    // raw segments; encoded here
//     "query": {"limit": "100", "tag": ["a", "b"]},       // optional
//     "body": {"reason": "..."},                          // optional JSON body
//     "payload_envelope": {"field": "input", "codec": "avro", "decoded": [...]}
//                                                         // optional: send `decoded` at `field`
//                                                         // as an Avro envelope
//   }

import { readFileSync } from "node:fs";
import { pathToFileURL } from "node:url";

const PROTOCOL_VERSION = 1;
const API_PREFIX = "/api";
const CONTROL_PLANE_VERSION = "2";
const WORKER_PROTOCOL_VERSION = "1.0";

// ---------------------------------------------------------------- Avro envelope
// A payload travels as {"codec": "avro", "blob": base64(C3 01 | fingerprint | datum)}
// where the datum is one durable_workflow.protocol.Value record.
const MAGIC = [0xc3, 0x01];
// CRC-64-AVRO fingerprint of the Value schema's Parsing Canonical Form.
const VALUE_FINGERPRINT = [0xe2, 0xa3, 0x3d, 0xff, 0x55, 0x80, 0x22, 0x37];
// Union branches of Value.value, in schema order.
const BRANCH = { null: 0, boolean: 1, long: 2, double: 3, bytes: 4, string: 5, array: 6, map: 7 };

function writeLong(out, value) {
  // zig-zag, then base-128 varint; BigInt keeps all 64 bits.
  let n = BigInt(value);
  n = (n << 1n) ^ (n >> 63n);
  n = BigInt.asUintN(64, n);
  do {
    let byte = Number(n & 0x7fn);
    n >>= 7n;
    if (n !== 0n) byte |= 0x80;
    out.push(byte);
  } while (n !== 0n);
}

function writeString(out, text) {
  const bytes = Buffer.from(text, "utf8");
  writeLong(out, bytes.length);
  out.push(...bytes);
}

function writeValue(out, value) {
  // JSON.parse cannot tell 42 from 42.0: integers become Avro longs here.
  if (value === null || value === undefined) {
    writeLong(out, BRANCH.null);
  } else if (typeof value === "boolean") {
    writeLong(out, BRANCH.boolean);
    out.push(value ? 1 : 0);
  } else if (typeof value === "number" && Number.isInteger(value)) {
    writeLong(out, BRANCH.long);
    writeLong(out, value);
  } else if (typeof value === "number") {
    writeLong(out, BRANCH.double);
    const buffer = Buffer.alloc(8);
    buffer.writeDoubleLE(value);
    out.push(...buffer);
  } else if (typeof value === "string") {
    writeLong(out, BRANCH.string);
    writeString(out, value);
  } else if (Array.isArray(value)) {
    writeLong(out, BRANCH.array);
    if (value.length > 0) {
      writeLong(out, value.length);
      for (const item of value) writeValue(out, item);
    }
    writeLong(out, 0);
  } else {
    const entries = Object.entries(value);
    writeLong(out, BRANCH.map);
    if (entries.length > 0) {
      writeLong(out, entries.length);
      for (const [key, item] of entries) {
        writeString(out, key);
        writeValue(out, item);
      }
    }
    writeLong(out, 0);
  }
}

export function avroEnvelope(value) {
  const out = [...MAGIC, ...VALUE_FINGERPRINT];
  writeValue(out, value);
  return { codec: "avro", blob: Buffer.from(out).toString("base64") };
}

// ---------------------------------------------------------------- the mini client
class HttpError extends Error {
  constructor(status, body) {
    super(`server answered ${status}: ${JSON.stringify(body).slice(0, 200)}`);
    this.name = "HttpError";
  }
}

class IncompatibleServer extends Error {
  constructor(message) {
    super(message);
    this.name = "IncompatibleServer";
  }
}

class MiniClient {
  constructor({ serverUrl, namespace, token, timeoutMs }) {
    this.base = serverUrl.replace(/\/+$/, "") + API_PREFIX;
    this.namespace = namespace;
    this.token = token;
    this.timeoutMs = timeoutMs;
  }

  headers(worker, hasBody) {
    const headers = {
      Accept: "application/json",
      Authorization: `Bearer ${this.token}`,
      "X-Namespace": this.namespace,
      "X-Durable-Workflow-Control-Plane-Version": CONTROL_PLANE_VERSION,
    };
    if (worker) headers["X-Durable-Workflow-Protocol-Version"] = WORKER_PROTOCOL_VERSION;
    if (hasBody) headers["Content-Type"] = "application/json";
    return headers;
  }

  async send(method, segments, { query, body } = {}) {
    const path = segments.map((segment) => encodeURIComponent(segment)).join("/");
    const url = new URL(`${this.base}/${path}`);
    for (const [name, values] of Object.entries(query ?? {})) {
      for (const value of Array.isArray(values) ? values : [values]) url.searchParams.append(name, String(value));
    }
    const response = await fetch(url, {
      method,
      headers: this.headers(segments[0] === "worker", body !== undefined),
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(this.timeoutMs),
    });
    const text = await response.text();
    let parsed = text;
    try {
      parsed = text ? JSON.parse(text) : null;
    } catch {
      // keep the text
    }
    if (!response.ok) throw new HttpError(response.status, parsed);
    return parsed;
  }

  async handshake() {
    const info = await this.send("GET", ["cluster", "info"]);
    const version = info?.control_plane?.version;
    if (version !== CONTROL_PLANE_VERSION) {
      throw new IncompatibleServer(`control_plane.version is ${JSON.stringify(version)}, expected "2"`);
    }
    return info;
  }
}

// ---------------------------------------------------------------- one case
function setDotted(target, dotted, value) {
  const keys = dotted.split(".");
  let node = target;
  for (const key of keys.slice(0, -1)) {
    if (typeof node[key] !== "object" || node[key] === null) node[key] = {};
    node = node[key];
  }
  node[keys[keys.length - 1]] = value;
}

async function runCase(request) {
  if (request.drive && request.drive.walk) {
    return { status: "skipped", error: "this example client does not walk pages" };
  }
  const projection = request.projection;
  if (!projection || typeof projection.method !== "string" || !Array.isArray(projection.path)) {
    return { status: "skipped", error: `no usable ${request.projection_key} projection (method and path needed)` };
  }
  const client = new MiniClient({
    serverUrl: request.server_url,
    namespace: request.namespace,
    token: request.token,
    timeoutMs: Math.max(1, Math.floor(request.timeout_seconds * 1000)),
  });
  let body = projection.body === undefined ? undefined : structuredClone(projection.body);
  const envelope = projection.payload_envelope;
  if (envelope) {
    if (envelope.codec !== "avro") {
      return { status: "skipped", error: `codec ${envelope.codec} is not supported by this adapter` };
    }
    body = body ?? {};
    setDotted(body, envelope.field, avroEnvelope(envelope.decoded));
  }
  await client.handshake();
  const output = await client.send(projection.method, projection.path, { query: projection.query, body });
  return { status: "completed", output };
}

async function main() {
  let request;
  try {
    request = JSON.parse(readFileSync(0, "utf8"));
  } catch (error) {
    process.stdout.write(JSON.stringify({ status: "client_error", error: `bad request on stdin: ${error.message}` }));
    return;
  }
  let result;
  try {
    result = await runCase(request);
  } catch (error) {
    result = { status: "client_error", error: `${error.name}: ${error.message}` };
  }
  process.stdout.write(JSON.stringify({ protocol_version: PROTOCOL_VERSION, ...result }) + "\n");
}

// Run only when executed as a program (importing the module, e.g. in a test, does not).
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) await main();
