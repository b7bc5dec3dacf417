/**
 * Password hashing: scrypt from node:crypto. A stored hash names its own parameters
 * (`scrypt$N$r$p$salt_b64$hash_b64`), so the cost can be raised later without invalidating
 * existing passwords: they are verified with the parameters they were hashed with.
 */
import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from "node:crypto";

/** The parameters new hashes use (docs/permissions.md "Sign-in and sessions"). */
export const PASSWORD_KDF = {
  /** CPU/memory cost, 2^15. */
  N: 32768,
  r: 8,
  p: 1,
  saltBytes: 32,
  keyBytes: 64,
  /** Upper bound on scrypt's memory (N=2^15, r=8 needs 32 MiB); also caps what a stored hash may ask for. */
  maxmem: 64 * 1024 * 1024,
} as const;

export const PASSWORD_MIN_LENGTH = 8;
export const PASSWORD_MAX_LENGTH = 1024;

function derive(password: string, salt: Buffer, keyBytes: number, options: ScryptOptions): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    // NFC: the same password typed on systems that compose accents differently is the same password.
    scrypt(password.normalize("NFC"), salt, keyBytes, options, (err, key) => (err ? reject(err) : resolve(key)));
  });
}

/** A new hash of `password` with a fresh random salt and {@link PASSWORD_KDF}'s parameters. */
export async function hashPassword(password: string): Promise<string> {
  const { N, r, p, saltBytes, keyBytes, maxmem } = PASSWORD_KDF;
  const salt = randomBytes(saltBytes);
  const key = await derive(password, salt, keyBytes, { N, r, p, maxmem });
  return `scrypt$${N}$${r}$${p}$${salt.toString("base64")}$${key.toString("base64")}`;
}

interface ParsedHash {
  N: number;
  r: number;
  p: number;
  salt: Buffer;
  key: Buffer;
}

function parseHash(stored: string): ParsedHash | undefined {
  const parts = stored.split("$");
  if (parts.length !== 6 || parts[0] !== "scrypt") return undefined;
  const [N, r, p] = parts.slice(1, 4).map(Number);
  if (![N, r, p].every((n) => Number.isSafeInteger(n) && n > 0)) return undefined;
  const salt = Buffer.from(parts[4], "base64");
  const key = Buffer.from(parts[5], "base64");
  if (salt.length === 0 || key.length === 0) return undefined;
  return { N, r, p, salt, key };
}

/**
 * Whether `password` matches the stored hash, compared in constant time. A malformed stored
 * hash, or one asking for more memory than {@link PASSWORD_KDF}.maxmem, never matches.
 */
export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const parsed = parseHash(stored);
  if (!parsed) return false;
  let key: Buffer;
  try {
    key = await derive(password, parsed.salt, parsed.key.length, {
      N: parsed.N,
      r: parsed.r,
      p: parsed.p,
      maxmem: PASSWORD_KDF.maxmem,
    });
  } catch {
    return false;
  }
  return timingSafeEqual(key, parsed.key);
}

let decoy: Promise<string> | undefined;

/**
 * Spends the time a real verification takes, for sign-ins naming no account or one without a
 * password, so the answer's timing does not tell which emails exist.
 */
export async function verifyDecoy(password: string): Promise<void> {
  decoy ??= hashPassword(randomBytes(16).toString("hex"));
  await verifyPassword(password, await decoy);
}
