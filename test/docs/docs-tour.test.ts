/**
 * The shell examples of the SMB connector, mount and push/pull pages work as written, against a
 * fresh ScaiDrive (child process) and the test harness's smbd. Each page runs in its own shell
 * with the variables it says it continues from (`$SD`, `$H`, `$USER_ID`; `$SHARE` and `$CNN` for
 * the pages that start from an existing SMB connector). The SMB page's example server, port,
 * domain, account and password are replaced by the harness's; the test checks they are still
 * spelled as it expects, so the page and the test cannot drift apart silently.
 */
import { test, describe, before, after } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { startSamba, type SambaInstance } from "../harness/samba.js";
import { startScaidriveProcess, type ScaidriveProcess } from "../harness/scaidrive-process.js";
import { makeTempDir, type TempDir } from "../harness/temp-dir.js";
import { putOnSmb } from "../mounts/mount-test-kit.js";
import { runShellTour, shellBlocks, type BlockResult, type ShellBlock } from "./shell-tour.js";
import { REPO_ROOT } from "../harness/repo-paths.js";

const root = REPO_ROOT;
const SMB_SHARE = "Finance";

interface Page {
  file: string;
  blocks: ShellBlock[];
  /** Extra variables the page continues from, made by the test before it runs. */
  needsConnector: boolean;
}

const pages: Page[] = [
  { file: "docs/smb-connector.md", needsConnector: false },
  { file: "docs/mounts.md", needsConnector: true },
  { file: "docs/push-pull.md", needsConnector: true },
].map((p) => ({ ...p, blocks: shellBlocks(readFileSync(join(root, p.file), "utf8")) }));

/** The SMB page's example values → the harness's. */
function smbExample(samba: SambaInstance): [string, string][] {
  return [
    ["fs01.corp.example.com", samba.host],
    ['"server_port": 445', `"server_port": ${samba.port}`],
    ['"domain": "CORP"', `"domain": "${samba.domain}"`],
    ['"username": "scaidrive-svc"', `"username": "${samba.username}"`],
    ['"password": "<secret>"', `"password": "${samba.password}"`],
  ];
}

describe("the SMB, mount and push/pull pages, run against a fresh server and smbd", () => {
  let samba: SambaInstance;
  let server: ScaidriveProcess;
  let work: TempDir;
  const results = new Map<string, Map<number, BlockResult>>();

  before(async () => {
    samba = await startSamba({ shares: { [SMB_SHARE]: {} } });
    putOnSmb(samba, SMB_SHARE, "2026/budget.txt", "budget");
    putOnSmb(samba, SMB_SHARE, "2026/Q1/report.txt", "report");
    putOnSmb(samba, SMB_SHARE, "Projects/2026/plan.txt", "plan");
    putOnSmb(samba, SMB_SHARE, "inbox/scan-1.txt", "scan one");
    putOnSmb(samba, SMB_SHARE, "inbox/scan-2.txt", "scan two");
    server = await startScaidriveProcess();
    work = makeTempDir("docs-tour");
    const userId = (await server.api("POST", "/api/v1/users", { json: { email: "alice@example.com", name: "Alice" } }))
      .body.id;
    const base = {
      SD: `${server.url}/api/v1`,
      TOKEN: server.adminToken,
      H: `Authorization: ` + `Bearer ${server.adminToken}`,
      USER_ID: userId,
    };
    for (const page of pages) {
      const env: Record<string, string> = { ...base };
      if (page.needsConnector) {
        env.SHARE = (
          await server.api("POST", "/api/v1/shares", { json: { name: page.file.replace(/\W/g, " ").trim() } })
        ).body.id;
        const c = await server.api("POST", "/api/v1/smb-connectors", {
          json: {
            name: "Fileserver",
            server_host: samba.host,
            server_port: samba.port,
            share_name: SMB_SHARE,
            domain: samba.domain,
            username: samba.username,
            password: samba.password,
            target_share_id: env.SHARE,
            target_path: "/synced",
          },
        });
        assert.equal(c.status, 201, JSON.stringify(c.body));
        env.CNN = c.body.id;
      }
      const blocks = page.blocks.map((b) => ({
        ...b,
        code: smbExample(samba).reduce((code, [from, to]) => code.split(from).join(to), b.code),
      }));
      const dir = join(work.path, page.file.replace(/\W/g, "-"));
      mkdirSync(dir);
      results.set(page.file, await runShellTour(blocks, { cwd: dir, env }));
    }
  });
  after(async () => {
    await server?.stop();
    await samba?.stop();
    work?.remove();
  });

  test("the SMB page still spells the example values the test replaces", () => {
    const text = readFileSync(join(root, "docs/smb-connector.md"), "utf8");
    for (const [from] of smbExample({
      host: "",
      port: 0,
      domain: "",
      username: "",
      password: "",
    } as unknown as SambaInstance)) {
      assert.ok(text.includes(from), from);
    }
  });

  for (const page of pages) {
    for (const b of page.blocks) {
      const first = b.code.split("\n").find((l) => l.trim() !== "") ?? "";
      test(
        `${page.file} block ${b.n} (line ${b.line}): ${first.slice(0, 50)}`,
        { skip: b.skip ? `tour:skip — ${b.skip}` : false },
        () => {
          const r = results.get(page.file)?.get(b.n);
          assert.ok(r?.ok, `${page.file} block ${b.n} failed:\n${b.code}\n--- output ---\n${r?.output}`);
        },
      );
    }
  }
});
