/**
 * ACL translation end to end: ACLs set with smbcacls on an `acl_xattr` Samba share, identity
 * mappings created through the API, a sync with `sync_permissions: true`, and the result read back
 * through `GET /api/v1/shares/{id}/acl` — mapped principals become ACEs, the mapped owner becomes
 * the ScaiDrive owner, unmapped principals give one warning each per run and their permissions go
 * to the connector's service account (its creator, a non-admin share owner here).
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { chownSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { startSamba, type SambaInstance } from "../../harness/samba.js";
import { startConnectorApiServer, type ConnectorApiServer } from "../api/connector-api-server.js";

const BASE = "/api/v1/smb-connectors";
const FULL = ["READ", "WRITE", "DELETE", "MANAGE_PERMISSIONS"];

describe("SMB connector: ACLs and owners through identity mappings", () => {
  let samba: SambaInstance;
  let s: ConnectorApiServer;

  before(async () => {
    samba = await startSamba({
      ownAddress: true,
      shares: { Finance: { "vfs objects": "acl_xattr", "map acl inherit": "yes" } },
    });
    const dir = join(samba.shares.Finance!, "2026");
    mkdirSync(dir);
    chownSync(dir, samba.uid, samba.gid);
    for (const name of ["report.pdf", "budget.xlsx", "plain.docx"]) {
      writeFileSync(join(dir, name), `content of ${name}`);
      chownSync(join(dir, name), samba.uid, samba.gid);
    }
    const user = `SCAITEST\\${samba.username}`;
    for (const name of ["report.pdf", "budget.xlsx"]) {
      const r = await samba.run("smbcacls", [
        `//${samba.host}/Finance`,
        `2026/${name}`,
        "--set",
        `ACL:${user}:ALLOWED/0x0/FULL,ACL:S-1-1-0:ALLOWED/0x0/READ,ACL:S-1-5-32-545:ALLOWED/0x0/CHANGE`,
      ]);
      assert.equal(r.code, 0, r.stderr + r.stdout);
    }
    // Carol, a share manager, creates the connector and so becomes its service account.
    s = await startConnectorApiServer({}, { config: { connectorCreators: "share-managers" } });
  });
  after(async () => {
    await s?.close();
    await samba?.stop();
  });

  test(
    "smbcacls ACLs become ScaiDrive ACEs for mapped principals; " + "owner mapped; one warning per unmapped principal",
    async () => {
      const carol = await s.user("carol");
      const alice = await s.user("alice");
      const staff = await s.api("POST", "/api/v1/groups", { json: { name: "staff" } });
      assert.equal(staff.status, 201);
      const shareId = (await s.api("POST", "/api/v1/shares", { token: carol.token, json: { name: "Finance" } })).body
        .id;
      const c = await s.api("POST", BASE, {
        token: carol.token,
        json: {
          name: "Finance Fileserver",
          server_host: samba.host,
          server_port: 445,
          share_name: "Finance",
          base_path: "2026",
          domain: samba.domain,
          username: samba.username,
          password: samba.password,
          target_share_id: shareId,
          target_path: "/From Fileserver",
          sync_permissions: true,
        },
      });
      assert.equal(c.status, 201, JSON.stringify(c.body));
      const maps = `${BASE}/${c.body.id}/identity-mappings`;
      // Principals are matched case-insensitively, as Windows does.
      const m1 = await s.api("POST", maps, {
        token: carol.token,
        json: {
          identity_type: "user",
          smb_principal: `scaitest\\${samba.username.toUpperCase()}`,
          scaidrive_principal_id: alice.id,
        },
      });
      assert.equal(m1.status, 201, JSON.stringify(m1.body));
      const m2 = await s.api("POST", maps, {
        token: carol.token,
        json: { identity_type: "group", smb_principal: "Everyone", scaidrive_principal_id: staff.body.id },
      });
      assert.equal(m2.status, 201);

      const job = await s.api("POST", `${BASE}/${c.body.id}/sync`, { token: carol.token });
      assert.equal(job.status, 202);
      const done = await s.waitJob(c.body.id, job.body.id, carol.token);
      assert.equal(done.status, "completed", JSON.stringify(done));
      assert.equal(done.files_synced, 3);

      const acl = async (path: string) => {
        const r = await s.api("GET", `/api/v1/shares/${shareId}/acl?path=${encodeURIComponent(path)}`);
        assert.equal(r.status, 200, JSON.stringify(r.body));
        return Object.fromEntries(r.body.aces.map((a: any) => [a.principal_id, [...a.permissions].sort()])) as Record<
          string,
          string[]
        >;
      };
      const sorted = (p: string[]) => [...p].sort();
      const report = await acl("/From Fileserver/report.pdf");
      assert.deepEqual(report, {
        [alice.id]: sorted(FULL),
        [staff.body.id]: ["READ"],
        // BUILTIN\Users is unmapped: CHANGE (read, write, delete) goes to the service account, the creator.
        [carol.id]: sorted(["READ", "WRITE", "DELETE"]),
      });
      assert.deepEqual(await acl("/From Fileserver/budget.xlsx"), report);
      // The sync root carries the base folder's ACL (owner FULL, Unix group READ → service account, Everyone READ).
      const root = await acl("/From Fileserver");
      assert.deepEqual(root[alice.id], sorted(FULL));
      assert.deepEqual(root[staff.body.id], ["READ"]);
      assert.ok(root[carol.id]?.includes("READ"));

      const stat = await s.api(
        "GET",
        `/api/v1/shares/${shareId}/files/stat?path=${encodeURIComponent("/From Fileserver/report.pdf")}`,
      );
      assert.equal(stat.body.owner_id, alice.id, "the SMB owner, mapped, owns the file in ScaiDrive");
      // Alice holds READ through the translated ACL and can read the content with her own token.
      const content = await s.api(
        "GET",
        `/api/v1/shares/${shareId}/content?path=${encodeURIComponent("/From Fileserver/plain.docx")}`,
        { token: alice.token },
      );
      assert.equal(content.status, 200);
      assert.equal(content.body, "content of plain.docx");

      const warnings = done.entries.filter((e: any) => e.result === "warning");
      const about = (principal: string) =>
        warnings.filter((w: any) => w.detail.includes(`principal ${principal}:`)).length;
      assert.equal(about("BUILTIN\\Users"), 1, JSON.stringify(warnings));
      assert.equal(about(`Unix Group\\${samba.username}`), 1, JSON.stringify(warnings));
      assert.equal(about("Everyone"), 0);
      assert.equal(about(`SCAITEST\\${samba.username}`), 0);
    },
  );
});
