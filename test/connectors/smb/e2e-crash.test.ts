/**
 * End to end under failure, with the real server as a child process and real Samba:
 * - the server SIGKILLed mid-sync (2000 files of 32 KiB, killed once GET jobs shows
 *   `files_done` > 0) and restarted on the same data dir: a sync is accepted at once (the dead
 *   process's job is failed at startup), the run completes, every file is
 *   present once with the right SHA-256 and a single version, no temp file is left on SMB, and
 *   finished files are not copied again;
 * - smbd stopped while a 200 MB file is being pulled (detected from the serving smbd's read
 *   counter in /proc): the job fails `CONNECTOR_UNREACHABLE`, ScaiDrive still shows the previous
 *   version, SMB holds no temp file; Samba restarted on the same directory and the next run
 *   completes with the new content;
 * - the same while a 200 MB file is pushed: the SMB file keeps its previous content (the upload
 *   went to a temp name), the next run completes and deletes the orphaned temp file (its name
 *   carries the connector's key), nothing partial is left on SMB or reaches ScaiDrive.
 * Sizes can be lowered while developing with E2E_CRASH_FILES / E2E_BIG_MIB.
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { randomBytes, createHash } from "node:crypto";
import { createReadStream, createWriteStream, chownSync, readFileSync, renameSync } from "node:fs";
import { Readable } from "node:stream";
import { makeTempDir } from "../../harness/temp-dir.js";
import { join } from "node:path";
import { startScaidriveProcess, type ScaidriveProcess } from "../../harness/scaidrive-process.js";
import {
  BASE,
  ScaiSide,
  connectorBody,
  createConnector,
  expectClean,
  patchConnector,
  requestSync,
  sha256,
  smbFiles,
  smbMkdir,
  smbWrite,
  startSmbSide,
  syncAndWait,
  waitJob,
  type SmbSide,
} from "./e2e-world.js";

// Enough files that the run outlasts its first progress flush (1 s) by a wide margin: the kill is
// triggered by the first files_done the API shows. Per-file costs, not bytes, make a run long.
const FILES = Number(process.env.E2E_CRASH_FILES ?? 2000);
const FILE_BYTES = 32 * 1024;
const BIG_MIB = Number(process.env.E2E_BIG_MIB ?? 200);
async function sha256OfFile(path: string): Promise<string> {
  const hash = createHash("sha256");
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest("hex");
}
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Bytes read so far by the smbd processes serving connections (rchar of /proc/<pid>/io). */
function smbdReadBytes(pids: number[]): number {
  let sum = 0;
  for (const pid of pids) {
    try {
      const m = /rchar:\s*(\d+)/.exec(readFileSync(`/proc/${pid}/io`, "utf8"));
      if (m) sum += Number(m[1]);
    } catch {
      // connection process gone
    }
  }
  return sum;
}

/** Writes `mib` MiB of random bytes, streamed; returns the SHA-256. */
async function writeRandomFile(path: string, mib: number): Promise<string> {
  const hash = createHash("sha256");
  await new Promise<void>((resolve, reject) => {
    const out = createWriteStream(path);
    out.once("error", reject);
    let left = mib;
    const more = () => {
      while (left > 0) {
        const chunk = randomBytes(1024 * 1024);
        hash.update(chunk);
        left--;
        if (!out.write(chunk)) return void out.once("drain", more);
      }
      out.end(resolve);
    };
    more();
  });
  return hash.digest("hex");
}

/** Bytes written so far by the smbd processes serving connections (wchar of /proc/<pid>/io). */
function smbdWrittenBytes(pids: number[]): number {
  let sum = 0;
  for (const pid of pids) {
    try {
      const m = /wchar:\s*(\d+)/.exec(readFileSync(`/proc/${pid}/io`, "utf8"));
      if (m) sum += Number(m[1]);
    } catch {
      // connection process gone
    }
  }
  return sum;
}

