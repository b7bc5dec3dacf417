import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { startTestServer, type TestServer } from "../harness/server.js";
import { sendRaw } from "./raw-http.js";

interface Case {
  name: string;
  /** The request bytes; `{auth}`, `{share}` and `{host}` are filled in. */
  request: string;
  status: number;
  code: string;
  /** Half-close after writing (the body is cut short). */
  endAfterWrite?: boolean;
}

const H = "Host: scaidrive.test\r\n";
const JSON_POST = `POST /api/v1/shares HTTP/1.1\r\n${H}{auth}Content-Type: application/json\r\n`;
const jsonPost = (body: string) => `${JSON_POST}Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`;

// Each request is sent as raw bytes over its own connection; most never reach Fastify (Node's
// parser refuses them), the rest are refused by Fastify's router or the app.
const cases: Case[] = [
  {
    name: "NUL byte in the URL",
    request: `GET /api/v1/health\0x HTTP/1.1\r\n${H}\r\n`,
    status: 400,
    code: "MALFORMED_REQUEST",
  },
  {
    name: "control byte in the URL",
    request: `GET /api/v1/he\x01alth HTTP/1.1\r\n${H}\r\n`,
    status: 400,
    code: "MALFORMED_REQUEST",
  },
  {
    name: "DEL byte in the URL",
    request: `GET /api/v1/he\x7falth HTTP/1.1\r\n${H}\r\n`,
    status: 400,
    code: "MALFORMED_REQUEST",
  },
  {
    name: "control byte in a header value",
    request: `GET /api/v1/health HTTP/1.1\r\n${H}X-A: a\x01b\r\n\r\n`,
    status: 400,
    code: "MALFORMED_REQUEST",
  },
  {
    name: "NUL byte in a header value",
    request: `GET /api/v1/health HTTP/1.1\r\n${H}X-A: a\0b\r\n\r\n`,
    status: 400,
    code: "MALFORMED_REQUEST",
  },
  {
    name: "space in a header name",
    request: `GET /api/v1/health HTTP/1.1\r\n${H}Bad Header: x\r\n\r\n`,
    status: 400,
    code: "MALFORMED_REQUEST",
  },
  {
    name: "header line without a colon",
    request: `GET /api/v1/health HTTP/1.1\r\n${H}NoColon\r\n\r\n`,
    status: 400,
    code: "MALFORMED_REQUEST",
  },
  {
    name: "obsolete header line folding",
    request: `GET /api/v1/health HTTP/1.1\r\n${H}X-A: a\r\n b\r\n\r\n`,
    status: 400,
    code: "MALFORMED_REQUEST",
  },
  {
    name: "conflicting Content-Length",
    request: `${JSON_POST}Content-Length: 2\r\nContent-Length: 3\r\n\r\n{}`,
    status: 400,
    code: "MALFORMED_REQUEST",
  },
  {
    name: "non-numeric Content-Length",
    request: `${JSON_POST}Content-Length: abc\r\n\r\n{}`,
    status: 400,
    code: "MALFORMED_REQUEST",
  },
  {
    name: "negative Content-Length",
    request: `${JSON_POST}Content-Length: -1\r\n\r\n{}`,
    status: 400,
    code: "MALFORMED_REQUEST",
  },
  {
    name: "Content-Length beyond 64 bits",
    request:
      `PUT /api/v1/shares/{share}/content?path=/big ` +
      `HTTP/1.1\r\n${H}{auth}Content-Length: 99999999999999999999999\r\n\r\n{}`,
    status: 400,
    code: "MALFORMED_REQUEST",
  },
  {
    name: "Content-Length with chunked Transfer-Encoding",
    request: `${JSON_POST}Content-Length: 2\r\nTransfer-Encoding: chunked\r\n\r\n2\r\n{}\r\n0\r\n\r\n`,
    status: 400,
    code: "MALFORMED_REQUEST",
  },
  {
    name: "Transfer-Encoding other than chunked",
    request: `${JSON_POST}Transfer-Encoding: gzip\r\n\r\n{}`,
    status: 400,
    code: "MALFORMED_REQUEST",
  },
  {
    name: "bad chunk size in a JSON body",
    request: `${JSON_POST}Transfer-Encoding: chunked\r\n\r\nzz\r\n{}\r\n0\r\n\r\n`,
    status: 400,
    code: "MALFORMED_REQUEST",
  },
  {
    name: "bad chunk size in the middle of an upload",
    request:
      `PUT /api/v1/shares/{share}/content?path=/chunk ` +
      `HTTP/1.1\r\n${H}{auth}Transfer-Encoding: chunked\r\n\r\n3\r\nabc\r\nzz\r\nxx\r\n0\r\n\r\n`,
    status: 400,
    code: "MALFORMED_REQUEST",
  },
  {
    name: "unknown method",
    request: `FOO /api/v1/health HTTP/1.1\r\n${H}\r\n`,
    status: 400,
    code: "MALFORMED_REQUEST",
  },
  { name: "not HTTP at all", request: "HELLO\r\n\r\n", status: 400, code: "MALFORMED_REQUEST" },
  {
    name: "unknown HTTP version",
    request: `GET /api/v1/health HTTP/9.9\r\n${H}\r\n`,
    status: 400,
    code: "MALFORMED_REQUEST",
  },
  {
    name: "bare LF line ends",
    request: "GET /api/v1/health HTTP/1.1\nHost: x\n\n",
    status: 400,
    code: "MALFORMED_REQUEST",
  },
  {
    name: "body shorter than its Content-Length, then end of stream",
    request: `${JSON_POST}Content-Length: 10\r\n\r\n{}`,
    status: 400,
    code: "MALFORMED_REQUEST",
    endAfterWrite: true,
  },
  {
    name: "over-long URL",
    request: `GET /api/v1/health?${"a".repeat(20_000)} HTTP/1.1\r\n${H}\r\n`,
    status: 414,
    code: "URI_TOO_LONG",
  },
  {
    name: "over-long header",
    request: `GET /api/v1/health HTTP/1.1\r\n${H}X-Big: ${"a".repeat(20_000)}\r\n\r\n`,
    status: 431,
    code: "HEADERS_TOO_LARGE",
  },
  {
    name: "over-long id path parameter",
    request: `GET /api/v1/files/${"f".repeat(150)} HTTP/1.1\r\n${H}{auth}\r\n`,
    status: 414,
    code: "URI_TOO_LONG",
  },
  {
    name: "broken percent-encoding in the path",
    request: `GET /api/v1/files/%E0%A4%A HTTP/1.1\r\n${H}{auth}\r\n`,
    status: 400,
    code: "MALFORMED_REQUEST",
  },
  {
    name: "HTTP/1.1 without Host",
    request: "GET /api/v1/health HTTP/1.1\r\n\r\n",
    status: 400,
    code: "MALFORMED_REQUEST",
  },
  {
    name: "method without a route",
    request: `PROPFIND /api/v1/health HTTP/1.1\r\n${H}\r\n`,
    status: 404,
    code: "NOT_FOUND",
  },
  { name: "JSON that does not parse", request: jsonPost("{x"), status: 400, code: "VALIDATION_FAILED" },
  {
    name: "unparsable Content-Type",
    request: `POST /api/v1/shares HTTP/1.1\r\n${H}{auth}Content-Type: ;;;\r\nContent-Length: 2\r\n\r\n{}`,
    status: 415,
    code: "UNSUPPORTED_MEDIA_TYPE",
  },
  {
    name: "__proto__ key in JSON",
    request: jsonPost('{"name":"a","__proto__":{"x":1}}'),
    status: 400,
    code: "VALIDATION_FAILED",
  },
];

