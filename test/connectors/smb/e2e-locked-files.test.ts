/**
 * End to end through HTTP with real Samba: a file another SMB client holds open denying write
 * (the way Excel holds a workbook: read/write access, read sharing) or denying everything (share
 * access 0) is never replaced. The other client is a second connection of the project's own SMB
 * client, i.e. a separate smbd process holding a real share-mode entry. A sync push (both
 * directions that push), a push job and a mount upload report the file `locked`, the bytes on the
 * share stay the user's, and once the other client lets go the next run pushes it.
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { startScaidriveProcess, type ScaidriveProcess } from "../../harness/scaidrive-process.js";
import { FileAccess, FileShare, SmbClient, type SmbOpenFile } from "../../../src/protocols/smb/index.js";
import {
  BASE,
  ScaiSide,
  connectorBody,
  createConnector,
  expectClean,
  smbMkdir,
  smbWrite,
  startSmbSide,
  syncAndWait,
  waitJob,
  type SmbSide,
} from "./e2e-world.js";

const HOLDERS = [
  {
    label: "deny-write (Excel: read/write access, read sharing)",
    access: FileAccess.READ_DATA | FileAccess.WRITE_DATA | FileAccess.READ_ATTRIBUTES,
    share: FileShare.READ,
  },
  {
    label: "deny-all (share access 0)",
    access: FileAccess.READ_DATA | FileAccess.READ_ATTRIBUTES,
    share: FileShare.NONE,
  },
] as const;

describe("SMB connector e2e: a file held open by another client is never replaced", () => {
  let smb: SmbSide;
  let server: ScaidriveProcess;
  let other: SmbClient;

  before(async () => {
    smb = await startSmbSide();
    server = await startScaidriveProcess();
    other = await SmbClient.connect({
      host: smb.samba.host,
      port: smb.samba.port,
      domain: smb.samba.domain,
      username: smb.samba.username,
      password: smb.samba.password,
    });
  });
  after(async () => {
    await other?.close();
    await server?.stop();
    await smb?.close();
  });

  const smbText = (rel: string) => readFileSync(join(smb.dir, rel), "utf8");
  const ino = (rel: string) => statSync(join(smb.dir, rel)).ino;
  const hold = async (rel: string, h: (typeof HOLDERS)[number]): Promise<SmbOpenFile> =>
    (await other.tree("share")).open(rel, { access: h.access, share: h.share });
  const lockedEntry = (job: any, path: string) => {
    assert.equal(job.status, "completed", JSON.stringify(job));
    const errors = job.entries.filter((e: any) => e.result === "error");
    assert.equal(errors.length, 1, JSON.stringify(errors));
    assert.equal(errors[0].path, path);
    assert.equal(errors[0].error.code, "locked");
    assert.match(errors[0].error.message, new RegExp(`"${path}" is open in another program`));
  };

  for (const direction of ["scaidrive_to_smb", "bidirectional"] as const) {
    for (const [i, holder] of HOLDERS.entries()) {
      test(
        `${direction}, ${holder.label}: the push is locked, the share's ` +
          `bytes stay; after the close the next run pushes`,
        async () => {
          const B = `lock-${direction}-${i}`;
          smbMkdir(smb, B);
          const scai = await ScaiSide.create(server, `Lock ${direction} ${i}`);
          await scai.put("book.xlsx", "version 1");
          const cnn = await createConnector(
            server,
            connectorBody(smb.samba, scai.shareId, { base_path: B, sync_direction: direction }),
          );
          expectClean(await syncAndWait(server, cnn));
          assert.equal(smbText(`${B}/book.xlsx`), "version 1");
          const inode = ino(`${B}/book.xlsx`);

          const held = await hold(`${B}/book.xlsx`, holder);
          try {
            await scai.put("book.xlsx", "version 2, longer");
            for (const run of [1, 2]) {
              const job = await syncAndWait(server, cnn);
              lockedEntry(job, "book.xlsx");
              assert.equal(job.files_synced, 0, `run ${run}`);
              assert.equal(smbText(`${B}/book.xlsx`), "version 1", `run ${run}: the open document is untouched`);
              assert.equal(ino(`${B}/book.xlsx`), inode, `run ${run}: the same file, not a replacement`);
              assert.equal(await scai.get("book.xlsx"), "version 2, longer", `run ${run}: ScaiDrive keeps its edit`);
            }
          } finally {
            await held.close();
          }
          const pushed = expectClean(await syncAndWait(server, cnn));
          assert.equal(pushed.files_synced, 1);
          assert.equal(smbText(`${B}/book.xlsx`), "version 2, longer");
          assert.equal(expectClean(await syncAndWait(server, cnn)).files_synced, 0);
        },
      );
    }
  }

  test("a push job and a mount upload get the same protection", async () => {
    const B = "lock-push";
    smbWrite(smb, `${B}/docs/report.docx`, "on the share");
    smbMkdir(smb, `${B}/mounted`);
    smbWrite(smb, `${B}/mounted/sheet.xlsx`, "sheet on the share");
    const scai = await ScaiSide.create(server, "Lock push");
    const cnn = await createConnector(
      server,
      connectorBody(smb.samba, scai.shareId, { base_path: B, sync_direction: "smb_to_scaidrive" }),
    );
    await scai.put("docs/report.docx", "pushed from scaidrive, longer");

    const push = async () => {
      const r = await server.api("POST", `${BASE}/${cnn}/push`, { json: { path: "docs", after_copy: "keep" } });
      assert.equal(r.status, 202, JSON.stringify(r.body));
      return waitJob(server, cnn, r.body.id);
    };
    for (const [i, holder] of HOLDERS.entries()) {
      const held = await hold(`${B}/docs/report.docx`, holder);
      try {
        lockedEntry(await push(), "docs/report.docx");
        assert.equal(smbText(`${B}/docs/report.docx`), "on the share", `holder ${i}: untouched`);
      } finally {
        await held.close();
      }
    }
    expectClean(await push());
    assert.equal(smbText(`${B}/docs/report.docx`), "pushed from scaidrive, longer");

    const m = await server.api("POST", "/api/v1/mounts", {
      json: { share_id: scai.shareId, path: "/Mounted", connector_id: cnn, remote_path: "mounted" },
    });
    assert.equal(m.status, 201, JSON.stringify(m.body));
    const upload = (content: string) =>
      server.api("PUT", `/api/v1/shares/${scai.shareId}/content?path=${encodeURIComponent("/Mounted/sheet.xlsx")}`, {
        raw: content,
      });
    for (const [i, holder] of HOLDERS.entries()) {
      const held = await hold(`${B}/mounted/sheet.xlsx`, holder);
      try {
        const r = await upload("uploaded through the mount");
        assert.equal(r.status, 409, JSON.stringify(r.body));
        assert.equal(r.body.error.code, "CONFLICT");
        assert.equal(r.body.error.details.reason, "locked");
        assert.equal(smbText(`${B}/mounted/sheet.xlsx`), "sheet on the share", `holder ${i}: untouched`);
      } finally {
        await held.close();
      }
    }
    const ok = await upload("uploaded through the mount");
    assert.equal(ok.status, 200, JSON.stringify(ok.body));
    assert.equal(smbText(`${B}/mounted/sheet.xlsx`), "uploaded through the mount");
  });
});
