import assert from "node:assert/strict";
import { after, afterEach, before, beforeEach, describe, test } from "node:test";
import { FileCreateBatcher } from "../../src/core/file-create-batcher.js";
import type { FileCreation } from "../../src/store/core/file-creation-statement.js";
import { nodeStore } from "../../src/store/core/node-store.js";
import { fileCreation, openPgShare } from "../store/helpers/pg-file-share.js";

/** PostgreSQL's group commit of one-statement creations: who waits for whom, and for how long. */
describe("FileCreateBatcher on PostgreSQL", () => {
  let share: Awaited<ReturnType<typeof openPgShare>>;
  const original = nodeStore.insertFilesWithVersions;
  /** The size of each statement the batcher sent. */
  let statements: number[] = [];
  const item = (name: string): FileCreation => fileCreation([share.root], name, Buffer.from(name));

  before(async () => {
    share = await openPgShare();
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

  after(async () => share?.cleanup());

  test("a lone writer goes out at once, whatever the window", async () => {
    const batcher = new FileCreateBatcher(share.handle.db, { windowMs: 60_000 });
    batcher.begin()();
    const t0 = Date.now();
    assert.equal(await batcher.create(item("lone")), true);
    assert.ok(Date.now() - t0 < 10_000, "not held for the window");
    assert.deepEqual(statements, [1]);
  });

  test("creations wait for the writers on their way and share one statement with them", async () => {
    const batcher = new FileCreateBatcher(share.handle.db, { windowMs: 60_000 });
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
    const batcher = new FileCreateBatcher(share.handle.db, { windowMs: 100 });
    const never = batcher.begin();
    const t0 = Date.now();
    assert.equal(await batcher.create(item("held")), true);
    const waited = Date.now() - t0;
    assert.ok(waited >= 90, `waited ${waited} ms for the writer on its way`);
    never();
    assert.deepEqual(statements, [1]);
  });

  test("a writer that gives up releases the others at once", async () => {
    const batcher = new FileCreateBatcher(share.handle.db, { windowMs: 60_000 });
    const givesUp = batcher.begin();
    const created = batcher.create(item("released"));
    await new Promise((r) => setTimeout(r, 20));
    givesUp();
    assert.equal(await created, true);
    assert.deepEqual(statements, [1]);
  });
});
