import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { startTestServer, type TestServer } from "../harness/server.js";
import { sendRaw } from "./raw-http.js";

const API_CSP = /default-src 'none'/;

function assertApiHeaders(headers: { get(name: string): string | null }, what: string): void {
  assert.equal(headers.get("x-content-type-options"), "nosniff", `${what}: nosniff`);
  const csp = headers.get("content-security-policy") ?? "";
  assert.match(csp, API_CSP, `${what}: CSP ${csp}`);
  assert.match(csp, /frame-ancestors 'none'/, `${what}: frame-ancestors`);
}

describe("security headers on API answers; the Swagger UI keeps working", () => {
  let s: TestServer;
  let shareId: string;
  before(async () => {
    s = await startTestServer();
    shareId = (await s.api("POST", "/api/v1/shares", { json: { name: "Headers" } })).body.id;
    await s.api("PUT", `/api/v1/shares/${shareId}/content?path=/page.html`, { raw: "<script>alert(1)</script>" });
    // Large enough to be streamed from a blob file (a hijacked reply), not sent from memory.
    await s.api("PUT", `/api/v1/shares/${shareId}/content?path=/big.bin`, { raw: new Uint8Array(256 * 1024) });
  });
  after(async () => s.close());

  test("JSON answers, errors, 404s and downloads carry nosniff and a restrictive CSP", async () => {
    const auth = { authorization: `Bearer ${s.adminToken}` };
    const checks: [string, string, Record<string, string>, number][] = [
      ["health", "/api/v1/health", {}, 200],
      ["a listing", `/api/v1/shares/${shareId}/files?path=/`, auth, 200],
      ["401", "/api/v1/shares", {}, 401],
      ["404 of a route", "/api/v1/nothing-here", auth, 404],
      ["404 of a resource", `/api/v1/shares/${shareId}/files/stat?path=/missing`, auth, 404],
      ["400 validation", `/api/v1/shares/${shareId}/files?limit=-5`, auth, 400],
      ["download from memory", `/api/v1/shares/${shareId}/content?path=/page.html`, auth, 200],
      ["download streamed from a blob", `/api/v1/shares/${shareId}/content?path=/big.bin`, auth, 200],
      ["partial download", `/api/v1/shares/${shareId}/content?path=/big.bin`, { ...auth, range: "bytes=0-9" }, 206],
      ["framework error (414)", `/api/v1/files/${"f".repeat(150)}`, auth, 414],
      ["OpenAPI document", "/api/v1/openapi.json", {}, 200],
    ];
    for (const [what, path, headers, status] of checks) {
      const r = await fetch(s.url + path, { headers });
      await r.arrayBuffer();
      assert.equal(r.status, status, what);
      assertApiHeaders(r.headers, what);
    }
  });

  test("answers to requests Node's parser refused carry them too", async () => {
    const r = await sendRaw(Number(new URL(s.url).port), "GET /api/v1/he\x01alth HTTP/1.1\r\nHost: x\r\n\r\n");
    assert.equal(r.status, 400);
    assertApiHeaders({ get: (n) => r.headers[n] ?? null }, "client error");
  });

  test("the Swagger UI page loads with its own policy, and everything it references loads", async () => {
    const page = await fetch(`${s.url}/api/docs/`);
    assert.equal(page.status, 200);
    assert.match(page.headers.get("content-type") ?? "", /text\/html/);
    const csp = page.headers.get("content-security-policy") ?? "";
    assert.doesNotMatch(csp, /default-src 'none'/);
    assert.match(csp, /script-src 'self'/);
    assert.match(csp, /style-src 'self' 'unsafe-inline'/);
    assert.match(csp, /img-src 'self' data:/);
    assert.doesNotMatch(csp, /upgrade-insecure-requests/, "plain-HTTP deployments would lose every asset");
    assert.doesNotMatch(csp, /https?:\/\//, "no outside origin is needed");
    const html = await page.text();
    const refs = [...html.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1]!);
    assert.ok(
      refs.some((r) => r.endsWith("swagger-ui-bundle.js")),
      html,
    );
    for (const ref of refs) {
      const asset = await fetch(new URL(ref, `${s.url}/api/docs/`));
      assert.equal(asset.status, 200, ref);
      assert.equal(asset.headers.get("x-content-type-options"), "nosniff", ref);
      const type = asset.headers.get("content-type") ?? "";
      if (ref.endsWith(".js")) assert.match(type, /javascript/, ref);
      if (ref.endsWith(".css")) assert.match(type, /text\/css/, ref);
      await asset.arrayBuffer();
    }
    // The page fetches the document from its own origin (connect-src 'self').
    const initializer = await (await fetch(`${s.url}/api/docs/static/swagger-initializer.js`)).text();
    const spec = /url: resolveUrl\('([^']+)'\)/.exec(initializer)?.[1] ?? "./json";
    const doc = await fetch(new URL(spec, `${s.url}/api/docs/`));
    assert.equal(doc.status, 200);
    assert.equal((await doc.json()).openapi, "3.0.3");
  });
});
