/**
 * Runs the shell examples of a Markdown page as a reader would: every fenced ```sh block, in
 * order, in one bash session (variables carry from block to block), with `set -e -o pipefail`.
 * curl is made to fail on HTTP errors (`fail-with-body` in a curlrc the session uses), so a block
 * that exits 0 also got no error answer.
 *
 * A block preceded by `<!-- tour:skip <reason> -->` (blank lines may come between) is not run;
 * the reason is reported with the skipped test.
 */
import { spawn } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";

export interface ShellBlock {
  /** 1-based position among the page's sh blocks. */
  n: number;
  /** Line of the opening fence. */
  line: number;
  code: string;
  /** Why the block is not run, when it is marked `tour:skip`. */
  skip?: string;
}

export interface BlockResult {
  ok: boolean;
  /** What the block printed (stdout), and for a failed one also the session's stderr. */
  output: string;
}

const FENCE = /^```(\w*)\s*$/;
const SKIP = /^<!--\s*tour:skip\s+(.+?)\s*-->$/;

/** The page's ```sh blocks with their line numbers and skip marks. */
export function shellBlocks(markdown: string): ShellBlock[] {
  const lines = markdown.split("\n");
  const blocks: ShellBlock[] = [];
  let pendingSkip: string | undefined;
  for (let i = 0; i < lines.length; i++) {
    const text = lines[i]!;
    const skip = SKIP.exec(text.trim());
    if (skip) {
      pendingSkip = skip[1];
      continue;
    }
    const fence = FENCE.exec(text);
    if (!fence) {
      if (text.trim() !== "") pendingSkip = undefined;
      continue;
    }
    const start = i;
    const body: string[] = [];
    for (i++; i < lines.length && !/^```\s*$/.test(lines[i]!); i++) body.push(lines[i]!);
    if (fence[1] === "sh")
      blocks.push({ n: blocks.length + 1, line: start + 1, code: body.join("\n"), skip: pendingSkip });
    pendingSkip = undefined;
  }
  return blocks;
}

/**
 * Runs the blocks not marked skip in one bash session in `cwd` with `env` (plus `CURL_HOME`, whose
 * curlrc is written into `cwd`). Resolves with each run block's result by its `n`.
 */
export async function runShellTour(
  blocks: readonly ShellBlock[],
  o: { cwd: string; env: Record<string, string>; timeoutMs?: number },
): Promise<Map<number, BlockResult>> {
  writeFileSync(join(o.cwd, ".curlrc"), "fail-with-body\nshow-error\n");
  const run = blocks.filter((b) => !b.skip);
  const script = [
    "set -eE -o pipefail",
    "trap 'echo \"__TOUR_FAILED__ block ${__tour_block:-?}: ${BASH_COMMAND}\" >&2' ERR",
    // Markers start on a line of their own even after output without a final newline (a Range download).
    ...run.flatMap((b) => [
      `__tour_block=${b.n}`,
      `printf '\\n__TOUR_START__ ${b.n}\\n'`,
      b.code,
      `printf '\\n__TOUR_OK__ ${b.n}\\n'`,
    ]),
  ].join("\n");
  const child = spawn("bash", ["-c", script], {
    cwd: o.cwd,
    env: { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: process.env.HOME ?? o.cwd, ...o.env, CURL_HOME: o.cwd },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
  child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
  const timer = setTimeout(() => child.kill("SIGKILL"), o.timeoutMs ?? 120_000);
  await new Promise<void>((resolve) => child.once("close", () => resolve()));
  clearTimeout(timer);

  const results = new Map<number, BlockResult>();
  let current: number | undefined;
  let buffer: string[] = [];
  for (const line of stdout.split("\n")) {
    const start = /^__TOUR_START__ (\d+)$/.exec(line);
    const ok = /^__TOUR_OK__ (\d+)$/.exec(line);
    if (start) {
      current = Number(start[1]);
      buffer = [];
    } else if (ok && Number(ok[1]) === current) {
      results.set(current, { ok: true, output: buffer.join("\n") });
      current = undefined;
    } else if (current !== undefined) {
      buffer.push(line);
    }
  }
  for (const b of run) {
    if (!results.has(b.n))
      results.set(b.n, {
        ok: false,
        output: `${b.n === current ? buffer.join("\n") : "(not reached)"}\n--- stderr ---\n${stderr}`,
      });
  }
  return results;
}

/** GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens. */
export function headingSlug(heading: string): string {
  return heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s_-]/gu, "")
    .replace(/\s/g, "-");
}
