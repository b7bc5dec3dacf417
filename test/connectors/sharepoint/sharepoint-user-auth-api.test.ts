/**
 * user_auth over real HTTP: authorize → the Entra sign-in URL (followed like a browser, with the
 * `login_hint` of a fixture user) → the public callback → refresh token stored sealed → sync.
 * Then the failure path of remote-server-mount-and-sync.txt ("What To Do When Your Remote Server
 * Connection Is Disabled"): a revoked refresh token fails the run with CONNECTOR_AUTH_FAILED,
 * disables the connector and raises an alert; PATCH {} re-enables it and resolves the alert;
 * completing authorize again does too. State reuse and expiry are 400s.
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { STATE_LIFETIME_MS } from "../../../src/connectors/sharepoint/sharepoint-oauth-state.js";
import {
  SP,
  control,
  expectStatus,
  newShare,
  shareText,
  startApiWorld,
  syncToEnd,
  type ApiWorld,
} from "./sharepoint-api-kit.js";

const ALICE_UPN = "alice@contoso.onmicrosoft.com";

describe("SharePoint connector API (user auth, disable and re-enable)", () => {
  let w: ApiWorld;
  before(async () => {
    w = await startApiWorld();
  });
  after(async () => {
    await w?.close();
  });

  /** Plays the browser: the sign-in URL with a login hint consents at once and redirects to our callback. */
  async function signIn(connectorId: string): Promise<string> {
    const auth = expectStatus(
      await w.api("POST", `${SP}/${connectorId}/authorize`, { login_hint: ALICE_UPN }),
      200,
      "authorize",
    );
    const url = new URL(auth.authorization_url);
    assert.equal(url.origin, w.emu.info.authority_host);
    assert.ok(url.searchParams.get("state"));
    assert.equal(url.searchParams.get("code_challenge_method"), "S256");
    assert.equal(url.searchParams.get("redirect_uri"), `${w.url}${SP}/oauth/callback`);
    assert.equal(url.searchParams.get("login_hint"), ALICE_UPN);
    assert.ok(Date.parse(auth.expires_at) > Date.now());
    const res = await fetch(url, { redirect: "manual" });
    assert.equal(res.status, 302);
    const location = res.headers.get("location")!;
    assert.ok(location.startsWith(`${w.url}${SP}/oauth/callback?`), location);
    return location;
  }

  async function callback(location: string, accept = "application/json") {
    const res = await fetch(location, { redirect: "manual", headers: { accept } });
    const text = await res.text();
    return {
      status: res.status,
      headers: res.headers,
      body: text && (res.headers.get("content-type") ?? "").includes("json") ? JSON.parse(text) : text,
    };
  }

  async function userConnector(shareId: string): Promise<string> {
    return expectStatus(
      await w.api("POST", SP, {
        name: "Delegated",
        site_id: w.emu.info.site_id,
        drive_id: w.emu.info.drive_id,
        library_name: "Documents",
        base_path: "Campaigns/2026",
        azure_tenant_id: w.emu.info.tenant_id,
        azure_client_id: w.emu.info.client_id,
        azure_client_secret: w.emu.info.client_secret,
        auth_type: "user_auth",
        target_share_id: shareId,
        sync_direction: "sharepoint_to_scaidrive",
      }),
      201,
      "create user_auth connector",
    ).id;
  }

  test(
    "authorize → sign-in → callback → sync; state is " + "single-use; revoked token disables, PATCH {} re-enables",
    async () => {
      const shareId = await newShare(w);
      const id = await userConnector(shareId);
      assert.equal(expectStatus(await w.api("GET", `${SP}/${id}`), 200, "get").refresh_token_set, false);

      const location = await signIn(id);
      const done = await callback(location);
      expectStatus(done, 200, "callback");
      assert.deepEqual(done.body, {
        connector_id: id,
        authorized: true,
        enabled: true,
        user: { id: "aaaaaaaa-0000-4000-8000-00000000a11c", email: ALICE_UPN, name: "Alice Cooper" },
      });
      const got = expectStatus(await w.api("GET", `${SP}/${id}`), 200, "get");
      assert.equal(got.refresh_token_set, true);
      assert.equal("refresh_token" in got, false);

      // The same state (and code) again: refused.
      const again = await callback(location);
      expectStatus(again, 400, "state reuse");
      assert.match(again.body.error.message, /state/);

      const t = expectStatus(await w.api("POST", `${SP}/${id}/test`), 200, "test");
      assert.equal(t.success, true, JSON.stringify(t));
      assert.match(t.permissions.via, /delegated permission .* as alice@contoso\.onmicrosoft\.com/);

      const storedToken = async (): Promise<string> => {
        const c = await w.built.context.engine.stores.connectors.get(id);
        return w.built.context.vault.open(c!.secrets.refresh_token!);
      };
      const signedIn = await storedToken();
      const job = await syncToEnd(w, id);
      assert.equal(job.status, "completed", JSON.stringify(job.error));
      assert.equal(await shareText(w, shareId, "/Brief.docx"), "Spring launch brief - final\n");
      // The run's refresh-token grant rotated the token; openRemote's env.saveConfig stored the new one (sealed).
      assert.notEqual(await storedToken(), signedIn, "the rotated refresh token was persisted");
      assert.equal((await syncToEnd(w, id)).status, "completed", "a second run signs in with the stored rotated token");

      // Entra revokes Alice's sessions: the next run cannot get a token.
      const revoked = await control<{ revoked: number }>(w.emu, "tokens/revoke", { user: ALICE_UPN });
      assert.ok(revoked.revoked >= 1);
      const failed = await syncToEnd(w, id);
      assert.equal(failed.status, "failed");
      assert.equal(failed.error.code, "CONNECTOR_AUTH_FAILED");
      const disabled = expectStatus(await w.api("GET", `${SP}/${id}`), 200, "get disabled");
      assert.equal(disabled.enabled, false);
      assert.match(disabled.status_reason, /^authentication failed: /);
      const refused = await w.api("POST", `${SP}/${id}/sync`);
      expectStatus(refused, 409, "sync of a disabled connector");

      const alerts = expectStatus(
        await w.api("GET", `/api/v1/alerts?open=true&connector_id=${id}`),
        200,
        "alerts",
      ).items;
      assert.equal(alerts.length, 1);
      assert.match(alerts[0].id, /^alr_/);
      assert.equal(alerts[0].kind, "connector_auth_failed");
      assert.equal(alerts[0].connector_id, id);
      assert.equal(alerts[0].resolved_at, null);
      assert.match(alerts[0].message, /disabled/);
      assert.deepEqual(Object.keys(alerts[0]).sort(), [
        "connector_id",
        "created_at",
        "id",
        "kind",
        "message",
        "resolved_at",
      ]);

      // Re-saving without changes re-enables and resolves the alert.
      const saved = expectStatus(await w.api("PATCH", `${SP}/${id}`, {}), 200, "PATCH {}");
      assert.equal(saved.enabled, true);
      assert.equal(saved.status_reason, null);
      const all = expectStatus(await w.api("GET", `/api/v1/alerts?connector_id=${id}`), 200, "alerts").items;
      assert.equal(all.length, 1);
      assert.notEqual(all[0].resolved_at, null);
      assert.equal(
        expectStatus(await w.api("GET", `/api/v1/alerts?open=true&connector_id=${id}`), 200, "open alerts").items
          .length,
        0,
      );

      // Still revoked: the run fails and disables again (a new alert); signing in again re-enables.
      assert.equal((await syncToEnd(w, id)).error.code, "CONNECTOR_AUTH_FAILED");
      assert.equal(expectStatus(await w.api("GET", `${SP}/${id}`), 200, "get").enabled, false);
      const open = expectStatus(await w.api("GET", `/api/v1/alerts?open=true&connector_id=${id}`), 200, "alerts").items;
      assert.equal(open.length, 1);
      const redirected = await callback(await signIn(id), "text/html");
      assert.equal(redirected.status, 302);
      assert.equal(redirected.headers.get("location"), `${w.url}/connectors/sharepoint/${id}?authorized=true`);
      assert.equal(expectStatus(await w.api("GET", `${SP}/${id}`), 200, "get").enabled, true);
      const resolved = expectStatus(await w.api("POST", `/api/v1/alerts/${open[0].id}/resolve`), 200, "resolve");
      assert.notEqual(resolved.resolved_at, null);
      const ok = await syncToEnd(w, id);
      assert.equal(ok.status, "completed", JSON.stringify(ok.error));
    },
  );

  test("an expired state is refused; an unknown state is refused; app_auth connectors cannot authorize", async () => {
    const shareId = await newShare(w);
    const id = await userConnector(shareId);
    const location = await signIn(id);
    const store = w.built.context.sharepoint!.states;
    const realNow = store.now;
    store.now = () => realNow() + STATE_LIFETIME_MS + 1000;
    try {
      const expired = await callback(location);
      expectStatus(expired, 400, "expired state");
      assert.equal(expired.body.error.details.field, "state");
    } finally {
      store.now = realNow;
    }
    assert.equal(expectStatus(await w.api("GET", `${SP}/${id}`), 200, "get").refresh_token_set, false);
    const unknown = await callback(`${w.url}${SP}/oauth/callback?code=abc&state=made-up`);
    expectStatus(unknown, 400, "unknown state");

    const app = expectStatus(
      await w.api("POST", SP, {
        name: "App",
        site_id: w.emu.info.site_id,
        drive_id: w.emu.info.drive_id,
        azure_tenant_id: w.emu.info.tenant_id,
        azure_client_id: w.emu.info.client_id,
        azure_client_secret: w.emu.info.client_secret,
        target_share_id: shareId,
      }),
      201,
      "app connector",
    );
    const r = await w.api("POST", `${SP}/${app.id}/authorize`);
    expectStatus(r, 400, "authorize app_auth");
    assert.equal(r.body.error.details.field, "auth_type");
  });

  test("alerts are for admins; a non-admin user gets 403", async () => {
    const user = expectStatus(
      await w.api("POST", "/api/v1/users", { email: "bob@example.com", name: "Bob" }),
      201,
      "user",
    );
    const tok = expectStatus(await w.api("POST", "/api/v1/tokens", { user_id: user.id, name: "t" }), 201, "token");
    const res = await fetch(`${w.url}/api/v1/alerts`, { headers: { authorization: `Bearer ${tok.token}` } });
    assert.equal(res.status, 403);
    const unauth = await fetch(`${w.url}/api/v1/alerts`);
    assert.equal(unauth.status, 401);
  });
});
