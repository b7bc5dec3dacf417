/**
 * End to end, bidirectional: each conflict strategy with the same file edited on both sides
 * between runs. SMB modification times are set explicitly (one hour ahead / behind the ScaiDrive
 * edit) so LAST_WRITER_WINS has a definite winner; identical edits on both sides are never a
 * conflict.
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { startScaidriveProcess, type ScaidriveProcess } from "../../harness/scaidrive-process.js";
import {
  ScaiSide,
  connectorBody,
  createConnector,
  expectClean,
  smbFiles,
  smbWrite,
  startSmbSide,
  syncAndWait,
  type SmbSide,
} from "./e2e-world.js";

const HOUR = 3_600_000;

describe("SMB connector e2e: conflict strategies", () => {
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

  /**
   * Syncs `smb-newer.txt`, `scai-newer.txt`, `same.txt` (+ two untouched files), then edits all
   * three on both sides: SMB one hour in the future / past; `same.txt` identically.
   */
  async function conflicted(strategy: string) {
    const B = strategy.toLowerCase();
    for (const n of ["smb-newer.txt", "scai-newer.txt", "same.txt", "calm1.txt", "calm2.txt"])
      smbWrite(smb, `${B}/${n}`, `${n} base`, new Date(Date.now() - 2 * HOUR));
    const scai = await ScaiSide.create(server, `Conflicts ${strategy}`);
    const cnn = await createConnector(
      server,
      connectorBody(smb.samba, scai.shareId, { base_path: B, conflict_resolution: strategy }),
    );
    expectClean(await syncAndWait(server, cnn));
    const ids = {
      smbNewer: (await scai.stat("smb-newer.txt")).id,
      scaiNewer: (await scai.stat("scai-newer.txt")).id,
      same: (await scai.stat("same.txt")).id,
    };

    await scai.put("smb-newer.txt", "scaidrive edit (older)");
    await scai.put("scai-newer.txt", "scaidrive edit (newer)");
    await scai.put("same.txt", "identical edit");
    smbWrite(smb, `${B}/smb-newer.txt`, "smb edit (newer)", new Date(Date.now() + HOUR));
    smbWrite(smb, `${B}/scai-newer.txt`, "smb edit (older)", new Date(Date.now() - HOUR));
    smbWrite(smb, `${B}/same.txt`, "identical edit", new Date(Date.now() + HOUR));

    const job = expectClean(await syncAndWait(server, cnn));
    assert.equal(await scai.get("same.txt"), "identical edit");
    assert.equal(smbText(`${B}/same.txt`), "identical edit");
    assert.equal((await scai.stat("same.txt")).id, ids.same);
    const noop = expectClean(await syncAndWait(server, cnn));
    assert.equal(noop.files_synced, 0, `the resolution is stable: ${JSON.stringify(noop)}`);
    return { B, scai, ids, job };
  }

  test("LAST_WRITER_WINS: the newer modification time wins on both sides", async () => {
    const { B, scai, ids } = await conflicted("LAST_WRITER_WINS");
    assert.equal(await scai.get("smb-newer.txt"), "smb edit (newer)");
    assert.equal(smbText(`${B}/smb-newer.txt`), "smb edit (newer)");
    assert.equal(await scai.get("scai-newer.txt"), "scaidrive edit (newer)");
    assert.equal(smbText(`${B}/scai-newer.txt`), "scaidrive edit (newer)");
    assert.equal((await scai.stat("smb-newer.txt")).id, ids.smbNewer);
    assert.deepEqual(
      await scai.files(),
      ["calm1.txt", "calm2.txt", "same.txt", "scai-newer.txt", "smb-newer.txt"],
      "no conflict copies",
    );
  });

  test("KEEP_BOTH: ScaiDrive copy renamed 'name (conflict).ext', SMB keeps the name", async () => {
    const { B, scai, ids } = await conflicted("KEEP_BOTH");
    for (const name of ["smb-newer", "scai-newer"]) {
      const smbEdit = name === "smb-newer" ? "smb edit (newer)" : "smb edit (older)";
      const scaiEdit = name === "smb-newer" ? "scaidrive edit (older)" : "scaidrive edit (newer)";
      assert.equal(await scai.get(`${name}.txt`), smbEdit, "the SMB version takes the name in ScaiDrive");
      assert.equal(smbText(`${B}/${name}.txt`), smbEdit, "SMB keeps its name and content");
      assert.equal(await scai.get(`${name} (conflict).txt`), scaiEdit);
      assert.equal(smbText(`${B}/${name} (conflict).txt`), scaiEdit, "the conflict copy reaches SMB too");
    }
    assert.equal(
      (await scai.stat("smb-newer (conflict).txt")).id,
      ids.smbNewer,
      "the ScaiDrive file was renamed (moved), not copied",
    );
    assert.deepEqual(await scai.files(), [
      "calm1.txt",
      "calm2.txt",
      "same.txt",
      "scai-newer (conflict).txt",
      "scai-newer.txt",
      "smb-newer (conflict).txt",
      "smb-newer.txt",
    ]);
    assert.deepEqual(
      smbFiles(smb, B),
      (await scai.files()).map((f) => `${B}/${f}`),
    );
  });

  test("SCAIDRIVE_WINS: ScaiDrive content everywhere, whatever the times", async () => {
    const { B, scai } = await conflicted("SCAIDRIVE_WINS");
    for (const [name, content] of [
      ["smb-newer.txt", "scaidrive edit (older)"],
      ["scai-newer.txt", "scaidrive edit (newer)"],
    ]) {
      assert.equal(await scai.get(name!), content);
      assert.equal(smbText(`${B}/${name}`), content);
    }
    assert.deepEqual(
      smbFiles(smb, B),
      ["calm1.txt", "calm2.txt", "same.txt", "scai-newer.txt", "smb-newer.txt"].map((f) => `${B}/${f}`),
    );
  });

  test("SMB_WINS: SMB content everywhere, whatever the times", async () => {
    const { B, scai } = await conflicted("SMB_WINS");
    for (const [name, content] of [
      ["smb-newer.txt", "smb edit (newer)"],
      ["scai-newer.txt", "smb edit (older)"],
    ]) {
      assert.equal(await scai.get(name!), content);
      assert.equal(smbText(`${B}/${name}`), content);
    }
    assert.deepEqual(await scai.files(), ["calm1.txt", "calm2.txt", "same.txt", "scai-newer.txt", "smb-newer.txt"]);
  });
});
