/**
 * A remote mount on an SMB connector, end to end: real Samba, the real server over HTTP. Every
 * operation through the ScaiDrive API is checked in the Samba share directory itself, and what
 * is changed on the Samba side shows up in the mount at once. Also: ACLs of the mount point,
 * errors from the remote mapped to the envelope (unreachable → 504), moves across the mount
 * boundary refused, ACL and file-id routes inside a mount, and unmounting leaving both sides'
 * content alone.
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { existsSync, readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { Readable } from "node:stream";
import { SYSTEM_ACTOR } from "../../src/core/actor.js";
import { startSamba, type SambaInstance } from "../harness/samba.js";
import { freePort } from "../harness/free-port.js";
import { createSmbConnector, putOnSmb, startMountServer, type MountKit } from "./mount-test-kit.js";

for (const dialect of ["sqlite", "postgres"] as const)
  describe(`remote mount on an SMB connector (${dialect})`, () => {
    let samba: SambaInstance;
    let kit: MountKit;
    let shareId: string;
    let connectorId: string;
    let mountId: string;
    const seed = Buffer.from("0123456789abcdefghij".repeat(50));
    const onDisk = (rel: string) => join(samba.shares.Files!, "docs", rel);
    const q = (path: string) => `?path=${encodeURIComponent(path)}`;

    before(async () => {
      samba = await startSamba({ shares: { Files: {} } });
      putOnSmb(samba, "Files", "docs/seed.txt", seed);
      putOnSmb(samba, "Files", "docs/inner/deep.txt", "deep");
      kit = await startMountServer({ dialect });
      shareId = (await kit.api("POST", "/api/v1/shares", { json: { name: "Mounted" } })).body.id;
      connectorId = await createSmbConnector(kit, samba, { share: "Files", shareId, targetPath: "/synced" });
    });
    after(async () => {
      await kit?.close();
      await samba?.stop();
    });

    test("POST /mounts needs an empty folder, MANAGE_PERMISSIONS and an existing remote folder", async () => {
      await kit.api("PUT", `/api/v1/shares/${shareId}/content${q("/busy/x.txt")}`, { raw: Buffer.from("x") });
      const busy = await kit.api("POST", "/api/v1/mounts", {
        json: { share_id: shareId, path: "/busy", connector_id: connectorId, remote_path: "docs" },
      });
      assert.equal(busy.status, 409, JSON.stringify(busy.body));
      const missing = await kit.api("POST", "/api/v1/mounts", {
        json: { share_id: shareId, path: "/m2", connector_id: connectorId, remote_path: "nope" },
      });
      assert.equal(missing.status, 404, JSON.stringify(missing.body));
      const reader = await kit.user("reader0");
      await kit.api("PUT", `/api/v1/shares/${shareId}/acl${q("/")}`, {
        json: { aces: [{ principal_id: reader.id, permissions: ["READ"] }], inherit: true },
      });
      const denied = await kit.api("POST", "/api/v1/mounts", {
        token: reader.token,
        json: { share_id: shareId, path: "/m3", connector_id: connectorId, remote_path: "docs" },
      });
      assert.equal(denied.status, 403, JSON.stringify(denied.body));
      // Managing one's own share is not enough to expose someone else's connector through a mount.
      const own = (await kit.api("POST", "/api/v1/shares", { token: reader.token, json: { name: "Own" } })).body.id;
      const foreign = await kit.api("POST", "/api/v1/mounts", {
        token: reader.token,
        json: { share_id: own, path: "/x", connector_id: connectorId },
      });
      assert.equal(foreign.status, 404, JSON.stringify(foreign.body));

      const r = await kit.api("POST", "/api/v1/mounts", {
        json: { share_id: shareId, path: "/remote", connector_id: connectorId, remote_path: "docs" },
      });
      assert.equal(r.status, 201, JSON.stringify(r.body));
      assert.match(r.body.id, /^mnt_[0-9A-Z]{26}$/);
      assert.equal(r.body.path, "/remote");
      assert.equal(r.body.remote_path, "docs");
      mountId = r.body.id;
      const nested = await kit.api("POST", "/api/v1/mounts", {
        json: { share_id: shareId, path: "/remote/inner2", connector_id: connectorId },
      });
      assert.equal(nested.status, 409);
      assert.equal((await kit.api("GET", `/api/v1/mounts/${mountId}`)).body.connector_id, connectorId);
      assert.deepEqual(
        (await kit.api("GET", "/api/v1/mounts")).body.items.map((m: any) => m.id),
        [mountId],
      );
    });

    test("listing and stat pass through; ids are fil_ and stable; SMB-side files appear at once", async () => {
      const list = await kit.api("GET", `/api/v1/shares/${shareId}/files${q("/remote")}`);
      assert.equal(list.status, 200, JSON.stringify(list.body));
      assert.deepEqual(
        list.body.items.map((n: any) => [n.name, n.type, n.path]),
        [
          ["inner", "folder", "/remote/inner"],
          ["seed.txt", "file", "/remote/seed.txt"],
        ],
      );
      const seedNode = list.body.items[1];
      assert.match(seedNode.id, /^fil_[0-9A-HJKMNP-TV-Z]{26}$/);
      assert.equal(seedNode.size, seed.length);
      const stat = await kit.api("GET", `/api/v1/shares/${shareId}/files/stat${q("/remote/seed.txt")}`);
      assert.equal(stat.status, 200);
      assert.equal(stat.body.id, seedNode.id);
      assert.equal(stat.body.share_id, shareId);

      putOnSmb(samba, "Files", "docs/fresh.txt", "made on the SMB side");
      const again = await kit.api("GET", `/api/v1/shares/${shareId}/files${q("/remote")}`);
      assert.ok(
        again.body.items.some((n: any) => n.name === "fresh.txt"),
        JSON.stringify(again.body),
      );
      const deep = await kit.api("GET", `/api/v1/shares/${shareId}/files${q("/remote/inner")}`);
      assert.deepEqual(
        deep.body.items.map((n: any) => n.name),
        ["deep.txt"],
      );
      const page = await kit.api("GET", `/api/v1/shares/${shareId}/files${q("/remote")}&limit=1`);
      assert.equal(page.body.items.length, 1);
      const next = await kit.api(
        "GET",
        `/api/v1/shares/${shareId}/files${q("/remote")}&limit=10&cursor=${page.body.next_cursor}`,
      );
      assert.equal(page.body.items[0].name, "fresh.txt");
      assert.deepEqual(
        next.body.items.map((n: any) => n.name),
        ["inner", "seed.txt"],
      );
      assert.equal((await kit.api("GET", `/api/v1/shares/${shareId}/files/stat${q("/remote/none.txt")}`)).status, 404);
    });

    test("download whole and with Range; ETag / If-None-Match", async () => {
      const whole = await kit.api("GET", `/api/v1/shares/${shareId}/content${q("/remote/seed.txt")}`);
      assert.equal(whole.status, 200);
      assert.ok(Buffer.from(whole.body).equals(seed));
      const part = await kit.api("GET", `/api/v1/shares/${shareId}/content${q("/remote/seed.txt")}`, {
        headers: { range: "bytes=5-14" },
      });
      assert.equal(part.status, 206);
      assert.equal(part.headers.get("content-range"), `bytes 5-14/${seed.length}`);
      assert.ok(Buffer.from(part.body).equals(seed.subarray(5, 15)));
      const etag = whole.headers.get("etag")!;
      const cached = await kit.api("GET", `/api/v1/shares/${shareId}/content${q("/remote/seed.txt")}`, {
        headers: { "if-none-match": etag },
      });
      assert.equal(cached.status, 304);
      const beyond = await kit.api("GET", `/api/v1/shares/${shareId}/content${q("/remote/seed.txt")}`, {
        headers: { range: `bytes=${seed.length + 10}-` },
      });
      assert.equal(beyond.status, 416);
    });

    test("upload, mkdir, rename, delete land on the SMB share; nothing in the blob store", async () => {
      const data = Buffer.alloc(300_000, 9);
      const up = await kit.api("PUT", `/api/v1/shares/${shareId}/content${q("/remote/up/new.bin")}`, { raw: data });
      assert.equal(up.status, 201, JSON.stringify(up.body));
      assert.equal(up.body.size, data.length);
      assert.ok(readFileSync(onDisk("up/new.bin")).equals(data));
      const again = await kit.api("PUT", `/api/v1/shares/${shareId}/content${q("/remote/up/new.bin")}`, {
        raw: Buffer.from("shorter"),
      });
      assert.equal(again.status, 200);
      assert.equal(readFileSync(onDisk("up/new.bin"), "utf8"), "shorter");
      const etag = (await kit.api("GET", `/api/v1/shares/${shareId}/content${q("/remote/up/new.bin")}`)).headers.get(
        "etag",
      )!;
      const stale = await kit.api("PUT", `/api/v1/shares/${shareId}/content${q("/remote/up/new.bin")}`, {
        raw: Buffer.from("lost"),
        headers: { "if-match": '"0000"' },
      });
      assert.equal(stale.status, 412);
      const fresh = await kit.api("PUT", `/api/v1/shares/${shareId}/content${q("/remote/up/new.bin")}`, {
        raw: Buffer.from("shorter"),
        headers: { "if-match": etag },
      });
      assert.equal(fresh.status, 200, JSON.stringify(fresh.body));
      const onlyNew = await kit.api("PUT", `/api/v1/shares/${shareId}/content${q("/remote/up/new.bin")}`, {
        raw: Buffer.from("x"),
        headers: { "if-none-match": "*" },
      });
      assert.equal(onlyNew.status, 412);
      assert.equal(readFileSync(onDisk("up/new.bin"), "utf8"), "shorter");

      const big = randomBytes(6 * 1024 * 1024);
      assert.equal(
        (await kit.api("PUT", `/api/v1/shares/${shareId}/content${q("/remote/up/big.bin")}`, { raw: big })).status,
        201,
      );
      assert.ok(readFileSync(onDisk("up/big.bin")).equals(big));
      const bigBack = await kit.api("GET", `/api/v1/shares/${shareId}/content${q("/remote/up/big.bin")}`);
      assert.ok(Buffer.from(bigBack.body).equals(big));
      const tail = await kit.api("GET", `/api/v1/shares/${shareId}/content${q("/remote/up/big.bin")}`, {
        headers: { range: "bytes=-1000" },
      });
      assert.ok(Buffer.from(tail.body).equals(big.subarray(big.length - 1000)));

      const mk = await kit.api("POST", `/api/v1/shares/${shareId}/folders`, { json: { path: "/remote/sub/deeper" } });
      assert.equal(mk.status, 201, JSON.stringify(mk.body));
      assert.ok(existsSync(onDisk("sub/deeper")));
      assert.equal(
        (await kit.api("POST", `/api/v1/shares/${shareId}/folders`, { json: { path: "/remote/sub/deeper" } })).status,
        200,
      );

      const mv = await kit.api("POST", `/api/v1/shares/${shareId}/move`, {
        json: { from: "/remote/up/new.bin", to: "/remote/sub/renamed.bin" },
      });
      assert.equal(mv.status, 200, JSON.stringify(mv.body));
      assert.equal(mv.body.path, "/remote/sub/renamed.bin");
      assert.ok(!existsSync(onDisk("up/new.bin")));
      assert.equal(readFileSync(onDisk("sub/renamed.bin"), "utf8"), "shorter");

      const del = await kit.api("DELETE", `/api/v1/shares/${shareId}/files${q("/remote/sub")}`);
      assert.equal(del.status, 204, JSON.stringify(del.body));
      assert.ok(!existsSync(onDisk("sub")));
      const delFile = await kit.api("DELETE", `/api/v1/shares/${shareId}/files${q("/remote/fresh.txt")}`);
      assert.equal(delFile.status, 204);
      assert.ok(!existsSync(onDisk("fresh.txt")));

      const blobs = join(kit.built.context.config.dataDir, "blobs");
      const countBlobs = (dir: string): number =>
        !existsSync(dir)
          ? 0
          : readdirSync(dir, { withFileTypes: true }).reduce(
              (n, e) => n + (e.isDirectory() ? countBlobs(join(dir, e.name)) : 1),
              0,
            );
      // Only the one file uploaded outside the mount (/busy/x.txt) is stored by ScaiDrive: small
      // content as an inline row, larger as a blob file.
      const inlineRows = (await kit.built.context.db.selectFrom("inline_blobs").select("sha256").execute()).length;
      assert.equal(countBlobs(blobs) + inlineRows, 1);
      // Beside the mount, in the same share, reads and writes stay ScaiDrive's own.
      const beside = await kit.api("GET", `/api/v1/shares/${shareId}/content${q("/busy/x.txt")}`);
      assert.equal(beside.status, 200);
      assert.equal(String(beside.body), "x");
      assert.match(beside.headers.get("etag") ?? "", /^"[0-9a-f]{64}"$/);
    });

    test(
      "moves across the mount boundary are refused with " + "400; the mount point cannot be deleted while mounted",
      async () => {
        const out = await kit.api("POST", `/api/v1/shares/${shareId}/move`, {
          json: { from: "/remote/seed.txt", to: "/busy/seed.txt" },
        });
        assert.equal(out.status, 400);
        assert.equal(out.body.error.details.reason, "mount_boundary");
        const into = await kit.api("POST", `/api/v1/shares/${shareId}/move`, {
          json: { from: "/busy/x.txt", to: "/remote/x.txt" },
        });
        assert.equal(into.status, 400);
        assert.ok(existsSync(onDisk("seed.txt")));
        const del = await kit.api("DELETE", `/api/v1/shares/${shareId}/files${q("/remote")}`);
        assert.equal(del.status, 409);
      },
    );

    test(
      "ACLs of the mount point apply: a READ-only user " + "lists and downloads but cannot upload or delete",
      async () => {
        const reader = await kit.user("reader");
        await kit.api("PUT", `/api/v1/shares/${shareId}/acl${q("/")}`, {
          json: { aces: [{ principal_id: reader.id, permissions: ["READ"] }], inherit: true },
        });
        const list = await kit.api("GET", `/api/v1/shares/${shareId}/files${q("/remote")}`, { token: reader.token });
        assert.equal(list.status, 200);
        assert.ok(list.body.items.some((n: any) => n.name === "seed.txt"));
        assert.equal(
          (await kit.api("GET", `/api/v1/shares/${shareId}/content${q("/remote/seed.txt")}`, { token: reader.token }))
            .status,
          200,
        );
        const up = await kit.api("PUT", `/api/v1/shares/${shareId}/content${q("/remote/by-reader.txt")}`, {
          token: reader.token,
          raw: Buffer.from("no"),
        });
        assert.equal(up.status, 403, JSON.stringify(up.body));
        assert.ok(!existsSync(onDisk("by-reader.txt")));
        assert.equal(
          (await kit.api("DELETE", `/api/v1/shares/${shareId}/files${q("/remote/seed.txt")}`, { token: reader.token }))
            .status,
          403,
        );
        const stranger = await kit.user("stranger");
        assert.equal(
          (await kit.api("GET", `/api/v1/shares/${shareId}/files${q("/remote")}`, { token: stranger.token })).status,
          404,
        );
      },
    );

    test(
      "ACL and file-id routes inside a mount: the mount point's " +
        "ACL applies; below it no ACL of its own and no id route",
      async () => {
        // The mount point is a ScaiDrive folder: its ACL is an ordinary folder's, and it applies to everything under
        // it.
        const point = await kit.api("GET", `/api/v1/shares/${shareId}/acl${q("/remote")}`);
        assert.equal(point.status, 200, JSON.stringify(point.body));
        assert.equal(point.body.path, "/remote");
        assert.equal((await kit.api("GET", `/api/v1/files/${point.body.node_id}`)).status, 200);
        // Below it, reading or replacing an ACL is refused, naming the mount point whose ACL applies; nothing changes.
        for (const [method, json] of [
          ["GET", undefined],
          ["PUT", { aces: [], inherit: false }],
        ] as const) {
          const r = await kit.api(
            method,
            `/api/v1/shares/${shareId}/acl${q("/remote/seed.txt")}`,
            json ? { json } : {},
          );
          assert.equal(r.status, 400, `${method} ${JSON.stringify(r.body)}`);
          assert.equal(r.body.error.code, "VALIDATION_FAILED");
          assert.deepEqual(r.body.error.details, { field: "path", reason: "inside_mount", mount_path: "/remote" });
        }
        assert.deepEqual((await kit.api("GET", `/api/v1/shares/${shareId}/acl${q("/remote")}`)).body, point.body);
        // Whoever cannot read the mount point gets the 404 a missing path gets, as for every other route below it.
        const outsider = await kit.user("acl-outsider");
        const hidden = await kit.api("GET", `/api/v1/shares/${shareId}/acl${q("/remote/seed.txt")}`, {
          token: outsider.token,
        });
        assert.equal(hidden.status, 404, JSON.stringify(hidden.body));
        assert.deepEqual(hidden.body.error, {
          code: "NOT_FOUND",
          message: "/remote/seed.txt not found",
          details: { path: "/remote/seed.txt" },
        });

        // A mounted item's id is unknown to the file-id routes (README: versions and metadata are not offered there).
        const seedId = (await kit.api("GET", `/api/v1/shares/${shareId}/files/stat${q("/remote/seed.txt")}`)).body.id;
        for (const path of [
          `/api/v1/files/${seedId}`,
          `/api/v1/files/${seedId}/versions`,
          `/api/v1/files/${seedId}/metadata`,
        ]) {
          assert.equal((await kit.api("GET", path)).status, 404, path);
        }
        assert.equal((await kit.api("PATCH", `/api/v1/files/${seedId}/metadata`, { json: { a: 1 } })).status, 404);
        // So is a ScaiDrive node lying below the mount point (the engine wrote it there): the mount covers it by id as
        // by
        // path.
        const ctx = kit.built.context;
        const { node } = await ctx.nodes.writeFile(
          shareId,
          "/remote/shadowed.txt",
          Readable.from([Buffer.from("under the mount")]),
          { actor: SYSTEM_ACTOR },
        );
        try {
          for (const path of [
            `/api/v1/files/${node.id}`,
            `/api/v1/files/${node.id}/versions`,
            `/api/v1/files/${node.id}/metadata`,
            `/api/v1/files/${node.id}/versions/${node.current_version_id}/content`,
          ]) {
            const r = await kit.api("GET", path);
            assert.equal(r.status, 404, path);
            assert.deepEqual(r.body.error, { code: "NOT_FOUND", message: `${node.id} not found` });
          }
          assert.equal((await kit.api("PATCH", `/api/v1/files/${node.id}/metadata`, { json: { a: 1 } })).status, 404);
          assert.equal(
            (await kit.api("POST", `/api/v1/files/${node.id}/versions/${node.current_version_id}/restore`)).status,
            404,
          );
          assert.deepEqual(await ctx.nodes.getMetadata(node.id, SYSTEM_ACTOR), {}, "the refused PATCH changed nothing");
        } finally {
          await ctx.nodes.delete(shareId, "/remote/shadowed.txt", SYSTEM_ACTOR);
        }
      },
    );

    test(
      "an unreachable remote answers 504 CONNECTOR_UNREACHABLE; " + "the cached connection follows connector changes",
      async () => {
        const dead = await freePort();
        const patch = await kit.api("PATCH", `/api/v1/smb-connectors/${connectorId}`, {
          json: { server_port: dead, password: samba.password },
        });
        assert.equal(patch.status, 200, JSON.stringify(patch.body));
        const r = await kit.api("GET", `/api/v1/shares/${shareId}/files${q("/remote")}`);
        assert.equal(r.status, 504, JSON.stringify(r.body));
        assert.equal(r.body.error.code, "CONNECTOR_UNREACHABLE");
        await kit.api("PATCH", `/api/v1/smb-connectors/${connectorId}`, {
          json: { server_port: samba.port, password: samba.password },
        });
        assert.equal((await kit.api("GET", `/api/v1/shares/${shareId}/files${q("/remote")}`)).status, 200);
      },
    );

    test("a mount point deeper than one path lookup reaches: below it the remote, beside it ScaiDrive", async () => {
      const deep = `/deep/${Array.from({ length: 8 }, (_, i) => `l${i}`).join("/")}`;
      const m = await kit.api("POST", "/api/v1/mounts", {
        json: { share_id: shareId, path: `${deep}/m`, connector_id: connectorId, remote_path: "docs" },
      });
      assert.equal(m.status, 201, JSON.stringify(m.body));
      try {
        const below = await kit.api("PUT", `/api/v1/shares/${shareId}/content${q(`${deep}/m/far.txt`)}`, {
          raw: Buffer.from("far"),
        });
        assert.equal(below.status, 201, JSON.stringify(below.body));
        assert.equal(readFileSync(onDisk("far.txt"), "utf8"), "far");
        const back = await kit.api("GET", `/api/v1/shares/${shareId}/content${q(`${deep}/m/far.txt`)}`);
        assert.equal(String(back.body), "far");
        const beside = await kit.api("PUT", `/api/v1/shares/${shareId}/content${q(`${deep}/beside.txt`)}`, {
          raw: Buffer.from("beside"),
        });
        assert.equal(beside.status, 201, JSON.stringify(beside.body));
        assert.ok(!existsSync(onDisk("beside.txt")));
        const read = await kit.api("GET", `/api/v1/shares/${shareId}/content${q(`${deep}/beside.txt`)}`);
        assert.equal(String(read.body), "beside");
        assert.match(read.headers.get("etag") ?? "", /^"[0-9a-f]{64}"$/);
      } finally {
        assert.equal((await kit.api("DELETE", `/api/v1/mounts/${m.body.id}`)).status, 204);
      }
    });

    test("DELETE /mounts/{id} leaves an empty ScaiDrive folder and the remote untouched", async () => {
      const r = await kit.api("DELETE", `/api/v1/mounts/${mountId}`);
      assert.equal(r.status, 204);
      assert.equal((await kit.api("GET", `/api/v1/mounts/${mountId}`)).status, 404);
      const list = await kit.api("GET", `/api/v1/shares/${shareId}/files${q("/remote")}`);
      assert.equal(list.status, 200);
      assert.deepEqual(list.body.items, []);
      assert.ok(readFileSync(onDisk("seed.txt")).equals(seed));
      assert.ok(existsSync(onDisk("inner/deep.txt")));
    });

    test("a mount whose connector was deleted answers 404 and can be removed", async () => {
      const m = await kit.api("POST", "/api/v1/mounts", {
        json: { share_id: shareId, path: "/again", connector_id: connectorId, remote_path: "docs" },
      });
      assert.equal(m.status, 201, JSON.stringify(m.body));
      assert.equal((await kit.api("GET", `/api/v1/shares/${shareId}/files${q("/again")}`)).status, 200);
      assert.equal((await kit.api("DELETE", `/api/v1/smb-connectors/${connectorId}`)).status, 204);
      const r = await kit.api("GET", `/api/v1/shares/${shareId}/files${q("/again")}`);
      assert.equal(r.status, 404, JSON.stringify(r.body));
      assert.equal(r.body.error.details.connector_id, connectorId);
      assert.equal((await kit.api("DELETE", `/api/v1/mounts/${m.body.id}`)).status, 204);
      assert.ok(existsSync(onDisk("seed.txt")));
    });
  });
