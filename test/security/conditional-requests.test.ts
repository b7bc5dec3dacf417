import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { setTimeout as delay } from "node:timers/promises";
import { startTestServer, type TestServer } from "../harness/server.js";

describe("conditional requests: If-Range on downloads, If-None-Match on uploads", () => {
  let s: TestServer;
  let shareId: string;
  const content = (path: string) => `/api/v1/shares/${shareId}/content?path=${encodeURIComponent(path)}`;
  const get = (path: string, headers: Record<string, string>) =>
    fetch(s.url + content(path), { headers: { authorization: `Bearer ${s.adminToken}`, ...headers } });
  const put = (path: string, body: string, headers: Record<string, string> = {}) =>
    s.api("PUT", content(path), { raw: body, headers });

  before(async () => {
    s = await startTestServer();
    shareId = (await s.api("POST", "/api/v1/shares", { json: { name: "Conditional" } })).body.id;
  });
  after(async () => s.close());

  describe("If-Range (RFC 9110 §13.1.5)", () => {
    let etag: string;
    let lastModified: string;
    before(async () => {
      const up = await put("/r.txt", "0123456789");
      assert.equal(up.status, 201);
      const head = await get("/r.txt", {});
      etag = head.headers.get("etag")!;
      lastModified = head.headers.get("last-modified")!;
      await head.arrayBuffer();
      // A Last-Modified date can only be strong once its second is over.
      while (Math.floor(Date.now() / 1000) <= Math.floor(Date.parse(lastModified) / 1000)) await delay(50);
    });

    const expectPartial = async (headers: Record<string, string>) => {
      const r = await get("/r.txt", { range: "bytes=2-5", ...headers });
      assert.equal(r.status, 206, JSON.stringify(headers));
      assert.equal(r.headers.get("content-range"), "bytes 2-5/10");
      assert.equal(await r.text(), "2345");
    };
    const expectWhole = async (headers: Record<string, string>) => {
      const r = await get("/r.txt", { range: "bytes=2-5", ...headers });
      assert.equal(r.status, 200, JSON.stringify(headers));
      assert.equal(r.headers.get("content-range"), null);
      assert.equal(r.headers.get("content-length"), "10");
      assert.equal(await r.text(), "0123456789");
    };

    test("matching strong entity-tag: 206", async () => expectPartial({ "if-range": etag }));
    test("another entity-tag: 200 with the whole file", async () =>
      expectWhole({ "if-range": '"0000000000000000000000000000000000000000000000000000000000000000"' }));
    test("weak entity-tag never matches, even with the right value: 200", async () =>
      expectWhole({ "if-range": `W/${etag}` }));
    test("Last-Modified date, exactly: 206", async () => expectPartial({ "if-range": lastModified }));
    test("another date: 200", async () =>
      expectWhole({ "if-range": new Date(Date.parse(lastModified) - 1000).toUTCString() }));
    test("a value that is neither: 200", async () => expectWhole({ "if-range": "yesterday" }));
    test("without Range, If-Range changes nothing", async () => {
      const r = await get("/r.txt", { "if-range": '"other"' });
      assert.equal(r.status, 200);
      assert.equal(await r.text(), "0123456789");
    });
    test("a modification time supplied by the client is not a strong validator: 200", async () => {
      const at = "2020-01-02T03:04:05Z";
      assert.equal((await put("/touched.txt", "abcdefghij", { "x-modified-at": at })).status, 201);
      const r = await get("/touched.txt", { range: "bytes=0-1", "if-range": new Date(at).toUTCString() });
      assert.equal(r.status, 200);
      assert.equal(await r.text(), "abcdefghij");
    });
    test("the date of content replaced within the same second does not match the new content: 200", async () => {
      assert.equal((await put("/twice.txt", "first version")).status, 201);
      const first = await get("/twice.txt", {});
      const firstDate = first.headers.get("last-modified")!;
      await first.arrayBuffer();
      assert.equal((await put("/twice.txt", "second version")).status, 200);
      while (Math.floor(Date.now() / 1000) <= Math.floor(Date.parse(firstDate) / 1000) + 1) await delay(50);
      const r = await get("/twice.txt", { range: "bytes=0-2", "if-range": firstDate });
      assert.equal(r.status, 200);
      assert.equal(await r.text(), "second version");
    });
    test("after the content changed, the old ETag gives the whole new file", async () => {
      assert.equal((await put("/changing.txt", "old content")).status, 201);
      const first = await get("/changing.txt", {});
      const oldTag = first.headers.get("etag")!;
      await first.arrayBuffer();
      assert.equal((await put("/changing.txt", "new content!")).status, 200);
      const r = await get("/changing.txt", { range: "bytes=0-2", "if-range": oldTag });
      assert.equal(r.status, 200);
      assert.equal(await r.text(), "new content!");
    });
  });

  describe("If-None-Match on uploads", () => {
    test("the current ETag listed: 412 PRECONDITION_FAILED and the content stays", async () => {
      const first = await put("/n.txt", "first");
      assert.equal(first.status, 201);
      const tag = first.headers.get("etag")!;
      for (const header of [tag, `"abc", ${tag}`, `W/${tag}`]) {
        const r = await put("/n.txt", "second", { "if-none-match": header });
        assert.equal(r.status, 412, header);
        assert.equal(r.body.error.code, "PRECONDITION_FAILED");
      }
      const now = await get("/n.txt", {});
      assert.equal(await now.text(), "first");
    });
    test("other ETags only: the upload goes ahead", async () => {
      const first = await put("/m.txt", "one");
      const other = await put("/other.txt", "unrelated");
      const r = await put("/m.txt", "two", { "if-none-match": `${other.headers.get("etag")}, "x"` });
      assert.equal(r.status, 200);
      assert.notEqual(r.body.current_version_id, first.body.current_version_id);
    });
    test("a missing file matches no ETag: created", async () => {
      const r = await put("/fresh.txt", "fresh", {
        "if-none-match": '"0000000000000000000000000000000000000000000000000000000000000000"',
      });
      assert.equal(r.status, 201);
    });
    test("* still means: only create", async () => {
      assert.equal((await put("/star.txt", "a", { "if-none-match": "*" })).status, 201);
      const again = await put("/star.txt", "b", { "if-none-match": "*" });
      assert.equal(again.status, 412);
    });
    test("a value that is neither * nor entity-tags: 400", async () => {
      const r = await put("/bad.txt", "x", { "if-none-match": "abc" });
      assert.equal(r.status, 400);
      assert.equal(r.body.error.code, "VALIDATION_FAILED");
      assert.equal(r.body.error.details.field, "if-none-match");
    });
  });
});
