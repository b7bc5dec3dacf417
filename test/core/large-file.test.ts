import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { createHash, randomBytes } from "node:crypto";
import { request } from "node:http";
import { startTestServer, type TestServer } from "../harness/server.js";

/** 1 GiB as the issue asks; SCAIDRIVE_TEST_LARGE_BYTES sizes it down while iterating. */
const SIZE = Number(process.env.SCAIDRIVE_TEST_LARGE_BYTES ?? 1024 ** 3);
const CHUNK = 1024 * 1024;

/** Deterministic pseudo-random content produced chunk by chunk (never held in memory at once). */
function* chunks(total: number): Generator<Buffer> {
  const base = randomBytes(CHUNK);
  for (let off = 0, i = 0; off < total; off += CHUNK, i++) {
    const n = Math.min(CHUNK, total - off);
    const c = Buffer.allocUnsafe(n);
    base.copy(c, 0, 0, n);
    if (n >= 8) c.writeBigUInt64LE(BigInt(i), 0);
    yield c;
  }
}

describe("large file streaming", () => {
  let s: TestServer;
  let shareId: string;
  before(async () => {
    s = await startTestServer();
    shareId = (await s.api("POST", "/api/v1/shares", { json: { name: "Large" } })).body.id;
  });
  after(async () => s.close());

  test(`upload and download of ${SIZE} bytes keep the SHA-256`, { timeout: 30 * 60 * 1000 }, async () => {
    const url = new URL(`${s.url}/api/v1/shares/${shareId}/content?path=${encodeURIComponent("/big/blob.bin")}`);
    const sent = createHash("sha256");
    const uploaded = await new Promise<any>((resolve, reject) => {
      const req = request(
        url,
        {
          method: "PUT",
          headers: {
            authorization: `Bearer ${s.adminToken}`,
            "content-type": "application/octet-stream",
            "content-length": SIZE,
          },
        },
        (res) => {
          let text = "";
          res.setEncoding("utf8");
          res.on("data", (d: string) => (text += d));
          res.on("end", () => resolve({ status: res.statusCode, body: JSON.parse(text) }));
        },
      );
      req.on("error", reject);
      const gen = chunks(SIZE);
      const pump = () => {
        for (;;) {
          const next = gen.next();
          if (next.done) return void req.end();
          sent.update(next.value);
          if (!req.write(next.value)) return void req.once("drain", pump);
        }
      };
      pump();
    });
    const expected = sent.digest("hex");
    assert.equal(uploaded.status, 201, JSON.stringify(uploaded.body));
    assert.equal(uploaded.body.size, SIZE);
    assert.equal(uploaded.body.sha256, expected);

    const got = createHash("sha256");
    let bytes = 0;
    const res = await fetch(url, { headers: { authorization: `Bearer ${s.adminToken}` } });
    assert.equal(res.status, 200);
    assert.equal(Number(res.headers.get("content-length")), SIZE);
    for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
      got.update(chunk);
      bytes += chunk.byteLength;
    }
    assert.equal(bytes, SIZE);
    assert.equal(got.digest("hex"), expected);

    // A range at the far end comes from the same stored bytes.
    const tail = await fetch(url, {
      headers: { authorization: `Bearer ${s.adminToken}`, range: `bytes=${SIZE - 16}-` },
    });
    assert.equal(tail.status, 206);
    assert.equal((await tail.arrayBuffer()).byteLength, 16);
  });
});
