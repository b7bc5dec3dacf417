import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { Readable } from "node:stream";
import { SYSTEM_ACTOR } from "../../src/core/actor.js";
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
    const remote = await fx.remoteFor(share, "/target", { resolvePrincipal: (p) => (p.toLowerCase() === "corp\\alice" ? alice : undefined) });
    const mapped = await remote.write("mapped.txt", src("a"), { size: 1, mtimeMs: Date.UTC(2023, 5, 1), owner: "CORP\\Alice" });
    const unmapped = await remote.write("unmapped.txt", src("b"), { size: 1, mtimeMs: Date.UTC(2023, 5, 1), owner: "CORP\\bob" });
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
    assert.deepEqual(acl.entries.filter((x) => !x.inherited).map((x) => [x.principal, [...x.permissions].sort()]), [[alice, ["READ", "WRITE"]]]);
    await remote.setOwner("doc.txt", alice);
    assert.equal((await fx.ctx.nodes.stat(share, "/doc.txt", SYSTEM_ACTOR)).owner_id, alice);
    assert.deepEqual(await remote.patchMetadata("doc.txt", { department: "finance" }), { department: "finance" });
    assert.deepEqual(await remote.fields("doc.txt"), { department: "finance" });
    const old = await remote.importVersion("doc.txt", src("older"), { createdAtMs: Date.UTC(2020, 0, 1) });
    const versions = await remote.versions("doc.txt");
    assert.deepEqual(versions.map((v) => v.id), [old]);
    const chunks: Buffer[] = [];
    for await (const c of await remote.readVersion("doc.txt", old)) chunks.push(c as Buffer);
    assert.equal(Buffer.concat(chunks).toString(), "older");
  });

  test("a missing root walks as empty and is created by ensureRoot", async () => {
    const share = await fx.newShare();
    const { ScaidriveRemote } = await import("../../src/sync/scaidrive-remote.js");
    const remote = new ScaidriveRemote({ nodes: fx.ctx.nodes, shareId: share, rootPath: "/not yet", actor: SYSTEM_ACTOR, serviceUserId: null });
    const seen = [];
    for await (const x of remote.walk()) seen.push(x);
    assert.deepEqual(seen, []);
    await remote.ensureRoot();
    assert.equal((await fx.ctx.nodes.stat(share, "/not yet", SYSTEM_ACTOR)).type, "folder");
  });
});
