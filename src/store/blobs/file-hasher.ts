import { Worker } from "node:worker_threads";

type HasherRequest =
  | { id: number; op: "advance"; fd: number; upTo: number }
  | { id: number; op: "finish"; fd: number; upTo: number }
  | { id: number; op: "abort" };

type HasherReply = { id: number; digest: string } | { id: number; aborted: true } | { id: number; error: string };

/**
 * The worker: SHA-256 of byte ranges of files the main thread has written, read back through the
 * descriptor it names (descriptors are process-wide). Messages are handled in order, one at a
 * time, so an acknowledgement also means that no read of that job is running any more. Plain
 * JavaScript evaluated in the worker, so it runs the same from the built server and under the
 * TypeScript loader (which a worker thread does not inherit).
 */
const WORKER_SOURCE = `
const { createHash } = require("node:crypto");
const { readSync } = require("node:fs");
const { parentPort } = require("node:worker_threads");
const jobs = new Map();
const buffer = Buffer.allocUnsafe(1 << 20);
function catchUp(job, fd, upTo) {
  while (job.done < upTo) {
    const n = readSync(fd, buffer, 0, Math.min(buffer.length, upTo - job.done), job.done);
    if (n === 0) throw new Error("file ended at " + job.done + " bytes, " + upTo + " were written");
    job.hash.update(n === buffer.length ? buffer : buffer.subarray(0, n));
    job.done += n;
  }
}
parentPort.on("message", (m) => {
  if (m.op === "abort") {
    jobs.delete(m.id);
    parentPort.postMessage({ id: m.id, aborted: true });
    return;
  }
  let job = jobs.get(m.id);
  if (!job) jobs.set(m.id, (job = { hash: createHash("sha256"), done: 0 }));
  try {
    catchUp(job, m.fd, m.upTo);
    if (m.op === "finish") {
      jobs.delete(m.id);
      parentPort.postMessage({ id: m.id, digest: job.hash.digest("hex") });
    }
  } catch (err) {
    jobs.delete(m.id);
    parentPort.postMessage({ id: m.id, error: err.message });
  }
});
`;

/**
 * SHA-256 of a blob file computed on a worker thread, from what was already written to it, so
 * hashing a large upload (≈0.65 s per GiB on one core) runs beside receiving and writing it
 * instead of on the main thread, where it was the slowest stage of a 1 GiB transfer. The cost
 * is one more copy of each byte out of the page cache, on that worker.
 *
 * One worker per process, started on first use and not keeping the process alive; jobs are
 * handled in order. The caller must not close the descriptor until {@link HashJob.finish} or
 * {@link HashJob.abort} has settled: the worker reads it until then.
 */
export interface HashJob {
  /** Bytes [0, upTo) are written: hash them (in the background). */
  advance(upTo: number): void;
  /** Hex digest of bytes [0, size), which must all be written. */
  finish(size: number): Promise<string>;
  /** Drops the job; resolves once the worker no longer reads the descriptor. */
  abort(): Promise<void>;
}

let worker: Worker | undefined;
let nextId = 1;
const waiting = new Map<number, { resolve(r: HasherReply): void }>();
/** Jobs started and not settled: the worker is referenced (keeps the loop alive) only while there are some. */
let active = 0;

function getWorker(): Worker {
  if (worker) return worker;
  const w = new Worker(WORKER_SOURCE, { eval: true });
  w.unref();
  w.on("message", (r: HasherReply) => {
    const entry = waiting.get(r.id);
    waiting.delete(r.id);
    entry?.resolve(r);
  });
  w.on("error", (err) => fail(w, err));
  w.on("exit", (code) => fail(w, new Error(`the hashing worker exited with code ${code}`)));
  worker = w;
  return w;
}

/** A dead worker fails the jobs it had; the next job starts a new one. */
function fail(w: Worker, err: Error): void {
  if (worker !== w) return;
  worker = undefined;
  for (const [id, entry] of waiting) entry.resolve({ id, error: err.message });
  waiting.clear();
}

function ask(req: HasherRequest): Promise<HasherReply> {
  return new Promise((resolve) => {
    waiting.set(req.id, { resolve });
    getWorker().postMessage(req);
  });
}

export function startFileHash(fd: number): HashJob {
  const id = nextId++;
  const w = getWorker();
  if (active++ === 0) w.ref();
  let settled = false;
  const settle = () => {
    if (settled) return;
    settled = true;
    if (--active === 0) worker?.unref();
  };
  return {
    advance(upTo) {
      if (!settled) w.postMessage({ id, op: "advance", fd, upTo } satisfies HasherRequest);
    },
    async finish(size) {
      try {
        const r = await ask({ id, op: "finish", fd, upTo: size });
        if ("error" in r) throw new Error(`hashing failed: ${r.error}`);
        if (!("digest" in r)) throw new Error("hashing was aborted");
        return r.digest;
      } finally {
        settle();
      }
    },
    async abort() {
      if (settled) return;
      try {
        await ask({ id, op: "abort" });
      } finally {
        settle();
      }
    },
  };
}
