/**
 * WAL checkpoints on a worker thread: once the WAL has grown, committed pages reach the database
 * file without the main connection checkpointing (its own auto-checkpoint is far away), writes
 * carry on meanwhile, and close() leaves a database that reopens with every row.
 */
import assert from "node:assert/strict";
import { statSync } from "node:fs";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { test } from "node:test";
import { sql } from "kysely";
import { openDatabase, type DatabaseHandle } from "../../src/store/db/database.js";
import { makeTempDir } from "../harness/temp-dir.js";

const ROWS = 600;
const ROW_BYTES = 4096;

async function writeRows(handle: DatabaseHandle, from: number, count: number): Promise<void> {
  for (let i = from; i < from + count; i++) {
    await sql`insert into wal_scratch (id, data) values (${i}, ${Buffer.alloc(ROW_BYTES, i % 251)})`.execute(handle.db);
  }
}

async function rowCount(handle: DatabaseHandle): Promise<number> {
  const { rows } = await sql<{ n: number }>`select count(*) as n from wal_scratch`.execute(handle.db);
  return Number(rows[0]!.n);
}

/** Size of the database file proper (not its WAL) once it has stopped growing for a moment. */
async function settledDbFileSize(path: string, waitMs: number): Promise<number> {
  const deadline = Date.now() + waitMs;
  let size = statSync(path).size;
  while (Date.now() < deadline) {
    await sleep(50);
    size = statSync(path).size;
    if (size >= ROWS * ROW_BYTES) break;
  }
  return size;
}

for (const workerStarts of [true, false]) {
  test(
    `WAL checkpoints ${
      workerStarts ? "move to a worker once the WAL grows" : "stay with the main connection below the threshold"
    }`,
    { timeout: 60_000 },
    async () => {
      const dir = makeTempDir("wal-checkpointer");
      const dbPath = join(dir.path, "scaidrive.db");
      try {
        const walCheckpointer = { startAtBytes: workerStarts ? 256 * 1024 : 1 << 30, intervalMs: 20 };
        let handle = await openDatabase({ dataDir: dir.path, walCheckpointer });
        try {
          await sql`create table wal_scratch (id integer primary key, data blob not null)`.execute(handle.db);
          const before = statSync(dbPath).size;
          // Written in two halves with a pause between, so the worker (when it starts) checkpoints
          // while the second half is being committed.
          await writeRows(handle, 0, ROWS / 2);
          await sleep(100);
          await writeRows(handle, ROWS / 2, ROWS / 2);
          const after = await settledDbFileSize(dbPath, workerStarts ? 10_000 : 500);
          if (workerStarts) {
            assert.ok(after >= ROWS * ROW_BYTES, `database file ${after} bytes: the rows were checkpointed into it`);
          } else {
            // 2.4 MiB of WAL is far below the main connection's auto-checkpoint (8192 pages).
            assert.ok(
              after < before + (ROWS * ROW_BYTES) / 2,
              `database file ${after} bytes (was ${before}): nothing checkpointed it`,
            );
          }
          assert.equal(await rowCount(handle), ROWS);
        } finally {
          await handle.close();
        }
        handle = await openDatabase({ dataDir: dir.path, walCheckpointer });
        try {
          assert.equal(await rowCount(handle), ROWS, "every committed row is there after reopening");
          const { rows } = await sql<{ data: Buffer }>`select data from wal_scratch where id = ${ROWS - 1}`.execute(
            handle.db,
          );
          assert.ok(Buffer.from(rows[0]!.data).equals(Buffer.alloc(ROW_BYTES, (ROWS - 1) % 251)));
        } finally {
          await handle.close();
        }
      } finally {
        dir.remove();
      }
    },
  );
}
