import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { createHash, randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { startTestServer, type TestServer } from "../harness/server.js";
import { blobPath } from "../../src/store/blobs/blob-paths.js";
import { INLINE_BLOB_MAX_BYTES } from "../../src/store/blobs/inline-blob-store.js";

const q = encodeURIComponent;
const sha = (b: Buffer) => createHash("sha256").update(b).digest("hex");

/** Small content is kept in the database, larger content in blob files; clients see no difference. */
for (const dialect of ["sqlite", "postgres"] as const) {
  describe(`inline content on ${dialect}`, () => {
    let s: TestServer;
    let shareId: string;
    const auth = () => ({ authorization: `Bearer ${s.adminToken}` });
    before(async () => {
      s = await startTestServer({ dialect });
      shareId = (await s.api("POST", "/api/v1/shares", { json: { name: "Inline" } })).body.id;
    });
    after(async () => s?.close());

    const upload = async (path: string, body: Buffer) => {
      const r = await fetch(`${s.url}/api/v1/shares/${shareId}/content?path=${q(path)}`, {
        method: "PUT",
        headers: auth(),
        body: new Uint8Array(body),
      });
      assert.ok(r.status === 201 || r.status === 200, `upload answered ${r.status}`);
      return (await r.json()) as { sha256: string; size: number };
    };
    const download = (path: string, range?: string) =>
      fetch(`${s.url}/api/v1/shares/${shareId}/content?path=${q(path)}`, {
        headers: { ...auth(), ...(range ? { range } : {}) },
      });
    const where = async (sha256: string) => ({
      file: existsSync(blobPath(join(s.dataDir, "blobs"), sha256)),
      row: !!(await s.built.context.db
        .selectFrom("inline_blobs")
        .select("sha256")
        .where("sha256", "=", sha256)
        .executeTakeFirst()),
    });

    test("content of exactly the inline limit is kept in the database; one byte more goes to a blob file", async () => {
      const atLimit = randomBytes(INLINE_BLOB_MAX_BYTES);
      const over = randomBytes(INLINE_BLOB_MAX_BYTES + 1);
      const a = await upload("/at-limit.bin", atLimit);
      const b = await upload("/over.bin", over);
      assert.equal(a.sha256, sha(atLimit));
      assert.equal(b.sha256, sha(over));
      assert.deepEqual(await where(a.sha256), { file: false, row: true });
      assert.deepEqual(await where(b.sha256), { file: true, row: false });
      for (const [path, data] of [
        ["/at-limit.bin", atLimit],
        ["/over.bin", over],
      ] as const) {
        const whole = await download(path);
        assert.equal(whole.status, 200);
        assert.equal(whole.headers.get("content-length"), String(data.length));
        assert.ok(Buffer.from(await whole.arrayBuffer()).equals(data));
        const part = await download(path, "bytes=100-199");
        assert.equal(part.status, 206);
        assert.equal(part.headers.get("content-range"), `bytes 100-199/${data.length}`);
        assert.ok(Buffer.from(await part.arrayBuffer()).equals(data.subarray(100, 200)));
        const tail = await download(path, "bytes=-10");
        assert.ok(Buffer.from(await tail.arrayBuffer()).equals(data.subarray(data.length - 10)));
        const outside = await download(path, `bytes=${data.length + 5}-`);
        assert.equal(outside.status, 416);
        await outside.arrayBuffer();
      }
    });

    test(
      "empty files and identical small files share one " + "row; a new version keeps the old content readable",
      async () => {
        const e = await upload("/empty.txt", Buffer.alloc(0));
        assert.equal(e.size, 0);
        assert.equal((await download("/empty.txt")).headers.get("content-length"), "0");
        const one = await upload("/one.txt", Buffer.from("same"));
        const two = await upload("/two.txt", Buffer.from("same"));
        assert.equal(one.sha256, two.sha256);
        const rows = await s.built.context.db
          .selectFrom("inline_blobs")
          .select("sha256")
          .where("sha256", "=", one.sha256)
          .execute();
        assert.equal(rows.length, 1);
        const first = (await s.api("GET", `/api/v1/shares/${shareId}/files/stat?path=${q("/one.txt")}`)).body;
        await upload("/one.txt", Buffer.from("changed"));
        const old = await fetch(`${s.url}/api/v1/files/${first.id}/versions/${first.current_version_id}/content`, {
          headers: auth(),
        });
        assert.equal(await old.text(), "same");
        assert.equal(await (await download("/one.txt")).text(), "changed");
      },
    );
  });
}
