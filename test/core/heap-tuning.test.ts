import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { readFileSync } from "node:fs";
import { promisify } from "node:util";
import { SERVER_NODE_FLAGS } from "../../src/cli/heap-tuning.js";
import { makeTempDir } from "../harness/temp-dir.js";
import { cliArgs } from "../harness/repo-paths.js";

const run = promisify(execFile);

describe("server heap tuning", () => {
  test("npm start passes the server's node flags", () => {
    const start: string = JSON.parse(readFileSync("package.json", "utf8")).scripts.start;
    const [node, ...rest] = start.split(/\s+/);
    assert.equal(node, "node");
    const entry = rest.findIndex((a) => !a.startsWith("--"));
    assert.deepEqual(rest.slice(0, entry), [...SERVER_NODE_FLAGS]);
  });

  test("a malformed SCAIDRIVE_HEAP_GROWING_PERCENT stops serve with a message naming it", async () => {
    const dir = makeTempDir("heap-tuning");
    try {
      const r = await run(process.execPath, [...cliArgs(), "serve"], {
        env: { ...process.env, SCAIDRIVE_DATA_DIR: dir.path, PORT: "0", SCAIDRIVE_HEAP_GROWING_PERCENT: "lots" },
      }).then(
        () => assert.fail("serve started"),
        (err: { code: number; stderr: string }) => err,
      );
      assert.notEqual(r.code, 0);
      assert.match(r.stderr, /SCAIDRIVE_HEAP_GROWING_PERCENT must be an integer/);
    } finally {
      dir.remove();
    }
  });
});
