import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { QuickXorHash, quickXorHashOf } from "./content/quick-xor-hash.js";

// Known answers published with rclone's OneDrive backend (input and digest in base64).
const VECTORS: Array<[string, string]> = [
  ["", "AAAAAAAAAAAAAAAAAAAAAAAAAAA="],
  ["Sg==", "SgAAAAAAAAAAAAAAAQAAAAAAAAA="],
  ["tbQ=", "taAFAAAAAAAAAAAAAgAAAAAAAAA="],
  ["0pZP", "0rDEEwAAAAAAAAAAAwAAAAAAAAA="],
  ["/aNzzCFPS/A=", "/RjFHJgRgicsAR4ACAAAAAAAAAA="],
  ["2fuxhBJXtpWFe8dOfdGeHw==", "O9tHLAghgSvYohKFyMMxnNCHaHg="],
  ["T6LYJIfDh81JrAK309H2JMJTXis=", "zBTHrspn3mEcohlJdIUAbjGNaNg="],
  ["NbYXsp5/K6mR+NmHwExjvWeWDJFnXTKWVlzYHoesp2E=", "wjuAuWDiq04qDt1R8hHWDDcwVoQ="],
  [
    "jyibxJSzO6ZiZ0O1qe3tG/bvIAYssvukh9suIT5wEy1JBINVgPiqdsTW0cOpP0aUfP7mgqLfADkzI/m/GgCuVhr8oFLrOCoT" +
      "x1/psBOWwhltCbhUx51Icm9aH8tY4Z3ccU+6BKpYQkLCy0B/A9Zc",
    "hZfLIilSITC6N3e3tQ/iSgEzkto=",
  ],
];

/** Deterministic pseudo-random bytes (SHA-256 in counter mode), so failures reproduce. */
function generated(size: number, seed: string): Buffer {
  const out = Buffer.alloc(size);
  for (let off = 0, i = 0; off < size; i++) {
    const block = createHash("sha256").update(`${seed}:${i}`).digest();
    off += block.copy(out, off);
  }
  return out;
}

describe("quickXorHash", () => {
  test("matches the published known answers", () => {
    for (const [input, expected] of VECTORS) {
      assert.equal(quickXorHashOf(Buffer.from(input, "base64")), expected, `input ${input}`);
    }
  });

  test("is the same whatever the write sizes", () => {
    const data = generated(10_000, "blocks");
    const whole = quickXorHashOf(data);
    for (const step of [1, 7, 64, 1759, 1760, 1761, 4096]) {
      const h = new QuickXorHash();
      for (let i = 0; i < data.length; i += step) h.update(data.subarray(i, i + step));
      assert.equal(h.digestBase64(), whole, `step ${step}`);
    }
  });

  test("absorbing separately hashed fragments equals hashing the whole", () => {
    const data = generated(3 * 327_680 + 12_345, "fragments");
    const running = new QuickXorHash();
    for (const [start, end] of [
      [0, 327_680],
      [327_680, 983_040],
      [983_040, data.length],
    ]) {
      running.absorb(new QuickXorHash().update(data.subarray(start, end)), start);
    }
    assert.equal(running.digestBase64(), quickXorHashOf(data));
  });

  test("agrees with rclone's independent implementation on 5 MB of data", () => {
    const dir = mkdtempSync(join(tmpdir(), "qxh-"));
    try {
      const data = generated(5 * 1024 * 1024 + 3, "rclone");
      const file = join(dir, "data.bin");
      writeFileSync(file, data);
      const out = execFileSync("rclone", ["hashsum", "quickxor", "--base64", file], {
        encoding: "utf8",
        stdio: ["ignore", "pipe", "ignore"],
      });
      // rclone prints URL-safe base64.
      const rcloneHash = out.trim().split(/\s+/)[0].replace(/-/g, "+").replace(/_/g, "/");
      assert.equal(quickXorHashOf(data), rcloneHash);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
