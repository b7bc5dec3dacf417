/**
 * Every tree operation against smbd (store dos attributes = yes), checked on disk and through
 * Samba's own smbclient where the server's view matters.
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync, chownSync } from "node:fs";
import { join } from "node:path";
import { startSamba, type SambaInstance } from "../../../harness/samba.js";
import { connectClient } from "./smb-test-helpers.js";
import { SmbError, dateToFiletime, type SmbClient, type SmbTree } from "../../../../src/protocols/smb/index.js";

describe("SMB client operations against smbd", () => {
  let s: SambaInstance;
  let client: SmbClient;
  let tree: SmbTree;
  let dir: string;

  before(async () => {
    s = await startSamba({
      ownAddress: true,
      global: { "store dos attributes": "yes", "ea support": "yes", "veto files": "/*.vetoed/" },
    });
    client = await connectClient(s);
    tree = await client.tree("share");
    dir = s.shares.share;
  });
  after(async () => {
    await client?.close();
    await s?.stop();
  });

  test("mkdir, write, stat, readdir with attributes and times", async () => {
    await tree.mkdir("docs");
    await tree.mkdir("docs/sub");
    await tree.writeFile("docs/a.txt", "alpha");
    await tree.writeFile("docs/b.bin", Buffer.alloc(200_000, 1));
    assert.ok(statSync(join(dir, "docs/sub")).isDirectory());
    assert.equal(readFileSync(join(dir, "docs/a.txt"), "utf8"), "alpha");

    const entries = (await tree.list("docs")).sort((x, y) => x.name.localeCompare(y.name));
    assert.deepEqual(
      entries.map((e) => [e.name, e.size, e.isDirectory]),
      [
        ["a.txt", 5, false],
        ["b.bin", 200_000, false],
        ["sub", 0, true],
      ],
    );
    const disk = statSync(join(dir, "docs/b.bin"), { bigint: true });
    const b = entries[1];
    assert.equal(b.fileId, disk.ino);
    assert.ok(b.allocationSize >= 200_000);
    assert.equal(b.lastWriteTime.getTime(), Number(disk.mtimeMs));
    assert.equal(b.filetimes.lastWrite, disk.mtimeNs / 100n + 116444736000000000n);
    assert.equal(entries[2].attributes.directory, true);

    const st = await tree.stat("docs/b.bin");
    assert.equal(st.name, "b.bin");
    assert.equal(st.size, 200_000);
    assert.equal(st.fileId, disk.ino);
    assert.equal(st.isDirectory, false);
    const root = await tree.stat("/");
    assert.equal(root.isDirectory, true);
    assert.equal(await tree.exists("docs/a.txt"), true);
    assert.equal(await tree.exists("docs/zzz"), false);

    // paged listing: a 4 KiB buffer forces several QUERY_DIRECTORY round trips
    mkdirSync(join(dir, "docs/many"));
    const expected: string[] = [];
    for (let i = 0; i < 300; i++) {
      expected.push(`entry-${String(i).padStart(4, "0")}.txt`);
      writeFileSync(join(dir, "docs/many", expected[i]), "");
    }
    let pages = 0;
    const names: string[] = [];
    for await (const page of tree.readdirPages("docs/many", { bufferSize: 4096 })) {
      pages++;
      names.push(...page.map((e) => e.name));
    }
    assert.ok(pages >= 5, `pages=${pages}`);
    assert.deepEqual(names.sort(), expected);
    const pattern = await tree.list("docs", { pattern: "*.txt" });
    assert.deepEqual(
      pattern.map((e) => e.name),
      ["a.txt"],
    );
  });

  test("ranged reads and overwrite / create-only dispositions", async () => {
    const data = Buffer.alloc(3 * 1024 * 1024 + 17);
    for (let i = 0; i < data.length; i++) data[i] = (i * 31 + 7) & 0xff;
    await tree.writeFile("ranged.bin", data, { chunkSize: 256 * 1024 });
    const read = async (opts: { start?: number; end?: number; chunkSize?: number }) => {
      const parts: Buffer[] = [];
      for await (const c of tree.createReadStream("ranged.bin", opts)) parts.push(c as Buffer);
      return Buffer.concat(parts);
    };
    assert.deepEqual(await read({}), data);
    assert.deepEqual(await read({ start: 1000, end: 1999 }), data.subarray(1000, 2000));
    assert.deepEqual(await read({ start: 1_000_000, chunkSize: 65536 }), data.subarray(1_000_000));
    assert.deepEqual(await read({ start: data.length - 1 }), data.subarray(data.length - 1));
    assert.deepEqual(await read({ start: data.length + 10 }), Buffer.alloc(0));
    assert.deepEqual(await read({ end: 10 * data.length }), data);

    await tree.writeFile("ranged.bin", "short");
    assert.equal(readFileSync(join(dir, "ranged.bin"), "utf8"), "short");
    await assert.rejects(
      tree.writeFile("ranged.bin", "again", { disposition: "create" }),
      (e: unknown) => e instanceof SmbError && e.kind === "exists",
    );
    await tree.writeFile("empty.bin", Buffer.alloc(0));
    assert.equal(statSync(join(dir, "empty.bin")).size, 0);
    assert.deepEqual(await tree.readFile("empty.bin"), Buffer.alloc(0));
  });

  test("write stream applies backpressure and reports server-acknowledged bytes", async () => {
    const ws = tree.createWriteStream("stream.bin", { chunkSize: 65536, depth: 2 });
    let sawBackpressure = false;
    const chunk = Buffer.alloc(64 * 1024, 9);
    for (let i = 0; i < 64; i++) {
      if (!ws.write(chunk)) {
        sawBackpressure = true;
        await new Promise((r) => ws.once("drain", r));
      }
    }
    await new Promise<void>((resolve, reject) => ws.end((e?: Error | null) => (e ? reject(e) : resolve())));
    assert.ok(sawBackpressure);
    assert.equal(ws.bytesWrittenToServer, 64 * 65536);
    assert.equal(statSync(join(dir, "stream.bin")).size, 64 * 65536);
  });

  test("rename and move, with and without replace", async () => {
    await tree.writeFile("r1.txt", "one");
    await tree.writeFile("r2.txt", "two");
    await assert.rejects(tree.rename("r1.txt", "r2.txt"), (e: unknown) => e instanceof SmbError && e.kind === "exists");
    await tree.rename("r1.txt", "r2.txt", { replace: true });
    assert.equal(readFileSync(join(dir, "r2.txt"), "utf8"), "one");
    assert.equal(existsSync(join(dir, "r1.txt")), false);
    await tree.mkdir("moved");
    await tree.rename("r2.txt", "moved/r3.txt");
    assert.equal(readFileSync(join(dir, "moved/r3.txt"), "utf8"), "one");
    await tree.rename("moved", "moved-dir");
    assert.ok(statSync(join(dir, "moved-dir")).isDirectory());
    await assert.rejects(tree.rename("nope", "x"), (e: unknown) => e instanceof SmbError && e.kind === "not_found");
  });

  test("unlink and rmdir", async () => {
    await tree.mkdir("gone");
    await tree.writeFile("gone/f.txt", "f");
    await tree.unlink("gone/f.txt");
    assert.equal(existsSync(join(dir, "gone/f.txt")), false);
    await tree.rmdir("gone");
    assert.equal(existsSync(join(dir, "gone")), false);
    await assert.rejects(tree.unlink("gone/f.txt"), (e: unknown) => e instanceof SmbError && e.kind === "not_found");
  });

  test("rmdir of a folder that lists nothing but holds a vetoed file throws not_empty (refused at CLOSE)", async () => {
    await tree.mkdir("holds-vetoed");
    writeFileSync(join(dir, "holds-vetoed/x.vetoed"), "hidden by veto files");
    assert.deepEqual(await tree.list("holds-vetoed"), []);
    await assert.rejects(tree.rmdir("holds-vetoed"), (e: unknown) => e instanceof SmbError && e.kind === "not_empty");
    assert.ok(existsSync(join(dir, "holds-vetoed/x.vetoed")));
  });

  test("setInfo sets times and hidden/system/readOnly flags; smbclient setmode is read back", async () => {
    await tree.writeFile("attrs.txt", "a");
    const when = new Date("2020-02-03T04:05:06.789Z");
    const created = new Date("2019-01-01T00:00:00.000Z");
    await tree.setInfo("attrs.txt", {
      lastWriteTime: when,
      creationTime: created,
      attributes: { hidden: true, system: true },
    });
    let st = await tree.stat("attrs.txt");
    assert.equal(st.lastWriteTime.toISOString(), when.toISOString());
    assert.equal(st.filetimes.lastWrite, dateToFiletime(when));
    assert.equal(st.creationTime.toISOString(), created.toISOString());
    assert.equal(statSync(join(dir, "attrs.txt")).mtime.toISOString(), when.toISOString());
    assert.equal(st.attributes.hidden, true);
    assert.equal(st.attributes.system, true);
    assert.equal(st.attributes.readOnly, false);
    const listed = (await tree.list("")).find((e) => e.name === "attrs.txt")!;
    assert.equal(listed.attributes.hidden, true);
    assert.equal(listed.attributes.system, true);
    // smbclient sees what we set
    const ls = await s.run("smbclient", [`//${s.host}/share`, "-c", "ls attrs.txt"]);
    assert.match(ls.stdout, /attrs\.txt\s+[A-Z]*H[A-Z]*\s/);
    assert.match(ls.stdout, /attrs\.txt\s+[A-Z]*S[A-Z]*\s/);

    await tree.setInfo("attrs.txt", { attributes: { hidden: false, system: false, readOnly: true } });
    st = await tree.stat("attrs.txt");
    assert.deepEqual([st.attributes.hidden, st.attributes.system, st.attributes.readOnly], [false, false, true]);
    await tree.setInfo("attrs.txt", { attributes: { readOnly: false } });

    // set by Samba's tool, read by us
    await tree.writeFile("other.txt", "o");
    const r = await s.run("smbclient", [`//${s.host}/share`, "-c", "setmode other.txt +hs"]);
    assert.equal(r.code, 0, r.stderr + r.stdout);
    st = await tree.stat("other.txt");
    assert.equal(st.attributes.hidden, true);
    assert.equal(st.attributes.system, true);
  });

  test("Unicode and long names", async () => {
    const uni = "Ünïcödé 文件 — ñ 🎉.txt";
    const long = "L".repeat(200) + ".txt";
    await tree.mkdir("名前");
    await tree.writeFile(`名前/${uni}`, "u");
    await tree.writeFile(long, "l");
    assert.equal(readFileSync(join(dir, "名前", uni), "utf8"), "u");
    assert.equal(readFileSync(join(dir, long), "utf8"), "l");
    // created on disk, seen through SMB
    writeFileSync(join(dir, "名前", "ディスク.txt"), "d");
    const names = (await tree.list("名前")).map((e) => e.name).sort();
    assert.deepEqual(names, [uni, "ディスク.txt"].sort());
    assert.equal((await tree.readFile(`名前/ディスク.txt`)).toString(), "d");
    assert.equal((await tree.stat(long)).name, long);
    await tree.rename(`名前/${uni}`, `名前/renamed ✓.txt`);
    assert.ok(existsSync(join(dir, "名前", "renamed ✓.txt")));
  });

  test("storedPath: Samba's mangled alias of a name Windows cannot hold leads back to the real name", async () => {
    // Made on the server's disk: names Samba (mangled names = illegal) lists under 8.3 aliases.
    mkdirSync(join(dir, "mangled", "prn"), { recursive: true });
    for (const n of ["aux.txt", "a:b.txt", "trailing dot.", "prn/child.txt", "ABCDEF~1.TXT"])
      writeFileSync(join(dir, "mangled", n), n);
    const listed = (await tree.list("mangled")).map((e) => e.name).sort();
    assert.ok(!listed.includes("aux.txt") && !listed.includes("prn"), listed.join(", "));
    const real = new Map<string, string | undefined>();
    for (const name of listed) real.set(name, await tree.storedPath(`mangled/${name}`));
    assert.deepEqual([...real.values()].sort(), [
      "mangled\\ABCDEF~1.TXT",
      "mangled\\a:b.txt",
      "mangled\\aux.txt",
      "mangled\\prn",
      "mangled\\trailing dot.",
    ]);
    const prnAlias = [...real].find(([, v]) => v === "mangled\\prn")![0];
    assert.match(prnAlias, /^[A-Z0-9]{6}~[A-Z0-9]$/);
    assert.equal(await tree.storedPath(`mangled/${prnAlias}/child.txt`), "mangled\\prn\\child.txt");
    assert.equal(await tree.storedPath("mangled/aux.txt"), "mangled\\aux.txt", "the real name reaches the item too");
    assert.equal(await tree.storedPath(""), "");
  });

  test("querySecurityDescriptor returns a self-relative descriptor with owner, group and DACL", async () => {
    await tree.writeFile("sd.txt", "s");
    const sd = await tree.querySecurityDescriptor("sd.txt");
    assert.equal(sd[0], 1); // Revision
    const control = sd.readUInt16LE(2);
    assert.ok(control & 0x8000, "SE_SELF_RELATIVE");
    assert.ok(control & 0x0004, "SE_DACL_PRESENT");
    const ownerOff = sd.readUInt32LE(4);
    const groupOff = sd.readUInt32LE(8);
    const daclOff = sd.readUInt32LE(16);
    assert.ok(ownerOff > 0 && groupOff > 0 && daclOff > 0);
    // owner SID is S-1-5-21-... (the test user's SID on this standalone server)
    assert.equal(sd[ownerOff], 1);
    assert.equal(sd.readUIntBE(ownerOff + 2, 6), 5);
    assert.equal(sd.readUInt32LE(ownerOff + 8), 21);
    const onlyOwner = await tree.querySecurityDescriptor("sd.txt", { owner: true });
    assert.equal(onlyOwner.readUInt32LE(16), 0, "no DACL asked, none returned");
  });

  test("openPipe(lsarpc) carries a DCE/RPC bind and returns the bind_ack", async () => {
    const pipe = await client.openPipe("lsarpc");
    try {
      const bind = Buffer.alloc(72);
      bind.writeUInt8(5, 0); // version
      bind.writeUInt8(0, 1);
      bind.writeUInt8(11, 2); // bind
      bind.writeUInt8(0x03, 3); // first+last frag
      bind.writeUInt32LE(0x10, 4); // little-endian data representation
      bind.writeUInt16LE(72, 8);
      bind.writeUInt16LE(0, 10);
      bind.writeUInt32LE(1, 12); // call id
      bind.writeUInt16LE(4280, 16);
      bind.writeUInt16LE(4280, 18);
      bind.writeUInt32LE(0, 20);
      bind.writeUInt8(1, 24); // one context
      bind.writeUInt16LE(0, 28); // context id
      bind.writeUInt8(1, 30); // one transfer syntax
      uuid("12345778-1234-abcd-ef00-0123456789ab").copy(bind, 32);
      bind.writeUInt32LE(0, 48); // LSA v0.0
      uuid("8a885d04-1ceb-11c9-9fe8-08002b104860").copy(bind, 52);
      bind.writeUInt32LE(2, 68); // NDR v2
      const ack = await pipe.transceive(bind);
      assert.equal(ack[2], 12, "bind_ack");
      assert.equal(ack.readUInt16LE(8), ack.length);
      assert.equal(ack.readUInt32LE(12), 1);
    } finally {
      await pipe.close();
    }
  });

  test("50 concurrent operations on one session", async () => {
    mkdirSync(join(dir, "conc"));
    chownSync(join(dir, "conc"), s.uid, s.gid);
    const ops: Promise<unknown>[] = [];
    for (let i = 0; i < 50; i++) {
      const name = `conc/f${i}.bin`;
      const body = Buffer.alloc(10_000 + i * 1000, i);
      ops.push(
        tree.writeFile(name, body).then(async () => {
          const back = await tree.readFile(name);
          assert.deepEqual(back, body);
          const st = await tree.stat(name);
          assert.equal(st.size, body.length);
          return st;
        }),
      );
    }
    const results = await Promise.all(ops);
    assert.equal(results.length, 50);
    const listing = await Promise.all(Array.from({ length: 50 }, () => tree.list("conc")));
    for (const l of listing) assert.equal(l.length, 50);
  });
});

function uuid(text: string): Buffer {
  const h = text.replace(/-/g, "");
  const b = Buffer.from(h, "hex");
  const out = Buffer.alloc(16);
  out.writeUInt32LE(b.readUInt32BE(0), 0);
  out.writeUInt16LE(b.readUInt16BE(4), 4);
  out.writeUInt16LE(b.readUInt16BE(6), 6);
  b.copy(out, 8, 8);
  return out;
}
