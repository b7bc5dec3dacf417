import { join } from "node:path";

const SHA256_HEX = /^[0-9a-f]{64}$/;

/** True for a lowercase hex SHA-256 digest: the only names the blob store accepts or creates. */
export function isSha256Hex(value: string): boolean {
  return SHA256_HEX.test(value);
}

/**
 * Where a blob lives: `<dir>/ab/<sha256>`. One level of 256-way fanout: all 256 directories
 * exist after the first few hundred puts, so storing a blob never creates a directory (a mkdir
 * plus a parent-directory fsync per blob, nearly half of a small put's cost, for as long as a
 * deeper tree was still filling). ext4 and XFS index large directories (a million blobs is
 * ~4,000 entries per directory). Callers must validate the digest with {@link isSha256Hex}
 * first, so a crafted id can never escape `dir`.
 */
export function blobPath(dir: string, sha256: string): string {
  return join(dir, sha256.slice(0, 2), sha256);
}

/**
 * Where data dirs written before the one-level layout keep a blob: `<dir>/ab/cd/<sha256>`.
 * Such blobs are still read and collected, never written.
 */
export function legacyBlobPath(dir: string, sha256: string): string {
  return join(dir, sha256.slice(0, 2), sha256.slice(2, 4), sha256);
}

/** Temp files live in `<dir>/tmp/` so the final rename stays on one filesystem (atomic). */
export function tempDir(dir: string): string {
  return join(dir, "tmp");
}

/**
 * Resumable uploads in progress live in `<dir>/uploads/`: inside the blob dir, so a finished one
 * is renamed into place, never copied. Not a two-hex-digit name, so blob collection never looks
 * into it; the upload service removes what expires.
 */
export function uploadsDir(dir: string): string {
  return join(dir, "uploads");
}
