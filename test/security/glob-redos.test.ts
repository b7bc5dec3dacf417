/**
 * Glob patterns that made the backtracking RegExp compiler run for ages (ReDoS): `*a*a*a*a*ab`
 * against 200 `a`s took ~19 s, and every further `*a` multiplies that by ~40. The matcher now
 * finishes each of them at once.
 *
 * A synchronous call that never returns also stops the test's own timers, so the matching runs in
 * a worker thread: the main thread stays free and each test's `timeout` is a real hang bound.
 */
import { afterEach, beforeEach, describe, test } from "node:test";
import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { Worker } from "node:worker_threads";
import { COMPILED } from "../harness/repo-paths.js";

// Module loader hooks do not reach worker threads on Node 20; tsx's require hook does.
const WORKER_SOURCE = `
const { parentPort, workerData } = require("node:worker_threads");
const { require: tsxRequire } = require("tsx/cjs/api");
const { compileGlob } = tsxRequire(workerData.module, workerData.module);
parentPort.on("message", ({ id, pattern, subject, caseInsensitive }) => {
  parentPort.postMessage({ id, matched: compileGlob(pattern, { caseInsensitive }).test(subject) });
});
parentPort.postMessage({ ready: true });
`;

describe("glob patterns cannot stall the server (ReDoS)", () => {
  // A fresh worker per test (started outside the test's timeout), so one stuck match cannot
  // take the following tests with it.
  let worker: Worker;
  let nextId = 0;
  const pending = new Map<number, (matched: boolean) => void>();

  beforeEach(async () => {
    worker = new Worker(WORKER_SOURCE, {
      eval: true,
      workerData: {
        module: fileURLToPath(new URL(`../../src/sync/glob-match.${COMPILED ? "js" : "ts"}`, import.meta.url)),
      },
    });
    worker.unref();
    await new Promise<void>((resolve, reject) => {
      worker.once("error", reject);
      worker.on("message", (m: { ready?: boolean; id?: number; matched?: boolean }) => {
        if (m.ready) resolve();
        else pending.get(m.id!)?.(m.matched!);
      });
    });
  });
  afterEach(async () => {
    await worker?.terminate();
  });

  const match = (pattern: string, subject: string, caseInsensitive = false) =>
    new Promise<boolean>((resolve) => {
      const id = nextId++;
      pending.set(id, resolve);
      worker.postMessage({ id, pattern, subject, caseInsensitive });
    });

  const a = (n: number) => "a".repeat(n);
  const cases: Array<[string, string, string, boolean]> = [
    ["9 stars, 200 characters", "*a*a*a*a*a*a*a*a*ab", a(200), false],
    ["9 stars, 5000 characters", "*a*a*a*a*a*a*a*a*ab", a(5000), false],
    ["9 stars, case-insensitive", "*a*a*a*a*a*a*a*a*ab", a(200).toUpperCase(), true],
    ["**-heavy", "**a**a**a**a**a**a**ab", a(2000), false],
    ["** followed by / heavy", "**/a**/a**/a**/a**/a**/ab", `${"a/".repeat(1000)}a`, false],
    ["? and classes", "*[a]?*[!b]?*[^b]?*[a-c]?*a?*?ab", a(2000), false],
    ["classes, case-insensitive", "*[A-C]*[!B]*[a]*[a]*[a]*[a]*[a]*ab", a(2000), true],
  ];
  for (const [what, pattern, subject, caseInsensitive] of cases) {
    test(`${what}: ${pattern} finishes and does not match`, { timeout: 5_000 }, async () => {
      assert.equal(await match(pattern, subject, caseInsensitive), false);
    });
  }

  test("the same shapes still match where they should", { timeout: 5_000 }, async () => {
    assert.equal(await match("*a*a*a*a*a*a*a*a*ab", `${a(200)}b`), true);
    assert.equal(await match("**a**a**a**a**a**a**ab", `${"a/".repeat(100)}ab`), true);
    assert.equal(await match("*[a]?*[!b]?*[^b]?*[a-c]?*a?*?ab", `${a(200)}b`), true);
  });
});
