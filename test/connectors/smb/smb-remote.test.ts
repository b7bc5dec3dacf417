/**
 * What is SMB-specific about the SMB Remote adapter, against a real smbd: atomic writes seen from
 * the server's disk, DOS attributes, symlinks, ACL translation of smbcacls-set ACLs, names, the
 * connection test's messages, and a connection killed in the middle of a walk.
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import {
  chmodSync,
  chownSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  symlinkSync,
  utimesSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import { createServer, type AddressInfo, type Socket } from "node:net";
import { startSamba, type SambaInstance } from "../../harness/samba.js";
import { freePort } from "../../harness/free-port.js";
import {
  createSmbRemote,
  isSmbTempName,
  type SmbRemote,
  type SmbRemoteConfig,
} from "../../../src/connectors/smb/smb-remote.js";
import { NetworkPolicy } from "../../../src/connectors/network-policy.js";
import { testSmbConnection } from "../../../src/connectors/smb/smb-connection-test.js";
import { smbTempKeyFor, smbTempOwnerKey } from "../../../src/connectors/smb/smb-temp-name.js";
import { FileAccess, FileShare, SmbClient } from "../../../src/protocols/smb/index.js";
import { permissionsOfMask } from "../../../src/connectors/smb/smb-acl-translation.js";
import { isRemoteError, type RemoteErrorKind } from "../../../src/sync/remote-errors.js";
import type { RemoteEntry } from "../../../src/sync/remote.js";

const NETBIOS = "SCAITEST";

async function walkAll(remote: SmbRemote, root = ""): Promise<RemoteEntry[]> {
  const out: RemoteEntry[] = [];
  for await (const e of remote.walk(root)) out.push(e);
  return out;
}

async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

async function rejectsKind(p: Promise<unknown>, kind: RemoteErrorKind): Promise<void> {
  await assert.rejects(p, (err: unknown) => {
    assert.ok(isRemoteError(err), `expected a RemoteError, got ${String(err)}`);
    assert.equal(err.kind, kind, err.message);
    return true;
  });
}

function sha(b: Buffer): string {
  return createHash("sha256").update(b).digest("hex");
}

/** A source the test feeds by hand: `feed(bytes)` pushes, `fail()` breaks it, `end()` finishes it. */
function manualSource(): { stream: Readable; feed(b: Buffer): void; end(): void; fail(e: Error): void } {
  const stream = new Readable({ read() {} });
  return {
    stream,
    feed: (b) => void stream.push(b),
    end: () => void stream.push(null),
    fail: (e) => void stream.destroy(e),
  };
}

async function until(what: string, check: () => boolean, tries = 400): Promise<void> {
  for (let i = 0; i < tries; i++) {
    if (check()) return;
    await new Promise((r) => setTimeout(r, 25));
  }
  assert.fail(`timed out waiting for ${what}`);
}

