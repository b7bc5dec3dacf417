/**
 * Stored connector credentials stay bound to their destination, and connector details stay with
 * those who manage the connector — the attacks of the security review, performed through the HTTP
 * API by a non-admin user against a real smbd:
 *
 * - re-aiming an SMB connector (host, port, share, base path, domain, user) without sending the
 *   password again is refused with 400 SECRET_REQUIRED; a listener standing in for the attacker's
 *   host sees no connection, and `/test` and `/pull` still reach only the configured share;
 * - sending the password with the change works and lands in the connector's audit trail;
 * - SharePoint: changing tenant/client/site/drive/library/base_path needs the client secret or
 *   certificate again; a user_auth refresh token is dropped (the user must sign in again);
 * - SCAIDRIVE_CONNECTOR_CREATORS=admins (the default) keeps non-admins from creating connectors
 *   and from re-aiming existing ones;
 * - a reader of the share root sees neither host/user fields, nor file-states, nor job entries,
 *   nor mappings, nor the audit trail.
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { createServer, type Server, type Socket } from "node:net";
import { chownSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { startSamba, type SambaInstance } from "../harness/samba.js";
import { startTestServer, type TestServer } from "../harness/server.js";
import { createUserWithToken, waitForJob } from "../harness/api-helpers.js";

const SMB = "/api/v1/smb-connectors";
const SP = "/api/v1/sharepoint-connectors";

/**
 * A TCP listener that records every connection that speaks SMB (the attacker's host). Only SMB
 * counts: other test processes on this machine probe ephemeral ports too, and one may land here.
 */
