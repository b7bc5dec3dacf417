#!/usr/bin/env node
// Runs shell commands side by side and fails if any fails: `node scripts/run-parallel.mjs "cmd a" "cmd b"`.
// `npm test` runs its type check and build next to the lint this way: each is mostly one thread, and on
// 2 cores the pair takes the time of the longer one. Each command's output is printed whole when it ends,
// so the two never interleave.
import { Buffer } from "node:buffer";
import { spawn } from "node:child_process";

const commands = process.argv.slice(2);
if (commands.length === 0) {
  console.error('usage: node scripts/run-parallel.mjs "command" ["command" ...]');
  process.exit(2);
}

function run(command) {
  return new Promise((resolve) => {
    const child = spawn(command, { shell: true, stdio: ["ignore", "pipe", "pipe"] });
    const chunks = [];
    child.stdout.on("data", (d) => chunks.push(d));
    child.stderr.on("data", (d) => chunks.push(d));
    child.on("error", (err) => chunks.push(Buffer.from(`${err.message}\n`)));
    child.on("close", (code, signal) => {
      const status = code ?? 1;
      process.stdout.write(`\n> ${command}${status === 0 ? "" : ` — failed (${signal ?? `exit ${status}`})`}\n`);
      process.stdout.write(Buffer.concat(chunks));
      resolve(status);
    });
  });
}

const statuses = await Promise.all(commands.map(run));
process.exit(statuses.some((s) => s !== 0) ? 1 : 0);