describe("SMB remote: SMB-specific behaviour against smbd", { timeout: 180_000 }, () => {
  let samba: SambaInstance;
  let cfg: SmbRemoteConfig;
  let remote: SmbRemote;
  let dir: string;
  const outside = join(tmpdir(), `smb-remote-outside-${process.pid}`);

  const onDisk = (...parts: string[]) => join(dir, ...parts);
  const own = (p: string) => chownSync(p, samba.uid, samba.gid);
  const smbclient = async (share: string, command: string) => {
    const r = await samba.run("smbclient", [`//${samba.host}/${share}`, "-c", command]);
    assert.equal(r.code, 0, `smbclient ${command}: ${r.stderr}${r.stdout}`);
    return r.stdout;
  };

  before(async () => {
    samba = await startSamba({
      ownAddress: true,
      global: { "store dos attributes": "yes" },
      shares: {
        // Samba hides dot files by itself; turned off so the test sees the attribute the adapter sets.
        share: { "hide dot files": "no" },
        nolinks: { "follow symlinks": "no" },
        acl: { "vfs objects": "acl_xattr", "acl_xattr:ignore system acls": "yes" },
        // Vetoes both temp spellings: writes go in place.
        vetoall: { "veto files": "/*.tmp/~*/.*/*scaidrive*/" },
      },
    });
    dir = samba.shares.share;
    cfg = {
      host: samba.host,
      port: samba.port,
      domain: samba.domain,
      username: samba.username,
      password: samba.password,
      shareName: "share",
      network: NetworkPolicy.unrestricted(),
    };
    remote = createSmbRemote(cfg);
    await remote.connect();
  });

  after(async () => {
    await remote?.close();
    await samba?.stop();
    rmSync(outside, { recursive: true, force: true });
  });

  test(
    "a write is invisible until complete: a killed " + "source leaves the target as it was and no temp file",
    async () => {
      await remote.mkdir("atomic");
      const oldData = Buffer.alloc(1 << 20, 0x61);
      const old = await remote.write("atomic/doc.bin", Readable.from([oldData]), {
        size: oldData.length,
        mtimeMs: Date.UTC(2020, 0, 1),
      });
      const size = 6 << 20;
      const src = manualSource();
      const writing = remote.write("atomic/doc.bin", src.stream, {
        size,
        mtimeMs: Date.UTC(2025, 5, 1),
        ifMatchFingerprint: old.fingerprint,
      });
      writing.catch(() => undefined);
      src.feed(Buffer.alloc(2 << 20, 0x62));
      const temps = () => readdirSync(onDisk("atomic")).filter(isSmbTempName);
      await until(
        "the temp file to receive bytes",
        () => temps().length === 1 && readFileSync(onDisk("atomic", temps()[0]!)).length > 0,
      );
      const temp = temps()[0]!;
      // Mid-upload: the target is the old file everywhere, and the temp file is hidden from clients.
      assert.equal(sha(readFileSync(onDisk("atomic/doc.bin"))), sha(oldData));
      assert.equal(sha(await readAll(await remote.read("atomic/doc.bin"))), sha(oldData));
      assert.match(await smbclient("share", `allinfo "atomic/${temp}"`), /attributes: [A-Z]*H/);
      assert.deepEqual(
        (await walkAll(remote, "atomic")).map((e) => e.path),
        ["atomic/doc.bin"],
        "walk skips the temp file",
      );

      src.fail(new Error("source killed"));
      await assert.rejects(writing, /source killed/);
      assert.deepEqual(readdirSync(onDisk("atomic")), ["doc.bin"], "no temp file remains");
      assert.equal(sha(readFileSync(onDisk("atomic/doc.bin"))), sha(oldData));
      assert.equal((await remote.stat("atomic/doc.bin")).fingerprint, old.fingerprint);
    },
  );

  test("a reader polling the server's disk during an overwrite only ever sees the old or the new file", async () => {
    const oldData = Buffer.alloc(1 << 20, 0x31);
    const newData = Buffer.alloc(5 << 20, 0x32);
    await remote.mkdir("swap");
    await remote.write("swap/f.bin", Readable.from([oldData]), { size: oldData.length, mtimeMs: Date.UTC(2020, 0, 1) });
    const seen = new Set<string>();
    let stop = false;
    const poller = (async () => {
      while (!stop) {
        seen.add(sha(readFileSync(onDisk("swap/f.bin"))));
        await new Promise((r) => setImmediate(r));
      }
    })();
    const chunks = (function* () {
      for (let i = 0; i < 40; i++) yield newData.subarray(i * (newData.length / 40), (i + 1) * (newData.length / 40));
    })();
    const mtimeMs = Date.UTC(2024, 6, 7, 8, 9, 10, 500);
    const entry = await remote.write("swap/f.bin", Readable.from(chunks), { size: newData.length, mtimeMs });
    stop = true;
    await poller;
    seen.add(sha(readFileSync(onDisk("swap/f.bin"))));
    assert.ok(
      [...seen].every((h) => h === sha(oldData) || h === sha(newData)),
      `only whole files were visible (${seen.size} distinct)`,
    );
    assert.ok(seen.has(sha(newData)));
    assert.equal(entry.size, newData.length);
    assert.equal(entry.mtimeMs, mtimeMs);
    const listed = (await walkAll(remote, "swap"))[0]!;
    assert.equal(listed.fingerprint, entry.fingerprint);
    assert.equal(listed.hidden, undefined, "the hidden temp attribute is cleared on the final file");
    assert.equal(listed.id, entry.id);
  });

  test("hidden and system DOS attributes are reported; temp names are skipped by walk", async () => {
    mkdirSync(onDisk("attrs"));
    for (const n of [
      "plain.txt",
      "hidden.txt",
      "system.txt",
      "both.txt",
      ".~scaidrive-0123456789abcdef.tmp",
      "scaidrive-upload-0a1b2c3d-0123456789abcdef",
      "upload-0a1b2c3d-0123456789abcdef.scaidrive",
    ]) {
      writeFileSync(onDisk("attrs", n), n);
      own(onDisk("attrs", n));
    }
    own(onDisk("attrs"));
    await smbclient(
      "share",
      'setmode "attrs/hidden.txt" +h; setmode "attrs/system.txt" +s; setmode "attrs/both.txt" +hs',
    );
    const byName = new Map((await walkAll(remote, "attrs")).map((e) => [e.path, e]));
    assert.deepEqual([...byName.keys()].sort(), [
      "attrs/both.txt",
      "attrs/hidden.txt",
      "attrs/plain.txt",
      "attrs/system.txt",
    ]);
    assert.deepEqual([...byName.values()].map((e) => [e.path, e.hidden === true, e.system === true]).sort(), [
      ["attrs/both.txt", true, true],
      ["attrs/hidden.txt", true, false],
      ["attrs/plain.txt", false, false],
      ["attrs/system.txt", false, true],
    ]);
    assert.equal((await remote.stat("attrs/hidden.txt")).hidden, true);
    const rewritten = await remote.write("attrs/both.txt", Readable.from([Buffer.from("new content")]), {
      size: 11,
      mtimeMs: Date.now(),
    });
    assert.deepEqual(
      [rewritten.hidden, rewritten.system],
      [true, true],
      "a replaced file keeps its hidden/system flags",
    );
    assert.equal((await remote.stat("attrs/both.txt")).hidden, true);
    await smbclient("share", 'setmode "attrs/plain.txt" +r');
    await remote.delete("attrs/plain.txt");
    assert.ok(!existsSync(onDisk("attrs", "plain.txt")), "a read-only file is deleted too");
    assert.ok(isSmbTempName(".~scaidrive-0123456789abcdef.tmp"));
    assert.ok(isSmbTempName(".~scaidrive-0a1b2c3d-0123456789abcdef.tmp"));
    assert.ok(
      isSmbTempName("scaidrive-upload-0a1b2c3d-0123456789abcdef") &&
        isSmbTempName("upload-0a1b2c3d-0123456789abcdef.scaidrive"),
    );
    assert.equal(smbTempOwnerKey("upload-0a1b2c3d-0123456789abcdef.scaidrive"), "0a1b2c3d");
    assert.ok(
      !isSmbTempName("~scaidrive-0123456789abcdef.tmp") &&
        !isSmbTempName(".~scaidrive-x.tmp") &&
        !isSmbTempName("report.tmp"),
    );
    assert.ok(
      !isSmbTempName("scaidrive-upload-notes.txt") &&
        !isSmbTempName("upload-0a1b2c3d-0123.scaidrive") &&
        !isSmbTempName("scaidrive-upload-0a1b2c3d-0123456789abcdef.txt"),
    );
  });

  test(
    "a sub-folder the account may not list is yielded flagged " +
      "childrenUnknown, its content skipped, the walk goes on",
    async () => {
      mkdirSync(onDisk("denied", "closed"), { recursive: true });
      mkdirSync(onDisk("denied", "open"));
      writeFileSync(onDisk("denied", "closed", "secret.txt"), "s");
      writeFileSync(onDisk("denied", "open", "ok.txt"), "o");
      writeFileSync(onDisk("denied", "top.txt"), "t");
      chmodSync(onDisk("denied", "closed"), 0o700); // owned by root: the test account cannot list it
      const entries = await walkAll(remote, "denied");
      // A sub-folder comes once its own listing is known: after its parent's files, before its children.
      assert.deepEqual(
        entries.map((e) => e.path),
        ["denied/top.txt", "denied/closed", "denied/open", "denied/open/ok.txt"],
      );
      const byPath = new Map(entries.map((e) => [e.path, e]));
      assert.match(byPath.get("denied/closed")!.childrenUnknown ?? "", /^access_denied: /);
      assert.equal(byPath.get("denied/open")!.childrenUnknown, undefined, "a listable folder is not flagged");
      assert.equal(byPath.get("denied/top.txt")!.childrenUnknown, undefined);
      await rejectsKind(walkAll(remote, "denied/closed"), "access_denied");
    },
  );

  test(
    "symlinks: Samba shows in-share links as their target; " +
      "both names are ordinary items and only real loops are cut",
    async () => {
      mkdirSync(join(outside, "secret"), { recursive: true });
      writeFileSync(join(outside, "secret", "outside.txt"), "outside");
      for (const share of ["share", "nolinks"]) {
        const root = join(samba.shares[share]!, "links");
        mkdirSync(join(root, "real", "sub"), { recursive: true });
        writeFileSync(join(root, "real", "sub", "f.txt"), "f");
        symlinkSync("real", join(root, "alias-dir")); // sorts before "real"
        symlinkSync("real", join(root, "z-dir")); // sorts after it
        symlinkSync("real/sub/f.txt", join(root, "alias-file"));
        symlinkSync(join(outside, "secret"), join(root, "escape"));
        symlinkSync("no-such-target", join(root, "dangling"));
        symlinkSync("..", join(root, "real", "sub", "loop"));
        symlinkSync(".", join(root, "self"));
      }

      // Defaults (follow symlinks = yes, wide links = no): links leaving the share and dangling
      // links are invisible; links inside the share look like their target, with its file id.
      const entries = await walkAll(remote, "links");
      const byPath = new Map(entries.map((e) => [e.path, e]));
      const paths = entries.map((e) => e.path);
      assert.ok(!paths.some((p) => p.startsWith("links/escape") || p.startsWith("links/dangling")), paths.join(", "));
      assert.ok(!paths.some((p) => p.includes("outside.txt")));
      const dirs = ["links/alias-dir", "links/real", "links/z-dir"].map((p) => byPath.get(p)!);
      assert.ok(
        dirs.every((d) => d.kind === "folder" && !d.reparsePoint),
        "the real folder and both links are ordinary folders",
      );
      assert.equal(new Set(dirs.map((d) => d.id)).size, 1, "Samba reports a link with its target's file id");
      for (const d of ["alias-dir", "real", "z-dir"])
        assert.equal(byPath.get(`links/${d}/sub/f.txt`)?.kind, "file", `${d} is walked`);
      const fId = byPath.get("links/real/sub/f.txt")!.id;
      assert.deepEqual(
        entries.filter((e) => e.id === fId).map((e) => [e.path, e.reparsePoint === true]),
        [
          ["links/alias-file", false],
          ["links/alias-dir/sub/f.txt", false],
          ["links/real/sub/f.txt", false],
          ["links/z-dir/sub/f.txt", false],
        ],
        "the file is an ordinary item under each of its names",
      );
      // Loops: a folder whose file id is one of its ancestors' is flagged, explained and not descended.
      const loops = entries.filter((e) => e.reparsePoint).map((e) => [e.path, e.reparseReason]);
      assert.deepEqual(loops, [
        ["links/self", 'folder loop: the same folder as its ancestor "links" (a link back up the tree), not descended'],
        [
          "links/alias-dir/sub/loop",
          'folder loop: the same folder as its ancestor "links/alias-dir" (a link back up the tree), not descended',
        ],
        [
          "links/real/sub/loop",
          'folder loop: the same folder as its ancestor "links/real" (a link back up the tree), not descended',
        ],
        [
          "links/z-dir/sub/loop",
          'folder loop: the same folder as its ancestor "links/z-dir" (a link back up the tree), not descended',
        ],
      ]);
      assert.ok(!paths.some((p) => p.includes("/loop/") || p.startsWith("links/self/")));
      // From the share root, `self` loops back to the walk's start.
      const fromRoot = await walkAll(remote, "");
      assert.equal(fromRoot.find((e) => e.path === "links/self")?.reparsePoint, true);

      // With "follow symlinks = no" Samba hides every link: nothing to flag, nothing followed.
      const noLinks = createSmbRemote({ ...cfg, shareName: "nolinks" });
      try {
        const plain = (await walkAll(noLinks, "links")).map((e) => [e.path, e.reparsePoint === true]);
        assert.deepEqual(plain, [
          ["links/real", false],
          ["links/real/sub", false],
          ["links/real/sub/f.txt", false],
        ]);
      } finally {
        await noLinks.close();
      }
    },
  );

  test("Samba's mangled aliases carry the item's real name; a real file named like an alias does not", async () => {
    mkdirSync(onDisk("mangled", "prn"), { recursive: true });
    own(onDisk("mangled"));
    for (const n of ["aux.txt", "a:b.txt", "trailing space ", "prn/child.txt", "ABCDEF~1.TXT", "plain.txt"]) {
      writeFileSync(onDisk("mangled", n), n);
      own(onDisk("mangled", n));
    }
    const entries = await walkAll(remote, "mangled");
    const prnAlias = entries.find((e) => e.realName === "prn")!.path;
    const real = entries
      .map((e) => [
        e.realName !== undefined ? "<alias>" : e.path.replace(prnAlias, "<prn alias>").replace(/^mangled\//, ""),
        e.realName ?? null,
      ])
      .sort();
    assert.deepEqual(
      real,
      [
        ["<alias>", "a:b.txt"],
        ["<alias>", "aux.txt"],
        ["<alias>", "prn"],
        ["<alias>", "trailing space "],
        ["<prn alias>/child.txt", null],
        ["ABCDEF~1.TXT", null],
        ["plain.txt", null],
      ].sort(),
    );
    const aux = entries.find((e) => e.realName === "aux.txt")!;
    assert.match(aux.path, /^mangled\/[A-Z0-9]{6}~[A-Z0-9]\.TXT$/);
    assert.equal(aux.id, (await remote.stat("mangled/aux.txt")).id, "alias and real name are one item");
    assert.equal((await readAll(await remote.read(aux.path))).toString(), "aux.txt");
    // After the walk, the real paths reach the items through their aliases — ":" included.
    assert.equal((await readAll(await remote.read("mangled/a:b.txt"))).toString(), "a:b.txt");
    assert.equal((await remote.stat("mangled/prn/child.txt")).kind, "file");
    const data = Buffer.from("new content");
    const written = await remote.write("mangled/aux.txt", Readable.from([data]), {
      size: data.length,
      mtimeMs: Date.UTC(2024, 0, 1),
      ifMatchFingerprint: aux.fingerprint,
    });
    assert.equal(readFileSync(onDisk("mangled", "aux.txt"), "utf8"), "new content", "written over the real file");
    assert.deepEqual(
      readdirSync(onDisk("mangled")).sort(),
      ["ABCDEF~1.TXT", "a:b.txt", "aux.txt", "plain.txt", "prn", "trailing space "].sort(),
      "no file named like the alias",
    );
    assert.equal(written.path, "mangled/aux.txt");
    // A remote that has not walked them knows no alias: ":" is refused as before.
    const fresh = createSmbRemote(cfg);
    try {
      await rejectsKind(fresh.read("mangled/a:b.txt"), "invalid_name");
    } finally {
      await fresh.close();
    }
  });

  test("ACLs set with smbcacls translate to principals and READ/WRITE/DELETE/MANAGE_PERMISSIONS", async () => {
    const aclRemote = createSmbRemote({ ...cfg, shareName: "acl" });
    try {
      const project = join(samba.shares.acl!, "project");
      mkdirSync(project);
      own(project);
      writeFileSync(join(project, "locked.txt"), "x");
      own(join(project, "locked.txt"));
      const user = `${NETBIOS}\\${samba.username}`;
      const unc = `//${samba.host}/acl`;
      const set = await samba.run("smbcacls", [
        unc,
        "project",
        "-S",
        [
          `ACL:Everyone:DENIED/0x0/0x00010000`,
          `ACL:${user}:ALLOWED/OI|CI/FULL`,
          `ACL:BUILTIN\\Users:ALLOWED/0x0/READ`,
          `ACL:S-1-5-21-1-2-3-4:ALLOWED/0x0/CHANGE`,
          `ACL:BUILTIN\\Administrators:ALLOWED/OI|CI|IO/FULL`,
        ].join(","),
      ]);
      assert.equal(set.code, 0, set.stderr + set.stdout);

      const acl = await aclRemote.acl!("project");
      assert.equal(acl.owner, user);
      assert.equal(acl.inherit, true);
      // smbcacls stores the ACEs in canonical order (denies first); the adapter keeps that order.
      assert.equal(acl.entries[0]?.deny, true);
      const byPrincipal = (a: { principal: string }, b: { principal: string }) =>
        a.principal.localeCompare(b.principal);
      assert.deepEqual([...acl.entries].sort(byPrincipal), [
        { principal: "BUILTIN\\Users", principalType: "group", permissions: ["READ"], inherited: false },
        { principal: "Everyone", principalType: "group", permissions: ["DELETE"], inherited: false, deny: true },
        {
          principal: "S-1-5-21-1-2-3-4",
          principalType: "unknown",
          permissions: ["READ", "WRITE", "DELETE"],
          inherited: false,
        },
        {
          principal: user,
          principalType: "user",
          permissions: ["READ", "WRITE", "DELETE", "MANAGE_PERMISSIONS"],
          inherited: false,
        },
      ]);

      // A file created below gets the OI ACEs, the inherit-only one included. Samba marks them
      // INHERITED only when the parent has SE_DACL_AUTO_INHERITED, which smbcacls -S does not set,
      // so `inherited` must follow the ACE flag exactly as smbcacls shows it.
      await aclRemote.write("project/new.txt", Readable.from([Buffer.from("new")]), { size: 3, mtimeMs: Date.now() });
      const child = await aclRemote.acl!("project/new.txt");
      assert.equal(child.inherit, true);
      const shown = await samba.run("smbcacls", [unc, "project/new.txt", "--numeric"]);
      const flagsOf = [...shown.stdout.matchAll(/^ACL:[^:]+:\d+\/0x([0-9a-f]+)\//gim)].map((m) => parseInt(m[1]!, 16));
      assert.equal(flagsOf.length, 2, shown.stdout);
      assert.deepEqual(child.entries.map((e) => [e.principal, e.permissions.join("|"), e.deny === true]).sort(), [
        ["BUILTIN\\Administrators", "READ|WRITE|DELETE|MANAGE_PERMISSIONS", false],
        [user, "READ|WRITE|DELETE|MANAGE_PERMISSIONS", false],
      ]);
      assert.deepEqual(child.entries.map((e) => e.inherited).sort(), flagsOf.map((f) => (f & 0x10) !== 0).sort());

      // An ACE carrying INHERITED_ACE (0x10) is reported as inherited.
      const inh = await samba.run("smbcacls", [
        unc,
        "project/new.txt",
        "-S",
        `ACL:${user}:ALLOWED/0x10/FULL,ACL:Everyone:ALLOWED/0x0/READ`,
      ]);
      assert.equal(inh.code, 0, inh.stderr + inh.stdout);
      assert.deepEqual(
        (await aclRemote.acl!("project/new.txt")).entries.map((e) => [e.principal, e.inherited]).sort(),
        [
          ["Everyone", false],
          [user, true],
        ],
      );

      // Breaking inheritance (SE_DACL_PROTECTED) shows as inherit: false.
      const prot = await samba.run("smbcacls", [unc, "project/locked.txt", "-S", `ACL:${user}:ALLOWED/0x0/FULL`]);
      assert.equal(prot.code, 0, prot.stderr + prot.stdout);
      const cut = await samba.run("smbcacls", [unc, "project/locked.txt", "-I", "remove"]);
      assert.equal(cut.code, 0, cut.stderr + cut.stdout);
      const locked = await aclRemote.acl!("project/locked.txt");
      assert.equal(locked.inherit, false);
      assert.deepEqual(locked.entries, [
        {
          principal: user,
          principalType: "user",
          permissions: ["READ", "WRITE", "DELETE", "MANAGE_PERMISSIONS"],
          inherited: false,
        },
      ]);

      assert.deepEqual(permissionsOfMask(0x1200a9), ["READ"]);
      assert.deepEqual(permissionsOfMask(0x10000000), ["READ", "WRITE", "DELETE", "MANAGE_PERMISSIONS"], "GENERIC_ALL");
      assert.deepEqual(permissionsOfMask(0x00000040), [], "FILE_DELETE_CHILD alone maps to nothing");
      await rejectsKind(aclRemote.acl!("project/missing.txt"), "not_found");
    } finally {
      await aclRemote.close();
    }
  });

  test("Unicode and spaces reach the server's disk as NFC names and come back unchanged", async () => {
    const names = ["dossier à espaces/Ünïcödé 日本語 😀.txt", "e\u0301té/  leading and trailing  .md"].map((n) =>
      n.normalize("NFC"),
    );
    for (const [i, n] of names.entries()) {
      await remote.mkdir(`names/${n.slice(0, n.indexOf("/"))}`);
      await remote.write(`names/${n}`, Readable.from([Buffer.from(`v${i}`)]), { size: 2, mtimeMs: Date.now() });
      assert.equal(readFileSync(onDisk("names", n), "utf8"), `v${i}`);
    }
    const files = (await walkAll(remote, "names")).filter((e) => e.kind === "file").map((e) => e.path);
    assert.deepEqual(files.sort(), names.map((n) => `names/${n}`).sort());
    const moved = await remote.move(`names/${names[0]}`, "names/déplacé 😀.txt");
    assert.equal(moved.path, "names/déplacé 😀.txt");
    assert.ok(existsSync(onDisk("names", "déplacé 😀.txt")));
    assert.equal((await remote.stat("NAMES/DÉPLACÉ 😀.TXT")).id, moved.id, "case-insensitive lookups");

    // Names stored decomposed (NFD) on the server are reported NFC and stay reachable by that name.
    const nfdFolder = "Cafe\u0301 folder";
    mkdirSync(onDisk("names", nfdFolder));
    writeFileSync(onDisk("names", nfdFolder, "re\u0301sume\u0301.txt"), "nfd");
    own(onDisk("names", nfdFolder));
    own(onDisk("names", nfdFolder, "re\u0301sume\u0301.txt"));
    const nfd = (await walkAll(remote, "names")).filter((e) => e.path.startsWith("names/Caf"));
    assert.deepEqual(
      nfd.map((e) => e.path),
      ["names/Café folder", "names/Café folder/résumé.txt"].map((p) => p.normalize("NFC")),
    );
    assert.equal((await readAll(await remote.read(nfd[1]!.path))).toString(), "nfd");
    await remote.write(nfd[1]!.path, Readable.from([Buffer.from("changed")]), {
      size: 7,
      mtimeMs: Date.now(),
      ifMatchFingerprint: nfd[1]!.fingerprint,
    });
    assert.deepEqual(
      readdirSync(onDisk("names", nfdFolder)),
      ["re\u0301sume\u0301.txt"],
      "the NFD file was replaced, no NFC twin appeared",
    );
    assert.equal(readFileSync(onDisk("names", nfdFolder, "re\u0301sume\u0301.txt"), "utf8"), "changed");
    await remote.write(`${nfd[0]!.path}/new.txt`, Readable.from([Buffer.from("n")]), { size: 1, mtimeMs: Date.now() });
    assert.ok(existsSync(onDisk("names", nfdFolder, "new.txt")), "children of an NFD folder land in it");
  });

  test("names SMB cannot hold are refused as invalid_name before anything reaches the server", async () => {
    await remote.mkdir("badnames");
    for (const name of [
      "back\\slash.txt",
      "colon:stream.txt",
      "star*.txt",
      "q?.txt",
      'quote".txt',
      "lt<.txt",
      "gt>.txt",
      "pipe|.txt",
      "ctl\u0001.txt",
    ]) {
      await rejectsKind(
        remote.write(`badnames/${name}`, Readable.from([Buffer.from("x")]), { size: 1, mtimeMs: Date.now() }),
        "invalid_name",
      );
      await rejectsKind(remote.mkdir(`badnames/${name}`), "invalid_name");
    }
    // Nothing was created, in particular no sub-folder "back" from the backslash.
    assert.deepEqual(readdirSync(onDisk("badnames")), []);
  });

  test(
    "names Windows cannot hold as spelled are refused for " + "writes, folders and move targets, with the reason",
    async () => {
      await remote.mkdir("reserved");
      await remote.write("reserved/ok.txt", Readable.from([Buffer.from("x")]), { size: 1, mtimeMs: Date.now() });
      const cases: Array<[string, RegExp]> = [
        ["aux.txt", /reserved device name \(AUX\)/],
        ["Con", /reserved device name \(CON\)/],
        ["NUL.tar.gz", /reserved device name \(NUL\)/],
        ["com0.txt", /reserved device name \(COM0\)/],
        ["lpt9", /reserved device name \(LPT9\)/],
        ["COM\u00b2.log", /reserved device name \(COM\u00b2\)/],
        ["dot.", /ends with a dot/],
        ["space ", /ends with a space/],
      ];
      const rejects = async (p: Promise<unknown>, reason: RegExp) =>
        assert.rejects(p, (err: unknown) => {
          assert.ok(isRemoteError(err, "invalid_name"), String(err));
          assert.match(err.message, reason);
          return true;
        });
      for (const [name, reason] of cases) {
        await rejects(
          remote.write(`reserved/${name}`, Readable.from([Buffer.from("x")]), { size: 1, mtimeMs: Date.now() }),
          reason,
        );
        await rejects(remote.mkdir(`reserved/${name}`), reason);
        await rejects(remote.mkdir(`reserved/${name}/below`), reason);
        await rejects(remote.move("reserved/ok.txt", `reserved/${name}`), reason);
      }
      // Names that merely contain such a word are fine.
      for (const name of ["auxiliary.txt", "com10.txt", "lpt.txt", "my con.txt", ".dot start"]) {
        await remote.write(`reserved/${name}`, Readable.from([Buffer.from("y")]), { size: 1, mtimeMs: Date.now() });
      }
      assert.deepEqual(readdirSync(onDisk("reserved")).sort(), [
        ".dot start",
        "auxiliary.txt",
        "com10.txt",
        "lpt.txt",
        "my con.txt",
        "ok.txt",
      ]);
    },
  );

  test(
    "a share that vetoes every temp name: writes go in place, " +
      "checked for locks and size; a failure says what it leaves",
    async () => {
      const vetoed = createSmbRemote({ ...cfg, shareName: "vetoall" });
      const vdir = samba.shares.vetoall!;
      try {
        await vetoed.mkdir("inplace");
        const first = await vetoed.write("inplace/f.txt", Readable.from([Buffer.from("first")]), {
          size: 5,
          mtimeMs: Date.UTC(2021, 0, 1),
        });
        assert.equal(first.mtimeMs, Date.UTC(2021, 0, 1));
        const second = await vetoed.write("inplace/f.txt", Readable.from([Buffer.from("second, longer")]), {
          size: 14,
          mtimeMs: Date.UTC(2022, 0, 1),
          ifMatchFingerprint: first.fingerprint,
        });
        assert.equal(readFileSync(join(vdir, "inplace/f.txt"), "utf8"), "second, longer");
        assert.equal(second.id, first.id, "written in place: the same file");
        await rejectsKind(
          vetoed.write("inplace/f.txt", Readable.from([Buffer.from("stale")]), {
            size: 5,
            mtimeMs: Date.now(),
            ifMatchFingerprint: first.fingerprint,
          }),
          "precondition_failed",
        );
        await rejectsKind(
          vetoed.write("inplace/f.txt", Readable.from([Buffer.from("x")]), {
            size: 1,
            mtimeMs: Date.now(),
            ifMatchFingerprint: null,
          }),
          "exists",
        );

        // A source that fails: a new file is removed again, an existing one is reported incomplete.
        const broken = () => {
          const src = manualSource();
          src.feed(Buffer.from("part"));
          setTimeout(() => src.fail(new Error("source broke")), 50);
          return src.stream;
        };
        await assert.rejects(
          vetoed.write("inplace/new.txt", broken(), { size: 100, mtimeMs: Date.now(), ifMatchFingerprint: null }),
          /source broke/,
        );
        assert.deepEqual(readdirSync(join(vdir, "inplace")), ["f.txt"], "the half-written new file is gone");
        await assert.rejects(
          vetoed.write("inplace/f.txt", Readable.from([Buffer.from("short")]), { size: 100, mtimeMs: Date.now() }),
          (err: unknown) => {
            assert.ok(isRemoteError(err, "changed_during_transfer"), String(err));
            assert.match(err.message, /written in place .*veto files.* may now be incomplete on the share/);
            return true;
          },
        );

        // Another client holding the file open denying writes: locked before anything is truncated.
        writeFileSync(join(vdir, "inplace/f.txt"), "user's document");
        own(join(vdir, "inplace/f.txt"));
        const other = await SmbClient.connect({
          host: samba.host,
          port: samba.port,
          domain: samba.domain,
          username: samba.username,
          password: samba.password,
        });
        try {
          const held = await (
            await other.tree("vetoall")
          ).open("inplace/f.txt", {
            access: FileAccess.READ_DATA | FileAccess.WRITE_DATA | FileAccess.READ_ATTRIBUTES,
            share: FileShare.READ,
          });
          await rejectsKind(
            vetoed.write("inplace/f.txt", Readable.from([Buffer.from("replacement")]), {
              size: 11,
              mtimeMs: Date.now(),
            }),
            "locked",
          );
          assert.equal(readFileSync(join(vdir, "inplace/f.txt"), "utf8"), "user's document");
          await held.close();
        } finally {
          await other.close();
        }

        // A move target and a folder name the share vetoes.
        await assert.rejects(vetoed.move("inplace/f.txt", "inplace/f.tmp"), (err: unknown) => {
          assert.ok(isRemoteError(err, "invalid_name"), String(err));
          assert.match(err.message, /the server refused the name 'f\.tmp'.*"veto files" setting likely matches it/);
          return true;
        });
        await rejectsKind(vetoed.move("inplace/absent.txt", "inplace/g.txt"), "not_found");
        assert.deepEqual(readdirSync(join(vdir, "inplace")), ["f.txt"]);
        await assert.rejects(vetoed.mkdir("inplace/.git"), (err: unknown) => {
          assert.ok(isRemoteError(err, "invalid_name"), String(err));
          assert.match(
            err.message,
            /the server refused the folder name '\.git'.*"veto files" setting likely matches it/,
          );
          return true;
        });
      } finally {
        await vetoed.close();
      }
    },
  );

  test("a file another client holds open without delete sharing is locked for delete and never replaced", async () => {
    await remote.mkdir("busy");
    const before = await remote.write("busy/open.txt", Readable.from([Buffer.from("original")]), {
      size: 8,
      mtimeMs: Date.now(),
    });
    const other = await SmbClient.connect({
      host: samba.host,
      port: samba.port,
      domain: samba.domain,
      username: samba.username,
      password: samba.password,
    });
    try {
      // The client's write stream opens with read sharing only, so no one may open it for DELETE.
      const ws = (await other.tree("share")).createWriteStream("busy/open.txt", { disposition: "open" });
      await new Promise<void>((resolve, reject) => ws.write(Buffer.from("O"), (e) => (e ? reject(e) : resolve())));
      await rejectsKind(remote.delete("busy/open.txt"), "locked");
      assert.equal((await remote.stat("busy/open.txt")).id, before.id);
      // Samba (POSIX rename) would let a rename replace the name under the open handle: the write
      // checks the share modes first and leaves the file alone.
      await rejectsKind(
        remote.write("busy/open.txt", Readable.from([Buffer.from("replacement")]), { size: 11, mtimeMs: Date.now() }),
        "locked",
      );
      assert.match(
        readFileSync(onDisk("busy", "open.txt"), "utf8"),
        /^[oO]riginal$/,
        "the open file keeps its content (the other client's own WRITE may be on its way)",
      );
      assert.equal((await remote.stat("busy/open.txt")).id, before.id, "the same file, not a replacement");
      assert.deepEqual(readdirSync(onDisk("busy")), ["open.txt"], "no temp file left behind");
      ws.destroy();
      await new Promise((r) => ws.once("close", r));
      const replaced = await remote.write("busy/open.txt", Readable.from([Buffer.from("replacement")]), {
        size: 11,
        mtimeMs: Date.now(),
      });
      assert.equal(readFileSync(onDisk("busy", "open.txt"), "utf8"), "replacement");
      assert.notEqual(replaced.id, before.id);
    } finally {
      await other.close();
    }
    await remote.delete("busy/open.txt");
    assert.deepEqual(readdirSync(onDisk("busy")), []);
  });

  test("watch reports an atomic write as the final name appearing", async () => {
    await remote.mkdir("watched");
    const watcher = await remote.watch("watched");
    try {
      await watcher.ready;
      await remote.write("watched/w.txt", Readable.from([Buffer.from("w")]), { size: 1, mtimeMs: Date.now() });
      const events: string[] = [];
      const found = (async () => {
        for await (const c of watcher) {
          events.push(`${c.action}:${isSmbTempName(c.name) ? "<temp>" : c.name}`);
          if (c.name === "w.txt" && (c.action === "renamed_new" || c.action === "added")) return true;
        }
        return false;
      })();
      const timeout = new Promise<boolean>((resolve) => setTimeout(() => resolve(false), 10_000).unref());
      assert.ok(await Promise.race([found, timeout]), `events: ${events.join(", ")}`);
      assert.ok(events.includes("renamed_new:w.txt"), events.join(", "));
    } finally {
      await watcher.close();
    }
  });

  test("testSmbConnection reports success and each failure reason", async () => {
    mkdirSync(onDisk("2026"));
    own(onDisk("2026"));
    writeFileSync(onDisk("file.txt"), "f");
    const base = {
      host: samba.host,
      port: samba.port,
      domain: samba.domain,
      username: samba.username,
      password: samba.password,
      shareName: "share",
      network: NetworkPolicy.unrestricted(),
    };
    assert.deepEqual(await testSmbConnection({ ...base, basePath: "2026" }), {
      success: true,
      message: `Connected to ${samba.host}\\share as SCAIDOM\\${samba.username}`,
      error: null,
    });
    const cases: Array<[string, Parameters<typeof testSmbConnection>[0], string, RegExp]> = [
      [
        "wrong password",
        { ...base, password: "Not-The-Pass-42" },
        "STATUS_LOGON_FAILURE",
        /Authentication failed for SCAIDOM\\/,
      ],
      [
        "unknown host",
        { ...base, host: "no-such-host.invalid" },
        "ENOTFOUND",
        /Cannot resolve host name "no-such-host.invalid"/,
      ],
      ["connection refused", { ...base, host: "127.0.0.1", port: await freePort() }, "ECONNREFUSED", /refused/],
      [
        "bad share",
        { ...base, shareName: "NoSuchShare" },
        "STATUS_BAD_NETWORK_NAME",
        /Share "NoSuchShare" does not exist/,
      ],
      [
        "missing base path",
        { ...base, basePath: "1999" },
        "STATUS_OBJECT_NAME_NOT_FOUND",
        /Base path "1999" does not exist/,
      ],
      ["base path is a file", { ...base, basePath: "file.txt" }, "NOT_A_DIRECTORY", /is a file, not a folder/],
    ];
    // A peer that accepts TCP but never answers SMB: the client's timer ends the wait.
    const sockets = new Set<Socket>();
    const silent = createServer((socket) => {
      sockets.add(socket.on("error", () => undefined));
    });
    await new Promise<void>((resolve) => silent.listen(0, "127.0.0.1", resolve));
    const silentPort = (silent.address() as AddressInfo).port;
    cases.push([
      "no answer",
      { ...base, host: "127.0.0.1", port: silentPort, timeoutMs: 1_000 },
      "ETIMEDOUT",
      /timed out/,
    ]);
    // A peer that answers, but not in SMB (a web server on the port).
    const web = createServer((socket) => {
      sockets.add(socket.on("error", () => undefined));
      socket.once("data", () => socket.end("HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n"));
    });
    await new Promise<void>((resolve) => web.listen(0, "127.0.0.1", resolve));
    const webPort = (web.address() as AddressInfo).port;
    cases.push([
      "not SMB",
      { ...base, host: "127.0.0.1", port: webPort },
      "NOT_AN_SMB_SERVER",
      new RegExp(`The server at 127\\.0\\.0\\.1:${webPort} did not answer as an SMB server`),
    ]);
    for (const [label, config, error, message] of cases) {
      const r = await testSmbConnection(config);
      assert.equal(r.success, false, label);
      assert.equal(r.error, error, `${label}: ${r.message}`);
      assert.match(r.message, message, label);
      assert.ok(
        !r.message.includes(samba.password) && !r.message.includes("Not-The-Pass-42"),
        `${label}: no password in the message`,
      );
    }
    for (const socket of sockets) socket.destroy();
    await new Promise((resolve) => silent.close(resolve));
    await new Promise((resolve) => web.close(resolve));
  });

  test(
    "temp uploads carry their owner's key: the owner's next walk deletes " +
      "its leftovers, another owner's fresh temp stays until stale",
    async () => {
      mkdirSync(onDisk("leftovers", "sub"), { recursive: true });
      own(onDisk("leftovers"));
      own(onDisk("leftovers", "sub"));
      const mine = createSmbRemote({ ...cfg, tempOwner: "connector:cnn_A" });
      const theirs = createSmbRemote({ ...cfg, tempOwner: "connector:cnn_B" });
      const mineKey = smbTempKeyFor("connector:cnn_A");
      const theirKey = smbTempKeyFor("connector:cnn_B");
      try {
        // The upload's temp name carries the owner's key.
        const src = manualSource();
        const writing = mine.write("leftovers/sub/a.bin", src.stream, { size: 6 << 20, mtimeMs: Date.now() });
        writing.catch(() => undefined);
        src.feed(Buffer.alloc(1 << 20, 0x41));
        const temps = () => readdirSync(onDisk("leftovers", "sub")).filter(isSmbTempName);
        await until("the temp file to appear", () => temps().length === 1);
        assert.equal(smbTempOwnerKey(temps()[0]!), mineKey);
        src.fail(new Error("killed"));
        await assert.rejects(writing, /killed/);
        assert.deepEqual(temps(), []);

        // Leftovers as a dropped connection leaves them (the adapter could not delete them).
        const leave = (rel: string, mtime?: Date) => {
          writeFileSync(onDisk(rel), "partial");
          own(onDisk(rel));
          if (mtime) utimesSync(onDisk(rel), mtime, mtime);
        };
        // Today's spellings and those of earlier versions, which walks still recognise and clean up.
        const mineTemp = `leftovers/sub/scaidrive-upload-${mineKey}-0123456789abcdef`;
        const mineOld = `leftovers/sub/.~scaidrive-${mineKey}-0123456789abcdef.tmp`;
        const theirTemp = `leftovers/upload-${theirKey}-0123456789abcdef.scaidrive`;
        const theirOld = `leftovers/.~scaidrive-${theirKey}-0123456789abcdef.tmp`;
        const staleTemp = `leftovers/scaidrive-upload-99999999-0123456789abcdef`;
        const staleOld = `leftovers/.~scaidrive-99999999-0123456789abcdef.tmp`;
        const legacyStale = `leftovers/.~scaidrive-0123456789abcdef.tmp`;
        for (const t of [mineTemp, mineOld, theirTemp, theirOld]) leave(t);
        for (const t of [staleTemp, staleOld, legacyStale]) leave(t, new Date(Date.now() - 2 * 3600_000));

        // Another owner's walk leaves my fresh temp alone (it may be in flight), removes its own and stale ones.
        assert.deepEqual(
          (await walkAll(theirs, "leftovers")).map((e) => e.path),
          ["leftovers/sub"],
        );
        assert.ok(
          existsSync(onDisk(mineTemp)) && existsSync(onDisk(mineOld)),
          "another owner's fresh temp file is left alone",
        );
        assert.ok(
          !existsSync(onDisk(theirTemp)) && !existsSync(onDisk(theirOld)),
          "the owner's own leftover is deleted by its next walk",
        );
        assert.ok(
          !existsSync(onDisk(staleTemp)) && !existsSync(onDisk(staleOld)) && !existsSync(onDisk(legacyStale)),
          "stale temp files of anyone are deleted",
        );
        // An anonymous remote (no stable owner) deletes nothing fresh.
        assert.deepEqual(
          (await walkAll(remote, "leftovers")).map((e) => e.path),
          ["leftovers/sub"],
        );
        assert.ok(existsSync(onDisk(mineTemp)) && existsSync(onDisk(mineOld)));
        // My next walk removes my leftover.
        assert.deepEqual(
          (await walkAll(mine, "leftovers")).map((e) => e.path),
          ["leftovers/sub"],
        );
        assert.deepEqual(readdirSync(onDisk("leftovers")), ["sub"]);
        assert.deepEqual(readdirSync(onDisk("leftovers", "sub")), [], "no temp file remains");
      } finally {
        await mine.close();
        await theirs.close();
      }
    },
  );

  test(
    "reused inode: a rename keeps id and fingerprint; a new file given " +
      "a deleted file's inode has that id but another fingerprint",
    async () => {
      assert.equal(
        remote.capabilities.reusesIds,
        true,
        "declared, so the planner checks the fingerprint of a same-id rename",
      );
      mkdirSync(onDisk("reuse"));
      own(onDisk("reuse"));
      writeFileSync(onDisk("reuse", "old.txt"), "old");
      own(onDisk("reuse", "old.txt"));
      const before = await remote.stat("reuse/old.txt");
      renameSync(onDisk("reuse", "old.txt"), onDisk("reuse", "renamed.txt"));
      const renamed = await remote.stat("reuse/renamed.txt");
      assert.equal(renamed.id, before.id, "a local rename keeps the id");
      assert.equal(renamed.fingerprint, before.fingerprint, "and the fingerprint");
      const moved = await remote.move("reuse/renamed.txt", "reuse/moved.txt");
      assert.equal(moved.id, before.id, "an SMB rename keeps the id");
      const inode = statSync(onDisk("reuse", "moved.txt")).ino;
      rmSync(onDisk("reuse", "moved.txt"));
      let reused: string | undefined;
      for (let i = 0; i < 200 && !reused; i++) {
        const name = `new-${i}.txt`;
        writeFileSync(onDisk("reuse", name), "new");
        own(onDisk("reuse", name));
        if (statSync(onDisk("reuse", name)).ino === inode) reused = name;
      }
      assert.ok(reused, "the file system handed the freed inode to a new file within 200 creations");
      const fresh = await remote.stat(`reuse/${reused}`);
      assert.equal(fresh.id, before.id, "Samba reports the same FileId (the inode)");
      assert.notEqual(
        fresh.fingerprint,
        before.fingerprint,
        "but the fingerprint differs, so the planner does not take it for a rename",
      );
    },
  );

  test(
    "readWhole: one request returns a small file's bytes with the listing's " +
      "fingerprint; null above the limit; folders and missing files are not_found",
    async () => {
      mkdirSync(onDisk("whole"));
      own(onDisk("whole"));
      const small = Buffer.from("small file content");
      writeFileSync(onDisk("whole", "small.txt"), small);
      writeFileSync(onDisk("whole", "empty.txt"), "");
      writeFileSync(onDisk("whole", "big.bin"), Buffer.alloc(300_000, 7));
      for (const f of ["small.txt", "empty.txt", "big.bin"]) own(onDisk("whole", f));
      const listed = new Map((await walkAll(remote, "whole")).map((e) => [e.path, e]));

      const got = await remote.readWhole!("whole/small.txt", 64 << 10);
      assert.deepEqual(got.data, small);
      assert.equal(
        got.entry?.fingerprint,
        listed.get("whole/small.txt")!.fingerprint,
        "the request's entry carries the walk's fingerprint",
      );
      const empty = await remote.readWhole!("whole/empty.txt", 64 << 10);
      assert.equal(empty.data?.length, 0);
      assert.equal(empty.entry?.fingerprint, listed.get("whole/empty.txt")!.fingerprint);
      const big = await remote.readWhole!("whole/big.bin", 64 << 10);
      assert.equal(big.data, null, "larger than maxBytes: stream it instead");
      assert.equal(big.entry?.size, 300_000);
      await rejectsKind(remote.readWhole!("whole", 64 << 10), "not_found");
      await rejectsKind(remote.readWhole!("whole/missing.txt", 64 << 10), "not_found");
    },
  );

  test("a small file changed after the walk is not copied under the walk's fingerprint", async () => {
    const { transferFile } = await import("../../../src/sync/content-transfer.js");
    mkdirSync(onDisk("changed"));
    own(onDisk("changed"));
    writeFileSync(onDisk("changed", "a.txt"), "before");
    own(onDisk("changed", "a.txt"));
    const listed = await remote.stat("changed/a.txt");
    writeFileSync(onDisk("changed", "a.txt"), "after, and longer");
    utimesSync(onDisk("changed", "a.txt"), new Date(), new Date(Date.now() + 5000));
    await assert.rejects(
      transferFile(remote, remote, listed, "changed/copy.txt", {
        ifMatchFingerprint: null,
        signal: new AbortController().signal,
        onBytes: () => {},
      }),
      (err: unknown) => isRemoteError(err, "changed_during_transfer"),
    );
    assert.deepEqual(readdirSync(onDisk("changed")), ["a.txt"], "nothing reached the destination");
    const now = await remote.stat("changed/a.txt");
    const copied = await transferFile(remote, remote, now, "changed/copy.txt", {
      ifMatchFingerprint: null,
      signal: new AbortController().signal,
      onBytes: () => {},
    });
    assert.equal(copied.sha256, sha(Buffer.from("after, and longer")), "hashed here: the SMB side computes no SHA-256");
    assert.equal(readFileSync(onDisk("changed", "copy.txt"), "utf8"), "after, and longer");
  });

  test("connection failures map to auth / unreachable / not_found", async () => {
    const wrong = createSmbRemote({ ...cfg, password: "not-the-password" });
    await rejectsKind(wrong.stat(""), "auth");
    await wrong.close();
    const nobody = createSmbRemote({ ...cfg, host: "127.0.0.1", port: await freePort() });
    await rejectsKind(nobody.stat(""), "unreachable");
    await nobody.close();
    const missingBase = createSmbRemote({ ...cfg, basePath: "no/such/base" });
    await rejectsKind(missingBase.stat(""), "not_found");
    await rejectsKind(missingBase.mkdir("x"), "not_found");
    await assert.rejects(walkAll(missingBase), (err: unknown) => {
      assert.ok(isRemoteError(err, "not_found"));
      assert.equal(err.path, "", "a missing root is reported for the root path");
      assert.equal(err.message, `base path 'no/such/base' does not exist on \\\\${samba.host}\\share`);
      return true;
    });
    await missingBase.close();
    const badShare = createSmbRemote({ ...cfg, shareName: "NoSuchShare" });
    await rejectsKind(badShare.connect(), "not_found");
    await badShare.close();
    await rejectsKind(wrong.stat(""), "unreachable");
  });

  test("a connection killed in the middle of a walk surfaces as unreachable; the next walk reconnects", async () => {
    for (let i = 0; i < 40; i++) {
      mkdirSync(onDisk("many", `d${String(i).padStart(2, "0")}`, "inner"), { recursive: true });
      writeFileSync(onDisk("many", `d${String(i).padStart(2, "0")}`, "inner", "f.txt"), "x");
    }
    const walker = createSmbRemote({ ...cfg, timeoutMs: 5_000, walkConcurrency: 2 });
    try {
      let seen = 0;
      let killer: NodeJS.Timeout | undefined;
      await assert.rejects(
        (async () => {
          for await (const e of walker.walk("many")) {
            void e;
            if (seen++ === 0) {
              // Freeze the smbd serving us so listings stall in flight, then kill it.
              assert.ok(samba.signalServingChildren("SIGSTOP").length >= 1);
              killer = setTimeout(() => samba.signalServingChildren("SIGKILL"), 300);
            }
          }
        })(),
        (err: unknown) => {
          assert.ok(isRemoteError(err, "unreachable"), String(err));
          return true;
        },
      );
      clearTimeout(killer);
      assert.ok(seen < 120, `the walk stopped early (${seen} entries)`);
      assert.equal((await walkAll(walker, "many")).length, 120);

      // A read stream whose connection dies fails with an unreachable RemoteError, not a bare error.
      const big = Buffer.alloc(24 << 20, 7);
      writeFileSync(onDisk("many", "big.bin"), big);
      const stream = await walker.read("many/big.bin");
      let got = 0;
      await assert.rejects(
        (async () => {
          for await (const chunk of stream) {
            if (got === 0) samba.signalServingChildren();
            got += (chunk as Buffer).length;
          }
        })(),
        (err: unknown) => {
          assert.ok(isRemoteError(err, "unreachable"), String(err));
          return true;
        },
      );
      assert.ok(got < big.length);
      assert.equal((await walker.stat("many/big.bin")).size, big.length, "and the next call reconnects");
    } finally {
      await walker.close();
    }
  });
});
