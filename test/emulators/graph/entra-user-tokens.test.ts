/**
 * Delegated tokens from the emulated Entra ID with @azure/msal-node 7 unmodified: auth code +
 * PKCE (getAuthCodeUrl → GET authorize with login_hint → redirect → acquireTokenByCode), the
 * consent form, refresh through acquireTokenSilent once the access token is inside MSAL's 300 s
 * renewal window, acquireTokenByRefreshToken, revocation through the control API, token expiry
 * as Graph sees it, and MSAL's throttling after a 429 from the token endpoint.
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { setTimeout as sleep } from "node:timers/promises";
import {
  ConfidentialClientApplication,
  CryptoProvider,
  InteractionRequiredAuthError,
  PublicClientApplication,
  ServerError,
} from "@azure/msal-node";
import type { GraphEmulator } from "./emulator.js";
import {
  GRAPH_DEFAULT,
  jwtClaims,
  msalAuth,
  postJson,
  signInWithCode,
  startTrustedEmulator,
} from "./entra/msal-test-kit.js";

const ALICE = "alice@contoso.onmicrosoft.com";
const PUBLIC_APP_ID = "55555555-5555-4555-8555-555555555555";
const PUBLIC_REDIRECT = "http://localhost:61234/public-callback";
const REDIRECT = "http://localhost:53123/callback";
const SCOPES = ["https://graph.microsoft.com/Sites.ReadWrite.All"];

describe("Entra delegated tokens through MSAL", () => {
  let emu: GraphEmulator;
  const pkce = new CryptoProvider();
  before(async () => {
    emu = await startTrustedEmulator({
      extraApps: [
        {
          appId: PUBLIC_APP_ID,
          displayName: "ScaiDrive Desktop",
          publicClient: true,
          redirectUris: [PUBLIC_REDIRECT],
          delegatedScopes: ["Sites.Read.All", "User.Read"],
        },
      ],
    });
  });
  after(async () => {
    await emu?.close();
  });

  const confidential = () =>
    new ConfidentialClientApplication({
      auth: { clientId: emu.info.client_id, clientSecret: emu.info.client_secret, ...msalAuth(emu) },
    });
  const control = (path: string, body: unknown) =>
    postJson(`${emu.info.authority_host}/_emulator/tokens/${path}`, body);
  const stats = async () =>
    (await (await fetch(`${emu.info.authority_host}/_emulator/tokens/stats`)).json()) as {
      issued: Record<string, number>;
      errors: Record<string, number>;
    };
  const graphGet = (path: string, token: string) =>
    fetch(`${emu.info.graph_base_url}/v1.0${path}`, { headers: { authorization: `Bearer ${token}` } });

  const signIn = async (
    app: ConfidentialClientApplication | PublicClientApplication,
    redirectUri: string,
    scopes: string[],
  ) => {
    const out = await signInWithCode(emu, app, { redirectUri, scopes, loginHint: ALICE });
    assert.deepEqual(JSON.parse(Buffer.from(out.clientInfo, "base64url").toString()), {
      uid: emu.info.users[0].id,
      utid: emu.info.tenant_id,
    });
    return out;
  };

  const refreshTokenOf = (app: ConfidentialClientApplication | PublicClientApplication): string => {
    const cache = JSON.parse(app.getTokenCache().serialize()) as { RefreshToken: Record<string, { secret: string }> };
    const rts = Object.values(cache.RefreshToken);
    assert.equal(rts.length, 1);
    return rts[0].secret;
  };

  test(
    "auth code + PKCE with a confidential client: id token " + "with the nonce, client_info account, scp on Graph",
    async () => {
      const app = confidential();
      const { result, nonce } = await signIn(app, REDIRECT, SCOPES);
      const alice = emu.info.users.find((u) => u.email === ALICE)!;
      assert.equal(result.account?.username, ALICE);
      assert.equal(result.account?.homeAccountId, `${alice.id}.${emu.info.tenant_id}`);
      assert.equal(result.account?.tenantId, emu.info.tenant_id);
      assert.equal(result.idTokenClaims && (result.idTokenClaims as Record<string, unknown>).nonce, nonce);
      assert.equal((result.idTokenClaims as Record<string, unknown>).aud, emu.info.client_id);
      const claims = jwtClaims(result.accessToken);
      assert.equal(claims.idtyp, "user");
      assert.equal(claims.oid, alice.id);
      assert.equal(claims.upn, ALICE);
      assert.equal(claims.scp, "Sites.ReadWrite.All");
      assert.equal(claims.roles, undefined);
      assert.equal((await graphGet(`/sites/${emu.info.site_id}`, result.accessToken)).status, 200);
      assert.ok(refreshTokenOf(app).length > 20, "MSAL cached a refresh token (offline_access is added by MSAL)");
    },
  );

  test("auth code + PKCE with a public client (no credential) and its own registered redirect URI", async () => {
    const app = new PublicClientApplication({ auth: { clientId: PUBLIC_APP_ID, ...msalAuth(emu) } });
    const { result } = await signIn(app, PUBLIC_REDIRECT, ["Sites.Read.All"]);
    assert.equal(jwtClaims(result.accessToken).appidacr, "0");
    assert.equal(jwtClaims(result.accessToken).scp, "Sites.Read.All");
    const denied = await app.acquireTokenSilent({ account: result.account!, scopes: ["Sites.ReadWrite.All"] }).then(
      () => null,
      (e: unknown) => e,
    );
    assert.ok(
      denied instanceof InteractionRequiredAuthError,
      `a scope the app was never consented to needs interaction: ${String(denied)}`,
    );
    assert.equal(String(denied.errorNo), "65001");
  });

  test("a multi-tenant authority (/organizations, discovered): the tenant comes from the user", async () => {
    const app = new ConfidentialClientApplication({
      auth: {
        clientId: emu.info.client_id,
        clientSecret: emu.info.client_secret,
        ...msalAuth(emu, { tenant: "organizations", metadata: false }),
      },
    });
    const { result } = await signIn(app, REDIRECT, SCOPES);
    assert.equal(result.tenantId, emu.info.tenant_id);
    assert.equal(jwtClaims(result.accessToken).tid, emu.info.tenant_id);
    const silent = await app.acquireTokenSilent({ account: result.account!, scopes: SCOPES, forceRefresh: true });
    assert.equal(jwtClaims(silent.accessToken).oid, result.account?.localAccountId);
  });

  test("username + password (ROPC) for headless tests; a wrong password is invalid_grant AADSTS50126", async () => {
    const app = new PublicClientApplication({ auth: { clientId: PUBLIC_APP_ID, ...msalAuth(emu) } });
    const alice = emu.info.users.find((u) => u.email === ALICE)!;
    const result = await app.acquireTokenByUsernamePassword({
      username: ALICE,
      password: alice.password!,
      scopes: ["Sites.Read.All"],
    });
    assert.equal(result?.account?.username, ALICE);
    assert.equal(jwtClaims(result!.accessToken).scp, "Sites.Read.All");
    const err = await app
      .acquireTokenByUsernamePassword({ username: ALICE, password: "wrong", scopes: ["Sites.Read.All"] })
      .then(
        () => null,
        (e: unknown) => e,
      );
    assert.ok(err instanceof ServerError, String(err));
    assert.equal(err.errorCode, "invalid_grant");
    assert.equal(String(err.errorNo), "50126");
  });

  test("a wrong code_verifier (AADSTS50148) and a code redeemed twice (AADSTS54005) are invalid_grant", async () => {
    const app = confidential();
    const { code, state, nonce } = await signIn(app, REDIRECT, SCOPES);
    const again = await app
      .acquireTokenByCode({ code, redirectUri: REDIRECT, scopes: SCOPES, state, nonce }, { code, state })
      .then(
        () => null,
        (e: unknown) => e,
      );
    assert.ok(again instanceof ServerError, String(again));
    assert.equal(again.errorCode, "invalid_grant");
    assert.equal(String(again.errorNo), "54005");

    const { challenge } = await pkce.generatePkceCodes();
    const url = await app.getAuthCodeUrl({
      scopes: SCOPES,
      redirectUri: REDIRECT,
      codeChallenge: challenge,
      codeChallengeMethod: "S256",
      loginHint: ALICE,
    });
    const fresh = new URL((await fetch(url, { redirect: "manual" })).headers.get("location")!).searchParams.get(
      "code",
    )!;
    const { verifier: otherVerifier } = await pkce.generatePkceCodes();
    const bad = await app
      .acquireTokenByCode({ code: fresh, redirectUri: REDIRECT, scopes: SCOPES, codeVerifier: otherVerifier })
      .then(
        () => null,
        (e: unknown) => e,
      );
    assert.ok(bad instanceof ServerError, String(bad));
    assert.equal(bad.errorCode, "invalid_grant");
    assert.equal(String(bad.errorNo), "50148");
    assert.match(bad.errorMessage, /AADSTS50148: The code_verifier provided does not match/);
  });

  test("the consent form: wrong password shows AADSTS50126, the right one redirects with a code", async () => {
    const app = new PublicClientApplication({ auth: { clientId: PUBLIC_APP_ID, ...msalAuth(emu) } });
    const { verifier, challenge } = await pkce.generatePkceCodes();
    const url = await app.getAuthCodeUrl({
      scopes: ["Sites.Read.All"],
      redirectUri: PUBLIC_REDIRECT,
      codeChallenge: challenge,
      codeChallengeMethod: "S256",
      state: "s-1",
    });
    const page = await fetch(url);
    assert.equal(page.status, 200);
    const html = await page.text();
    assert.match(html, /ScaiDrive Desktop/);
    const action = /<form method="POST" action="([^"]+)"/.exec(html)![1];
    const hidden = Object.fromEntries(
      [...html.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g)].map((m) => [
        m[1],
        m[2].replace(/&amp;/g, "&").replace(/&quot;/g, '"'),
      ]),
    );
    assert.equal(hidden.client_id, PUBLIC_APP_ID);
    const submit = (passwd: string) =>
      fetch(new URL(action, emu.info.authority_host), {
        method: "POST",
        redirect: "manual",
        headers: { "content-type": "application/x-www-form-urlencoded" },
        body: new URLSearchParams({ ...hidden, login: ALICE, passwd }).toString(),
      });
    const wrong = await submit("not-her-password");
    assert.equal(wrong.status, 200);
    assert.match(await wrong.text(), /AADSTS50126: Error validating credentials due to invalid username or password\./);
    const alice = emu.info.users.find((u) => u.email === ALICE)!;
    const right = await submit(alice.password!);
    assert.equal(right.status, 302);
    const location = new URL(right.headers.get("location")!);
    assert.equal(location.searchParams.get("state"), "s-1");
    const result = await app.acquireTokenByCode({
      code: location.searchParams.get("code")!,
      redirectUri: PUBLIC_REDIRECT,
      scopes: ["Sites.Read.All"],
      codeVerifier: verifier,
    });
    assert.equal(result.account?.username, ALICE);
  });

  test(
    "authorize refuses an unregistered redirect URI on its own page " +
      "(AADSTS50011); prompt=none without a user redirects login_required",
    async () => {
      const base = `${emu.info.authority_host}/${emu.info.tenant_id}/oauth2/v2.0/authorize`;
      const bad = await fetch(
        `${base}?${new URLSearchParams({ client_id: PUBLIC_APP_ID, response_type: "code", redirect_uri: "https://evil.example/cb", scope: "openid" })}`,
        { redirect: "manual" },
      );
      assert.equal(bad.status, 400);
      assert.match(await bad.text(), /AADSTS50011/);
      const none = await fetch(
        `${base}?${new URLSearchParams({ client_id: PUBLIC_APP_ID, response_type: "code", redirect_uri: PUBLIC_REDIRECT, scope: "openid", prompt: "none", state: "z" })}`,
        { redirect: "manual" },
      );
      assert.equal(none.status, 302);
      const loc = new URL(none.headers.get("location")!);
      assert.equal(loc.searchParams.get("error"), "login_required");
      assert.equal(loc.searchParams.get("state"), "z");
      assert.match(loc.searchParams.get("error_description")!, /^AADSTS50058: /);
    },
  );

  test("response_mode fragment and form_post carry the same code and state", async () => {
    const base = `${emu.info.authority_host}/contoso/oauth2/v2.0/authorize`;
    const params = {
      client_id: PUBLIC_APP_ID,
      response_type: "code",
      redirect_uri: PUBLIC_REDIRECT,
      scope: "openid Sites.Read.All",
      login_hint: ALICE,
      state: "st",
    };
    const fragment = await fetch(
      `${base}?${new URLSearchParams({ ...params, response_mode: "fragment" })}&state=repeated`,
      { redirect: "manual" },
    );
    assert.equal(fragment.status, 302);
    const hash = new URLSearchParams(new URL(fragment.headers.get("location")!).hash.slice(1));
    assert.ok(hash.get("code"));
    assert.equal(hash.get("state"), "st", "a repeated parameter counts once, by its first value");
    const formPost = await fetch(`${base}?${new URLSearchParams({ ...params, response_mode: "form_post" })}`, {
      redirect: "manual",
    });
    assert.equal(formPost.status, 200);
    const html = await formPost.text();
    assert.ok(html.includes(`action="${PUBLIC_REDIRECT}"`));
    assert.match(html, /<input type="hidden" name="code" value="[^"]+">/);
    assert.match(html, /<input type="hidden" name="state" value="st">/);
  });

  test("revocation by refresh_token ends that session only", async () => {
    const a = confidential();
    const b = confidential();
    await signIn(a, REDIRECT, SCOPES);
    await signIn(b, REDIRECT, SCOPES);
    const res = await control("revoke", { refresh_token: refreshTokenOf(a) });
    assert.deepEqual(res.body, { revoked: 1 });
    const errA = await confidential()
      .acquireTokenByRefreshToken({ refreshToken: refreshTokenOf(a), scopes: SCOPES })
      .then(
        () => null,
        (e: unknown) => e,
      );
    assert.ok(errA instanceof InteractionRequiredAuthError);
    assert.equal(String(errA.errorNo), "50173");
    assert.ok(await confidential().acquireTokenByRefreshToken({ refreshToken: refreshTokenOf(b), scopes: SCOPES }));
    assert.equal((await control("revoke", { user: "nobody@contoso.onmicrosoft.com" })).status, 404);
  });

  test(
    "acquireTokenSilent refreshes a token inside MSAL's " + "300 s window and serves a fresh one from cache",
    async () => {
      const set = await control("lifetime", { access_token_seconds: 120 });
      assert.deepEqual(set, {
        status: 200,
        body: { access_token_seconds: 120, refresh_token_seconds: 90 * 24 * 3600 },
      });
      try {
        const app = confidential();
        const { result } = await signIn(app, REDIRECT, SCOPES);
        const short = jwtClaims(result.accessToken);
        assert.equal((short.exp as number) - (short.iat as number), 120);
        const before = (await stats()).issued.refresh_token ?? 0;
        const firstRt = refreshTokenOf(app);

        await control("lifetime", { access_token_seconds: 3600 });
        const refreshed = await app.acquireTokenSilent({ account: result.account!, scopes: SCOPES });
        assert.notEqual(refreshed.accessToken, result.accessToken);
        assert.equal((await stats()).issued.refresh_token, before + 1, "MSAL redeemed the refresh token");
        assert.notEqual(refreshTokenOf(app), firstRt, "the refresh token rotated");

        const cached = await app.acquireTokenSilent({ account: result.account!, scopes: SCOPES });
        assert.equal(cached.accessToken, refreshed.accessToken);
        assert.equal(
          (await stats()).issued.refresh_token,
          before + 1,
          "no token request for a token valid for an hour",
        );
      } finally {
        await control("lifetime", { access_token_seconds: 3600 });
      }
    },
  );

  test(
    "acquireTokenByRefreshToken works with the current and the previous " +
      "refresh token; revoked ones give invalid_grant AADSTS50173",
    async () => {
      const app = confidential();
      const { result } = await signIn(app, REDIRECT, SCOPES);
      const oldRt = refreshTokenOf(app);
      const byRt = await app.acquireTokenByRefreshToken({ refreshToken: oldRt, scopes: SCOPES });
      assert.ok(byRt);
      assert.equal(jwtClaims(byRt.accessToken).scp, "Sites.ReadWrite.All");
      const newRt = refreshTokenOf(app);
      assert.notEqual(newRt, oldRt);
      const withOld = await confidential().acquireTokenByRefreshToken({ refreshToken: oldRt, scopes: SCOPES });
      assert.ok(withOld, "a redeemed refresh token stays valid until revoked or expired, as on Entra");

      const revoked = await control("revoke", { user: ALICE, app_id: emu.info.client_id });
      assert.equal(revoked.status, 200);
      assert.ok((revoked.body.revoked as number) >= 1);

      const silent = await app
        .acquireTokenSilent({ account: result.account!, scopes: SCOPES, forceRefresh: true })
        .then(
          () => null,
          (e: unknown) => e,
        );
      assert.ok(silent instanceof InteractionRequiredAuthError, String(silent));
      assert.equal(silent.errorCode, "invalid_grant");
      assert.equal(String(silent.errorNo), "50173");
      const direct = await confidential()
        .acquireTokenByRefreshToken({ refreshToken: newRt, scopes: SCOPES })
        .then(
          () => null,
          (e: unknown) => e,
        );
      assert.ok(direct instanceof InteractionRequiredAuthError);
      assert.equal(String(direct.errorNo), "50173");
      const unknown = await confidential()
        .acquireTokenByRefreshToken({ refreshToken: "0.not-a-token-the-emulator-issued", scopes: SCOPES })
        .then(
          () => null,
          (e: unknown) => e,
        );
      assert.ok(unknown instanceof InteractionRequiredAuthError);
      assert.equal(String(unknown.errorNo), "70008");

      // The access token already issued stays valid until it expires (revocation is not instant on Graph either).
      assert.equal((await graphGet(`/sites/${emu.info.site_id}`, byRt.accessToken)).status, 200);
    },
  );

  test("a refresh token past its lifetime gives invalid_grant AADSTS700082", async () => {
    await control("lifetime", { refresh_token_seconds: 1 });
    try {
      const app = confidential();
      await signIn(app, REDIRECT, SCOPES);
      const rt = refreshTokenOf(app);
      await sleep(1500);
      const err = await app.acquireTokenByRefreshToken({ refreshToken: rt, scopes: SCOPES }).then(
        () => null,
        (e: unknown) => e,
      );
      assert.ok(err instanceof InteractionRequiredAuthError, String(err));
      assert.equal(err.errorCode, "invalid_grant");
      assert.equal(String(err.errorNo), "700082");
    } finally {
      await control("lifetime", { refresh_token_seconds: 90 * 24 * 3600 });
    }
  });

  test("an expired access token is refused by Graph with 401 InvalidAuthenticationToken", async () => {
    await control("lifetime", { access_token_seconds: 1 });
    try {
      const app = confidential();
      const result = await app.acquireTokenByClientCredential({ scopes: [GRAPH_DEFAULT] });
      await sleep(2100);
      const res = await graphGet(`/sites/${emu.info.site_id}`, result!.accessToken);
      assert.equal(res.status, 401);
      const body = (await res.json()) as { error: { code: string; message: string } };
      assert.equal(body.error.code, "InvalidAuthenticationToken");
      assert.match(body.error.message, /expired/);
      assert.equal((await graphGet(`/sites/${emu.info.site_id}`, "garbage")).status, 401);
    } finally {
      await control("lifetime", { access_token_seconds: 3600 });
    }
  });

  test(
    "MSAL quirk: after a 429 with Retry-After an instance " + "refuses the identical request without calling Entra",
    async () => {
      const fault = await postJson(`${emu.info.authority_host}/_emulator/faults`, {
        kind: "429",
        path: "/oauth2/v2\\.0/token$",
        count: 1,
        retryAfterSec: 60,
      });
      assert.equal(fault.status, 201);
      const app = confidential();
      const first = await app.acquireTokenByClientCredential({ scopes: [GRAPH_DEFAULT] }).then(
        () => null,
        (e: unknown) => e,
      );
      assert.ok(first instanceof Error, "the 429 surfaces as an error");
      const issued = (await stats()).issued.client_credentials ?? 0;
      const second = await app.acquireTokenByClientCredential({ scopes: [GRAPH_DEFAULT] }).then(
        () => null,
        (e: unknown) => e,
      );
      assert.ok(second instanceof Error, "the same instance is throttled although the fault is spent");
      assert.equal(
        (await stats()).issued.client_credentials ?? 0,
        issued,
        "the throttled call never reached the token endpoint",
      );
      const other = await confidential().acquireTokenByClientCredential({ scopes: [GRAPH_DEFAULT] });
      assert.ok(other?.accessToken, "a new MSAL instance (fresh cache) is not throttled");
    },
  );
});
