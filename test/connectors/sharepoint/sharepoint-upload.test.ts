/**
 * Uploads and throttling against the emulator: a 10 MiB file through an upload session whose
 * second fragment is dropped (connection reset) and resumed from `nextExpectedRanges`, and a
 * whole round of operations completing while 20 % of Graph, download and upload requests answer 429.
 * Sizes: SCAIDRIVE_SP_UPLOAD_MIB overrides the 10 MiB while developing.
 */
import { describe, test, before, after } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { Readable } from "node:stream";
import type { GraphEmulator } from "../../emulators/graph/emulator.js";
import type { SharePointRemote } from "../../../src/connectors/sharepoint/sharepoint-remote.js";
import { FRAGMENT_UNIT } from "../../../src/connectors/sharepoint/sharepoint-upload.js";
import { control, freshFolder, readAll, remoteFor, startEmulator } from "./sharepoint-test-kit.js";

const MIB = 1024 * 1024;

/** `size` deterministic bytes in 64 KiB chunks, hashing what it hands out. */
function generated(size: number, seed: number): { stream: Readable; sha256: () => string } {
  const hash = createHash("sha256");
  let sent = 0;
  const stream = new Readable({
    read() {
      if (sent >= size) return void this.push(null);
      const n = Math.min(64 * 1024, size - sent);
      const b = Buffer.alloc(n);
      for (let i = 0; i < n; i++) b[i] = ((sent + i) * 131 + seed + ((sent + i) >> 12)) & 0xff;
      sent += n;
      hash.update(b);
      this.push(b);
    },
  });
  return { stream, sha256: () => hash.digest("hex") };
}

async function sha256Of(stream: Readable): Promise<string> {
  const h = createHash("sha256");
  for await (const c of stream) h.update(c as Buffer);
  return h.digest("hex");
}

describe("SharePoint uploads and throttling", () => {
  let emu: GraphEmulator;
  let remote: SharePointRemote;
  const size = Number(process.env.SCAIDRIVE_SP_UPLOAD_MIB ?? 10) * MIB;

  before(async () => {
    emu = await startEmulator();
    remote = remoteFor(emu, await freshFolder(emu, "uploads"));
  });
  after(async () => {
    await control(emu, "faults", {}, "DELETE").catch(() => undefined);
    await emu.close();
  });

  test(`a ${size / MIB} MiB file goes through an upload session; a dropped fragment is resumed`, async () => {
    await control(emu, "counters", {}, "DELETE");
    // The first fragment PUT passes (a no-delay "slow" rule spends itself on it); the second is reset.
    await control(emu, "faults", { kind: "slow", path: "^/_upload/", method: "PUT", count: 1, delayMs: 1 });
    const reset = await control<{ id: string }>(emu, "faults", {
      kind: "reset",
      path: "^/_upload/",
      method: "PUT",
      count: 1,
    });
    const mtime = Date.UTC(2025, 5, 1, 12, 0, 0);
    const src = generated(size, 7);
    const entry = await remote.write("big.bin", src.stream, { size, mtimeMs: mtime, ifMatchFingerprint: null });
    assert.equal(entry.size, size);
    assert.equal(entry.mtimeMs, mtime, "fileSystemInfo set in the session request");
    assert.ok(entry.hashes?.quickXorHash);
    const faults = (await control<{ value: Array<{ id: string; fired: number }> }>(emu, "faults", undefined, "GET"))
      .value;
    assert.equal(faults.find((f) => f.id === reset.id)?.fired, 1, "the reset fired");
    const counters = await control<Record<string, number>>(emu, "counters", undefined, "GET");
    const fragments = Math.ceil(size / (10 * FRAGMENT_UNIT));
    assert.equal(
      counters["POST /drives/{drive-id}/root:/{path}:/createUploadSession"] ??
        Object.entries(counters).find(([k]) => k.includes("createUploadSession"))?.[1],
      1,
    );
    const puts = Object.entries(counters)
      .filter(([k]) => k.startsWith("PUT /_upload"))
      .reduce((n, [, v]) => n + v, 0);
    assert.equal(puts, fragments + 1, `one fragment re-sent: ${JSON.stringify(counters)}`);
    const probes = Object.entries(counters)
      .filter(([k]) => k.startsWith("GET /_upload"))
      .reduce((n, [, v]) => n + v, 0);
    assert.equal(probes, 1, "asked nextExpectedRanges once");
    assert.equal(await sha256Of(await remote.read("big.bin")), src.sha256(), "content intact");
    const versions = await remote.versions("big.bin");
    assert.deepEqual(versions, [], "one version: no extra version for the modification time");
    await control(emu, "faults", {}, "DELETE");
  });

  test("an upload session's source that ends short commits nothing and cancels the session", async () => {
    const src = generated(5 * MIB, 3);
    await assert.rejects(remote.write("short.bin", src.stream, { size: 6 * MIB, mtimeMs: Date.now() }));
    await assert.rejects(remote.stat("short.bin"), (e: unknown) => (e as { kind?: string }).kind === "not_found");
  });

  test("everything completes while 20 % of requests answer 429 with Retry-After", async () => {
    // The first request is always throttled, whatever the draw; then 20 % at random.
    await control(emu, "faults", { kind: "429", path: "^/(v1\\.0|_download|_upload)/", count: 1, retryAfterSec: 1 });
    await control(emu, "faults", {
      kind: "429",
      path: "^/(v1\\.0|_download|_upload)/",
      fraction: 0.2,
      retryAfterSec: 1,
    });
    await remote.mkdir("throttled/a/b");
    const files = ["one", "two", "three", "four", "five", "six"];
    for (const f of files) {
      const data = Buffer.from(`content of ${f}`);
      await remote.write(`throttled/a/${f}.txt`, Readable.from([data]), { size: data.length, mtimeMs: Date.now() });
    }
    const mid = generated(5 * MIB, 11);
    await remote.write("throttled/a/b/mid.bin", mid.stream, { size: 5 * MIB, mtimeMs: Date.now() });
    const seen = [];
    for await (const e of remote.walk("throttled")) seen.push(e.path);
    assert.equal(seen.length, files.length + 3);
    for (const f of files)
      assert.equal((await readAll(await remote.read(`throttled/a/${f}.txt`))).toString(), `content of ${f}`);
    assert.equal(await sha256Of(await remote.read("throttled/a/b/mid.bin")), mid.sha256());
    let pages = 0;
    for await (const _p of remote.changes(null)) pages++;
    assert.ok(pages >= 1);
    await remote.move("throttled/a/one.txt", "throttled/a/b/one.txt");
    await remote.delete("throttled/a/two.txt");
    const faults = (await control<{ value: Array<{ id: string; fired: number }> }>(emu, "faults", undefined, "GET"))
      .value;
    assert.equal(faults.length, 2);
    assert.equal(faults[0].fired, 1, `the first request was throttled: ${JSON.stringify(faults)}`);
    await control(emu, "faults", {}, "DELETE");
  });
});
