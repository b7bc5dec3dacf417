/**
 * End to end through HTTP with real Samba shares that veto common temp and hidden names
 * (`veto files = /*.tmp/~*\/.*\/`, which made every upload fail with
 * STATUS_OBJECT_NAME_NOT_FOUND while temp files were `.~scaidrive-….tmp`): uploads by a sync
 * push, a push job and a mount upload work, new files and overwrites alike, and leave no temp
 * file. A share that also vetoes the first temp spelling gets the second; one that vetoes both
 * gets the file written in place. A name the share vetoes itself is a per-file `invalid_name`
 * that names every refused name and the likely reason.
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { chownSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { startSamba, type SambaInstance } from "../../harness/samba.js";
import { startScaidriveProcess, type ScaidriveProcess } from "../../harness/scaidrive-process.js";
import { BASE, ScaiSide, connectorBody, createConnector, expectClean, syncAndWait, waitJob } from "./e2e-world.js";

const COMMON = "/*.tmp/~*/.*/";
const SHARES = {
  common: COMMON,
  first: `${COMMON}scaidrive-upload-*/`,
  both: `${COMMON}*scaidrive*/`,
} as const;

describe("SMB connector e2e: shares with veto files", () => {
  let samba: SambaInstance;
  let server: ScaidriveProcess;

  before(async () => {
    samba = await startSamba({
      shares: Object.fromEntries(Object.entries(SHARES).map(([name, veto]) => [name, { "veto files": veto }])),
    });
    server = await startScaidriveProcess();
  });
  after(async () => {
    await server?.stop();
    await samba?.stop();
  });

  const onDisk = (share: string, rel: string) => join(samba.shares[share]!, rel);
  const text = (share: string, rel: string) => readFileSync(onDisk(share, rel), "utf8");
  const put = (share: string, rel: string, content: string) => {
    const parts = rel.split("/");
    let dir = samba.shares[share]!;
    for (const p of parts.slice(0, -1)) {
      dir = join(dir, p);
      mkdirSync(dir, { recursive: true });
      chownSync(dir, samba.uid, samba.gid);
    }
    writeFileSync(onDisk(share, rel), content);
    chownSync(onDisk(share, rel), samba.uid, samba.gid);
  };
  /** Every name below `rel` on disk, vetoed ones included, sorted. */
  const allOnDisk = (share: string, rel: string): string[] => {
    const out: string[] = [];
    const walk = (r: string) => {
      for (const e of readdirSync(onDisk(share, r), { withFileTypes: true })) {
        const child = `${r}/${e.name}`;
        if (e.isDirectory()) walk(child);
        else out.push(child);
      }
    };
    walk(rel);
    return out.sort();
  };

  for (const share of Object.keys(SHARES) as (keyof typeof SHARES)[]) {
    test(
      `veto files = ${SHARES[share]}: sync push, push job and ` + `mount upload work, new files and overwrites`,
      async () => {
        put(share, "sync/existing.txt", "old on the share");
        put(share, "sync/hidden.tmp", "vetoed, made on the share's disk");
        put(share, "mounted/m.txt", "old mounted");
        const scai = await ScaiSide.create(server, `Veto ${share}`);
        const cnn = await createConnector(
          server,
          connectorBody(samba, scai.shareId, { share_name: share, base_path: "sync", sync_direction: "bidirectional" }),
        );
        const first = expectClean(await syncAndWait(server, cnn));
        assert.equal(first.files_synced, 1, "the vetoed file is invisible over SMB");
        assert.deepEqual(await scai.files(), ["existing.txt"]);

        // Sync push: an overwrite and a new file.
        await scai.put("existing.txt", "edited in scaidrive");
        await scai.put("new folder/new.txt", "new in scaidrive");
        const big = Buffer.alloc(5 << 20, 0x5a);
        await scai.put("big.bin", big);
        const pushed = expectClean(await syncAndWait(server, cnn));
        assert.equal(pushed.files_synced, 3);
        assert.equal(text(share, "sync/existing.txt"), "edited in scaidrive");
        assert.equal(text(share, "sync/new folder/new.txt"), "new in scaidrive");
        assert.ok(readFileSync(onDisk(share, "sync/big.bin")).equals(big));
        assert.equal(expectClean(await syncAndWait(server, cnn)).files_synced, 0, "the next run has nothing to do");

        // A name the share vetoes itself: refused per file, saying so.
        await scai.put("notes.tmp", "a scaidrive file the share vetoes");
        const refused = await syncAndWait(server, cnn);
        assert.equal(refused.status, "completed");
        const errors = refused.entries.filter((e: any) => e.result === "error");
        assert.equal(errors.length, 1, JSON.stringify(errors));
        assert.equal(errors[0].path, "notes.tmp");
        assert.equal(errors[0].error.code, "invalid_name");
        assert.match(errors[0].error.message, /'notes\.tmp'/);
        assert.match(errors[0].error.message, /the share's "veto files" setting likely matches/);
        if (share === "both") {
          assert.match(
            errors[0].error.message,
            /'scaidrive-upload-[0-9a-f]{8}-[0-9a-f]{16}', 'upload-[0-9a-f]{8}-[0-9a-f]{16}\.scaidrive' and 'notes\.tmp'/,
            "every refused name is named",
          );
        }
        await scai.del("notes.tmp");

        // Push job: an overwrite and a new file.
        await scai.put("existing.txt", "pushed by a push job, longer");
        await scai.put("pushed.txt", "new from a push job");
        const r = await server.api("POST", `${BASE}/${cnn}/push`, { json: { after_copy: "keep" } });
        assert.equal(r.status, 202, JSON.stringify(r.body));
        expectClean(await waitJob(server, cnn, r.body.id));
        assert.equal(text(share, "sync/existing.txt"), "pushed by a push job, longer");
        assert.equal(text(share, "sync/pushed.txt"), "new from a push job");

        // Mount upload: an overwrite and a new file.
        const cnnM = await createConnector(
          server,
          connectorBody(samba, scai.shareId, { share_name: share, base_path: "mounted", target_path: "/Unused" }),
        );
        const mount = await server.api("POST", "/api/v1/mounts", {
          json: { share_id: scai.shareId, path: "/Mounted", connector_id: cnnM },
        });
        assert.equal(mount.status, 201, JSON.stringify(mount.body));
        const upload = (path: string, content: string) =>
          server.api("PUT", `/api/v1/shares/${scai.shareId}/content?path=${encodeURIComponent(path)}`, {
            raw: content,
          });
        const over = await upload("/Mounted/m.txt", "overwritten through the mount");
        assert.equal(over.status, 200, JSON.stringify(over.body));
        const fresh = await upload("/Mounted/fresh.txt", "new through the mount");
        assert.equal(fresh.status, 201, JSON.stringify(fresh.body));
        assert.equal(text(share, "mounted/m.txt"), "overwritten through the mount");
        assert.equal(text(share, "mounted/fresh.txt"), "new through the mount");
        const vetoed = await upload("/Mounted/x.tmp", "vetoed");
        assert.equal(vetoed.status, 400, JSON.stringify(vetoed.body));
        assert.equal(vetoed.body.error.code, "INVALID_NAME");
        assert.match(vetoed.body.error.message, /veto files/);

        // Nothing but the files themselves on disk: no temp file left anywhere.
        assert.deepEqual(allOnDisk(share, "sync"), [
          "sync/big.bin",
          "sync/existing.txt",
          "sync/hidden.tmp",
          "sync/new folder/new.txt",
          "sync/pushed.txt",
        ]);
        assert.deepEqual(allOnDisk(share, "mounted"), ["mounted/fresh.txt", "mounted/m.txt"]);
      },
    );
  }
});
