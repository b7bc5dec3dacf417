import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { connect, type Socket } from "node:net";
import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { setTimeout as delay } from "node:timers/promises";
import { startTestServer, type TestServer } from "../harness/server.js";
import type { RouteModule } from "../../src/server/app-types.js";
import { captureLogs, type LogCapture } from "./log-capture.js";

/** A connection whose writes are under the test's control, collecting what the server sends. */
function openConnection(port: number): Promise<{ socket: Socket; received: () => string; closed: Promise<void> }> {
  return new Promise((resolve, reject) => {
    const socket = connect({ port, host: "127.0.0.1" });
    const chunks: Buffer[] = [];
    socket.on("data", (c) => chunks.push(c));
    socket.on("error", () => {});
    const closed = new Promise<void>((r) => socket.once("close", () => r()));
    socket.once("connect", () => resolve({ socket, received: () => Buffer.concat(chunks).toString("latin1"), closed }));
    socket.once("error", reject);
  });
}

function parse(raw: string): { status: number; headers: Record<string, string>; body: string } {
  const end = raw.indexOf("\r\n\r\n");
  const [statusLine, ...lines] = raw.slice(0, end).split("\r\n");
  const headers: Record<string, string> = {};
  for (const l of lines) headers[l.slice(0, l.indexOf(":")).toLowerCase()] = l.slice(l.indexOf(":") + 1).trim();
  return { status: Number(statusLine!.split(" ")[1]), headers, body: raw.slice(end + 4) };
}

const files = (dir: string) => (existsSync(dir) ? readdirSync(dir) : []);

/** Every file under `dir` (recursively). */
function allFiles(dir: string, out: string[] = []): string[] {
  if (!existsSync(dir)) return out;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    if (e.isDirectory()) allFiles(join(dir, e.name), out);
    else out.push(join(dir, e.name));
  }
  return out;
}

/** Test-only routes: one that takes its time answering. */
const slowRoutes: RouteModule = (app) => {
  app.post("/api/v1/test-slow", { config: { public: true } }, async () => {
    await delay(2_500);
    return { done: true };
  });
};

describe(
  "timeouts: stalled uploads, slow headers and bodies; slow work and slow-but-steady uploads are fine",
  { timeout: 120_000 },
  () => {
    let s: TestServer;
    let logs: LogCapture;
    let port: number;
    let shareId: string;
    const IDLE = 1_000;
    before(async () => {
      logs = captureLogs("info");
      s = await startTestServer({
        logger: logs.logger,
        plugins: [slowRoutes],
        config: { uploadIdleTimeoutMs: IDLE, headersTimeoutMs: 1_000, requestTimeoutMs: 1_500 },
      });
      port = Number(new URL(s.url).port);
      shareId = (await s.api("POST", "/api/v1/shares", { json: { name: "Timeouts" } })).body.id;
    });
    after(async () => s.close());

    const uploadHead = (path: string, length: number) =>
      `PUT /api/v1/shares/${shareId}/content?path=${encodeURIComponent(path)} HTTP/1.1\r\nHost: ` +
      `x\r\nAuthorization: Bearer ${s.adminToken}\r\nContent-Length: ${length}\r\n\r\n`;

    test(
      "an upload body that stops arriving: 408 REQUEST_TIMEOUT, logged with the bytes received, nothing kept",
      { timeout: 30_000 },
      async () => {
        const tmpDir = join(s.dataDir, "blobs", "tmp");
        const blobsBefore = allFiles(join(s.dataDir, "blobs")).sort();
        const c = await openConnection(port);
        const sent = 1024 * 1024;
        c.socket.write(uploadHead("/stalled.bin", 8 * 1024 * 1024));
        c.socket.write(Buffer.alloc(sent, 1));
        // ... and nothing more: the connection stays open, silent.
        await c.closed;
        const res = parse(c.received());
        assert.equal(res.status, 408);
        assert.equal(res.headers.connection, "close");
        const body = JSON.parse(res.body);
        assert.equal(body.error.code, "REQUEST_TIMEOUT");
        assert.equal(body.error.details.bytes_received, sent);

        const stalled = logs.lines.filter((l) => /stalled/.test(l.msg));
        assert.equal(stalled.length, 1);
        assert.equal(stalled[0].level, 40);
        assert.equal(stalled[0].bytes_received, sent);
        assert.equal(stalled[0].req_id, res.headers["x-request-id"]);
        assert.ok(!logs.lines.some((l) => l.level >= 50), "nothing at error level");
        const access = logs.lines.filter((l) => l.msg === "request" && l.req_id === res.headers["x-request-id"]);
        assert.equal(access.length, 1);
        assert.equal(access[0].status, 408);

        for (let i = 0; files(tmpDir).length > 0; i++) {
          assert.ok(i < 600, "the temp file stays");
          await delay(50);
        }
        assert.deepEqual(allFiles(join(s.dataDir, "blobs")).sort(), blobsBefore);
        assert.equal((await s.api("GET", `/api/v1/shares/${shareId}/files/stat?path=/stalled.bin`)).status, 404);
        const versions = await s.built.context.db
          .selectFrom("versions")
          .select((eb) => eb.fn.countAll().as("n"))
          .executeTakeFirstOrThrow();
        assert.equal(Number(versions.n), 0);
      },
    );

    test("a slow upload that keeps sending outlasts the idle and the whole-request timeouts", async () => {
      const c = await openConnection(port);
      const pieces = 30;
      const piece = Buffer.alloc(10_000, 2);
      c.socket.write(uploadHead("/slow.bin", pieces * piece.length));
      // 30 pieces, 100 ms apart: well past the 1.5 s request timeout, never idle for 1 s.
      for (let i = 0; i < pieces; i++) {
        c.socket.write(piece);
        await delay(100);
      }
      for (let i = 0; !c.received().includes("\r\n\r\n{"); i++) {
        assert.ok(i < 600, "no answer");
        await delay(50);
      }
      c.socket.destroy();
      const res = parse(c.received());
      assert.equal(res.status, 201, res.body);
      assert.equal(JSON.parse(res.body).size, pieces * piece.length);
    });

    test("headers that do not arrive in time: 408 REQUEST_TIMEOUT with the envelope", { timeout: 30_000 }, async () => {
      const c = await openConnection(port);
      c.socket.write("GET /api/v1/health HTTP/1.1\r\nHost: x\r\n");
      await c.closed;
      const res = parse(c.received());
      assert.equal(res.status, 408);
      assert.equal(JSON.parse(res.body).error.code, "REQUEST_TIMEOUT");
    });

    test("a JSON body that trickles past the request timeout: 408 REQUEST_TIMEOUT", { timeout: 30_000 }, async () => {
      const c = await openConnection(port);
      const body = JSON.stringify({ name: "trickle" });
      c.socket.write(
        `POST /api/v1/shares HTTP/1.1\r\nHost: ` +
          `x\r\nAuthorization: ` +
          `Bearer ${s.adminToken}\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n`,
      );
      c.socket.write(body.slice(0, 3));
      await c.closed;
      const res = parse(c.received());
      assert.equal(res.status, 408);
      assert.equal(JSON.parse(res.body).error.code, "REQUEST_TIMEOUT");
      assert.equal(
        (await s.api("GET", "/api/v1/shares")).body.items.some((x: any) => x.name === "trickle"),
        false,
      );
    });

    test("work that takes longer than the request timeout once the request has arrived is not cut", async () => {
      const r = await fetch(`${s.url}/api/v1/test-slow`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: "{}",
      });
      assert.equal(r.status, 200);
      assert.deepEqual(await r.json(), { done: true });
    });
  },
);
