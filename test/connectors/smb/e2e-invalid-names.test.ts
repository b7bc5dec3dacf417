/**
 * End to end through HTTP with real Samba in its default configuration (`mangled names = yes`):
 * ScaiDrive names Windows cannot hold as spelled — reserved device names (also with an
 * extension, in any case, the superscript forms), a trailing dot or space, `:` — are refused per
 * file with `invalid_name` and the reason, before anything is written. Samba would store them and
 * list them under an 8.3 alias afterwards, which the engine took for a rename. Nothing is renamed
 * in ScaiDrive and a second run changes nothing. A file created on the share's disk under such a
 * name arrives under its alias and keeps it.
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { startScaidriveProcess, type ScaidriveProcess } from "../../harness/scaidrive-process.js";
import {
  ScaiSide,
  connectorBody,
  createConnector,
  expectClean,
  smbFiles,
  smbMkdir,
  smbWrite,
  startSmbSide,
  syncAndWait,
  type SmbSide,
} from "./e2e-world.js";

/** ScaiDrive name → the reason the SMB side must give. */
const REFUSED: Record<string, RegExp> = {
  "aux.txt": /reserved device name \(AUX\)/,
  CON: /reserved device name \(CON\)/,
  "nul.tar.gz": /reserved device name \(NUL\)/,
  "Com7.log": /reserved device name \(COM7\)/,
  "LPT\u00b9": /reserved device name \(LPT\u00b9\)/,
  "trailing dot.": /ends with a dot/,
  "trailing space ": /ends with a space/,
  "a:b.txt": /contains ':'/,
  "PRN/inside.txt": /reserved device name \(PRN\)/,
};

describe("SMB connector e2e: names Windows cannot hold (default mangled names)", () => {
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

  /** Error entries by path: the code and message of each. */
  const errorsOf = (job: any): Map<string, { code: string; message: string }> =>
    new Map(job.entries.filter((e: any) => e.result === "error").map((e: any) => [e.path, e.error]));

  const seed = async (scai: ScaiSide): Promise<Map<string, string>> => {
    await scai.put("ok.txt", "fine");
    for (const name of Object.keys(REFUSED)) await scai.put(name, `content of ${name}`);
    const ids = new Map<string, string>();
    for (const name of ["ok.txt", ...Object.keys(REFUSED)]) ids.set(name, (await scai.stat(name)).id);
    return ids;
  };

  const checkRefused = (job: any, run: number) => {
    assert.equal(job.status, "completed", JSON.stringify(job));
    const errors = errorsOf(job);
    for (const [name, reason] of Object.entries(REFUSED)) {
      // A file below a refused folder fails with its folder.
      const at = name.includes("/") ? name.slice(0, name.indexOf("/")) : name;
      const err = errors.get(at);
      assert.ok(err, `run ${run}: an error entry for ${JSON.stringify(at)}: ${JSON.stringify([...errors])}`);
      assert.equal(err.code, "invalid_name", `run ${run}: ${at}`);
      assert.match(err.message, reason, `run ${run}: ${at}`);
    }
    const moves = job.entries.filter((e: any) => e.result === "ok" && e.action !== "copy");
    assert.deepEqual(moves, [], `run ${run}: no moves or renames`);
  };

  for (const direction of ["bidirectional", "scaidrive_to_smb"] as const) {
    test(
      `${direction}: each refused per file with the reason; ` +
        `nothing renamed in ScaiDrive; the next run changes nothing`,
      async () => {
        const B = `names-${direction}`;
        smbMkdir(smb, B);
        const scai = await ScaiSide.create(server, `Names ${direction}`);
        const ids = await seed(scai);
        const cnn = await createConnector(
          server,
          connectorBody(smb.samba, scai.shareId, { base_path: B, sync_direction: direction }),
        );

        const first = await syncAndWait(server, cnn);
        checkRefused(first, 1);
        assert.equal(first.files_synced, 1, "only ok.txt was copied");
        assert.deepEqual(
          smbFiles(smb, B),
          [`${B}/ok.txt`],
          "nothing but ok.txt reached the share, under no name at all",
        );

        for (const run of [2, 3]) {
          const again = await syncAndWait(server, cnn);
          checkRefused(again, run);
          assert.equal(again.files_synced, 0, `run ${run}: nothing to do`);
          assert.deepEqual(
            again.entries.filter((e: any) => e.result === "ok"),
            [],
            `run ${run}: no action succeeded, so none happened`,
          );
        }
        assert.deepEqual(await scai.files(), ["ok.txt", ...Object.keys(REFUSED)].sort(), "ScaiDrive keeps every name");
        for (const [name, id] of ids) assert.equal((await scai.stat(name)).id, id, `${name} keeps its id`);
        assert.deepEqual(smbFiles(smb, B), [`${B}/ok.txt`]);
      },
    );
  }

  test(
    "a file made on the share's disk under such a name arrives " + "under Samba's alias and keeps it, edits included",
    async () => {
      const B = "aliases";
      for (const name of ["aux.txt", "CON", "trailing dot."]) smbWrite(smb, `${B}/${name}`, `disk ${name}`);
      const scai = await ScaiSide.create(server, "Aliases");
      const cnn = await createConnector(server, connectorBody(smb.samba, scai.shareId, { base_path: B }));
      const first = expectClean(await syncAndWait(server, cnn));
      assert.equal(first.files_synced, 3);
      const names = await scai.files();
      assert.equal(names.length, 3);
      assert.ok(
        names.every((n) => /^[A-Z0-9_]{1,6}~[0-9A-Z](\.[A-Z0-9]{1,3})?$/.test(n)),
        `8.3 aliases: ${names.join(", ")}`,
      );
      const ids = new Map(await Promise.all(names.map(async (n) => [n, (await scai.stat(n)).id] as const)));

      for (const run of [2, 3]) {
        const again = expectClean(await syncAndWait(server, cnn));
        assert.equal(again.files_synced, 0, `run ${run}: ${JSON.stringify(again.entries)}`);
        assert.deepEqual(await scai.files(), names, `run ${run}: the names do not flip`);
      }
      // An edit in ScaiDrive goes to the file behind the alias; the alias stays what it was.
      const aux = names.find((n) => n.endsWith(".TXT"))!;
      await scai.put(aux, "edited in scaidrive");
      const pushed = expectClean(await syncAndWait(server, cnn));
      assert.equal(pushed.files_synced, 1);
      assert.equal(readFileSync(join(smb.dir, B, "aux.txt"), "utf8"), "edited in scaidrive");
      assert.deepEqual(readdirSync(join(smb.dir, B)).sort(), ["CON", "aux.txt", "trailing dot."]);
      const after = expectClean(await syncAndWait(server, cnn));
      assert.equal(after.files_synced, 0, JSON.stringify(after.entries));
      assert.deepEqual(await scai.files(), names);
      for (const [n, id] of ids) assert.equal((await scai.stat(n)).id, id, `${n} keeps its id`);
    },
  );
});
