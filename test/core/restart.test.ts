import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { startTestServer } from "../harness/server.js";
import { makeTempDir } from "../harness/temp-dir.js";

const q = encodeURIComponent;

describe("restart with the same data dir", () => {
  test("keeps users, tokens, shares, files, versions, metadata and ACLs", async () => {
    const dir = makeTempDir("restart");
    try {
      const first = await startTestServer({ dataDir: dir.path, adminToken: undefined });
      let ids: Record<string, any>;
      try {
        const u = await first.api("POST", "/api/v1/users", { json: { email: "keep@example.com", name: "Keep" } });
        const token = (await first.api("POST", "/api/v1/tokens", { json: { user_id: u.body.id, name: "t" } })).body
          .token;
        const g = await first.api("POST", "/api/v1/groups", { json: { name: "keepers" } });
        await first.api("POST", `/api/v1/groups/${g.body.id}/members`, { json: { user_id: u.body.id } });
        const sh = await first.api("POST", "/api/v1/shares", { json: { name: "Durable" } });
        const put = async (body: string) =>
          (await (
            await fetch(`${first.url}/api/v1/shares/${sh.body.id}/content?path=${q("/a/b/file.txt")}`, {
              method: "PUT",
              headers: { authorization: `Bearer ${first.adminToken}` },
              body,
            })
          ).json()) as any;
        const v1 = await put("first");
        const v2 = await put("second");
        await first.api("PATCH", `/api/v1/files/${v1.id}/metadata`, { json: { k: "v" } });
        await first.api("PUT", `/api/v1/shares/${sh.body.id}/acl?path=/a`, {
          json: { aces: [{ principal_id: g.body.id, permissions: ["READ"] }], inherit: true },
        });
        ids = { user: u.body, token, group: g.body, share: sh.body, file: v2, v1 };
      } finally {
        await first.close();
      }

      const second = await startTestServer({ dataDir: dir.path, adminToken: first.adminToken });
      try {
        assert.equal(second.built.bootstrap.admin.id, first.built.bootstrap.admin.id);
        assert.equal(second.built.bootstrap.generatedToken, undefined);
        assert.deepEqual((await second.api("GET", `/api/v1/users/${ids.user.id}`)).body, ids.user);
        assert.deepEqual((await second.api("GET", `/api/v1/groups/${ids.group.id}`)).body.member_ids, [ids.user.id]);
        assert.deepEqual((await second.api("GET", `/api/v1/shares/${ids.share.id}`)).body, ids.share);
        assert.deepEqual((await second.api("GET", `/api/v1/files/${ids.file.id}`)).body, ids.file);
        const versions = await second.api("GET", `/api/v1/files/${ids.file.id}/versions`);
        assert.equal(versions.body.versions.length, 2);
        assert.deepEqual((await second.api("GET", `/api/v1/files/${ids.file.id}/metadata`)).body, { k: "v" });
        // The user's token still works, and its group ACE still grants READ.
        const dl = await fetch(`${second.url}/api/v1/shares/${ids.share.id}/content?path=${q("/a/b/file.txt")}`, {
          headers: { authorization: `Bearer ${ids.token}` },
        });
        assert.equal(dl.status, 200);
        assert.equal(await dl.text(), "second");
        const old = await fetch(
          `${second.url}/api/v1/files/${ids.file.id}/versions/${ids.v1.current_version_id}/content`,
          { headers: { authorization: `Bearer ${ids.token}` } },
        );
        assert.equal(await old.text(), "first");
      } finally {
        await second.close();
      }
    } finally {
      dir.remove();
    }
  });
});
