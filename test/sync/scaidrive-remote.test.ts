import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { createHash, randomBytes } from "node:crypto";
import { Readable } from "node:stream";
import { SYSTEM_ACTOR } from "../../src/core/actor.js";
import { transferFile } from "../../src/sync/content-transfer.js";
import { isRemoteError } from "../../src/sync/remote-errors.js";
import { knowsContent, recyclesChunks } from "../../src/sync/remote.js";
import { openScaidriveFixture, type ScaidriveFixture } from "./helpers/scaidrive-fixture.js";

const src = (s: string) => Readable.from([Buffer.from(s)]);

describe("ScaiDrive side adapter: owners, authors, ACLs, metadata, version import", () => {
  let fx: ScaidriveFixture;
  let alice: string;
  before(async () => {
    fx = await openScaidriveFixture();
    alice = (await fx.ctx.principals.insertUser({ email: `alice-${process.pid}@example.test`, name: "Alice" })).id;
  });
  after(async () => fx.close());

  test("owner and version author come from the mapped source owner, else the service user", async () => {
    const share = await fx.newShare();
    const remote = await fx.remoteFor(share, "/target", {
      resolvePrincipal: (p) => (p.toLowerCase() === "corp\\alice" ? alice : undefined),
    });
    const mapped = await remote.write("mapped.txt", src("a"), {
      size: 1,
      mtimeMs: Date.UTC(2023, 5, 1),
      owner: "CORP\\Alice",
    });
    const unmapped = await remote.write("unmapped.txt", src("b"), {
      size: 1,
      mtimeMs: Date.UTC(2023, 5, 1),
      owner: "CORP\\bob",
    });
    const nodeA = await fx.ctx.nodes.statById(mapped.id!, SYSTEM_ACTOR);
    const nodeB = await fx.ctx.nodes.statById(unmapped.id!, SYSTEM_ACTOR);
    assert.equal(nodeA.owner_id, alice);
    assert.equal(nodeB.owner_id, fx.serviceUserId);
    assert.equal(nodeA.modified_at, "2023-06-01T00:00:00.000Z");
    const versions = await fx.ctx.nodes.listVersions(mapped.id!, {}, SYSTEM_ACTOR);
    assert.equal(versions.items[0]!.author_id, alice);
    const folder = await remote.mkdir("sub", { owner: "corp\\ALICE" });
    assert.equal((await fx.ctx.nodes.statById(folder.id!, SYSTEM_ACTOR)).owner_id, alice);
  });

  test("ACLs, owner, metadata and imported versions through the adapter's ScaiDrive-only operations", async () => {
    const share = await fx.newShare();
    const remote = await fx.remoteFor(share, "/");
    await remote.write("doc.txt", src("current"), { size: 7, mtimeMs: Date.UTC(2024, 0, 1) });
    await remote.setAcl("doc.txt", [{ principal_id: alice, permissions: ["READ", "WRITE"] }], false);
    const acl = await remote.acl("doc.txt");
    assert.equal(acl.inherit, false);
    assert.deepEqual(
      acl.entries.filter((x) => !x.inherited).map((x) => [x.principal, [...x.permissions].sort()]),
      [[alice, ["READ", "WRITE"]]],
    );
    await remote.setOwner("doc.txt", alice);
    assert.equal((await fx.ctx.nodes.stat(share, "/doc.txt", SYSTEM_ACTOR)).owner_id, alice);
    assert.deepEqual(await remote.patchMetadata("doc.txt", { department: "finance" }), { department: "finance" });
    assert.deepEqual(await remote.fields("doc.txt"), { department: "finance" });
    const old = await remote.importVersion("doc.txt", src("older"), { createdAtMs: Date.UTC(2020, 0, 1) });
    const versions = await remote.versions("doc.txt");
    assert.deepEqual(
      versions.map((v) => v.id),
      [old],
    );
    const chunks: Buffer[] = [];
    for await (const c of await remote.readVersion("doc.txt", old)) chunks.push(c as Buffer);
    assert.equal(Buffer.concat(chunks).toString(), "older");
  });

  test(
    "a read of a file names its version's SHA-256 and lends pooled " +
      "chunks; a copy of a file changed since its listing fails",
    async () => {
      const share = await fx.newShare();
      const remote = await fx.remoteFor(share, "/src");
      const dest = await fx.remoteFor(share, "/dest");
      const data = randomBytes(3 * 1024 * 1024 + 5);
      const listed = await remote.write("big.bin", Readable.from([data]), {
        size: data.length,
        mtimeMs: Date.UTC(2024, 0, 1),
      });
      const sha256 = createHash("sha256").update(data).digest("hex");
      const stream = await remote.read("big.bin");
      assert.ok(knowsContent(stream) && stream.contentSha256 === sha256);
      assert.ok(recyclesChunks(stream));
      stream.destroy();
      assert.ok(
        !knowsContent(await remote.read("big.bin", { start: 1, end: 10 })),
        "a range is not the version's content",
      );

      const copied = await transferFile(remote, dest, listed, "copy.bin", {
        signal: new AbortController().signal,
        onBytes: () => {},
      });
      assert.equal(copied.sha256, sha256);
      assert.equal(copied.bytes, data.length);

      const newer = randomBytes(data.length);
      await remote.write("big.bin", Readable.from([newer]), { size: newer.length, mtimeMs: Date.UTC(2024, 0, 2) });
      await assert.rejects(
        transferFile(remote, dest, listed, "stale.bin", { signal: new AbortController().signal, onBytes: () => {} }),
        // Refused before a byte moves: the stream names other content than the listing.
        (err: unknown) =>
          isRemoteError(err, "changed_during_transfer") && /not as listed when opened/.test(err.message),
      );
      await assert.rejects(dest.stat("stale.bin"), (err: unknown) => isRemoteError(err, "not_found"));
    },
  );

  test("a missing root walks as empty and is created by ensureRoot", async () => {
    const share = await fx.newShare();
    const { ScaidriveRemote } = await import("../../src/sync/scaidrive-remote.js");
    const remote = new ScaidriveRemote({
      nodes: fx.ctx.nodes,
      shareId: share,
      rootPath: "/not yet",
      actor: SYSTEM_ACTOR,
      serviceUserId: null,
    });
    const seen = [];
    for await (const x of remote.walk()) seen.push(x);
    assert.deepEqual(seen, []);
    await remote.ensureRoot();
    assert.equal((await fx.ctx.nodes.stat(share, "/not yet", SYSTEM_ACTOR)).type, "folder");
  });
});
