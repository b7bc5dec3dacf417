import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { after, afterEach, before, beforeEach, describe, test } from "node:test";
import { openDatabase, type DatabaseHandle } from "../../src/store/db/database.js";
import { FileCreateBatcher } from "../../src/core/file-create-batcher.js";
import type { FileCreation } from "../../src/store/core/file-creation-statement.js";
import { nodeStore, type NodeRecord } from "../../src/store/core/node-store.js";
import { makeTempDir, type TempDir } from "../harness/temp-dir.js";
import { createPgDatabase, pgReachable, type PgDatabase } from "../harness/postgres-database.js";

const AT = "2026-01-02T03:04:05.000Z";
let seq = 0;

/** PostgreSQL's group commit of one-statement creations: who waits for whom, and for how long. */
describe("FileCreateBatcher on PostgreSQL", () => {
  let dir: TempDir;
  let handle: DatabaseHandle;
  let schema: PgDatabase;
  let root: NodeRecord;
  const original = nodeStore.insertFilesWithVersions;
  /** The size of each statement the batcher sent. */
  let statements: number[] = [];

  const item = (name: string): FileCreation => {
    const fileId = `fil_${String(++seq).padStart(26, "0")}`;
    const versionId = `ver_${String(seq).padStart(26, "0")}`;
    const content = Buffer.from(name);
    const sha256 = createHash("sha256").update(content).digest("hex");
    return {
      file: {
        ...root,
        id: fileId,
        parent_id: root.id,
        name,
        name_key: name,
        path: `/${name}`,
        type: "file",
        size: content.length,
        sha256,
        current_version_id: versionId,
      },
      version: { id: versionId, file_id: fileId, size: content.length, sha256, author_id: null, created_at: AT },
      inlineData: content,
      ancestors: [],
    };
  };

  before(async () => {
    assert.ok(await pgReachable(), "PostgreSQL must be reachable at SCAIDRIVE_TEST_PG_URL");
    dir = makeTempDir("file-create-batcher");
    schema = await createPgDatabase();
    handle = await openDatabase({ dataDir: dir.path, databaseUrl: schema.url });
    await handle.db
      .insertInto("shares")
      .values({ id: "shr_B", name: "B", description: null, created_by: "usr_x", created_at: AT })
      .execute();
    root = {
      id: "fil_ROOTB000000000000000000000",
      share_id: "shr_B",
      parent_id: null,
      name: "",
      name_key: "",
      path: "/",
      type: "folder",
      size: 0,
      sha256: null,
      current_version_id: null,
      owner_id: null,
      created_at: AT,
      modified_at: AT,
      acl_inherit: true,
      metadata: "{}",
    };
    await nodeStore.insert(handle.db, root);
  });

  beforeEach(() => {
    statements = [];
    nodeStore.insertFilesWithVersions = (db, items) => {
      statements.push(items.length);
      return original(db, items);
    };
  });

  afterEach(() => {
    nodeStore.insertFilesWithVersions = original;
  });

  after(async () => {
    await handle?.close();
    await schema?.drop();
    dir?.remove();
  });

  test("a lone writer goes out at once, whatever the window", async () => {
    const batcher = new FileCreateBatcher(handle.db, { windowMs: 60_000 });
    batcher.begin()();
    const t0 = Date.now();
    assert.equal(await batcher.create(item("lone")), true);
    assert.ok(Date.now() - t0 < 10_000, "not held for the window");
    assert.deepEqual(statements, [1]);
  });

  test("creations wait for the writers on their way and share one statement with them", async () => {
    const batcher = new FileCreateBatcher(handle.db, { windowMs: 60_000 });
    const arrived = [batcher.begin(), batcher.begin(), batcher.begin()];
    const created: Promise<boolean>[] = [];
    for (const [i, done] of arrived.entries()) {
      done();
      created.push(batcher.create(item(`w${i}`)));
      await new Promise((r) => setTimeout(r, 20));
    }
    assert.deepEqual(await Promise.all(created), [true, true, true]);
    assert.deepEqual(statements, [3]);
  });

  test("a writer that never comes holds the others for the window at most", async () => {
    const batcher = new FileCreateBatcher(handle.db, { windowMs: 100 });
    const never = batcher.begin();
    const t0 = Date.now();
    assert.equal(await batcher.create(item("held")), true);
    const waited = Date.now() - t0;
    assert.ok(waited >= 90, `waited ${waited} ms for the writer on its way`);
    never();
    assert.deepEqual(statements, [1]);
  });

  test("a writer that gives up releases the others at once", async () => {
    const batcher = new FileCreateBatcher(handle.db, { windowMs: 60_000 });
    const givesUp = batcher.begin();
    const created = batcher.create(item("released"));
    await new Promise((r) => setTimeout(r, 20));
    givesUp();
    assert.equal(await created, true);
    assert.deepEqual(statements, [1]);
  });
});
