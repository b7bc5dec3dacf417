import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { request } from "node:http";
import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { setTimeout as delay } from "node:timers/promises";
import { startTestServer, type TestServer } from "../harness/server.js";
import { captureLogs, type LogCapture } from "./log-capture.js";

async function waitFor(cond: () => boolean, what: string, maxMs = 30_000): Promise<void> {
  for (let waited = 0; !cond(); waited += 25) {
    if (waited > maxMs) assert.fail(`timed out waiting for ${what}`);
    await delay(25);
  }
}

const tempFiles = (dir: string) => (existsSync(dir) ? readdirSync(dir) : []);

describe("an upload cut off by the client is logged once, as the client's doing", () => {
  let s: TestServer;
  let logs: LogCapture;
  let shareId: string;
  before(async () => {
    logs = captureLogs("info");
    s = await startTestServer({ logger: logs.logger });
    shareId = (await s.api("POST", "/api/v1/shares", { json: { name: "Abort log" } })).body.id;
  });
  after(async () => s.close());

  test("info/warn line with request id and bytes received, plus the access-log line; no error", async () => {
    const tmpDir = join(s.dataDir, "blobs", "tmp");
    const total = 64 * 1024 * 1024;
    let sent = 0;
    await new Promise<void>((resolve) => {
      const req = request(new URL(`${s.url}/api/v1/shares/${shareId}/content?path=/cut.bin`), {
        method: "PUT",
        headers: { authorization: `Bearer ${s.adminToken}`, "content-length": total },
      });
      req.on("error", () => resolve());
      req.on("close", () => resolve());
      const chunk = Buffer.alloc(1024 * 1024, 7);
      const pump = () => {
        while (sent < total / 2) {
          sent += chunk.length;
          if (!req.write(chunk)) return void req.once("drain", pump);
        }
        waitFor(() => tempFiles(tmpDir).length > 0, "the upload's temp file").then(() => req.destroy());
      };
      pump();
    });
    const isAccess = (l: any) =>
      l.msg === "request" && l.route === "/api/v1/shares/:share_id/content" && l.method === "PUT";
    await waitFor(() => logs.lines.some(isAccess), "the access-log line");
    await waitFor(() => tempFiles(tmpDir).length === 0, "the temp file to be removed");
    // The handler notes the abort when its store gives up on the body, which may be after the
    // access-log line (written when the connection closed): wait for it, then make sure it is alone.
    await waitFor(() => logs.lines.some((l) => /abort/i.test(l.msg)), "the abort line");
    await delay(200);

    const errors = logs.lines.filter((l) => l.level >= 50);
    assert.deepEqual(errors, [], "nothing logged at error level");
    const aborts = logs.lines.filter((l) => /abort/i.test(l.msg));
    assert.equal(aborts.length, 1, JSON.stringify(aborts));
    const [abort] = aborts;
    assert.ok(abort.level === 30 || abort.level === 40, `level ${abort.level}`);
    assert.ok(abort.req_id, "request id");
    assert.equal(typeof abort.bytes_received, "number");
    assert.ok(
      abort.bytes_received > 16 * 1024 && abort.bytes_received <= sent,
      `bytes_received ${abort.bytes_received} of ${sent} sent`,
    );
    assert.equal(abort.expected_bytes, total);

    const access = logs.lines.filter(isAccess);
    assert.equal(access.length, 1);
    assert.equal(access[0].req_id, abort.req_id);
    assert.equal(access[0].aborted, true);
    // 499 ("client closed request"), or 400 when the client's close arrived as a half-close that
    // Node's parser reported as an incomplete request and the server could still answer.
    assert.ok([499, 400].includes(access[0].status), `status ${access[0].status}`);
    assert.equal(typeof access[0].duration_ms, "number");
    assert.equal(access[0].user_id, s.built.bootstrap.admin.id);

    assert.equal((await s.api("GET", `/api/v1/shares/${shareId}/files/stat?path=/cut.bin`)).status, 404);
  });
});
