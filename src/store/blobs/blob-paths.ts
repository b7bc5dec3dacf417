import { join } from "node:path";

const SHA256_HEX = /^[0-9a-f]{64}$/;

/** True for a lowercase hex SHA-256 digest: the only names the blob store accepts or creates. */
export function isSha256Hex(value: string): boolean {
  return SHA256_HEX.test(value);
}

/**
 * Where a blob lives: `<dir>/ab/cd/<sha256>`. Two levels of 256-way fanout keep directories
 * small (a million blobs is ~15 entries per leaf directory). Callers must validate the digest
 * with {@link isSha256Hex} first, so a crafted id can never escape `dir`.
 */
export function blobPath(dir: string, sha256: string): string {
  return join(dir, sha256.slice(0, 2), sha256.slice(2, 4), sha256);
}

/** Temp files live in `<dir>/tmp/` so the final rename stays on one filesystem (atomic). */
export function tempDir(dir: string): string {
  return join(dir, "tmp");
}
