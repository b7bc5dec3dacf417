/**
 * Cookie sessions through the real HTTP server, once per database dialect: sign-in answers and
 * cookie flags, the CSRF rule for cookie writes (bearer requests untouched), sign-out and
 * password changes revoking sessions, idle and absolute expiry, failed sign-in limits per
 * account and per address, disabling users, and the principal picker's `?q=`.
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { setTimeout as delay } from "node:timers/promises";
import { startTestServer, type TestServer } from "../harness/server.js";
import { BrowserSession, signIn } from "../harness/session-client.js";
import { loadConfig } from "../../src/server/config.js";
import { captureLogs } from "./log-capture.js";

interface TestUser {
  id: string;
  email: string;
  password: string;
  token: string;
}

let counter = 0;
/** A user with a password (set by the admin) and a token. */
async function makeUser(s: TestServer, name: string, opts: { admin?: boolean } = {}): Promise<TestUser> {
  const email = `${name}-${++counter}@example.com`;
  const password = `pw-${name}-${counter}-long`;
  const u = await s.api("POST", "/api/v1/users", { json: { email, name, is_admin: !!opts.admin } });
  assert.equal(u.status, 201, JSON.stringify(u.body));
  const p = await s.api("PUT", `/api/v1/users/${u.body.id}/password`, { json: { password } });
  assert.equal(p.status, 204, JSON.stringify(p.body));
  const t = await s.api("POST", "/api/v1/tokens", { json: { user_id: u.body.id, name: "t" } });
  return { id: u.body.id, email, password, token: t.body.token };
}

/** A client address of its own (X-Forwarded-For, believed with SCAIDRIVE_TRUST_PROXY) so tests do not share limits. */
let addressCounter = 0;
const freshAddress = () => ({ "x-forwarded-for": `198.51.100.${++addressCounter}` });

