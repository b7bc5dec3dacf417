/**
 * SharePoint-specific abilities of the adapter against the emulator's demo library: versions,
 * list-item columns, unique permissions, check-outs, OneNote notebooks, If-Match conflicts and
 * every naming rule (refused before any Graph call).
 */
import { describe, test, before, after } from "node:test";
import assert from "node:assert/strict";
import { Readable } from "node:stream";
import type { GraphEmulator } from "../../emulators/graph/emulator.js";
import { isRemoteError, type RemoteErrorKind } from "../../../src/sync/remote-errors.js";
import type { SharePointRemote } from "../../../src/connectors/sharepoint/sharepoint-remote.js";
import { control, readAll, remoteFor, startEmulator } from "./sharepoint-test-kit.js";

async function rejectsKind(p: Promise<unknown>, kind: RemoteErrorKind, pattern?: RegExp): Promise<void> {
  await assert.rejects(p, (err: unknown) => {
    assert.ok(isRemoteError(err, kind), `expected ${kind}, got ${String(err)}`);
    if (pattern) assert.match(err.message, pattern);
    return true;
  });
}

const src = (s: string): Readable => Readable.from([Buffer.from(s)]);

describe("SharePoint adapter features", () => {
  let emu: GraphEmulator;
  let remote: SharePointRemote;
  let root: SharePointRemote;

  before(async () => {
    emu = await startEmulator();
    remote = remoteFor(emu, "Campaigns/2026");
    root = remoteFor(emu, "");
  });
  after(async () => {
    await emu.close();
  });

  test("versions: older versions newest first (current excluded), each readable", async () => {
    const versions = await remote.versions("Brief.docx");
    assert.deepEqual(
      versions.map((v) => v.id),
      ["2.0", "1.0"],
    );
    assert.equal(
      (await readAll(await remote.readVersion("Brief.docx", "1.0"))).toString(),
      "Spring launch brief - first draft\n",
    );
    assert.equal(
      (await readAll(await remote.readVersion("Brief.docx", "2.0"))).toString(),
      "Spring launch brief - second draft, budget added\n",
    );
    assert.equal((await readAll(await remote.read("Brief.docx"))).toString(), "Spring launch brief - final\n");
    assert.ok(versions.every((v) => v.size > 0 && v.mtimeMs > 0));
  });

  test("fields: column values as sharepoint.<InternalName>, bookkeeping columns left out", async () => {
    const f = await remote.fields("Brief.docx");
    assert.equal(f["sharepoint.Status"], "Final");
    assert.equal(f["sharepoint.Campaign"], "Spring Launch");
    assert.equal(f["sharepoint.Title"], "Spring launch brief");
    assert.equal(f["sharepoint.Owner"], "Alice Cooper");
    assert.ok(!("sharepoint.Modified" in f) && !("sharepoint._UIVersionString" in f) && !("sharepoint.id" in f));
  });

  test("acl: unique permissions become entries with Entra object ids; inherited items stay inherit: true", async () => {
    const alice = emu.info.users.find((u) => u.name === "Alice Cooper")!;
    const acl = await remote.acl("Press Release.pdf");
    assert.equal(acl.inherit, false);
    const mine = acl.entries.find((e) => e.principal === alice.id);
    assert.ok(mine, JSON.stringify(acl.entries));
    assert.equal(mine.principalType, "user");
    assert.equal(mine.inherited, false);
    assert.ok(mine.permissions.includes("READ"));
    const plain = await remote.acl("Budget.xlsx");
    assert.equal(plain.inherit, true);
    assert.deepEqual(plain.entries, []);
    const base = await remote.acl("");
    assert.ok(base.entries.length > 0, "the base folder reports its effective (inherited) grants");
    assert.ok(base.entries.some((e) => e.principalType === "group" && e.permissions.includes("WRITE")));
    const owners = base.entries.find((e) => e.principal === "sharepoint-group:Marketing Owners");
    assert.deepEqual(owners?.permissions, ["READ", "WRITE", "DELETE", "MANAGE_PERMISSIONS"]);
  });

  test("a checked-out file is flagged, and writing it is refused as locked", async () => {
    const e = await remote.stat("Launch Plan.pptx");
    assert.ok(e.checkoutOwner);
    await rejectsKind(remote.write("Launch Plan.pptx", src("mine"), { size: 4, mtimeMs: Date.now() }), "locked");
    await control(emu, "content/checkin", { path: "Campaigns/2026/Launch Plan.pptx" });
    assert.equal((await remote.stat("Launch Plan.pptx")).checkoutOwner, undefined);
  });

  test(
    "OneNote notebook: one opaque entry, never descended " + "into, read as a deterministic tar of its sections",
    async () => {
      const entries = [];
      for await (const e of remote.walk()) entries.push(e);
      const nb = entries.find((e) => e.path === "Spring Notebook")!;
      assert.equal(nb.opaquePackage, true);
      assert.equal(nb.kind, "file");
      assert.match(nb.fingerprint, /^pkg:[0-9a-f]{64}$/);
      assert.ok(!entries.some((e) => e.path.startsWith("Spring Notebook/")));
      const stat = await remote.stat("Spring Notebook");
      assert.equal(stat.fingerprint, nb.fingerprint);
      assert.equal(stat.size, nb.size);
      const tar = await readAll(await remote.read("Spring Notebook"));
      assert.equal(tar.length, nb.size, "the archive has exactly the announced size");
      assert.equal(tar.length % 512, 0);
      // Walk the ustar headers: names, sizes, checksums.
      const names: string[] = [];
      for (let off = 0; off + 512 <= tar.length;) {
        const h = tar.subarray(off, off + 512);
        if (h.every((b) => b === 0)) break;
        const name = h.subarray(0, 100).toString("utf8").replace(/\0.*$/s, "");
        const size = parseInt(h.subarray(124, 136).toString("ascii").replace(/\0.*$/s, ""), 8);
        const stored = parseInt(
          h
            .subarray(148, 156)
            .toString("ascii")
            .replace(/[\0 ].*$/s, ""),
          8,
        );
        let sum = 0;
        for (let i = 0; i < 512; i++) sum += i >= 148 && i < 156 ? 32 : h[i]!;
        assert.equal(stored, sum, `checksum of ${name}`);
        assert.equal(h.subarray(257, 262).toString("ascii"), "ustar");
        names.push(name);
        off += 512 + Math.ceil(size / 512) * 512;
      }
      assert.ok(names.length >= 2 && names.every((n) => !n.startsWith("/")), names.join(", "));
      const again = await readAll(await remote.read("Spring Notebook"));
      assert.ok(again.equals(tar), "deterministic");
      assert.ok(
        (await readAll(await remote.read("Spring Notebook", { start: 100, end: 611 }))).equals(tar.subarray(100, 612)),
        "ranges",
      );
    },
  );

  test(
    "If-Match on the base fingerprint: a concurrent SharePoint " + "edit is precondition_failed, nothing overwritten",
    async () => {
      const base = await remote.write("conflict.txt", src("base"), { size: 4, mtimeMs: Date.now() });
      await control(emu, "content/files", { path: "Campaigns/2026/conflict.txt", content: "edited in SharePoint" });
      await rejectsKind(
        remote.write("conflict.txt", src("ours"), {
          size: 4,
          mtimeMs: Date.now(),
          ifMatchFingerprint: base.fingerprint,
        }),
        "precondition_failed",
      );
      assert.equal((await readAll(await remote.read("conflict.txt"))).toString(), "edited in SharePoint");
      await rejectsKind(
        remote.write("CONFLICT.TXT", src("twin"), { size: 4, mtimeMs: Date.now(), ifMatchFingerprint: null }),
        "exists",
      );
    },
  );

  test("every SharePoint naming rule is invalid_name, named in the message, before any Graph request", async () => {
    const cases: Array<[string, RegExp, SharePointRemote?]> = [
      ['a"b.txt', /character "/],
      ["a*b.txt", /character \*/],
      ["a:b.txt", /character :/],
      ["a<b.txt", /character </],
      ["a>b.txt", /character >/],
      ["a?b.txt", /character \?/],
      ["a|b.txt", /character \|/],
      [" lead.txt", /begin or end with a space/],
      ["trail.txt ", /begin or end with a space/],
      ["CON", /reserved/],
      ["con.txt", /reserved/],
      ["LPT1.doc", /reserved/],
      ["COM0", /reserved/],
      ["nul", /reserved/],
      [".lock", /reserved/],
      ["Desktop.ini", /reserved/],
      ["~$Brief.docx", /begin with "~\$"/],
      ["~tmp/inside.txt", /folder names cannot begin with "~"/],
      ["my_vti_file.txt", /_vti_/],
      ["forms", /"forms" is reserved at the root/, root],
      ["x".repeat(256), /255 characters/],
      [`${"d".repeat(200)}/${"e".repeat(200)}.txt`, /400/],
      ["ctl\u0001.txt", /control characters/],
    ];
    await remote.stat("");
    await root.stat("");
    await control(emu, "counters", {}, "DELETE");
    for (const [name, rule, r] of cases) {
      const target = r ?? remote;
      const data = Buffer.from("x");
      await rejectsKind(
        target.write(name, Readable.from([data]), { size: 1, mtimeMs: Date.now() }),
        "invalid_name",
        rule,
      );
    }
    await rejectsKind(remote.mkdir("bad|folder"), "invalid_name", /character \|/);
    await rejectsKind(remote.mkdir("~folder"), "invalid_name", /folder names cannot begin with "~"/);
    await rejectsKind(remote.move("Brief.docx", "Brief?.docx"), "invalid_name", /character \?/);
    const counters = await control<Record<string, number>>(emu, "counters", undefined, "GET");
    const writes = Object.keys(counters).filter((k) => !k.startsWith("GET "));
    assert.deepEqual(writes, [], `no write reached Graph: ${JSON.stringify(counters)}`);
    // "forms" is fine below the library root.
    const ok = await remote.write("forms", Readable.from([Buffer.from("x")]), { size: 1, mtimeMs: Date.now() });
    assert.equal(ok.path, "forms");
  });
});
