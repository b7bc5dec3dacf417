/**
 * End to end, through HTTP against the real server (child process) and real Samba: the three sync
 * directions, and create / edit / delete / rename of files and folders on each side. Renames must
 * arrive as moves: the ScaiDrive file id survives an SMB-side rename, the SMB file (inode) survives
 * a ScaiDrive-side rename.
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { startScaidriveProcess, type ScaidriveProcess } from "../../harness/scaidrive-process.js";
import {
  ScaiSide,
  connectorBody,
  createConnector,
  expectClean,
  smbDelete,
  smbExists,
  smbFiles,
  smbMkdir,
  smbRename,
  smbWrite,
  startSmbSide,
  syncAndWait,
  type SmbSide,
} from "./e2e-world.js";

describe("SMB connector e2e: directions and edits on each side", () => {
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

  const smbText = (rel: string) => readFileSync(join(smb.dir, rel), "utf8");
  const ino = (rel: string) => statSync(join(smb.dir, rel)).ino;

  test("bidirectional: create, edit, delete, rename and folder rename on each side", async () => {
    const B = "bidi";
    for (const [p, c] of [
      ["a.txt", "a1"],
      ["docs/b.txt", "b1"],
      ["docs/c.txt", "c1"],
      ["old folder/x.txt", "x1"],
      ["old folder/sub/y.txt", "y1"],
      ["keep1.txt", "k1"],
      ["keep2.txt", "k2"],
    ])
      smbWrite(smb, `${B}/${p}`, c!);
    const scai = await ScaiSide.create(server, "Bidi");
    const cnn = await createConnector(server, connectorBody(smb.samba, scai.shareId, { base_path: B }));
    await scai.put("s1.txt", "s1 from scaidrive");

    const first = expectClean(await syncAndWait(server, cnn));
    assert.equal(first.files_synced, 8, JSON.stringify(first));
    assert.deepEqual(await scai.files(), [
      "a.txt",
      "docs/b.txt",
      "docs/c.txt",
      "keep1.txt",
      "keep2.txt",
      "old folder/sub/y.txt",
      "old folder/x.txt",
      "s1.txt",
    ]);
    assert.equal(await scai.get("docs/b.txt"), "b1");
    assert.equal(smbText(`${B}/s1.txt`), "s1 from scaidrive");
    const ids = {
      a: (await scai.stat("a.txt")).id,
      b: (await scai.stat("docs/b.txt")).id,
      x: (await scai.stat("old folder/x.txt")).id,
      y: (await scai.stat("old folder/sub/y.txt")).id,
    };

    // SMB side: edit, rename, delete, create, folder rename. ScaiDrive side: edit, create.
    smbWrite(smb, `${B}/a.txt`, "a2 edited on smb", new Date(Date.now() + 5_000));
    smbRename(smb, `${B}/docs/b.txt`, `${B}/docs/b renamed.txt`);
    smbDelete(smb, `${B}/docs/c.txt`);
    smbWrite(smb, `${B}/n.txt`, "new on smb");
    smbRename(smb, `${B}/old folder`, `${B}/new folder`);
    await scai.put("s1.txt", "s1 edited in scaidrive");
    await scai.put("s2.txt", "s2 new in scaidrive");

    expectClean(await syncAndWait(server, cnn));
    assert.deepEqual(await scai.files(), [
      "a.txt",
      "docs/b renamed.txt",
      "keep1.txt",
      "keep2.txt",
      "n.txt",
      "new folder/sub/y.txt",
      "new folder/x.txt",
      "s1.txt",
      "s2.txt",
    ]);
    assert.equal(await scai.get("a.txt"), "a2 edited on smb");
    assert.equal((await scai.stat("a.txt")).id, ids.a, "an edit is a new version of the same file");
    assert.equal((await scai.stat("docs/b renamed.txt")).id, ids.b, "SMB rename applied as a move");
    assert.equal((await scai.stat("new folder/x.txt")).id, ids.x, "folder rename moved its children");
    assert.equal((await scai.stat("new folder/sub/y.txt")).id, ids.y);
    assert.equal(await scai.stat("old folder"), undefined);
    assert.equal(await scai.get("n.txt"), "new on smb");
    assert.equal(smbText(`${B}/s1.txt`), "s1 edited in scaidrive");
    assert.equal(smbText(`${B}/s2.txt`), "s2 new in scaidrive");

    // ScaiDrive side: rename, delete, edit, folder rename.
    const s2Inode = ino(`${B}/s2.txt`);
    const yInode = ino(`${B}/new folder/sub/y.txt`);
    await scai.move("s2.txt", "s2 renamed.txt");
    await scai.del("n.txt");
    await scai.put("a.txt", "a3 edited in scaidrive");
    await scai.move("new folder", "renamed in scaidrive");

    expectClean(await syncAndWait(server, cnn));
    assert.deepEqual(smbFiles(smb, B), [
      `${B}/a.txt`,
      `${B}/docs/b renamed.txt`,
      `${B}/keep1.txt`,
      `${B}/keep2.txt`,
      `${B}/renamed in scaidrive/sub/y.txt`,
      `${B}/renamed in scaidrive/x.txt`,
      `${B}/s1.txt`,
      `${B}/s2 renamed.txt`,
    ]);
    assert.equal(ino(`${B}/s2 renamed.txt`), s2Inode, "ScaiDrive rename applied on SMB as a rename");
    assert.equal(
      ino(`${B}/renamed in scaidrive/sub/y.txt`),
      yInode,
      "ScaiDrive folder rename applied on SMB as a rename",
    );
    assert.equal(smbText(`${B}/a.txt`), "a3 edited in scaidrive");
    assert.ok(!smbExists(smb, `${B}/new folder`));

    const noop = expectClean(await syncAndWait(server, cnn));
    assert.equal(noop.files_synced, 0, "nothing left to do");
  });

  test("smb_to_scaidrive: SMB is imposed on ScaiDrive, deletes included; SMB never changes", async () => {
    const B = "s2s";
    const names = ["p.txt", "q.txt", "r.txt", "s.txt", "t.txt", "u.txt", "v.txt", "w.txt"];
    for (const n of names) smbWrite(smb, `${B}/${n}`, `${n} v1`);
    const scai = await ScaiSide.create(server, "SmbToScai");
    const cnn = await createConnector(
      server,
      connectorBody(smb.samba, scai.shareId, { base_path: B, sync_direction: "smb_to_scaidrive" }),
    );
    expectClean(await syncAndWait(server, cnn));
    assert.deepEqual(await scai.files(), names);

    await scai.put("p.txt", "p edited in scaidrive");
    await scai.del("q.txt");
    await scai.put("extra.txt", "only in scaidrive");
    await scai.move("t.txt", "t moved.txt");
    smbWrite(smb, `${B}/r.txt`, "r v2 on smb", new Date(Date.now() + 5_000));
    smbDelete(smb, `${B}/s.txt`);

    expectClean(await syncAndWait(server, cnn));
    assert.deepEqual(
      await scai.files(),
      names.filter((n) => n !== "s.txt"),
    );
    assert.equal(await scai.get("p.txt"), "p.txt v1", "ScaiDrive edit overwritten");
    assert.equal(await scai.get("q.txt"), "q.txt v1", "ScaiDrive delete restored");
    assert.equal(await scai.get("t.txt"), "t.txt v1", "ScaiDrive rename reverted");
    assert.equal(await scai.get("r.txt"), "r v2 on smb");
    assert.deepEqual(
      smbFiles(smb, B),
      names.filter((n) => n !== "s.txt").map((n) => `${B}/${n}`),
      "SMB untouched",
    );
    assert.equal(smbText(`${B}/p.txt`), "p.txt v1");
  });

  test("scaidrive_to_smb: ScaiDrive is imposed on SMB, deletes included; ScaiDrive never changes", async () => {
    const B = "scai2s";
    const names = ["p.txt", "q.txt", "r.txt", "s.txt", "t.txt", "u.txt", "v.txt", "w.txt"];
    smbMkdir(smb, B);
    const scai = await ScaiSide.create(server, "ScaiToSmb");
    for (const n of names) await scai.put(n, `${n} v1`);
    const cnn = await createConnector(
      server,
      connectorBody(smb.samba, scai.shareId, { base_path: B, sync_direction: "scaidrive_to_smb" }),
    );
    expectClean(await syncAndWait(server, cnn));
    assert.deepEqual(
      smbFiles(smb, B),
      names.map((n) => `${B}/${n}`),
    );

    smbWrite(smb, `${B}/p.txt`, "p edited on smb", new Date(Date.now() + 60_000));
    smbDelete(smb, `${B}/q.txt`);
    smbWrite(smb, `${B}/extra.txt`, "only on smb");
    await scai.put("r.txt", "r v2 in scaidrive");
    await scai.del("s.txt");
    const pId = (await scai.stat("p.txt")).id;
    const pVersions = (await scai.versions(pId)).length;

    expectClean(await syncAndWait(server, cnn));
    const expected = names.filter((n) => n !== "s.txt");
    assert.deepEqual(
      smbFiles(smb, B),
      expected.map((n) => `${B}/${n}`),
    );
    assert.equal(smbText(`${B}/p.txt`), "p.txt v1", "SMB edit overwritten");
    assert.equal(smbText(`${B}/q.txt`), "q.txt v1", "SMB delete restored");
    assert.equal(smbText(`${B}/r.txt`), "r v2 in scaidrive");
    assert.deepEqual(await scai.files(), expected, "ScaiDrive untouched");
    assert.equal(await scai.get("p.txt"), "p.txt v1");
    assert.equal((await scai.versions(pId)).length, pVersions, "no version added on the authoritative side");
  });
});