for (const dialect of ["sqlite", "postgres"] as const) {
  describe(`sign-in and sessions on ${dialect}`, () => {
    let s: TestServer;
    const logs = captureLogs("debug");
    const secrets: string[] = [];

    before(async () => {
      s = await startTestServer({
        dialect,
        logger: logs.logger,
        config: { trustProxy: true, publicOrigins: ["https://files.example.com"] },
      });
    });

    after(async () => {
      await s?.close();
    });

    test("sign-in: 200 with user, csrf_token, expiry; the cookie is HttpOnly, SameSite=Lax, Path=/", async () => {
      const u = await makeUser(s, "ann");
      secrets.push(u.password);
      const before = Date.now();
      const r = await signIn(s.url, u.email.toUpperCase(), u.password, freshAddress());
      assert.equal(r.status, 200, JSON.stringify(r.body));
      assert.equal(r.body.user.id, u.id);
      assert.equal(r.body.user.has_password, true);
      assert.equal(r.body.user.disabled, false);
      assert.match(r.body.csrf_token, /^[A-Za-z0-9_-]{43}$/);
      const expires = Date.parse(r.body.expires_at);
      assert.ok(Math.abs(expires - (before + 168 * 3_600_000)) < 60_000, r.body.expires_at);
      const attrs = r.setCookie!.split(";").map((a) => a.trim());
      assert.match(attrs[0], /^scaidrive_session=[A-Za-z0-9_-]{43}$/);
      assert.deepEqual(attrs.slice(1).sort(), ["HttpOnly", "Path=/", "SameSite=Lax"]);
      secrets.push(r.cookie!.split("=")[1], r.body.csrf_token);
    });

    test("wrong password, unknown email and a user without a password get the same answer", async () => {
      const u = await makeUser(s, "bob");
      const noPassword = await s.api("POST", "/api/v1/users", { json: { email: "nopw@example.com", name: "N" } });
      assert.equal(noPassword.status, 201);
      const answers = [
        await signIn(s.url, u.email, "not-the-password", freshAddress()),
        await signIn(s.url, "nobody@example.com", "whatever-pass", freshAddress()),
        await signIn(s.url, "nopw@example.com", "whatever-pass", freshAddress()),
      ];
      for (const a of answers) {
        assert.equal(a.status, 401);
        assert.deepEqual(a.body, { error: { code: "INVALID_CREDENTIALS", message: "wrong email or password" } });
        assert.equal(a.setCookie, undefined);
      }
    });

    test("Secure is added when the request came over https (X-Forwarded-Proto from a trusted proxy)", async () => {
      const u = await makeUser(s, "sec");
      const https = await signIn(s.url, u.email, u.password, { ...freshAddress(), "x-forwarded-proto": "https" });
      assert.equal(https.status, 200);
      assert.match(https.setCookie!, /; Secure(;|$)/);
      const plain = await signIn(s.url, u.email, u.password, freshAddress());
      assert.doesNotMatch(plain.setCookie!, /Secure/);
    });

    test("a session authenticates reads; GET /auth/session answers for it, and 401 for a bearer token", async () => {
      const u = await makeUser(s, "reader");
      const b = await BrowserSession.signIn(s.url, u.email, u.password);
      const me = await b.call("GET", "/api/v1/users/me", { origin: null, csrf: null });
      assert.equal(me.status, 200);
      assert.equal(me.body.id, u.id);
      const session = await b.call("GET", "/api/v1/auth/session", { origin: null, csrf: null });
      assert.equal(session.status, 200);
      assert.equal(session.body.user.id, u.id);
      assert.equal(session.body.csrf_token, b.csrfToken);
      const bearer = await s.api("GET", "/api/v1/auth/session", { token: u.token });
      assert.equal(bearer.status, 401);
      const none = await s.api("GET", "/api/v1/auth/session", { token: null });
      assert.equal(none.status, 401);
      const forged = await fetch(`${s.url}/api/v1/users/me`, { headers: { cookie: "scaidrive_session=forged" } });
      assert.equal(forged.status, 401);
    });

    test("cookie writes need our Origin and the session's X-CSRF-Token; bearer writes need neither", async () => {
      const admin = await makeUser(s, "csrfadmin", { admin: true });
      const b = await BrowserSession.signIn(s.url, admin.email, admin.password);
      const refused: [string, Parameters<BrowserSession["call"]>[2], string][] = [
        ["no Origin", { origin: null }, "origin"],
        ["foreign Origin", { origin: "https://evil.example" }, "origin"],
        ["Origin null", { origin: "null" }, "origin"],
        ["no token", { csrf: null }, "csrf_token"],
        ["wrong token", { csrf: "x".repeat(43) }, "csrf_token"],
      ];
      for (const [why, o, check] of refused) {
        const r = await b.call("POST", "/api/v1/groups", { ...o, json: { name: `g-${why}` } });
        assert.equal(r.status, 403, why);
        assert.equal(r.body.error.code, "CSRF_REJECTED", why);
        assert.equal(r.body.error.details.check, check, why);
        assert.ok(r.body.error.message.length > 10, why);
      }
      assert.match(
        (await b.call("POST", "/api/v1/groups", { origin: null, json: { name: "x" } })).body.error.message,
        /Origin/,
      );
      assert.match(
        (await b.call("POST", "/api/v1/groups", { csrf: null, json: { name: "x" } })).body.error.message,
        /X-CSRF-Token/,
      );
      const groups = await s.api("GET", "/api/v1/groups?q=g-");
      assert.deepEqual(groups.body.items, [], "no refused write took effect");
      const ok = await b.call("POST", "/api/v1/groups", { json: { name: "made-by-cookie" } });
      assert.equal(ok.status, 201, JSON.stringify(ok.body));
      const publicOrigin = await b.call("POST", "/api/v1/groups", {
        origin: "https://files.example.com",
        json: { name: "made-from-public-origin" },
      });
      assert.equal(publicOrigin.status, 201, "SCAIDRIVE_PUBLIC_ORIGIN is accepted");
      const bearer = await s.api("POST", "/api/v1/groups", { token: admin.token, json: { name: "made-by-bearer" } });
      assert.equal(bearer.status, 201);
    });

    test("uploads with the cookie follow the same rule, before the body is stored", async () => {
      const u = await makeUser(s, "uploader");
      const share = await s.api("POST", "/api/v1/shares", { token: u.token, json: { name: `S${counter}` } });
      assert.equal(share.status, 201);
      const b = await BrowserSession.signIn(s.url, u.email, u.password);
      const path = `/api/v1/shares/${share.body.id}/content?path=/a.txt`;
      const refused = await b.call("PUT", path, { raw: "hello", csrf: null });
      assert.equal(refused.status, 403);
      assert.equal(refused.body.error.code, "CSRF_REJECTED");
      const missing = await s.api("GET", `/api/v1/shares/${share.body.id}/files/stat?path=/a.txt`, { token: u.token });
      assert.equal(missing.status, 404);
      const ok = await b.call("PUT", path, { raw: "hello" });
      assert.equal(ok.status, 201, JSON.stringify(ok.body));
    });

    test("sign-out deletes the session and clears the cookie; it needs the CSRF headers too", async () => {
      const u = await makeUser(s, "leaver");
      const b = await BrowserSession.signIn(s.url, u.email, u.password);
      const refused = await b.call("POST", "/api/v1/auth/sign-out", { csrf: null });
      assert.equal(refused.status, 403);
      const out = await b.call("POST", "/api/v1/auth/sign-out");
      assert.equal(out.status, 204);
      assert.match(
        out.headers.get("set-cookie") ?? "",
        /^scaidrive_session=; Path=\/; HttpOnly; SameSite=Lax; Max-Age=0/,
      );
      const after = await b.call("GET", "/api/v1/users/me");
      assert.equal(after.status, 401);
      assert.equal(after.body.error.code, "UNAUTHENTICATED");
      assert.equal((await b.call("GET", "/api/v1/auth/session")).status, 401);
    });

    test("a password change ends the user's other sessions and gives the caller a new one", async () => {
      const u = await makeUser(s, "changer");
      const a = await BrowserSession.signIn(s.url, u.email, u.password);
      const other = await BrowserSession.signIn(s.url, u.email, u.password);
      const newPassword = "a-brand-new-password";
      const r = await a.call("PUT", "/api/v1/users/me/password", {
        json: { current_password: u.password, new_password: newPassword },
      });
      assert.equal(r.status, 204, JSON.stringify(r.body));
      const cookie = /^(scaidrive_session=[^;]+)/.exec(r.headers.get("set-cookie") ?? "")?.[1];
      assert.ok(cookie && cookie !== a.cookie, "a fresh session cookie");
      assert.equal((await other.call("GET", "/api/v1/users/me")).status, 401, "other session ended");
      assert.equal((await a.call("GET", "/api/v1/users/me")).status, 401, "the old cookie ended too");
      a.cookie = cookie;
      assert.equal((await a.call("GET", "/api/v1/users/me")).status, 200);
      const write = await a.call("PATCH", "/api/v1/users/me", { json: { name: "Changer" } });
      assert.equal(write.status, 200, "the page's CSRF token still works");
      assert.equal((await signIn(s.url, u.email, u.password, freshAddress())).status, 401);
      assert.equal((await signIn(s.url, u.email, newPassword, freshAddress())).status, 200);
      assert.equal((await s.api("GET", "/api/v1/users/me", { token: u.token })).status, 200, "tokens stay");
    });

    test("failed sign-ins per account: the sixth attempt is refused with 429 and Retry-After", async () => {
      const u = await makeUser(s, "locked");
      for (let i = 0; i < 5; i++) {
        const r = await signIn(s.url, u.email, `wrong-${i}`, freshAddress());
        assert.equal(r.status, 401, `attempt ${i + 1}`);
      }
      const r = await signIn(s.url, u.email, u.password, freshAddress());
      assert.equal(r.status, 429);
      assert.equal(r.body.error.code, "TOO_MANY_ATTEMPTS");
      assert.match(r.body.error.message, /^too many failed sign-ins for this account; try again in \d+ minutes?$/);
      assert.equal(r.body.error.details.limit, "account");
      const retry = Number(r.headers.get("retry-after"));
      assert.ok(retry > 800 && retry <= 900, `Retry-After ${retry}`);
      assert.equal(r.body.error.details.retry_after_seconds, retry);
      // An email nobody has is limited the same way (no telling accounts apart).
      for (let i = 0; i < 5; i++) await signIn(s.url, "ghost@example.com", `wrong-${i}`, freshAddress());
      assert.equal((await signIn(s.url, "ghost@example.com", "x-password", freshAddress())).status, 429);
    });

    test("a successful sign-in clears the account's count", async () => {
      const u = await makeUser(s, "forgetful");
      for (let round = 0; round < 2; round++) {
        for (let i = 0; i < 4; i++)
          assert.equal((await signIn(s.url, u.email, "nope-nope", freshAddress())).status, 401);
        assert.equal((await signIn(s.url, u.email, u.password, freshAddress())).status, 200, `round ${round}`);
      }
    });

    test("failed sign-ins per address: after 20 from one address, it is refused for every account", async () => {
      const u = await makeUser(s, "neighbour");
      const address = { "x-forwarded-for": "203.0.113.7" };
      for (let i = 0; i < 20; i++) {
        const r = await signIn(s.url, `guess-${i}@example.com`, "guess-pass", address);
        assert.equal(r.status, 401, `attempt ${i + 1}`);
      }
      const r = await signIn(s.url, u.email, u.password, address);
      assert.equal(r.status, 429);
      assert.match(r.body.error.message, /^too many failed sign-ins from this address; try again in \d+ minutes?$/);
      assert.equal(r.body.error.details.limit, "address");
      assert.ok(Number(r.headers.get("retry-after")) > 0);
      const elsewhere = await signIn(s.url, u.email, u.password, { "x-forwarded-for": "203.0.113.8" });
      assert.equal(elsewhere.status, 200, "another address is not limited");
    });

    test("disabling a user ends their sessions and stops their tokens; re-enabling restores the tokens", async () => {
      const u = await makeUser(s, "leaving");
      const b = await BrowserSession.signIn(s.url, u.email, u.password);
      const off = await s.api("PATCH", `/api/v1/users/${u.id}`, { json: { disabled: true } });
      assert.equal(off.status, 200);
      assert.equal(off.body.disabled, true);
      const token = await s.api("GET", "/api/v1/users/me", { token: u.token });
      assert.equal(token.status, 401);
      assert.equal(token.body.error.message, "account disabled");
      assert.equal((await b.call("GET", "/api/v1/users/me")).status, 401);
      const right = await signIn(s.url, u.email, u.password, freshAddress());
      assert.equal(right.status, 403);
      assert.equal(right.body.error.code, "ACCOUNT_DISABLED");
      const wrong = await signIn(s.url, u.email, "wrong-password", freshAddress());
      assert.equal(wrong.status, 401, "only the right password learns that the account is disabled");
      const on = await s.api("PATCH", `/api/v1/users/${u.id}`, { json: { disabled: false } });
      assert.equal(on.body.disabled, false);
      assert.equal((await s.api("GET", "/api/v1/users/me", { token: u.token })).status, 200);
      assert.equal((await signIn(s.url, u.email, u.password, freshAddress())).status, 200);
    });

    test("PATCH /users/{id}: admins rename, promote and demote; nobody disables or demotes themselves", async () => {
      const a = await makeUser(s, "admin-a", { admin: true });
      const b = await makeUser(s, "admin-b");
      const promote = await s.api("PATCH", `/api/v1/users/${b.id}`, {
        token: a.token,
        json: { is_admin: true, name: "Bea" },
      });
      assert.equal(promote.status, 200);
      assert.equal(promote.body.is_admin, true);
      assert.equal(promote.body.name, "Bea");
      for (const change of [{ disabled: true }, { is_admin: false }]) {
        const self = await s.api("PATCH", `/api/v1/users/${a.id}`, { token: a.token, json: change });
        assert.equal(self.status, 409, JSON.stringify(change));
        assert.equal(self.body.error.code, "LAST_ADMIN");
      }
      const demote = await s.api("PATCH", `/api/v1/users/${a.id}`, { token: b.token, json: { is_admin: false } });
      assert.equal(demote.status, 200);
      assert.equal(demote.body.is_admin, false);
      const asUser = await s.api("PATCH", `/api/v1/users/${b.id}`, { token: a.token, json: { name: "x" } });
      assert.equal(asUser.status, 403);
      const unknown = await s.api("PATCH", `/api/v1/users/usr_01ARZ3NDEKTSV4RRFFQ69G5FAV`, { json: { name: "x" } });
      assert.equal(unknown.status, 404);
      const extra = await s.api("PATCH", `/api/v1/users/${b.id}`, { json: { email: "x@example.com" } });
      assert.equal(extra.status, 400);
      assert.equal(extra.body.error.details.field, "email");
      const rename = await s.api("PATCH", "/api/v1/users/me", { token: a.token, json: { name: "  Ada  " } });
      assert.equal(rename.status, 200);
      assert.equal(rename.body.name, "Ada");
      const empty = await s.api("PATCH", "/api/v1/users/me", { token: a.token, json: { name: "   " } });
      assert.equal(empty.status, 400);
    });

    test("GET /users?q= and GET /groups?q= filter by a case-insensitive substring", async () => {
      const mk = async (email: string, name: string) =>
        assert.equal((await s.api("POST", "/api/v1/users", { json: { email, name } })).status, 201);
      await mk("zelda.q@example.com", "Zelda Quest");
      await mk("qz-other@example.com", "Ärger Über");
      await mk("pct@example.com", "100%_done");
      await mk("plain@example.com", "100x done");
      for (const name of ["Q-Editors", "q-editors-west", "Q-Readers"])
        assert.equal((await s.api("POST", "/api/v1/groups", { json: { name } })).status, 201);
      const users = async (q: string) =>
        (await s.api("GET", `/api/v1/users?q=${encodeURIComponent(q)}`)).body.items.map((u: any) => u.name).sort();
      assert.deepEqual(await users("ZELDA"), ["Zelda Quest"]);
      assert.deepEqual(await users("ZELDA.Q@EXAMPLE"), ["Zelda Quest"], "emails match too");
      assert.deepEqual(await users("ärger"), ["Ärger Über"], "case-insensitive beyond ASCII");
      assert.deepEqual(await users("%_"), ["100%_done"], "% and _ are literal");
      assert.deepEqual(await users("0x"), ["100x done"]);
      const page = await s.api("GET", `/api/v1/users?q=example.com&limit=2`);
      assert.equal(page.body.items.length, 2);
      assert.ok(page.body.next_cursor);
      const groups = await s.api("GET", "/api/v1/groups?q=EDITORS");
      assert.deepEqual(groups.body.items.map((g: any) => g.name).sort(), ["Q-Editors", "q-editors-west"]);
      const long = await s.api("GET", `/api/v1/groups?q=${"x".repeat(201)}`);
      assert.equal(long.status, 400);
    });

    test("DELETE /groups/{id}: admins only; the ACEs naming the group go with it", async () => {
      const g = await s.api("POST", "/api/v1/groups", { json: { name: "doomed" } });
      const share = await s.api("POST", "/api/v1/shares", { json: { name: "GroupShare" } });
      const acl = await s.api("PUT", `/api/v1/shares/${share.body.id}/acl?path=/`, {
        json: { aces: [{ principal_id: g.body.id, permissions: ["READ"] }], inherit: true },
      });
      assert.equal(acl.status, 200);
      const u = await makeUser(s, "notadmin");
      assert.equal((await s.api("DELETE", `/api/v1/groups/${g.body.id}`, { token: u.token })).status, 403);
      assert.equal((await s.api("DELETE", `/api/v1/groups/${g.body.id}`)).status, 204);
      assert.equal((await s.api("GET", `/api/v1/groups/${g.body.id}`)).status, 404);
      assert.equal((await s.api("DELETE", `/api/v1/groups/${g.body.id}`)).status, 404);
      const after = await s.api("GET", `/api/v1/shares/${share.body.id}/acl?path=/`);
      assert.deepEqual(after.body.aces, []);
    });

    test("the log has structured sign-in lines and never a password, session id or CSRF token", () => {
      assert.ok(secrets.length >= 3);
      const text = logs.lines.map((l) => JSON.stringify(l)).join("\n");
      for (const secret of secrets) assert.ok(!text.includes(secret), "a secret reached the log");
      assert.ok(!text.includes("scrypt$"), "a password hash reached the log");
      const signedIn = logs.lines.filter((l) => l.event === "signed_in");
      assert.ok(signedIn.length > 0 && signedIn.every((l) => /^usr_/.test(l.user_id)));
      assert.ok(logs.lines.some((l) => l.event === "sign_in_failed" && l.known_account === false));
      assert.ok(logs.lines.some((l) => l.event === "sign_in_limited" && l.limit === "address"));
    });
  });

  describe(`session expiry on ${dialect}`, () => {
    test("idle: activity keeps a session alive; SCAIDRIVE_SESSION_IDLE_MINUTES without use ends it", async () => {
      const idle = loadConfig({ SCAIDRIVE_SESSION_IDLE_MINUTES: "0.05" }).sessionIdleMs;
      assert.equal(idle, 3000);
      const s = await startTestServer({ dialect, config: { sessionIdleMs: idle } });
      try {
        const u = await makeUser(s, "idler");
        const b = await BrowserSession.signIn(s.url, u.email, u.password);
        const started = Date.now();
        while (Date.now() - started < idle + 1500) {
          assert.equal((await b.call("GET", "/api/v1/users/me")).status, 200, "in use: alive");
          await delay(300);
        }
        await delay(idle + 500);
        const r = await b.call("GET", "/api/v1/users/me");
        assert.equal(r.status, 401);
        assert.match(r.body.error.message, /sign in again/);
      } finally {
        await s.close();
      }
    });

    test("absolute: SCAIDRIVE_SESSION_MAX_HOURS ends a session however busy", async () => {
      const max = loadConfig({ SCAIDRIVE_SESSION_MAX_HOURS: "0.001" }).sessionMaxMs;
      assert.equal(max, 3600);
      const s = await startTestServer({ dialect, config: { sessionMaxMs: max } });
      try {
        const u = await makeUser(s, "busy");
        const before = Date.now();
        const b = await BrowserSession.signIn(s.url, u.email, u.password);
        const after = Date.now();
        const session = await b.call("GET", "/api/v1/auth/session");
        const expires = Date.parse(session.body.expires_at);
        assert.ok(expires >= before + max && expires <= after + max, session.body.expires_at);
        while (Date.now() < expires - 800) {
          assert.equal((await b.call("GET", "/api/v1/users/me")).status, 200);
          await delay(200);
        }
        while (Date.now() < expires + 300) await delay(100);
        assert.equal((await b.call("GET", "/api/v1/users/me")).status, 401);
      } finally {
        await s.close();
      }
    });

    test("a failure stops counting once it is older than the window", async () => {
      const s = await startTestServer({
        dialect,
        config: { signInLimits: { accountFailures: 2, addressFailures: 100, windowMs: 3000 } },
      });
      try {
        const u = await makeUser(s, "patient");
        for (let i = 0; i < 2; i++) await signIn(s.url, u.email, "wrong-password");
        const locked = await signIn(s.url, u.email, u.password);
        assert.equal(locked.status, 429);
        assert.ok(Number(locked.headers.get("retry-after")) <= 3);
        await delay(Number(locked.headers.get("retry-after")) * 1000 + 200);
        assert.equal((await signIn(s.url, u.email, u.password)).status, 200);
      } finally {
        await s.close();
      }
    });
  });
}

