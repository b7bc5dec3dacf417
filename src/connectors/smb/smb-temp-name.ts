/**
 * Names of the adapter's temporary upload files. A write lands in a temp file in the target's own
 * folder (same folder, so the final rename never crosses a volume and needs no extra rights
 * elsewhere) and is renamed over the target once complete. Walks never yield these names and the
 * engine filters them out, so a temp file left by a killed process or a dropped connection is
 * never synced.
 *
 * Spellings, tried in this order (see `smb-atomic-write.ts`):
 * 1. `scaidrive-upload-<owner key>-<16 hex>`
 * 2. `upload-<owner key>-<16 hex>.scaidrive`
 *
 * File servers refuse names their `veto files` (Samba) or file screens (Windows FSRM) match, and
 * the rules admins write hit temp and hidden files: `*.tmp`, `*.temp`, `*.part`, `~*`, `~$*`,
 * `.*`. Neither spelling starts with a dot or a tilde or carries such an extension; the second
 * differs from the first in both ends, for a share that vetoes one of them. Without a leading dot
 * Samba's `hide dot files` no longer hides them, so the adapter creates them with the hidden
 * attribute instead.
 *
 * The owner key (8 hex) identifies who uploads: a stable owner (one connector's sync runs, which
 * never run twice at once) gets a key derived from its name, so its next walk knows a temp file
 * with its key is a leftover and deletes it; an anonymous remote gets a random key per instance.
 * A temp file of another owner may be in flight and is only deleted once stale
 * ({@link TEMP_STALE_AFTER_MS} since its last write or change). The spellings of earlier
 * versions, `.~scaidrive-<owner key>-<hex>.tmp` and the keyless `.~scaidrive-<hex>.tmp` (treated
 * as another owner's), are still recognised, so their leftovers are skipped and cleaned up too.
 */
import { createHash, randomBytes } from "node:crypto";

const PATTERNS = [
  /^scaidrive-upload-([0-9a-f]{8})-[0-9a-f]{16}$/i,
  /^upload-([0-9a-f]{8})-[0-9a-f]{16}\.scaidrive$/i,
  /^\.~scaidrive-(?:([0-9a-f]{8})-)?[0-9a-z]{8,32}\.tmp$/i,
];

/** Another owner's temp file older than this (by its latest write/change time) is removed by walks. */
export const TEMP_STALE_AFTER_MS = 60 * 60 * 1000;

/** True for a name (last path segment) the adapter uses, or used, for in-flight uploads. */
export function isSmbTempName(name: string): boolean {
  return PATTERNS.some((p) => p.test(name));
}

/** The owner key of a temp name, or undefined for a keyless (older) or non-temp name. */
export function smbTempOwnerKey(name: string): string | undefined {
  for (const p of PATTERNS) {
    const m = p.exec(name);
    if (m) return m[1]?.toLowerCase();
  }
  return undefined;
}

/** The 8-hex owner key of a stable owner name (e.g. `connector:<id>`); a random one without. */
export function smbTempKeyFor(owner: string | undefined): string {
  return owner === undefined
    ? randomBytes(4).toString("hex")
    : createHash("sha256").update(owner).digest("hex").slice(0, 8);
}

/** Fresh temp names for owner key `key`, one per spelling, in the order to try them. */
export function newSmbTempNames(key: string): string[] {
  const hex = randomBytes(8).toString("hex");
  return [`scaidrive-upload-${key}-${hex}`, `upload-${key}-${hex}.scaidrive`];
}
