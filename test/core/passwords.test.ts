/**
 * Passwords: the stored scrypt format and its parameters, administrators setting passwords and
 * handing out single-use set-password links, users changing their own, and the bootstrap
 * administrator's password — through the real HTTP server, on SQLite and PostgreSQL. The hash
 * never appears in an answer or the log.
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { scryptSync } from "node:crypto";
import { startTestServer, type TestServer } from "../harness/server.js";
import { BrowserSession, signIn } from "../harness/session-client.js";
import { hashPassword, PASSWORD_KDF, verifyPassword } from "../../src/core/password-hash.js";
import { captureLogs } from "../security/log-capture.js";

const HASH_FORMAT = /^scrypt\$32768\$8\$1\$([A-Za-z0-9+/]{43}=)\$([A-Za-z0-9+/]{86}==)$/;

describe("password hashes", () => {
  test("scrypt N=2^15, r=8, p=1, 32-byte salt, 64-byte key, stored as scrypt$N$r$p$salt$hash", async () => {
    assert.deepEqual(
      { N: PASSWORD_KDF.N, r: PASSWORD_KDF.r, p: PASSWORD_KDF.p, salt: PASSWORD_KDF.saltBytes },
      { N: 32768, r: 8, p: 1, salt: 32 },
    );
    const hash = await hashPassword("correct horse battery");
    const m = HASH_FORMAT.exec(hash);
    assert.ok(m, hash);
    assert.equal(Buffer.from(m[1], "base64").length, 32);
    assert.equal(Buffer.from(m[2], "base64").length, 64);
    const expected = scryptSync("correct horse battery", Buffer.from(m[1], "base64"), 64, {
      N: 32768,
      r: 8,
      p: 1,
      maxmem: 64 * 1024 * 1024,
    });
    assert.equal(m[2], expected.toString("base64"), "the key is scrypt of the password and salt");
    assert.notEqual(await hashPassword("correct horse battery"), hash, "a fresh salt each time");
    assert.equal(await verifyPassword("correct horse battery", hash), true);
    assert.equal(await verifyPassword("correct horse batterY", hash), false);
  });

  test("verification uses the parameters stored with the hash; malformed hashes never match", async () => {
    const salt = Buffer.alloc(16, 7);
    const old = `scrypt$1024$8$1$${salt.toString("base64")}$${scryptSync("pw-of-old", salt, 32, { N: 1024 }).toString("base64")}`;
    assert.equal(await verifyPassword("pw-of-old", old), true);
    assert.equal(await verifyPassword("pw-of-new", old), false);
    for (const bad of ["", "scrypt$x$8$1$aa$bb", "bcrypt$1$2$3$aa$bb", `scrypt$${2 ** 24}$8$1$AAAA$AAAA`])
      assert.equal(await verifyPassword("pw", bad), false, bad);
  });

  test("passwords are compared in Unicode NFC", async () => {
    const hash = await hashPassword("caf\u00e9-password");
    assert.equal(await verifyPassword("cafe\u0301-password", hash), true);
  });
});

for (const dialect of ["sqlite", "postgres"] as const) {
  describe(`passwords on ${dialect}`, () => {
    let s: TestServer;
    const logs = captureLogs("debug");
    /** Every answer's text, to prove no hash is ever in one. */
    const answers: string[] = [];
    const passwords: string[] = [];

    async function api(method: string, path: string, o: Parameters<TestServer["api"]>[2] = {}) {
      const r = await s.api(method, path, o);
      answers.push(JSON.stringify(r.body), JSON.stringify([...r.headers]));
      return r;
    }

    async function newUser(name: string): Promise<{ id: string; email: string; token: string }> {
      const email = `${name}@example.com`;
      const u = await api("POST", "/api/v1/users", { json: { email, name } });
      assert.equal(u.status, 201);
      const t = await api("POST", "/api/v1/tokens", { json: { user_id: u.body.id, name: "t" } });
      return { id: u.body.id, email, token: t.body.token };
    }

    async function storedHash(userId: string): Promise<string | null> {
      const row = await s.built.context.db
        .selectFrom("users")
        .select("password_hash")
        .where("id", "=", userId)
        .executeTakeFirstOrThrow();
      return row.password_hash;
    }

    before(async () => {
      s = await startTestServer({ dialect, logger: logs.logger });
    });

    after(async () => {
      await s?.close();
    });

    test("PUT /users/{id}/password (admin): stored as scrypt, has_password, ends the user's sessions", async () => {
      const u = await newUser("pia");
      assert.equal((await api("GET", `/api/v1/users/${u.id}`)).body.has_password, false);
      const password = "pia-first-password";
      passwords.push(password);
      assert.equal((await api("PUT", `/api/v1/users/${u.id}/password`, { json: { password } })).status, 204);
      assert.match((await storedHash(u.id)) ?? "", HASH_FORMAT);
      assert.equal((await api("GET", `/api/v1/users/${u.id}`)).body.has_password, true);
      const b = await BrowserSession.signIn(s.url, u.email, password);
      const next = "pia-second-password";
      passwords.push(next);
      assert.equal((await api("PUT", `/api/v1/users/${u.id}/password`, { json: { password: next } })).status, 204);
      assert.equal((await b.call("GET", "/api/v1/users/me")).status, 401, "the user's session ended");
      assert.equal((await signIn(s.url, u.email, next)).status, 200);
      const self = await api("PUT", `/api/v1/users/${u.id}/password`, {
        token: u.token,
        json: { password: "x".repeat(9) },
      });
      assert.equal(self.status, 403, "not for non-admins");
      const missing = await api("PUT", "/api/v1/users/usr_01ARZ3NDEKTSV4RRFFQ69G5FAV/password", {
        json: { password: "long-enough" },
      });
      assert.equal(missing.status, 404);
    });

    test("passwords must be 8 to 1024 characters (400 naming the field)", async () => {
      const u = await newUser("len");
      for (const password of ["short77", "x".repeat(1025)]) {
        const r = await api("PUT", `/api/v1/users/${u.id}/password`, { json: { password } });
        assert.equal(r.status, 400);
        assert.equal(r.body.error.code, "VALIDATION_FAILED");
        assert.equal(r.body.error.details.field, "password");
      }
      for (const password of ["8 chars!", "é".repeat(1024)])
        assert.equal((await api("PUT", `/api/v1/users/${u.id}/password`, { json: { password } })).status, 204);
    });

    test("set-password links: 24 h, single use, a new one replaces the old; using one ends sessions", async () => {
      const u = await newUser("lou");
      const before = Date.now();
      const link = await api("POST", `/api/v1/users/${u.id}/password-link`);
      assert.equal(link.status, 201);
      assert.match(link.body.url, /^\/set-password\?token=[A-Za-z0-9_-]{43}$/);
      assert.equal(link.body.url, `/set-password?token=${link.body.token}`);
      assert.ok(Math.abs(Date.parse(link.body.expires_at) - (before + 24 * 3_600_000)) < 60_000);
      const replaced = link.body.token;
      const second = await api("POST", `/api/v1/users/${u.id}/password-link`);
      const use = (token: string, password: string) =>
        api("POST", "/api/v1/auth/set-password", { token: null, json: { token, password } });
      const old = await use(replaced, "lou-password-1");
      assert.equal(old.status, 400);
      assert.equal(old.body.error.code, "LINK_INVALID");
      assert.match(old.body.error.message, /administrator/);
      assert.equal((await use(second.body.token, "short")).status, 400, "validated before the link is spent");
      assert.equal((await use(second.body.token, "lou-password-1")).status, 204);
      passwords.push("lou-password-1");
      const b = await BrowserSession.signIn(s.url, u.email, "lou-password-1");
      const again = await use(second.body.token, "lou-password-2");
      assert.equal(again.status, 400);
      assert.equal(again.body.error.code, "LINK_INVALID");
      assert.equal((await use("A".repeat(43), "lou-password-2")).body.error.code, "LINK_INVALID");
      const third = await api("POST", `/api/v1/users/${u.id}/password-link`);
      assert.equal((await use(third.body.token, "lou-password-3")).status, 204);
      assert.equal((await b.call("GET", "/api/v1/users/me")).status, 401, "setting a password ends sessions");
      assert.equal((await signIn(s.url, u.email, "lou-password-3")).status, 200);
      const asUser = await api("POST", `/api/v1/users/${u.id}/password-link`, { token: u.token });
      assert.equal(asUser.status, 403);
    });

    test("an expired set-password link is refused", async () => {
      const u = await newUser("exp");
      const link = await api("POST", `/api/v1/users/${u.id}/password-link`);
      // 24 hours are too long to wait: move the link's expiry into the past.
      await s.built.context.db
        .updateTable("password_links")
        .set({ expires_at: new Date(Date.now() - 1000).toISOString() })
        .where("user_id", "=", u.id)
        .execute();
      const r = await api("POST", "/api/v1/auth/set-password", {
        token: null,
        json: { token: link.body.token, password: "exp-password" },
      });
      assert.equal(r.status, 400);
      assert.equal(r.body.error.code, "LINK_INVALID");
      assert.equal(await storedHash(u.id), null);
    });

    test("PUT /users/me/password: wrong current password, no password yet, short new password", async () => {
      const u = await newUser("mo");
      const none = await api("PUT", "/api/v1/users/me/password", {
        token: u.token,
        json: { current_password: "anything", new_password: "mo-password-1" },
      });
      assert.equal(none.status, 400);
      assert.match(none.body.error.message, /no password yet/);
      await api("PUT", `/api/v1/users/${u.id}/password`, { json: { password: "mo-password-1" } });
      const b = await BrowserSession.signIn(s.url, u.email, "mo-password-1");
      const wrong = await api("PUT", "/api/v1/users/me/password", {
        token: u.token,
        json: { current_password: "not-it-at-all", new_password: "mo-password-2" },
      });
      assert.equal(wrong.status, 400);
      assert.equal(wrong.body.error.code, "WRONG_PASSWORD");
      const short = await api("PUT", "/api/v1/users/me/password", {
        token: u.token,
        json: { current_password: "mo-password-1", new_password: "short" },
      });
      assert.equal(short.status, 400);
      assert.equal(short.body.error.details.field, "new_password");
      const ok = await api("PUT", "/api/v1/users/me/password", {
        token: u.token,
        json: { current_password: "mo-password-1", new_password: "mo-password-2" },
      });
      assert.equal(ok.status, 204);
      assert.equal(ok.headers.get("set-cookie"), null, "a bearer caller gets no session");
      assert.equal((await b.call("GET", "/api/v1/users/me")).status, 401, "sessions ended");
      passwords.push("mo-password-1", "mo-password-2");
    });

    test("wrong current passwords count towards the sign-in limit", async () => {
      const u = await newUser("guesser");
      await api("PUT", `/api/v1/users/${u.id}/password`, { json: { password: "guesser-password" } });
      for (let i = 0; i < 5; i++) {
        const r = await api("PUT", "/api/v1/users/me/password", {
          token: u.token,
          json: { current_password: `guess-${i}-guess`, new_password: "new-password-1" },
        });
        assert.equal(r.status, 400);
      }
      const limited = await api("PUT", "/api/v1/users/me/password", {
        token: u.token,
        json: { current_password: "guesser-password", new_password: "new-password-1" },
      });
      assert.equal(limited.status, 429);
      assert.equal(limited.body.error.code, "TOO_MANY_ATTEMPTS");
      assert.equal((await signIn(s.url, u.email, "guesser-password")).status, 429);
    });

    test("the hash is in no answer and, like the passwords, in no log line", async () => {
      const u = await newUser("seen");
      await api("PUT", `/api/v1/users/${u.id}/password`, { json: { password: "seen-password" } });
      passwords.push("seen-password");
      const hash = (await storedHash(u.id))!;
      const b = await BrowserSession.signIn(s.url, u.email, "seen-password");
      for (const path of ["/api/v1/users", `/api/v1/users/${u.id}`, "/api/v1/users/me", "/api/v1/auth/session"]) {
        const r = await b.call("GET", path);
        assert.equal(r.status, 200, path);
        answers.push(JSON.stringify(r.body));
      }
      answers.push(JSON.stringify((await signIn(s.url, u.email, "seen-password")).body));
      answers.push(JSON.stringify((await b.call("PATCH", "/api/v1/users/me", { json: { name: "Seen" } })).body));
      const all = answers.join("\n");
      assert.ok(!all.includes(hash) && !all.includes("scrypt"), "a hash reached an answer");
      const log = logs.lines.map((l) => JSON.stringify(l)).join("\n");
      assert.ok(!log.includes("scrypt"), "a hash reached the log");
      for (const p of passwords) assert.ok(!log.includes(p), "a password reached the log");
      assert.ok(logs.lines.some((l) => l.event === "password_link_used" && /^usr_/.test(l.user_id)));
    });
  });
}

