import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { createHash, randomBytes } from "node:crypto";
import { readdirSync, readlinkSync } from "node:fs";
import { request, type IncomingMessage } from "node:http";
import { join } from "node:path";
import { Writable } from "node:stream";
import { setTimeout as sleep } from "node:timers/promises";
import pino from "pino";
import { startTestServer, type TestServer } from "../harness/server.js";

const MiB = 1024 * 1024;

/** Descriptors of this process open on files under `dir`. */
function openUnder(dir: string): number {
  let n = 0;
  for (const fd of readdirSync("/proc/self/fd")) {
    try {
      if (readlinkSync(`/proc/self/fd/${fd}`).startsWith(`${dir}/`)) n++;
    } catch {
      // closed while listing
    }
  }
  return n;
}

function sha256(data: Buffer): string {
  return createHash("sha256").update(data).digest("hex");
}

/** GET with node:http so the test controls reading (pauses, early aborts). */
function get(s: TestServer, path: string, headers: Record<string, string> = {}): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => {
    request(`${s.url}${path}`, { headers: { authorization: `Bearer ${s.adminToken}`, ...headers } }, resolve)
      .on("error", reject)
      .end();
  });
}

async function body(res: IncomingMessage): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const c of res) parts.push(c as Buffer);
  return Buffer.concat(parts);
}

/**
 * Content stored as a blob file is sent from pooled buffers (src/server/blob-response.ts): these
 * tests prove the bytes, ranges, headers and logging are what a streamed body gave, that a buffer
 * is never reused while a slow client still needs it, and that an abandoned download closes its file.
 */
describe("blob file downloads", () => {
  let s: TestServer;
  let shareId: string;
  const lines: any[] = [];
  // 3.5 MiB + 123 B: three whole pool chunks and a ragged tail.
  const data = randomBytes(3 * MiB + MiB / 2 + 123);
  // Larger than what the loopback socket buffers hold (a few MiB each way), so a paused reader
  // really holds up the server's writes.
  const others = Array.from({ length: 4 }, () => randomBytes(20 * MiB + 7));
  const content = (name: string) => `/api/v1/shares/${shareId}/content?path=${encodeURIComponent(name)}`;

  before(async () => {
    const sink = new Writable({
      write(chunk, _enc, cb) {
        for (const l of chunk.toString().split("\n")) if (l.trim()) lines.push(JSON.parse(l));
        cb();
      },
    });
    s = await startTestServer({ logger: pino({ level: "info" }, sink) });
    shareId = (await s.api("POST", "/api/v1/shares", { json: { name: "Downloads" } })).body.id;
    const put = async (name: string, bytes: Buffer) => {
      const res = await fetch(`${s.url}${content(name)}`, {
        method: "PUT",
        headers: { authorization: `Bearer ${s.adminToken}` },
        body: new Uint8Array(bytes),
      });
      assert.equal(res.status, 201);
    };
    await put("/data.bin", data);
    for (const [i, bytes] of others.entries()) await put(`/other-${i}.bin`, bytes);
  });
  after(async () => s.close());

  test("the whole file, with its headers, and a log line for the request", async () => {
    const res = await get(s, content("/data.bin"));
    assert.equal(res.statusCode, 200);
    assert.equal(res.headers["content-length"], String(data.length));
    assert.equal(res.headers.etag, `"${sha256(data)}"`);
    assert.equal(res.headers["accept-ranges"], "bytes");
    assert.equal(res.headers["content-type"], "application/octet-stream");
    const requestId = res.headers["x-request-id"];
    assert.ok(typeof requestId === "string" && requestId.length > 0);
    assert.ok((await body(res)).equals(data));
    for (let i = 0; i < 50 && !lines.some((l) => l.req_id === requestId); i++) await sleep(10);
    const logged = lines.find((l) => l.req_id === requestId && l.msg === "request");
    assert.equal(logged?.status, 200);
    assert.equal(logged?.route, "/api/v1/shares/:share_id/content");
  });

  test("ranges across chunk boundaries, open-ended and suffix ranges", async () => {
    const cases: Array<[string, number, number]> = [
      [`bytes=${MiB - 5}-${2 * MiB + 5}`, MiB - 5, 2 * MiB + 5],
      [`bytes=${3 * MiB}-`, 3 * MiB, data.length - 1],
      ["bytes=-200", data.length - 200, data.length - 1],
      ["bytes=0-0", 0, 0],
    ];
    for (const [header, start, end] of cases) {
      const res = await get(s, content("/data.bin"), { range: header });
      assert.equal(res.statusCode, 206, header);
      assert.equal(res.headers["content-range"], `bytes ${start}-${end}/${data.length}`, header);
      assert.equal(res.headers["content-length"], String(end - start + 1), header);
      assert.ok((await body(res)).equals(data.subarray(start, end + 1)), header);
    }
  });

  test("HEAD sends the headers and no body", async () => {
    const res = await fetch(`${s.url}${content("/data.bin")}`, {
      method: "HEAD",
      headers: { authorization: `Bearer ${s.adminToken}` },
    });
    assert.equal(res.status, 200);
    assert.equal(res.headers.get("content-length"), String(data.length));
    assert.equal((await res.arrayBuffer()).byteLength, 0);
  });

  test("concurrent downloads, some read slowly, each get their own bytes", async () => {
    const downloads = others.map(async (bytes, i) => {
      const res = await get(s, content(`/other-${i}.bin`));
      assert.equal(res.statusCode, 200);
      if (i % 2 === 0) {
        // A paused reader fills the socket buffers, so the server's writes wait on this client
        // while the other downloads keep taking and returning pooled chunks.
        res.pause();
        await sleep(500);
        res.resume();
      }
      return body(res);
    });
    const got = await Promise.all(downloads);
    for (const [i, bytes] of got.entries()) assert.equal(sha256(bytes), sha256(others[i]), `other-${i}.bin`);
  });

  test("a client that goes away mid-download leaves no file open, and the next download is whole", async () => {
    const blobsDir = join(s.dataDir, "blobs");
    const baseline = openUnder(blobsDir);
    const res = await get(s, content("/other-0.bin"));
    assert.equal(res.statusCode, 200);
    await new Promise<void>((resolve) => res.once("data", () => resolve()));
    assert.ok(openUnder(blobsDir) > baseline, "the blob is open while it is sent");
    res.destroy();
    for (let i = 0; i < 200 && openUnder(blobsDir) > baseline; i++) await sleep(10);
    assert.equal(openUnder(blobsDir), baseline);
    const again = await get(s, content("/other-0.bin"));
    assert.equal(sha256(await body(again)), sha256(others[0]));
  });
});
