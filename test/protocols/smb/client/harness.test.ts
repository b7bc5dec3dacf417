/**
 * The Samba harness itself: instances start, serve Samba's own tools on their own address, and
 * stop leaving no smbd / samba-dcerpcd / rpcd_* process and no temp dir behind — twice in a row.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readFileSync, readdirSync } from "node:fs";
import { dirname } from "node:path";
import { spawn } from "node:child_process";
import { startSamba } from "../../../harness/samba.js";
import { scriptArgs } from "../../../harness/repo-paths.js";

function processesMentioning(text: string): number[] {
  const out: number[] = [];
  for (const name of readdirSync("/proc")) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const cmd = readFileSync(`/proc/${name}/cmdline`, "utf8");
      const stat = readFileSync(`/proc/${name}/stat`, "utf8");
      if (cmd.includes(text) && stat.slice(stat.lastIndexOf(")") + 2)[0] !== "Z") out.push(Number(name));
    } catch {
      // raced with exit
    }
  }
  return out;
}

for (const round of [1, 2]) {
  test(`start, use with smbclient/smbcacls (RPC helpers started), stop cleanly — round ${round}`, async () => {
    const s = await startSamba({ ownAddress: true });
    const root = dirname(s.confPath);
    assert.notEqual(s.host, "127.0.0.1");
    assert.equal(s.port, 445);
    const ls = await s.run("smbclient", [`//${s.host}/share`, "-c", "mkdir made-by-smbclient; ls"]);
    assert.equal(ls.code, 0, ls.stderr);
    assert.match(ls.stdout, /made-by-smbclient/);
    assert.ok(existsSync(`${s.shares.share}/made-by-smbclient`));
    const acl = await s.run("smbcacls", [`//${s.host}/share`, "made-by-smbclient"]); // goes through LSA (samba-dcerpcd)
    assert.equal(acl.code, 0, acl.stderr);
    assert.match(acl.stdout, /OWNER:/);
    assert.ok(processesMentioning(s.confPath).length >= 1);
    await s.stop();
    assert.deepEqual(processesMentioning(s.confPath), []);
    assert.equal(existsSync(root), false);
  });
}

/** Runs harness-child.ts; resolves with its config path and exit once it is gone. */
function child(
  mode: "forget" | "wait",
  signal?: NodeJS.Signals,
): Promise<{ confPath: string; code: number | null; sig: NodeJS.Signals | null }> {
  return new Promise((resolve, reject) => {
    const c = spawn(process.execPath, [...scriptArgs(import.meta.url, "harness-child.ts"), mode], {
      stdio: ["ignore", "pipe", "inherit"],
    });
    let out = "";
    const timer = setTimeout(() => c.kill("SIGKILL"), 60_000);
    c.stdout.setEncoding("utf8").on("data", (d: string) => {
      out += d;
      if (signal && out.includes("smb.conf")) c.kill(signal);
    });
    c.once("error", reject);
    c.once("close", (code, sig) => {
      clearTimeout(timer);
      resolve({ confPath: out.trim(), code, sig });
    });
  });
}

for (const [mode, signal] of [
  ["forget", undefined],
  ["wait", "SIGTERM"],
  ["wait", "SIGINT"],
] as const) {
  test(
    `a test process that ${signal ? `dies of ${signal}` : "exits without stop()"} leaves no Samba ` +
      `process or temp dir`,
    async () => {
      const r = await child(mode, signal);
      assert.match(r.confPath, /smbt-.*smb\.conf$/);
      if (signal) assert.equal(r.sig, signal, "the harness re-raises the signal after cleaning up");
      else assert.equal(r.code, 0);
      assert.deepEqual(processesMentioning(r.confPath), []);
      assert.equal(existsSync(dirname(r.confPath)), false);
    },
  );
}