describe("without SCAIDRIVE_TRUST_PROXY", () => {
  let s: TestServer;
  before(async () => {
    s = await startTestServer();
  });
  after(async () => {
    await s?.close();
  });

  test("X-Forwarded-Proto is not believed: no Secure flag", async () => {
    const u = await makeUser(s, "direct");
    const r = await signIn(s.url, u.email, u.password, { "x-forwarded-proto": "https" });
    assert.equal(r.status, 200);
    assert.doesNotMatch(r.setCookie!, /Secure/);
  });

  test("sign-in from another site's page (foreign Origin) is refused; no Origin (scripts) is fine", async () => {
    const u = await makeUser(s, "origin");
    const foreign = await signIn(s.url, u.email, u.password, { origin: "https://evil.example" });
    assert.equal(foreign.status, 403);
    assert.equal(foreign.body.error.code, "CSRF_REJECTED");
    const own = await signIn(s.url, u.email, u.password, { origin: s.url });
    assert.equal(own.status, 200);
  });
});

describe("sign-in configuration from the environment", () => {
  test("defaults: 12 h idle, 7 days absolute, no proxy trusted, no extra origins", () => {
    const c = loadConfig({});
    assert.equal(c.sessionIdleMs, 720 * 60_000);
    assert.equal(c.sessionMaxMs, 168 * 3_600_000);
    assert.equal(c.trustProxy, false);
    assert.deepEqual(c.publicOrigins, []);
    assert.equal(c.adminPassword, undefined);
  });

  test("values are parsed, normalised, and a bad one names its variable", () => {
    const c = loadConfig({
      SCAIDRIVE_SESSION_IDLE_MINUTES: "30",
      SCAIDRIVE_SESSION_MAX_HOURS: "0.5",
      SCAIDRIVE_TRUST_PROXY: "10.0.0.0/8, 127.0.0.1",
      SCAIDRIVE_PUBLIC_ORIGIN: "https://Files.Example.com:443/, http://intra:8080",
      SCAIDRIVE_PUBLIC_URL: "https://sso.example.com/base",
      SCAIDRIVE_ADMIN_PASSWORD: "from-the-env",
    });
    assert.equal(c.sessionIdleMs, 30 * 60_000);
    assert.equal(c.sessionMaxMs, 1_800_000);
    assert.equal(c.trustProxy, "10.0.0.0/8,127.0.0.1");
    assert.deepEqual(c.publicOrigins, ["https://files.example.com", "http://intra:8080", "https://sso.example.com"]);
    assert.equal(c.adminPassword, "from-the-env");
    assert.equal(loadConfig({ SCAIDRIVE_TRUST_PROXY: "true" }).trustProxy, true);
    assert.equal(loadConfig({ SCAIDRIVE_TRUST_PROXY: "2" }).trustProxy, 2);
    for (const [name, value] of [
      ["SCAIDRIVE_SESSION_IDLE_MINUTES", "0"],
      ["SCAIDRIVE_SESSION_IDLE_MINUTES", "soon"],
      ["SCAIDRIVE_SESSION_MAX_HOURS", "-1"],
      ["SCAIDRIVE_TRUST_PROXY", "proxy.example.com"],
      ["SCAIDRIVE_PUBLIC_ORIGIN", "files.example.com"],
      ["SCAIDRIVE_PUBLIC_ORIGIN", "ftp://files.example.com"],
    ])
      assert.throws(() => loadConfig({ [name]: value }), new RegExp(name), `${name}=${value}`);
  });
});
