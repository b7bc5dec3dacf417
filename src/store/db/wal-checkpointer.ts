import { stat } from "node:fs/promises";
import { createRequire } from "node:module";
import { Worker } from "node:worker_threads";

/**
 * The worker: its own connection to the database file, running PASSIVE checkpoints on a timer.
 * PASSIVE never waits for the main connection's readers or writer; it copies what it can and
 * leaves the rest for the next tick. Plain JavaScript evaluated in the worker, so it runs the same
 * from the built server and under the TypeScript loader (which a worker thread does not inherit).
 */
const WORKER_SOURCE = `
const { parentPort, workerData } = require("node:worker_threads");
const SQLite = require(workerData.sqliteModule);
let db;
try {
  db = new SQLite(workerData.dbPath, { fileMustExist: true });
  db.pragma("busy_timeout = 0");
  db.pragma("synchronous = NORMAL");
} catch {
  // Cannot open the database: checkpoints stay with the main connection's auto-checkpoint.
  process.exit(0);
}
const tick = () => {
  try {
    db.pragma("wal_checkpoint(PASSIVE)");
  } catch {
    // Busy or gone (the data dir removed under us): the next tick tries again, close() ends it.
  }
};
const timer = setInterval(tick, workerData.intervalMs);
parentPort.on("message", (m) => {
  if (m !== "close") return;
  clearInterval(timer);
  tick();
  try { db.close(); } catch {}
  parentPort.close();
});
`;

export interface WalCheckpointerOptions {
  /** WAL file size from which checkpoints move to the worker (default 4 MiB). */
  startAtBytes?: number;
  /** How often the WAL size is looked at before, and checkpointed after, the worker starts (ms). */
  intervalMs?: number;
}

export interface WalCheckpointer {
  /** Stops watching; lets a running worker finish its checkpoint and close its connection. */
  close(): Promise<void>;
}

/**
 * Runs the WAL checkpoints of the embedded SQLite database on a worker thread once the database
 * sees real write traffic. A checkpoint copies WAL pages into the database file and fsyncs both;
 * done by the connection that commits (SQLite's auto-checkpoint), it stalled the main thread for
 * ≈0.5 s of a 10,000-file sync. The main connection keeps its auto-checkpoint as a backstop for
 * when the worker falls behind; it never fires while the worker keeps up, because a fully
 * checkpointed WAL restarts from its beginning.
 *
 * The worker starts only after the WAL file has reached `startAtBytes`, so the many short-lived
 * databases of a test run, and a server with little write traffic, never start a thread.
 */
export function startWalCheckpointer(dbPath: string, opts: WalCheckpointerOptions = {}): WalCheckpointer {
  const startAt = opts.startAtBytes ?? 4 * 1024 * 1024;
  const intervalMs = opts.intervalMs ?? 200;
  let worker: Worker | undefined;
  let workerExited = false;
  let closed = false;
  let watching = false;

  const startWorker = () => {
    const w = new Worker(WORKER_SOURCE, {
      eval: true,
      workerData: { dbPath, intervalMs, sqliteModule: createRequire(import.meta.url).resolve("better-sqlite3") },
    });
    w.unref();
    // A worker that cannot open the database (or dies) leaves checkpoints to the main connection.
    w.on("error", () => undefined);
    w.once("exit", () => (workerExited = true));
    worker = w;
  };

  const watch = setInterval(() => {
    if (watching || closed || worker) return;
    watching = true;
    stat(`${dbPath}-wal`)
      .then((s) => {
        if (s.size >= startAt && !closed && !worker) {
          clearInterval(watch);
          startWorker();
        }
      })
      .catch(() => undefined)
      .finally(() => (watching = false));
  }, intervalMs);
  watch.unref();

  return {
    async close() {
      if (closed) return;
      closed = true;
      clearInterval(watch);
      const w = worker;
      if (!w || workerExited) return;
      const exited = new Promise<void>((resolve) => w.once("exit", () => resolve()));
      w.postMessage("close");
      // The worker ends once its port closes; a checkpoint stuck on a dying disk must not hold
      // shutdown forever.
      const timeout = setTimeout(() => void w.terminate(), 5_000);
      await exited;
      clearTimeout(timeout);
    },
  };
}
