/**
 * The one conformance suite every {@link Remote} adapter passes. An adapter's test file is a few
 * lines: start its real peer, then `runRemoteConformance("smb", async () => ({ remote, cleanup }))`.
 * `makeRemote` must hand out an empty remote root each time (a fresh folder is fine). Optional
 * abilities are checked by capability, never by adapter name.
 */
import { describe, test, before, after } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { Readable } from "node:stream";
import { isRemoteError, type RemoteErrorKind } from "../../src/sync/remote-errors.js";
import { knowsContent, recyclesChunks, type Remote, type RemoteEntry } from "../../src/sync/remote.js";
import { readAll } from "../harness/read-stream.js";

export interface ConformanceTarget {
  remote: Remote;
  cleanup(): Promise<void>;
}

function bytes(n: number, seed: number): Buffer {
  const b = Buffer.alloc(n);
  for (let i = 0; i < n; i++) b[i] = (i * 31 + seed * 7 + (i >> 8)) & 0xff;
  return b;
}

/** A source that delivers `data` in small chunks. */
function source(data: Buffer): Readable {
  const chunk = 16 * 1024;
  return Readable.from(
    (function* () {
      for (let i = 0; i < data.length; i += chunk) yield data.subarray(i, Math.min(i + chunk, data.length));
    })(),
  );
}

/** A source that delivers `prefix` and then fails. */
function failingSource(prefix: Buffer): Readable {
  return new Readable({
    read() {
      if (prefix.length > 0) {
        this.push(prefix);
        prefix = Buffer.alloc(0);
      } else {
        this.destroy(new Error("source broke"));
      }
    },
  });
}

async function rejectsKind(p: Promise<unknown>, ...kinds: RemoteErrorKind[]): Promise<void> {
  await assert.rejects(p, (err: unknown) => {
    assert.ok(isRemoteError(err), `expected a RemoteError, got ${String(err)}`);
    assert.ok(kinds.includes(err.kind), `expected ${kinds.join("|")}, got ${err.kind}: ${err.message}`);
    return true;
  });
}

async function walkAll(remote: Remote, root = ""): Promise<RemoteEntry[]> {
  const out: RemoteEntry[] = [];
  for await (const e of remote.walk(root)) out.push(e);
  return out;
}

