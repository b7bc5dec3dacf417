import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { startTestServer, type TestServer } from "../harness/server.js";
import { blobPath } from "../../src/store/blobs/blob-paths.js";
import { INLINE_BLOB_MAX_BYTES } from "../../src/store/blobs/inline-blob-store.js";

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
    const r = await fetch(`${s.url}/api/v1/shares/${shareId}/content?path=${q(path)}`, {
      method: "PUT",
      headers: { authorization: `Bearer ${s.adminToken}` },
      body: content,
    });
    return (await r.json()) as any;
  }

  // Content up to INLINE_BLOB_MAX_BYTES is kept in the database, larger content in blob files;
  // both are collected alike.
  const kinds = [
    { kind: "inline", body: (text: string) => text, inDb: true },
    { kind: "blob file", body: (text: string) => text.padEnd(INLINE_BLOB_MAX_BYTES + 100, "."), inDb: false },
  ];
  for (const { kind, body, inDb } of kinds) {
    const stored = async (sha256: string) => {
      const file = existsSync(blobPath(join(s.dataDir, "blobs"), sha256));
      const row = await s.built.context.db
        .selectFrom("inline_blobs")
        .select("sha256")
        .where("sha256", "=", sha256)
        .executeTakeFirst();
      assert.equal(inDb ? file : !!row, false, `${kind} content must not also be stored the other way`);
      return inDb ? !!row : file;
    };

    test(`${kind}: identical content is stored once and kept while any version references it`, async () => {
      const a = await put(`/${kind}/a.txt`, body("shared bytes"));
      const b = await put(`/${kind}/b.txt`, body("shared bytes"));
      assert.equal(a.sha256, b.sha256);
      assert.ok(await stored(a.sha256));
      await s.api("DELETE", `/api/v1/shares/${shareId}/files?path=${q(`/${kind}/a.txt`)}`);
      await s.built.context.blobCollector.runNow();
      assert.ok(await stored(a.sha256), "still referenced by b.txt");
      await s.api("DELETE", `/api/v1/shares/${shareId}/files?path=${q(`/${kind}/b.txt`)}`);
      const r = await s.built.context.blobCollector.runNow();
      assert.ok(r.removed >= 1);
      assert.equal(await stored(a.sha256), false);
    });

    test(`${kind}: old versions keep their content; deleting the share frees it`, async () => {
      const other = (await s.api("POST", "/api/v1/shares", { json: { name: `GC ${kind}` } })).body.id;
      const put2 = async (content: string) => {
        const r = await fetch(`${s.url}/api/v1/shares/${other}/content?path=${q("/v.txt")}`, {
          method: "PUT",
          headers: { authorization: `Bearer ${s.adminToken}` },
          body: content,
        });
        return (await r.json()) as any;
      };
      const v1 = await put2(body("version one"));
      await put2(body("version two"));
      await s.built.context.blobCollector.runNow();
      assert.ok(await stored(v1.sha256));
      const old = await fetch(`${s.url}/api/v1/files/${v1.id}/versions/${v1.current_version_id}/content`, {
        headers: { authorization: `Bearer ${s.adminToken}`, range: "bytes=0-6" },
      });
      assert.equal(old.status, 206);
      assert.equal(await old.text(), "version");
      assert.equal((await s.api("DELETE", `/api/v1/shares/${other}`)).status, 204);
      await s.built.context.blobCollector.runNow();
      assert.equal(await stored(v1.sha256), false);
    });
  }

  test("a blob stored without a committed version is collected once released", async () => {
    const blob = await s.built.context.blobs.put(
      (async function* () {
        yield Buffer.from("orphan content");
      })(),
    );
    const file = blobPath(join(s.dataDir, "blobs"), blob.sha256);
    await s.built.context.blobCollector.runNow();
    assert.ok(existsSync(file), "pinned while the put is in flight");
    blob.release();
    await s.built.context.blobCollector.runNow();
    assert.ok(!existsSync(file));
  });
});
