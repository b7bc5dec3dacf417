import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { request } from "node:http";
import { existsSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { setTimeout as delay } from "node:timers/promises";
import { startTestServer, type TestServer } from "../harness/server.js";

function listFiles(dir: string, out: string[] = []): string[] {
  if (!existsSync(dir)) return out;
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) listFiles(p, out);
    else out.push(p);
  }
  return out;
}

async function waitFor(cond: () => boolean, what: string, maxMs = 30_000): Promise<void> {
  for (let waited = 0; !cond(); waited += 50) {
    if (waited > maxMs) assert.fail(`timed out waiting for ${what}`);
    await delay(50);
  }
}

describe("upload cut off by the client", () => {
  let s: TestServer;
  let shareId: string;
  before(async () => {
    s = await startTestServer();
    shareId = (await s.api("POST", "/api/v1/shares", { json: { name: "Abort" } })).body.id;
  });
  after(async () => s.close());

  for (const existing of [false, true]) {
    test(
      `leaves no node, ` + `no version and no blob (${existing ? "new version of an existing file" : "new file"})`,
      async () => {
        const path = existing ? "/cut/existing.bin" : "/cut/new.bin";
        let before: any;
        if (existing) {
          const r = await fetch(`${s.url}/api/v1/shares/${shareId}/content?path=${encodeURIComponent(path)}`, {
            method: "PUT",
            headers: { authorization: `Bearer ${s.adminToken}` },
            body: "v1",
          });
          before = await r.json();
          assert.equal(r.status, 201);
        }
        const blobDir = join(s.dataDir, "blobs");
        const tmpDir = join(blobDir, "tmp");
        const blobsBefore = listFiles(blobDir).filter((p) => !p.startsWith(tmpDir));

        const total = 64 * 1024 * 1024;
        const url = new URL(`${s.url}/api/v1/shares/${shareId}/content?path=${encodeURIComponent(path)}`);
        await new Promise<void>((resolve) => {
          const req = request(url, {
            method: "PUT",
            headers: { authorization: `Bearer ${s.adminToken}`, "content-length": total },
          });
          req.on("error", () => resolve());
          req.on("close", () => resolve());
          const chunk = Buffer.alloc(1024 * 1024, 7);
          let sent = 0;
          const pump = () => {
            while (sent < total / 2) {
              sent += chunk.length;
              if (!req.write(chunk)) return void req.once("drain", pump);
            }
            // Halfway: make sure the server is writing a temp file, then cut the connection.
            waitFor(() => listFiles(tmpDir).length > 0, "the upload's temp file").then(() => req.destroy());
          };
          pump();
        });

        await waitFor(() => listFiles(tmpDir).length === 0, "the temp file to be removed");
        const blobsAfter = listFiles(blobDir).filter((p) => !p.startsWith(tmpDir));
        assert.deepEqual(blobsAfter.sort(), blobsBefore.sort());
        const stat = await s.api("GET", `/api/v1/shares/${shareId}/files/stat?path=${encodeURIComponent(path)}`);
        if (existing) {
          assert.equal(stat.status, 200);
          assert.equal(stat.body.current_version_id, before.current_version_id);
          const versions = await s.api("GET", `/api/v1/files/${before.id}/versions`);
          assert.equal(versions.body.versions.length, 1);
        } else {
          assert.equal(stat.status, 404);
        }
        const count = await s.built.context.db
          .selectFrom("versions")
          .select((eb) => eb.fn.countAll().as("n"))
          .executeTakeFirstOrThrow();
        assert.equal(Number(count.n), existing ? 1 : 0);
        // The server is still healthy.
        assert.equal((await s.api("GET", "/api/v1/health")).status, 200);
      },
    );
  }
});