describe("the bootstrap administrator's password", () => {
  test("SCAIDRIVE_ADMIN_PASSWORD is the admin's password; a generated one otherwise, once", async () => {
    const configured = await startTestServer({ config: { adminPassword: "configured-admin-pw" } });
    try {
      assert.equal(configured.built.bootstrap.generatedPassword, undefined);
      assert.equal((await signIn(configured.url, "admin@localhost", "configured-admin-pw")).status, 200);
    } finally {
      await configured.close();
    }
    const first = await startTestServer();
    const generated = first.built.bootstrap.generatedPassword!;
    assert.match(generated, /^[A-Za-z0-9_-]{24}$/);
    await first.close({ keepData: true });
    const second = await startTestServer({ dataDir: first.dataDir, config: { adminPassword: "ignored-now-pw" } });
    try {
      assert.equal(second.built.bootstrap.generatedPassword, undefined, "generated on the creating start only");
      assert.equal((await signIn(second.url, "admin@localhost", generated)).status, 200, "an existing one stays");
      assert.equal((await signIn(second.url, "admin@localhost", "ignored-now-pw")).status, 401);
      // An admin without a password (a data dir from before passwords) gets the configured one.
      await second.built.context.db.updateTable("users").set({ password_hash: null }).execute();
    } finally {
      await second.close({ keepData: true });
    }
    const third = await startTestServer({ dataDir: first.dataDir, config: { adminPassword: "set-later-password" } });
    try {
      assert.equal((await signIn(third.url, "admin@localhost", "set-later-password")).status, 200);
    } finally {
      await third.close();
      const { rmSync } = await import("node:fs");
      rmSync(first.dataDir, { recursive: true, force: true });
    }
  });

  test("a SCAIDRIVE_ADMIN_PASSWORD under 8 characters stops the start with a message naming it", async () => {
    await assert.rejects(startTestServer({ config: { adminPassword: "short" } }), (err: Error) =>
      /SCAIDRIVE_ADMIN_PASSWORD must be 8 to 1024 characters/.test(err.message),
    );
  });
});
