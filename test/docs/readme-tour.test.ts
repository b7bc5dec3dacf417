/**
 * The README's shell commands work as written: every ```sh block, in order, against a freshly
 * started ScaiDrive (a child process on a free port with a temp data dir, as `npm start` runs it),
 * each exiting 0 with no HTTP error. Blocks marked `<!-- tour:skip reason -->` are reported as
 * skipped with their reason. Also: the README and docs/ use one set of variables, and their links
 * lead somewhere.
 */
import { test, describe, before, after } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readFileSync, readdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { startScaidriveProcess, type ScaidriveProcess } from "../harness/scaidrive-process.js";
import { makeTempDir, type TempDir } from "../harness/temp-dir.js";
import { headingSlug, runShellTour, shellBlocks, type BlockResult } from "./shell-tour.js";
import { REPO_ROOT } from "../harness/repo-paths.js";

const root = REPO_ROOT;
const readme = readFileSync(join(root, "README.md"), "utf8");
const blocks = shellBlocks(readme);
const pages = [
  "README.md",
  ...readdirSync(join(root, "docs"))
    .filter((f) => f.endsWith(".md"))
    .map((f) => `docs/${f}`),
];

describe("the README tour, run against a fresh server", () => {
  let server: ScaidriveProcess;
  let work: TempDir;
  let results: Map<number, BlockResult>;

  before(async () => {
    server = await startScaidriveProcess();
    work = makeTempDir("readme-tour");
    results = await runShellTour(blocks, {
      cwd: work.path,
      env: { SD: `${server.url}/api/v1`, TOKEN: server.adminToken },
    });
  });
  after(async () => {
    await server?.stop();
    work?.remove();
  });

  test("the README has a tour", () => {
    assert.ok(blocks.filter((b) => !b.skip).length >= 5, `${blocks.length} sh blocks`);
  });

  for (const b of blocks) {
    const first = b.code.split("\n").find((l) => l.trim() !== "") ?? "";
    test(
      `block ${b.n} (README.md line ${b.line}): ${first.slice(0, 60)}`,
      { skip: b.skip ? `tour:skip — ${b.skip}` : false },
      () => {
        const r = results.get(b.n);
        assert.ok(r?.ok, `block ${b.n} failed:\n${b.code}\n--- output ---\n${r?.output}`);
      },
    );
  }
});

describe("README and docs", () => {
  test("use the tour's variables ($SD, $H) in their shell examples", () => {
    const problems: string[] = [];
    for (const page of pages) {
      for (const b of shellBlocks(readFileSync(join(root, page), "utf8"))) {
        for (const stale of ["$API", "$AUTH", "$SCAIDRIVE_URL", "$SCAIDRIVE_TOKEN"]) {
          if (b.code.includes(stale)) problems.push(`${page} line ${b.line}: ${stale}`);
        }
        if (/curl[^\n]*\/api\/v1/.test(b.code))
          problems.push(`${page} line ${b.line}: spells out ` + `/api/v1 instead of $SD`);
      }
    }
    assert.deepEqual(problems, []);
  });

  test("links between them lead to existing pages and headings; nothing points at a spec/ folder", () => {
    const problems: string[] = [];
    for (const page of pages) {
      const text = readFileSync(join(root, page), "utf8");
      if (/\bspec\//.test(text)) problems.push(`${page} mentions spec/`);
      for (const [, target] of text.matchAll(/\]\(([^)\s]+)\)/g)) {
        if (/^[a-z]+:/.test(target!)) continue;
        const [file, anchor] = target!.split("#");
        const path = file ? join(root, dirname(page), file) : join(root, page);
        if (!existsSync(path)) {
          problems.push(`${page}: ${target} does not exist`);
          continue;
        }
        if (anchor && path.endsWith(".md")) {
          const slugs = [...readFileSync(path, "utf8").matchAll(/^#+\s+(.+)$/gm)].map((m) => headingSlug(m[1]!));
          if (!slugs.includes(anchor)) problems.push(`${page}: ${target} names no heading`);
        }
      }
    }
    assert.deepEqual(problems, []);
    for (const doc of ["smb-connector", "sharepoint-connector", "mounts", "push-pull", "permissions", "deployment"]) {
      assert.ok(readme.includes(`(docs/${doc}.md)`), `README links docs/${doc}.md`);
    }
  });

  test("the README's two commands come first", () => {
    assert.match(blocks[0]!.code, /^npm ci && npm start\b.*\nnpm ci && npm test\b/);
    assert.match(readme, /npm test[^.]*installs system packages[\s\S]{0,400}root/);
  });
});
