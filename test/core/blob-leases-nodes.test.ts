import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { existsSync, renameSync } from "node:fs";
import { join } from "node:path";
import { Readable } from "node:stream";
import { pino } from "pino";
import { startSecondNode, startTestServer, type TestServer } from "../harness/server.js";
import { blobPath } from "../../src/store/blobs/blob-paths.js";
import { createFsBlobStore, type StoredBlob } from "../../src/store/blobs/fs-blob-store.js";
import { DbBlobLeases } from "../../src/store/blobs/blob-lease-store.js";
import { INLINE_BLOB_MAX_BYTES } from "../../src/store/blobs/inline-blob-store.js";
import { versionStore } from "../../src/store/core/version-store.js";
import { SYSTEM_ACTOR } from "../../src/core/actor.js";

const q = encodeURIComponent;

/**
 * Two nodes (two app instances) on one PostgreSQL database and one data directory: a blob one
 * node has stored and not yet committed, or is storing while the other collects, is never lost.
 */
describe("blob collection across nodes sharing PostgreSQL and a blob directory", () => {
  let a: TestServer;
  let b: TestServer;
  let shareId: string;
  let blobDir: string;
  before(async () => {
    a = await startTestServer({ dialect: "postgres" });
    b = await startSecondNode(a);
    blobDir = join(a.dataDir, "blobs");
    shareId = (await a.api("POST", "/api/v1/shares", { json: { name: "Nodes" } })).body.id;
  });
  after(async () => {
    await b?.close();
    await a?.close();
  });

  /** Content too large to be kept inline: it goes to a blob file. */
  const fileContent = () => randomBytes(INLINE_BLOB_MAX_BYTES + 1000);
  const putOn = (s: TestServer, bytes: Buffer) => s.built.context.blobs.put(Readable.from([bytes]));
  const commitOn = (s: TestServer, path: string, blob: StoredBlob) =>
    s.built.context.nodes.writeStoredBlob(shareId, path, blob, { actor: SYSTEM_ACTOR });
  const onDisk = (sha256: string) => existsSync(blobPath(blobDir, sha256));
  const leaseCount = async (sha256: string) =>
    (await a.built.context.db.selectFrom("blob_leases").select("id").where("sha256", "=", sha256).execute()).length;
  /** Waits until the deferred lease releases reached the database. */
  const releasesSettled = async (sha256: string) => {
    for (let i = 0; i < 100 && (await leaseCount(sha256)) > 0; i++) await new Promise((r) => setTimeout(r, 10));
  };
  async function download(s: TestServer, path: string): Promise<Buffer> {
    const r = await fetch(`${s.url}/api/v1/shares/${shareId}/content?path=${q(path)}`, {
      headers: { authorization: `Bearer ${s.adminToken}` },
    });
    assert.equal(r.status, 200);
    return Buffer.from(await r.arrayBuffer());
  }

  test("a blob stored on A, not yet committed, survives a collection on B; committed, deleted: it goes", async () => {
    const bytes = fileContent();
    // Node A has landed the bytes and is "paused" before committing the version that references them.
    const blob = await putOn(a, bytes);
    assert.equal(await leaseCount(blob.sha256), 1, "the put leased its content in the database");
    await b.built.context.blobCollector.runNow();
    assert.ok(onDisk(blob.sha256), "B's collection left A's uncommitted blob alone");

    await commitOn(a, "/committed.bin", blob);
    await releasesSettled(blob.sha256);
    assert.equal(await leaseCount(blob.sha256), 0, "the lease is dropped after the commit");
    await b.built.context.blobCollector.runNow();
    assert.ok(onDisk(blob.sha256), "referenced now");
    assert.deepEqual(await download(b, "/committed.bin"), bytes);
    assert.deepEqual(await download(a, "/committed.bin"), bytes);

    // An orphan (a put whose commit failed) beside it: collected, while the referenced blob stays.
    const orphan = await putOn(a, fileContent());
    orphan.release();
    await releasesSettled(orphan.sha256);
    const r1 = await b.built.context.blobCollector.runNow();
    assert.equal(onDisk(orphan.sha256), false, "an unreferenced, unleased blob is collected");
    assert.ok(r1.removed >= 1);
    assert.ok(onDisk(blob.sha256));

    const del = await b.api("DELETE", `/api/v1/shares/${shareId}/files?path=${q("/committed.bin")}`);
    assert.ok(del.status < 300, `delete: ${del.status}`);
    await b.built.context.blobCollector.runNow();
    assert.equal(onDisk(blob.sha256), false, "deleted on B, collected on B");
  });

  test("a put on A that deduplicates onto an unreferenced blob is leased and survives B's collection", async () => {
    const bytes = fileContent();
    const first = await putOn(b, bytes);
    first.release(); // B's upload failed: the blob is an orphan
    await releasesSettled(first.sha256);
    const again = await putOn(a, bytes); // the same content, on A, not yet committed
    await b.built.context.blobCollector.runNow();
    assert.ok(onDisk(again.sha256), "the lease of the deduplicating put protects it");
    await commitOn(a, "/dedup.bin", again);
    await b.built.context.blobCollector.runNow();
    assert.deepEqual(await download(b, "/dedup.bin"), bytes);
  });

  /**
   * The race itself: B's collection has moved an unreferenced blob aside when A stores the same
   * content. A collector on B's data with a hook at exactly that moment.
   */
  for (const phase of ["stored", "committed"] as const) {
    test(`A ${phase === "stored" ? "stores" : "stores and commits"} the content B's collection holds aside: kept`, async () => {
      const bytes = fileContent();
      const orphan = await putOn(b, bytes);
      orphan.release();
      await releasesSettled(orphan.sha256);
      const path = `/race-${phase}.bin`;
      let racing: StoredBlob | undefined;
      const db = b.built.context.db;
      const collecting = createFsBlobStore(blobDir, {
        leases: new DbBlobLeases(db, pino({ level: "silent" })),
        afterHide: async (sha256) => {
          if (sha256 !== orphan.sha256) return;
          assert.equal(onDisk(sha256), false, "moved aside");
          racing = await putOn(a, bytes);
          if (phase === "committed") {
            await commitOn(a, path, racing);
            // The lease is gone again: only the committed version tells the collection to keep it.
            await releasesSettled(sha256);
          }
        },
      });
      await collecting.collectGarbage((sha) => versionStore.isBlobReferenced(db, sha));
      assert.ok(racing, "the hook ran");
      assert.ok(onDisk(orphan.sha256), "the content is in place after the collection");
      if (phase === "stored") await commitOn(a, path, racing);
      await b.built.context.blobCollector.runNow();
      assert.deepEqual(await download(b, path), bytes);
      assert.deepEqual(await download(a, path), bytes);
      const leftovers = (await import("node:fs")).readdirSync(join(blobDir, "tmp")).filter((n) => n.endsWith(".gc"));
      assert.deepEqual(leftovers, [], "nothing left aside");
    });
  }

  test("inline content re-uploaded on A while B collects it as an orphan is never lost", async () => {
    // Inline blobs are rows written in the transaction of their version: no lease is needed, the
    // collection's serializable transaction and the writer's upsert settle it in the database.
    const text = `inline ${randomBytes(8).toString("hex")}`;
    const put = (s: TestServer, path: string) =>
      fetch(`${s.url}/api/v1/shares/${shareId}/content?path=${q(path)}`, {
        method: "PUT",
        headers: { authorization: `Bearer ${s.adminToken}` },
        body: text,
      }).then(async (r) => assert.equal(r.status, 201, await r.text()));
    await put(a, "/inline/orphan.txt");
    await b.api("DELETE", `/api/v1/shares/${shareId}/files?path=${q("/inline/orphan.txt")}`);
    const paths = Array.from({ length: 12 }, (_, i) => `/inline/again-${i}.txt`);
    let collecting = true;
    const collector = (async () => {
      while (collecting) await b.built.context.blobCollector.runNow();
    })();
    for (const path of paths) await put(a, path);
    collecting = false;
    await collector;
    await b.built.context.blobCollector.runNow();
    for (const path of paths) assert.equal((await download(b, path)).toString(), text, path);
  });

  test("uploads, deletes and collections on both nodes at once: every kept file is readable from both", async () => {
    // A few contents shared by many files, so deduplication, orphaning and re-upload of the same
    // bytes keep meeting the collections running meanwhile on both nodes.
    const contents = Array.from({ length: 4 }, () => fileContent());
    const expected = new Map<string, Buffer>();
    let collecting = true;
    const collectors = [a, b].map(async (s) => {
      while (collecting) await s.built.context.blobCollector.runNow();
    });
    const worker = async (s: TestServer, name: string) => {
      for (let i = 0; i < 12; i++) {
        const path = `/mixed/${name}/f${i}.bin`;
        const bytes = contents[(i + name.length) % contents.length]!;
        for (let attempt = 0; ; attempt++) {
          const r = await fetch(`${s.url}/api/v1/shares/${shareId}/content?path=${q(path)}`, {
            method: "PUT",
            headers: { authorization: `Bearer ${s.adminToken}` },
            body: new Uint8Array(bytes),
          });
          const text = await r.text();
          // The PostgreSQL folder-creation race of concurrent writers (not this test's subject).
          if (r.status === 409 && attempt < 5) continue;
          assert.equal(r.status, 201, text);
          break;
        }
        if (i % 3 === 0) {
          const del = await s.api("DELETE", `/api/v1/shares/${shareId}/files?path=${q(path)}`);
          assert.ok(del.status < 300, `delete ${path}: ${del.status}`);
        } else {
          expected.set(path, bytes);
        }
      }
    };
    await Promise.all([worker(a, "a1"), worker(a, "a22"), worker(b, "b333"), worker(b, "b4444")]);
    collecting = false;
    await Promise.all(collectors);
    await a.built.context.blobCollector.runNow();
    await b.built.context.blobCollector.runNow();
    for (const [path, bytes] of expected) {
      assert.deepEqual(await download(a, path), bytes, `${path} on A`);
      assert.deepEqual(await download(b, path), bytes, `${path} on B`);
    }
  });

  test("a blob a dead collection left aside is put back if referenced, removed if not", async () => {
    const kept = await putOn(a, fileContent());
    await commitOn(a, "/left-aside.bin", kept);
    const orphan = await putOn(a, fileContent());
    orphan.release();
    await releasesSettled(orphan.sha256);
    await releasesSettled(kept.sha256);
    // What a collection that died between moving these aside and deciding leaves behind.
    const aside = (sha256: string) => join(blobDir, "tmp", `${sha256}.dead-1.gc`);
    for (const sha256 of [kept.sha256, orphan.sha256]) renameSync(blobPath(blobDir, sha256), aside(sha256));
    const db = b.built.context.db;
    const collecting = createFsBlobStore(blobDir, {
      leases: new DbBlobLeases(db, pino({ level: "silent" })),
      staleHiddenMs: 0,
    });
    await collecting.collectGarbage((sha) => versionStore.isBlobReferenced(db, sha));
    assert.ok(onDisk(kept.sha256), "the referenced blob is back in place");
    assert.equal(existsSync(aside(kept.sha256)), false);
    assert.equal(onDisk(orphan.sha256), false);
    assert.equal(existsSync(aside(orphan.sha256)), false, "the unreferenced one is removed");
    assert.equal((await download(b, "/left-aside.bin")).length, kept.size);
  });

  test("an expired lease (a node that died mid-put) no longer protects its blob", async () => {
    const blob = await putOn(a, fileContent());
    await a.built.context.db
      .updateTable("blob_leases")
      .set({ expires_at: new Date(Date.now() - 1000).toISOString() })
      .where("sha256", "=", blob.sha256)
      .execute();
    await b.built.context.blobCollector.runNow();
    assert.equal(onDisk(blob.sha256), false);
    assert.equal(await leaseCount(blob.sha256), 0, "expired leases are swept");
    blob.release();
  });
});
