import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { execFile, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { createInterface } from "node:readline";
import { promisify } from "node:util";
import type { EmulatorInfo } from "./emulator.js";
import { sourcePath } from "../../harness/repo-paths.js";

const run = promisify(execFile);
const CLI = sourcePath(import.meta.url, "./cli.ts");

describe("emulator CLI", () => {
  test(
    "prints the info JSON first, serves HTTPS trusted through " +
      "NODE_EXTRA_CA_CERTS / --cacert, cleans up on SIGTERM",
    async () => {
      const child = spawn(process.execPath, ["--import", "tsx", CLI, "--port", "0"], {
        stdio: ["ignore", "pipe", "inherit"],
      });
      const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
      const killer = setTimeout(() => child.kill("SIGKILL"), 60_000);
      try {
        const lines = createInterface({ input: child.stdout! });
        const first = await new Promise<string>((resolve, reject) => {
          lines.once("line", resolve);
          child.once("exit", () => reject(new Error("the CLI exited before printing its info line")));
        });
        const info = JSON.parse(first) as EmulatorInfo;
        for (const key of [
          "graph_base_url",
          "authority_host",
          "ca_file",
          "tenant_id",
          "client_id",
          "client_secret",
          "site_id",
          "site_url",
          "drive_id",
          "users",
        ] as const) {
          assert.ok(info[key], key);
        }
        assert.equal(info.site_url, "https://contoso.sharepoint.com/sites/marketing");
        assert.deepEqual(
          info.users.map((u) => u.name),
          ["Alice Cooper", "Bob Stone"],
        );
        assert.ok(existsSync(info.ca_file));

        const curl = await run("curl", [
          "-s",
          "--cacert",
          info.ca_file,
          "-o",
          "/dev/null",
          "-w",
          "%{http_code}",
          `${info.graph_base_url}/v1.0/sites/${info.site_id}`,
        ]);
        assert.equal(curl.stdout, "401", "TLS verified by curl; Graph wants a token");

        // Another Node process trusts the run's CA through NODE_EXTRA_CA_CERTS and gets a token.
        const script = `
        const r = await fetch(process.argv[1] + "/" + process.argv[2] + "/oauth2/v2.0/token", { method: "POST",
          headers: { "content-type": "application/x-www-form-urlencoded" },
          body: new URLSearchParams({ grant_type: "client_credentials", client_id: process.argv[3], client_secret: process.argv[4], scope: "https://graph.microsoft.com/.default" }) });
        const t = await r.json();
        const g = await fetch(process.argv[1] + "/v1.0/drives/" + process.argv[5] + "/root", { headers: { authorization: "Bearer " + t.access_token } });
        console.log(g.status);`;
        const node = await run(
          process.execPath,
          [
            "--input-type=module",
            "-e",
            script,
            info.authority_host,
            info.tenant_id,
            info.client_id,
            info.client_secret,
            info.drive_id,
          ],
          {
            env: { ...process.env, NODE_EXTRA_CA_CERTS: info.ca_file },
          },
        );
        assert.equal(node.stdout.trim(), "200");

        child.kill("SIGTERM");
        assert.equal(await exited, 0);
        assert.equal(existsSync(info.ca_file), false, "TLS material removed on exit");
      } finally {
        clearTimeout(killer);
        if (child.exitCode === null) child.kill("SIGKILL");
      }
    },
  );
});
