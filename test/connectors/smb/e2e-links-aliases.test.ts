/**
 * End to end through HTTP with real Samba 4.17: symbolic links made by Unix users in the share
 * (default `follow symlinks = yes`, `follow symlinks = no`, a link loop) and the mangled 8.3
 * aliases under which Samba (default `mangled names = illegal`) lists names Windows clients
 * cannot hold. What an earlier build wrote under such names is put on the share's disk directly.
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { lchownSync, readdirSync, readFileSync, symlinkSync } from "node:fs";
import { join } from "node:path";
import { startScaidriveProcess, type ScaidriveProcess } from "../../harness/scaidrive-process.js";
import { startSamba, type SambaInstance } from "../../harness/samba.js";
import {
  ScaiSide,
  connectorBody,
  createConnector,
  expectClean,
  patchConnector,
  smbDelete,
  smbMkdir,
  smbWrite,
  startSmbSide,
  syncAndWait,
  type SmbSide,
} from "./e2e-world.js";

const MANGLED = /^[A-Z0-9_]{6}~[A-Z0-9](\.[A-Z0-9]{1,3})?$/;

describe("SMB connector e2e: symbolic links and Samba's mangled names", () => {
  let smb: SmbSide;
  let noFollow: SmbSide;
  /** A second smbd on `smb`'s directory that lists real names (`mangled names = no`). */
  let legacy: SambaInstance;
  let server: ScaidriveProcess;

  before(async () => {
    smb = await startSmbSide();
    noFollow = await startSmbSide({ share: { "follow symlinks": "no" } });
    legacy = await startSamba({ shares: { share: { path: smb.dir, "mangled names": "no" } } });
    server = await startScaidriveProcess();
  });
  after(async () => {
    await server?.stop();
    await legacy?.stop();
    await smb?.close();
    await noFollow?.close();
  });

  const link = (side: SmbSide, rel: string, target: string) => {
    symlinkSync(target, join(side.dir, rel));
    lchownSync(join(side.dir, rel), side.samba.uid, side.samba.gid);
  };
  const diskText = (side: SmbSide, rel: string) => readFileSync(join(side.dir, rel), "utf8");
  /** A job that changed nothing: no action planned, no entry but the given skipped ones. */
  const assertNoop = (job: any, skipped: string[] = []) => {
    expectClean(job);
    assert.equal(job.files_synced, 0, JSON.stringify(job.entries));
    assert.equal(job.files_total, 0, JSON.stringify(job.entries));
    assert.deepEqual(
      job.entries.map((e: any) => `${e.result} ${e.path}`).sort(),
      skipped.map((p) => `skipped ${p}`).sort(),
    );
  };
  const nodeIds = async (scai: ScaiSide, rels: string[]) =>
    Object.fromEntries(await Promise.all(rels.map(async (r) => [r, (await scai.stat(r))?.id])));

  test(
    "default Samba: a file and a folder reached through links sync under " +
      "every name, the real ones included, whichever name sorts first",
    async () => {
      const B = "links";
      smbWrite(smb, `${B}/target.txt`, "target v1");
      smbWrite(smb, `${B}/realdir/inner.txt`, "inner v1");
      link(smb, `${B}/a-link.txt`, "target.txt"); // sorts before its target
      link(smb, `${B}/z-link.txt`, "target.txt"); // sorts after it
      link(smb, `${B}/a-dir`, "realdir");
      link(smb, `${B}/z-dir`, "realdir");
      link(smb, `${B}/escape`, "/etc"); // leaves the share: Samba (wide links = no) does not list it
      link(smb, `${B}/dangling`, "nowhere");
      const scai = await ScaiSide.create(server, "Links");
      const cnn = await createConnector(server, connectorBody(smb.samba, scai.shareId, { base_path: B }));

      const first = expectClean(await syncAndWait(server, cnn));
      const all = ["a-dir/inner.txt", "a-link.txt", "realdir/inner.txt", "target.txt", "z-dir/inner.txt", "z-link.txt"];
      assert.deepEqual(await scai.files(), all);
      assert.deepEqual(
        first.entries.filter((e: any) => e.result !== "ok"),
        [],
        "nothing skipped: no name counts as a reparse point",
      );
      for (const f of ["target.txt", "a-link.txt", "z-link.txt"]) assert.equal(await scai.get(f), "target v1");
      for (const d of ["realdir", "a-dir", "z-dir"]) assert.equal(await scai.get(`${d}/inner.txt`), "inner v1");
      const ids = await nodeIds(scai, all);

      // Two names with one file id are never taken for a rename of each other, in either order.
      assertNoop(await syncAndWait(server, cnn));
      assertNoop(await syncAndWait(server, cnn));
      assert.deepEqual(await nodeIds(scai, all), ids);

      // An edit of the target shows under every name; deleting a link deletes only its copy.
      smbWrite(smb, `${B}/target.txt`, "target v2", new Date(Date.now() + 5_000));
      smbWrite(smb, `${B}/realdir/inner.txt`, "inner v2", new Date(Date.now() + 5_000));
      smbDelete(smb, `${B}/z-link.txt`);
      smbDelete(smb, `${B}/a-dir`);
      const edited = expectClean(await syncAndWait(server, cnn));
      assert.ok(!edited.entries.some((e: any) => e.action === "move"), JSON.stringify(edited.entries));
      assert.deepEqual(await scai.files(), ["a-link.txt", "realdir/inner.txt", "target.txt", "z-dir/inner.txt"]);
      for (const f of ["target.txt", "a-link.txt"]) assert.equal(await scai.get(f), "target v2");
      for (const d of ["realdir", "z-dir"]) assert.equal(await scai.get(`${d}/inner.txt`), "inner v2");
      assert.equal((await scai.stat("target.txt")).id, ids["target.txt"], "the real file keeps its ScaiDrive id");
      assert.equal((await scai.stat("realdir/inner.txt")).id, ids["realdir/inner.txt"]);

      // A ScaiDrive edit of the real file reaches the links on the next run, then all is quiet.
      await scai.put("target.txt", "target v3 from scaidrive");
      expectClean(await syncAndWait(server, cnn));
      assert.equal(diskText(smb, `${B}/target.txt`), "target v3 from scaidrive");
      assert.equal(diskText(smb, `${B}/a-link.txt`), "target v3 from scaidrive", "still a link to the target");
      expectClean(await syncAndWait(server, cnn));
      assert.equal(await scai.get("a-link.txt"), "target v3 from scaidrive");
      assertNoop(await syncAndWait(server, cnn));
    },
  );

  test("follow symlinks = no: Samba hides the links, the real items sync, nothing changes on later runs", async () => {
    const B = "nofollow";
    smbWrite(noFollow, `${B}/target.txt`, "target");
    smbWrite(noFollow, `${B}/realdir/inner.txt`, "inner");
    link(noFollow, `${B}/a-link.txt`, "target.txt");
    link(noFollow, `${B}/z-link.txt`, "target.txt");
    link(noFollow, `${B}/a-dir`, "realdir");
    link(noFollow, `${B}/loop`, ".");
    const scai = await ScaiSide.create(server, "No follow");
    const cnn = await createConnector(server, connectorBody(noFollow.samba, scai.shareId, { base_path: B }));
    const first = expectClean(await syncAndWait(server, cnn));
    assert.deepEqual(await scai.files(), ["realdir/inner.txt", "target.txt"]);
    assert.deepEqual(
      first.entries.filter((e: any) => e.result !== "ok"),
      [],
    );
    assertNoop(await syncAndWait(server, cnn));
  });

  test(
    "a link loop (loop -> .) is cut with a skipped job " + "entry naming the loop; everything else syncs once",
    async () => {
      const B = "loops";
      smbWrite(smb, `${B}/top.txt`, "top");
      smbWrite(smb, `${B}/sub/deep.txt`, "deep");
      link(smb, `${B}/loop`, ".");
      link(smb, `${B}/sub/up`, "..");
      const scai = await ScaiSide.create(server, "Loops");
      const cnn = await createConnector(server, connectorBody(smb.samba, scai.shareId, { base_path: B }));
      const first = expectClean(await syncAndWait(server, cnn));
      assert.deepEqual(await scai.files(), ["sub/deep.txt", "top.txt"]);
      const skipped = first.entries.filter((e: any) => e.result === "skipped");
      assert.deepEqual(skipped.map((e: any) => [e.path, e.detail]).sort(), [
        ["loop", "folder loop: the same folder as the remote root (a link back up the tree), not descended"],
        ["sub/up", "folder loop: the same folder as the remote root (a link back up the tree), not descended"],
      ]);
      assertNoop(await syncAndWait(server, cnn), ["loop", "sub/up"]);
    },
  );

  /** Names Windows clients cannot hold that an earlier build wrote to the share as ScaiDrive spells them. */
  const written = ["aux.txt", "CON", "trailing dot.", "trailing space ", "prn/child.txt", "prn/nul"];

  /**
   * The state an earlier build left: the names on the share and in ScaiDrive, recorded under the
   * real names. Recorded through a second smbd on the same directory with `mangled names = no`,
   * which lists the real names (nothing is written: both sides hold the same bytes), after which
   * the connector moves to the share's ordinary smbd, which lists the aliases.
   */
  const earlierBuild = async (B: string, shareName: string, direction: string) => {
    const scai = await ScaiSide.create(server, shareName);
    for (const n of written) {
      smbWrite(smb, `${B}/${n}`, `content of ${n}`, new Date(Date.UTC(2024, 0, 1)));
      await scai.put(n, `content of ${n}`);
    }
    const cnn = await createConnector(
      server,
      connectorBody(legacy, scai.shareId, { base_path: B, sync_direction: direction }),
    );
    const seeded = expectClean(await syncAndWait(server, cnn));
    assert.equal(seeded.files_synced, 0, JSON.stringify(seeded.entries));
    await patchConnector(server, cnn, {
      server_host: smb.samba.host,
      server_port: smb.samba.port,
      password: smb.samba.password,
    });
    return { scai, cnn, listed: readdirSync(join(smb.dir, B)).sort(), ids: await nodeIds(scai, written) };
  };

  test(
    "bidirectional: items the share lists under mangled aliases " +
      "are never renamed in ScaiDrive; no-op runs report 0 changes",
    async () => {
      const B = "mangled-bidi";
      const { scai, cnn, listed, ids } = await earlierBuild(B, "Mangled bidi", "bidirectional");
      for (let run = 2; run <= 3; run++) assertNoop(await syncAndWait(server, cnn));
      assert.deepEqual(await scai.files(), [...written].sort(), "ScaiDrive keeps its names; no alias arrived");
      assert.deepEqual(await nodeIds(scai, written), ids, "same nodes");
      for (const n of written) assert.equal((await scai.versions(ids[n])).length, 1, `${n}: no new version`);
      assert.deepEqual(readdirSync(join(smb.dir, B)).sort(), listed, "nothing renamed or added on the share");

      // An edit on the share reaches the real name in ScaiDrive; a ScaiDrive delete removes the real file.
      smbWrite(smb, `${B}/aux.txt`, "aux edited on the share", new Date(Date.now() + 5_000));
      smbWrite(smb, `${B}/prn/child.txt`, "child edited on the share", new Date(Date.now() + 5_000));
      await scai.del("trailing dot.");
      const changed = expectClean(await syncAndWait(server, cnn));
      assert.ok(!changed.entries.some((e: any) => e.action === "move"), JSON.stringify(changed.entries));
      assert.equal(await scai.get("aux.txt"), "aux edited on the share");
      assert.equal((await scai.stat("aux.txt")).id, ids["aux.txt"]);
      assert.equal(await scai.get("prn/child.txt"), "child edited on the share");
      assert.deepEqual(
        readdirSync(join(smb.dir, B)).sort(),
        listed.filter((n) => n !== "trailing dot."),
      );
      assertNoop(await syncAndWait(server, cnn));
      assert.deepEqual(await scai.files(), ["CON", "aux.txt", "prn/child.txt", "prn/nul", "trailing space "]);
    },
  );

  test("scaidrive_to_smb: no revert_rename of aliases on any run; no-op runs report 0 changes", async () => {
    const B = "mangled-push";
    const { scai, cnn, listed } = await earlierBuild(B, "Mangled push", "scaidrive_to_smb");
    for (let run = 2; run <= 3; run++) assertNoop(await syncAndWait(server, cnn));
    assert.deepEqual(readdirSync(join(smb.dir, B)).sort(), listed);
    for (const n of written) assert.equal(diskText(smb, `${B}/${n}`), `content of ${n}`, n);
    // A ScaiDrive delete still reaches the real file.
    await scai.del("CON");
    expectClean(await syncAndWait(server, cnn));
    assert.deepEqual(
      readdirSync(join(smb.dir, B)).sort(),
      listed.filter((n) => n !== "CON"),
    );
    assertNoop(await syncAndWait(server, cnn));
  });

  test(
    "a first run pairs what ScaiDrive holds with the same " + 'names the share lists under aliases (":" included)',
    async () => {
      const B = "mangled-first";
      const names = [...written, "a:b.txt"];
      const scai = await ScaiSide.create(server, "Mangled first");
      for (const n of names) {
        smbWrite(smb, `${B}/${n}`, `content of ${n}`, new Date(Date.UTC(2024, 0, 1)));
        await scai.put(n, `content of ${n}`);
      }
      const listed = readdirSync(join(smb.dir, B)).sort();
      const ids = await nodeIds(scai, names);
      const cnn = await createConnector(server, connectorBody(smb.samba, scai.shareId, { base_path: B }));
      const first = expectClean(await syncAndWait(server, cnn));
      assert.equal(first.files_synced, 0, JSON.stringify(first.entries));
      for (let run = 2; run <= 3; run++) assertNoop(await syncAndWait(server, cnn));
      assert.deepEqual(await scai.files(), [...names].sort());
      assert.deepEqual(await nodeIds(scai, names), ids);
      assert.deepEqual(readdirSync(join(smb.dir, B)).sort(), listed);
      // The real name that no SMB request can carry is reached through its alias.
      smbWrite(smb, `${B}/a:b.txt`, "a:b edited on the share", new Date(Date.now() + 5_000));
      expectClean(await syncAndWait(server, cnn));
      assert.equal(await scai.get("a:b.txt"), "a:b edited on the share");
    },
  );

  test(
    "items created on the share under names Windows " + "cannot hold arrive under their aliases and keep them",
    async () => {
      const B = "mangled-disk";
      const names = ["lpt1.log", "a:b.txt", "dir./inside.txt", "nul"];
      for (const n of names) smbWrite(smb, `${B}/${n}`, `disk ${n}`, new Date(Date.UTC(2024, 0, 1)));
      smbMkdir(smb, `${B}/dir.`);
      const scai = await ScaiSide.create(server, "Mangled disk");
      const cnn = await createConnector(server, connectorBody(smb.samba, scai.shareId, { base_path: B }));
      expectClean(await syncAndWait(server, cnn));
      const files = await scai.files();
      assert.equal(files.length, 4, files.join(", "));
      for (const f of files)
        assert.ok(
          f.split("/").every((seg) => MANGLED.test(seg) || seg === "inside.txt"),
          `${f} arrives under an alias`,
        );
      const ids = await nodeIds(scai, files);
      for (let run = 2; run <= 3; run++) assertNoop(await syncAndWait(server, cnn));
      assert.deepEqual(await scai.files(), files, "never flips to another name");
      assert.deepEqual(await nodeIds(scai, files), ids);

      // Edits go both ways under the alias and reach the real file on the share.
      const lpt = files.find((f) => f.endsWith(".LOG"))!;
      smbWrite(smb, `${B}/lpt1.log`, "lpt1 edited on the share", new Date(Date.now() + 5_000));
      const colon = files.find((f) => f.startsWith("A") && f.endsWith(".TXT"))!;
      await scai.put(colon, "a:b edited in ScaiDrive");
      expectClean(await syncAndWait(server, cnn));
      assert.equal(await scai.get(lpt), "lpt1 edited on the share");
      assert.equal(diskText(smb, `${B}/a:b.txt`), "a:b edited in ScaiDrive");
      assert.deepEqual(
        readdirSync(join(smb.dir, B)).sort(),
        ["a:b.txt", "dir.", "lpt1.log", "nul"].sort(),
        "no file named like an alias",
      );
      assertNoop(await syncAndWait(server, cnn));
      assert.deepEqual(await scai.files(), files);
    },
  );
});
