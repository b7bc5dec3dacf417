import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { spawn, execFile } from "node:child_process";
import { promisify } from "node:util";
import { setTimeout as delay } from "node:timers/promises";
import { freePort } from "../harness/free-port.js";
import { signIn } from "../harness/session-client.js";
import { makeTempDir } from "../harness/temp-dir.js";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { cliArgs } from "../harness/repo-paths.js";

const run = promisify(execFile);

/** Starts `scaidrive serve`; resolves once /health answers. The caller stops it. */
async function serve(env: Record<string, string>) {
  const port = await freePort();
  const child = spawn(process.execPath, [...cliArgs(), "serve"], {
    env: { ...process.env, ...env, PORT: String(port), HOST: "127.0.0.1", LOG_LEVEL: "warn" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
  child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; ; i++) {
    if (child.exitCode !== null) assert.fail(`serve exited early: ${stderr}`);
    if (i > 600) {
      child.kill("SIGKILL");
      assert.fail(`serve did not come up: ${stderr}`);
    }
    try {
      if ((await fetch(`${url}/api/v1/health`)).ok) break;
    } catch {
      // not listening yet
    }
    await delay(100);
  }
  return {
    url,
    stdout: () => stdout,
    async stop(): Promise<number | null> {
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), 15_000);
      const code = await exited;
      clearTimeout(timer);
      return code;
    },
  };
}

describe("scaidrive CLI", () => {
  test(
    "serve prints a generated admin token and password once; token create works on the data dir",
    { timeout: 120_000 },
    async () => {
      const dir = makeTempDir("cli");
      try {
        const env = { SCAIDRIVE_DATA_DIR: dir.path, SCAIDRIVE_ADMIN_TOKEN: "" };
        const first = await serve(env);
        let adminToken: string;
        let adminPassword: string;
        try {
          const m = /Admin token \(shown once, store it now\): (\S+)/.exec(first.stdout());
          assert.ok(m, `no token printed: ${first.stdout()}`);
          adminToken = m[1];
          const users = await fetch(`${first.url}/api/v1/users`, {
            headers: { authorization: `Bearer ${adminToken}` },
          });
          assert.equal(users.status, 200);
          const body = (await users.json()) as any;
          assert.equal(body.items[0].email, "admin@localhost");
          assert.equal(body.items[0].is_admin, true);
          const pw = /Admin password \(shown once, store it now\): (\S+)/.exec(first.stdout());
          assert.ok(pw, `no password printed: ${first.stdout()}`);
          adminPassword = pw[1];
          assert.equal((await signIn(first.url, "admin@localhost", adminPassword)).status, 200);
        } finally {
          assert.equal(await first.stop(), 0);
        }

        const { stdout } = await run(process.execPath, [
          ...cliArgs(),
          "token",
          "create",
          "--user",
          "admin@localhost",
          "--name",
          "ci",
          "--data-dir",
          dir.path,
        ]);
        const cliToken = stdout.trim();
        assert.match(cliToken, /^sdt_[A-Za-z0-9_-]{43}$/);
        await assert.rejects(
          run(process.execPath, [
            ...cliArgs(),
            "token",
            "create",
            "--user",
            "nobody@example.com",
            "--data-dir",
            dir.path,
          ]),
          (err: { stderr: string }) =>
            err.stderr.includes(`user nobody@example.com not found in the data dir ${dir.path}`),
        );
        // SCAIDRIVE_DATA_DIR is honoured like --data-dir.
        const viaEnv = await run(process.execPath, [...cliArgs(), "token", "create", "--user", "admin@localhost"], {
          env: { ...process.env, SCAIDRIVE_DATA_DIR: dir.path },
        });
        assert.match(viaEnv.stdout.trim(), /^sdt_/);
        // A data dir without a database is named in the error and left without one.
        const empty = makeTempDir("cli-empty");
        try {
          await assert.rejects(
            run(process.execPath, [
              ...cliArgs(),
              "token",
              "create",
              "--user",
              "admin@localhost",
              "--data-dir",
              empty.path,
            ]),
            (err: { stderr: string }) => err.stderr.includes(`no ScaiDrive database in ${empty.path}`),
          );
          assert.equal(
            existsSync(join(empty.path, "scaidrive.db")),
            false,
            "a read of a wrong dir creates no database",
          );
        } finally {
          empty.remove();
        }

        const second = await serve(env);
        try {
          assert.doesNotMatch(second.stdout(), /Admin token|Admin password/);
          assert.equal((await signIn(second.url, "admin@localhost", adminPassword)).status, 200);
          for (const t of [adminToken, cliToken]) {
            const r = await fetch(`${second.url}/api/v1/shares`, { headers: { authorization: `Bearer ${t}` } });
            assert.equal(r.status, 200);
          }
        } finally {
          assert.equal(await second.stop(), 0);
        }
      } finally {
        dir.remove();
      }
    },
  );

  test(
    "SCAIDRIVE_ADMIN_TOKEN and SCAIDRIVE_ADMIN_PASSWORD are the admin's and are not printed",
    { timeout: 120_000 },
    async () => {
      const dir = makeTempDir("cli-env");
      const token = "env-admin-token-0123456789abcdef";
      const password = "env-admin-password";
      try {
        const srv = await serve({
          SCAIDRIVE_DATA_DIR: dir.path,
          SCAIDRIVE_ADMIN_TOKEN: token,
          SCAIDRIVE_ADMIN_PASSWORD: password,
        });
        try {
          assert.doesNotMatch(srv.stdout(), /Admin token|Admin password|created/);
          assert.ok(!srv.stdout().includes(password));
          const r = await fetch(`${srv.url}/api/v1/users`, { headers: { authorization: `Bearer ${token}` } });
          assert.equal(r.status, 200);
          assert.equal((await signIn(srv.url, "admin@localhost", password)).status, 200);
        } finally {
          assert.equal(await srv.stop(), 0);
        }
      } finally {
        dir.remove();
      }
    },
  );

  test("unknown command prints usage and fails", async () => {
    await assert.rejects(
      run(process.execPath, [...cliArgs(), "frobnicate"]),
      (err: any) => err.code === 2 && /usage/.test(err.stderr),
    );
  });
});
