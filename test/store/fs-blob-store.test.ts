import assert from "node:assert/strict";
import { createHash, randomBytes } from "node:crypto";
import { mkdir, mkdtemp, readdir, rm, stat, utimes, writeFile } from "node:fs/promises";
import { spawn } from "node:child_process";
import { once } from "node:events";
import { createServer, request } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import { after, before, describe, test } from "node:test";
import { AppError } from "../../src/core/errors.js";
import { createFsBlobStore, type BlobStore } from "../../src/store/blobs/fs-blob-store.js";
import { readAll } from "../harness/read-stream.js";
import { sourcePath } from "../harness/repo-paths.js";

const sha = (buf: Buffer) => createHash("sha256").update(buf).digest("hex");

/** Every regular file under dir (relative paths), to prove nothing stray is left behind. */
async function filesUnder(dir: string, prefix = ""): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(dir, { withFileTypes: true }).catch(() => [])) {
    if (e.isDirectory()) out.push(...(await filesUnder(join(dir, e.name), `${prefix}${e.name}/`)));
    else out.push(prefix + e.name);
  }
  return out.sort();
}

function isAppError(code: string) {
  return (err: unknown) => err instanceof AppError && err.code === code;
}

describe("fs blob store", () => {
  let root: string;
  let n = 0;
  const fresh = async (): Promise<{ dir: string; store: BlobStore }> => {
    const dir = join(root, `s${n++}`);
    return { dir, store: createFsBlobStore(dir) };
  };

  before(async () => {
    root = await mkdtemp(join(tmpdir(), "scaidrive-blobs-"));
  });
  after(async () => {
    await rm(root, { recursive: true, force: true });
  });

  test("put streams content in, names it by SHA-256 and reads it back", async () => {
    const { dir, store } = await fresh();
    const data = randomBytes(3 * 1024 * 1024 + 17);
    const blob = await store.put(Readable.from([data.subarray(0, 1000), data.subarray(1000)]));
    assert.equal(blob.sha256, sha(data));
    assert.equal(blob.size, data.length);
    blob.release();
    assert.deepEqual(await filesUnder(dir), [`${blob.sha256.slice(0, 2)}/${blob.sha256}`]);
    assert.equal(await store.has(blob.sha256), true);
    assert.equal(await store.size(blob.sha256), data.length);
    assert.ok((await readAll(store.open(blob.sha256))).equals(data));
  });

  test("accepts async iterables and empty content", async () => {
    const { store } = await fresh();
    async function* gen() {
      yield new Uint8Array([1, 2, 3]);
      yield new Uint8Array([4]);
    }
    const blob = await store.put(gen());
    assert.equal(blob.sha256, sha(Buffer.from([1, 2, 3, 4])));
    const empty = await store.put(Readable.from([]));
    assert.equal(empty.sha256, sha(Buffer.alloc(0)));
    assert.equal(empty.size, 0);
    assert.equal((await readAll(store.open(empty.sha256))).length, 0);
  });

  test("a temp dir removed behind the store's back is recreated", async () => {
    const { dir, store } = await fresh();
    (await store.put(Readable.from([Buffer.from("first")]))).release();
    await rm(join(dir, "tmp"), { recursive: true });
    const blob = await store.put(Readable.from([Buffer.from("second")]));
    assert.equal(blob.sha256, sha(Buffer.from("second")));
    assert.equal(await store.has(blob.sha256), true);
  });

  test("range reads are inclusive, clamp the end and reject ranges past the content", async () => {
    const { store } = await fresh();
    const data = randomBytes(5000);
    const { sha256 } = await store.put(Readable.from([data]));
    assert.ok((await readAll(store.open(sha256, { start: 0, end: 0 }))).equals(data.subarray(0, 1)));
    assert.ok((await readAll(store.open(sha256, { start: 10, end: 19 }))).equals(data.subarray(10, 20)));
    assert.ok((await readAll(store.open(sha256, { start: 4990, end: 999_999 }))).equals(data.subarray(4990)));
    assert.throws(() => store.open(sha256, { start: 5000, end: 5001 }), isAppError("RANGE_NOT_SATISFIABLE"));
    assert.throws(() => store.open(sha256, { start: 20, end: 10 }), isAppError("RANGE_NOT_SATISFIABLE"));
    assert.throws(() => store.open(sha256, { start: -1, end: 10 }), isAppError("RANGE_NOT_SATISFIABLE"));
  });

  test("missing or malformed digests are NOT_FOUND, never a path outside the store", async () => {
    const { store } = await fresh();
    assert.throws(() => store.open("0".repeat(64)), isAppError("NOT_FOUND"));
    assert.throws(() => store.open("../../etc/passwd"), isAppError("NOT_FOUND"));
    assert.throws(() => store.open("A".repeat(64)), isAppError("NOT_FOUND"));
    assert.equal(await store.has("../x"), false);
    assert.equal(await store.has("f".repeat(64)), false);
    await assert.rejects(store.size("f".repeat(64)), isAppError("NOT_FOUND"));
  });

  test("identical content is stored once, also when the puts run concurrently", async () => {
    const { dir, store } = await fresh();
    const data = randomBytes(2 * 1024 * 1024);
    const blobs = await Promise.all(
      Array.from({ length: 6 }, () => store.put(Readable.from([data.subarray(0, 12345), data.subarray(12345)]))),
    );
    assert.equal(new Set(blobs.map((b) => b.sha256)).size, 1);
    const again = await store.put(Readable.from([data]));
    assert.equal(again.sha256, blobs[0].sha256);
    assert.deepEqual(await filesUnder(dir), [`${again.sha256.slice(0, 2)}/${again.sha256}`]);
    assert.ok((await readAll(store.open(again.sha256))).equals(data));
  });

  test("a source that errors midway leaves no temp file and no blob", async () => {
    const { dir, store } = await fresh();
    let sent = 0;
    const failing = new Readable({
      read() {
        if (sent >= 4) {
          this.destroy(new Error("client went away"));
          return;
        }
        sent += 1;
        this.push(randomBytes(256 * 1024));
      },
    });
    await assert.rejects(store.put(failing), /client went away/);
    assert.deepEqual(await filesUnder(dir), []);
  });

  test("a source closed early without an error also fails the put and leaves nothing", async () => {
    const { dir, store } = await fresh();
    let sent = 0;
    const closing = new Readable({
      read() {
        if (sent++ >= 3) this.destroy();
        else this.push(randomBytes(128 * 1024));
      },
    });
    await assert.rejects(store.put(closing), { code: "ERR_STREAM_PREMATURE_CLOSE" });
    assert.deepEqual(await filesUnder(dir), []);
  });

  test("PAYLOAD_TOO_LARGE leaves the caller's stream alive, so an HTTP server can still answer 413", async () => {
    const { dir, store } = await fresh();
    const server = createServer((req, res) => {
      store.put(req, { maxBytes: 256 * 1024 }).then(
        (blob) => {
          blob.release();
          res.writeHead(201).end();
        },
        (err: unknown) => {
          const code = err instanceof AppError ? err.code : "INTERNAL";
          res
            .writeHead(code === "PAYLOAD_TOO_LARGE" ? 413 : 500, { connection: "close" })
            .end(JSON.stringify({ code, destroyed: req.destroyed }));
        },
      );
    });
    try {
      await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
      const { port } = server.address() as AddressInfo;
      const answer = await new Promise<{ status: number; body: string }>((resolve, reject) => {
        // Chunked, so the size is only known once the limit is crossed mid-stream.
        const client = request({ port, host: "127.0.0.1", method: "PUT", path: "/" }, (res) => {
          let body = "";
          res.setEncoding("utf8").on("data", (d: string) => (body += d));
          res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
        });
        client.on("error", reject);
        for (let i = 0; i < 8; i++) client.write(randomBytes(64 * 1024));
        client.end();
      });
      assert.equal(answer.status, 413);
      assert.deepEqual(JSON.parse(answer.body), { code: "PAYLOAD_TOO_LARGE", destroyed: false });
      assert.deepEqual(await filesUnder(dir), []);
    } finally {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    }
  });

  test("an HTTP client that disconnects halfway through the upload leaves nothing behind", async () => {
    const { dir, store } = await fresh();
    let halfway!: () => void;
    const sawHalf = new Promise<void>((r) => (halfway = r));
    let outcome!: (v: unknown) => void;
    const settled = new Promise<unknown>((r) => (outcome = r));
    const server = createServer((req) => {
      let seen = 0;
      req.on("data", (c: Buffer) => {
        seen += c.length;
        if (seen >= 512 * 1024) halfway();
      });
      store.put(req).then(() => outcome("stored"), outcome);
    });
    try {
      await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
      const { port } = server.address() as AddressInfo;
      const client = request({
        port,
        host: "127.0.0.1",
        method: "PUT",
        path: "/",
        headers: { "content-length": 8 * 1024 * 1024 },
      });
      client.on("error", () => undefined);
      client.write(randomBytes(1024 * 1024));
      await sawHalf;
      client.destroy();
      const result = await settled;
      assert.ok(result instanceof Error, `put should fail, got ${String(result)}`);
      assert.deepEqual(await filesUnder(dir), []);
    } finally {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    }
  });

  test("a process killed mid-put leaves only a temp file, which GC removes once stale", async () => {
    const { dir } = await fresh();
    const storeModule = sourcePath(import.meta.url, "../../src/store/blobs/fs-blob-store.ts");
    const script = join(root, `killed-put-${n}.mts`);
    await writeFile(
      script,
      `import { createFsBlobStore } from ${JSON.stringify(storeModule)};
      const store = createFsBlobStore(${JSON.stringify(dir)});
      async function* slow() {
        for (;;) {
          yield new Uint8Array(256 * 1024).fill(7);
          await new Promise((r) => setTimeout(r, 20));
        }
      }
      await store.put(slow());`,
    );
    const child = spawn(process.execPath, ["--import", "tsx", script], { stdio: "ignore", timeout: 60_000 });
    const exited = once(child, "exit");
    try {
      let temp: string | undefined;
      for (let i = 0; i < 600 && !temp; i++) {
        await new Promise((r) => setTimeout(r, 50));
        for (const name of await readdir(join(dir, "tmp")).catch(() => [] as string[])) {
          if ((await stat(join(dir, "tmp", name))).size >= 1024 * 1024) temp = join(dir, "tmp", name);
        }
      }
      assert.ok(temp, "the child should have written a temp file");
      process.kill(child.pid!, "SIGKILL");
      await exited;

      assert.deepEqual(await filesUnder(dir), [`tmp/${temp.split("/").at(-1)}`]);
      const store = createFsBlobStore(dir);
      assert.deepEqual(await store.collectGarbage(async () => false), { removed: 0, bytes: 0 });
      assert.ok((await stat(temp)).isFile(), "a young temp file may belong to a live upload");
      const twoHoursAgo = new Date(Date.now() - 2 * 60 * 60 * 1000);
      await utimes(temp, twoHoursAgo, twoHoursAgo);
      await store.collectGarbage(async () => false);
      assert.deepEqual(await filesUnder(dir), []);
    } finally {
      if (child.exitCode === null && child.signalCode === null) process.kill(child.pid!, "SIGKILL");
      await exited;
    }
  });

  test("an aborted signal fails the put and removes the temp file", async () => {
    const { dir, store } = await fresh();
    const controller = new AbortController();
    async function* slow() {
      yield randomBytes(1024);
      controller.abort();
      await new Promise((r) => setTimeout(r, 20));
      yield randomBytes(1024);
    }
    await assert.rejects(store.put(slow(), { signal: controller.signal }), { name: "AbortError" });
    assert.deepEqual(await filesUnder(dir), []);
  });

  test("maxBytes allows exactly the limit and rejects one byte more with PAYLOAD_TOO_LARGE", async () => {
    const { dir, store } = await fresh();
    const data = randomBytes(100_000);
    const ok = await store.put(Readable.from([data]), { maxBytes: 100_000 });
    assert.equal(ok.size, 100_000);
    ok.release();
    const bigger = Buffer.concat([data, Buffer.from([7])]);
    await assert.rejects(store.put(Readable.from([bigger]), { maxBytes: 100_000 }), isAppError("PAYLOAD_TOO_LARGE"));
    assert.equal(await store.has(sha(bigger)), false);
    assert.deepEqual(await filesUnder(dir), [`${ok.sha256.slice(0, 2)}/${ok.sha256}`]);
  });

  test("garbage collection removes only unreferenced, unpinned blobs and stale temp files", async () => {
    const { dir, store } = await fresh();
    const [a, b, c] = [randomBytes(1000), randomBytes(2000), randomBytes(3000)];
    const blobA = await store.put(Readable.from([a]));
    const blobB = await store.put(Readable.from([b]));
    const blobC = await store.put(Readable.from([c]));
    blobA.release();
    blobB.release();
    // blobC stays pinned: its DB row is "not yet committed".
    await store.put(Readable.from([Buffer.from("warm up tmp dir")])).then((x) => x.release());
    const staleTemp = join(dir, "tmp", "stale.part");
    const freshTemp = join(dir, "tmp", "fresh.part");
    await writeFile(staleTemp, "left by a crash");
    await writeFile(freshTemp, "an upload in flight");
    const twoHoursAgo = new Date(Date.now() - 2 * 60 * 60 * 1000);
    await utimes(staleTemp, twoHoursAgo, twoHoursAgo);

    const asked: string[] = [];
    const result = await store.collectGarbage(async (s) => {
      asked.push(s);
      return s === blobA.sha256;
    });
    assert.ok(!asked.includes(blobC.sha256), "pinned blobs are not even considered");
    assert.equal(await store.has(blobA.sha256), true);
    assert.equal(await store.has(blobB.sha256), false);
    assert.equal(await store.has(blobC.sha256), true);
    assert.equal(result.removed, 2); // blobB and the "warm up" blob
    assert.equal(result.bytes, 2000 + "warm up tmp dir".length);
    await assert.rejects(stat(staleTemp), { code: "ENOENT" });
    assert.ok((await stat(freshTemp)).isFile());

    blobC.release();
    blobC.release(); // idempotent
    const second = await store.collectGarbage(async (s) => s === blobA.sha256);
    assert.deepEqual(second, { removed: 1, bytes: 3000 });
    assert.equal(await store.has(blobC.sha256), false);
    assert.equal(await store.has(blobA.sha256), true);
  });

  test("blobs of the older two-level layout (ab/cd/<sha256>) are still read and collected", async () => {
    const { dir, store } = await fresh();
    const kept = randomBytes(5000);
    const dropped = randomBytes(700);
    for (const data of [kept, dropped]) {
      const h = sha(data);
      await mkdir(join(dir, h.slice(0, 2), h.slice(2, 4)), { recursive: true });
      await writeFile(join(dir, h.slice(0, 2), h.slice(2, 4), h), data);
    }
    assert.equal(await store.has(sha(kept)), true);
    assert.equal(await store.size(sha(kept)), kept.length);
    assert.ok((await readAll(store.open(sha(kept), { start: 10, end: 4999 }))).equals(kept.subarray(10)));
    // A new put of the same content lands in the current layout; reads keep working either way.
    const again = await store.put(Readable.from([kept]));
    again.release();
    assert.ok((await filesUnder(dir)).includes(`${again.sha256.slice(0, 2)}/${again.sha256}`));

    const result = await store.collectGarbage(async (s) => s === sha(kept));
    assert.deepEqual(result, { removed: 1, bytes: dropped.length });
    assert.equal(await store.has(sha(dropped)), false);
    assert.ok((await readAll(store.open(sha(kept)))).equals(kept));
    assert.ok(
      (await filesUnder(dir)).includes(`${sha(kept).slice(0, 2)}/${sha(kept).slice(2, 4)}/${sha(kept)}`),
      "a referenced legacy copy stays",
    );
  });

  test("a reference check that throws stops collection without deleting", async () => {
    const { store } = await fresh();
    const blob = await store.put(Readable.from([randomBytes(10)]));
    blob.release();
    await assert.rejects(
      store.collectGarbage(async () => {
        throw new Error("database unavailable");
      }),
      /database unavailable/,
    );
    assert.equal(await store.has(blob.sha256), true);
  });

  test("a put racing a collection of the same content always ends with the blob present while pinned", async () => {
    const { store } = await fresh();
    const data = randomBytes(64 * 1024);
    for (let i = 0; i < 20; i++) {
      const seeded = await store.put(Readable.from([data]));
      seeded.release();
      const gc = store.collectGarbage(async () => {
        await new Promise((r) => setTimeout(r, i % 3));
        return false;
      });
      const blob = await store.put(Readable.from([data]));
      await gc;
      assert.equal(await store.has(blob.sha256), true, `round ${i}`);
      assert.ok((await readAll(store.open(blob.sha256))).equals(data));
      blob.release();
    }
  });

  test("a stream opened before the blob is collected still reads the whole content", async () => {
    const { store } = await fresh();
    const data = randomBytes(3 * 1024 * 1024);
    const blob = await store.put(Readable.from([data]));
    blob.release();
    const reader = store.open(blob.sha256);
    await store.collectGarbage(async () => false);
    assert.equal(await store.has(blob.sha256), false);
    assert.ok((await readAll(reader)).equals(data));
  });
});