describe("SMB connector e2e: crashes and outages", () => {
  let smb: SmbSide;
  let server: ScaidriveProcess;

  before(async () => {
    smb = await startSmbSide();
    server = await startScaidriveProcess();
  });
  after(async () => {
    await server?.stop();
    await smb?.close();
  });

  test(
    `server SIGKILLed ` + `mid-sync (${FILES} × 32 KiB) then restarted: resumes, nothing lost or duplicated`,
    async (t) => {
      const B = "crash";
      const expected = new Map<string, string>();
      for (let i = 0; i < FILES; i++) {
        const name = `d${i % 10}/file-${String(i).padStart(4, "0")}.bin`;
        const data = randomBytes(FILE_BYTES);
        smbWrite(smb, `${B}/${name}`, data);
        expected.set(name, sha256(data));
      }
      const scai = await ScaiSide.create(server, "Crash");
      const cnn = await createConnector(server, connectorBody(smb.samba, scai.shareId, { base_path: B }));
      const job = await requestSync(server, cnn);

      let seen: any;
      for (let i = 0; i < 2400; i++) {
        const r = await server.api("GET", `${BASE}/${cnn}/jobs`);
        seen = r.body.jobs.find((j: any) => j.id === job.id);
        if (seen.files_done > 0 || !["queued", "running"].includes(seen.status)) break;
        await sleep(50);
      }
      assert.equal(seen.status, "running", `killed mid-run: ${JSON.stringify(seen)}`);
      assert.ok(seen.files_done > 0 && seen.files_done < FILES, JSON.stringify(seen));
      await server.kill();
      await server.start();

      // Embedded SQLite: the restarted server fails the dead process's job at once, so a manual
      // sync is accepted on the first request (no 409 while a heartbeat goes stale).
      const accepted = await server.api("POST", `${BASE}/${cnn}/sync`);
      assert.equal(accepted.status, 202, `sync accepted at once after the restart: ${JSON.stringify(accepted.body)}`);
      const resumed = expectClean(await waitJob(server, cnn, accepted.body.id, 180_000));
      const killed = (await server.api("GET", `${BASE}/${cnn}/jobs/${job.id}?limit=1000`)).body;
      assert.equal(killed.status, "failed", "the killed run is marked failed, not left running");
      // Entries flushed before the kill name files whose copy (and file-state) had committed.
      const copiedBefore = new Set(
        killed.entries.filter((e: any) => e.action === "copy" && e.result === "ok").map((e: any) => e.path),
      );
      const copiedAgain = resumed.entries
        .filter((e: any) => e.action === "copy" && copiedBefore.has(e.path))
        .map((e: any) => e.path);
      assert.deepEqual(copiedAgain, [], "finished files are not copied again");
      // files_done also counts the 10 folder creations. A finished file whose state was still in the
      // uncommitted batch is recognised as identical and only recorded, so it is not counted here.
      assert.ok(
        resumed.files_synced <= FILES - Math.max(0, seen.files_done - 10) + 4,
        `${resumed.files_synced} synced after ${seen.files_done} done`,
      );
      t.diagnostic(
        `killed at ` +
          `files_done=${seen.files_done}/${seen.files_total} (${copiedBefore.size} copies logged); ` +
          `the resumed run synced ${resumed.files_synced}`,
      );

      assert.deepEqual(await scai.files(), [...expected.keys()].sort(), "every file present exactly once");
      for (const [name, digest] of expected) {
        const node = await scai.stat(name);
        assert.equal(node.sha256, digest, name);
        assert.equal((await scai.versions(node.id)).length, 1, `${name} has one version`);
      }
      assert.deepEqual(smbFiles(smb, B), [...expected.keys()].map((n) => `${B}/${n}`).sort(), "no temp files on SMB");
      const again = expectClean(await syncAndWait(server, cnn));
      assert.equal(again.files_synced, 0);
    },
  );

  test(
    `smbd stopped ` +
      `while a ${BIG_MIB} MB file is pulled: CONNECTOR_UNREACHABLE, no partial file, next run completes`,
    async () => {
      const B = "outage";
      smbMkdir(smb, B);
      smbWrite(smb, `${B}/big.bin`, "previous version");
      smbWrite(smb, `${B}/small.txt`, "small");
      const scai = await ScaiSide.create(server, "Outage");
      const cnn = await createConnector(
        server,
        connectorBody(smb.samba, scai.shareId, { base_path: B, sync_direction: "smb_to_scaidrive" }),
      );
      expectClean(await syncAndWait(server, cnn));
      const before = await scai.stat("big.bin");

      const path = join(smb.dir, B, "big.bin.new");
      const bigDigest = await writeRandomFile(path, BIG_MIB);
      chownSync(path, smb.samba.uid, smb.samba.gid);
      renameSync(path, join(smb.dir, B, "big.bin"));

      const job = await requestSync(server, cnn);
      let stoppedMidway = false;
      for (let i = 0; i < 6000; i++) {
        if (smbdReadBytes(smb.samba.childPids()) > 20 * 1024 * 1024) {
          await smb.stop();
          stoppedMidway = true;
          break;
        }
        const j = (await server.api("GET", `${BASE}/${cnn}/jobs/${job.id}?limit=1`)).body;
        if (!["queued", "running"].includes(j.status)) break;
        await sleep(20);
      }
      assert.ok(stoppedMidway, "smbd was stopped while the file was being read");
      const failed = await waitJob(server, cnn, job.id);
      assert.equal(failed.status, "failed", JSON.stringify(failed));
      assert.equal(failed.error.code, "CONNECTOR_UNREACHABLE");

      const after = await scai.stat("big.bin");
      assert.equal(after.sha256, before.sha256, "ScaiDrive still shows the previous version");
      assert.equal((await scai.versions(after.id)).length, 1, "no partial version committed");
      assert.equal(await scai.get("big.bin"), "previous version");
      assert.deepEqual(smbFiles(smb, B), [`${B}/big.bin`, `${B}/small.txt`], "no temp file on SMB");

      const samba = await smb.restart();
      await patchConnector(server, cnn, { server_host: samba.host, server_port: samba.port, password: samba.password });
      expectClean(await syncAndWait(server, cnn, "", 300_000));
      const now = await scai.stat("big.bin");
      assert.equal(now.id, before.id);
      assert.equal(now.sha256, bigDigest);
      assert.equal(now.size, BIG_MIB * 1024 * 1024);
      assert.equal((await scai.versions(now.id)).length, 2);
      assert.deepEqual(smbFiles(smb, B), [`${B}/big.bin`, `${B}/small.txt`]);
    },
  );

  test(
    `smbd stopped ` +
      `while a ${BIG_MIB} MB file is pushed: CONNECTOR_UNREACHABLE, SMB keeps the previous file, next run completes`,
    async () => {
      const B = "outage-push";
      smbMkdir(smb, B);
      const scai = await ScaiSide.create(server, "OutagePush");
      await scai.put("big.bin", "previous version");
      await scai.put("small.txt", "small");
      const cnn = await createConnector(
        server,
        connectorBody(smb.samba, scai.shareId, { base_path: B, sync_direction: "scaidrive_to_smb" }),
      );
      expectClean(await syncAndWait(server, cnn));
      assert.equal(readFileSync(join(smb.dir, B, "big.bin"), "utf8"), "previous version");

      const tmp = makeTempDir("e2e-push");
      try {
        const local = join(tmp.path, "big.bin");
        const bigDigest = await writeRandomFile(local, BIG_MIB);
        const res = await fetch(
          `${server.url}/api/v1/shares/${scai.shareId}/content?path=${encodeURIComponent(scai.path("big.bin"))}`,
          {
            method: "PUT",
            headers: { authorization: `Bearer ${server.adminToken}`, "content-type": "application/octet-stream" },
            body: Readable.toWeb(createReadStream(local)) as ReadableStream,
            duplex: "half",
          } as RequestInit,
        );
        assert.equal(res.status, 200, await res.text());

        const job = await requestSync(server, cnn);
        let stoppedMidway = false;
        for (let i = 0; i < 6000; i++) {
          if (smbdWrittenBytes(smb.samba.childPids()) > 20 * 1024 * 1024) {
            await smb.stop();
            stoppedMidway = true;
            break;
          }
          const j = (await server.api("GET", `${BASE}/${cnn}/jobs/${job.id}?limit=1`)).body;
          if (!["queued", "running"].includes(j.status)) break;
          await sleep(20);
        }
        assert.ok(stoppedMidway, "smbd was stopped while the file was being written");
        const failed = await waitJob(server, cnn, job.id);
        assert.equal(failed.status, "failed", JSON.stringify(failed));
        assert.equal(failed.error.code, "CONNECTOR_UNREACHABLE");
        assert.equal(
          readFileSync(join(smb.dir, B, "big.bin"), "utf8"),
          "previous version",
          "the SMB file was never half-written",
        );

        const samba = await smb.restart();
        await patchConnector(server, cnn, {
          server_host: samba.host,
          server_port: samba.port,
          password: samba.password,
        });
        expectClean(await syncAndWait(server, cnn, "", 300_000));
        assert.equal(await sha256OfFile(join(smb.dir, B, "big.bin")), bigDigest);
        // The upload's temp file, orphaned when smbd died, carries this connector's key: the next
        // run's walk deleted it.
        assert.deepEqual(smbFiles(smb, B), [`${B}/big.bin`, `${B}/small.txt`], "no temp file remains on SMB");
        assert.deepEqual(await scai.files(), ["big.bin", "small.txt"], "no temp file reaches ScaiDrive");
      } finally {
        tmp.remove();
      }
    },
  );
});
