import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { sql } from "kysely";
import { openDatabase, type DatabaseHandle } from "../../src/store/db/database.js";
import { CommitBatcher } from "../../src/core/commit-batcher.js";
import type { DbExecutor } from "../../src/store/core/db-executor.js";
import { makeTempDir, type TempDir } from "../harness/temp-dir.js";

/** Rows of the scratch table, in id order. */
async function rows(db: DbExecutor): Promise<string[]> {
  const r = await sql<{ id: string }>`select id from batch_probe order by id`.execute(db);
  return r.rows.map((x) => x.id);
}

const insert = (id: string) => async (trx: DbExecutor) => {
  await sql`insert into batch_probe (id) values (${id})`.execute(trx);
  return trx;
};

describe("commit batcher (SQLite)", () => {
  let dir: TempDir;
  let handle: DatabaseHandle;

  before(async () => {
    dir = makeTempDir("commit-batcher");
    handle = await openDatabase({ dataDir: dir.path });
    await sql`create table batch_probe (id text primary key)`.execute(handle.db);
    await sql`create table batch_parent (id text primary key)`.execute(handle.db);
    await sql`create table batch_child (id text primary key, parent text references batch_parent(id) deferrable initially deferred)`.execute(
      handle.db,
    );
  });

  after(async () => {
    await handle?.close();
    dir.remove();
  });

  test("writers announced as on their way share one transaction and each sees the rows before it", async () => {
    const batcher = new CommitBatcher(handle.db, { enabled: true, windowMs: 1000 });
    const arrivedA = batcher.begin();
    const arrivedB = batcher.begin();
    arrivedA();
    const a = batcher.run(insert("a1"));
    arrivedB();
    const b = batcher.run(async (trx) => {
      const seen = await rows(trx);
      await insert("a2")(trx);
      return { trx, seen };
    });
    const [trxA, { trx: trxB, seen }] = await Promise.all([a, b]);
    assert.equal(trxA, trxB, "both ran in the same transaction");
    assert.ok(seen.includes("a1"), "the second writer sees the first one's row");
    assert.deepEqual(
      (await rows(handle.db)).filter((x) => x.startsWith("a")),
      ["a1", "a2"],
    );
  });

  test("a lone writer commits without waiting for the window", async () => {
    // With a window of a minute, only the "nobody else is on the way" rule can finish this.
    const batcher = new CommitBatcher(handle.db, { enabled: true, windowMs: 60_000 });
    batcher.begin()();
    await batcher.run(insert("lone"));
    assert.ok((await rows(handle.db)).includes("lone"));
  });

  test("an operation that throws is rolled back alone; the others of its batch commit", async () => {
    const batcher = new CommitBatcher(handle.db, { enabled: true, windowMs: 1000 });
    const arrived = [batcher.begin(), batcher.begin(), batcher.begin()];
    const results = Promise.allSettled([
      batcher.run(insert("b1")),
      batcher.run(async (trx) => {
        await insert("b2")(trx);
        throw new Error("refused after writing");
      }),
      batcher.run(insert("b1")), // duplicate key: fails inside its own savepoint
      batcher.run(insert("b3")),
    ]);
    for (const done of arrived) done();
    const [r1, r2, r3, r4] = await results;
    assert.equal(r1.status, "fulfilled");
    assert.equal(r2.status, "rejected");
    assert.match(String((r2 as PromiseRejectedResult).reason), /refused after writing/);
    assert.equal(r3.status, "rejected");
    assert.match(String((r3 as PromiseRejectedResult).reason), /UNIQUE/);
    assert.equal(r4.status, "fulfilled");
    assert.deepEqual(
      (await rows(handle.db)).filter((x) => x.startsWith("b")),
      ["b1", "b3"],
    );
  });

  test("when the shared commit fails, every operation of the batch rejects and none of its rows stay", async () => {
    const batcher = new CommitBatcher(handle.db, { enabled: true, windowMs: 1000 });
    const arrived = [batcher.begin(), batcher.begin()];
    const results = Promise.allSettled([
      batcher.run(insert("c1")),
      // A deferred foreign key is only checked at COMMIT: this operation succeeds, the commit fails.
      batcher.run(async (trx) => {
        await sql`insert into batch_child (id, parent) values ('orphan', 'missing')`.execute(trx);
      }),
    ]);
    for (const done of arrived) done();
    const settled = await results;
    assert.deepEqual(
      settled.map((r) => r.status),
      ["rejected", "rejected"],
    );
    assert.match(String((settled[0] as PromiseRejectedResult).reason), /FOREIGN KEY/);
    assert.deepEqual(
      (await rows(handle.db)).filter((x) => x.startsWith("c")),
      [],
    );
    // The connection is usable afterwards.
    await batcher.run(insert("c2"));
    assert.deepEqual(
      (await rows(handle.db)).filter((x) => x.startsWith("c")),
      ["c2"],
    );
  });

  test("more writers than maxOps are split into several transactions, all committed", async () => {
    const batcher = new CommitBatcher(handle.db, { enabled: true, windowMs: 1000, maxOps: 4 });
    const arrived = Array.from({ length: 10 }, () => batcher.begin());
    const runs = Array.from({ length: 10 }, (_, i) => batcher.run(insert(`d${String(i).padStart(2, "0")}`)));
    for (const done of arrived) done();
    const trxs = await Promise.all(runs);
    assert.ok(new Set(trxs).size >= 3, "at most 4 operations per transaction");
    assert.equal((await rows(handle.db)).filter((x) => x.startsWith("d")).length, 10);
  });

  test("disabled, every run is a transaction of its own", async () => {
    const batcher = new CommitBatcher(handle.db, { enabled: false });
    const arrived = batcher.begin();
    const [t1, t2] = await Promise.all([batcher.run(insert("e1")), batcher.run(insert("e2"))]);
    arrived();
    assert.notEqual(t1, t2);
    assert.deepEqual(
      (await rows(handle.db)).filter((x) => x.startsWith("e")),
      ["e1", "e2"],
    );
  });
});
