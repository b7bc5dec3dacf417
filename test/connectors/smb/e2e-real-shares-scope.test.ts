/**
 * End to end through HTTP with real Samba configured like a real file server (`store dos
 * attributes = yes`, `veto files = /*.secret/`), attributes set with smbclient `setmode`:
 * - an attribute or filter change never deletes: hiding (+h) or marking system (+s) a synced
 *   file, narrowing `sync_hidden_files` / `sync_system_files`, adding an exclude pattern —
 *   the item is untracked (one `untrack` entry, a file-state note), its ScaiDrive node, id and
 *   versions stay, and back in scope it is matched to that node again;
 * - `scaidrive_to_smb` with a hidden SMB counterpart: said once, not an `exists` error every run;
 * - a folder delete is reported done only when it happened: a ScaiDrive-deleted folder whose SMB
 *   counterpart still holds a vetoed file, an excluded file or an unlistable sub-folder is a
 *   `not_empty` error once, stays deleted in ScaiDrive, is not re-created by later runs, and is
 *   deleted once it is empty; new synced content in it brings it back;
 * - NFC/NFD twins are reported as such; case-twin folders' file-states are folders;
 * - smbd killed while large files are pulled: the failed job's counters count only what was stored.
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { chownSync, chmodSync, createWriteStream, readFileSync } from "node:fs";
import { randomBytes } from "node:crypto";
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
  smbDelete,
  smbExists,
  smbFiles,
  smbMkdir,
  smbWrite,
  startSmbSide,
  syncAndWait,
  waitJob,
  type SmbSide,
} from "./e2e-world.js";

const BIG_MIB = Number(process.env.E2E_SCOPE_BIG_MIB ?? 128);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("SMB connector e2e on real-world shares: scope changes, kept folders, twins, counters", () => {
  let smb: SmbSide;
  let server: ScaidriveProcess;

  before(async () => {
    smb = await startSmbSide({ share: { "store dos attributes": "yes", "veto files": "/*.secret/" } });
    server = await startScaidriveProcess();
  });
  after(async () => {
    await server?.stop();
    await smb?.close();
  });

  const smbText = (rel: string) => readFileSync(join(smb.dir, rel), "utf8");
  const smbclient = async (cmd: string) => {
    const r = await smb.samba.run("smbclient", [`//${smb.samba.host}/share`, "-c", cmd]);
    assert.equal(r.code, 0, `smbclient ${cmd}: ${r.stdout}${r.stderr}`);
    return r.stdout;
  };
  const fileStates = async (cnn: string): Promise<Map<string, any>> => {
    const r = await server.api("GET", `${BASE}/${cnn}/file-states?limit=1000`);
    assert.equal(r.status, 200, JSON.stringify(r.body));
    return new Map(r.body.file_states.map((s: any) => [s.path, s]));
  };
  const lines = (job: any) => (job.entries ?? []).map((e: any) => `${e.action} ${e.path} ${e.result}`).sort();
  const detailOf = (job: any, action: string, path: string) =>
    job.entries.find((e: any) => e.action === action && e.path === path)?.detail;

  test(
    "bidirectional: +h / +s on a synced SMB file untracks it; ScaiDrive " +
      "keeps node and versions; clearing it matches the same node",
    async () => {
      const B = "attr-roundtrip";
      // Enough other files that hiding two stays below the mass-deletion stop (it would not catch this).
      const others = ["d.txt", "e.txt", "f.txt", "g.txt", "h.txt"];
      for (const n of ["a.txt", "b.txt", "c.txt", ...others]) smbWrite(smb, `${B}/${n}`, `smb ${n}`);
      const scai = await ScaiSide.create(server, "AttrRoundTrip");
      const cnn = await createConnector(server, connectorBody(smb.samba, scai.shareId, { base_path: B }));
      expectClean(await syncAndWait(server, cnn));
      await scai.put("a.txt", "a v2 from scaidrive");
      expectClean(await syncAndWait(server, cnn));
      assert.equal(smbText(`${B}/a.txt`), "a v2 from scaidrive");
      const a = await scai.stat("a.txt");
      const b = await scai.stat("b.txt");
      assert.equal((await scai.versions(a.id)).length, 2);

      await smbclient(`cd ${B}; setmode a.txt +h; setmode b.txt +s`);
      const hidden = expectClean(await syncAndWait(server, cnn));
      assert.deepEqual(lines(hidden), ["untrack a.txt skipped", "untrack b.txt skipped"]);
      assert.equal(detailOf(hidden, "untrack", "a.txt"), "hidden on SMB: no longer synced; nothing deleted");
      assert.equal(detailOf(hidden, "untrack", "b.txt"), "a system file on SMB: no longer synced; nothing deleted");
      assert.equal(hidden.files_synced, 0);
      assert.deepEqual(await scai.files(), ["a.txt", "b.txt", "c.txt", ...others], "nothing deleted in ScaiDrive");
      assert.deepEqual(
        smbFiles(smb, B),
        ["a.txt", "b.txt", "c.txt", ...others].map((n) => `${B}/${n}`),
        "nothing deleted on SMB",
      );
      assert.equal((await scai.stat("a.txt")).id, a.id);
      assert.equal((await scai.versions(a.id)).length, 2, "version history kept");
      const states = await fileStates(cnn);
      assert.equal(states.get("a.txt").synced, false);
      assert.deepEqual(states.get("a.txt").note, {
        code: "out_of_scope",
        message: "hidden on SMB: out of scope, not synced; nothing deleted",
      });
      assert.equal(states.get("a.txt").scaidrive.node_id, a.id, "the row still names the node");

      const quiet = expectClean(await syncAndWait(server, cnn));
      assert.deepEqual(lines(quiet), [], "said once, not every run");

      await smbclient(`cd ${B}; setmode a.txt -h; setmode b.txt -s`);
      const back = expectClean(await syncAndWait(server, cnn));
      assert.equal(back.files_synced, 0, "identical content is only recorded");
      assert.deepEqual(lines(back), ["conflict a.txt ok", "conflict b.txt ok"]);
      const a2 = await scai.stat("a.txt");
      assert.equal(a2.id, a.id, "the same ScaiDrive node, not a new one");
      assert.equal((await scai.versions(a2.id)).length, 2, "versions kept, none added");
      assert.equal((await scai.stat("b.txt")).id, b.id);
      const after = await fileStates(cnn);
      assert.equal(after.get("a.txt").synced, true);
      assert.equal(after.get("a.txt").note, null);

      // Edited on SMB while hidden: back in scope it is a new version of the same node.
      await smbclient(`cd ${B}; setmode c.txt +h`);
      expectClean(await syncAndWait(server, cnn));
      smbWrite(smb, `${B}/c.txt`, "c edited on smb while hidden", new Date(Date.now() + 60_000));
      await smbclient(`cd ${B}; setmode c.txt +h`);
      assert.deepEqual(lines(expectClean(await syncAndWait(server, cnn))), []);
      assert.equal(await scai.get("c.txt"), "smb c.txt", "not pulled while out of scope");
      const c = await scai.stat("c.txt");
      await smbclient(`cd ${B}; setmode c.txt -h`);
      expectClean(await syncAndWait(server, cnn));
      assert.equal(await scai.get("c.txt"), "c edited on smb while hidden");
      const c2 = await scai.stat("c.txt");
      assert.equal(c2.id, c.id);
      assert.equal((await scai.versions(c2.id)).length, 2);
    },
  );

  test(
    "narrowing sync_hidden_files / sync_system_files untracks (no " +
      "delete, no safety stop); widening matches the same nodes",
    async () => {
      const B = "narrow";
      for (const n of ["h1.txt", "h2.txt", "h3.txt", "s1.txt", "plain.txt"]) smbWrite(smb, `${B}/${n}`, `smb ${n}`);
      await smbclient(`cd ${B}; setmode h1.txt +h; setmode h2.txt +h; setmode h3.txt +h; setmode s1.txt +s`);
      const scai = await ScaiSide.create(server, "Narrow");
      const cnn = await createConnector(
        server,
        connectorBody(smb.samba, scai.shareId, { base_path: B, sync_hidden_files: true, sync_system_files: true }),
      );
      expectClean(await syncAndWait(server, cnn));
      const all = ["h1.txt", "h2.txt", "h3.txt", "plain.txt", "s1.txt"];
      assert.deepEqual(await scai.files(), all);
      const ids = new Map<string, string>();
      for (const n of all) ids.set(n, (await scai.stat(n)).id);

      await patchConnector(server, cnn, { sync_hidden_files: false });
      const narrowed = expectClean(await syncAndWait(server, cnn));
      assert.deepEqual(lines(narrowed), ["untrack h1.txt skipped", "untrack h2.txt skipped", "untrack h3.txt skipped"]);
      await patchConnector(server, cnn, { sync_system_files: false });
      assert.deepEqual(lines(expectClean(await syncAndWait(server, cnn))), ["untrack s1.txt skipped"]);
      assert.deepEqual(await scai.files(), all, "nothing deleted in ScaiDrive");
      assert.equal(smbFiles(smb, B).length, 5, "nothing deleted on SMB");

      await patchConnector(server, cnn, { sync_hidden_files: true, sync_system_files: true });
      const widened = expectClean(await syncAndWait(server, cnn));
      assert.equal(widened.files_synced, 0);
      for (const n of all) {
        const node = await scai.stat(n);
        assert.equal(node.id, ids.get(n), `${n} is the same node`);
        assert.equal((await scai.versions(node.id)).length, 1, `${n} has no new version`);
      }
      assert.deepEqual(lines(expectClean(await syncAndWait(server, cnn))), []);
    },
  );

  test(
    "adding an exclude pattern untracks; removing it " + "matches the same nodes (an edit made meanwhile syncs)",
    async () => {
      const B = "pattern";
      smbWrite(smb, `${B}/a.log`, "smb a.log");
      smbWrite(smb, `${B}/b.txt`, "smb b.txt");
      smbWrite(smb, `${B}/d/c.log`, "smb c.log");
      const scai = await ScaiSide.create(server, "Pattern");
      const cnn = await createConnector(server, connectorBody(smb.samba, scai.shareId, { base_path: B }));
      expectClean(await syncAndWait(server, cnn));
      const aId = (await scai.stat("a.log")).id;

      await patchConnector(server, cnn, { exclude_patterns: { extensions: ["log"] } });
      const narrowed = expectClean(await syncAndWait(server, cnn));
      assert.deepEqual(lines(narrowed), ["untrack a.log skipped", "untrack d/c.log skipped"]);
      assert.equal(
        detailOf(narrowed, "untrack", "a.log"),
        "excluded by the connector's exclude patterns: no longer synced; nothing deleted",
      );
      await scai.put("a.log", "a.log edited in scaidrive while excluded");
      assert.deepEqual(lines(expectClean(await syncAndWait(server, cnn))), []);
      assert.equal(smbText(`${B}/a.log`), "smb a.log", "not pushed while excluded");

      await patchConnector(server, cnn, { exclude_patterns: null });
      expectClean(await syncAndWait(server, cnn));
      assert.equal((await scai.stat("a.log")).id, aId);
      assert.equal(
        smbText(`${B}/a.log`),
        "a.log edited in scaidrive while excluded",
        "the newer ScaiDrive edit wins (LAST_WRITER_WINS)",
      );
      assert.deepEqual(await scai.files(), ["a.log", "b.txt", "d/c.log"]);
    },
  );

  test(
    "scaidrive_to_smb: a ScaiDrive file whose SMB counterpart is hidden " +
      "is not pushed; said once, and again only when the reason changes",
    async () => {
      const B = "push-scope";
      smbWrite(smb, `${B}/secret.txt`, "smb's own hidden file");
      await smbclient(`cd ${B}; setmode secret.txt +h`);
      const scai = await ScaiSide.create(server, "PushScope");
      await scai.put("secret.txt", "scaidrive version");
      await scai.put("other.txt", "other");
      const cnn = await createConnector(
        server,
        connectorBody(smb.samba, scai.shareId, { base_path: B, sync_direction: "scaidrive_to_smb" }),
      );
      const first = expectClean(await syncAndWait(server, cnn));
      assert.deepEqual(lines(first), ["copy other.txt ok", "out_of_scope secret.txt skipped"]);
      assert.equal(
        detailOf(first, "out_of_scope", "secret.txt"),
        "hidden on SMB: not synced; the ScaiDrive file of the same name is neither copied over it nor deleted",
      );
      assert.equal(smbText(`${B}/secret.txt`), "smb's own hidden file");
      assert.equal((await fileStates(cnn)).get("secret.txt").note.code, "out_of_scope");

      const second = expectClean(await syncAndWait(server, cnn));
      assert.deepEqual(lines(second), [], "not repeated");
      assert.equal(second.files_total, 0);

      await smbclient(`cd ${B}; setmode secret.txt -h; setmode secret.txt +s`);
      const changed = expectClean(await syncAndWait(server, cnn));
      assert.deepEqual(lines(changed), ["out_of_scope secret.txt skipped"]);
      assert.match(detailOf(changed, "out_of_scope", "secret.txt"), /^a system file on SMB/);
      assert.deepEqual(lines(expectClean(await syncAndWait(server, cnn))), []);
      assert.equal(smbText(`${B}/secret.txt`), "smb's own hidden file");
    },
  );

  test(
    "a folder deleted in ScaiDrive whose SMB folder holds a vetoed or " +
      "excluded file: not_empty once, stays deleted, deleted once empty",
    async () => {
      const B = "kept";
      smbWrite(smb, `${B}/proj/a.txt`, "a");
      smbWrite(smb, `${B}/proj/x.secret`, "vetoed: the connector never sees it");
      smbWrite(smb, `${B}/proj2/b.txt`, "b");
      smbWrite(smb, `${B}/proj2/notes.log`, "excluded by the connector's filter");
      smbWrite(smb, `${B}/keep.txt`, "keeps the ScaiDrive side from looking wiped");
      const scai = await ScaiSide.create(server, "Kept");
      const cnn = await createConnector(
        server,
        connectorBody(smb.samba, scai.shareId, {
          base_path: B,
          exclude_patterns: { extensions: ["log"] },
          max_delete_percent: 100,
        }),
      );
      expectClean(await syncAndWait(server, cnn));
      assert.deepEqual(await scai.files(), ["keep.txt", "proj/a.txt", "proj2/b.txt"]);

      await scai.del("proj");
      await scai.del("proj2");
      const job = await syncAndWait(server, cnn);
      assert.equal(job.status, "completed", JSON.stringify(job));
      assert.deepEqual(lines(job), [
        "delete proj error",
        "delete proj/a.txt ok",
        "delete proj2 error",
        "delete proj2/b.txt ok",
      ]);
      assert.equal(job.error_count, 2);
      const errorOf = (path: string) => job.entries.find((e: any) => e.path === path && e.result === "error").error;
      assert.equal(errorOf("proj").code, "not_empty");
      assert.match(
        errorOf("proj").message,
        /^the SMB folder still holds items this connector does not sync \(it lists nothing, yet the server refused to remove it: .*DIRECTORY_NOT_EMPTY.*\); it stays deleted in ScaiDrive and is kept on SMB$/,
      );
      assert.equal(errorOf("proj2").code, "not_empty");
      assert.match(errorOf("proj2").message, /\("proj2\/notes\.log"\)/);
      assert.deepEqual(smbFiles(smb, B), [`${B}/keep.txt`, `${B}/proj/x.secret`, `${B}/proj2/notes.log`]);
      assert.deepEqual(await scai.files(), ["keep.txt"]);
      const states = await fileStates(cnn);
      assert.equal(states.get("proj").kind, "folder");
      assert.equal(states.get("proj").note.code, "kept_on_remote");
      assert.equal(states.get("proj").last_error.code, "not_empty");

      // One stable state: not re-created in ScaiDrive, not reported again.
      const again = expectClean(await syncAndWait(server, cnn));
      assert.deepEqual(lines(again), []);
      assert.equal(await scai.stat("proj"), undefined);
      assert.equal(await scai.stat("proj2"), undefined);

      // Emptied on SMB: the pending delete happens.
      smbDelete(smb, `${B}/proj/x.secret`);
      const emptied = expectClean(await syncAndWait(server, cnn));
      assert.deepEqual(lines(emptied), ["delete proj ok"]);
      assert.ok(!smbExists(smb, `${B}/proj`));
      assert.equal((await fileStates(cnn)).get("proj"), undefined);

      // New synced content on SMB: the folder comes back with it.
      smbWrite(smb, `${B}/proj2/new.txt`, "new on smb");
      expectClean(await syncAndWait(server, cnn));
      assert.deepEqual(await scai.files(), ["keep.txt", "proj2/new.txt"]);
      const revived = (await fileStates(cnn)).get("proj2");
      assert.equal(revived.synced, true);
      assert.equal(revived.note, null);
      assert.deepEqual(lines(expectClean(await syncAndWait(server, cnn))), []);
    },
  );

  test(
    "a folder deleted in ScaiDrive whose SMB folder holds a sub-folder " +
      "the service account cannot list: not_empty once, stays deleted",
    async () => {
      const B = "kept-unlisted";
      smbWrite(smb, `${B}/proj/a.txt`, "a");
      smbWrite(smb, `${B}/proj/private/p.txt`, "root only");
      smbWrite(smb, `${B}/keep.txt`, "keeps the ScaiDrive side from looking wiped");
      const priv = join(smb.dir, B, "proj/private");
      chownSync(priv, 0, 0);
      chmodSync(priv, 0o700);
      const scai = await ScaiSide.create(server, "KeptUnlisted");
      const cnn = await createConnector(server, connectorBody(smb.samba, scai.shareId, { base_path: B }));
      const first = await syncAndWait(server, cnn);
      assert.equal(first.status, "completed");
      assert.deepEqual(
        first.entries.filter((e: any) => e.result === "error").map((e: any) => `${e.path} ${e.error.code}`),
        ["proj/private folder_unlisted"],
      );

      await scai.del("proj");
      const job = await syncAndWait(server, cnn);
      const errors = job.entries
        .filter((e: any) => e.result === "error")
        .map((e: any) => `${e.path} ${e.error.code}`)
        .sort();
      assert.deepEqual(errors, ["proj not_empty", "proj/private folder_unlisted"]);
      assert.ok(!smbExists(smb, `${B}/proj/a.txt`));
      assert.equal(await scai.stat("proj"), undefined);

      const again = await syncAndWait(server, cnn);
      assert.deepEqual(
        again.entries.filter((e: any) => e.result === "error").map((e: any) => `${e.path} ${e.error.code}`),
        ["proj/private folder_unlisted"],
      );
      assert.equal(await scai.stat("proj"), undefined, "not re-created from SMB");
    },
  );

  test(
    "NFC/NFD twins on SMB are reported as differing in Unicode " +
      "normalisation; case-twin folders' file-states are folders",
    async () => {
      const B = "twins";
      smbWrite(smb, `${B}/caf\u00e9.txt`, "nfc");
      smbWrite(smb, `${B}/cafe\u0301.txt`, "nfd");
      smbWrite(smb, `${B}/plain.txt`, "plain");
      const scai = await ScaiSide.create(server, "Twins");
      await scai.put("Docs/a.txt", "a");
      await scai.put("docs/b.txt", "b");
      const cnn = await createConnector(server, connectorBody(smb.samba, scai.shareId, { base_path: B }));
      const job = await syncAndWait(server, cnn);
      assert.equal(job.status, "completed", JSON.stringify(job));
      const errors = job.entries.filter((e: any) => e.result === "error");
      const cafe = errors.filter((e: any) => e.path === "caf\u00e9.txt");
      assert.equal(cafe.length, 2, JSON.stringify(errors));
      for (const e of cafe) {
        assert.equal(e.error.code, "case_conflict");
        assert.match(e.error.message, /differs from another SMB name only in Unicode normalisation \(NFC\/NFD\)/);
        assert.doesNotMatch(e.error.message, /in case/);
      }
      const states = await fileStates(cnn);
      assert.equal(states.get("Docs").kind, "folder");
      assert.equal(states.get("docs").kind, "folder");
      assert.equal(states.get("Docs").last_error.code, "case_conflict");
      assert.equal(states.get("docs/b.txt").kind, "file");
      assert.equal(await scai.get("plain.txt"), "plain");
    },
  );
});

describe("SMB connector e2e: a server gone mid-run", () => {
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

  /** Bytes read so far by the smbd processes serving connections (rchar of /proc/<pid>/io). */
  const smbdReadBytes = (pids: number[]) => {
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
  };
  const writeRandom = async (rel: string, mib: number) => {
    const path = join(smb.dir, rel);
    await new Promise<void>((resolve, reject) => {
      const out = createWriteStream(path);
      out.once("error", reject);
      let left = mib;
      const more = () => {
        while (left-- > 0) if (!out.write(randomBytes(1024 * 1024))) return void out.once("drain", more);
        out.end(resolve);
      };
      more();
    });
    chownSync(path, smb.samba.uid, smb.samba.gid);
  };

  test(
    `smbd stopped ` + `while three ${BIG_MIB} MiB files are pulled: files_done, entries and file-states agree`,
    async () => {
      const B = "gone";
      smbMkdir(smb, B);
      smbWrite(smb, `${B}/small-1.txt`, "small one");
      smbWrite(smb, `${B}/small-2.txt`, "small two");
      for (const n of ["big-1.bin", "big-2.bin", "big-3.bin"]) await writeRandom(`${B}/${n}`, BIG_MIB);
      const scai = await ScaiSide.create(server, "Gone");
      const cnn = await createConnector(
        server,
        connectorBody(smb.samba, scai.shareId, { base_path: B, sync_direction: "smb_to_scaidrive" }),
      );

      const job = await requestSync(server, cnn);
      let stopped = false;
      for (let i = 0; i < 6000; i++) {
        if (smbdReadBytes(smb.samba.childPids()) > 3 * 8 * 1024 * 1024) {
          await smb.stop();
          stopped = true;
          break;
        }
        const j = (await server.api("GET", `${BASE}/${cnn}/jobs/${job.id}?limit=1`)).body;
        if (!["queued", "running"].includes(j.status)) break;
        await sleep(20);
      }
      assert.ok(stopped, "smbd was stopped while the files were being read");
      const failed = await waitJob(server, cnn, job.id);
      assert.equal(failed.status, "failed", JSON.stringify(failed));
      assert.equal(failed.error.code, "CONNECTOR_UNREACHABLE");

      const done = failed.entries.filter((e: any) => e.result === "ok" || e.result === "error");
      const states = await server.api("GET", `${BASE}/${cnn}/file-states?limit=1000`);
      const stored = states.body.file_states.map((s: any) => s.path).sort();
      assert.ok(
        !stored.some((p: string) => p.startsWith("big-")),
        `no large file was stored: ${JSON.stringify(stored)}`,
      );
      assert.equal(
        failed.files_done,
        stored.length,
        `files_done ${failed.files_done}, stored ${JSON.stringify(stored)}`,
      );
      assert.equal(failed.files_done, done.length, JSON.stringify(failed.entries));
      assert.equal(failed.files_synced, stored.length);
      assert.equal(failed.bytes_done, failed.bytes_transferred, "bytes_done counts only what was stored");
      assert.deepEqual(
        (await scai.files()).filter((f) => f.startsWith("big-")),
        [],
      );
    },
  );
});
