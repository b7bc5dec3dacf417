/**
 * user_auth on two nodes (two app instances on one PostgreSQL database and one data directory,
 * hence one secret key): the authorize URL is issued by node A, the browser's callback answered
 * by node B, with the real MSAL flow against the Graph/Entra emulator. The state is single-use
 * across the nodes, and stored hashed with the PKCE verifier and nonce sealed.
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { createHash, randomBytes } from "node:crypto";
import { SP, expectStatus, newShare, startApiWorld, syncToEnd, type ApiWorld } from "./sharepoint-api-kit.js";
import { createPgDatabase, type PgDatabase } from "../../harness/postgres-database.js";
import { makeTempDir, type TempDir } from "../../harness/temp-dir.js";

const ALICE_UPN = "alice@contoso.onmicrosoft.com";

describe("SharePoint user_auth across nodes sharing PostgreSQL", () => {
  let pgdb: PgDatabase;
  let temp: TempDir;
  let a: ApiWorld;
  let b: ApiWorld;
  before(async () => {
    pgdb = await createPgDatabase();
    temp = makeTempDir("sp-nodes");
    const shared = { dataDir: temp.path, databaseUrl: pgdb.url, adminToken: `adm-${randomBytes(16).toString("hex")}` };
    a = await startApiWorld(shared);
    b = await startApiWorld({ ...shared, emu: a.emu });
  });
  after(async () => {
    await b?.close();
    await a?.close();
    await pgdb?.drop();
    temp?.remove();
  });

  async function userConnector(): Promise<string> {
    const shareId = await newShare(a);
    return expectStatus(
      await a.api("POST", SP, {
        name: "Delegated",
        site_id: a.emu.info.site_id,
        drive_id: a.emu.info.drive_id,
        library_name: "Documents",
        base_path: "Campaigns/2026",
        azure_tenant_id: a.emu.info.tenant_id,
        azure_client_id: a.emu.info.client_id,
        azure_client_secret: a.emu.info.client_secret,
        auth_type: "user_auth",
        target_share_id: shareId,
        sync_direction: "sharepoint_to_scaidrive",
      }),
      201,
      "create user_auth connector",
    ).id;
  }

  /** Authorize on A, sign in at the emulator like a browser; returns A's callback URL and the state. */
  async function signInOnA(id: string): Promise<{ location: string; state: string }> {
    const auth = expectStatus(
      await a.api("POST", `${SP}/${id}/authorize`, { login_hint: ALICE_UPN }),
      200,
      "authorize",
    );
    const state = new URL(auth.authorization_url).searchParams.get("state")!;
    const res = await fetch(auth.authorization_url, { redirect: "manual" });
    assert.equal(res.status, 302);
    const location = res.headers.get("location")!;
    assert.ok(location.startsWith(`${a.url}${SP}/oauth/callback?`), location);
    return { location, state };
  }

  /** The callback URL as the node `w` would receive it (a load balancer picked that node). */
  async function callbackOn(w: ApiWorld, location: string) {
    const url = new URL(location);
    const res = await fetch(`${w.url}${url.pathname}${url.search}`, {
      redirect: "manual",
      headers: { accept: "application/json" },
    });
    const text = await res.text();
    return { status: res.status, headers: res.headers, body: text ? JSON.parse(text) : undefined };
  }

  test("the callback of a sign-in started on A is answered by B; the state cannot be replayed on A", async () => {
    const id = await userConnector();
    const { location, state } = await signInOnA(id);

    // At rest: the state only as its SHA-256, the verifier and nonce sealed.
    const rows = await a.built.context.db.selectFrom("oauth_states").selectAll().execute();
    const row = rows.find((r) => r.connector_id === id);
    assert.ok(row, "the pending sign-in is in the database");
    assert.equal(row.state_hash, createHash("sha256").update(state).digest("hex"));
    assert.ok(!JSON.stringify(rows).includes(state), "the state is not stored in clear");
    assert.match(row.sealed, /^v1\./);
    assert.ok(!/pkceVerifier|nonce/.test(row.sealed), "sealed, not JSON in clear");

    const done = await callbackOn(b, location);
    expectStatus(done, 200, "callback on B");
    assert.equal(done.body.connector_id, id);
    assert.equal(done.body.authorized, true);
    assert.equal(done.body.user.email, ALICE_UPN);
    assert.equal(expectStatus(await a.api("GET", `${SP}/${id}`), 200, "get on A").refresh_token_set, true);

    const replayA = await callbackOn(a, location);
    expectStatus(replayA, 400, "replay on A");
    assert.equal(replayA.body.error.details.field, "state");
    expectStatus(await callbackOn(b, location), 400, "replay on B");

    // The token B stored (sealed with the shared key) serves a run started on A.
    const job = await syncToEnd(a, id);
    assert.equal(job.status, "completed", JSON.stringify(job.error));
  });

  test("the same callback reaching both nodes at once is redeemed by exactly one", async () => {
    const id = await userConnector();
    const { location } = await signInOnA(id);
    const results = await Promise.all([callbackOn(a, location), callbackOn(b, location)]);
    assert.deepEqual(results.map((r) => r.status).sort(), [200, 400]);
    assert.equal(results.find((r) => r.status === 400)!.body.error.details.field, "state");
  });

  test("expired states are refused and swept", async () => {
    const id = await userConnector();
    const { location } = await signInOnA(id);
    const db = a.built.context.db;
    await db
      .updateTable("oauth_states")
      .set({ expires_at: new Date(Date.now() - 1000).toISOString() })
      .where("connector_id", "=", id)
      .execute();
    const stale = await signInOnA(id); // the next authorize sweeps expired rows, then adds its own
    const left = await db.selectFrom("oauth_states").select("connector_id").where("connector_id", "=", id).execute();
    assert.equal(left.length, 1, "only the fresh sign-in remains");
    expectStatus(await callbackOn(b, location), 400, "expired (swept) state");
    expectStatus(await callbackOn(b, stale.location), 200, "the fresh one works");
  });
});