export function runRemoteConformance(name: string, makeRemote: () => Promise<ConformanceTarget>): void {
  describe(`Remote conformance: ${name}`, () => {
    let t: ConformanceTarget;
    let r: Remote;
    before(async () => {
      t = await makeRemote();
      r = t.remote;
    });
    after(async () => {
      await r.close();
      await r.close();
      await t.cleanup();
    });

    const mtime = Date.UTC(2024, 0, 2, 3, 4, 5, 678);
    const write = (path: string, data: Buffer, extra: { ifMatchFingerprint?: string | null; mtimeMs?: number } = {}) =>
      r.write(path, source(data), {
        size: data.length,
        mtimeMs: extra.mtimeMs ?? mtime,
        ifMatchFingerprint: extra.ifMatchFingerprint,
      });

    test("declares its capabilities", () => {
      const c = r.capabilities;
      for (const k of [
        "delta",
        "versions",
        "acl",
        "metadata",
        "caseInsensitive",
        "checkouts",
        "notify",
        "preservesMtime",
      ] as const) {
        assert.equal(typeof c[k], "boolean", k);
      }
      assert.ok(Array.isArray(c.hashes));
      if (c.delta) assert.equal(typeof r.changes, "function");
      if (c.acl) assert.equal(typeof r.acl, "function");
      if (c.versions) assert.equal(typeof r.versions, "function");
      if (c.metadata) assert.equal(typeof r.fields, "function");
    });

    test("an empty root walks to nothing; missing paths are not_found", async () => {
      assert.deepEqual(await walkAll(r), []);
      await rejectsKind(r.stat("missing.txt"), "not_found");
      await rejectsKind(r.read("missing.txt"), "not_found");
      await rejectsKind(r.move("missing.txt", "other.txt"), "not_found");
      await rejectsKind(walkAll(r, "no-such-folder"), "not_found");
      await r.delete("missing.txt");
    });

    test("mkdir creates parents, is idempotent, and refuses a file in the way", async () => {
      const a = await r.mkdir("mk/a/b");
      assert.equal(a.kind, "folder");
      assert.equal(a.path, "mk/a/b");
      await r.mkdir("mk/a/b");
      assert.equal((await r.stat("mk/a")).kind, "folder");
      await write("mk/file.txt", Buffer.from("x"));
      await rejectsKind(r.mkdir("mk/file.txt"), "exists");
    });

    test("write then stat, read whole and by range; mtime kept", async () => {
      const data = bytes(200_000, 1);
      await r.mkdir("rw");
      const e = await write("rw/data.bin", data);
      assert.equal(e.path, "rw/data.bin");
      assert.equal(e.kind, "file");
      assert.equal(e.size, data.length);
      assert.ok(e.fingerprint.length > 0);
      const s = await r.stat("rw/data.bin");
      assert.equal(s.size, data.length);
      assert.equal(s.fingerprint, e.fingerprint);
      if (s.id !== undefined) assert.equal(s.id, e.id);
      if (r.capabilities.preservesMtime)
        assert.ok(Math.abs(s.mtimeMs - mtime) < 1000, `mtime ${s.mtimeMs} vs ${mtime}`);
      if (r.capabilities.hashes.includes("sha256"))
        assert.equal(s.hashes?.sha256, createHash("sha256").update(data).digest("hex"));
      assert.ok((await readAll(await r.read("rw/data.bin"))).equals(data));
      assert.ok(
        (await readAll(await r.read("rw/data.bin", { start: 1000, end: 1999 }))).equals(data.subarray(1000, 2000)),
      );
      assert.ok((await readAll(await r.read("rw/data.bin", { start: 199_000 }))).equals(data.subarray(199_000)));
      await rejectsKind(r.read("rw"), "not_found");
      const empty = await write("rw/empty", Buffer.alloc(0));
      assert.equal(empty.size, 0);
      assert.equal((await readAll(await r.read("rw/empty"))).length, 0);
    });

    test("names with Unicode and spaces round-trip in NFC", async () => {
      const names = [
        "with space/a b  c.txt",
        "Ünïcødé – résumé €.txt",
        "日本語 フォルダ/emoji 😀.md",
        "e\u0301cole.txt".normalize("NFC"),
      ];
      for (const [i, n] of names.entries()) {
        const parent = n.includes("/") ? n.slice(0, n.lastIndexOf("/")) : "";
        if (parent) await r.mkdir(`uni/${parent}`);
        await write(`uni/${n}`, Buffer.from(`content ${i}`));
      }
      const listed = (await walkAll(r, "uni"))
        .filter((e) => e.kind === "file")
        .map((e) => e.path)
        .sort();
      assert.deepEqual(listed, names.map((n) => `uni/${n}`).sort());
      for (const [i, n] of names.entries()) {
        assert.equal((await readAll(await r.read(`uni/${n}`))).toString(), `content ${i}`);
      }
    });

    test("walk lists parents before children with relative paths", async () => {
      await r.mkdir("tree/x/y");
      await write("tree/x/y/leaf.txt", Buffer.from("leaf"));
      await write("tree/top.txt", Buffer.from("top"));
      const all = await walkAll(r, "tree");
      const paths = all.map((e) => e.path);
      assert.deepEqual([...paths].sort(), ["tree/top.txt", "tree/x", "tree/x/y", "tree/x/y/leaf.txt"]);
      for (const e of all) {
        const parent = e.path.slice(0, e.path.lastIndexOf("/"));
        if (parent !== "tree") assert.ok(paths.indexOf(parent) < paths.indexOf(e.path), `${parent} before ${e.path}`);
        assert.ok(!e.path.startsWith("/") && !e.path.endsWith("/"));
      }
      for (const e of all) {
        const s = await r.stat(e.path);
        assert.equal(s.kind, e.kind, e.path);
        if (e.kind === "file")
          assert.equal(s.fingerprint, e.fingerprint, `walk and stat agree on ${e.path}'s fingerprint`);
      }
      const whole = (await walkAll(r)).map((e) => e.path);
      assert.ok(whole.includes("tree") && whole.includes("tree/x/y/leaf.txt"));
      assert.ok(whole.indexOf("tree") < whole.indexOf("tree/x"));
    });

    test("overwrite replaces content atomically; preconditions hold", async () => {
      await r.mkdir("ow");
      const v1 = await write("ow/f.txt", Buffer.from("version one"));
      const v2 = await write("ow/f.txt", Buffer.from("version two, longer"), { ifMatchFingerprint: v1.fingerprint });
      // The id may change on overwrite (SMB's temp-file-and-rename gives a new file id); the engine records the
      // returned one.
      assert.notEqual(v2.fingerprint, v1.fingerprint);
      assert.equal((await r.stat("ow/f.txt")).fingerprint, v2.fingerprint);
      assert.equal((await readAll(await r.read("ow/f.txt"))).toString(), "version two, longer");
      await rejectsKind(
        write("ow/f.txt", Buffer.from("stale"), { ifMatchFingerprint: v1.fingerprint }),
        "precondition_failed",
      );
      await rejectsKind(
        write("ow/f.txt", Buffer.from("create only"), { ifMatchFingerprint: null }),
        "exists",
        "precondition_failed",
      );
      assert.equal((await readAll(await r.read("ow/f.txt"))).toString(), "version two, longer");
      await write("ow/new.txt", Buffer.from("fresh"), { ifMatchFingerprint: null });
      await rejectsKind(write("ow", Buffer.from("onto a folder")), "exists");
    });

    test("a source that fails or ends short commits nothing", async () => {
      await r.mkdir("atomic");
      const old = await write("atomic/keep.bin", Buffer.from("old content"));
      await assert.rejects(
        r.write("atomic/keep.bin", failingSource(bytes(50_000, 2)), { size: 100_000, mtimeMs: mtime }),
      );
      await assert.rejects(r.write("atomic/keep.bin", source(bytes(10, 3)), { size: 20, mtimeMs: mtime }));
      await assert.rejects(r.write("atomic/keep.bin", source(bytes(30, 3)), { size: 20, mtimeMs: mtime }));
      assert.equal((await r.stat("atomic/keep.bin")).fingerprint, old.fingerprint);
      assert.equal((await readAll(await r.read("atomic/keep.bin"))).toString(), "old content");
      await assert.rejects(
        r.write("atomic/never.bin", failingSource(bytes(50_000, 4)), { size: 100_000, mtimeMs: mtime }),
      );
      await rejectsKind(r.stat("atomic/never.bin"), "not_found");
      assert.deepEqual(
        (await walkAll(r, "atomic")).map((e) => e.path),
        ["atomic/keep.bin"],
        "no temporary files left behind",
      );
    });

    test("move renames files and folders, keeps ids, never overwrites", async () => {
      await r.mkdir("mv/src/deep");
      const f = await write("mv/src/deep/f.txt", Buffer.from("f"));
      const g = await write("mv/g.txt", Buffer.from("g"));
      const moved = await r.move("mv/g.txt", "mv/renamed g.txt");
      assert.equal(moved.path, "mv/renamed g.txt");
      assert.equal(
        (await r.stat("mv/renamed g.txt")).fingerprint,
        g.fingerprint,
        "a move does not change the content fingerprint",
      );
      if (g.id !== undefined) assert.equal(moved.id, g.id);
      await rejectsKind(r.stat("mv/g.txt"), "not_found");
      await write("mv/other.txt", Buffer.from("o"));
      await rejectsKind(r.move("mv/other.txt", "mv/renamed g.txt"), "exists");
      assert.equal((await readAll(await r.read("mv/renamed g.txt"))).toString(), "g");
      const folder = await r.move("mv/src", "mv/dst");
      assert.equal(folder.kind, "folder");
      const inner = await r.stat("mv/dst/deep/f.txt");
      if (f.id !== undefined) assert.equal(inner.id, f.id);
      await rejectsKind(r.stat("mv/src/deep/f.txt"), "not_found");
      await r.mkdir("mv/into");
      await r.move("mv/other.txt", "mv/into/other.txt");
      assert.equal((await readAll(await r.read("mv/into/other.txt"))).toString(), "o");
    });

    test("delete removes files and empty folders, refuses non-empty folders, is idempotent", async () => {
      await r.mkdir("del/full");
      await write("del/full/x.txt", Buffer.from("x"));
      await r.mkdir("del/empty");
      await rejectsKind(r.delete("del/full"), "precondition_failed");
      await r.delete("del/full/x.txt");
      await r.delete("del/full/x.txt");
      await rejectsKind(r.stat("del/full/x.txt"), "not_found");
      await r.delete("del/full");
      await r.delete("del/empty");
      assert.deepEqual(await walkAll(r, "del"), []);
    });

    test("optional abilities work where declared", async () => {
      await r.mkdir("opt");
      await write("opt/v.txt", Buffer.from("one"));
      await write("opt/v.txt", Buffer.from("two"));
      if (r.capabilities.versions) {
        const versions = await r.versions!("opt/v.txt");
        assert.ok(versions.length >= 1);
        assert.equal((await readAll(await r.readVersion!("opt/v.txt", versions[0]!.id))).toString(), "one");
      }
      if (r.capabilities.acl) {
        const acl = await r.acl!("opt/v.txt");
        assert.ok(Array.isArray(acl.entries));
        assert.equal(typeof acl.inherit, "boolean");
      }
      if (r.capabilities.metadata) assert.equal(typeof (await r.fields!("opt/v.txt")), "object");
      if (r.capabilities.caseInsensitive) {
        assert.equal((await r.stat("OPT/V.TXT")).kind, "file");
      }
    });

    test(
      "readWhole, where implemented, returns read's bytes with stat's " +
        "fingerprint, null above the limit; else read() serves small files whole",
      async () => {
        await r.mkdir("whole");
        const data = bytes(5000, 3);
        await write("whole/a.bin", data);
        await write("whole/empty", Buffer.alloc(0));
        if (!r.readWhole) {
          // The engine's fallback for small files on adapters without readWhole.
          assert.ok((await readAll(await r.read("whole/a.bin"))).equals(data));
          assert.equal((await readAll(await r.read("whole/empty"))).length, 0);
          return;
        }
        const got = await r.readWhole("whole/a.bin", 64 << 10);
        assert.ok(got.data?.equals(data));
        if (got.entry) assert.equal(got.entry.fingerprint, (await r.stat("whole/a.bin")).fingerprint);
        assert.equal((await r.readWhole("whole/empty", 64 << 10)).data?.length, 0);
        assert.equal((await r.readWhole("whole/a.bin", 1000)).data, null);
        await rejectsKind(r.readWhole("whole/missing", 64 << 10), "not_found");
        await rejectsKind(r.readWhole("whole", 64 << 10), "not_found");
      },
    );

    test("a read stream that names its content's SHA-256 or lends its chunks keeps that promise", async () => {
      await r.mkdir("lend");
      const data = bytes(3 * 1024 * 1024 + 17, 4);
      const sha256 = createHash("sha256").update(data).digest("hex");
      await write("lend/big.bin", data);
      const whole = await r.read("lend/big.bin");
      if (knowsContent(whole)) {
        assert.equal(whole.contentSha256, sha256);
        const listed = (await r.stat("lend/big.bin")).hashes?.sha256;
        if (listed !== undefined) assert.equal(whole.contentSha256, listed);
      }
      // Chunks handed back (twice, even) as soon as they are copied: what arrives must still be
      // the file, since a lent chunk is reused by the reads that follow.
      const parts: Buffer[] = [];
      for await (const chunk of whole as AsyncIterable<Buffer>) {
        parts.push(Buffer.from(chunk));
        if (recyclesChunks(whole)) {
          whole.releaseChunk(chunk);
          whole.releaseChunk(chunk);
        }
      }
      assert.ok(Buffer.concat(parts).equals(data));
      const part = await r.read("lend/big.bin", { start: 10, end: 2_000_000 });
      if (knowsContent(part))
        assert.equal(part.contentSha256, createHash("sha256").update(data.subarray(10, 2_000_001)).digest("hex"));
      assert.ok((await readAll(part)).equals(data.subarray(10, 2_000_001)));
    });
  });
}