describe("malformed requests get a 4xx with the error envelope", () => {
  let s: TestServer;
  let port: number;
  let shareId: string;
  before(async () => {
    s = await startTestServer();
    port = Number(new URL(s.url).port);
    shareId = (await s.api("POST", "/api/v1/shares", { json: { name: "Malformed" } })).body.id;
  });
  after(async () => s.close());

  for (const c of cases) {
    test(`${c.name}: ${c.status} ${c.code}`, async () => {
      const bytes = c.request
        .replaceAll("{auth}", `Authorization: Bearer ${s.adminToken}\r\n`)
        .replaceAll("{share}", shareId);
      const r = await sendRaw(port, Buffer.from(bytes, "latin1"), { endAfterWrite: c.endAfterWrite });
      assert.ok(r.status > 0, `no answer: ${JSON.stringify(r.raw.toString("latin1").slice(0, 200))}`);
      assert.ok(r.status < 500, `5xx: ${r.status}`);
      assert.equal(r.status, c.status, r.body.toString());
      assert.match(r.headers["content-type"] ?? "", /^application\/json/);
      const body = JSON.parse(r.body.toString());
      assert.equal(body.error?.code, c.code, r.body.toString());
      assert.match(body.error.code, /^[A-Z][A-Z_]*$/);
      assert.equal(typeof body.error.message, "string");
      assert.ok(body.error.message.length > 0);
      assert.ok(r.headers["x-request-id"], "x-request-id");
      assert.equal(r.headers["x-content-type-options"], "nosniff");
    });
  }

  test("the server is still healthy and the cut upload left no file", async () => {
    assert.equal((await s.api("GET", "/api/v1/health")).status, 200);
    assert.equal((await s.api("GET", `/api/v1/shares/${shareId}/files/stat?path=/chunk`)).status, 404);
  });
});
