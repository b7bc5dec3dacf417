import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { startTestServer, type TestServer } from "../harness/server.js";

/** JSON text `depth` arrays deep around `inner`. */
function nested(depth: number, inner = ""): string {
  return "[".repeat(depth) + inner + "]".repeat(depth);
}

describe("JSON nesting depth of request bodies", () => {
  let s: TestServer;
  let fileId: string;
  before(async () => {
    s = await startTestServer();
    const share = (await s.api("POST", "/api/v1/shares", { json: { name: "Depth" } })).body.id;
    fileId = (await s.api("PUT", `/api/v1/shares/${share}/content?path=/a.txt`, { raw: "a" })).body.id;
  });
  after(async () => s.close());

  const patch = (body: string) =>
    s.api("PATCH", `/api/v1/files/${fileId}/metadata`, { raw: body, headers: { "content-type": "application/json" } });

  test("800 KB of nested arrays in metadata: 400 VALIDATION_FAILED naming the limit, not a 500", async () => {
    for (const body of [
      `{"deep":${nested(400_000)}}`,
      nested(400_000),
      `{"deep":${'{"a":'.repeat(100_000)}1${"}".repeat(100_000)}}`,
    ]) {
      const r = await patch(body);
      assert.equal(r.status, 400, JSON.stringify(r.body).slice(0, 300));
      assert.equal(r.body.error.code, "VALIDATION_FAILED");
      assert.match(r.body.error.message, /32/);
      assert.equal(r.body.error.details.max_depth, 32);
      assert.equal(r.body.error.details.field, "body");
    }
    assert.equal((await s.api("GET", "/api/v1/health")).status, 200);
  });

  test("every JSON body is limited, not only metadata", async () => {
    const r = await s.api("POST", "/api/v1/shares", {
      raw: `{"name":"x","description":${nested(33, '"d"')}}`,
      headers: { "content-type": "application/json" },
    });
    assert.equal(r.status, 400);
    assert.equal(r.body.error.details.max_depth, 32);
  });

  test("32 levels are accepted; 33 are not; brackets inside strings do not count", async () => {
    const ok = await patch(`{"v":${nested(31, "1")}}`);
    assert.equal(ok.status, 200, JSON.stringify(ok.body));
    assert.deepEqual((await s.api("GET", `/api/v1/files/${fileId}/metadata`)).body.v.flat(Infinity), [1]);
    const tooDeep = await patch(`{"v":${nested(32, "1")}}`);
    assert.equal(tooDeep.status, 400);
    const text = await patch(JSON.stringify({ s: "[[[[{{{{".repeat(100) + '\\"[' }));
    assert.equal(text.status, 200, JSON.stringify(text.body));
  });

  test("prototype poisoning is still refused", async () => {
    for (const body of ['{"__proto__":{"admin":true}}', '{"constructor":{"prototype":{"admin":true}}}']) {
      const r = await patch(body);
      assert.equal(r.status, 400, body);
      assert.equal(r.body.error.code, "VALIDATION_FAILED");
    }
    const meta = await s.api("GET", `/api/v1/files/${fileId}/metadata`);
    assert.equal(meta.body.admin, undefined);
  });
});
