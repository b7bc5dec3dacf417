/**
 * A global limit on connector jobs running at once (SCAIDRIVE_MAX_CONCURRENT_JOBS): with a limit
 * of one, a job that hangs on a silent "SMB server" holds the only slot; a second connector's sync
 * stays `queued` (visible as such) instead of piling up, can be cancelled while queued without ever
 * starting, and runs to completion against real smbd once the first job is cancelled — promptly,
 * although the hanging connect would only time out after 30 s.
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { createServer, type Server, type Socket } from "node:net";
import { chownSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { setTimeout as delay } from "node:timers/promises";
import { startSamba, type SambaInstance } from "../harness/samba.js";
import { startTestServer, type TestServer } from "../harness/server.js";
import { waitForJob } from "../harness/api-helpers.js";

const SMB = "/api/v1/smb-connectors";

describe("connector jobs: a global limit queues the rest", () => {
  let samba: SambaInstance;
  let silent: Server;
  const sockets = new Set<Socket>();
  let s: TestServer;
  let shareId: string;

  before(async () => {
    samba = await startSamba({ shares: { Data: {} } });
    const file = join(samba.shares.Data!, "hello.txt");
    writeFileSync(file, "hello");
    chownSync(file, samba.uid, samba.gid);
    // Accepts connections and never answers: an SMB negotiate there waits for its timeout.
    silent = createServer((sock) => {
      sockets.add(sock);
      sock.on("close", () => sockets.delete(sock));
    });
    await new Promise<void>((r) => silent.listen(0, "127.0.0.1", r));
    s = await startTestServer({ withFeatureRoutes: true, config: { maxConcurrentJobs: 1 } });
    shareId = (await s.api("POST", "/api/v1/shares", { json: { name: "Jobs" } })).body.id;
  });
  after(async () => {
    await s?.close();
    for (const sock of sockets) sock.destroy();
    await new Promise<void>((r) => silent?.close(() => r()));
    await samba?.stop();
  });

  const connector = async (name: string, port: number): Promise<string> => {
    const r = await s.api("POST", SMB, {
      json: {
        name,
        server_host: "127.0.0.1",
        server_port: port,
        share_name: "Data",
        domain: samba.domain,
        username: samba.username,
        password: samba.password,
        target_share_id: shareId,
        target_path: `/${name}`,
      },
    });
    assert.equal(r.status, 201, JSON.stringify(r.body));
    return r.body.id;
  };
  const job = async (cnn: string, id: string) => (await s.api("GET", `${SMB}/${cnn}/jobs/${id}`)).body;

  test("the second job waits queued, can be cancelled unstarted, and runs once the slot frees", async () => {
    const hung = await connector("hung", (silent.address() as { port: number }).port);
    const real = await connector("real", samba.port);

    const first = (await s.api("POST", `${SMB}/${hung}/sync`)).body;
    for (let i = 0; i < 200 && (await job(hung, first.id)).status !== "running"; i++) await delay(25);
    assert.equal((await job(hung, first.id)).status, "running");

    const waiting = await s.api("POST", `${SMB}/${real}/sync`);
    assert.equal(waiting.status, 202, JSON.stringify(waiting.body));
    for (let i = 0; i < 5; i++) {
      await delay(100);
      const j = await job(real, waiting.body.id);
      assert.equal(j.status, "queued", "no slot: the job waits");
      assert.equal(j.started_at, null);
    }
    const cancelled = await s.api("POST", `${SMB}/${real}/jobs/${waiting.body.id}/cancel`);
    assert.equal(cancelled.body.status, "cancelled");
    assert.equal(cancelled.body.started_at, null, "a job cancelled while queued never started");

    const second = (await s.api("POST", `${SMB}/${real}/sync`)).body;
    await delay(200);
    assert.equal((await job(real, second.id)).status, "queued");
    const stopped = await s.api("POST", `${SMB}/${hung}/jobs/${first.id}/cancel`);
    assert.equal(stopped.body.status, "cancelled", "the hanging connect does not hold the cancel");
    const done = await waitForJob(s.api, real, second.id);
    assert.equal(done.status, "completed", JSON.stringify(done));
    assert.equal(done.files_synced, 1);
  });
});
