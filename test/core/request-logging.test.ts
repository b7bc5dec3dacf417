import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { Writable } from "node:stream";
import pino from "pino";
import { buildApp } from "../../src/server/app.js";
import { loadConfig } from "../../src/server/config.js";
import { makeTempDir } from "../harness/temp-dir.js";

describe("request logging", () => {
  test("one line per request with id, route, status and duration; tokens never appear", async () => {
    const dir = makeTempDir("logging");
    const lines: any[] = [];
    const sink = new Writable({
      write(chunk, _enc, cb) {
        for (const l of chunk.toString().split("\n")) if (l.trim()) lines.push(JSON.parse(l));
        cb();
      },
    });
    const token = "log-test-admin-token-0123456789";
    const built = await buildApp(
      { ...loadConfig({}), dataDir: dir.path, adminToken: token, port: 0 },
      { logger: pino({ level: "info" }, sink), coreOnly: true },
    );
    try {
      await built.app.listen({ port: 0, host: "127.0.0.1" });
      const addr = built.app.server.address();
      const url = `http://127.0.0.1:${typeof addr === "object" && addr ? addr.port : 0}`;
      const ok = await fetch(`${url}/api/v1/users?limit=5`, { headers: { authorization: `Bearer ${token}` } });
      assert.equal(ok.status, 200);
      const bad = await fetch(`${url}/api/v1/users`, { headers: { authorization: "Bearer wrong-token-xyz" } });
      assert.equal(bad.status, 401);
      await built.app.close();
      const requests = lines.filter((l) => l.msg === "request");
      assert.equal(requests.length, 2);
      const [first, second] = requests;
      assert.equal(first.route, "/api/v1/users");
      assert.equal(first.method, "GET");
      assert.equal(first.status, 200);
      assert.equal(typeof first.duration_ms, "number");
      assert.equal(first.req_id, ok.headers.get("x-request-id"));
      assert.equal(first.user_id, built.bootstrap.admin.id);
      assert.equal(second.status, 401);
      const all = lines.map((l) => JSON.stringify(l)).join("\n");
      assert.ok(!all.includes(token), "admin token logged");
      assert.ok(!all.includes("wrong-token-xyz"), "presented token logged");
      assert.ok(!/authorization/i.test(all));
    } finally {
      await built.close();
      dir.remove();
    }
  });
});
