import { createHash, randomBytes, scryptSync } from "node:crypto";
import { chmodSync, linkSync, readFileSync, statSync, unlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";

/** A 256-bit AES key and its short public id (the id is stored beside every ciphertext). */
export interface SecretKey {
  readonly id: string;
  readonly key: Buffer;
}

export const KEY_FILE_NAME = "secret.key";
const KEY_BYTES = 32;
/**
 * Passphrases are stretched with scrypt and this fixed salt: the key must be reproducible from
 * the configured string alone, so there is nowhere to keep a random salt. A random 32-byte key
 * (`openssl rand -base64 32`) is the recommended form; passphrases are for convenience.
 */
const PASSPHRASE_SALT = "scaidrive/secrets-vault/v1";
const SCRYPT = { N: 1 << 15, r: 8, p: 1, maxmem: 64 * 1024 * 1024 } as const;

/**
 * Turns a configured key string into key material. Accepted forms, tried in order:
 * 64 hex digits (32 bytes); base64 or base64url that decodes to exactly 32 bytes; anything
 * else of at least 8 characters is a passphrase run through scrypt (fixed salt, N=2^15, r=8, p=1).
 * Throws on an empty or too-short string, so a typo never becomes a weak key silently.
 */
export function parseSecretKey(text: string): SecretKey {
  const value = text.trim();
  let key: Buffer | undefined;
  if (/^[0-9a-fA-F]{64}$/.test(value)) {
    key = Buffer.from(value, "hex");
  } else if (/^[A-Za-z0-9+/_-]{43}={0,1}$/.test(value)) {
    const decoded = Buffer.from(value.replace(/-/g, "+").replace(/_/g, "/"), "base64");
    if (decoded.length === KEY_BYTES) key = decoded;
  }
  if (!key) {
    if (value.length < 8)
      throw new Error("secret key must be 32 bytes (hex/base64) or a passphrase of at least 8 characters");
    key = scryptSync(value, PASSPHRASE_SALT, KEY_BYTES, SCRYPT);
  }
  return { id: keyIdOf(key), key };
}

/** 16 hex digits derived from the key; reveals nothing usable about it (one-way, domain-separated). */
export function keyIdOf(key: Buffer): string {
  return createHash("sha256").update("scaidrive-key-id\0").update(key).digest("hex").slice(0, 16);
}

/**
 * Reads `<dataDir>/secret.key`, creating it (32 random bytes, base64, mode 0600) if absent.
 * Creation is write-to-temp then link(), so two processes starting together agree on one key
 * and nobody ever reads a half-written file. An existing file readable by group or others is
 * tightened to 0600. Returns undefined only when `create` is false and no file exists.
 */
export function loadKeyFile(dataDir: string, create: boolean): SecretKey | undefined {
  const path = join(dataDir, KEY_FILE_NAME);
  let text: string | undefined;
  try {
    const mode = statSync(path).mode & 0o777;
    if ((mode & 0o077) !== 0) chmodSync(path, 0o600);
    text = readFileSync(path, "utf8");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw err;
  }
  if (text !== undefined) return parseKeyFile(path, text);
  if (!create) return undefined;
  const tmp = `${path}.${process.pid}.${randomBytes(6).toString("hex")}.tmp`;
  writeFileSync(tmp, randomBytes(KEY_BYTES).toString("base64") + "\n", { mode: 0o600, flag: "wx" });
  try {
    linkSync(tmp, path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
  } finally {
    unlinkSync(tmp);
  }
  return parseKeyFile(path, readFileSync(path, "utf8"));
}

function parseKeyFile(path: string, text: string): SecretKey {
  try {
    return parseSecretKey(text);
  } catch (err) {
    throw new Error(`${path}: ${(err as Error).message}`, { cause: err });
  }
}
