import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { spawn } from "node:child_process";
import { once } from "node:events";
import { chmodSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import { openSecretsVault, SecretsVaultError } from "../../src/store/secrets/secrets-vault.js";
import { sourcePath } from "../harness/repo-paths.js";

const root = mkdtempSync(join(tmpdir(), "scaidrive-vault-"));
let n = 0;
const freshDir = () => join(root, `d${n++}`);
after(() => rmSync(root, { recursive: true, force: true }));

function failsWith(reason: string) {
  return (err: unknown) => err instanceof SecretsVaultError && err.reason === reason && err.code === "INTERNAL";
}

/** Flips one character of the given dot-separated part, keeping it valid base64url. */
function alterPart(sealed: string, index: number): string {
  const parts = sealed.split(".");
  const p = parts[index];
  const i = Math.floor(p.length / 2);
  parts[index] = p.slice(0, i) + (p[i] === "A" ? "B" : "A") + p.slice(i + 1);
  return parts.join(".");
}

describe("secrets vault", () => {
  test("seal/open round-trips, including empty and non-ASCII secrets", () => {
    const vault = openSecretsVault({ dataDir: freshDir() });
    for (const secret of ["hunter2", "", "pässwörd ✓ 密码", "x".repeat(10_000)]) {
      assert.equal(vault.open(vault.seal(secret)), secret);
    }
  });

  test("sealed text carries version and key id, never the plaintext, and differs on every call", () => {
    const vault = openSecretsVault({ dataDir: freshDir() });
    const secret = "client-secret-Abc123~XYZ";
    const a = vault.seal(secret);
    const b = vault.seal(secret);
    assert.notEqual(a, b);
    for (const sealed of [a, b]) {
      assert.match(sealed, /^v1\.[0-9a-f]{16}\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/);
      assert.equal(sealed.split(".")[1], vault.keyId);
      assert.ok(!sealed.includes(secret));
      assert.ok(!sealed.includes(Buffer.from(secret).toString("base64")));
      assert.ok(!sealed.includes(Buffer.from(secret).toString("base64url")));
      assert.ok(!sealed.includes(Buffer.from(secret).toString("hex")));
    }
  });

  test("without SCAIDRIVE_SECRET_KEY a key file with mode 0600 is generated and reused", () => {
    const dataDir = freshDir();
    const first = openSecretsVault({ dataDir });
    const keyFile = join(dataDir, "secret.key");
    assert.equal(statSync(keyFile).mode & 0o777, 0o600);
    const sealed = first.seal("s3cret");
    const second = openSecretsVault({ dataDir });
    assert.equal(second.keyId, first.keyId);
    assert.equal(second.open(sealed), "s3cret");
    assert.ok(!readFileSync(keyFile, "utf8").includes(first.keyId), "the key id is not the key");
  });

  test("processes starting together on a fresh data dir agree on one generated key", async () => {
    const dataDir = freshDir();
    const vaultModule = sourcePath(import.meta.url, "../../src/store/secrets/secrets-vault.ts");
    const script = join(root, `race-${n}.mts`);
    writeFileSync(
      script,
      `import { openSecretsVault } from ${JSON.stringify(vaultModule)};
      const vault = openSecretsVault({ dataDir: ${JSON.stringify(dataDir)} });
      process.stdout.write(JSON.stringify({ keyId: vault.keyId, sealed: vault.seal("shared") }));`,
    );
    const runOne = async () => {
      const child = spawn(process.execPath, ["--import", "tsx", script], {
        stdio: ["ignore", "pipe", "inherit"],
        timeout: 60_000,
      });
      let out = "";
      child.stdout.setEncoding("utf8").on("data", (d: string) => (out += d));
      const [code] = await once(child, "exit");
      assert.equal(code, 0);
      return JSON.parse(out) as { keyId: string; sealed: string };
    };
    const results = await Promise.all([runOne(), runOne(), runOne()]);
    assert.equal(new Set(results.map((r) => r.keyId)).size, 1);
    const vault = openSecretsVault({ dataDir });
    assert.equal(vault.keyId, results[0].keyId);
    for (const r of results) assert.equal(vault.open(r.sealed), "shared");
    assert.deepEqual(readdirSync(dataDir), ["secret.key"], "no temp key files are left behind");
  });

  test("a key file readable by others is tightened to 0600", () => {
    const dataDir = freshDir();
    openSecretsVault({ dataDir });
    const keyFile = join(dataDir, "secret.key");
    chmodSync(keyFile, 0o644);
    openSecretsVault({ dataDir });
    assert.equal(statSync(keyFile).mode & 0o777, 0o600);
  });

  test("hex, base64 and passphrase keys are accepted; equal keys give equal key ids", () => {
    const raw = randomBytes(32);
    const hex = openSecretsVault({ dataDir: freshDir(), secretKey: raw.toString("hex") });
    const b64 = openSecretsVault({ dataDir: freshDir(), secretKey: raw.toString("base64") });
    const b64url = openSecretsVault({ dataDir: freshDir(), secretKey: raw.toString("base64url") });
    assert.equal(hex.keyId, b64.keyId);
    assert.equal(hex.keyId, b64url.keyId);
    assert.equal(b64.open(hex.seal("same key")), "same key");

    const pass1 = openSecretsVault({ dataDir: freshDir(), secretKey: "correct horse battery staple" });
    const pass2 = openSecretsVault({ dataDir: freshDir(), secretKey: "correct horse battery staple" });
    assert.equal(pass1.keyId, pass2.keyId);
    assert.notEqual(pass1.keyId, hex.keyId);
    assert.equal(pass2.open(pass1.seal("from a passphrase")), "from a passphrase");
    assert.throws(() => openSecretsVault({ dataDir: freshDir(), secretKey: "short" }), /at least 8 characters/);
  });

  test("a configured key does not create a key file", () => {
    const dataDir = freshDir();
    openSecretsVault({ dataDir, secretKey: randomBytes(32).toString("hex") });
    assert.throws(() => statSync(join(dataDir, "secret.key")), { code: "ENOENT" });
  });

  test("tampering with any part is detected", () => {
    const vault = openSecretsVault({ dataDir: freshDir() });
    const sealed = vault.seal("do not change me");
    assert.throws(() => vault.open(alterPart(sealed, 2)), failsWith("tampered"));
    assert.throws(() => vault.open(alterPart(sealed, 3)), failsWith("tampered"));
    assert.throws(() => vault.open(alterPart(sealed, 4)), failsWith("tampered"));
    const parts = sealed.split(".");
    assert.throws(() => vault.open([...parts.slice(0, 4), parts[4] + "AA"].join(".")), failsWith("tampered"));
    assert.throws(() => vault.open([...parts.slice(0, 4), parts[4] + "!"].join(".")), failsWith("malformed"));
    assert.throws(() => vault.open(["v2", ...parts.slice(1)].join(".")), failsWith("unsupported_version"));
    assert.throws(() => vault.open("do not change me"), failsWith("malformed"));
    assert.throws(() => vault.open(""), failsWith("malformed"));
  });

  test("a ciphertext relabelled with another known key id fails authentication", () => {
    const oldKey = randomBytes(32).toString("hex");
    const newKey = randomBytes(32).toString("hex");
    const older = openSecretsVault({ dataDir: freshDir(), secretKey: oldKey });
    const vault = openSecretsVault({ dataDir: freshDir(), secretKey: newKey, previousKeys: [oldKey] });
    const parts = vault.seal("bound to its header").split(".");
    parts[1] = older.keyId;
    assert.throws(() => vault.open(parts.join(".")), failsWith("tampered"));
  });

  test("rotation: previousKeys open old ciphertexts, seal uses the new key, unknown keys fail clearly", () => {
    const oldKey = randomBytes(32).toString("base64");
    const newKey = randomBytes(32).toString("base64");
    const before = openSecretsVault({ dataDir: freshDir(), secretKey: oldKey });
    const oldSealed = before.seal("old password");

    const withoutHistory = openSecretsVault({ dataDir: freshDir(), secretKey: newKey });
    assert.throws(
      () => withoutHistory.open(oldSealed),
      (err: unknown) => failsWith("unknown_key")(err) && (err as Error).message.includes(before.keyId),
    );

    const rotated = openSecretsVault({ dataDir: freshDir(), secretKey: newKey, previousKeys: [oldKey] });
    assert.notEqual(rotated.keyId, before.keyId);
    assert.equal(rotated.open(oldSealed), "old password");
    const resealed = rotated.seal(rotated.open(oldSealed));
    assert.equal(resealed.split(".")[1], rotated.keyId);
    assert.equal(withoutHistory.open(resealed), "old password");
  });

  test("moving from the generated key file to a configured key keeps old secrets readable", () => {
    const dataDir = freshDir();
    const generated = openSecretsVault({ dataDir });
    const sealed = generated.seal("sealed with the file key");
    const configured = openSecretsVault({ dataDir, secretKey: randomBytes(32).toString("hex") });
    assert.notEqual(configured.keyId, generated.keyId);
    assert.equal(configured.open(sealed), "sealed with the file key");
  });

  test("error messages never echo the sealed text", () => {
    const vault = openSecretsVault({ dataDir: freshDir() });
    const sealed = vault.seal("topsecret");
    for (const bad of [alterPart(sealed, 4), sealed.replace(/^v1/, "v9"), "plain topsecret value"]) {
      try {
        vault.open(bad);
        assert.fail("open should throw");
      } catch (err) {
        assert.ok(err instanceof SecretsVaultError);
        const text = `${err.message} ${JSON.stringify(err.details)}`;
        assert.ok(!text.includes(bad.split(".").at(-1)!), text);
        assert.ok(!text.includes("topsecret"), text);
      }
    }
  });

  test("a corrupt key file is reported, not replaced", () => {
    const dataDir = freshDir();
    openSecretsVault({ dataDir });
    writeFileSync(join(dataDir, "secret.key"), "x\n", { mode: 0o600 });
    assert.throws(() => openSecretsVault({ dataDir }), /at least 8 characters/);
  });
});
