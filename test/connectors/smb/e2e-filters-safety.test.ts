/**
 * End to end through HTTP with real Samba (`store dos attributes = yes`, attributes set with
 * smbclient `setmode`): include/exclude filters on both sides, hidden and system files, the
 * mass-deletion safety stop and `?force=true`, one side emptied, `?dry_run=true`, a new file
 * reusing a deleted file's inode (a delete + a create, not a rename), a missing `base_path`, a
 * wrong password, and two connectors syncing two SMB folders into one ScaiDrive share.
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, statSync } from "node:fs";
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
  smbFiles,
  smbMkdir,
  smbWrite,
  startSmbSide,
  syncAndWait,
  waitJob,
  type SmbSide,
} from "./e2e-world.js";

describe("SMB connector e2e: filters, hidden/system, safety, dry run, auth, two connectors", () => {
  let smb: SmbSide;
  let server: ScaidriveProcess;

  before(async () => {
    smb = await startSmbSide({ share: { "store dos attributes": "yes" } });
    server = await startScaidriveProcess({ logLevel: "info" });
  });
  after(async () => {
    await server?.stop();
    await smb?.close();
  });

  const smbText = (rel: string) => readFileSync(join(smb.dir, rel), "utf8");
  /** The message of the server's last `sync run phases` line (the quick no-op check says "nothing changed"). */
  const lastRunPhases = () =>
    server
      .logTail(500)
      .split("\n")
      .reverse()
      .map((l) => (l.includes("sync run phases") ? (JSON.parse(l) as { msg: string }).msg : undefined))
      .find((m) => m !== undefined);
  const smbclient = async (cmd: string) => {
    const r = await smb.samba.run("smbclient", [`//${smb.samba.host}/share`, "-c", cmd]);
    assert.equal(r.code, 0, `smbclient ${cmd}: ${r.stdout}${r.stderr}`);
    return r.stdout;
  };

  test("include extensions and exclude patterns apply on both sides, case-insensitively", async () => {
    const B = "filters";
    for (const f of [
      "a.pdf",
      "b.docx",
      "c.txt",
      "~$b.docx",
      "Thumbs.db",
      "sub/d.PDF",
      "sub/Thumbs.db",
      "sub/~$lock.xlsx",
      "sub/e.xlsx",
    ])
      smbWrite(smb, `${B}/${f}`, `smb ${f}`);
    const scai = await ScaiSide.create(server, "Filters");
    await scai.put("up.pdf", "scai up.pdf");
    await scai.put("notes.txt", "scai notes.txt");
    await scai.put("~$up.docx", "scai lock file");
    const cnn = await createConnector(
      server,
      connectorBody(smb.samba, scai.shareId, {
        base_path: B,
        include_patterns: { extensions: ["pdf", "docx", "xlsx"] },
        exclude_patterns: { patterns: ["~$*", ".DS_Store", "Thumbs.db"] },
      }),
    );
    const job = expectClean(await syncAndWait(server, cnn));
    assert.deepEqual(await scai.files(), [
      "a.pdf",
      "b.docx",
      "notes.txt",
      "sub/d.PDF",
      "sub/e.xlsx",
      "up.pdf",
      "~$up.docx",
    ]);
    assert.deepEqual(
      smbFiles(smb, B),
      [
        "a.pdf",
        "b.docx",
        "c.txt",
        "sub/Thumbs.db",
        "sub/d.PDF",
        "sub/e.xlsx",
        "sub/~$lock.xlsx",
        "Thumbs.db",
        "up.pdf",
        "~$b.docx",
      ]
        .map((f) => `${B}/${f}`)
        .sort(),
    );
    assert.equal(smbText(`${B}/up.pdf`), "scai up.pdf");
    assert.equal(job.files_synced, 5);

    // Excluded files are never deleted either: removing them on one side leaves the other alone.
    smbDelete(smb, `${B}/c.txt`);
    await scai.del("notes.txt");
    expectClean(await syncAndWait(server, cnn));
    assert.deepEqual(await scai.files(), ["a.pdf", "b.docx", "sub/d.PDF", "sub/e.xlsx", "up.pdf", "~$up.docx"]);
    assert.ok(smbFiles(smb, B).includes(`${B}/~$b.docx`));
  });

  test("hidden and system files sync only when enabled (store dos attributes = yes)", async () => {
    const B = "attrs";
    for (const f of ["plain.txt", "hidden.txt", "system.txt"]) smbWrite(smb, `${B}/${f}`, `smb ${f}`);
    await smbclient(`cd ${B}; setmode hidden.txt +h; setmode system.txt +s`);
    const listing = await smbclient(`cd ${B}; ls`);
    assert.match(listing, /hidden\.txt\s+A?H/, listing);
    assert.match(listing, /system\.txt\s+A?S/, listing);
    const scai = await ScaiSide.create(server, "Attributes");
    const cnn = await createConnector(server, connectorBody(smb.samba, scai.shareId, { base_path: B }));
    expectClean(await syncAndWait(server, cnn));
    assert.deepEqual(await scai.files(), ["plain.txt"]);
    assert.equal(lastRunPhases(), "sync run phases");
    // The hidden and system files stay on the share, out of scope and never synced: a resync has
    // nothing to do, and says so from one walk.
    assert.equal(expectClean(await syncAndWait(server, cnn)).files_total, 0);
    assert.equal(lastRunPhases(), "sync run phases: nothing changed");

    await patchConnector(server, cnn, { sync_hidden_files: true });
    expectClean(await syncAndWait(server, cnn, "full_sync=true"));
    assert.deepEqual(await scai.files(), ["hidden.txt", "plain.txt"]);
    assert.equal(await scai.get("hidden.txt"), "smb hidden.txt");
    assert.equal(expectClean(await syncAndWait(server, cnn)).files_total, 0);
    assert.equal(lastRunPhases(), "sync run phases: nothing changed");

    await patchConnector(server, cnn, { sync_system_files: true });
    expectClean(await syncAndWait(server, cnn, "full_sync=true"));
    assert.deepEqual(await scai.files(), ["hidden.txt", "plain.txt", "system.txt"]);
  });

  test("safety stop: deleting more than half aborts unchanged; force applies it", async () => {
    const B = "safety";
    const names = Array.from({ length: 10 }, (_, i) => `f${i}.txt`);
    for (const n of names) smbWrite(smb, `${B}/${n}`, `smb ${n}`);
    const scai = await ScaiSide.create(server, "Safety");
    const cnn = await createConnector(server, connectorBody(smb.samba, scai.shareId, { base_path: B }));
    expectClean(await syncAndWait(server, cnn));
    // Created after the deletions: ext4 hands a just-freed inode (= SMB file id) to the new file;
    // the entry id (file id + creation time) keeps it from passing for a rename of a deleted one.
    for (const n of names.slice(0, 6)) smbDelete(smb, `${B}/${n}`);
    smbWrite(smb, `${B}/added.txt`, "added on smb");

    const aborted = await syncAndWait(server, cnn);
    assert.equal(aborted.status, "failed", JSON.stringify(aborted));
    assert.equal(aborted.error.code, "SYNC_SAFETY_ABORT");
    assert.deepEqual(await scai.files(), names, "nothing changed, not even the addition");

    const forced = expectClean(await syncAndWait(server, cnn, "force=true"));
    assert.equal(forced.options.force, true);
    assert.deepEqual(await scai.files(), ["added.txt", ...names.slice(6)]);
  });

  test("safety stop: a side emptied aborts even when the percentage allows it", async () => {
    const B = "emptied";
    for (const n of ["a.txt", "b.txt", "c.txt"]) smbWrite(smb, `${B}/${n}`, `smb ${n}`);
    const scai = await ScaiSide.create(server, "Emptied");
    const cnn = await createConnector(
      server,
      connectorBody(smb.samba, scai.shareId, { base_path: B, max_delete_percent: 100 }),
    );
    expectClean(await syncAndWait(server, cnn));
    for (const n of ["a.txt", "b.txt", "c.txt"]) smbDelete(smb, `${B}/${n}`);
    const aborted = await syncAndWait(server, cnn);
    assert.equal(aborted.status, "failed");
    assert.equal(aborted.error.code, "SYNC_SAFETY_ABORT");
    assert.deepEqual(await scai.files(), ["a.txt", "b.txt", "c.txt"]);
    expectClean(await syncAndWait(server, cnn, "force=true"));
    assert.deepEqual(await scai.files(), []);
  });

  test("dry run returns the plan and changes nothing", async () => {
    const B = "dry";
    for (const n of ["keep.txt", "edit.txt", "gone.txt", "old.txt", "k2.txt", "k3.txt"])
      smbWrite(smb, `${B}/${n}`, `smb ${n}`);
    const scai = await ScaiSide.create(server, "DryRun");
    const cnn = await createConnector(server, connectorBody(smb.samba, scai.shareId, { base_path: B }));
    expectClean(await syncAndWait(server, cnn));
    smbWrite(smb, `${B}/edit.txt`, "edited on smb", new Date(Date.now() + 5_000));
    smbDelete(smb, `${B}/gone.txt`);
    smbWrite(smb, `${B}/new.txt`, "new on smb");
    await scai.move("old.txt", "renamed.txt");
    await scai.put("pushed.txt", "new in scaidrive");
    const scaiBefore = await scai.files();
    const smbBefore = smbFiles(smb, B);

    const dry = await requestSync(server, cnn, "dry_run=true");
    assert.equal(dry.status, "completed", JSON.stringify(dry));
    assert.equal(dry.options.dry_run, true);
    const plan: any[] = dry.plan;
    const has = (pred: (p: any) => boolean, what: string) =>
      assert.ok(plan.some(pred), `${what} in ${JSON.stringify(plan)}`);
    has((p) => p.path?.endsWith("edit.txt") || p.to?.endsWith("edit.txt"), "edit.txt copied");
    has((p) => p.path?.endsWith("new.txt") || p.to?.endsWith("new.txt"), "new.txt copied");
    has((p) => p.path?.endsWith("gone.txt") && /delete/i.test(p.action), "gone.txt deleted");
    has(
      (p) => /move|rename/i.test(p.action) && `${p.from} ${p.to} ${p.path}`.includes("renamed.txt"),
      "old.txt renamed",
    );
    has((p) => `${p.path} ${p.to}`.includes("pushed.txt"), "pushed.txt copied");
    assert.ok(!plan.some((p) => `${p.path}`.endsWith("keep.txt")), "unchanged files are not planned");

    assert.deepEqual(await scai.files(), scaiBefore, "ScaiDrive unchanged");
    assert.deepEqual(smbFiles(smb, B), smbBefore, "SMB unchanged");
    assert.equal(smbText(`${B}/edit.txt`), "edited on smb");
    assert.equal(await scai.get("edit.txt"), "smb edit.txt");

    expectClean(await syncAndWait(server, cnn));
    assert.deepEqual(await scai.files(), [
      "edit.txt",
      "k2.txt",
      "k3.txt",
      "keep.txt",
      "new.txt",
      "pushed.txt",
      "renamed.txt",
    ]);
    assert.deepEqual(
      smbFiles(smb, B),
      ["edit.txt", "k2.txt", "k3.txt", "keep.txt", "new.txt", "pushed.txt", "renamed.txt"].map((f) => `${B}/${f}`),
    );
  });

  test("a new SMB file given a deleted file's inode is a delete + a create, not a rename", async () => {
    const B = "reuse";
    for (const n of ["a.txt", "b.txt", "old.txt"]) smbWrite(smb, `${B}/${n}`, `smb ${n}`);
    const scai = await ScaiSide.create(server, "Reuse");
    const cnn = await createConnector(server, connectorBody(smb.samba, scai.shareId, { base_path: B }));
    expectClean(await syncAndWait(server, cnn));
    const oldNode = await scai.stat("old.txt");
    const inode = statSync(join(smb.dir, B, "old.txt")).ino;
    smbDelete(smb, `${B}/old.txt`);
    const trials: string[] = [];
    let reused: string | undefined;
    for (let i = 0; i < 200 && !reused; i++) {
      const name = `new-${i}.txt`;
      smbWrite(smb, `${B}/${name}`, `smb ${name}`);
      if (statSync(join(smb.dir, B, name)).ino === inode) reused = name;
      else trials.push(name);
    }
    assert.ok(reused, "ext4 handed the freed inode to a new file within 200 creations");
    for (const t of trials) smbDelete(smb, `${B}/${t}`);

    const job = expectClean(await syncAndWait(server, cnn));
    const ok = job.entries
      .filter((e: any) => e.result === "ok")
      .map((e: any) => `${e.action} ${e.path}`)
      .sort();
    assert.deepEqual(ok, [`copy ${reused}`, "delete old.txt"], JSON.stringify(job.entries));
    assert.deepEqual(await scai.files(), ["a.txt", "b.txt", reused].sort());
    const fresh = await scai.stat(reused!);
    assert.notEqual(fresh.id, oldNode.id, "the new file does not inherit the deleted file's ScaiDrive id");
    assert.equal(await scai.get(reused!), `smb ${reused}`);
  });

  test("a base_path missing on the share: test names it, the job fails NOT_FOUND with a clear message", async () => {
    const scai = await ScaiSide.create(server, "MissingBase");
    const cnn = await createConnector(server, connectorBody(smb.samba, scai.shareId, { base_path: "no-such-folder" }));
    const t = await server.api("POST", `${BASE}/${cnn}/test`);
    assert.equal(t.status, 200);
    assert.equal(t.body.success, false, JSON.stringify(t.body));
    assert.equal(t.body.error, "STATUS_OBJECT_NAME_NOT_FOUND");
    const job = await syncAndWait(server, cnn);
    assert.equal(job.status, "failed", JSON.stringify(job));
    assert.equal(job.error.code, "NOT_FOUND");
    assert.equal(
      job.error.message,
      `remote root not found: base path 'no-such-folder' does not exist on \\\\${smb.samba.host}\\share`,
    );
    assert.deepEqual(await scai.files(), []);
  });

  test("wrong password: test fails and the job fails CONNECTOR_AUTH_FAILED", async () => {
    const scai = await ScaiSide.create(server, "WrongPassword");
    const cnn = await createConnector(server, connectorBody(smb.samba, scai.shareId, { password: "not-the-password" }));
    const t = await server.api("POST", `${BASE}/${cnn}/test`);
    assert.equal(t.status, 200);
    assert.equal(t.body.success, false);
    assert.ok(t.body.error, JSON.stringify(t.body));
    const job = await syncAndWait(server, cnn);
    assert.equal(job.status, "failed");
    assert.equal(job.error.code, "CONNECTOR_AUTH_FAILED");
    assert.deepEqual(await scai.files(), []);
    assert.ok(!JSON.stringify(job).includes("not-the-password"));
  });

  test("two connectors sync two SMB folders into one ScaiDrive share (different target paths)", async () => {
    smbMkdir(smb, "dept-a");
    smbMkdir(smb, "dept-b");
    for (let i = 0; i < 20; i++) {
      smbWrite(smb, `dept-a/a${i}.txt`, `dept a ${i}`);
      smbWrite(smb, `dept-b/nested/b${i}.txt`, `dept b ${i}`);
    }
    const scai = await ScaiSide.create(server, "Shared", "");
    const a = await createConnector(
      server,
      connectorBody(smb.samba, scai.shareId, { name: "A", base_path: "dept-a", target_path: "/Dept A" }),
    );
    const b = await createConnector(
      server,
      connectorBody(smb.samba, scai.shareId, { name: "B", base_path: "dept-b", target_path: "/Dept B" }),
    );
    const [ja, jb] = await Promise.all([requestSync(server, a), requestSync(server, b)]);
    expectClean(await waitJob(server, a, ja.id));
    expectClean(await waitJob(server, b, jb.id));
    const all = await scai.files("");
    assert.equal(all.length, 40);
    assert.deepEqual(all.filter((f) => f.startsWith("Dept A/")).length, 20);
    assert.equal(await scai.get("Dept B/nested/b7.txt"), "dept b 7");

    await scai.put("Dept A/from-scai.txt", "only for A");
    await scai.del("Dept B/nested/b0.txt");
    const [ka, kb] = await Promise.all([requestSync(server, a), requestSync(server, b)]);
    expectClean(await waitJob(server, a, ka.id));
    expectClean(await waitJob(server, b, kb.id));
    assert.equal(smbText("dept-a/from-scai.txt"), "only for A");
    assert.ok(!smbFiles(smb, "dept-b").some((f) => f.includes("from-scai")));
    assert.ok(!smbFiles(smb, "dept-b").includes("dept-b/nested/b0.txt"));
    assert.equal(smbFiles(smb, "dept-a").length, 21);
  });
});
