import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { pino } from "pino";
import { startSecondNode, startTestServer, type TestServer } from "../harness/server.js";
import { DbUploadLocker } from "../../src/core/upload-locker.js";

const q = encodeURIComponent;
const b64 = (s: string) => Buffer.from(s).toString("base64");

/**
 * Resumable uploads on two nodes (two app instances on one PostgreSQL database and one data
 * directory), as a round-robin load balancer spreads a client's requests: created and partly
 * written on A, finished on B, answered and readable on both; the upload's lock is shared.
 */
describe("tus uploads across nodes sharing PostgreSQL and the data directory", () => {
  let a: TestServer;
  let b: TestServer;
  let shareId: string;
  before(async () => {
    a = await startTestServer({ dialect: "postgres" });
    b = await startSecondNode(a);
    shareId = (await a.api("POST", "/api/v1/shares", { json: { name: "Tus nodes" } })).body.id;
  });
  after(async () => {
    await b?.close();
    await a?.close();
  });

  const tusHeaders = (s: TestServer, extra: Record<string, string> = {}) => ({
    authorization: `Bearer ${s.adminToken}`,
    "tus-resumable": "1.0.0",
    ...extra,
  });

  async function create(s: TestServer, path: string, size: number): Promise<string> {
    const r = await fetch(`${s.url}/api/v1/uploads`, {
      method: "POST",
      headers: tusHeaders(s, {
        "upload-length": String(size),
        "upload-metadata": `share_id ${b64(shareId)},path ${b64(path)}`,
      }),
    });
    assert.equal(r.status, 201, await r.text());
    return new URL(r.headers.get("location")!, s.url).pathname;
  }

  async function patch(s: TestServer, upload: string, offset: number, body: Buffer): Promise<Response> {
    return fetch(`${s.url}${upload}`, {
      method: "PATCH",
      headers: tusHeaders(s, {
        "upload-offset": String(offset),
        "content-type": "application/offset+octet-stream",
      }),
      body: new Uint8Array(body),
    });
  }

  async function offsetOn(s: TestServer, upload: string): Promise<number> {
    const r = await fetch(`${s.url}${upload}`, { method: "HEAD", headers: tusHeaders(s) });
    assert.equal(r.status, 200);
    return Number(r.headers.get("upload-offset"));
  }

  async function download(s: TestServer, path: string): Promise<Buffer> {
    const r = await fetch(`${s.url}/api/v1/shares/${shareId}/content?path=${q(path)}`, {
      headers: { authorization: `Bearer ${s.adminToken}` },
    });
    assert.equal(r.status, 200);
    return Buffer.from(await r.arrayBuffer());
  }

  test("created and partly written on A, finished on B; HEAD and the content agree on both", async () => {
    const data = randomBytes(3 * 1024 * 1024 + 123);
    const cut = 1024 * 1024 + 7;
    const upload = await create(a, "/resumed.bin", data.length);
    const first = await patch(a, upload, 0, data.subarray(0, cut));
    assert.equal(first.status, 204);
    assert.equal(Number(first.headers.get("upload-offset")), cut);
    assert.equal(await offsetOn(b, upload), cut, "B sees what A received");

    const last = await patch(b, upload, cut, data.subarray(cut));
    assert.equal(last.status, 204, await last.text());
    assert.ok(last.headers.get("scaidrive-node-id"), "B committed the version");
    assert.equal(await offsetOn(a, upload), data.length);
    assert.equal(await offsetOn(b, upload), data.length);
    assert.deepEqual(await download(a, "/resumed.bin"), data);
    assert.deepEqual(await download(b, "/resumed.bin"), data);
    const locks = await a.built.context.db.selectFrom("upload_locks").selectAll().execute();
    assert.deepEqual(locks, [], "no lock left behind");
  });

  test("a PATCH on B while A holds the upload's lock asks A to let go, then proceeds", async () => {
    const data = randomBytes(64 * 1024);
    const upload = await create(a, "/locked.bin", data.length);
    const id = upload.split("/").pop()!;
    const lockA = a.built.context.uploadLocker!.newLock(id);
    let releasedAt = 0;
    await lockA.lock(new AbortController().signal, async () => {
      // What tus does when asked: cancel the request, which unlocks.
      releasedAt = Date.now();
      await lockA.unlock();
    });
    const res = await patch(b, upload, 0, data);
    assert.equal(res.status, 204, await res.text());
    assert.ok(releasedAt > 0, "A was asked to release the lock");
    assert.deepEqual(await download(a, "/locked.bin"), data);
  });

  test("a waiter in the holder's own process asks it directly, not through its renewal", async () => {
    // Renewals (which would carry the request through the database) never come in this test.
    const locker = new DbUploadLocker(a.built.context.db, pino({ level: "silent" }), {
      renewMs: 60_000,
      acquireTimeoutMs: 5000,
    });
    const id = "upl_01ARZ3NDEKTSV4RRFFQ69G5FAV";
    const first = locker.newLock(id);
    let asked = 0;
    await first.lock(new AbortController().signal, async () => {
      asked++;
      await first.unlock();
    });
    const second = locker.newLock(id);
    await second.lock(new AbortController().signal, () => undefined);
    assert.equal(asked, 1);
    await second.unlock();
    const rows = await a.built.context.db.selectFrom("upload_locks").selectAll().where("upload_id", "=", id).execute();
    assert.deepEqual(rows, []);
  });

  test("a lock left by a node that died is taken once its lease runs out", async () => {
    const data = randomBytes(32 * 1024);
    const upload = await create(b, "/orphan-lock.bin", data.length);
    const id = upload.split("/").pop()!;
    const leaseEnd = Date.now() + 1500;
    await a.built.context.db
      .insertInto("upload_locks")
      .values({
        upload_id: id,
        holder: "dead-node",
        expires_at: new Date(leaseEnd).toISOString(),
        release_requested: 0,
      })
      .execute();
    const res = await patch(a, upload, 0, data);
    assert.equal(res.status, 204, await res.text());
    assert.ok(Date.now() >= leaseEnd, "waited for the dead holder's lease");
    assert.deepEqual(await download(b, "/orphan-lock.bin"), data);
  });
});