async function listener(): Promise<{ port: number; connections: number; close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  const state = { port: 0, connections: 0, close: async () => {} };
  const server: Server = createServer((s) => {
    sockets.add(s);
    s.on("close", () => sockets.delete(s));
    s.once("data", (first: Buffer) => {
      // Direct-TCP frame: 4-byte length, then an SMB1 (0xFF) or SMB2 (0xFE) "SMB" header.
      if (first.length >= 8 && (first[4] === 0xfe || first[4] === 0xff) && first.toString("latin1", 5, 8) === "SMB")
        state.connections++;
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  state.port = (server.address() as { port: number }).port;
  state.close = async () => {
    for (const s of sockets) s.destroy();
    await new Promise<void>((r) => server.close(() => r()));
  };
  return state;
}

describe("connector secrets stay bound to their destination (share managers may create connectors)", () => {
  let samba: SambaInstance;
  let s: TestServer;
  let mallory: { id: string; token: string };
  let shareId: string;
  let cnn: string;
  let trap: Awaited<ReturnType<typeof listener>>;
  const asMallory = (method: string, path: string, json?: unknown) =>
    s.api(method, path, { token: mallory.token, ...(json === undefined ? {} : { json }) });

  const put = (share: string, rel: string, content: string) => {
    const full = join(samba.shares[share]!, rel);
    mkdirSync(join(full, ".."), { recursive: true });
    chownSync(join(full, ".."), samba.uid, samba.gid);
    writeFileSync(full, content);
    chownSync(full, samba.uid, samba.gid);
  };

  before(async () => {
    samba = await startSamba({ shares: { Finance: {}, Other: {} } });
    put("Finance", "2026/budget.txt", "finance 2026");
    put("Other", "payroll.txt", "not for mallory");
    trap = await listener();
    s = await startTestServer({ withFeatureRoutes: true, config: { connectorCreators: "share-managers" } });
    mallory = await createUserWithToken(s.api, "mallory");
    shareId = (await asMallory("POST", "/api/v1/shares", { name: "Mallory" })).body.id;
    const r = await asMallory("POST", SMB, {
      name: "Finance",
      server_host: samba.host,
      server_port: samba.port,
      share_name: "Finance",
      base_path: "2026",
      domain: samba.domain,
      username: samba.username,
      password: samba.password,
      target_share_id: shareId,
      target_path: "/in",
    });
    assert.equal(r.status, 201, JSON.stringify(r.body));
    cnn = r.body.id;
  });
  after(async () => {
    await s?.close();
    await trap?.close();
    await samba?.stop();
  });

  // `port` stands for the trap's port, filled in at run time.
  for (const { change, changed } of [
    { change: { server_host: "localhost", server_port: "port" }, changed: ["server_host", "server_port"] },
    { change: { server_port: "port" }, changed: ["server_port"] },
    { change: { share_name: "Other", base_path: "" }, changed: ["share_name", "base_path"] },
    { change: { base_path: "" }, changed: ["base_path"] },
    { change: { username: "administrator" }, changed: ["username"] },
    { change: { domain: "EVIL" }, changed: ["domain"] },
  ]) {
    test(`PATCH ${changed.join("+")} without the password: 400 SECRET_REQUIRED, nothing changes`, async () => {
      const body = Object.fromEntries(Object.entries(change).map(([k, v]) => [k, v === "port" ? trap.port : v]));
      const r = await asMallory("PATCH", `${SMB}/${cnn}`, body);
      assert.equal(r.status, 400, JSON.stringify(r.body));
      assert.equal(r.body.error.code, "SECRET_REQUIRED");
      assert.equal(r.body.error.details.field, "password");
      assert.deepEqual(r.body.error.details.changed_fields, changed);
      const now = (await asMallory("GET", `${SMB}/${cnn}`)).body;
      assert.equal(now.server_host, samba.host);
      assert.equal(now.server_port, samba.port);
      assert.equal(now.share_name, "Finance");
      assert.equal(now.base_path, "2026");
      assert.equal(now.password_set, true);
    });
  }

  test("after the refused re-aims, /test and /pull reach only the configured share; the trap saw nothing", async () => {
    const t = await asMallory("POST", `${SMB}/${cnn}/test`);
    assert.equal(t.body.success, true, JSON.stringify(t.body));
    const job = await asMallory("POST", `${SMB}/${cnn}/pull`, { after_copy: "keep" });
    assert.equal(job.status, 202, JSON.stringify(job.body));
    const done = await waitForJob(s.api, cnn, job.body.id, { token: mallory.token });
    assert.equal(done.status, "completed", JSON.stringify(done));
    const list = await asMallory("GET", `/api/v1/shares/${shareId}/files?path=${encodeURIComponent("/in")}`);
    assert.deepEqual(
      list.body.items.map((i: { name: string }) => i.name),
      ["budget.txt"],
    );
    assert.equal(trap.connections, 0);
  });

  test("a change of non-scope fields needs no password and keeps it", async () => {
    const r = await asMallory("PATCH", `${SMB}/${cnn}`, {
      name: "Finance 2026",
      sync_interval_minutes: 30,
      server_port: samba.port,
      share_name: "Finance",
    });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.equal(r.body.password_set, true);
    assert.equal((await asMallory("POST", `${SMB}/${cnn}/test`)).body.success, true);
  });

  test(
    "re-aiming with the password in the same request " + "is accepted and audited (who, when, which fields)",
    async () => {
      const r = await asMallory("PATCH", `${SMB}/${cnn}`, { server_port: trap.port, password: "a-guess" });
      assert.equal(r.status, 200, JSON.stringify(r.body));
      const audit = await asMallory("GET", `${SMB}/${cnn}/audit`);
      assert.equal(audit.status, 200, JSON.stringify(audit.body));
      const [last] = audit.body.items;
      assert.equal(last.action, "updated");
      assert.equal(last.actor_id, mallory.id);
      assert.deepEqual(last.fields, ["password", "server_port"]);
      assert.deepEqual(last.scope_fields, ["server_port"]);
      assert.ok(Date.now() - Date.parse(last.at) < 10 * 60_000);
      assert.equal(audit.body.items.at(-1).action, "created");
      assert.ok(!JSON.stringify(audit.body).includes("a-guess"));
      assert.ok(!JSON.stringify(audit.body).includes(samba.password));
    },
  );

  test(
    "SharePoint app_auth: changing the drive needs the secret " +
      "again; a new certificate or secret in the request passes",
    async () => {
      const create = await asMallory("POST", SP, {
        name: "Marketing",
        drive_id: "b!marketing",
        azure_tenant_id: "contoso.onmicrosoft.com",
        azure_client_id: "11111111-2222-3333-4444-555555555555",
        azure_client_secret: "s3cret",
        target_share_id: shareId,
        target_path: "/sp",
      });
      assert.equal(create.status, 201, JSON.stringify(create.body));
      const id = create.body.id;
      for (const change of [
        { drive_id: "b!hr" },
        { site_id: "contoso.sharepoint.com,1,2" },
        { azure_tenant_id: "evil.onmicrosoft.com" },
        { azure_client_id: "99999999-2222-3333-4444-555555555555" },
        { base_path: "Private" },
        { site_url: "https://contoso.sharepoint.com/sites/hr", library_name: "Salaries" },
      ]) {
        const r = await asMallory("PATCH", `${SP}/${id}`, change);
        assert.equal(r.status, 400, `${JSON.stringify(change)}: ${JSON.stringify(r.body)}`);
        assert.equal(r.body.error.code, "SECRET_REQUIRED");
        assert.equal(r.body.error.details.field, "azure_client_secret");
      }
      assert.equal((await asMallory("GET", `${SP}/${id}`)).body.drive_id, "b!marketing");
      const ok = await asMallory("PATCH", `${SP}/${id}`, { drive_id: "b!hr", azure_client_secret: "another" });
      assert.equal(ok.status, 200, JSON.stringify(ok.body));
      assert.equal(ok.body.drive_id, "b!hr");
      assert.equal(ok.body.azure_client_secret_set, true);
    },
  );

  test(
    "SharePoint user_auth: changing the site drops the refresh " + "token (sign in again), and the audit trail says so",
    async () => {
      const create = await asMallory("POST", SP, {
        name: "Alice's",
        drive_id: "b!alice",
        azure_tenant_id: "contoso.onmicrosoft.com",
        azure_client_id: "11111111-2222-3333-4444-555555555555",
        auth_type: "user_auth",
        refresh_token: "alices-refresh-token",
        target_share_id: shareId,
        target_path: "/alice",
      });
      assert.equal(create.status, 201, JSON.stringify(create.body));
      const id = create.body.id;
      assert.equal(create.body.refresh_token_set, true);
      const r = await asMallory("PATCH", `${SP}/${id}`, { drive_id: "b!ceo" });
      assert.equal(r.status, 200, JSON.stringify(r.body));
      assert.equal(r.body.refresh_token_set, false);
      const [last] = (await asMallory("GET", `${SP}/${id}/audit`)).body.items;
      assert.deepEqual(last.scope_fields, ["drive_id"]);
      assert.deepEqual(last.secrets_dropped, ["refresh_token"]);
    },
  );
});

describe("SCAIDRIVE_CONNECTOR_CREATORS=admins (default) and what readers of a share see", () => {
  let samba: SambaInstance;
  let s: TestServer;
  let manager: { id: string; token: string };
  let reader: { id: string; token: string };
  let shareId: string;
  let cnn: string;
  let jobId: string;

  before(async () => {
    samba = await startSamba({ shares: { Finance: {} } });
    for (const rel of ["public/a.txt", "board/secret-plan.txt"]) {
      const full = join(samba.shares.Finance!, rel);
      mkdirSync(join(full, ".."), { recursive: true });
      chownSync(join(full, ".."), samba.uid, samba.gid);
      writeFileSync(full, rel);
      chownSync(full, samba.uid, samba.gid);
    }
    s = await startTestServer({ withFeatureRoutes: true });
    assert.equal(s.config.connectorCreators, "admins");
    manager = await createUserWithToken(s.api, "manager");
    reader = await createUserWithToken(s.api, "reader");
    shareId = (await s.api("POST", "/api/v1/shares", { token: manager.token, json: { name: "Dept" } })).body.id;
    const acl = await s.api("PUT", `/api/v1/shares/${shareId}/acl?path=/`, {
      token: manager.token,
      json: {
        aces: [
          { principal_id: manager.id, permissions: ["READ", "WRITE", "DELETE", "MANAGE_PERMISSIONS"] },
          { principal_id: reader.id, permissions: ["READ"] },
        ],
        inherit: true,
      },
    });
    assert.equal(acl.status, 200, JSON.stringify(acl.body));
  });
  after(async () => {
    await s?.close();
    await samba?.stop();
  });

  const body = () => ({
    name: "Finance",
    server_host: samba.host,
    server_port: samba.port,
    share_name: "Finance",
    domain: samba.domain,
    username: samba.username,
    password: samba.password,
    target_share_id: shareId,
    target_path: "/fin",
  });

  test("a non-admin share manager cannot create a connector (403 naming the setting)", async () => {
    const r = await s.api("POST", SMB, { token: manager.token, json: body() });
    assert.equal(r.status, 403, JSON.stringify(r.body));
    assert.match(r.body.error.message, /SCAIDRIVE_CONNECTOR_CREATORS/);
  });

  test(
    "an admin creates it; the share manager may run and " + "rename it but not re-aim it, even with a password",
    async () => {
      const r = await s.api("POST", SMB, { json: body() });
      assert.equal(r.status, 201, JSON.stringify(r.body));
      cnn = r.body.id;
      const rename = await s.api("PATCH", `${SMB}/${cnn}`, { token: manager.token, json: { name: "Finance (dept)" } });
      assert.equal(rename.status, 200, JSON.stringify(rename.body));
      const aim = await s.api("PATCH", `${SMB}/${cnn}`, {
        token: manager.token,
        json: { server_port: 1, password: "x" },
      });
      assert.equal(aim.status, 403, JSON.stringify(aim.body));
      assert.equal((await s.api("GET", `${SMB}/${cnn}`)).body.server_port, samba.port);
      const job = await s.api("POST", `${SMB}/${cnn}/sync`, { token: manager.token });
      assert.equal(job.status, 202, JSON.stringify(job.body));
      jobId = job.body.id;
      assert.equal((await waitForJob(s.api, cnn, jobId)).status, "completed");
      // The board folder is hidden from the reader: break inheritance, grant only the manager.
      const hide = await s.api("PUT", `/api/v1/shares/${shareId}/acl?path=${encodeURIComponent("/fin/board")}`, {
        token: manager.token,
        json: {
          aces: [{ principal_id: manager.id, permissions: ["READ", "WRITE", "DELETE", "MANAGE_PERMISSIONS"] }],
          inherit: false,
        },
      });
      assert.equal(hide.status, 200, JSON.stringify(hide.body));
    },
  );

  test(
    "a reader of the share root sees the connector's state, but " +
      "no host/user, file-states, job entries, mappings or audit",
    async () => {
      const c = await s.api("GET", `${SMB}/${cnn}`, { token: reader.token });
      assert.equal(c.status, 200, JSON.stringify(c.body));
      for (const k of [
        "server_host",
        "server_port",
        "share_name",
        "username",
        "domain",
        "base_path",
        "password_set",
        "include_patterns",
        "exclude_patterns",
      ]) {
        assert.ok(!(k in c.body), `${k} visible to a reader`);
      }
      const list = await s.api("GET", SMB, { token: reader.token });
      assert.equal(list.body.items.length, 1);
      assert.ok(!("server_host" in list.body.items[0]));
      const job = await s.api("GET", `${SMB}/${cnn}/jobs/${jobId}`, { token: reader.token });
      assert.equal(job.status, 200);
      assert.equal(job.body.status, "completed");
      assert.ok(!("entries" in job.body));
      assert.ok(!JSON.stringify(job.body).includes("secret-plan"));
      for (const path of ["file-states", "identity-mappings", "audit"]) {
        const r = await s.api("GET", `${SMB}/${cnn}/${path}`, { token: reader.token });
        assert.equal(r.status, 403, `${path}: ${JSON.stringify(r.body)}`);
      }
      // The manager sees all of it.
      const full = await s.api("GET", `${SMB}/${cnn}`, { token: manager.token });
      assert.equal(full.body.server_host, samba.host);
      const states = await s.api("GET", `${SMB}/${cnn}/file-states`, { token: manager.token });
      assert.ok(states.body.file_states.some((f: { path: string }) => f.path === "board/secret-plan.txt"));
      const entries = await s.api("GET", `${SMB}/${cnn}/jobs/${jobId}`, { token: manager.token });
      assert.ok(entries.body.entries.some((e: { path: string }) => e.path === "board/secret-plan.txt"));
    },
  );
});
