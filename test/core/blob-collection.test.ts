import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { startTestServer, type TestServer } from "../harness/server.js";
import { blobPath } from "../../src/store/blobs/blob-paths.js";

const q = encodeURIComponent;

describe("blob collection", () => {
  let s: TestServer;
  let shareId: string;
  before(async () => {
    s = await startTestServer();
    shareId = (await s.api("POST", "/api/v1/shares", { json: { name: "GC" } })).body.id;
  });
  after(async () => s.close());

  async function put(path: string, content: string) {
    const r = await fetch(`${s.url}/api/v1/shares/${shareId}/content?path=${q(path)}`, { method: "PUT", headers: { authorization: `Bearer ${s.adminToken}` }, body: content });
    return (await r.json()) as any;
  }

  test("identical content is stored once and kept while any version references it", async () => {
    const a = await put("/a.txt", "shared bytes");
    const b = await put("/b.txt", "shared bytes");
    assert.equal(a.sha256, b.sha256);
    const file = blobPath(join(s.dataDir, "blobs"), a.sha256);
    assert.ok(existsSync(file));
    await s.api("DELETE", `/api/v1/shares/${shareId}/files?path=/a.txt`);
    await s.built.context.blobCollector.runNow();
    assert.ok(existsSync(file), "still referenced by /b.txt");
    await s.api("DELETE", `/api/v1/shares/${shareId}/files?path=/b.txt`);
    const r = await s.built.context.blobCollector.runNow();
    assert.ok(r.removed >= 1);
    assert.ok(!existsSync(file));
  });

  test("a blob stored without a committed version is collected once released", async () => {
    const blob = await s.built.context.blobs.put((async function* () { yield Buffer.from("orphan content"); })());
    const file = blobPath(join(s.dataDir, "blobs"), blob.sha256);
    await s.built.context.blobCollector.runNow();
    assert.ok(existsSync(file), "pinned while the put is in flight");
    blob.release();
    await s.built.context.blobCollector.runNow();
    assert.ok(!existsSync(file));
  });

  test("old versions keep their blobs; deleting the share frees them", async () => {
    const v1 = await put("/v.txt", "version one");
    await put("/v.txt", "version two");
    await s.built.context.blobCollector.runNow();
    const file = blobPath(join(s.dataDir, "blobs"), v1.sha256);
    assert.ok(existsSync(file));
    assert.equal((await s.api("DELETE", `/api/v1/shares/${shareId}`)).status, 204);
    await s.built.context.blobCollector.runNow();
    assert.ok(!existsSync(file));
  });
});
