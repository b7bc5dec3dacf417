/**
 * `scaidrive serve --role all|api|worker` (or SCAIDRIVE_ROLE): the value is checked at start-up
 * (a bad one or a cluster role without PostgreSQL is a clear error and exit code 1, like other CLI
 * errors), and the node's random id and role appear in the "ScaiDrive listening" log line and in
 * the health answer.
 */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { execFile, spawn } from "node:child_process";
import { promisify } from "node:util";
import { setTimeout as delay } from "node:timers/promises";
import { loadConfig } from "../../src/server/config.js";
import { positiveMsFromEnv } from "../../src/server/sync-engine-assembly.js";
import { freePort } from "../harness/free-port.js";
import { makeTempDir } from "../harness/temp-dir.js";
import { cliArgs } from "../harness/repo-paths.js";

const run = promisify(execFile);
const PG = { SCAIDRIVE_DATABASE_URL: "postgres://postgres@127.0.0.1:5432/test" };

async function failingServe(args: string[], env: Record<string, string>): Promise<{ code: number; stderr: string }> {
  try {
    await run(process.execPath, [...cliArgs(), "serve", ...args], {
      env: { ...process.env, ...env },
      timeout: 60_000,
    });
  } catch (err) {
    const e = err as { code: number; stderr: string };
    return { code: e.code, stderr: e.stderr };
  }
  assert.fail("serve should have exited with an error");
}

describe("serve --role", () => {
  test("SCAIDRIVE_ROLE: all by default, api and worker need PostgreSQL, anything else is refused", () => {
    assert.equal(loadConfig({}).role, "all");
    assert.equal(loadConfig({ ...PG, SCAIDRIVE_ROLE: "api" }).role, "api");
    assert.equal(loadConfig({ ...PG, SCAIDRIVE_ROLE: "worker" }).role, "worker");
    assert.throws(
      () => loadConfig({ ...PG, SCAIDRIVE_ROLE: "boss" }),
      /SCAIDRIVE_ROLE must be one of all, api, worker/,
    );
    assert.throws(() => loadConfig({ SCAIDRIVE_ROLE: "worker" }), /SCAIDRIVE_ROLE=worker needs SCAIDRIVE_DATABASE_URL/);
  });

  test("the scheduler's tick and lease periods are positive milliseconds; anything else is refused", () => {
    for (const name of ["SCAIDRIVE_SCHEDULER_TICK_MS", "SCAIDRIVE_SCHEDULER_LEASE_MS"]) {
      assert.equal(positiveMsFromEnv(name, {}), undefined);
      assert.equal(positiveMsFromEnv(name, { [name]: "1500" }), 1500);
      for (const bad of ["0", "-1", "2.5", "soon"])
        assert.throws(() => positiveMsFromEnv(name, { [name]: bad }), new RegExp(`${name} must be a positive integer`));
    }
  });

  test("a bad --role, or a worker without PostgreSQL, stops serve with exit code 1 and says why", async () => {
    const dir = makeTempDir("role");
    try {
      const bad = await failingServe(["--role", "leader"], { SCAIDRIVE_DATA_DIR: dir.path });
      assert.equal(bad.code, 1);
      assert.match(bad.stderr, /^scaidrive: --role must be one of all, api, worker, got "leader"/);
      const sqlite = await failingServe(["--role=worker"], {
        SCAIDRIVE_DATA_DIR: dir.path,
        SCAIDRIVE_DATABASE_URL: "",
      });
      assert.equal(sqlite.code, 1);
      assert.match(sqlite.stderr, /SCAIDRIVE_ROLE=worker needs SCAIDRIVE_DATABASE_URL/);
    } finally {
      dir.remove();
    }
  });

  test("the node id and role are in the start log line and the health answer", { timeout: 120_000 }, async () => {
    const dir = makeTempDir("role");
    const port = await freePort();
    const child = spawn(process.execPath, [...cliArgs(), "serve", "--role", "all"], {
      env: {
        ...process.env,
        SCAIDRIVE_DATA_DIR: dir.path,
        SCAIDRIVE_ADMIN_TOKEN: "role-test-token-0123456789",
        SCAIDRIVE_ROLE: "",
        PORT: String(port),
        HOST: "127.0.0.1",
        LOG_LEVEL: "info",
      },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    const exited = new Promise((r) => child.on("exit", r));
    try {
      let listening: any;
      for (let i = 0; i < 600 && !listening; i++) {
        const line = stdout.split("\n").find((l) => l.includes('"ScaiDrive listening"'));
        if (line) listening = JSON.parse(line);
        else await delay(100);
      }
      assert.ok(listening, `no start line: ${stdout}`);
      assert.match(listening.node_id, /^node_[0-9a-f]{12}$/);
      assert.equal(listening.role, "all");
      const health = (await (await fetch(`http://127.0.0.1:${port}/api/v1/health`)).json()) as any;
      assert.equal(health.node_id, listening.node_id);
      assert.equal(health.role, "all");
    } finally {
      child.kill("SIGTERM");
      await exited;
      dir.remove();
    }
  });
});
