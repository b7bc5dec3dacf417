/**
 * Entra's tokens as Graph enforces them, with the SDKs wired as an application wires them: the
 * Graph client's auth provider asks MSAL for each token (app-only by client credentials, or
 * delegated by acquireTokenSilent after an auth code sign-in). Covers what graph-access.test.ts
 * does not: an app with no Sites permission at all, and delegated scopes (`scp`) rather than
 * app roles. The Sites.Selected grant matrix is in graph-access.test.ts.
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { ConfidentialClientApplication, PublicClientApplication, type AccountInfo } from "@azure/msal-node";
import { Client, GraphError } from "@microsoft/microsoft-graph-client";
import type { GraphEmulator } from "./emulator.js";
import { GRAPH_DEFAULT, msalAuth, postJson, signInWithCode, startTrustedEmulator } from "./entra/msal-test-kit.js";

const ALICE = "alice@contoso.onmicrosoft.com";
const NO_SITES = {
  appId: "66666666-6666-4666-8666-666666666601",
  displayName: "No Sites App",
  secrets: [{ value: "none-secret" }],
  appRoles: ["User.Read.All"],
};
const SELECTED = {
  appId: "66666666-6666-4666-8666-666666666603",
  displayName: "Selected Later",
  secrets: [{ value: "selected-secret" }],
  appRoles: ["Sites.Selected"],
};
const DESKTOP = {
  appId: "66666666-6666-4666-8666-666666666602",
  displayName: "Desktop Reader",
  publicClient: true,
  redirectUris: ["http://localhost:61235/cb"],
  delegatedScopes: ["Sites.Read.All", "Sites.ReadWrite.All"],
};

describe("Graph enforces what Entra's tokens carry (SDK to SDK)", () => {
  let emu: GraphEmulator;
  before(async () => {
    emu = await startTrustedEmulator({ extraApps: [NO_SITES, SELECTED, DESKTOP] });
  });
  after(async () => {
    await emu?.close();
  });

  const client = (getAccessToken: () => Promise<string>): Client =>
    Client.initWithMiddleware({
      baseUrl: emu.info.graph_base_url,
      defaultVersion: "v1.0",
      customHosts: new Set([new URL(emu.info.graph_base_url).hostname]),
      authProvider: { getAccessToken },
    });
  const appClient = (clientId: string, clientSecret: string): Client => {
    const cca = new ConfidentialClientApplication({ auth: { clientId, clientSecret, ...msalAuth(emu) } });
    return client(async () => (await cca.acquireTokenByClientCredential({ scopes: [GRAPH_DEFAULT] }))!.accessToken);
  };
  const outcome = (p: Promise<unknown>): Promise<string> =>
    p.then(
      () => "ok",
      (e: unknown) => (e instanceof GraphError ? `${e.statusCode} ${e.code}` : `unexpected ${String(e)}`),
    );
  const newFolder = (c: Client) =>
    c
      .api(`/drives/${emu.info.drive_id}/root/children`)
      .post({ name: "entra-probe", folder: {}, "@microsoft.graph.conflictBehavior": "rename" });

  test("an app holding no Sites permission at all gets 403 accessDenied on sites and drives", async () => {
    const c = appClient(NO_SITES.appId, "none-secret");
    assert.equal(await outcome(c.api(`/sites/${emu.info.site_id}`).get()), "403 accessDenied");
    assert.equal(await outcome(c.api(`/drives/${emu.info.drive_id}/root/children`).get()), "403 accessDenied");
    assert.equal(await outcome(newFolder(c)), "403 accessDenied");
  });

  test("an app with Sites.ReadWrite.All writes through an MSAL-backed Graph client", async () => {
    const c = appClient(emu.info.client_id, emu.info.client_secret);
    const created = (await newFolder(c)) as {
      id?: string;
      folder?: unknown;
      createdBy?: { application?: { id?: string } };
    };
    assert.ok(created.id && created.folder);
  });

  test("delegated scp: Sites.Read.All reads but gets 403 on writes; Sites.ReadWrite.All writes", async () => {
    const pca = new PublicClientApplication({ auth: { clientId: DESKTOP.appId, ...msalAuth(emu) } });
    const { result } = await signInWithCode(emu, pca, {
      redirectUri: DESKTOP.redirectUris[0],
      scopes: ["Sites.Read.All"],
      loginHint: ALICE,
    });
    const account = result.account as AccountInfo;
    const reader = client(
      async () => (await pca.acquireTokenSilent({ account, scopes: ["Sites.Read.All"] })).accessToken,
    );
    assert.equal(await outcome(reader.api(`/sites/${emu.info.site_id}`).get()), "ok");
    assert.equal(await outcome(reader.api(`/drives/${emu.info.drive_id}/root/children`).get()), "ok");
    assert.equal(await outcome(newFolder(reader)), "403 accessDenied");

    const writer = client(
      async () => (await pca.acquireTokenSilent({ account, scopes: ["Sites.ReadWrite.All"] })).accessToken,
    );
    assert.equal(await outcome(newFolder(writer)), "ok");
  });

  test(
    "Sites.Selected grants given and taken back through " + "/_emulator/tokens/site-grants apply to the next request",
    async () => {
      const c = appClient(SELECTED.appId, "selected-secret");
      const grant = async (roles: string[]) => {
        const res = await postJson(`${emu.info.authority_host}/_emulator/tokens/site-grants`, {
          app_id: SELECTED.appId,
          site: emu.info.site_id,
          roles,
        });
        assert.equal(res.status, 200);
      };
      assert.equal(await outcome(c.api(`/sites/${emu.info.site_id}`).get()), "403 accessDenied");
      await grant(["read"]);
      assert.equal(await outcome(c.api(`/sites/${emu.info.site_id}`).get()), "ok");
      assert.equal(await outcome(newFolder(c)), "403 accessDenied");
      await grant(["write"]);
      assert.equal(await outcome(newFolder(c)), "ok");
      await grant([]);
      assert.equal(await outcome(c.api(`/sites/${emu.info.site_id}`).get()), "403 accessDenied");
      const bad = await postJson(`${emu.info.authority_host}/_emulator/tokens/site-grants`, {
        app_id: SELECTED.appId,
        site: emu.info.site_id,
        roles: ["admin"],
      });
      assert.equal(bad.status, 400);
    },
  );

  test("a token Graph cannot verify answers 401 InvalidAuthenticationToken", async () => {
    const c = client(async () => "eyJhbGciOiJSUzI1NiJ9.eyJhdWQiOiJ4In0.c2ln");
    assert.equal(await outcome(c.api(`/sites/${emu.info.site_id}`).get()), "401 InvalidAuthenticationToken");
  });
});
